"""Text from outside cplkit reaches no human output as itself: a certificate's subject, a reason,
a company name or a file name holding escape sequences, line breaks or direction marks is shown
with those characters visible (terminal, step summary); and a SARIF URI is a URI (RFC 3986)."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path
from urllib.parse import unquote

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.conftest import SAMPLES
from tests.conftest import run_cli as run

AS_OF = ["--as-of", "2026-11-23"]
FORM = SAMPLES / "valid" / "form-gas-smart-meter.xlsx"
BULK = SAMPLES / "valid" / "bulk-submission.csv"

#: what a hostile text carries: clear the screen, retitle the terminal, reverse the text, and
#: start a line of its own
HOSTILE = "evil\x1b[2J\x1b]0;pwned\x07\u202eabc\r\n### forged"
RAW = ("\x1b", "\x07", "\u202e", "\r", "\n### forged")


def shows_no_raw(text: str) -> None:
    for character in RAW:
        assert character not in text, (character, text)


def _certificate(tmp_path: Path, common_name: str) -> Path:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=30)).sign(key, hashes.SHA256()))
    path = tmp_path / "subject.pem"
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return path


@pytest.fixture
def registry(tmp_path: Path) -> Path:
    path = tmp_path / "registry"
    code, out = run("init", "-r", path)
    assert code == 0, out
    return path


def test_trust_add_and_list_show_a_subject_and_reason_escaped(tmp_path: Path,
                                                             registry: Path) -> None:
    cert = _certificate(tmp_path, HOSTILE)
    code, out = run("trust", "add", cert, "-r", registry, "--reason", f"rotation {HOSTILE}")
    assert code == 0, out
    shows_no_raw(out)
    assert "\\u001b[2J" in out and "\\u202e" in out and "\\r\\n" in out
    code, out = run("trust", "list", "-r", registry)
    assert code == 0, out
    shows_no_raw(out)
    assert out.count("\\u001b[2J") == 2  # the subject and the reason
    # the test key and this one: one line each, then the threshold
    assert len(out.splitlines()) == 3


def test_names_list_changes_shows_a_reason_escaped(registry: Path) -> None:
    # a company name must be one line (refused otherwise); a reason is kept as given, and
    # shown, not obeyed
    code, out = run("names", "set", "12:3E", "Example Meters", "-r", registry,
                    "--reason", f"why {HOSTILE}")
    assert code == 0, out
    code, out = run("names", "list", "-r", registry, "--changes")
    assert code == 0, out
    shows_no_raw(out)
    assert out.count("\\u001b[2J") == 1 and len(out.splitlines()) == 1
    code, out = run("names", "list", "-r", registry)
    assert code == 0, out
    shows_no_raw(out)


def test_a_file_name_with_line_breaks_writes_no_heading_into_the_step_summary(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    named = tmp_path / "sub\n### Approved: merge it\n| a | b |.csv"
    shutil.copy(BULK, named)
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    code, out = run("check", *AS_OF, "--format", "github", named)
    assert code == 0, out
    written = summary.read_text()
    lines = written.splitlines()
    assert [line for line in lines if line.startswith("#")] == ["### cplkit check"], written
    row = next(line for line in lines if "sub" in line)
    assert "### Approved" not in row and "\\\\n" in row  # the break, shown as \n
    assert row.count(" | ") == 3, "the name's pipes do not split its cell"
    # each annotation stays on its one line, and shows the break rather than drawing it
    assert out and all(line.startswith("::") for line in out.splitlines()), out
    assert "%0A" not in out and "sub\\n### Approved" in out, out


def test_a_file_name_with_line_breaks_stays_on_its_line_in_the_text_report(
        tmp_path: Path) -> None:
    named = tmp_path / "sub\x1b[2J\n### forged.csv"
    shutil.copy(BULK, named)
    code, out = run("check", *AS_OF, named)
    assert code == 0, out
    shows_no_raw(out)
    assert "sub\\u001b[2J\\n### forged.csv" in out


@pytest.mark.parametrize("name", ["form#1.xlsx", "form%41.xlsx", "my form.xlsx",
                                  "formulär?.xlsx"])
def test_sarif_uris_are_percent_encoded(tmp_path: Path, name: str) -> None:
    named = tmp_path / name
    shutil.copy(SAMPLES / "invalid" / "V05-unknown-device-type.xlsx", named)
    code, out = run("check", *AS_OF, "--format", "sarif", named)
    assert code == 1, out
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            for r in json.loads(out)["runs"][0]["results"]}
    assert len(uris) == 1, uris
    uri = uris.pop()
    # an absolute path is a file: URI; its path holds unreserved characters, '/' and escapes
    assert uri.startswith("file:///"), uri
    unreserved = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~/%")
    assert set(uri.removeprefix("file://")) <= unreserved, uri
    assert unquote(uri.removeprefix("file://")) == str(named)


def test_the_site_shows_a_history_line_s_control_characters() -> None:
    from cplkit.publications.site_index import SiteVersion, atom_feed, index_page

    version = SiteVersion("2.051", "Version 2.051", dt.date(2026, 11, 23), 9, 8,
                          "Line one\r\nan old import's \x0b and \x1b[31m\u202e", None, ())
    page = index_page([version]).decode()
    feed = atom_feed([version], "2026-01-01T00:00:00Z").decode()  # lxml took it
    for text in (page, feed):
        assert "\x0b" not in text and "\x1b" not in text and "\u202e" not in text
        assert "\\u000b" in text and "\\u001b[31m" in text and "\\u202e" in text
        assert "Line one\nan old import" in text
