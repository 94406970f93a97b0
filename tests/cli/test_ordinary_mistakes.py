"""Ordinary mistakes with the user's own files and arguments each get their documented exit
status and a message naming what is wrong: never an internal error (70), a hang or a read of a
device that never ends.

The user's own files are the PIN file, key, certificate and chain files, and rulesets; the
arguments are the site's folder (``.``, a symlink, the registry), a publish whose site fails
after the version was issued, and dates whose arithmetic would leave the calendar.

The command line runs in this process, except where a device or a pipe is named as a file:
there cplkit runs in a process of its own under a memory and a time limit.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import SAMPLES, run_cli_streams
from tests.conftest import run_cli as run

AS_OF = ("--as-of", "2026-11-23")
FORM = SAMPLES / "valid" / "form-gas-smart-meter.xlsx"
GIB = 1 << 30


def limited_cplkit(*args: str | Path, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """cplkit in a process of its own, under a 1 GiB address-space limit (so a file read
    without bound fails fast instead of taking the machine's memory) and a time limit (so a
    read that waits for ever fails the test instead of hanging it)."""
    def limited() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (GIB, GIB))

    return subprocess.run([sys.executable, "-m", "cplkit", *map(str, args)],
                          capture_output=True, text=True, check=False, timeout=timeout,
                          preexec_fn=limited)


# the user's own key, certificate and PIN files ---------------------------------------------
# (under limits, in processes of their own: slow; tests/base/test_safe_reading refuses a device
# and a FIFO in the inner loop, as every read of these files does)
@pytest.mark.slow
@pytest.mark.parametrize("which", ["key", "cert", "chain", "pin-file", "trust add", "init"])
def test_a_device_named_as_a_key_file_is_refused_not_read(
        which: str, tmp_path: Path, signing_keys: tuple[Path, Path]) -> None:
    key, cert = signing_keys
    nowhere = tmp_path / "registry"  # refused before any registry is read
    signing = {"key": ["--key", "/dev/zero", "--cert", cert],
               "cert": ["--key", key, "--cert", "/dev/zero"],
               "chain": ["--key", key, "--cert", cert, "--chain", "/dev/zero"],
               "pin-file": ["--key", "pkcs11:token=cpl;object=signing", "--pkcs11-module",
                            "/usr/lib/softhsm/libsofthsm2.so", "--cert", cert,
                            "--pin-file", "/dev/zero"]}
    if which == "trust add":
        args: list[str | Path] = ["trust", "add", "/dev/zero", "-r", nowhere, "--reason", "x"]
    elif which == "init":
        args = ["init", "-r", nowhere, "--cert", "/dev/zero"]
    else:
        args = ["refresh", "-r", nowhere, *signing[which]]
    done = limited_cplkit(*args)
    assert done.returncode == 6, done.stderr
    assert "/dev/zero is a pipe, socket or device, not a regular file" in done.stderr
    assert "internal error" not in done.stderr and "Traceback" not in done.stderr


@pytest.mark.slow
def test_a_pipe_as_the_key_is_refused_at_once(tmp_path: Path,
                                               signing_keys: tuple[Path, Path]) -> None:
    pipe = tmp_path / "key.pem"
    os.mkfifo(pipe)
    done = limited_cplkit("refresh", "-r", tmp_path / "registry", "--key", pipe,
                          "--cert", signing_keys[1], timeout=30)
    assert done.returncode == 6 and f"the key {pipe} is a pipe" in done.stderr, done.stderr


def test_a_pin_file_larger_than_a_pin_is_refused(tmp_path: Path,
                                                 signing_keys: tuple[Path, Path]) -> None:
    pin = tmp_path / "pin.txt"
    pin.write_text("1234" * 2000)
    code, out = run("refresh", "-r", tmp_path / "registry",
                    "--key", "pkcs11:token=cpl;object=signing",
                    "--pkcs11-module", tmp_path / "module.so", "--cert", signing_keys[1],
                    "--pin-file", pin)
    assert code == 6 and "PIN file" in out and "larger than the 4 KiB" in out, out


# rulesets -------------------------------------------------------------------------------
@pytest.mark.parametrize(("text", "named"), [
    ("[" * 200_000 + "]" * 200_000, "it nests deeper than 64 levels"),
    ('{"id": ' + "1" * 100_000 + "}", "a number of 100000 digits"),
], ids=["nested 200,000 deep", "a 100,000-digit number"])
def test_a_hostile_ruleset_is_one_clear_usage_error(tmp_path: Path, text: str,
                                                    named: str) -> None:
    rules = tmp_path / "rules.json"
    rules.write_text(text)
    for args in (["rules", "--check", rules], ["check", *AS_OF, "--rules", rules, FORM]):
        code, out = run(*args)
        assert code == 2, out
        assert f"the ruleset {rules} is not valid: {named}" in out, out


def test_a_duplicate_key_in_a_ruleset_is_refused_not_last_value_wins(
        tmp_path: Path, ruleset_data: dict[str, object]) -> None:
    text = json.dumps(ruleset_data, indent=1)
    # the same key twice at the top: plain JSON keeps the second, silently
    first = next(iter(ruleset_data))
    doubled = text.replace("{", "{" + json.dumps(first) + ": "
                           + json.dumps(ruleset_data[first]) + ",", 1)
    rules = tmp_path / "rules.json"
    rules.write_text(doubled)
    code, out = run("rules", "--check", rules)
    assert code == 2, out
    assert f"the key {first!r} appears twice in one object" in out


# the site's folder ------------------------------------------------------------------------
@pytest.fixture
def registry(published_registry: Path) -> Path:
    """A registry of one version, 1.0."""
    return published_registry


def test_site_out_dot_writes_the_current_folder(tmp_path: Path, registry: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    here = tmp_path / "www"
    here.mkdir()
    monkeypatch.chdir(here)
    done = run_cli_streams("site", "-r", registry, "--out", ".")
    assert done.returncode == 0, done.stderr
    assert (here / "index.html").is_file() and (here / "1.0").is_dir()
    # and again, over the site it wrote, from the folder now at that path (as a new shell
    # there would be: this process's own folder was replaced)
    monkeypatch.chdir(here)
    done = run_cli_streams("site", "-r", registry, "--out", ".")
    assert done.returncode == 0, done.stderr


def test_site_through_a_symlink_writes_the_folder_it_points_to(tmp_path: Path,
                                                               registry: Path) -> None:
    served = tmp_path / "served"
    code, out = run("site", "-r", registry, "--out", served)
    assert code == 0 and "wrote the site of 1 version to" in out, out
    link = tmp_path / "link"
    link.symlink_to(served)
    assert run("publish", "-r", registry, *AS_OF, SAMPLES / "valid" / "form-ppmid.xlsx")[0] == 0
    code, out = run("site", "-r", registry, "--out", link)
    assert code == 0 and "wrote the site of 2 versions to" in out, out
    assert link.is_symlink() and link.resolve() == served.resolve()
    assert (served / "1.1").is_dir(), "the folder the link points to is the new site"
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".")], \
        "no set-aside copy left behind"


@pytest.mark.parametrize("where", ["inside the registry", "the registry's parent"])
def test_a_site_folder_that_cannot_be_one_is_a_usage_error(where: str, registry: Path) -> None:
    # replacing the site would replace (or write into) the registry
    out_folder = {"inside the registry": registry / "site",
                  "the registry's parent": registry.parent}[where]
    if where == "the registry's parent":
        (registry.parent / ".cplkit-site").write_text("as if an earlier site")
    code, out = run("site", "-r", registry, "--out", out_folder)
    assert code == 2 and "overlap" in out, out
    assert registry.is_dir() and (registry / "registry.json").is_file()


def test_a_base_url_with_a_control_character_is_a_usage_error(tmp_path: Path,
                                                              registry: Path) -> None:
    code, out = run("site", "-r", registry, "--out", tmp_path / "site", "--base-url",
                    "https://cpl.example/\x1b[2J")
    assert code == 2 and "--base-url" in out, out


# publish --site ---------------------------------------------------------------------------
def _latest(registry: Path) -> str:
    return str(json.loads((registry / "registry.json").read_text())["versions"][-1]["version"])


def test_publish_site_dot_issues_and_writes_the_site(tmp_path: Path, registry: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    here = tmp_path / "www"
    here.mkdir()
    monkeypatch.chdir(here)
    done = run_cli_streams("publish", "-r", registry, *AS_OF, "--site", ".",
                           SAMPLES / "valid" / "form-ppmid.xlsx")
    assert done.returncode == 0, done.stderr
    assert _latest(registry) == "1.1" and (here / "1.1").is_dir()


def test_a_site_rewritten_from_inside_it_keeps_the_folder_the_shell_stands_in(
        tmp_path: Path, registry: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``cd site && cplkit site --out .``: the new site is in the same folder (a shell standing
    in it sees it), the old one gone, nothing set aside left beside it."""
    here = tmp_path / "www"
    assert run("site", "-r", registry, "--out", here)[0] == 0
    (here / "1.0" / "stale.txt").write_text("of the old site")
    monkeypatch.chdir(here)
    standing_in = here.stat().st_ino
    assert run("publish", "-r", registry, *AS_OF, SAMPLES / "valid" / "form-ppmid.xlsx")[0] == 0
    code, out = run("site", "-r", registry, "--out", ".")
    assert code == 0 and "wrote the site of 2 versions" in out, out
    assert Path.cwd().stat().st_ino == standing_in and Path("1.1").is_dir()
    assert not Path("1.0", "stale.txt").exists()
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_a_site_swap_from_inside_that_fails_midway_puts_the_old_site_back(
        tmp_path: Path, registry: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A move that fails part way through (a read-only subfolder, say): every move made is
    undone, the old site is whole and in place, and the next run replaces it."""
    here = tmp_path / "www"
    assert run("site", "-r", registry, "--out", here)[0] == 0
    before = {p.relative_to(here): p.read_bytes() for p in here.rglob("*") if p.is_file()}
    monkeypatch.chdir(here)
    assert run("publish", "-r", registry, *AS_OF, SAMPLES / "valid" / "form-ppmid.xlsx")[0] == 0
    real_rename = Path.rename
    moves = []

    def rename(self: Path, target: Path) -> Path:
        if Path(target).parent == here:
            moves.append(target)
            if len(moves) == 3:  # the third of the new site's files moved in
                raise PermissionError(13, "Permission denied", str(target))
        return real_rename(self, target)

    monkeypatch.setattr(Path, "rename", rename)
    code, out = run("site", "-r", registry, "--out", ".")
    assert code == 7 and "previous site is unchanged" in out, out
    monkeypatch.setattr(Path, "rename", real_rename)
    after = {p.relative_to(here): p.read_bytes() for p in here.rglob("*") if p.is_file()}
    assert after == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
    code, out = run("site", "-r", registry, "--out", ".")
    assert code == 0 and Path("1.1").is_dir(), out


def test_a_site_that_cannot_be_put_back_says_where_the_old_files_are(
        tmp_path: Path, registry: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The swap fails and so does putting the old site back: the message names the folder the
    old files stayed in (never deleted), not 'unchanged'."""
    here = tmp_path / "www"
    assert run("site", "-r", registry, "--out", here)[0] == 0
    monkeypatch.chdir(here)
    real_rename = Path.rename
    moves = []

    def rename(self: Path, target: Path) -> Path:
        if Path(target).parent == here:
            moves.append(target)
            if len(moves) == 2 or self.parent.name.startswith(".www.old-"):
                raise PermissionError(13, "Permission denied", str(target))
        return real_rename(self, target)

    monkeypatch.setattr(Path, "rename", rename)
    code, out = run("site", "-r", registry, "--out", ".")
    monkeypatch.setattr(Path, "rename", real_rename)
    assert code == 7 and "nor put back all of the previous site" in out, out
    aside = [p for p in tmp_path.iterdir() if p.name.startswith(".www.old-")]
    assert len(aside) == 1 and "stayed in" in out and str(aside[0].name) in out
    assert (aside[0] / "index.html").is_file()


def test_a_publish_site_no_site_may_be_written_to_is_refused_before_issuing(
        tmp_path: Path, registry: Path) -> None:
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("mine")
    code, out = run("publish", "-r", registry, *AS_OF, "--site", mine,
                    SAMPLES / "valid" / "form-ppmid.xlsx")
    assert code == 2 and "is not a site cplkit wrote" in out, out
    assert _latest(registry) == "1.0", "nothing was issued"


def test_a_site_that_fails_after_issuing_says_the_version_was_issued(
        tmp_path: Path, registry: Path) -> None:
    # the folder the new site is built in cannot be made (CliRunner runs in this process)
    (tmp_path / f".site.building-{os.getpid()}").write_text("in the way")
    code, out = run("publish", "-r", registry, *AS_OF, "--site", tmp_path / "site",
                    "--format", "json", SAMPLES / "valid" / "form-ppmid.xlsx")
    assert code == 9, out
    assert "version 1.1 WAS issued" in out and "do not publish again" in out
    assert f"cplkit site -r {registry} --out {tmp_path / 'site'}" in out
    assert _latest(registry) == "1.1"


# dates ------------------------------------------------------------------------------------
def test_a_date_out_of_any_cpl_range_is_a_usage_error(registry: Path) -> None:
    # 90 days after it is past the calendar's end
    code, out = run("audit", "-r", registry, "--as-of", "9999-12-31")
    assert code == 2 and "9999-12-31" in out, out
