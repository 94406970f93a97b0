"""CMS (PKCS#7) detached signatures: built and parsed with asn1crypto, signed and checked with
cryptography.

asn1crypto builds the structure and the signer's key (a file's, or a token's) signs its signed
attributes. Verification parses the structure with asn1crypto and checks the signed attributes'
signature with cryptography: one signer, a detached signature, content-type and message-digest
attributes, an accepted digest, a signer the trusted certificates vouch for, valid at its
signing time. What the signed bytes mean is for
``cplkit.publications``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Sequence

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from cplkit.errors import VerificationError
from cplkit.signing.algorithms import DEFAULT_POLICY, SigningPolicy
from cplkit.signing.signers import Signer
from cplkit.signing.x509 import (
    at_noon,
    check_public_key,
    fail,
    trusted_signer,
    valid_when_signed,
)

_HASHES: dict[str, Callable[[], hashes.HashAlgorithm]] = {
    "sha256": hashes.SHA256, "sha384": hashes.SHA384, "sha512": hashes.SHA512}


def sign_cms(data: bytes, signer: Signer,
             extra: Sequence[x509.Certificate] = (), *, now: dt.datetime) -> bytes:
    """A detached CMS (PKCS#7) signature over ``data``, DER, with the signer's certificates:
    SHA-256, signed content-type, signing-time (``now``) and message-digest attributes.
    asn1crypto builds the structure and the signer's key signs the attributes, so a key in a
    token (which cryptography's own builder cannot use) signs the same way as a key file."""
    from asn1crypto import algos, cms, core
    from asn1crypto import x509 as asn1_x509

    certificate = asn1_x509.Certificate.load(
        signer.certificate.public_bytes(serialization.Encoding.DER))
    attributes = cms.CMSAttributes([
        cms.CMSAttribute({"type": "content_type", "values": ["data"]}),
        cms.CMSAttribute({"type": "signing_time", "values": [
            cms.Time({"utc_time": core.UTCTime(now.astimezone(dt.UTC).replace(
                microsecond=0))})]}),
        cms.CMSAttribute({"type": "message_digest",
                          "values": [hashlib.sha256(data).digest()]}),
    ])
    to_sign = attributes.dump()  # DER as a SET OF: what the signature covers (RFC 5652 5.4)
    key = signer.private_key
    if isinstance(key, rsa.RSAPrivateKey):
        signature = key.sign(to_sign, padding.PKCS1v15(), hashes.SHA256())
        algorithm = "sha256_rsa"
    else:
        signature = key.sign(to_sign, ec.ECDSA(hashes.SHA256()))
        algorithm = "sha256_ecdsa"
    signer_info = cms.SignerInfo({
        "version": "v1",
        "sid": cms.SignerIdentifier({"issuer_and_serial_number": cms.IssuerAndSerialNumber({
            "issuer": certificate.issuer, "serial_number": certificate.serial_number})}),
        "digest_algorithm": algos.DigestAlgorithm({"algorithm": "sha256"}),
        "signed_attrs": attributes,
        "signature_algorithm": algos.SignedDigestAlgorithm({"algorithm": algorithm}),
        "signature": signature,
    })
    certificates = [certificate, *(asn1_x509.Certificate.load(
        c.public_bytes(serialization.Encoding.DER)) for c in (*signer.chain, *extra))]
    signed = cms.SignedData({
        "version": "v1",
        "digest_algorithms": [algos.DigestAlgorithm({"algorithm": "sha256"})],
        "encap_content_info": {"content_type": "data"},
        "certificates": certificates,
        "signer_infos": [signer_info],
    })
    return bytes(cms.ContentInfo({"content_type": "signed_data", "content": signed}).dump())


def _read_whole(certificate: x509.Certificate) -> x509.Certificate:
    """``certificate`` with every field a check reads parsed now: ``cryptography`` parses a
    certificate's names and extensions only when first asked, so a damaged one would raise
    later, outside this module's error handling (a registry file flipped at random found it)."""
    _ = (certificate.subject, certificate.issuer, certificate.serial_number,
         certificate.extensions, certificate.not_valid_before_utc,
         certificate.not_valid_after_utc, certificate.public_key())
    return certificate


def verify_cms(data: bytes, signature: bytes, trusted: Sequence[x509.Certificate], *,
               at: dt.date | None = None, now: dt.datetime | None = None,
               policy: SigningPolicy = DEFAULT_POLICY) -> x509.Certificate:
    """Check a detached CMS signature over ``data``; returns the signer's certificate. Its
    certificate is judged at noon on ``at``, else at the signing time the signature carries,
    else at ``now``; a signature with none of them is refused (cplkit's always carry one)."""
    from asn1crypto import cms

    try:
        info = cms.ContentInfo.load(signature, strict=True)
        if info["content_type"].native != "signed_data":
            raise ValueError("not signed data")
        signed = info["content"]
        signers = signed["signer_infos"]
        if len(signers) != 1:
            raise fail("structure", f"the CMS signature has {len(signers)} signers, not one")
        if signed["encap_content_info"]["content"].native is not None:
            raise fail("structure", "the CMS signature is not detached")
        signer_info = signers[0]
        digest_name = signer_info["digest_algorithm"]["algorithm"].native
        attributes = signer_info["signed_attrs"]
        found = {}
        for attribute in attributes:
            values = attribute["values"]
            if len(values) != 1:
                raise fail("structure", f"the signed attribute {attribute['type'].native} has "
                           f"{len(values)} values, not one")
            found[attribute["type"].native] = values[0].native
        certificates = [_read_whole(x509.load_der_x509_certificate(c.chosen.dump()))
                        for c in signed["certificates"] or []]
        sid = signer_info["sid"].chosen
        # asn1crypto parses a value when first read: read the signer's serial here, where a
        # damaged one is a malformed signature
        serial = sid["serial_number"].native if isinstance(sid, cms.IssuerAndSerialNumber) \
            else None
        signature_algorithm = signer_info["signature_algorithm"]["algorithm"].native
        raw_signature = signer_info["signature"].native
        signed_bytes = attributes.untag().dump()
    except VerificationError:
        raise
    except (ValueError, KeyError, TypeError, AttributeError, IndexError,
            UnsupportedAlgorithm, x509.InvalidVersion) as exc:
        raise fail("malformed", f"not a CMS signature cplkit can read ({exc})") from None
    if digest_name not in policy.cms_digests or digest_name not in _HASHES:
        raise fail("algorithm", f"the digest {digest_name} is not accepted"
                    + (" (SHA-1 is broken)" if digest_name == "sha1" else ""))
    if found.get("content_type") != "data" or "message_digest" not in found:
        raise fail("structure", "the CMS signature lacks its content-type or digest attribute")
    if hashlib.new(digest_name, data).digest() != found["message_digest"]:
        raise fail("signature", "the CSV file does not match its signature: it was changed "
                    "after it was signed", hint="do not load this file")
    leaf = next((c for c in certificates
                 if serial is not None and c.serial_number == serial), None)
    when = at_noon(at) if at else (found.get("signing_time") or now)
    if leaf is None:
        leaf = next((c for c in trusted if serial is not None and c.serial_number == serial),
                    None)
    if when is None:
        raise fail("structure", "the CMS signature carries no signing time, so there is no "
                   "time to judge its certificate at", hint="give the day it was signed (--at)")
    if not isinstance(when, dt.datetime):
        raise fail("structure", "the CMS signing time is not a time")
    others = [c for c in certificates if c is not leaf]
    signer = trusted_signer([leaf, *others] if leaf else [], trusted, when)
    check_public_key(signer, policy)
    public_key = signer.public_key()
    hash_type = _HASHES[digest_name]()
    try:
        if isinstance(public_key, ec.EllipticCurvePublicKey) and "ecdsa" in signature_algorithm:
            public_key.verify(raw_signature, signed_bytes, ec.ECDSA(hash_type))
        elif isinstance(public_key, rsa.RSAPublicKey) and "rsa" in signature_algorithm:
            public_key.verify(raw_signature, signed_bytes, padding.PKCS1v15(), hash_type)
        else:
            raise fail("algorithm", f"the signature algorithm {signature_algorithm} is not "
                        "accepted")
    except InvalidSignature:
        raise fail("signature", "the CMS signature does not match its signed attributes") \
            from None
    valid_when_signed(signer, when)
    return signer
