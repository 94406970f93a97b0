"""latest.xml, the signed statement of what is current: a reader holding an old file learns a
newer one exists (a rollback), and a statement past its next-update time is refused (a freeze).
Each attack fails for its own reason and exit status."""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
from pathlib import Path

import pytest
from lxml import etree

from cplkit.core import model as m
from cplkit.publications import latest
from cplkit.signing.signers import generate_throwaway, load_signer
from cplkit.signing.xmldsig import sign_xml
from tests.conftest import SAMPLES, utc_now, xmlsec1_verify
from tests.conftest import run_cli as run


@pytest.fixture(scope="module")
def _two_versions(tmp_path_factory: pytest.TempPathFactory, _published_once: Path,
                  signing_keys: tuple[Path, Path]) -> Path:
    """The session's version 1.0 of the bulk sample, then the PPMID form published as 1.1 with
    the test key: made once for this module."""
    path = tmp_path_factory.mktemp("latest") / "registry"
    shutil.copytree(_published_once, path, symlinks=True)
    code, out = run("publish", "-r", path, "--as-of", "2026-11-23", "--key", signing_keys[0],
                    "--cert", signing_keys[1], SAMPLES / "valid" / "form-ppmid.xlsx")
    assert code == 0, out
    return path


@pytest.fixture
def registry(tmp_path: Path, _two_versions: Path) -> Path:
    """Two versions published, 1.0 and 1.1: latest.xml names 1.1 (this test's own copy)."""
    path = tmp_path / "registry"
    shutil.copytree(_two_versions, path, symlinks=True)
    return path


def verify_with(registry: Path, version: str, statement: Path,
                trust: Path) -> tuple[int, str]:
    return run("verify", registry / "versions" / version / f"cpl-{version}.xml",
               "--latest", statement, "--trust", trust)


def test_every_publish_signs_what_is_current(registry: Path,
                                             signing_keys: tuple[Path, Path]) -> None:
    statement = registry / "latest.xml"
    code, out = verify_with(registry, "1.1", statement, signing_keys[1])
    assert code == 0 and "current (latest.xml, next update by" in out, out
    assert xmlsec1_verify(statement, signing_keys[1]).returncode == 0
    code, out = run("verify", statement, "--trust", signing_keys[1])
    assert code == 0 and "version 1.1 (cpl-1.1.xml) is current" in out


def test_an_older_version_is_a_rollback(registry: Path, signing_keys: tuple[Path, Path]) -> None:
    code, out = verify_with(registry, "1.0", registry / "latest.xml", signing_keys[1])
    assert code == 19 and "version 1.1 is current" in out and "rollback" in out
    # --previous still applies with --latest
    code, out = run("verify", registry / "versions" / "1.1" / "cpl-1.1.xml", "--previous",
                    registry / "versions" / "1.1" / "cpl-1.1.xml", "--latest",
                    registry / "latest.xml", "--trust", signing_keys[1])
    assert code == 17


def test_a_statement_older_than_the_file_is_out_of_date(
        registry: Path, tmp_path: Path, signing_keys: tuple[Path, Path]) -> None:
    old = tmp_path / "latest-1.1.xml"
    shutil.copyfile(registry / "latest.xml", old)
    code, out = run("publish", "-r", registry, "--as-of", "2026-11-24",
                    SAMPLES / "valid" / "form-gas-smart-meter.xlsx")
    assert code == 0, out
    code, out = verify_with(registry, "1.2", old, signing_keys[1])
    assert code == 19 and "newer than the 1.1 latest.xml names" in out


def _statement(signing_keys: tuple[Path, Path], registry: Path, *, signed: dt.datetime,
               next_update: dt.datetime, key: Path | None = None,
               cert: Path | None = None) -> bytes:
    signer = load_signer(key or signing_keys[0], cert or signing_keys[1], None, None)
    dcc = (registry / "versions" / "1.1" / "cpl-1.1.xml").read_bytes()
    said = latest.Statement(m.VersionNumber.parse("1.1"), "cpl-1.1.xml",
                            hashlib.sha256(dcc).hexdigest(), dt.date(2026, 11, 23), signed,
                            next_update)
    return sign_xml(latest.build(said), signer)


def test_a_stale_statement_is_a_freeze(registry: Path, tmp_path: Path,
                                       signing_keys: tuple[Path, Path]) -> None:
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    stale = tmp_path / "stale.xml"
    # signed within the certificate's validity, due for renewal an hour ago
    stale.write_bytes(_statement(signing_keys, registry, signed=now - dt.timedelta(hours=12),
                                 next_update=now - dt.timedelta(hours=1)))
    code, out = verify_with(registry, "1.1", stale, signing_keys[1])
    assert code == 18 and "(a freeze)" in out
    code, out = run("verify", stale, "--trust", signing_keys[1])
    assert code == 18


def test_a_statement_by_an_untrusted_key(registry: Path, tmp_path: Path,
                                         signing_keys: tuple[Path, Path]) -> None:
    key_pem, cert_pem = generate_throwaway(now=utc_now())
    (tmp_path / "k.pem").write_bytes(key_pem)
    (tmp_path / "c.pem").write_bytes(cert_pem)
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    forged = tmp_path / "forged.xml"
    forged.write_bytes(_statement(signing_keys, registry, signed=now,
                                  next_update=now + dt.timedelta(days=14),
                                  key=tmp_path / "k.pem", cert=tmp_path / "c.pem"))
    code, out = verify_with(registry, "1.1", forged, signing_keys[1])
    assert code == 14 and "none of the trusted certificates vouches for" in out


def test_a_changed_statement_does_not_verify(registry: Path, tmp_path: Path,
                                             signing_keys: tuple[Path, Path]) -> None:
    text = (registry / "latest.xml").read_text()
    changed = tmp_path / "changed.xml"  # the signed statement, saying 1.0 is current
    changed.write_text(text.replace('version="1.1"', 'version="1.0"', 1))
    code, _ = verify_with(registry, "1.1", changed, signing_keys[1])
    assert code == 13


def test_refresh_re_signs_without_a_new_version(registry: Path,
                                                signing_keys: tuple[Path, Path]) -> None:
    before = (registry / "latest.xml").read_bytes()
    code, out = run("refresh", "-r", registry, "--next-update-days", "3")
    assert code == 0 and "version 1.1 is current" in out, out
    after = (registry / "latest.xml").read_bytes()
    assert after != before and b'version="1.1"' in after
    assert sorted(p.name for p in (registry / "versions").iterdir()) == ["1.0", "1.1"]
    code, out = verify_with(registry, "1.1", registry / "latest.xml", signing_keys[1])
    assert code == 0, out
    said = latest.read_signed(etree.fromstring(after))
    assert dt.timedelta(days=2, hours=23) < said.next_update - said.signed_at <= \
        dt.timedelta(days=3)


def test_refresh_by_a_key_the_registry_does_not_trust(registry: Path, tmp_path: Path) -> None:
    assert run("keygen", "--out", tmp_path / "other")[0] == 0
    before = (registry / "latest.xml").read_bytes()
    code, out = run("refresh", "-r", registry, "--key", tmp_path / "other" / "key.pem",
                    "--cert", tmp_path / "other" / "cert.pem")
    assert code == 6 and "not trusted by the registry" in out
    assert (registry / "latest.xml").read_bytes() == before
