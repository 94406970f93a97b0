"""Signers: who signs a CPL version, behind one interface, and the keys behind them.

A ``Signer`` carries its certificate and chain and offers a private key object in the
``cryptography`` interface. ``KeySigner`` holds such a key object: one loaded from a PEM or
PKCS#12 file, or one that asks a hardware token to sign (``cplkit.signing.pkcs11``), without the
code that builds publications changing. Every key is held to the signing policy
(curve, size) and must match its certificate. Key material and passphrases never reach a message,
a log or a file cplkit writes (``generate_throwaway`` excepted: it makes a key for trying out).
"""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from cplkit.base.digest import sha256_hex
from cplkit.core.text import not_one_line
from cplkit.errors import PassphraseNeeded, SigningError
from cplkit.signing.algorithms import DEFAULT_POLICY, SigningPolicy
from cplkit.signing.x509 import (
    fingerprint,
    load_certificates,
    purpose_problem,
    subject,
    valid_at,
    validity_period,
)

PrivateKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey
THROWAWAY_NAME = "cplkit throwaway signing key - NOT FOR PRODUCTION"


class Signer(ABC):
    """Whoever signs: a certificate, its chain, and a key object that signs for it."""

    @property
    @abstractmethod
    def certificate(self) -> x509.Certificate: ...

    @property
    @abstractmethod
    def chain(self) -> tuple[x509.Certificate, ...]: ...

    @property
    @abstractmethod
    def private_key(self) -> PrivateKey:
        """A key in the ``cryptography`` interface; its ``sign`` may run anywhere (a token)."""

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.certificate)

    @property
    def subject(self) -> str:
        return subject(self.certificate)

    def check_valid(self, at: dt.datetime) -> None:
        """Refuse to sign at ``at`` with a certificate not valid then, whose subject is not one
        line of plain text, or not issued for signing (its extended key usage allows neither
        code nor document signing): what verification would refuse is never signed."""
        if not valid_at(self.certificate, at):
            raise SigningError(f"the signing certificate {self.subject} is not valid on "
                               f"{at:%Y-%m-%d} ({validity_period(self.certificate)})",
                               hint="sign with a current certificate")
        # the subject is written into the issued history when the signing key changes: a line
        # break in it would add a line of its own there (an entry the version never added)
        why = not_one_line(self.subject)
        if why is not None:
            raise SigningError(f"the subject of the signing certificate (SHA-256 fingerprint "
                               f"{self.fingerprint}) cannot be shown as one line: it {why}",
                               hint="sign with a certificate whose subject is plain text")
        problem = purpose_problem(self.certificate)
        if problem is not None:
            raise SigningError(f"the certificate {self.subject} is not a signing certificate: "
                               f"{problem}",
                               hint="sign with a certificate issued for code or document "
                                    "signing (or with no extended key usage): docs/signing.md")


@dataclass(frozen=True)
class KeySigner(Signer):
    """A key object (from a file, or in a token) with its certificate and chain. The key is
    never in its repr."""

    key: PrivateKey = field(repr=False)
    cert: x509.Certificate
    intermediates: tuple[x509.Certificate, ...] = ()

    @property
    def certificate(self) -> x509.Certificate:
        return self.cert

    @property
    def chain(self) -> tuple[x509.Certificate, ...]:
        return self.intermediates

    @property
    def private_key(self) -> PrivateKey:
        return self.key


def _read(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise SigningError(f"cannot read the {what} {path}: {exc.strerror or exc}") from None


def _check_key(key: Any, origin: str, policy: SigningPolicy) -> PrivateKey:
    if isinstance(key, ec.EllipticCurvePrivateKey):
        if not isinstance(key.curve, policy.ec_curves):
            raise SigningError(f"{origin}: curve {key.curve.name} is not accepted; use P-256")
        return key
    if isinstance(key, rsa.RSAPrivateKey):
        if key.key_size < policy.min_rsa_bits:
            raise SigningError(f"{origin}: a {key.key_size}-bit RSA key is too weak; use "
                               f"{policy.min_rsa_bits} bits or more, or P-256")
        return key
    raise SigningError(f"{origin}: only ECDSA (P-256) and RSA keys can sign the CPL")


def load_signer(key_path: Path, cert_path: Path | None, chain_path: Path | None,
                passphrase: bytes | None, *,
                policy: SigningPolicy = DEFAULT_POLICY) -> KeySigner:
    """Load a PEM key (encrypted or not) with its certificate, or a PKCS#12 file."""
    data = _read(key_path, "key")
    certificate: x509.Certificate | None = None
    chain: list[x509.Certificate] = []
    if b"-----BEGIN" in data:
        try:
            key = serialization.load_pem_private_key(data, password=passphrase)
        except TypeError:
            raise PassphraseNeeded(f"the key {key_path} is encrypted and no passphrase was given",
                               hint="pass --passphrase-env VAR naming a variable that holds "
                                    "it, or answer the prompt") from None
        except ValueError:
            raise SigningError(f"the key {key_path} cannot be read: wrong passphrase, or not "
                               "a private key") from None
    else:
        try:
            p12 = pkcs12.load_pkcs12(data, passphrase)
        except ValueError:
            raise SigningError(f"{key_path} is neither a PEM private key nor a PKCS#12 file "
                               "this passphrase opens") from None
        if p12.key is None:
            raise SigningError(f"{key_path} holds no private key")
        key = p12.key
        if p12.cert is not None:
            certificate = p12.cert.certificate
        chain = [c.certificate for c in p12.additional_certs]
    key = _check_key(key, str(key_path), policy)
    if cert_path is not None:
        certificate = load_certificates(_read(cert_path, "certificate"), str(cert_path))[0]
    if certificate is None:
        raise SigningError("no signing certificate", hint="pass --cert CERT.pem")
    if chain_path is not None:
        chain = load_certificates(_read(chain_path, "chain"), str(chain_path))
    if certificate.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo) != \
            key.public_key().public_bytes(serialization.Encoding.DER,
                                          serialization.PublicFormat.SubjectPublicKeyInfo):
        raise SigningError("the key does not belong to the certificate "
                           f"{certificate.subject.rfc4514_string()}",
                           hint="pass the certificate issued for this key")
    return KeySigner(key, certificate, tuple(chain))


def generate_throwaway(days: int = 365, *, now: dt.datetime) -> tuple[bytes, bytes]:
    """A P-256 key and a self-signed certificate for trying cplkit out, valid from a day before
    ``now`` for ``days`` after it: (key PEM, cert PEM)."""
    key = ec.generate_private_key(ec.SECP256R1())
    # each throwaway key names itself (by its key's digest), as people's certificates name
    # different people: an approver is the person a subject names
    public = key.public_key().public_bytes(serialization.Encoding.DER,
                                           serialization.PublicFormat.SubjectPublicKeyInfo)
    name = x509.Name([x509.NameAttribute(NameOID.SERIAL_NUMBER, sha256_hex(public)[:16]),
                      x509.NameAttribute(NameOID.COMMON_NAME, THROWAWAY_NAME),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "cplkit demo")])
    cert = (x509.CertificateBuilder()
            .subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=days))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True,
                                         key_encipherment=False, data_encipherment=False,
                                         key_agreement=False, key_cert_sign=False,
                                         crl_sign=False, encipher_only=False,
                                         decipher_only=False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                           critical=False)
            .sign(key, hashes.SHA256()))
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    return key_pem, cert.public_bytes(serialization.Encoding.PEM)
