"""'cplkit demo', the README's first command: the whole main job on the bundled samples, whose
signed output xmlsec1 accepts with the printed certificate."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import openssl_cms_verify, xmlsec1_verify


def test_demo_publishes_two_signed_versions_anyone_can_verify(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CPLKIT_")}
    done = subprocess.run([sys.executable, "-m", "cplkit", "demo", "--out", str(tmp_path / "d")],
                          capture_output=True, text=True, check=False, env=env)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "NOT FOR PRODUCTION" in out.upper() or "THROWAWAY" in out.upper()
    assert "published and signed Version 1.1" in out
    steps = [int(n) for n in re.findall(r"^(\d+)\. ", out, re.M)]
    assert steps == list(range(1, len(steps) + 1)) and len(steps) >= 5  # each step once, in order
    assert not re.search(r"\b1 (entries|errors|warnings|files)\b", out)
    listed = out.split("Where everything is:")[1].split("Check it yourself:")[0]
    for name in ("web page", "workbook", "notice", "site", "signed DCC file", "CSV extract"):
        found = re.search(rf"^  {name} +(\S+)", listed, re.M)
        assert found and Path(found.group(1)).is_file(), name  # every output, where it says
    dcc = Path(re.search(r"signed DCC file (\S+)", out).group(1))  # type: ignore[union-attr]
    cert = Path(re.search(r"certificate +(\S+)", out).group(1))  # type: ignore[union-attr]
    extract = Path(re.search(r"CSV extract +(\S+)", out).group(1))  # type: ignore[union-attr]
    assert xmlsec1_verify(dcc, cert).returncode == 0
    assert openssl_cms_verify(extract, extract.with_name(extract.name + ".p7s"),
                              cert).returncode == 0
    verify = re.search(r"(cplkit verify .+)", out).group(1).split()  # type: ignore[union-attr]
    again = subprocess.run([sys.executable, "-m", *verify], capture_output=True, text=True,
                           check=False)
    assert again.returncode == 0 and "valid" in again.stdout


def test_demo_refuses_a_directory_in_use(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    done = subprocess.run([sys.executable, "-m", "cplkit", "demo", "--out", str(tmp_path)],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 2 and "not empty" in done.stderr


@pytest.mark.skipif(not os.environ.get("CI"), reason="only CI must have them (.ci/run installs "
                    "them); elsewhere the tests that need them say so")
def test_ci_has_every_program_the_tests_use() -> None:
    """CI must never skip the xmlsec1, openssl, browser or spreadsheet checks."""
    for program in ("xmlsec1", "openssl", "chromium", "chromedriver", "soffice"):
        assert shutil.which(program), program
