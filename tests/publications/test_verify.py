"""Verification against hostile files: each fails for its own reason, with its own exit status
and a message a DCC operator can act on. The good files are also checked by xmlsec1 and
openssl, trusting only the test certificate."""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID
from lxml import etree

from cplkit.cli import cli
from cplkit.core import model as m
from cplkit.forms.new_entry import write_new_entry_form
from cplkit.intake.rulesets import load_ruleset
from cplkit.registry import Registry
from tests.conftest import SAMPLES, XMLSEC1, openssl_cms_verify, xmlsec1_verify
from tests.core.entries import valid_gas

#: files here are altered on purpose; every verdict holds for both signature engines
pytestmark = [pytest.mark.tampered, pytest.mark.usefixtures("both_engines")]


@pytest.fixture(scope="module")
def signed(tmp_path_factory: pytest.TempPathFactory, signing_keys: tuple[Path, Path]) -> Path:
    """A registry with versions 1.0, 1.1 and 1.2, signed with the test key."""
    folder = tmp_path_factory.mktemp("signed")
    registry = folder / "registry"
    keys = ["--key", str(signing_keys[0]), "--cert", str(signing_keys[1])]
    runner = CliRunner()
    assert runner.invoke(cli, ["init", "-r", str(registry), *keys]).exit_code == 0
    changes = [SAMPLES / "valid" / "bulk-submission.csv"]
    for firmware in ("09:00:00:01", "09:00:00:02"):
        form = folder / f"{firmware.replace(':', '')}.xlsx"
        write_new_entry_form(form, load_ruleset(), [valid_gas(**{m.FIRMWARE_VERSION: firmware})])
        changes.append(form)
    for change in changes:
        result = runner.invoke(cli, ["publish", "-r", str(registry), "--as-of", "2026-11-23",
                                     *keys, str(change)])
        assert result.exit_code == 0, result.output
    return registry


def dcc(registry: Path, version: str) -> Path:
    return registry / "versions" / version / f"cpl-{version}.xml"


def verify(path: Path, trust: Path, *extra: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["verify", str(path), "--trust", str(trust), *extra])
    return result.exit_code, result.output


def altered(tmp_path: Path, source: Path, change: object) -> Path:
    data = source.read_bytes()
    new = change(data) if callable(change) else data
    assert new != data, "the test meant to change the file"
    path = tmp_path / f"hostile-{source.name}"
    path.write_bytes(new)
    return path


def test_good_files_verify_with_cplkit_xmlsec1_and_openssl(
        signed: Path, signing_keys: tuple[Path, Path]) -> None:
    cert = signing_keys[1]
    code, out = verify(dcc(signed, "1.1"), cert, "--previous", str(dcc(signed, "1.0")),
                       "--format", "json")
    assert code == 0, out
    summary = json.loads(out)
    assert summary["version"] == "1.1" and summary["previous"] == "1.0"
    assert summary["entries"] == 9 and summary["chain_checked"]
    for version in ("1.0", "1.1", "1.2"):
        assert xmlsec1_verify(dcc(signed, version), cert).returncode == 0
        extract = dcc(signed, version).with_suffix(".csv")
        assert openssl_cms_verify(extract, extract.with_name(extract.name + ".p7s"),
                                  cert).returncode == 0
        code, out = verify(extract, cert)
        assert code == 0 and "valid CSV extract" in out


def test_the_entries_read_back_are_the_ones_issued(signed: Path,
                                                   signing_keys: tuple[Path, Path]) -> None:
    """What a verified DCC file says, entry by entry, read only from the signed element."""
    from cplkit.core import model as m
    from cplkit.publications.verify_issued import verify_dcc
    from cplkit.signing.x509 import load_certificates

    stored = Registry(signed).read("1.1")
    trusted = load_certificates(signing_keys[1].read_bytes(), "cert")
    content = verify_dcc(Registry(signed).file(stored, "cpl-1.1.xml"), trusted).content
    read = content.entries()
    assert content.entry_count == len(read) == len(stored.version.entries)
    for entry, issued in zip(read, stored.version.entries, strict=True):
        assert entry.number == issued.number and entry.status == issued.status
        assert entry.get(m.FIRMWARE_VERSION) == issued.get(m.FIRMWARE_VERSION)
        assert entry.get(m.CPA_EXPIRY) == issued.get(m.CPA_EXPIRY)


def test_the_chain_names_the_previous_file(signed: Path) -> None:
    stored = Registry(signed).read("1.1")
    xml = Registry(signed).file(stored, "cpl-1.1.xml")
    import hashlib

    previous = hashlib.sha256(dcc(signed, "1.0").read_bytes()).hexdigest()
    assert f'<Previous version="1.0" sha256="{previous}"/>'.encode() in xml
    assert b"<Previous" not in dcc(signed, "1.0").read_bytes()


def _indented(data: bytes) -> object:
    root = etree.fromstring(data)
    etree.indent(root)
    return root


def _move_signature_into_entries(data: bytes) -> bytes:
    root = etree.fromstring(data)
    signature = root[-1]
    root.find("{urn:cplkit:central-products-list:1}Entries").insert(0, signature)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def _duplicate_signature(data: bytes) -> bytes:
    root = etree.fromstring(data)
    import copy

    root.insert(1, copy.deepcopy(root[-1]))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


CASES = {
    "one changed entry": (
        lambda d: d.replace(b"<ModelIdentifier>20:02<", b"<ModelIdentifier>20:03<", 1),
        13, "changed after it was signed"),
    "a changed signature value": (
        lambda d: re.sub(rb"(<ds:SignatureValue>)(.)", lambda m: m.group(1) + (
            b"A" if m.group(2) != b"A" else b"B"), d, count=1), 13, "does not match"),
    "a pretty-printed copy": (
        lambda d: etree.tostring(_indented(d), xml_declaration=True, encoding="UTF-8"),
        13, "changed after it was signed"),
    "a second entry list": (
        lambda d: d.replace(b"</Entries>", b'</Entries><Entries count="1"><Entry '
                            b'number="999999" status="Current"/></Entries>', 1),
        11, "not a valid CPL DCC file"),
    "a moved signature": (
        _move_signature_into_entries, 12, "not the last child"),
    "two signatures": (
        _duplicate_signature, 12, "2 XML signatures"),
    "a reference to an Id (duplicate IDs)": (
        lambda d: d.replace(b'<Reference URI=""', b'<Reference URI="#cpl"').replace(
            b'<ds:Reference URI=""', b'<ds:Reference URI="#cpl"').replace(
            b"<Label>", b'<Label Id="cpl">', 1).replace(b"<Entries ", b'<Entries Id="cpl" ', 1),
        12, "not the whole document"),
    "duplicate Id attributes": (
        lambda d: d.replace(b"<Label>", b'<Label Id="x">', 1).replace(
            b"<Entries ", b'<Entries Id="x" ', 1), 11, "not a valid CPL DCC file"),
    "a DOCTYPE with an external entity": (
        lambda d: d.replace(b"?>", b'?>\n<!DOCTYPE CentralProductsList [<!ENTITY x SYSTEM '
                            b'"file:///etc/passwd">]>', 1), 10, "DTD or entities"),
    "entity expansion": (
        lambda d: d.replace(b"?>", b'?>\n<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b '
                            b'"&a;&a;&a;&a;&a;&a;&a;&a;">]>', 1).replace(
            b"<Label>", b"<Label>&b;", 1), 10, "DTD or entities"),
    "not XML at all": (lambda d: d[: len(d) // 2], 10, "not well-formed"),
    "a sha1 digest": (
        lambda d: d.replace(b"http://www.w3.org/2001/04/xmlenc#sha256",
                            b"http://www.w3.org/2000/09/xmldsig#sha1", 1), 15, "SHA-1 is broken"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_hostile_file(case: str, signed: Path, tmp_path: Path,
                      signing_keys: tuple[Path, Path]) -> None:
    change, exit_code, says = CASES[case]
    path = altered(tmp_path, dcc(signed, "1.1"), change)
    code, out = verify(path, signing_keys[1])
    assert code == exit_code, out
    assert says in out and "Traceback" not in out
    if XMLSEC1 and exit_code == 13:
        assert xmlsec1_verify(path, signing_keys[1]).returncode != 0  # xmlsec1 agrees


def test_placement_is_checked_even_where_xmlsec1_does_not(
        signed: Path, tmp_path: Path, signing_keys: tuple[Path, Path]) -> None:
    """The enveloped-signature transform removes the signature wherever it sits, so a signature
    moved inside the entry list still verifies cryptographically (xmlsec1 says OK). Where it sits
    is a structural question cplkit asks itself: it refuses the file."""
    path = altered(tmp_path, dcc(signed, "1.1"), _move_signature_into_entries)
    if XMLSEC1:
        assert xmlsec1_verify(path, signing_keys[1]).returncode == 0
    assert verify(path, signing_keys[1])[0] == 12


def test_content_outside_the_signed_document_is_refused(signed: Path, tmp_path: Path,
                                                        signing_keys: tuple[Path, Path]) -> None:
    """A second entry list slipped into the signature's own ds:Object is not signed, though the
    signature still verifies (xmlsec1 accepts the file): a reader searching for Entry elements
    would find it, so cplkit refuses the file."""
    sneaked = (b'<ds:Object><Entry xmlns="urn:cplkit:central-products-list:1" number="999999" '
               b'status="Current"><DeviceType>Evil</DeviceType></Entry></ds:Object></ds:Signature>')
    path = altered(tmp_path, dcc(signed, "1.1"), lambda d: d.replace(b"</ds:Signature>", sneaked))
    if XMLSEC1:
        assert xmlsec1_verify(path, signing_keys[1]).returncode == 0
    code, out = verify(path, signing_keys[1])
    assert code == 12 and "Object" in out


@pytest.mark.parametrize("insert", [b"<!-- x -->", b"<?cplkit evil?>"], ids=["comment", "pi"])
def test_a_comment_inside_a_signed_value_is_refused(signed: Path, tmp_path: Path,
                                                     signing_keys: tuple[Path, Path],
                                                     insert: bytes) -> None:
    """Exclusive canonicalisation drops comments, so '12:40<!-- x -->:74:DA' keeps a valid
    signature, while a reader with lxml's defaults sees '12:40': nothing unsigned may be there."""
    def split_a_value(data: bytes) -> bytes:
        return re.sub(rb"(<FirmwareVersion>[0-9A-F]{2}:[0-9A-F]{2})", rb"\1" + insert, data,
                      count=1)
    path = altered(tmp_path, dcc(signed, "1.1"), split_a_value)
    if XMLSEC1 and insert.startswith(b"<!--"):
        assert xmlsec1_verify(path, signing_keys[1]).returncode == 0  # the signature holds
    code, out = verify(path, signing_keys[1])
    assert code == 11 and "comment or processing instruction" in out


def test_a_valid_signature_by_an_untrusted_key(signed: Path, tmp_path: Path) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "someone else")])
    now = dt.datetime.now(dt.UTC)
    other = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
             .public_key(key.public_key()).serial_number(1).not_valid_before(now)
             .not_valid_after(now + dt.timedelta(days=9)).sign(key, hashes.SHA256()))
    trust = tmp_path / "other.pem"
    trust.write_bytes(other.public_bytes(serialization.Encoding.PEM))
    code, out = verify(dcc(signed, "1.1"), trust)
    assert code == 14 and "none of the trusted certificates vouches for" in out
    extract = dcc(signed, "1.1").with_suffix(".csv")
    code, out = verify(extract, trust)
    assert code == 14


def test_an_older_version_presented_after_a_newer_one(signed: Path,
                                                       signing_keys: tuple[Path, Path]) -> None:
    code, out = verify(dcc(signed, "1.0"), signing_keys[1], "--previous", str(dcc(signed, "1.1")))
    assert code == 17 and "older than the previous" in out


def test_a_skipped_version(signed: Path, signing_keys: tuple[Path, Path]) -> None:
    code, out = verify(dcc(signed, "1.2"), signing_keys[1], "--previous", str(dcc(signed, "1.0")))
    assert code == 17 and "a version was skipped" in out


def test_a_previous_file_from_another_chain(signed: Path, tmp_path: Path,
                                             signing_keys: tuple[Path, Path]) -> None:
    other = tmp_path / "other"
    runner = CliRunner()
    runner.invoke(cli, ["init", "-r", str(other)])
    runner.invoke(cli, ["publish", "-r", str(other), "--as-of", "2026-11-23",
                        str(SAMPLES / "valid" / "form-ppmid.xlsx")])
    code, out = verify(dcc(signed, "1.1"), signing_keys[1], "--previous", str(dcc(other, "1.0")))
    assert code == 17 and "does not name this file" in out


def test_a_certificate_not_valid_at_the_signing_time(signed: Path,
                                                      signing_keys: tuple[Path, Path]) -> None:
    code, out = verify(dcc(signed, "1.1"), signing_keys[1], "--at", "2099-01-01")
    assert code == 16 and "was not valid on 2099-01-01" in out


def test_a_changed_csv_extract(signed: Path, tmp_path: Path,
                               signing_keys: tuple[Path, Path]) -> None:
    extract = dcc(signed, "1.1").with_suffix(".csv")
    copy = tmp_path / extract.name
    copy.write_bytes(extract.read_bytes().replace(b"Current", b"Removed", 1))
    (tmp_path / (extract.name + ".p7s")).write_bytes(
        extract.with_name(extract.name + ".p7s").read_bytes())
    code, out = verify(copy, signing_keys[1])
    assert code == 13 and "changed after it was signed" in out
    assert openssl_cms_verify(copy, tmp_path / (extract.name + ".p7s"),
                              signing_keys[1]).returncode != 0


def test_missing_signature_file_is_unreadable(signed: Path, tmp_path: Path,
                                              signing_keys: tuple[Path, Path]) -> None:
    copy = tmp_path / "cpl.csv"
    copy.write_bytes(dcc(signed, "1.1").with_suffix(".csv").read_bytes())
    code, out = verify(copy, signing_keys[1])
    assert code == 3 and "signature" in out and "cpl.csv.p7s" in out and "does not exist" in out


@pytest.mark.skipif(not XMLSEC1, reason="xmlsec1 is not installed (Debian package xmlsec1)")
def test_a_real_rsa_sha1_signature_is_refused(signed: Path, tmp_path: Path) -> None:
    """Signed by xmlsec1 itself with rsa-sha1 and a trusted key: valid, and still refused."""
    key = rsa.generate_private_key(65537, 2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sha1 signer")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(7).not_valid_before(now)
            .not_valid_after(now + dt.timedelta(days=9)).sign(key, hashes.SHA256()))
    (tmp_path / "key.pem").write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    (tmp_path / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    root = etree.fromstring(dcc(signed, "1.1").read_bytes())
    root.remove(root[-1])
    template = etree.fromstring(
        b'<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo>'
        b'<ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>'
        b'<ds:SignatureMethod Algorithm="http://www.w3.org/2000/09/xmldsig#rsa-sha1"/>'
        b'<ds:Reference URI=""><ds:Transforms>'
        b'<ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/>'
        b'<ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/></ds:Transforms>'
        b'<ds:DigestMethod Algorithm="http://www.w3.org/2000/09/xmldsig#sha1"/><ds:DigestValue/>'
        b'</ds:Reference></ds:SignedInfo><ds:SignatureValue/><ds:KeyInfo><ds:X509Data>'
        b'<ds:X509Certificate/></ds:X509Data></ds:KeyInfo></ds:Signature>')
    root.append(template)
    (tmp_path / "template.xml").write_bytes(etree.tostring(root, xml_declaration=True,
                                                           encoding="UTF-8"))
    out = tmp_path / "sha1.xml"
    done = subprocess.run([XMLSEC1, "--sign", "--privkey-pem",
                           f"{tmp_path / 'key.pem'},{tmp_path / 'cert.pem'}", "--output",
                           str(out), str(tmp_path / "template.xml")], capture_output=True,
                          text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert xmlsec1_verify(out, tmp_path / "cert.pem").returncode == 0  # genuinely valid
    code, message = verify(out, tmp_path / "cert.pem")
    assert code == 15 and "rsa-sha1" in message and "SHA-1 is broken" in message


def test_a_trust_file_that_holds_no_certificate_is_a_usage_error(signed: Path,
                                                                 tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("not a certificate")
    code, out = verify(dcc(signed, "1.1"), tmp_path / "notes.txt")
    assert code == 2 and "holds no readable X.509 certificate" in out
