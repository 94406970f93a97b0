"""A site its readers can verify (issue 23, item 7): 'cplkit site' publishes the signing
certificates with their fingerprints, each version's rules and approvals, the policy chain and
latest.xml; 'cplkit verify --site' checks the whole mirror from the certificate a reader pinned,
and each kind of damage is its own line and exit status. 'verify --registry' does the same for
the registry, where 'history' never looked at an issued file."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from cplkit.signing.x509 import fingerprint, load_certificates
from tests.conftest import SAMPLES
from tests.conftest import run_cli as run

FORMS = [SAMPLES / "valid" / "form-ppmid.xlsx", SAMPLES / "valid" / "form-gas-smart-meter.xlsx"]


def keys(root: Path, who: str) -> list[str]:
    return ["--key", str(root / who / "key.pem"), "--cert", str(root / who / "cert.pem")]


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """A four-eyes registry with two versions, each prepared, approved by two people and
    issued, and its site: (keys folder, registry, site)."""
    root = tmp_path_factory.mktemp("site-verify")
    for who in ("signer", "preparer", "alice", "bob"):
        assert run("keygen", "--out", root / who)[0] == 0
    registry = root / "registry"
    assert run("init", "-r", registry, *keys(root, "signer"),
               *(a for who in ("preparer", "alice", "bob")
                 for a in ("--approver", root / who / "cert.pem")), "--approvals", "2")[0] == 0
    for day, form in zip(("2026-11-23", "2026-11-30"), FORMS, strict=True):
        code, out = run("publish", "--prepare", "-r", registry, "--as-of", day,
                        *keys(root, "preparer"), form)
        assert code == 0, out
        staged = next((registry / "staged").iterdir())
        for who in ("alice", "bob"):
            assert run("approve", staged, "-r", registry, *keys(root, who))[0] == 0
        code, out = run("publish", "--staged", staged, "-r", registry, *keys(root, "signer"))
        assert code == 0, out
    site = root / "site"
    assert run("site", "-r", registry, "--out", site)[0] == 0
    return root, registry, site


def test_the_site_carries_what_a_reader_checks_it_with(published: tuple[Path, Path, Path]
                                                       ) -> None:
    root, _, site = published
    pinned = (root / "signer" / "cert.pem").read_bytes()
    sha256 = fingerprint(load_certificates(pinned, "cert")[0])
    assert (site / "certificates" / f"{sha256}.pem").is_file()
    index = (site / "index.html").read_text()
    assert sha256 in index and f"certificates/{sha256}.pem" in index
    for name in ("ruleset.json", "staged-1.1.json", "staged-summary-1.1.json",
                 "preparation-1.1.p7s", "approval-1.1-1.p7s", "approval-1.1-2.p7s"):
        assert (site / "1.1" / name).is_file(), name
    assert not (site / "1.1" / "fir-1.1.json").exists()  # restricted, as ever
    assert (site / "latest.xml").is_file() and (site / "policy" / "1.json").is_file()


def test_a_whole_site_verifies_from_the_pinned_certificate(published: tuple[Path, Path, Path]
                                                           ) -> None:
    root, _, site = published
    code, out = run("verify", "--site", site, "--trust", root / "signer" / "cert.pem")
    assert code == 0, out
    assert out.startswith("valid: the site") and "2 versions (1.0 to 1.1), 2 with approvals" \
        in out and "latest.xml names 1.1 as current" in out
    # a reader who pinned another certificate trusts nothing here
    code, out = run("verify", "--site", site, "--trust", root / "alice" / "cert.pem")
    assert code == 20 and "does not start from the pinned certificate" in out


def damaged(site: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "mirror"
    shutil.copytree(site, copy)
    return copy


@pytest.mark.tampered
def test_an_altered_page_is_named_with_exit_13(published: tuple[Path, Path, Path],
                                                tmp_path: Path) -> None:
    root, _, site = published
    mirror = damaged(site, tmp_path)
    page = mirror / "1.0" / "cpl-1.0.html"
    page.write_text(page.read_text().replace("PPMID", "PPMlD"))
    code, out = run("verify", "--site", mirror, "--trust", root / "signer" / "cert.pem")
    assert code == 13, out
    problems = out.splitlines()[:-1]
    assert len(problems) == 1 and problems[0].startswith("1.0/manifest-1.0.xml: signature")
    assert "cpl-1.0.html is not the file the manifest lists" in problems[0]


@pytest.mark.tampered
def test_a_missing_latest_xml_is_a_possible_freeze_exit_18(published: tuple[Path, Path, Path],
                                                          tmp_path: Path) -> None:
    root, _, site = published
    mirror = damaged(site, tmp_path)
    (mirror / "latest.xml").unlink()
    code, out = run("verify", "--site", mirror, "--trust", root / "signer" / "cert.pem")
    assert code == 18, out
    assert out.splitlines()[0].startswith("latest.xml: stale (exit 18): there is no latest.xml")


@pytest.mark.tampered
def test_a_replaced_dcc_file_breaks_the_chain_exit_17(published: tuple[Path, Path, Path],
                                                      tmp_path: Path) -> None:
    """The first version's well-signed DCC file served as the second's: the manifest and
    the chain of DCC files each say so."""
    root, _, site = published
    mirror = damaged(site, tmp_path)
    shutil.copyfile(mirror / "1.0" / "cpl-1.0.xml", mirror / "1.1" / "cpl-1.1.xml")
    code, out = run("verify", "--site", mirror, "--trust", root / "signer" / "cert.pem")
    assert code == 17, out
    assert "1.1/cpl-1.1.xml: chain (exit 17)" in out
    assert "cpl-1.1.xml is not the file the manifest lists" in out


@pytest.mark.tampered
def test_an_approval_swapped_for_another_is_exit_20(published: tuple[Path, Path, Path],
                                                    tmp_path: Path) -> None:
    root, _, site = published
    mirror = damaged(site, tmp_path)
    shutil.copyfile(mirror / "1.0" / "approval-1.0-1.p7s", mirror / "1.1" / "approval-1.1-1.p7s")
    code, out = run("verify", "--site", mirror, "--trust", root / "signer" / "cert.pem")
    assert code == 20, out
    assert "1.1/staged-1.1.json: policy (exit 20): version 1.1 is not approved" in out


@pytest.mark.tampered
def test_verify_registry_finds_a_corrupted_dcc_file_history_does_not(
        published: tuple[Path, Path, Path], tmp_path: Path) -> None:
    root, registry, _ = published
    code, out = run("verify", "--registry", registry, "--trust", root / "signer" / "cert.pem")
    assert code == 0 and out.startswith("valid: the registry"), out
    copy = tmp_path / "registry"
    shutil.copytree(registry, copy)
    dcc = copy / "versions" / "1.0" / "cpl-1.0.xml"
    dcc.write_bytes(dcc.read_bytes().replace(b"01:02:0A:FF", b"01:02:0A:FE"))
    code, out = run("verify", "--registry", copy, "--trust", root / "signer" / "cert.pem")
    assert code == 13 and "cpl-1.0.xml is not the file the manifest lists" in out, out
    rules = copy / "versions" / "1.1" / "ruleset.json"
    rules.write_bytes(rules.read_bytes().replace(b"GBCS", b"GBC5"))
    code, out = run("verify", "--registry", copy, "--trust", root / "signer" / "cert.pem")
    assert "ruleset.json is not the file the manifest lists" in out


def test_one_of_file_site_or_registry(published: tuple[Path, Path, Path]) -> None:
    root, registry, site = published
    trust = ["--trust", str(root / "signer" / "cert.pem")]
    assert run("verify", *trust)[0] == 2
    assert run("verify", "--site", site, "--registry", registry, *trust)[0] == 2
    assert run("verify", "--site", site, "--latest", site / "latest.xml", *trust)[0] == 2
