"""Signing: keys and certificates in, signed bytes out, with secure defaults fixed in one place.

The DCC file gets an enveloped W3C XML Signature in the DUIS style: exclusive canonicalisation,
ECDSA-SHA256 on P-256 (or RSA-SHA256, 2048 bits or more), SHA-256 digests, one reference to the
whole document, and KeyInfo carrying the signer's certificate, its chain and its issuer and
serial number. The CSV extract gets a detached CMS signature. signxml and cryptography do the
work; nothing here canonicalises or formats a signature by hand. Key material and passphrases
never reach a message, a log or a file cplkit writes. Verification is in ``cplkit.io.verify``.
"""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs7, pkcs12
from cryptography.x509.oid import NameOID

from cplkit.errors import SigningError

PrivateKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey
MIN_RSA_BITS = 2048
EC_CURVES = (ec.SECP256R1, ec.SECP384R1)
THROWAWAY_NAME = "cplkit throwaway signing key - NOT FOR PRODUCTION"


@dataclass(frozen=True)
class SigningIdentity:
    """A private key with its certificate and chain. The key never appears in its repr."""

    key: PrivateKey = field(repr=False)
    certificate: x509.Certificate
    chain: tuple[x509.Certificate, ...] = ()

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.certificate)

    @property
    def subject(self) -> str:
        return self.certificate.subject.rfc4514_string()


def fingerprint(certificate: x509.Certificate) -> str:
    return certificate.fingerprint(hashes.SHA256()).hex()


def load_certificates(data: bytes, origin: str) -> list[x509.Certificate]:
    """Every certificate in a PEM bundle (or one DER certificate)."""
    try:
        if b"-----BEGIN" in data:
            return x509.load_pem_x509_certificates(data)
        return [x509.load_der_x509_certificate(data)]
    except ValueError:
        raise SigningError(f"{origin} holds no readable X.509 certificate",
                           hint="give a PEM certificate (or bundle) file") from None


def _read(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise SigningError(f"cannot read the {what} {path}: {exc.strerror or exc}") from None


def _check_key(key: Any, origin: str) -> PrivateKey:
    if isinstance(key, ec.EllipticCurvePrivateKey):
        if not isinstance(key.curve, EC_CURVES):
            raise SigningError(f"{origin}: curve {key.curve.name} is not accepted; use P-256")
        return key
    if isinstance(key, rsa.RSAPrivateKey):
        if key.key_size < MIN_RSA_BITS:
            raise SigningError(f"{origin}: a {key.key_size}-bit RSA key is too weak; use "
                               f"{MIN_RSA_BITS} bits or more, or P-256")
        return key
    raise SigningError(f"{origin}: only ECDSA (P-256) and RSA keys can sign the CPL")


def load_identity(key_path: Path, cert_path: Path | None, chain_path: Path | None,
                  passphrase: bytes | None) -> SigningIdentity:
    """Load a PEM key (encrypted or not) with its certificate, or a PKCS#12 file."""
    data = _read(key_path, "key")
    certificate: x509.Certificate | None = None
    chain: list[x509.Certificate] = []
    if b"-----BEGIN" in data:
        try:
            key = serialization.load_pem_private_key(data, password=passphrase)
        except TypeError:
            raise SigningError(f"the key {key_path} is encrypted and no passphrase was given",
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
    key = _check_key(key, str(key_path))
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
    return SigningIdentity(key, certificate, tuple(chain))


def check_valid(identity: SigningIdentity, when: dt.datetime) -> None:
    cert = identity.certificate
    if not cert.not_valid_before_utc <= when <= cert.not_valid_after_utc:
        raise SigningError(f"the signing certificate {identity.subject} is not valid on "
                           f"{when:%Y-%m-%d} (valid {cert.not_valid_before_utc:%Y-%m-%d} to "
                           f"{cert.not_valid_after_utc:%Y-%m-%d})",
                           hint="sign with a current certificate")


def generate_throwaway(days: int = 365) -> tuple[bytes, bytes]:
    """A P-256 key and a self-signed certificate for trying cplkit out: (key PEM, cert PEM)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, THROWAWAY_NAME),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "cplkit demo")])
    now = dt.datetime.now(dt.UTC)
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


def _key_info(identity: SigningIdentity) -> Any:
    from lxml import etree
    from signxml.util import namespaces

    ds = "{" + namespaces.ds + "}"
    key_info = etree.Element(ds + "KeyInfo", nsmap={"ds": namespaces.ds})
    data = etree.SubElement(key_info, ds + "X509Data")
    issuer_serial = etree.SubElement(data, ds + "X509IssuerSerial")
    etree.SubElement(issuer_serial, ds + "X509IssuerName").text = \
        identity.certificate.issuer.rfc4514_string()
    etree.SubElement(issuer_serial, ds + "X509SerialNumber").text = \
        str(identity.certificate.serial_number)
    for cert in (identity.certificate, *identity.chain):
        der = cert.public_bytes(serialization.Encoding.DER)
        etree.SubElement(data, ds + "X509Certificate").text = base64.b64encode(der).decode()
    return key_info


def sign_xml(root: Any, identity: SigningIdentity) -> bytes:
    """An enveloped signature over the whole document; returns the signed document's bytes."""
    from lxml import etree
    from signxml.algorithms import CanonicalizationMethod, DigestAlgorithm, SignatureMethod
    from signxml.signer import XMLSigner

    method = (SignatureMethod.ECDSA_SHA256 if isinstance(identity.key, ec.EllipticCurvePrivateKey)
              else SignatureMethod.RSA_SHA256)
    signer = XMLSigner(signature_algorithm=method, digest_algorithm=DigestAlgorithm.SHA256,
                       c14n_algorithm=CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0)
    signed = signer.sign(root, key=identity.key, key_info=_key_info(identity))
    # nothing may touch the tree after signing: even a newline after the signature is content
    data: bytes = etree.tostring(signed, xml_declaration=True, encoding="UTF-8")
    return data + b"\n"


def sign_cms(data: bytes, identity: SigningIdentity,
             extra: Sequence[x509.Certificate] = ()) -> bytes:
    """A detached CMS (PKCS#7) signature over ``data``, DER, with the signer's certificates."""
    builder = pkcs7.PKCS7SignatureBuilder().set_data(data).add_signer(
        identity.certificate, identity.key, hashes.SHA256())
    for cert in (*identity.chain, *extra):
        builder = builder.add_certificate(cert)
    return builder.sign(serialization.Encoding.DER,
                        [pkcs7.PKCS7Options.DetachedSignature, pkcs7.PKCS7Options.Binary])
