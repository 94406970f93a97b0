"""XML Signatures: an enveloped signature over a whole document, made and checked.

Signing uses the policy's algorithms (exclusive canonicalisation, ECDSA-SHA256 or RSA-SHA256,
SHA-256 digests, one reference to the whole document) and KeyInfo carrying the signer's
certificate, its chain and its issuer and serial number. libxmlsec1 (python-xmlsec) signs with a
key held in memory, where it runs on lxml's libxml2; signxml signs otherwise, and with a key in
a token. Nothing is canonicalised or formatted by hand. ``cplkit.signing.xmldsig_streamed``
makes the same signature over a document written a batch at a time, for one too large to hold.

``verify_enveloped`` runs the checks in a fixed order so each kind of bad file fails for its own
reason (``cplkit.errors.VERIFY_EXIT``): well-formed XML with no DTD or entities; exactly one
signature, the last child of the root, with one reference to the whole document; accepted
algorithms only (no SHA-1); the caller's schema; a signer the trusted certificates vouch for;
the signature itself, by signxml; the signer's certificate valid at the signing time. It returns
the element signxml reports as signed: callers read that and nothing else. What the document
means is for ``cplkit.publications``.
"""

from __future__ import annotations

import base64
import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from cplkit.base.xmlsafe import hardened_parser
from cplkit.signing.algorithms import (
    DEFAULT_POLICY,
    ECDSA_SHA256,
    ENVELOPED,
    EXC_C14N,
    RSA_SHA256,
    SHA256,
    XMLDSIG,
    SigningPolicy,
)
from cplkit.signing.signers import Signer
from cplkit.signing.x509 import (
    at_noon,
    check_public_key,
    fail,
    trusted_signer,
    valid_when_signed,
)

DS = "{" + XMLDSIG + "}"
MAX_BYTES = 512 * 2**20
_DTD = re.compile(rb"<!(?i:doctype|entity)")


def key_info(signer: Signer) -> Any:
    """KeyInfo naming the signer: its issuer and serial number, its certificate and chain."""
    from lxml import etree
    from signxml.util import namespaces

    ds = "{" + namespaces.ds + "}"
    element = etree.Element(ds + "KeyInfo", nsmap={"ds": namespaces.ds})
    data = etree.SubElement(element, ds + "X509Data")
    issuer_serial = etree.SubElement(data, ds + "X509IssuerSerial")
    etree.SubElement(issuer_serial, ds + "X509IssuerName").text = \
        signer.certificate.issuer.rfc4514_string()
    etree.SubElement(issuer_serial, ds + "X509SerialNumber").text = \
        str(signer.certificate.serial_number)
    for cert in (signer.certificate, *signer.chain):
        der = cert.public_bytes(serialization.Encoding.DER)
        etree.SubElement(data, ds + "X509Certificate").text = base64.b64encode(der).decode()
    return element


def sign_xml(root: Any, signer: Signer) -> bytes:
    """An enveloped signature over the whole document ``root`` (an lxml element, which it
    takes over); returns the signed document's bytes."""
    from lxml import etree

    key = signer.private_key
    elliptic = isinstance(key, ec.EllipticCurvePrivateKey)
    engine = _xmlsec()
    pem = _exportable(key) if engine is not None else None
    if engine is not None and pem is not None:
        signed = _sign_with_xmlsec(engine, root, pem, elliptic)
        signed[-1].append(key_info(signer))
    else:
        from signxml.algorithms import CanonicalizationMethod, DigestAlgorithm, SignatureMethod
        from signxml.signer import XMLSigner

        xml_signer = XMLSigner(
            signature_algorithm=SignatureMethod(ECDSA_SHA256 if elliptic else RSA_SHA256),
            digest_algorithm=DigestAlgorithm(SHA256),
            c14n_algorithm=CanonicalizationMethod(EXC_C14N))
        signed = xml_signer.sign(root, key=key, key_info=key_info(signer))
    # nothing may touch the tree after signing: even a newline after the signature is content
    data: bytes = etree.tostring(signed, xml_declaration=True, encoding="UTF-8")
    return data + b"\n"


def _exportable(key: Any) -> bytes | None:
    """The key as unencrypted PKCS#8 PEM, for libxmlsec1; None for a key that never leaves
    its token (signxml signs with that one, through the key object)."""
    from cplkit.errors import SigningError

    try:
        pem: bytes = key.private_bytes(serialization.Encoding.PEM,
                                       serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption())
    except SigningError:
        return None
    return pem


def _sign_with_xmlsec(xmlsec: Any, root: Any, pem: bytes, elliptic: bool) -> Any:
    """``root`` signed in place by libxmlsec1 (about a tenth of the memory and time signxml
    takes on a 72,900-entry file): the same signature as signxml makes, one reference to the
    whole document with the enveloped-signature and exclusive c14n transforms. KeyInfo is
    added after: the enveloped transform leaves the whole Signature out of what is signed."""
    constants = xmlsec.constants
    signature = xmlsec.template.create(
        root, constants.TransformExclC14N,
        constants.TransformEcdsaSha256 if elliptic else constants.TransformRsaSha256, ns="ds")
    reference = xmlsec.template.add_reference(signature, constants.TransformSha256, uri="")
    xmlsec.template.add_transform(reference, constants.TransformEnveloped)
    xmlsec.template.add_transform(reference, constants.TransformExclC14N)
    root.append(signature)
    context = xmlsec.SignatureContext()
    context.key = xmlsec.Key.from_memory(pem, constants.KeyDataFormatPem)
    context.sign(signature)
    return root


@dataclass(frozen=True, slots=True)
class SignedXml:
    """What verification found: the element that was signed, and who signed it."""

    element: Any
    signer: x509.Certificate


def verify_enveloped(data: bytes, trusted: Sequence[x509.Certificate], at: dt.date | None,
                     root_tag: str, what: str, schema_errors: Callable[[Any], list[str]], *,
                     policy: SigningPolicy = DEFAULT_POLICY) -> SignedXml:
    """The checks every signed XML file of cplkit passes, in order (see the module doc)."""
    from lxml import etree

    if len(data) > MAX_BYTES:
        raise fail("malformed", f"the file is larger than {MAX_BYTES // 2**20} MiB")
    if _DTD.search(data):
        raise fail("malformed", "the file declares a DTD or entities, which a CPL file never "
                    "does; refused, as they can expand to exhaust memory or read other files",
                    hint="do not load this file; ask the sender for the file cplkit signed")
    try:
        parsed = etree.fromstring(data, hardened_parser(keep_comments=True))
    except etree.XMLSyntaxError as exc:
        raise fail("malformed", f"not well-formed XML: {exc}") from None
    if parsed is None:
        raise fail("malformed", "the file holds no XML element")
    root: Any = parsed
    if root.tag != root_tag:
        raise fail("schema", f"not a {what} (root element {root.tag})")
    extra = [*root.xpath("//comment() | //processing-instruction()"),
             *root.itersiblings(preceding=True), *root.itersiblings()]
    if extra:
        raise fail("schema", f"the file holds a comment or processing instruction, which a "
                   f"{what} never does: what is not signed must not be there",
                   hint="do not load this file; ask the sender for the file cplkit signed")
    signatures = root.findall(".//" + DS + "Signature")
    if len(signatures) != 1:
        raise fail("structure", "no XML signature" if not signatures else
                   f"{len(signatures)} XML signatures; a CPL file has exactly one",
                   hint="a second or moved signature is how signature-wrapping attacks work: "
                        "do not load this file")
    signature = signatures[0]
    if signature.getparent() is not root or root[-1] is not signature:
        raise fail("structure", "the signature is not the last child of the root element, "
                   "where cplkit puts it", hint="do not load this file")
    _check_signature_shape(signature)
    _check_signed_info(signature, policy)
    errors = schema_errors(root)
    if errors:
        raise fail("schema", f"not a valid {what}: " + "; ".join(errors[:3]))
    when = at_noon(at) if at else _signed_at(root.get("signedAt") or "")
    embedded = [_certificate(c.text) for c in
                signature.iterfind(f"{DS}KeyInfo/{DS}X509Data/{DS}X509Certificate")]
    signer = trusted_signer(embedded, trusted, when)
    check_public_key(signer, policy)
    valid_when_signed(signer, when)
    engine = _xmlsec()
    signed = (_check_with_xmlsec(engine, root, signer) if engine is not None
              else _check_signature(data, signer, policy, when))
    return SignedXml(signed, signer)


def _xmlsec() -> Any:
    """python-xmlsec, when it is installed and runs on the same libxml2 as lxml (it works on
    lxml's trees, so the two must agree); None otherwise, and signxml checks the signature."""
    try:
        import xmlsec
        from lxml import etree
    except ImportError:
        return None
    if tuple(xmlsec.get_libxml_version()) != tuple(etree.LIBXML_VERSION):
        return None
    return xmlsec


def _check_with_xmlsec(xmlsec: Any, root: Any, signer: x509.Certificate) -> Any:
    """The signature checked by libxmlsec1, the library behind xmlsec1, on the tree already
    parsed and held to every structural check above: one signature, the last child, one
    reference to the whole document with the enveloped-signature and exclusive c14n transforms
    only. Only the algorithms cplkit signs with are enabled, and the key is the signer's
    (already judged trusted), so nothing in the file chooses a key. Being the whole document,
    the root is what was signed."""
    from cryptography.hazmat.primitives import serialization

    constants = xmlsec.constants
    context = xmlsec.SignatureContext()
    context.key = xmlsec.Key.from_memory(signer.public_bytes(serialization.Encoding.PEM),
                                         constants.KeyDataFormatCertPem)
    for transform in (constants.TransformExclC14N, constants.TransformEnveloped,
                      constants.TransformSha256):
        context.enable_reference_transform(transform)
    for transform in (constants.TransformExclC14N, constants.TransformEcdsaSha256,
                      constants.TransformRsaSha256):
        context.enable_signature_transform(transform)
    try:
        context.verify(root[-1])
    except xmlsec.VerificationError:
        raise fail("signature", "the signature does not match the content: the file was "
                   "changed after it was signed",
                   hint="do not load this file; fetch the original again") from None
    except xmlsec.Error as exc:
        raise fail("structure", f"the signature cannot be checked: {exc}") from None
    return root


#: what an enveloped signature cplkit makes holds, element by element: nothing else may be there
_SIGNATURE_SHAPE = {
    DS + "Signature": (DS + "SignedInfo", DS + "SignatureValue", DS + "KeyInfo"),
    DS + "KeyInfo": (DS + "X509Data",),
    DS + "X509Data": (DS + "X509IssuerSerial", DS + "X509Certificate"),
}


def _check_signature_shape(signature: Any) -> None:
    """Refuse anything in the signature a CPL file's never has (a ds:Object above all: content
    there is not signed, but a careless reader may find it)."""
    for element in signature.iter():
        allowed = _SIGNATURE_SHAPE.get(element.tag)
        if allowed is None:
            continue
        for child in element:
            if child.tag not in allowed:
                name = child.tag.split("}")[-1] if isinstance(child.tag, str) else "?"
                raise fail("structure", f"the signature holds {name}, which a CPL file's "
                           "signature never does: content there is not signed",
                           hint="do not load this file")


def _signed_at(stamp: str) -> dt.datetime:
    try:
        when = dt.datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        raise fail("schema", f"signedAt '{stamp}' is not a time cplkit writes "
                   "(YYYY-MM-DDThh:mm:ssZ)") from None
    if when.tzinfo is None:
        raise fail("schema", f"signedAt '{stamp}' has no time zone")
    return when


def _certificate(text: str | None) -> x509.Certificate:
    der = _b64(text)
    try:
        return x509.load_der_x509_certificate(der)
    except ValueError:
        raise fail("structure", "a certificate in the signature is not a DER X.509 "
                   "certificate") from None


def _b64(text: str | None) -> bytes:
    try:
        return base64.b64decode("".join((text or "").split()), validate=True)
    except ValueError:
        raise fail("structure", "a certificate in the signature is not base64") from None


def _check_signed_info(signature: Any, policy: SigningPolicy) -> None:
    info = signature.find(DS + "SignedInfo")
    if info is None:
        raise fail("structure", "the signature has no SignedInfo")
    c14n = info.find(DS + "CanonicalizationMethod")
    method = info.find(DS + "SignatureMethod")
    references = info.findall(DS + "Reference")
    if len(references) != 1:
        raise fail("structure", f"the signature has {len(references)} references; a CPL file's "
                    "has exactly one, to the whole document")
    reference = references[0]
    if reference.get("URI") != "":
        raise fail("structure", f"the signature covers '{reference.get('URI')}', not the whole "
                    "document", hint="do not load this file: content outside a partial "
                                     "signature could be anything")
    transforms = [t.get("Algorithm") for t in reference.iterfind(f"{DS}Transforms/{DS}Transform")]
    if not set(transforms) <= policy.transforms or ENVELOPED not in transforms:
        raise fail("structure", "the signature's transforms are not the enveloped-signature "
                    "and exclusive canonicalisation of a CPL file")
    algorithms = [
        ("canonicalisation", c14n.get("Algorithm") if c14n is not None else None,
         {policy.canonicalisation}),
        ("signature", method.get("Algorithm") if method is not None else None,
         policy.signature_methods),
        ("digest", reference.findtext(f"{DS}DigestMethod") or
         (reference.find(DS + "DigestMethod").get("Algorithm")
          if reference.find(DS + "DigestMethod") is not None else None),
         policy.digest_methods),
    ]
    for what, algorithm, allowed in algorithms:
        if algorithm not in allowed:
            weak = " (SHA-1 is broken)" if algorithm and "sha1" in algorithm else ""
            raise fail("algorithm", f"the {what} algorithm {algorithm} is not accepted{weak}",
                        hint="CPL files are signed with ECDSA or RSA over SHA-256 and exclusive "
                             "canonicalisation")


def _check_signature(data: bytes, signer: x509.Certificate, policy: SigningPolicy,
                     when: dt.datetime) -> Any:
    from lxml import etree
    from signxml.algorithms import DigestAlgorithm, SignatureMethod
    from signxml.exceptions import InvalidCertificate, InvalidDigest, InvalidInput
    from signxml.exceptions import InvalidSignature as BadSignature
    from signxml.verifier import SignatureConfiguration, XMLVerifier

    # the certificate is judged at the signing time (already, above): signxml is told the same
    # time, so an expired certificate never makes a genuine old file look altered
    config = SignatureConfiguration(
        location="./", expect_references=1, verification_time=when,
        signature_methods=frozenset(SignatureMethod(a) for a in policy.signature_methods),
        digest_algorithms=frozenset(DigestAlgorithm(a) for a in policy.digest_methods))
    try:
        result = XMLVerifier().verify(data, x509_cert=signer, parser=hardened_parser(),
                                      expect_config=config)
    except InvalidCertificate as exc:
        raise fail("certificate", f"the signer's certificate was not valid then: {exc}") \
            from None
    except (BadSignature, InvalidDigest) as exc:
        raise fail("signature", f"the signature does not match the content ({exc}): the file "
                   "was changed after it was signed",
                   hint="do not load this file; fetch the original again") from None
    except (InvalidInput, ValueError, etree.LxmlError) as exc:
        # signxml checks the signature against the XML Signature schema: lxml says why not
        raise fail("structure", f"the signature is not well formed: {exc}") from None
    return result.signed_xml  # type: ignore[union-attr]
