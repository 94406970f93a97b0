"""Certificates say what they are for: a certificate whose extended key usage allows neither
code nor document signing never signs a CPL file (exit 6) and is never accepted as having
signed one (exit 16), however the reader trusts it.

Before, a web server's certificate (serverAuth only) issued by a CA given in ``--trust`` made a
DCC file or a latest.xml that verified with exit 0. Each file here is signed with the library
pieces, bypassing the checks signing makes, as an attacker holding such a certificate would."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from cplkit.cli import cli
from cplkit.errors import SigningError, VerificationError
from cplkit.publications import dccxml, latest
from cplkit.signing.cms import sign_cms, verify_cms
from cplkit.signing.signers import KeySigner
from cplkit.signing.xmldsig import sign_xml
from tests.conftest import SAMPLES, utc_now
from tests.signing.test_attacks import version

#: files here are signed past cplkit's own checks on purpose
pytestmark = pytest.mark.tampered
NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)
DAY = dt.timedelta(days=1)
DOCUMENT_SIGNING = x509.ObjectIdentifier("1.3.6.1.5.5.7.3.36")


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "cplkit tests")])


def _issued(key: Any, common: str, issuer: tuple[Any, x509.Certificate] | None,
            usages: list[x509.ObjectIdentifier] | None, *, ca: bool = False) -> x509.Certificate:
    signing_key, issuer_name = (key, _name(common)) if issuer is None else (
        issuer[0], issuer[1].subject)
    builder = (x509.CertificateBuilder().subject_name(_name(common)).issuer_name(issuer_name)
               .public_key(key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(NOW - DAY).not_valid_after(NOW + 30 * DAY)
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
               .add_extension(x509.KeyUsage(
                   digital_signature=not ca, content_commitment=False, key_encipherment=False,
                   data_encipherment=False, key_agreement=False, key_cert_sign=ca, crl_sign=ca,
                   encipher_only=False, decipher_only=False), critical=True)
               .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                              critical=False))
    if issuer is not None:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer[0].public_key()),
            critical=False)
    if usages is not None:
        builder = builder.add_extension(x509.ExtendedKeyUsage(usages), critical=False)
    return builder.sign(signing_key, hashes.SHA256())


@pytest.fixture(scope="module")
def authority() -> tuple[Any, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    return key, _issued(key, "Example CA", None, None, ca=True)


def _signer(authority: tuple[Any, x509.Certificate],
            usages: list[x509.ObjectIdentifier] | None) -> KeySigner:
    key = ec.generate_private_key(ec.SECP256R1())
    return KeySigner(key, _issued(key, "cpl.example.org", authority, usages))


def _pem(tmp_path: Path, certificate: x509.Certificate, name: str) -> Path:
    path = tmp_path / name
    path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return path


def _verify(path: Path, trust: Path) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["verify", str(path), "--trust", str(trust)])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.output


def _signed_files(tmp_path: Path, signer: KeySigner) -> tuple[Path, Path]:
    """A DCC file and a latest.xml naming it, both signed by ``signer`` with no check made."""
    dcc = tmp_path / "cpl-1.0.xml"
    dcc.write_bytes(sign_xml(dccxml.build(version(), None, NOW), signer))
    import hashlib

    statement = latest.Statement(version().number, dcc.name,
                                 hashlib.sha256(dcc.read_bytes()).hexdigest(), NOW.date(), NOW,
                                 NOW + 14 * DAY)
    current = tmp_path / "latest.xml"
    current.write_bytes(sign_xml(latest.build(statement), signer))
    return dcc, current


SERVER = [ExtendedKeyUsageOID.SERVER_AUTH]
NOT_FOR_SIGNING = {"server-only": SERVER,
                   "client-and-email": [ExtendedKeyUsageOID.CLIENT_AUTH,
                                        ExtendedKeyUsageOID.EMAIL_PROTECTION],
                   "time-stamping": [ExtendedKeyUsageOID.TIME_STAMPING]}
FOR_SIGNING = {"code-signing": [ExtendedKeyUsageOID.CODE_SIGNING],
               "document-signing": [DOCUMENT_SIGNING],
               "server-and-code": [*SERVER, ExtendedKeyUsageOID.CODE_SIGNING],
               "any-purpose": [ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE],
               "no-extension": None}


@pytest.mark.parametrize("usages", list(NOT_FOR_SIGNING.values()), ids=list(NOT_FOR_SIGNING))
def test_a_certificate_not_for_signing_never_verifies(
        tmp_path: Path, authority: tuple[Any, x509.Certificate],
        usages: list[x509.ObjectIdentifier]) -> None:
    signer = _signer(authority, usages)
    trust = _pem(tmp_path, authority[1], "ca.pem")
    for path in _signed_files(tmp_path, signer):
        code, out = _verify(path, trust)
        assert code == 16, (path.name, out)
        assert "is not a signing certificate" in out and "not code or document signing" in out
    # trusted directly rather than through its CA, it is refused all the same
    code, out = _verify(tmp_path / "cpl-1.0.xml", _pem(tmp_path, signer.certificate, "own.pem"))
    assert code == 16 and "is not a signing certificate" in out
    # a CMS signature (the CSV extract's, an approval's) likewise
    data = b"Entry.number\r\n000001\r\n"
    with pytest.raises(VerificationError) as refused:
        verify_cms(data, sign_cms(data, signer, now=utc_now()), [authority[1]])
    assert refused.value.exit_code == 16


def test_a_server_certificate_is_named_for_what_it_is(
        tmp_path: Path, authority: tuple[Any, x509.Certificate]) -> None:
    dcc, _ = _signed_files(tmp_path, _signer(authority, SERVER))
    code, out = _verify(dcc, _pem(tmp_path, authority[1], "ca.pem"))
    assert code == 16
    assert "its extended key usage allows TLS server (serverAuth), not code or document " \
           "signing" in out


@pytest.mark.parametrize("usages", list(FOR_SIGNING.values()), ids=list(FOR_SIGNING))
def test_a_certificate_for_signing_verifies(tmp_path: Path,
                                            authority: tuple[Any, x509.Certificate],
                                            usages: list[x509.ObjectIdentifier] | None) -> None:
    signer = _signer(authority, usages)
    signer.check_valid(NOW)  # signing accepts it too
    trust = _pem(tmp_path, authority[1], "ca.pem")
    for path in _signed_files(tmp_path, signer):
        code, out = _verify(path, trust)
        assert code == 0, (path.name, out)
    # the same key under a server-only certificate is refused: the purpose is the certificate's
    server = KeySigner(signer.key, _issued(signer.key, "cpl.example.org", authority, SERVER))
    with pytest.raises(SigningError):
        server.check_valid(NOW)


def test_signing_refuses_a_certificate_not_for_signing(
        tmp_path: Path, authority: tuple[Any, x509.Certificate]) -> None:
    """A registry that trusts the certificate still does not sign with it: exit 6, nothing
    issued, and the message says why."""
    signer = _signer(authority, SERVER)
    key = tmp_path / "key.pem"
    key.write_bytes(signer.key.private_bytes(serialization.Encoding.PEM,
                                             serialization.PrivateFormat.PKCS8,
                                             serialization.NoEncryption()))
    cert = _pem(tmp_path, signer.certificate, "server.pem")
    registry = tmp_path / "registry"
    runner = CliRunner()
    # made with the test key (CPLKIT_KEY, CPLKIT_CERT), then told to trust the server's too
    assert runner.invoke(cli, ["init", "-r", str(registry)]).exit_code == 0
    trusted = runner.invoke(cli, ["trust", "add", str(cert), "-r", str(registry), "--reason",
                                  "a key rotation"])
    assert trusted.exit_code == 0, trusted.output
    done = runner.invoke(cli, ["publish", "-r", str(registry), "--as-of", "2026-11-23",
                               "--key", str(key), "--cert", str(cert),
                               str(SAMPLES / "valid" / "form-ppmid.xlsx")])
    assert done.exit_code == 6, done.output
    assert "is not a signing certificate: its extended key usage allows TLS server " \
           "(serverAuth), not code or document signing" in done.output
    assert not (registry / "versions").exists() or not any((registry / "versions").iterdir())


def test_a_signing_certificate_whose_subject_is_not_one_line_never_signs(
        tmp_path: Path, authority: tuple[Any, x509.Certificate]) -> None:
    """A new signing certificate's subject is written into the issued history line; a line
    break in it would add a line of its own there, one that reads as an entry never added."""
    key = ec.generate_private_key(ec.SECP256R1())
    forged = _issued(key, "SECAS\r\n000999 - Forged Meters Ltd GSME 01:02:03:04", authority,
                     [ExtendedKeyUsageOID.CODE_SIGNING])
    with pytest.raises(SigningError) as refused:
        KeySigner(key, forged).check_valid(NOW)
    assert refused.value.exit_code == 6
    assert "cannot be shown as one line: it holds a line break (U+000D)" in refused.value.message
    assert "Forged" not in refused.value.message
