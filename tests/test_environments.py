"""cplkit where its users run it, each command in a process of its own as a user starts it:
under an inherited address-space limit of 1 GiB (`ulimit -v 1048576`, systemd's `LimitAS=`,
many CI runners and shared hosts), as a user who may not write the registry, and with a
read-only home and temporary folder. .ci/run runs this module as root (the main run), under
`ulimit -v` and as an unprivileged user."""

from __future__ import annotations

import os
import pwd
import re
import resource
import shutil
import stat
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import SAMPLES

VALID = SAMPLES / "valid"
AS_OF = "2026-11-23"
#: the limit issue 24 was found under: `ulimit -v 1048576` (KiB)
ONE_GIB = 1 << 30

Preexec = Callable[[], None]


def cplkit(*args: str | Path, preexec: Preexec | None = None, cwd: Path | None = None,
           env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "cplkit", *map(str, args)], cwd=cwd,
                          env={**os.environ, **(env or {})}, preexec_fn=preexec,
                          capture_output=True, text=True, check=False)


def said(done: subprocess.CompletedProcess[str]) -> str:
    return f"exit {done.returncode}\n{done.stdout}\n{done.stderr}"


def no_internal_error(done: subprocess.CompletedProcess[str]) -> None:
    assert done.returncode != 70 and "Traceback" not in done.stderr, said(done)


# -- under an address-space limit --------------------------------------------------------------

def _limit() -> int:
    """1 GiB, or the hard limit this process already runs under if that is lower (an
    unprivileged process may lower its limit, never raise it)."""
    hard = resource.getrlimit(resource.RLIMIT_AS)[1]
    return ONE_GIB if hard == resource.RLIM_INFINITY else min(ONE_GIB, hard)


def under_one_gib() -> None:
    """Runs in the child between fork and exec: the limit is inherited, as from `ulimit -v`;
    cplkit's own reading children inherit it in turn."""
    limit = _limit()
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def test_the_limit_is_in_force_in_the_child() -> None:
    """Without this, the tests below could pass with no limit at all."""
    done = subprocess.run([sys.executable, "-c", "import resource; "
                           "print(*resource.getrlimit(resource.RLIMIT_AS))"],
                          preexec_fn=under_one_gib, capture_output=True, text=True, check=True)
    assert done.stdout.split() == [str(_limit())] * 2


def test_check_import_and_publish_under_a_one_gib_limit(tmp_path: Path) -> None:
    """Every sample is checked, the bundled samples are published as two signed versions (as
    `cplkit demo` does) and the workbook of the first is imported into a new registry, all in
    processes that may not map more than 1 GiB. (The key is the session's test key, given in
    CPLKIT_KEY and CPLKIT_CERT by conftest.)"""
    # the bulk sheet's CSV twin lists the same devices: together, they are CPL-M01
    samples = [p for p in sorted(VALID.iterdir()) if p.name != "bulk-submission.csv"]
    done = cplkit("check", "--as-of", AS_OF, *samples, preexec=under_one_gib)
    assert done.returncode == 0, said(done)
    assert f"Summary: {len(samples)} files" in done.stdout and "unreadable" not in done.stdout

    registry = tmp_path / "registry"
    assert cplkit("init", "-r", registry, preexec=under_one_gib).returncode == 0
    for version, changes in (("1.0", [VALID / "bulk-submission.csv"]),
                             ("1.1", [VALID / "form-gas-smart-meter.xlsx",
                                      VALID / "form-ppmid.xlsx"])):
        done = cplkit("publish", "-r", registry, "--as-of", AS_OF, *changes,
                      preexec=under_one_gib)
        assert done.returncode == 0, said(done)
        assert (registry / "versions" / version / f"cpl-{version}.xml").is_file()

    # the workbook published above is one in SECAS's layout, as import takes it
    workbook = registry / "versions" / "1.0" / "cpl-1.0.xlsx"
    imported = tmp_path / "imported"
    done = cplkit("import", "-r", imported, workbook, preexec=under_one_gib)
    assert done.returncode == 0, said(done)
    done = cplkit("history", "-r", imported, preexec=under_one_gib)
    assert done.returncode == 0, said(done)
    assert re.findall(r"^(\S+)  \d{4}-\d\d-\d\d$", done.stdout, re.M) == ["1.0"], said(done)


# -- as a user without privileges ----------------------------------------------------------------

@dataclass(frozen=True)
class Unprivileged:
    """Who runs cplkit in the tests below: this process's own user, or, when that is root (whom
    no file permission stops), a user without privileges the child switches to."""

    name: str
    preexec: Preexec | None


def _switch_to(name: str) -> Preexec:
    record = pwd.getpwnam(name)

    def switch() -> None:
        os.setgroups([])
        os.setgid(record.pw_gid)
        os.setuid(record.pw_uid)
    return switch


def _candidates() -> list[str]:
    named = os.environ.get("CPLKIT_CI_USER")
    return list(dict.fromkeys(n for n in (named, "cplkit-ci", "nobody") if n))


@pytest.fixture(scope="module")
def unprivileged() -> Unprivileged:
    if os.geteuid() != 0:
        return Unprivileged(pwd.getpwuid(os.geteuid()).pw_name, None)
    refusals = []
    for name in _candidates():
        try:
            switch = _switch_to(name)
            done = subprocess.run([sys.executable, "-c", "import cplkit"], preexec_fn=switch,
                                  cwd="/", capture_output=True, text=True, check=False)
        except (KeyError, OSError) as e:  # no such user; this Python is out of its reach
            refusals.append(f"{name}: {e}")
            continue
        if done.returncode == 0:
            return Unprivileged(name, switch)
        refusals.append(f"{name}: {(done.stderr.strip().splitlines() or ['?'])[-1]}")
    reason = ("running as root, and no unprivileged user can run this Python and cplkit ("
              + "; ".join(refusals) + ")")
    # .ci/run names in CPLKIT_CI_USER the user it runs this module as, from a copy that user
    # can read: there the tests below run for real, so the root run may leave them to it
    ci_user = os.environ.get("CPLKIT_CI_USER")
    if os.environ.get("CI") and not ci_user:
        pytest.fail(reason + "; CI must run them as an unprivileged user (.ci/run)")
    pytest.skip(reason + (f"; .ci/run runs them as {ci_user}" if ci_user else ""))


@pytest.fixture
def workspace(tmp_path: Path, unprivileged: Unprivileged,
              signing_keys: tuple[Path, Path]) -> Iterator[Path]:
    """A folder the unprivileged user can reach and read, holding the test key, the samples
    used and a registry with version 1.0. As root, pytest's own temporary folders are closed
    to other users, so it is a fresh folder opened to all (readable, not writable)."""
    if unprivileged.preexec is None:
        folder = tmp_path
    else:
        folder = Path(tempfile.mkdtemp(prefix="cplkit-env-"))
        folder.chmod(0o755)
    try:
        for source in (*signing_keys, VALID / "bulk-submission.csv", VALID / "form-ppmid.xlsx"):
            shutil.copy(source, folder / source.name)
            (folder / source.name).chmod(0o644)  # the session's throwaway test key
        registry = folder / "registry"
        assert cplkit("init", "-r", registry).returncode == 0
        done = cplkit("publish", "-r", registry, "--as-of", AS_OF,
                      folder / "bulk-submission.csv")
        assert done.returncode == 0, said(done)
        yield folder
    finally:
        _writable(folder)
        if folder != tmp_path:
            shutil.rmtree(folder)


def _read_only(top: Path) -> None:
    for path in (top, *top.rglob("*")):
        if not path.is_symlink():
            path.chmod(stat.S_IMODE(path.lstat().st_mode) & ~0o222)


def _writable(top: Path) -> None:
    for path in (top, *top.rglob("*")):
        if not path.is_symlink():
            path.chmod(stat.S_IMODE(path.lstat().st_mode) | stat.S_IWUSR)


def _as(unprivileged: Unprivileged, folder: Path) -> dict[str, str]:
    """The environment of the unprivileged user's command: its key and certificate, and a home
    in the workspace (root's is closed to it)."""
    return {"CPLKIT_KEY": str(folder / "key.pem"), "CPLKIT_CERT": str(folder / "cert.pem"),
            "HOME": str(folder), "USER": unprivileged.name, "LOGNAME": unprivileged.name}


def test_a_registry_the_user_cannot_write_is_an_output_error(
        workspace: Path, unprivileged: Unprivileged) -> None:
    """docs/exit-codes.md: exit 7, "an output could not be written (... read-only ...);
    nothing was changed". The message names the registry's folder, and the registry can still
    be read by the same user."""
    registry = workspace / "registry"
    _read_only(registry)
    done = cplkit("publish", "-r", registry, "--as-of", "2026-11-24",
                  workspace / "form-ppmid.xlsx", preexec=unprivileged.preexec, cwd=workspace,
                  env=_as(unprivileged, workspace))
    no_internal_error(done)
    assert done.returncode == 7, said(done)
    assert str(registry) in done.stderr, said(done)
    assert not (registry / "versions" / "1.1").exists()
    listed = cplkit("history", "-r", registry, preexec=unprivileged.preexec, cwd=workspace,
                    env=_as(unprivileged, workspace))
    assert listed.returncode == 0, said(listed)
    assert re.findall(r"^(\S+)  \d{4}-\d\d-\d\d$", listed.stdout, re.M) == ["1.0"], \
        said(listed)


def test_a_read_only_home_and_temporary_folder(workspace: Path,
                                               unprivileged: Unprivileged) -> None:
    """With HOME and TMPDIR both read-only folders, checking a sample and publishing into a
    writable registry work as anywhere else."""
    closed = workspace / "closed"
    closed.mkdir()
    closed.chmod(0o555)
    env = {**_as(unprivileged, workspace), "HOME": str(closed), "TMPDIR": str(closed),
           "XDG_CACHE_HOME": str(closed / ".cache")}
    done = cplkit("check", "--as-of", AS_OF, workspace / "form-ppmid.xlsx",
                  workspace / "bulk-submission.csv", preexec=unprivileged.preexec,
                  cwd=workspace, env=env)
    assert done.returncode == 0, said(done)
    assert re.search(r"^Summary: 2 files, .*: 0 errors", done.stdout, re.M), said(done)

    # the user publishes into a registry of its own, in a folder it may write
    own = workspace / "own"
    own.mkdir()
    if unprivileged.preexec is not None:
        shutil.chown(own, user=unprivileged.name)
    registry = own / "registry"
    for args in (("init", "-r", registry),
                 ("publish", "-r", registry, "--as-of", AS_OF, workspace / "bulk-submission.csv")):
        done = cplkit(*args, preexec=unprivileged.preexec, cwd=workspace, env=env)
        assert done.returncode == 0, said(done)
    assert list(closed.iterdir()) == []
