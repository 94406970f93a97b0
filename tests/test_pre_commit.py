"""cplkit as a pre-commit hook: pre-commit itself installs this checkout into its own
environment, as it would from a tag, and runs the hook on the files a commit stages; a bad
form stops the commit naming its cell, a good one and any other file pass."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import ROOT, SAMPLES

PRE_COMMIT = shutil.which("pre-commit")


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *args],
                   cwd=repo, check=True, capture_output=True)


@pytest.mark.skipif(not (PRE_COMMIT and shutil.which("git")),
                    reason="needs pre-commit (the test extra) and git")
def test_the_hook_stops_a_commit_of_a_bad_form(tmp_path: Path) -> None:
    repo = tmp_path / "submissions"
    repo.mkdir()
    git(repo, "init", "-q")
    shutil.copyfile(SAMPLES / "valid" / "form-ppmid.xlsx", repo / "good.xlsx")
    (repo / "notes.md").write_text("not a spreadsheet: the hook leaves it alone\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("CPLKIT_")}
    env["PRE_COMMIT_HOME"] = str(tmp_path / "cache")
    git(repo, "add", ".")

    def run_hook() -> subprocess.CompletedProcess[str]:
        assert PRE_COMMIT
        # try-repo: the hook as this checkout defines it, installed the way a user's would be
        return subprocess.run([PRE_COMMIT, "try-repo", str(ROOT), "cplkit-check"],
                              cwd=repo, env=env, capture_output=True, text=True, check=False,
                              timeout=600)

    passed = run_hook()
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "cplkit check" in passed.stdout and "Passed" in passed.stdout

    shutil.copyfile(SAMPLES / "invalid" / "V03-firmware-three-bytes.xlsx", repo / "bad.xlsx")
    git(repo, "add", "bad.xlsx")
    failed = run_hook()
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "Failed" in failed.stdout and "CPL-V03" in failed.stdout and "G14" in failed.stdout
