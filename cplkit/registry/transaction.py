"""The one way to change a registry: an edit transaction, as python-tuf's ``Repository.edit``.

``Registry.edit(base)`` takes the registry's exclusive lock, checks that what is on disk is
what the head lists and that ``base`` is still the latest version, and hands out a
``Transaction``. The caller reads the latest version, merges, then writes the new version's
files into ``Transaction.files`` as it makes them (a temporary directory ``.tmp-N-PID`` in the
versions folder; each file digested as written and fsynced, none held in memory), verifies
them, and stages the version with ``issue``. When the block ends normally the transaction
commits: version.json is written beside the files, fsynced and read back byte for byte;
``registry.json`` (replaced atomically) then lists it, which is the commit point; last the
directory is renamed into place. A crash before the head is replaced leaves only a temporary
directory, removed by the next commit; a crash after it leaves the listed version under its
temporary name, which readers find and the next edit renames. So a version directory that the
head does not list never arises from a crash: it means the head was shortened by hand, and
the registry is refused as damaged. Raising ``AbortEdit`` inside the block leaves without
issuing anything, after exactly the same checks, and removes the files this transaction
wrote; a dry run (``Registry.edit(..., dry_run=True)``) writes its files to a scratch folder
outside the registry (``cplkit-dry-run-N-PID-*`` in the temporary folder), never into its
versions folder. Leftovers of an interrupted publish are removed only when a version is
committed; those of a killed dry run by the next dry run (this user's, whose pid no longer
runs and whose lock no one holds). Nothing here validates entries or signs files.

This module names what it needs of the registry (``Store``) rather than importing the store,
which imports it.
"""

from __future__ import annotations

import datetime as dt
import errno
import fcntl
import os
import re
import shutil
import stat
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Generic, Protocol, TypeVar

from cplkit import __version__
from cplkit.base.digest import sha256_hex
from cplkit.core import model as m
from cplkit.errors import RegistryBusy, RegistryError, UsageError
from cplkit.registry.codec import (
    HEAD,
    STATEMENT,
    VERSION_FILE,
    VERSIONS,
    Head,
    Link,
    SignerRecord,
    StoredVersion,
    VersionRecord,
    decode_version,
    encode_version,
)
from cplkit.registry.disk import NewFiles, failpoint, fsync_dir, replace_durably, write_durably

LOCK = ".lock"


class AbortEdit(Exception):
    """Raised inside ``Registry.edit`` to leave without writing: a dry run."""


#: the lock descriptors this process holds. A forked child (a reader under limits, the
#: workbook) inherits them, and a flock lasts while any copy is open: the child closes its
#: copies at once, so the lock never outlives the process that took it
_HELD: set[int] = set()


@cache
def _hook_fork() -> None:
    """Close held locks in every forked child; hooked once, when a lock is first taken."""
    os.register_at_fork(after_in_child=_close_held_in_child)


def _close_held_in_child() -> None:
    for fd in _HELD:
        with suppress(OSError):
            os.close(fd)
    _HELD.clear()


@contextmanager
def exclusive_lock(registry: Path) -> Iterator[None]:
    """The registry's write lock, or ``RegistryBusy`` at once if another cplkit holds it."""
    _hook_fork()
    fd = _open_lock(registry / LOCK)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN):
                raise
            holder = _holder(fd)
            raise RegistryBusy(
                f"another cplkit is writing to the registry {registry} ({holder or 'unknown'})"
                "; nothing was changed", hint="try again once it has finished") from None
        _HELD.add(fd)
        os.ftruncate(fd, 0)
        # the time it was taken is the file's own modification time (_holder), which the
        # system sets as the pid is written: no clock is read here
        os.pwrite(fd, f"pid {os.getpid()}".encode(), 0)
        yield
    finally:
        _HELD.discard(fd)
        os.close(fd)  # closing releases the lock, also when the process dies


def _holder(fd: int) -> str:
    """Who holds the lock: 'pid 123 since 2026-11-24 10:00:00 UTC' (empty if unknown)."""
    holder = os.pread(fd, 200, 0).decode(errors="replace").strip()
    if not holder or " since " in holder:  # an earlier cplkit wrote the time in itself
        return holder
    taken = dt.datetime.fromtimestamp(os.fstat(fd).st_mtime, dt.UTC)
    return f"{holder} since {taken:%Y-%m-%d %H:%M:%S} UTC"


def _open_lock(path: Path) -> int:
    """The lock file, opened without following a link: a ``.lock`` made a symbolic link to,
    say, the signing service's key file must never be truncated through."""
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK, 0o644)
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.EISDIR, errno.ENXIO):
            raise RegistryError(f"{path} is not the registry's lock file (a link, a folder or a "
                                "pipe stands in its place); nothing was changed",
                                hint="remove it, and find out who put it there") from None
        raise
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise RegistryError(f"{path} is not a regular file; nothing was changed",
                            hint="remove it, and find out who put it there")
    return fd


def check_base(base: str | None, head: Head) -> None:
    """Refuse a change prepared on a version that is no longer the latest (or on none)."""
    latest = head.latest.version if head.latest else None
    if base is None or base == latest:
        return
    now = f"the latest version is now {latest}" if latest else "the registry holds no version"
    raise RegistryBusy(f"the change was prepared on version {base}, but {now}; nothing was "
                       "changed",
                       hint="check the change again against the latest version, then publish")


@dataclass(frozen=True, slots=True)
class PendingVersion:
    """A version waiting for the transaction to commit: the version, how it was made and who
    signed its files (written already, to the transaction's ``files``)."""

    version: m.CplVersion
    made_by: Mapping[str, Any]
    signer: SignerRecord | None
    #: the signed statement that this version is the latest (latest.xml), if one was made
    statement: bytes | None = None


def made_by_record(how: str, ruleset: str | None, ruleset_sha256: str,
                   sources: Sequence[tuple[str, str]],
                   policy: tuple[int, str] | None = None) -> dict[str, Any]:
    """How a version was made, as its version.json records it: with the number and SHA-256 of
    the policy record it was issued under, which the registry must hold from then on."""
    made: dict[str, Any] = {
        "tool": "cplkit", "tool_version": __version__, "how": how, "ruleset": ruleset,
        "ruleset_sha256": ruleset_sha256,
        "sources": [{"file": name, "sha256": digest} for name, digest in sources]}
    if policy is not None:
        made["policy"] = {"number": policy[0], "sha256": policy[1]}
    return made


class Store(Protocol):
    """What a transaction needs of the registry it edits (``cplkit.registry.store.Registry``):
    named here, so this module need not import the store, which imports it."""

    @property
    def path(self) -> Path: ...

    def read(self, version: str | None = None, *, head: Head | None = None) -> StoredVersion: ...

    def append_policy_locked(self, data: bytes, signatures: dict[str, bytes],
                             expected_head: str | None) -> None: ...


S = TypeVar("S", bound=Store)


@dataclass(slots=True)
class Transaction(Generic[S]):
    """Stages one new version; ``Registry.edit`` commits it when the block ends normally."""

    registry: S
    head: Head
    #: a dry run: its files go to a scratch folder outside the registry, and it issues nothing
    dry_run: bool = False
    pending: PendingVersion | None = None
    issued: StoredVersion | None = field(default=None)
    #: the new version's number and the folder its files are written to, once asked for
    _files: tuple[str, NewFiles] | None = field(default=None, init=False, repr=False)
    #: the head may list the new version: its folder is the registry's now, whatever happens
    _committed: bool = field(default=False, init=False, repr=False)
    #: a dry run's open, locked scratch folder: held until it is removed
    _scratch_lock: int | None = field(default=None, init=False, repr=False)

    def read_latest(self) -> StoredVersion | None:
        """The latest version as this transaction's lock found it, read and verified."""
        return self.registry.read(head=self.head) if self.head.latest else None

    def append_policy(self, data: bytes, signatures: dict[str, bytes],
                      expected_head: str | None) -> None:
        """Add the next policy record, inside this transaction's lock (an import's first)."""
        self.registry.append_policy_locked(data, signatures, expected_head)

    def files(self, version: m.CplVersion) -> NewFiles:
        """Where the files of ``version`` (which must follow the latest) are written as they
        are made: a temporary directory in the versions folder, renamed into place when the
        version is committed and removed if it is not; for a dry run, a scratch folder outside
        the registry, removed when the transaction ends."""
        self._check_follows(version)
        number = str(version.number)
        if self._files is None:
            if self.dry_run:
                folder, self._scratch_lock = _new_scratch(number)
            else:
                folder = _new_pending(self.registry.path / VERSIONS, number)
            self._files = number, NewFiles(folder, durable=not self.dry_run)
        if self._files[0] != number:
            raise RegistryError(f"this transaction writes version {self._files[0]}, not {number}")
        return self._files[1]

    def issue(self, version: m.CplVersion, *, how: str,
              sources: Sequence[tuple[str, str]] = (), ruleset: str | None = None,
              ruleset_sha256: str = "", signer: SignerRecord | None = None,
              statement: bytes | None = None,
              policy: tuple[int, str] | None = None) -> None:
        """Stage ``version``, whose files are those written to ``files`` (none if it was never
        asked for), to be committed when the block ends."""
        if self.dry_run:
            raise RegistryError("a dry run issues nothing")
        self._check_follows(version)
        made_by = made_by_record(how, ruleset, ruleset_sha256, sources, policy)
        self.pending = PendingVersion(version, made_by, signer, statement)

    def _check_follows(self, version: m.CplVersion) -> None:
        latest = self.head.latest
        if latest is not None and not version.number.follows(
                m.VersionNumber.parse(latest.version)):
            raise RegistryError(f"version {version.number} does not follow {latest.version}")

    def commit(self) -> None:
        if self.pending is None:
            return
        pending = self.pending
        version = pending.version
        number = str(version.number)
        files = self.files(version)
        staging = files.folder
        self._clear_leftovers(keep=staging)
        latest = self.head.latest
        previous = Link(latest.version, latest.sha256) if latest else None
        digests = files.digests
        data = encode_version(version, previous, pending.made_by, digests, pending.signer)
        record = VersionRecord(number, sha256_hex(data), version.issue_date.isoformat())
        head = Head((*self.head.versions, record), self.head.created)
        # never write what a later read would refuse: both files are decoded, schema checks and
        # all, before anything touches the disk (an absurd version number or label stops here)
        try:
            decode_version(data, f"version {number} as built")
            Head.decode(head.encode(), "the registry head as built")
        except RegistryError as exc:
            raise UsageError(f"version {number} cannot be issued: {exc.message}; nothing was "
                             "written", hint="the registry is unchanged") from None
        versions = self.registry.path / VERSIONS
        failpoint("before-write")
        unexpected = files.unexpected()
        if VERSION_FILE in digests:
            raise RegistryError(f"{VERSION_FILE} is the registry's own record of a version, not "
                                f"one of its files; version {number} was not issued")
        if unexpected:
            # what the version lists is exactly what its folder holds
            raise RegistryError(f"{staging} holds {', '.join(unexpected)}, which was not written "
                                f"as a file of version {number}; the version was not issued")
        write_durably(staging / VERSION_FILE, data)
        fsync_dir(staging)
        fsync_dir(versions)
        failpoint("after-write")
        # verify what is on disk before it becomes visible: byte for byte what was encoded
        if (staging / VERSION_FILE).read_bytes() != data:
            raise RegistryError(f"{staging / VERSION_FILE} did not read back as written; the "
                                "version was not issued")
        failpoint("before-head")
        # from here the head may list the version (replaced, then failing to fsync its folder):
        # its files are never removed by this transaction, at worst left for the next commit
        self._committed = True
        replace_durably(self.registry.path / HEAD, head.encode())  # the commit point
        failpoint("after-head")
        self.head = head
        self.issued = StoredVersion(version, record.sha256, previous, pending.made_by, digests,
                                    pending.signer)
        staging.rename(versions / number)
        fsync_dir(versions)
        failpoint("after-rename")
        if pending.statement is not None:
            # after the head: a statement never names a version that is not visible; killed
            # before this, the old statement names the version before, and 'refresh' mends it
            replace_durably(self.registry.path / STATEMENT, pending.statement)

    def discard(self) -> None:
        """Remove the files written for a version that was not committed (a dry run's, a
        failed or aborted publish's); once the head lists the version they are its own."""
        files, self._files = self._files, None
        if files is not None and not self._committed:
            shutil.rmtree(files[1].folder, ignore_errors=True)
        lock, self._scratch_lock = self._scratch_lock, None
        if lock is not None:
            os.close(lock)

    def _clear_leftovers(self, keep: Path) -> None:
        """Remove what an interrupted publish left before its commit point (temporary
        directories of versions the head does not list), but ``keep``: this one's."""
        versions = self.registry.path / VERSIONS
        recorded = {r.version for r in self.head.versions}
        for entry in versions.iterdir():
            number = pending_number(entry.name)
            if number is not None and number not in recorded and entry != keep:
                shutil.rmtree(entry, ignore_errors=True)


#: the prefix of a version directory being written; the version number and the writer's pid
#: follow
PENDING = ".tmp-"


def _new_pending(versions: Path, number: str) -> Path:
    """A new, empty temporary directory for version ``number``: ``.tmp-N-PID``, or where a
    process with this pid was killed and left one, the pid followed by a counter (leftovers are
    removed only when a version is committed, so this one's files never mix with theirs)."""
    pid = os.getpid()
    for attempt in range(1000):
        folder = versions / f"{PENDING}{number}-{pid}{attempt or ''}"
        try:
            folder.mkdir()
        except FileExistsError:
            continue
        return folder
    raise RegistryError(f"{versions} holds a thousand leftovers of version {number}",
                        hint="remove the .tmp- folders there once no cplkit runs")


#: a dry run's scratch folder in the temporary folder: the version number, the writer's pid and
#: ``mkdtemp``'s eight random characters; nothing else is ever taken for one
SCRATCH = "cplkit-dry-run-"
_SCRATCH_NAME = re.compile(r"cplkit-dry-run-[0-9]+\.[0-9]+-([0-9]{1,10})-[a-z0-9_]{8}")


def _new_scratch(number: str) -> tuple[Path, int]:
    """A dry run's scratch folder (``cplkit-dry-run-N-PID-XXXXXXXX`` in the temporary folder),
    locked for as long as the returned descriptor is open, once the ones dry runs killed
    before they could remove them are gone (a large list's dry run leaves hundreds of
    megabytes)."""
    base = Path(tempfile.gettempdir())
    with suppress(OSError):
        for entry in base.iterdir():
            _remove_if_abandoned(entry)
    folder = Path(tempfile.mkdtemp(prefix=f"{SCRATCH}{number}-{os.getpid()}-", dir=base))
    descriptor = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)  # new: no one else can hold it
    return folder, descriptor


def _remove_if_abandoned(entry: Path) -> None:
    """Remove ``entry`` if it is a dry run's scratch folder, this user's (not a link), whose pid
    runs no process here and whose lock no process holds: the lock stands for the run where a
    pid cannot (a temporary folder shared across containers, whose pids this one cannot see)."""
    named = _SCRATCH_NAME.fullmatch(entry.name)
    if named is None:
        return
    try:
        status = entry.lstat()
        if status.st_uid != os.getuid() or not stat.S_ISDIR(status.st_mode):
            return
        os.kill(int(named.group(1)), 0)
        return  # the pid runs (or another user's process has it)
    except ProcessLookupError:
        pass
    except OSError:
        return
    try:
        descriptor = os.open(entry, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    except OSError:
        return
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        shutil.rmtree(entry, ignore_errors=True)
    except OSError:
        return  # locked: a dry run still writes there
    finally:
        os.close(descriptor)


def pending_number(name: str) -> str | None:
    """The version number of a directory being written (``.tmp-2.052-1234``), or None."""
    if not name.startswith(PENDING):
        return None
    number, _, pid = name[len(PENDING):].rpartition("-")
    return number if number and pid.isdigit() else None


def check_on_disk(registry: Path, head: Head) -> None:
    """Refuse a registry whose versions folder holds a version the head does not list (the
    head was shortened by hand: a rollback) or lacks one it lists; a listed version still under
    its temporary name (a publish killed after its commit point) is renamed into place."""
    versions = registry / VERSIONS
    recorded = {r.version for r in head.versions}
    try:
        names = [entry.name for entry in versions.iterdir()]
    except OSError as exc:
        raise RegistryError(f"cannot read {versions}: {exc.strerror or exc}",
                            hint="restore the registry from a backup") from None
    for name in names:
        number = pending_number(name)
        if number is None and name not in recorded:
            raise RegistryError(
                f"{versions / name} is a version the registry's head ({HEAD}) does not list: the "
                "head was shortened or edited by hand; nothing was changed or signed",
                hint="restore the registry from a backup; never edit registry.json")
        if number in recorded and not (versions / number).exists():
            (versions / name).rename(versions / number)  # finish a commit a crash interrupted
            fsync_dir(versions)
    missing = [r.version for r in head.versions if not (versions / r.version).is_dir()]
    if missing:
        raise RegistryError(f"the registry's head lists version {missing[0]}, which is missing "
                            f"from {versions}", hint="restore the registry from a backup")
