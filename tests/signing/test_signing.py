"""Signing keys and identities: PEM, encrypted PEM, PKCS#12; weak or mismatched keys refused;
a passphrase never shows up in anything cplkit prints."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from click.testing import CliRunner
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from cplkit.cli import cli
from cplkit.errors import SigningError, VerificationError
from cplkit.signing.signers import load_signer
from tests.conftest import SAMPLES, openssl_cms_verify, xmlsec1_verify

SECRET = "correct horse battery staple"


def make(tmp_path: Path, key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey, name: str = "k",
         days: int = 30, encrypt: bool = False) -> tuple[Path, Path]:
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"test signer {name}")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=days)).sign(key, hashes.SHA256()))
    algorithm = (serialization.BestAvailableEncryption(SECRET.encode()) if encrypt
                 else serialization.NoEncryption())
    key_path, cert_path = tmp_path / f"{name}.key", tmp_path / f"{name}.pem"
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8, algorithm))
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return key_path, cert_path


def test_encrypted_pem_with_its_passphrase(tmp_path: Path) -> None:
    key, cert = make(tmp_path, ec.generate_private_key(ec.SECP256R1()), encrypt=True)
    with pytest.raises(SigningError, match="encrypted and no passphrase"):
        load_signer(key, cert, None, None)
    with pytest.raises(SigningError, match="wrong passphrase") as wrong:
        load_signer(key, cert, None, b"guess")
    assert "guess" not in str(wrong.value)
    assert load_signer(key, cert, None, SECRET.encode()).certificate.subject


def test_pkcs12_carries_key_and_certificate(tmp_path: Path) -> None:
    private = ec.generate_private_key(ec.SECP256R1())
    _, cert_path = make(tmp_path, private)
    cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    bundle = tmp_path / "signer.p12"
    bundle.write_bytes(pkcs12.serialize_key_and_certificates(
        b"signer", private, cert, None, serialization.BestAvailableEncryption(SECRET.encode())))
    identity = load_signer(bundle, None, None, SECRET.encode())
    assert identity.certificate == cert
    assert "key=" not in repr(identity)


@pytest.mark.parametrize(("key", "message"), [
    (rsa.generate_private_key(65537, 1024), "too weak"),
    (ec.generate_private_key(ec.SECP521R1()), "curve secp521r1 is not accepted"),
])
def test_weak_or_unexpected_keys_are_refused(tmp_path: Path, key: object, message: str) -> None:
    key_path, cert_path = make(tmp_path, key)  # type: ignore[arg-type]
    with pytest.raises(SigningError, match=message):
        load_signer(key_path, cert_path, None, None)


def test_a_key_must_match_its_certificate(tmp_path: Path) -> None:
    key, _ = make(tmp_path, ec.generate_private_key(ec.SECP256R1()), "a")
    _, other = make(tmp_path, ec.generate_private_key(ec.SECP256R1()), "b")
    with pytest.raises(SigningError, match="does not belong to the certificate"):
        load_signer(key, other, None, None)


def test_rsa_2048_signs_and_verifies_independently(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    key, cert = make(tmp_path, rsa.generate_private_key(65537, 2048), "rsa")
    registry = tmp_path / "registry"
    monkeypatch.setenv("CPLKIT_KEY", str(key))
    monkeypatch.setenv("CPLKIT_CERT", str(cert))
    runner = CliRunner()
    assert runner.invoke(cli, ["init", "-r", str(registry)]).exit_code == 0
    result = runner.invoke(cli, ["publish", "-r", str(registry), "--as-of", "2026-11-23",
                                 str(SAMPLES / "valid" / "bulk-submission.csv")])
    assert result.exit_code == 0, result.output
    xml = registry / "versions" / "1.0" / "cpl-1.0.xml"
    assert b"rsa-sha256" in xml.read_bytes()
    assert xmlsec1_verify(xml, cert).returncode == 0
    extract = registry / "versions" / "1.0" / "cpl-1.0.csv"
    assert openssl_cms_verify(extract, extract.with_name("cpl-1.0.csv.p7s"), cert).returncode == 0


def test_passphrase_from_the_environment_never_printed(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    key, cert = make(tmp_path, ec.generate_private_key(ec.SECP256R1()), encrypt=True)
    registry = tmp_path / "registry"
    runner = CliRunner()
    monkeypatch.setenv("SIGNING_PASSPHRASE", SECRET)
    assert runner.invoke(cli, ["init", "-r", str(registry), "--key", str(key), "--cert",
                               str(cert), "--passphrase-env", "SIGNING_PASSPHRASE"]).exit_code == 0
    args = ["publish", "-r", str(registry), "--as-of", "2026-11-23", "--key", str(key),
            "--cert", str(cert), str(SAMPLES / "valid" / "bulk-submission.csv")]
    result = runner.invoke(cli, [*args, "--passphrase-env", "SIGNING_PASSPHRASE"])
    assert result.exit_code == 0, result.output
    monkeypatch.setenv("SIGNING_PASSPHRASE", "not it")
    wrong = runner.invoke(cli, [*args, "--passphrase-env", "SIGNING_PASSPHRASE"])
    assert wrong.exit_code == 6 and "wrong passphrase" in wrong.output
    for text in (result.output, wrong.output, *(p.read_text(errors="replace") for p in
                                                registry.rglob("*") if p.is_file())):
        assert SECRET not in text and "not it" not in text
    missing = runner.invoke(cli, [*args, "--passphrase-env", "NO_SUCH_VARIABLE"])
    assert missing.exit_code == 2


def test_an_untrusted_key_is_refused_until_trusted_deliberately(
        tmp_path: Path, signing_keys: tuple[Path, Path],
        monkeypatch: pytest.MonkeyPatch) -> None:
    registry = tmp_path / "registry"
    runner = CliRunner()
    monkeypatch.delenv("CPLKIT_CERT")
    monkeypatch.delenv("CPLKIT_KEY")
    assert runner.invoke(cli, ["init", "-r", str(registry)]).exit_code == 0
    monkeypatch.setenv("CPLKIT_KEY", str(signing_keys[0]))
    monkeypatch.setenv("CPLKIT_CERT", str(signing_keys[1]))
    new_key, new_cert = make(tmp_path, ec.generate_private_key(ec.SECP256R1()), "rotated")
    publish = ["publish", "-r", str(registry), "--as-of", "2026-11-23"]
    first = runner.invoke(cli, [*publish, str(SAMPLES / "valid" / "bulk-submission.csv")])
    assert first.exit_code == 6 and "trusts no certificate yet" in first.output
    runner.invoke(cli, ["trust", "add", str(signing_keys[1]), "-r", str(registry),
                        "--reason", "SECAS signing key 2026"])
    assert runner.invoke(cli, [*publish, str(SAMPLES / "valid" / "bulk-submission.csv")]
                         ).exit_code == 0
    second = [*publish, "--key", str(new_key), "--cert", str(new_cert),
              str(SAMPLES / "valid" / "form-gas-smart-meter.xlsx")]
    refused = runner.invoke(cli, second)
    assert refused.exit_code == 6 and "not trusted by the registry" in refused.output
    assert "cplkit trust add" in refused.output
    assert not (registry / "versions" / "1.1").exists()
    added = runner.invoke(cli, ["trust", "add", str(new_cert), "-r", str(registry),
                                "--reason", "key rotation, SSC 2026-11-20"])
    assert added.exit_code == 0 and "now trusting CN=test signer rotated" in added.output
    assert runner.invoke(cli, second).exit_code == 0
    history = runner.invoke(cli, ["history", "-r", str(registry)]).output
    assert "Signed with a new certificate: CN=test signer rotated" in history
    listed = runner.invoke(cli, ["trust", "list", "-r", str(registry)]).output
    assert "key rotation, SSC 2026-11-20" in listed and "SECAS signing key 2026" in listed


def test_keygen_writes_a_labelled_throwaway(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["keygen", "--out", str(tmp_path / "keys")])
    assert result.exit_code == 0 and "NOT FOR PRODUCTION" in result.output
    key = tmp_path / "keys" / "key.pem"
    assert key.stat().st_mode & 0o077 == 0
    cert = x509.load_pem_x509_certificate((tmp_path / "keys" / "cert.pem").read_bytes())
    assert "NOT FOR PRODUCTION" in cert.subject.rfc4514_string()
    assert CliRunner().invoke(cli, ["keygen", "--out", str(tmp_path / "keys")]).exit_code == 2


@pytest.mark.parametrize("kind", ["ec", "rsa"])
def test_both_signing_engines_make_the_same_signature(tmp_path: Path, kind: str,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """libxmlsec1 signs with a key file's key, signxml with a token's: the same elements in the
    same order, each verified by cplkit (under both engines) and by xmlsec1."""
    from lxml import etree

    from cplkit.signing import xmldsig
    from cplkit.signing.xmldsig import DS, sign_xml, verify_enveloped

    if xmldsig._xmlsec() is None:
        pytest.skip("python-xmlsec is not installed, or runs on another libxml2 than lxml")
    private = ec.generate_private_key(ec.SECP256R1()) if kind == "ec" else \
        rsa.generate_private_key(65537, 2048)
    key, cert = make(tmp_path, private, kind)
    signer = load_signer(key, cert, None, None)

    def document() -> etree._Element:
        now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        root = etree.Element("{urn:test}Doc", signedAt=now)
        etree.SubElement(root, "{urn:test}Item").text = "ünïcode & <markup>"
        return root

    by_xmlsec = sign_xml(document(), signer)
    with monkeypatch.context() as patched:
        patched.setattr(xmldsig, "_xmlsec", lambda: None)
        by_signxml = sign_xml(document(), signer)

    def shape(data: bytes) -> list[str]:
        signature = etree.fromstring(data)[-1]
        return [str(e.tag).replace(DS, "ds:") + (e.get("Algorithm") or "")
                for e in signature.iter()]

    assert shape(by_xmlsec) == shape(by_signxml)
    assert shape(by_xmlsec)[:2] == ["ds:Signature", "ds:SignedInfo"]
    for data, engine in ((by_xmlsec, "xmlsec"), (by_signxml, "signxml")):
        path = tmp_path / f"{engine}.xml"
        path.write_bytes(data)
        assert xmlsec1_verify(path, cert).returncode == 0, engine
        for checker in (xmldsig._xmlsec, lambda: None):
            with monkeypatch.context() as patched:
                patched.setattr(xmldsig, "_xmlsec", checker)
                signed = verify_enveloped(data, [signer.certificate], None, "{urn:test}Doc",
                                          "test document", lambda _: [])
            assert signed.element.findtext("{urn:test}Item") == "ünïcode & <markup>"
        tampered = data.replace("ünïcode".encode(), b"unicode")
        with pytest.raises(VerificationError, match="changed after it was signed"):
            verify_enveloped(tampered, [signer.certificate], None, "{urn:test}Doc",
                             "test document", lambda _: [])
