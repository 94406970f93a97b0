"""A key rotation readers can follow: the registry's signed policy chain, published on its site,
takes a reader who pinned only the first signing certificate to the key that signs now; a chain
with a forged step, or one that starts elsewhere, is refused with its own exit status (20)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from cplkit.signing.cms import sign_cms
from cplkit.signing.signers import load_signer
from tests.conftest import SAMPLES, utc_now
from tests.conftest import run_cli as run

AS_OF = ("--as-of", "2026-11-23")


def keys(root: Path, who: str) -> list[str]:
    return ["--key", str(root / who / "key.pem"), "--cert", str(root / who / "cert.pem")]


@pytest.fixture(scope="module")
def rotated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Version 1.0 signed by the old key; the old key trusts the new one; version 1.1 signed by
    the new key; the site written."""
    root = tmp_path_factory.mktemp("rotation")
    for who in ("old", "new", "mallory"):
        assert run("keygen", "--out", root / who)[0] == 0
    registry = root / "registry"
    assert run("init", "-r", registry, *keys(root, "old"))[0] == 0
    assert run("publish", "-r", registry, *AS_OF, *keys(root, "old"),
               SAMPLES / "valid" / "bulk-submission.csv")[0] == 0
    code, out = run("trust", "add", root / "new" / "cert.pem", "-r", registry,
                    "--reason", "yearly key renewal", *keys(root, "old"))
    assert code == 0 and "now trusting" in out, out
    code, out = run("publish", "-r", registry, *AS_OF, *keys(root, "new"),
                    SAMPLES / "valid" / "form-ppmid.xlsx")
    assert code == 0, out
    assert run("site", "-r", registry, "--out", root / "site")[0] == 0
    return root


def test_a_reader_who_pinned_the_first_certificate_follows_the_rotation(rotated: Path) -> None:
    site = rotated / "site"
    newest = site / "1.1" / "cpl-1.1.xml"
    pinned = rotated / "old" / "cert.pem"
    code, out = run("verify", newest, "--trust", pinned)
    assert code == 14, out  # without the chain, the new key is nobody
    code, out = run("verify", newest, "--trust", pinned, "--policy", site / "policy")
    assert code == 0, out
    code, out = run("verify", site / "1.0" / "cpl-1.0.xml", "--trust", pinned,
                    "--policy", site / "policy")
    assert code == 0, out
    assert (site / "latest.xml").is_file()


def _forged(rotated: Path, tmp_path: Path) -> Path:
    """The site's chain with its rotation rewritten to trust mallory, signed by mallory."""
    folder = tmp_path / "policy"
    shutil.copytree(rotated / "site" / "policy", folder)
    record = folder / "2.json"
    doc = json.loads(record.read_text())
    mallory = load_signer(rotated / "mallory" / "key.pem", rotated / "mallory" / "cert.pem",
                          None, None)
    doc["signers"][-1] = {**doc["signers"][-1], "sha256": mallory.fingerprint,
                          "subject": mallory.subject,
                          "pem": (rotated / "mallory" / "cert.pem").read_text()}
    data = (json.dumps(doc, indent=1) + "\n").encode()
    record.write_bytes(data)
    shutil.rmtree(folder / "2.sig")
    (folder / "2.sig").mkdir()
    (folder / "2.sig" / "mallory.p7s").write_bytes(sign_cms(data, mallory, now=utc_now()))
    return folder


def test_a_forged_rotation_is_refused(rotated: Path, tmp_path: Path) -> None:
    code, out = run("verify", rotated / "site" / "1.1" / "cpl-1.1.xml", "--trust",
                    rotated / "old" / "cert.pem", "--policy", _forged(rotated, tmp_path))
    assert code == 20, out
    assert "policy record 2 is not signed as the policy before it requires" in out


def test_an_altered_or_cut_chain_is_refused(rotated: Path, tmp_path: Path) -> None:
    folder = tmp_path / "policy"
    shutil.copytree(rotated / "site" / "policy", folder)
    first = folder / "1.json"
    first.write_text(first.read_text().replace('"required": 0', '"required": 0 '))
    code, out = run("verify", rotated / "site" / "1.1" / "cpl-1.1.xml", "--trust",
                    rotated / "old" / "cert.pem", "--policy", folder)
    assert code == 20, out
    (folder / "1.json").unlink()
    code, out = run("verify", rotated / "site" / "1.1" / "cpl-1.1.xml", "--trust",
                    rotated / "old" / "cert.pem", "--policy", folder)
    assert code == 20 and "do not run 1, 2, 3" in out, out


def test_a_chain_of_another_registry_is_refused(rotated: Path, tmp_path: Path) -> None:
    """Mallory's own registry is a perfectly signed chain, that starts from mallory."""
    other = tmp_path / "other"
    assert run("init", "-r", other, *keys(rotated, "mallory"))[0] == 0
    code, out = run("verify", rotated / "site" / "1.0" / "cpl-1.0.xml", "--trust",
                    rotated / "old" / "cert.pem", "--policy", other / "policy")
    assert code == 20 and "does not start from the pinned certificate" in out, out
