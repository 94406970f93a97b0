"""Signed files under attack and over the years: a genuine file verifies for as long as its
certificate was valid when it signed; a file signed outside that time, by a key weaker than
cplkit signs with, or under a certificate the trusted ones do not vouch for, never does. Each
file is built and signed here with the library pieces, bypassing the checks signing makes, as
an attacker or a broken signer would."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from cplkit.cli import cli
from cplkit.core import model as m
from cplkit.core.validate import Validator
from cplkit.intake.rulesets import load_ruleset
from cplkit.publications import dccxml
from cplkit.signing.signers import KeySigner
from cplkit.signing.xmldsig import sign_xml
from tests.conftest import XMLSEC1, xmlsec1_verify
from tests.core.entries import valid_gas

#: files here are altered on purpose; every verdict holds for both signature engines
pytestmark = [pytest.mark.tampered, pytest.mark.usefixtures("both_engines")]
NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)
DAY = dt.timedelta(days=1)


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "cplkit tests")])


def certificate(key: Any, *, start: dt.datetime, end: dt.datetime,
                issuer: tuple[Any, x509.Certificate] | None = None, ca: bool = False,
                common: str = "CPL signer") -> x509.Certificate:
    """A certificate for ``key``, self-signed or issued by ``issuer`` (key, certificate)."""
    signing_key, issuer_name = (key, _name(common)) if issuer is None else (
        issuer[0], issuer[1].subject)
    builder = (x509.CertificateBuilder().subject_name(_name(common)).issuer_name(issuer_name)
               .public_key(key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(start).not_valid_after(end)
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
               .add_extension(x509.KeyUsage(
                   digital_signature=not ca, content_commitment=not ca, key_encipherment=False,
                   data_encipherment=False, key_agreement=False, key_cert_sign=ca, crl_sign=ca,
                   encipher_only=False, decipher_only=False), critical=True)
               .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                              critical=False))
    if issuer is not None:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer[0].public_key()),
            critical=False)
    return builder.sign(signing_key, hashes.SHA256())


def version() -> m.CplVersion:
    raw = m.RawEntry(1, m.Placement(None, m.Orientation.ROW, {k: i + 1 for i, k in enumerate(
        valid_gas())}, submission=True), 2, valid_gas())
    entry = Validator(load_ruleset(), NOW.date(), "t").check(raw).entry
    entry = entry.changed({m.ENTRY_NUMBER: "000001", m.ENTRY_STATUS: "Current"})
    return m.CplVersion(m.VersionNumber.parse("1.0"), NOW.date(), (entry,), "First version.")


def signed_file(tmp_path: Path, key: Any, cert: x509.Certificate, signed_at: dt.datetime,
                chain: tuple[x509.Certificate, ...] = ()) -> Path:
    data = sign_xml(dccxml.build(version(), None, signed_at), KeySigner(key, cert, chain))
    path = tmp_path / "cpl-1.0.xml"
    path.write_bytes(data)
    return path


def pem(tmp_path: Path, cert: x509.Certificate, name: str = "trust.pem") -> Path:
    path = tmp_path / name
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return path


def verify(path: Path, trust: Path, *extra: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["verify", str(path), "--trust", str(trust), *extra])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.output


def test_a_genuine_file_verifies_after_its_certificate_expired(tmp_path: Path) -> None:
    """Years later: the certificate has expired since, but it was valid when it signed."""
    key = ec.generate_private_key(ec.SECP256R1())
    cert = certificate(key, start=NOW - 30 * DAY, end=NOW - DAY)
    path = signed_file(tmp_path, key, cert, NOW - 10 * DAY)
    code, out = verify(path, pem(tmp_path, cert))
    assert code == 0, out
    if XMLSEC1:  # xmlsec1 judges the certificate today, so it needs to be told the time
        assert xmlsec1_verify(path, pem(tmp_path, cert)).returncode != 0


def test_a_file_signed_after_its_certificate_expired(tmp_path: Path) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    cert = certificate(key, start=NOW - 30 * DAY, end=NOW - 10 * DAY)
    code, out = verify(signed_file(tmp_path, key, cert, NOW - DAY), pem(tmp_path, cert))
    assert code == 16 and "was not valid on" in out


def test_a_certificate_issued_by_a_trusted_ca(tmp_path: Path) -> None:
    """The docs promise '--trust names the signing certificate or a CA that issued it'. An
    organisation's signing certificate has no subjectAltName and no client EKU."""
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = certificate(ca_key, start=NOW - DAY, end=NOW + 365 * DAY, ca=True, common="CPL CA")
    key = ec.generate_private_key(ec.SECP256R1())
    cert = certificate(key, start=NOW - DAY, end=NOW + 30 * DAY, issuer=(ca_key, ca))
    path = signed_file(tmp_path, key, cert, NOW)
    code, out = verify(path, pem(tmp_path, ca))
    assert code == 0, out
    other_ca_key = ec.generate_private_key(ec.SECP256R1())
    other = certificate(other_ca_key, start=NOW - DAY, end=NOW + DAY, ca=True, common="Other")
    assert verify(path, pem(tmp_path, other, "other.pem"))[0] == 14


def test_a_ca_certificate_cannot_sign_itself_in(tmp_path: Path) -> None:
    """A trusted CA vouches for the certificates it issued, not for a key it holds itself."""
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = certificate(ca_key, start=NOW - DAY, end=NOW + DAY, ca=True, common="CPL CA")
    sub_key = ec.generate_private_key(ec.SECP256R1())
    sub_ca = certificate(sub_key, start=NOW - DAY, end=NOW + DAY, issuer=(ca_key, ca), ca=True,
                         common="Sub CA")
    assert verify(signed_file(tmp_path, sub_key, sub_ca, NOW), pem(tmp_path, ca))[0] == 14


@pytest.mark.parametrize(("make_key", "what"), [
    (lambda: rsa.generate_private_key(65537, 1024), "1024-bit RSA"),
    (lambda: ec.generate_private_key(ec.SECP256K1()), "secp256k1"),
], ids=["rsa-1024", "secp256k1"])
def test_verify_refuses_the_keys_signing_refuses(tmp_path: Path, make_key: Any,
                                                 what: str) -> None:
    key = make_key()
    cert = certificate(key, start=NOW - DAY, end=NOW + DAY)
    code, out = verify(signed_file(tmp_path, key, cert, NOW), pem(tmp_path, cert))
    assert code == 15 and what in out


def _replace_text(path: Path, tag: bytes, value: bytes) -> None:
    data = path.read_bytes()
    start = data.index(b"<ds:" + tag + b">") + len(tag) + 5
    end = data.index(b"</ds:" + tag + b">", start)
    path.write_bytes(data[:start] + value + data[end:])


@pytest.mark.parametrize(("tag", "value", "expected"), [
    (b"X509Certificate", b"bm90IGEgY2VydGlmaWNhdGU=", 12),  # base64 of 'not a certificate'
    (b"X509Certificate", b"***", 12),
    (b"SignatureValue", b"%%% not base64 %%%", 12),
], ids=["certificate-not-der", "certificate-not-base64", "signature-not-base64"])
def test_malformed_signature_parts_are_findings_not_tracebacks(
        tmp_path: Path, tag: bytes, value: bytes, expected: int) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    cert = certificate(key, start=NOW - DAY, end=NOW + DAY)
    path = signed_file(tmp_path, key, cert, NOW)
    _replace_text(path, tag, value)
    code, out = verify(path, pem(tmp_path, cert))
    assert code in (expected, 13) and "Traceback" not in out


def test_a_signing_time_of_24_00_is_not_a_traceback(tmp_path: Path) -> None:
    """XML Schema allows 24:00:00; cplkit never writes it, and says so."""
    key = ec.generate_private_key(ec.SECP256R1())
    cert = certificate(key, start=NOW - 3 * DAY, end=NOW + DAY)
    path = signed_file(tmp_path, key, cert, NOW)
    day = (NOW - DAY).strftime("%Y-%m-%d")
    data = path.read_bytes()
    stamp = data[data.index(b'signedAt="') + 10:data.index(b'signedAt="') + 30]
    path.write_bytes(data.replace(stamp, f"{day}T24:00:00Z".encode()))
    code, out = verify(path, pem(tmp_path, cert))
    assert code == 11 and "signedAt" in out


def test_a_cms_attribute_without_a_value_is_a_finding(tmp_path: Path) -> None:
    """A .p7s whose signed attribute holds an empty value set: exit 10, never a traceback."""
    from asn1crypto import cms

    from cplkit.signing.cms import sign_cms

    key = ec.generate_private_key(ec.SECP256R1())
    cert = certificate(key, start=NOW - DAY, end=NOW + DAY)
    data = b"Version,Entry.number\r\n"
    info = cms.ContentInfo.load(sign_cms(data, KeySigner(key, cert), now=NOW))
    attributes = info["content"]["signer_infos"][0]["signed_attrs"]
    attributes[0]["values"] = cms.SetOfContentType([])
    (tmp_path / "x.csv").write_bytes(data)
    (tmp_path / "x.csv.p7s").write_bytes(info.dump(force=True))
    code, out = verify(tmp_path / "x.csv", pem(tmp_path, cert))
    assert code in (10, 12) and "Traceback" not in out
