"""Certificates: reading them, naming them, their validity at a given time, and whether the
certificates a reader trusts vouch for the one that signed.

Validity is judged here once, for signing (is the key's certificate valid now?) and verification
(was it valid when it signed?), and so is purpose: a certificate whose extended key usage allows
neither code nor document signing never signs a CPL file and is never accepted as having
signed one. A signer is trusted only if a trusted certificate is that very certificate, or a
trusted CA issued it (a normal path validation); a certificate that a file merely carries is
never trusted for that.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from cplkit.base.digest import sha256_hex
from cplkit.errors import SigningError, VerificationError
from cplkit.signing.algorithms import DEFAULT_POLICY, SigningPolicy


def fingerprint(certificate: x509.Certificate) -> str:
    """The certificate's SHA-256 fingerprint, lower-case hex."""
    return certificate.fingerprint(hashes.SHA256()).hex()


def key_sha256(certificate: x509.Certificate) -> str:
    """The SHA-256 of a certificate's public key (SubjectPublicKeyInfo, DER): two certificates
    of one key are one key, whichever was renewed."""
    from cryptography.hazmat.primitives import serialization

    return sha256_hex(certificate.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo))


def subject(certificate: x509.Certificate) -> str:
    return certificate.subject.rfc4514_string()


def load_certificates(data: bytes, origin: str) -> list[x509.Certificate]:
    """Every certificate in a PEM bundle (or one DER certificate)."""
    try:
        if b"-----BEGIN" in data:
            return x509.load_pem_x509_certificates(data)
        return [x509.load_der_x509_certificate(data)]
    except ValueError:
        raise SigningError(f"{origin} holds no readable X.509 certificate",
                           hint="give a PEM certificate (or bundle) file") from None


def valid_at(certificate: x509.Certificate, at: dt.datetime) -> bool:
    """Whether ``at`` lies inside the certificate's validity period."""
    return certificate.not_valid_before_utc <= at <= certificate.not_valid_after_utc


def validity_period(certificate: x509.Certificate) -> str:
    return (f"valid {certificate.not_valid_before_utc:%Y-%m-%d} to "
            f"{certificate.not_valid_after_utc:%Y-%m-%d}")


def is_ca(certificate: x509.Certificate) -> bool:
    try:
        return bool(certificate.extensions.get_extension_for_class(
            x509.BasicConstraints).value.ca)
    except x509.ExtensionNotFound:
        return False


def vouched_for(leaf: x509.Certificate, intermediates: Sequence[x509.Certificate],
                trusted: Sequence[x509.Certificate], at: dt.datetime) -> bool:
    """True if a trusted certificate is ``leaf`` itself, or a trusted CA issued it (path
    validation at ``at``)."""
    if any(cert == leaf for cert in trusted):
        return True
    from cryptography.x509.verification import ExtensionPolicy, PolicyBuilder, Store
    from cryptography.x509.verification import VerificationError as ChainError

    authorities = [c for c in trusted if is_ca(c)]
    if not authorities or is_ca(leaf) or not _may_sign(leaf):
        return False
    # the CA's certificates are held to the web PKI's rules; the signing certificate only to
    # what a document signer needs (checked above): it names an organisation, not a host, so
    # it has no subjectAltName and no server or client EKU to require
    policies = PolicyBuilder().store(Store(authorities)).time(at).extension_policies(
        ca_policy=ExtensionPolicy.webpki_defaults_ca(), ee_policy=ExtensionPolicy.permit_all())
    try:
        policies.build_client_verifier().verify(leaf, list(intermediates))
    except (ChainError, ValueError):
        return False
    return True


def _may_sign(certificate: x509.Certificate) -> bool:
    """A key usage, where the certificate states one, that allows signing documents."""
    try:
        usage = certificate.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return True
    return usage.digital_signature or usage.content_commitment


#: the names people know the usual extended key usages by, for messages
_PURPOSES = {
    "1.3.6.1.5.5.7.3.1": "TLS server (serverAuth)",
    "1.3.6.1.5.5.7.3.2": "TLS client (clientAuth)",
    "1.3.6.1.5.5.7.3.3": "code signing",
    "1.3.6.1.5.5.7.3.4": "e-mail (emailProtection)",
    "1.3.6.1.5.5.7.3.8": "time stamping",
    "1.3.6.1.5.5.7.3.9": "OCSP signing",
    "1.3.6.1.5.5.7.3.36": "document signing",
}


def purpose_problem(certificate: x509.Certificate,
                    policy: SigningPolicy = DEFAULT_POLICY) -> str | None:
    """Why ``certificate`` is not one to sign a CPL file with, or None if it is.

    A certificate without the extended key usage extension is not limited by it (the key
    usage, where stated, is judged apart); one with it must allow code or document signing,
    or any purpose."""
    try:
        usage = certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound:
        return None
    except ValueError:  # a malformed or repeated extension: nothing it allows can be told
        return "its extensions cannot be read"
    allowed = [oid.dotted_string for oid in usage]
    if policy.signing_purposes.intersection(allowed):
        return None
    named = ", ".join(_PURPOSES.get(oid, oid) for oid in allowed) or "no purpose at all"
    return (f"its extended key usage allows {named}, not code or document signing")


def fail(failure: str, message: str, hint: str | None = None) -> VerificationError:
    return VerificationError(failure, message, hint=hint)


def at_noon(day: dt.date) -> dt.datetime:
    """A day given with --at, as the moment certificates are judged."""
    return dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC)


def trusted_signer(embedded: Sequence[x509.Certificate], trusted: Sequence[x509.Certificate],
                   at: dt.datetime) -> x509.Certificate:
    """The signer's certificate (the first embedded), if the trusted certificates vouch for it."""
    if not embedded:
        raise fail("structure", "the signature carries no signer certificate")
    leaf = embedded[0]
    if vouched_for(leaf, embedded[1:], trusted, at):
        problem = purpose_problem(leaf)
        if problem is not None:
            raise fail("certificate",
                       f"the signer's certificate {subject(leaf)} (SHA-256 fingerprint "
                       f"{fingerprint(leaf)}) is not a signing certificate: {problem}",
                       hint="a file signed with a certificate issued for another purpose (a "
                            "web server's, say) must not be loaded, even from a trusted CA")
        return leaf
    raise fail("untrusted",
               f"signed by {leaf.subject.rfc4514_string()} (SHA-256 fingerprint "
               f"{fingerprint(leaf)}), which none of the trusted certificates vouches for",
               hint="check --trust names the CPL signing certificate you were given; a file "
                    "signed by anyone else must not be loaded")


def valid_when_signed(certificate: x509.Certificate, at: dt.datetime) -> None:
    if not valid_at(certificate, at):
        raise fail("certificate", f"the signer's certificate {subject(certificate)} was not "
                   f"valid on {at:%Y-%m-%d} ({validity_period(certificate)})",
                   hint="a file signed outside its certificate's validity must not be loaded")


def check_public_key(certificate: x509.Certificate, policy: SigningPolicy) -> None:
    """The signer's key must be one the policy signs with: verify accepts no weaker key."""
    key = certificate.public_key()
    if isinstance(key, ec.EllipticCurvePublicKey):
        if not isinstance(key.curve, policy.ec_curves):
            raise fail("algorithm", f"the signer's key is on curve {key.curve.name}, which is "
                       "not accepted (P-256 or P-384)")
        return
    if isinstance(key, rsa.RSAPublicKey):
        if key.key_size < policy.min_rsa_bits:
            raise fail("algorithm", f"the signer's key is {key.key_size}-bit RSA, too weak "
                       f"(at least {policy.min_rsa_bits} bits)")
        return
    raise fail("algorithm", "the signer's key is neither ECDSA nor RSA")
