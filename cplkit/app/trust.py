"""Trust: starting a registry, trusting a signing certificate, and refusing a signer the
registry does not trust.

Trusting a new certificate is the one deliberate act that allows a new signing key; it is
recorded with its reason. These are the library functions behind ``cplkit init`` and ``cplkit
trust``; they return records and never print.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from cplkit.app.keys import read_certificate
from cplkit.errors import SigningError
from cplkit.registry import Registry
from cplkit.registry.codec import SignerRecord
from cplkit.signing.certificates import fingerprint, subject
from cplkit.signing.keys import Signer


def _pem(certificate: x509.Certificate) -> str:
    return certificate.public_bytes(serialization.Encoding.PEM).decode()


def trust_args(signer: Signer, why: str) -> tuple[str, str, str, str]:
    """What the registry records when it trusts ``signer``'s certificate."""
    return _pem(signer.certificate), signer.fingerprint, signer.subject, why


def signer_record(signer: Signer) -> SignerRecord:
    return SignerRecord(signer.subject, signer.fingerprint)


def init_registry(path: Path, certificate: x509.Certificate | None = None) -> Registry:
    registry = Registry.create(path)
    if certificate is not None:
        trust_certificate(registry, certificate, "trusted when the registry was created")
    return registry


def trust_certificate(registry: Registry, certificate: x509.Certificate, reason: str) -> bool:
    """Trust a signing certificate from now on; False if it was trusted already."""
    registry.head()  # a registry, or the clear error
    return registry.add_trust(_pem(certificate), fingerprint(certificate), subject(certificate),
                              reason)


@dataclass(frozen=True, slots=True)
class Trusted:
    """A certificate the registry trusts now; ``new`` is False if it already did."""

    subject: str
    fingerprint: str
    new: bool


def trust_file(registry: Path, certificate_file: Path, reason: str) -> Trusted:
    """Trust the certificate in ``certificate_file`` (``cplkit trust add``)."""
    certificate = read_certificate(certificate_file)
    new = trust_certificate(Registry(registry), certificate, reason)
    return Trusted(subject(certificate), fingerprint(certificate), new)


def add_approver(registry: Path, certificate_file: Path, reason: str) -> bool:
    """Let the key of the certificate in ``certificate_file`` approve staged versions; False
    if it may already."""
    from cplkit.app.staging import key_sha256
    from cplkit.registry.codec import Approver

    certificate = read_certificate(certificate_file)
    return Registry(registry).add_approver(Approver(
        fingerprint(certificate), key_sha256(certificate), subject(certificate),
        dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), reason, _pem(certificate)))


def require_approvals(registry: Path, required: int, reason: str) -> None:
    """From now on, each version needs ``required`` approvals (0: publish as before)."""
    Registry(registry).require_approvals(required, reason)


def require_trusted(registry: Registry, signer: Signer) -> None:
    """Refuse a signer whose certificate is not valid now or not trusted by the registry."""
    signer.check_valid(dt.datetime.now(dt.UTC))
    trusted = {r.sha256 for r in registry.trusted()}
    if signer.fingerprint not in trusted:
        raise SigningError(
            f"the signing certificate {signer.subject} (SHA-256 fingerprint "
            f"{signer.fingerprint}) is not trusted by the registry {registry.path}"
            + ("" if trusted else ": it trusts no certificate yet"),
            hint="if this is a deliberate key rotation, run 'cplkit trust add CERT -r "
                 f"{registry.path} --reason \"...\"' first")
