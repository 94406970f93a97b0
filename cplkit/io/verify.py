"""Verification of a signed DCC file or CSV extract, trusting only the certificates given.

Checks run in a fixed order so each kind of bad file fails for its own reason (and exit status,
``cplkit.errors.VERIFY_EXIT``): well-formed XML with no DTD or entities; exactly one signature,
the last child of the root, with one reference to the whole document; accepted algorithms only
(no SHA-1); the XSD; a signer one of the trusted certificates vouches for (never a certificate
merely because the file carries it); the signature itself, by signxml; the signer's certificate
valid at the signing time; with a previous file, exactly the next version and the previous
digest. Content is then read from the element the verifier reports as signed, nothing else.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from cplkit.errors import VerificationError
from cplkit.io import dccxml
from cplkit.io.signing import fingerprint
from cplkit.io.xmlsafe import hardened_parser

DS = "{http://www.w3.org/2000/09/xmldsig#}"
ENVELOPED = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
SIGNATURE_METHODS = {
    "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256",
    "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384",
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384",
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512",
}
DIGEST_METHODS = {
    "http://www.w3.org/2001/04/xmlenc#sha256",
    "http://www.w3.org/2001/04/xmldsig-more#sha384",
    "http://www.w3.org/2001/04/xmlenc#sha512",
}
MAX_BYTES = 512 * 2**20
_DTD = re.compile(rb"<!(?i:doctype|entity)")


def _fail(failure: str, message: str, hint: str | None = None) -> VerificationError:
    return VerificationError(failure, message, hint=hint)


@dataclass(frozen=True, slots=True)
class Verified:
    """What a valid file says, and who signed it."""

    sha256: str
    signer: x509.Certificate
    content: dccxml.DccContent | None = None  # a DCC file
    label: str | None = None  # a CSV extract
    rows: int = 0

    @property
    def signer_name(self) -> str:
        return self.signer.subject.rfc4514_string()


def _signer(embedded: Sequence[x509.Certificate], trusted: Sequence[x509.Certificate],
            at: dt.datetime) -> x509.Certificate:
    """The trusted certificate (or trusted-CA-issued one) that vouches for the signer."""
    if not embedded:
        raise _fail("structure", "the signature carries no signer certificate")
    leaf = embedded[0]
    for cert in trusted:
        if cert == leaf:
            return cert
    from cryptography.x509.verification import PolicyBuilder, Store
    from cryptography.x509.verification import VerificationError as ChainError

    authorities = [c for c in trusted if _is_ca(c)]
    if authorities:
        try:
            verifier = PolicyBuilder().store(Store(authorities)).time(at).build_client_verifier()
            verifier.verify(leaf, list(embedded[1:]))
            return leaf
        except (ChainError, ValueError):
            pass
    raise _fail("untrusted",
                f"signed by {leaf.subject.rfc4514_string()} (SHA-256 fingerprint "
                f"{fingerprint(leaf)}), which none of the trusted certificates vouches for",
                hint="check --trust names the CPL signing certificate you were given; a file "
                     "signed by anyone else must not be loaded")


def _is_ca(cert: x509.Certificate) -> bool:
    try:
        return bool(cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca)
    except x509.ExtensionNotFound:
        return False


def _valid_at(cert: x509.Certificate, at: dt.datetime) -> None:
    if not cert.not_valid_before_utc <= at <= cert.not_valid_after_utc:
        raise _fail("certificate",
                    f"the signer's certificate {cert.subject.rfc4514_string()} was not valid on "
                    f"{at:%Y-%m-%d} (valid {cert.not_valid_before_utc:%Y-%m-%d} to "
                    f"{cert.not_valid_after_utc:%Y-%m-%d})",
                    hint="a file signed outside its certificate's validity must not be loaded")


def _at(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC)


@dataclass(frozen=True, slots=True)
class _SignedXml:
    element: Any  # what the verifier reports as signed
    leaf: x509.Certificate


def _verify_signed_xml(data: bytes, trusted: Sequence[x509.Certificate], at: dt.date | None,
                       root_tag: str, what: str, schema_errors: Any) -> _SignedXml:
    """The checks every signed XML file of cplkit passes, in order (see the module doc)."""
    from lxml import etree

    if len(data) > MAX_BYTES:
        raise _fail("malformed", f"the file is larger than {MAX_BYTES // 2**20} MiB")
    if _DTD.search(data):
        raise _fail("malformed", "the file declares a DTD or entities, which a CPL file never "
                    "does; refused, as they can expand to exhaust memory or read other files",
                    hint="do not load this file; ask the sender for the file cplkit signed")
    try:
        parsed = etree.fromstring(data, hardened_parser())
    except etree.XMLSyntaxError as exc:
        raise _fail("malformed", f"not well-formed XML: {exc}") from None
    if parsed is None:
        raise _fail("malformed", "the file holds no XML element")
    root: Any = parsed
    if root.tag != root_tag:
        raise _fail("schema", f"not a {what} (root element {root.tag})")
    signatures = root.findall(".//" + DS + "Signature")
    if len(signatures) != 1:
        raise _fail("structure", "no XML signature" if not signatures else
                    f"{len(signatures)} XML signatures; a CPL file has exactly one",
                    hint="a second or moved signature is how signature-wrapping attacks work: "
                         "do not load this file")
    signature = signatures[0]
    if signature.getparent() is not root or root[-1] is not signature:
        raise _fail("structure", "the signature is not the last child of the root element, "
                    "where cplkit puts it", hint="do not load this file")
    _check_signed_info(signature)
    errors = schema_errors(root)
    if errors:
        raise _fail("schema", f"not a valid {what}: " + "; ".join(errors[:3]))
    stamp = root.get("signedAt") or ""
    when = _at(at) if at else dt.datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    embedded = [x509.load_der_x509_certificate(_b64(c.text)) for c in
                signature.iterfind(f"{DS}KeyInfo/{DS}X509Data/{DS}X509Certificate")]
    signer = _signer(embedded, trusted, when)
    signed = _check_signature(data, signer)
    leaf = embedded[0] if embedded else signer
    _valid_at(leaf, when)
    return _SignedXml(signed, leaf)


def verify_dcc(data: bytes, trusted: Sequence[x509.Certificate], *,
               at: dt.date | None = None) -> Verified:
    checked = _verify_signed_xml(data, trusted, at, dccxml.Q + "CentralProductsList",
                                 "CPL DCC file", dccxml.schema_errors)
    content = dccxml.read_signed(checked.element)
    if int(checked.element.find(dccxml.Q + "Entries").get("count")) != len(content.entries):
        raise _fail("schema", "the entry count does not match the entries")
    return Verified(hashlib.sha256(data).hexdigest(), checked.leaf, content=content)


def verify_manifest(data: bytes, folder: Path, trusted: Sequence[x509.Certificate], *,
                    at: dt.date | None = None) -> Verified:
    """A signed manifest, then every file it lists, looked up beside it by name."""
    from cplkit.io import manifest

    checked = _verify_signed_xml(data, trusted, at, manifest.Q + "Manifest",
                                 "CPL manifest", manifest.schema_errors)
    listed = manifest.read_signed(checked.element)
    for name, digest in listed.files.items():
        try:
            actual = hashlib.sha256((folder / name).read_bytes()).hexdigest()
        except OSError:
            raise _fail("signature", f"{name}, listed in the manifest, is missing from {folder}",
                        hint="download every file of the version again") from None
        if actual != digest:
            raise _fail("signature", f"{name} is not the file the manifest lists (its SHA-256 is "
                        f"{actual}, the signed manifest says {digest}): it was changed",
                        hint="do not use this file; download it again from the publisher")
    return Verified(hashlib.sha256(data).hexdigest(), checked.leaf, label=listed.label,
                    rows=len(listed.files))


def _b64(text: str | None) -> bytes:
    import base64

    try:
        return base64.b64decode("".join((text or "").split()), validate=True)
    except ValueError:
        raise _fail("structure", "a certificate in the signature is not base64") from None


def _check_signed_info(signature: Any) -> None:
    info = signature.find(DS + "SignedInfo")
    if info is None:
        raise _fail("structure", "the signature has no SignedInfo")
    c14n = info.find(DS + "CanonicalizationMethod")
    method = info.find(DS + "SignatureMethod")
    references = info.findall(DS + "Reference")
    if len(references) != 1:
        raise _fail("structure", f"the signature has {len(references)} references; a CPL file's "
                    "has exactly one, to the whole document")
    reference = references[0]
    if reference.get("URI") != "":
        raise _fail("structure", f"the signature covers '{reference.get('URI')}', not the whole "
                    "document", hint="do not load this file: content outside a partial "
                                     "signature could be anything")
    transforms = [t.get("Algorithm") for t in reference.iterfind(f"{DS}Transforms/{DS}Transform")]
    if not set(transforms) <= {ENVELOPED, EXC_C14N} or ENVELOPED not in transforms:
        raise _fail("structure", "the signature's transforms are not the enveloped-signature "
                    "and exclusive canonicalisation of a CPL file")
    algorithms = [
        ("canonicalisation", c14n.get("Algorithm") if c14n is not None else None, {EXC_C14N}),
        ("signature", method.get("Algorithm") if method is not None else None, SIGNATURE_METHODS),
        ("digest", reference.findtext(f"{DS}DigestMethod") or
         (reference.find(DS + "DigestMethod").get("Algorithm")
          if reference.find(DS + "DigestMethod") is not None else None), DIGEST_METHODS),
    ]
    for what, algorithm, allowed in algorithms:
        if algorithm not in allowed:
            weak = " (SHA-1 is broken)" if algorithm and "sha1" in algorithm else ""
            raise _fail("algorithm", f"the {what} algorithm {algorithm} is not accepted{weak}",
                        hint="CPL files are signed with ECDSA or RSA over SHA-256 and exclusive "
                             "canonicalisation")


def _check_signature(data: bytes, signer: x509.Certificate) -> Any:
    from signxml.algorithms import DigestAlgorithm, SignatureMethod
    from signxml.exceptions import InvalidDigest, InvalidInput
    from signxml.exceptions import InvalidSignature as BadSignature
    from signxml.verifier import SignatureConfiguration, XMLVerifier

    config = SignatureConfiguration(
        location="./", expect_references=1,
        signature_methods=frozenset(SignatureMethod(a) for a in SIGNATURE_METHODS),
        digest_algorithms=frozenset(DigestAlgorithm(a) for a in DIGEST_METHODS))
    try:
        result = XMLVerifier().verify(data, x509_cert=signer, parser=hardened_parser(),
                                      expect_config=config)
    except (BadSignature, InvalidDigest) as exc:
        raise _fail("signature", f"the signature does not match the content ({exc}): the file "
                    "was changed after it was signed",
                    hint="do not load this file; fetch the original again") from None
    except InvalidInput as exc:
        raise _fail("structure", f"the signature is not well formed: {exc}") from None
    return result.signed_xml  # type: ignore[union-attr]


def check_chain(current: Verified, previous: Verified) -> None:
    """``current`` must be exactly the version after ``previous`` and name its digest."""
    assert current.content is not None and previous.content is not None
    now, before = current.content.number, previous.content.number
    if now < before:
        raise _fail("chain", f"version {now} is older than the previous file's {before}: an old "
                    "version presented as new", hint="do not load this file")
    if now == before:
        raise _fail("chain", f"both files are version {now}")
    if now != before.next():
        raise _fail("chain", f"version {now} does not follow {before} (expected "
                    f"{before.next()}): a version was skipped", hint="get the missing version")
    if current.content.previous != (str(before), previous.sha256):
        raise _fail("chain", f"version {now} does not name this file as its previous version "
                    "(the SHA-256 it records is different)", hint="do not load this file")


# -- the CSV extract --------------------------------------------------------------------------


_CMS_HASHES: dict[str, Callable[[], hashes.HashAlgorithm]] = {
    "sha256": hashes.SHA256, "sha384": hashes.SHA384, "sha512": hashes.SHA512}


def verify_csv(data: bytes, signature: bytes, trusted: Sequence[x509.Certificate], *,
               at: dt.date | None = None) -> Verified:
    from asn1crypto import cms

    try:
        info = cms.ContentInfo.load(signature, strict=True)
        if info["content_type"].native != "signed_data":
            raise ValueError("not signed data")
        signed = info["content"]
        signers = signed["signer_infos"]
        if len(signers) != 1:
            raise _fail("structure", f"the CMS signature has {len(signers)} signers, not one")
        if signed["encap_content_info"]["content"].native is not None:
            raise _fail("structure", "the CMS signature is not detached")
        signer_info = signers[0]
        digest_name = signer_info["digest_algorithm"]["algorithm"].native
        attributes = signer_info["signed_attrs"]
        found = {a["type"].native: a["values"][0].native for a in attributes}
        certificates = [x509.load_der_x509_certificate(c.chosen.dump())
                        for c in signed["certificates"] or []]
        sid = signer_info["sid"].chosen
        signature_algorithm = signer_info["signature_algorithm"]["algorithm"].native
        raw_signature = signer_info["signature"].native
        signed_bytes = attributes.untag().dump()
    except VerificationError:
        raise
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise _fail("malformed", f"not a CMS signature cplkit can read ({exc})") from None
    if digest_name not in _CMS_HASHES:
        raise _fail("algorithm", f"the digest {digest_name} is not accepted"
                    + (" (SHA-1 is broken)" if digest_name == "sha1" else ""))
    if found.get("content_type") != "data" or "message_digest" not in found:
        raise _fail("structure", "the CMS signature lacks its content-type or digest attribute")
    if hashlib.new(digest_name, data).digest() != found["message_digest"]:
        raise _fail("signature", "the CSV file does not match its signature: it was changed "
                    "after it was signed", hint="do not load this file")
    leaf = next((c for c in certificates if isinstance(sid, cms.IssuerAndSerialNumber) and
                 c.serial_number == sid["serial_number"].native), None)
    when = _at(at) if at else (found.get("signing_time") or dt.datetime.now(dt.UTC))
    if leaf is None:
        leaf = next((c for c in trusted if isinstance(sid, cms.IssuerAndSerialNumber) and
                     c.serial_number == sid["serial_number"].native), None)
    signer = _signer([leaf] if leaf else [], trusted, when)
    public_key = signer.public_key()
    hash_type = _CMS_HASHES[digest_name]()
    try:
        if isinstance(public_key, ec.EllipticCurvePublicKey) and "ecdsa" in signature_algorithm:
            public_key.verify(raw_signature, signed_bytes, ec.ECDSA(hash_type))
        elif isinstance(public_key, rsa.RSAPublicKey) and "rsa" in signature_algorithm:
            public_key.verify(raw_signature, signed_bytes, padding.PKCS1v15(), hash_type)
        else:
            raise _fail("algorithm", f"the signature algorithm {signature_algorithm} is not "
                        "accepted")
    except InvalidSignature:
        raise _fail("signature", "the CMS signature does not match its signed attributes") \
            from None
    _valid_at(signer, when)
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"))))
    from cplkit.io.xlsx_write import CSV_COLUMNS

    if not rows or tuple(rows[0]) != CSV_COLUMNS:
        raise _fail("schema", "the CSV file's header is not the 13 columns of the CPL extract")
    labels = {r[0] for r in rows[1:]}
    if len(labels) > 1:
        raise _fail("schema", "the Version column differs between rows")
    return Verified(hashlib.sha256(data).hexdigest(), signer,
                    label=next(iter(labels), None), rows=len(rows) - 1)
