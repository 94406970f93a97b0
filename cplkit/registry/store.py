"""The registry: every issued CPL version, kept on disk, never changed once issued.

A registry is a directory (see docs/registry.md):

    registry.json              the head: the latest version and every version's SHA-256
    versions/<n>/version.json  one issued version: label, date, history line, every entry,
                               and the SHA-256 of the version before it
    trust.json                 the signing certificates the registry trusts
    latest.xml                 the signed statement of which version is current, and until when
    names.json                 the names register: which company each manufacturer id is
    .lock                      held by the one transaction allowed to write

``Registry`` reads: every read checks a file against the digest the head records, so a file
altered by hand is reported, never trusted. Writing happens only in ``Registry.edit``
(``cplkit.registry.transaction``). Nothing here validates entries or merges changes.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cplkit.base.digest import file_sha256, sha256_hex
from cplkit.base.files import not_regular, read_small
from cplkit.core import model as m
from cplkit.errors import NotFound, RegistryBusy, RegistryError, UsageError
from cplkit.registry.codec import (
    HEAD,
    POLICY,
    STATEMENT,
    VERSION_FILE,
    VERSIONS,
    Head,
    Link,
    PolicyRecord,
    StoredVersion,
    VersionRecord,
    decode_made_by,
    decode_policy,
    decode_version,
)
from cplkit.registry.disk import failpoint, fsync_dir, replace_durably, write_durably
from cplkit.registry.transaction import (
    PENDING,
    AbortEdit,
    Transaction,
    check_base,
    check_on_disk,
    exclusive_lock,
)

#: the largest head (a million versions' records) and version file or issued file (a list of
#: 999,999 entries) any cplkit writes: past them a file is not the registry's
HEAD_LIMIT = 256 << 20
VERSION_LIMIT = 2 << 30
#: the largest policy record (a names register of thousands of companies fits many times) and
#: signature cplkit writes
POLICY_LIMIT = 16 << 20
SIGNATURE_LIMIT = 64 << 10
#: no record needs more signatures than approvers and signers it can name
_MOST_SIGNATURES = 200
#: the plain files an older cplkit kept the policy in
_LEGACY = ("trust.json", "approvals.json", "names.json")
_RECORD = re.compile(r"([1-9][0-9]{0,6})\.json")


def _numbers(folder: Path) -> list[int]:
    """The policy records' numbers, which must run 1, 2, ... with no gap."""
    numbers = sorted(int(m.group(1)) for p in folder.iterdir()
                     if (m := _RECORD.fullmatch(p.name)))
    if numbers != list(range(1, len(numbers) + 1)):
        raise RegistryError(f"the policy records in {folder} do not run 1, 2, 3...: one was "
                            "removed or added by hand", hint="restore the registry from a backup")
    return numbers


def read_policy_chain(folder: Path) -> list[StoredPolicy]:
    """The policy records in ``folder`` (a registry's ``policy/``, or a copy on a site),
    oldest first, with their signatures; each file is checked for type and size before it is
    read. None there: an empty chain."""
    if not folder.exists():
        return []
    if not folder.is_dir():  # a file, pipe or device where the folder was: damage, not a path
        raise RegistryError(f"{folder} is not a folder: the policy chain is damaged",
                            hint="restore the registry from a backup")
    chain: list[StoredPolicy] = []
    for number in _numbers(folder):
        path = folder / f"{number}.json"
        data = read_small(path, POLICY_LIMIT, RegistryError, "the policy record",
                          hint="restore the registry from a backup")
        record = decode_policy(data, str(path))
        if record.number != number:
            raise RegistryError(f"{path} holds policy record {record.number}",
                                hint="restore the registry from a backup")
        signatures: dict[str, bytes] = {}
        sig_folder = folder / f"{number}.sig"
        if sig_folder.is_dir() and not sig_folder.is_symlink():
            for sig in sorted(sig_folder.iterdir())[:_MOST_SIGNATURES]:
                signatures[sig.name] = read_small(sig, SIGNATURE_LIMIT, RegistryError,
                                                  "the policy signature")
        chain.append(StoredPolicy(record, data, signatures))
    return chain


def _altered(path: Path, stored: StoredVersion) -> RegistryError:
    return RegistryError(f"{path} has changed since version {stored.version.number} was issued: "
                         "it was altered by hand",
                         hint="restore the file from a backup; issued files are never edited")


@dataclass(frozen=True, slots=True)
class StoredPolicy:
    """A policy record as read: decoded, its exact bytes, and its signatures by file name."""

    record: PolicyRecord
    data: bytes
    signatures: dict[str, bytes]


class Registry:
    """A registry directory. Reading needs no lock; writing happens only in ``edit``.

    The latest version, once read, is kept with the records of the head that listed it (whose
    digest pins its bytes): a publish asks about it several times (the policy it was issued
    under, the DCC file the signed statement names, the merge), and decodes it once (a second
    or more at 72,900 entries). Only the latest is kept, so reading every version holds one."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._latest: tuple[tuple[VersionRecord, VersionRecord | None], StoredVersion] | None \
            = None

    @staticmethod
    def create(path: Path, created: dt.datetime) -> Registry:
        """Start an empty registry at ``path``, which must not exist or must be empty, recorded
        as ``created`` then."""
        if path.exists() and (not path.is_dir() or any(path.iterdir())):
            # a wrong name, not a damaged registry: nothing there is touched
            raise UsageError(f"{path} exists and is not empty; cplkit never overwrites it",
                                hint="name a new directory for the registry")
        path.mkdir(parents=True, exist_ok=True)
        (path / VERSIONS).mkdir()
        write_durably(path / HEAD, Head((), created.isoformat(timespec="seconds")).encode())
        fsync_dir(path)
        return Registry(path)

    # -- reading --------------------------------------------------------------------------------
    def head(self) -> Head:
        path = self.path / HEAD
        if not path.exists() and not path.is_symlink():
            raise RegistryError(f"{self.path} is not a cplkit registry (no {HEAD})",
                                hint="create one with 'cplkit init' or 'cplkit import'")
        data = read_small(path, HEAD_LIMIT, RegistryError, "the registry's head",
                          hint="restore the registry from a backup")
        return Head.decode(data, str(path))

    def check(self) -> Head:
        """The head, once the versions on disk are found to be exactly those it lists (a
        shortened head is refused before anything is signed against it)."""
        head = self.head()
        check_on_disk(self.path, head)
        return head

    def _version_dir(self, version: str) -> Path:
        folder = self.path / VERSIONS / version
        if not folder.exists():
            # listed by the head, not yet renamed into place: a publish stopped after its
            # commit point (the next edit renames it); what it holds is checked as ever
            pending = sorted((self.path / VERSIONS).glob(f"{PENDING}{version}-*"))
            if len(pending) == 1:
                return pending[0]
        return folder

    def read(self, version: str | None = None, *, head: Head | None = None) -> StoredVersion:
        """An issued version (the latest by default), checked against the digests recorded."""
        head = head or self.head()
        kept = self._kept_latest(version, head)
        if kept is not None:
            return kept
        record, path, data = self._version_bytes(version, head)
        stored = decode_version(data, str(path))
        index = head.versions.index(record)
        before = head.versions[index - 1] if index else None
        if stored.previous != (Link(before.version, before.sha256) if before else None):
            raise RegistryError(f"{path} does not chain to the version before it in {HEAD}",
                                hint="restore the registry from a backup")
        if str(stored.version.number) != record.version:
            raise RegistryError(f"{path} holds version {stored.version.number}, not "
                                f"{record.version}")
        if record == head.latest:
            self._latest = (record, before), stored
        return stored

    def _kept_latest(self, version: str | None, head: Head) -> StoredVersion | None:
        """The latest version as read before, if ``version`` is it and ``head`` still lists it
        after the same version as then."""
        latest = head.latest
        if self._latest is None or latest is None or version not in (None, latest.version):
            return None
        key, stored = self._latest
        before = head.versions[-2] if len(head.versions) > 1 else None
        return stored if key == (latest, before) else None

    def made_by(self, version: str | None = None, *,
                head: Head | None = None) -> Mapping[str, Any]:
        """How an issued version (the latest by default) was made, checked against the digest
        the head records, read from its header alone: a question about the version that need
        not decode its every entry (a second or more at 72,900 entries)."""
        head = head or self.head()
        kept = self._kept_latest(version, head)
        if kept is not None:
            return kept.made_by
        _, path, data = self._version_bytes(version, head)
        return decode_made_by(data, str(path))

    def _version_bytes(self, version: str | None,
                       head: Head) -> tuple[VersionRecord, Path, bytes]:
        """The bytes of a version's version.json, checked against the digest the head records."""
        record = head.latest if version is None else head.record(version)
        if record is None:
            known = ", ".join(r.version for r in head.versions[-5:]) or "none yet"
            if version is None:
                # an empty registry is a state of the registry, not a wrong name
                raise RegistryError("the registry holds no version yet",
                                    hint="publish one, or import a SECAS workbook")
            raise NotFound(f"the registry holds no version {version} (latest: {known})",
                           hint="list the versions with 'cplkit history'")
        path = self._version_dir(record.version) / VERSION_FILE
        if not path.exists():
            raise RegistryError(f"version {record.version} is missing from the registry ({path} "
                                "does not exist)", hint="restore the registry from a backup")
        data = read_small(path, VERSION_LIMIT, RegistryError,
                          f"version {record.version} of the registry",
                          hint="restore the registry from a backup")
        digest = sha256_hex(data)
        if digest != record.sha256:
            raise RegistryError(
                f"{path} has changed since version {record.version} was issued (its SHA-256 is "
                f"{digest}, the registry recorded {record.sha256}): it was altered by hand",
                hint="restore the file from a backup; issued versions are never edited")
        return record, path, data

    def file(self, stored: StoredVersion, name: str) -> bytes:
        """A file issued with a version, checked against the digest its version.json records."""
        path, digest = self._issued(stored, name)
        data = read_small(path, VERSION_LIMIT, RegistryError, "the issued file",
                          hint="restore the registry from a backup")
        if sha256_hex(data) != digest:
            raise _altered(path, stored)
        return data

    def file_sha256(self, stored: StoredVersion, name: str) -> str:
        """The SHA-256 of a file issued with a version, read in chunks and checked against the
        digest its version.json records: what the next version names of it (the DCC file, 60 MB
        at 72,900 entries) without holding it."""
        path, digest = self._issued(stored, name)
        problem = not_regular(path)
        if problem is not None:
            raise RegistryError(f"the issued file {path} {problem}",
                                hint="restore the registry from a backup")
        try:
            actual = file_sha256(path)
        except OSError as exc:
            raise RegistryError(f"cannot read the issued file {path}: {exc.strerror or exc}",
                                hint="restore the registry from a backup") from None
        if actual != digest:
            raise _altered(path, stored)
        return actual

    def _issued(self, stored: StoredVersion, name: str) -> tuple[Path, str]:
        """Where a file issued with ``stored`` is, and the digest its version.json records."""
        digest = stored.files.get(name)
        if digest is None:
            raise RegistryError(f"version {stored.version.number} has no file {name}")
        return self._version_dir(str(stored.version.number)) / name, digest

    def history(self) -> list[m.HistoryLine]:
        """Every history line, oldest first. Reads and verifies every version on the way, so it
        is also the registry's full integrity check; each line is checked against the copy the
        latest version carries."""
        head = self.head()
        if not head.versions:
            return []
        stored = [self.read(record.version, head=head) for record in head.versions]
        lines = list(stored[0].version.history)
        lines.extend(s.version.history_line for s in stored[1:])
        if tuple(lines) != stored[-1].version.history:
            raise RegistryError("the history the latest version carries differs from the "
                                "versions issued", hint="restore the registry from a backup")
        return lines

    @contextmanager
    def _writing(self) -> Iterator[None]:
        """The registry's write lock, for a change outside a version (the policy, the
        statement of what is current); a directory that is no registry at all is the clear
        error before any lock file is made there."""
        self.head()
        with exclusive_lock(self.path):
            check_on_disk(self.path, self.head())
            yield

    # -- the policy chain -----------------------------------------------------------------------
    def policy_chain(self) -> list[StoredPolicy]:
        """Every policy record, oldest first, with its signatures, each file checked for type
        and size before it is read. Whether the signatures authorise each record is for the
        caller holding certificates to judge (``cplkit.app.policy``)."""
        self.head()  # a registry, or the clear error
        folder = self.path / POLICY
        if not folder.exists() and any((self.path / legacy).exists() for legacy in _LEGACY):
            raise RegistryError(f"{self.path} keeps its trust, approvers and names in plain "
                                "files an older cplkit wrote, which anyone who can write the "
                                "folder could have edited",
                                hint="start a registry with this cplkit and import or re-issue "
                                     "into it")
        return read_policy_chain(folder)

    def append_policy(self, data: bytes, signatures: dict[str, bytes],
                      expected_head: str | None) -> None:
        """Add the next policy record with its signatures, under the lock, if the chain's head
        is still ``expected_head`` (the SHA-256 of the record it was built on)."""
        with self._writing():
            self.append_policy_locked(data, signatures, expected_head)

    def append_policy_locked(self, data: bytes, signatures: dict[str, bytes],
                             expected_head: str | None) -> None:
        """``append_policy`` for a caller that holds the lock already (a transaction)."""
        chain = self.policy_chain()
        head = sha256_hex(chain[-1].data) if chain else None
        if head != expected_head:
            raise RegistryBusy("the registry's policy changed while this change was made; "
                               "nothing was changed", hint="make the change again")
        folder = self.path / POLICY
        folder.mkdir(exist_ok=True)
        number = len(chain) + 1
        for leftover in (*folder.glob(".tmp-*"), folder / f"{number}.sig"):
            # what a change killed before its record was written left: never read
            shutil.rmtree(leftover, ignore_errors=True)
        sig_folder = folder / f".tmp-{number}-{os.getpid()}.sig"
        sig_folder.mkdir()
        for name, signature in signatures.items():
            write_durably(sig_folder / name, signature)
        fsync_dir(sig_folder)
        sig_folder.rename(folder / f"{number}.sig")
        # the record last, whole or absent (linked into place, never over an existing one):
        # until it is there, the signatures are a leftover nobody reads
        record = folder / f".tmp-{number}-{os.getpid()}.json"
        write_durably(record, data)
        os.link(record, folder / f"{number}.json")
        record.unlink()
        fsync_dir(folder)

    # -- the submissions register and the deliveries (cplkit.registry.tracking_files) --------
    @contextmanager
    def writing_records(self) -> Iterator[None]:
        """The write lock, for the submissions register and the record of deliveries to the
        DCC: the lock every other change takes, so no two changes interleave."""
        with self._writing():
            yield

    # -- the statement of what is current -------------------------------------------------------
    def replace_statement(self, version: str, data: bytes) -> None:
        """Put a freshly signed statement for ``version`` in place, under the lock, if that is
        still the latest version (a publish in between wins)."""
        with self._writing():
            latest = self.head().latest
            if latest is None or latest.version != version:
                raise RegistryBusy(f"version {version} is no longer the latest "
                                    f"({latest.version if latest else 'none'}); nothing was "
                                    "changed", hint="refresh again")
            replace_durably(self.path / STATEMENT, data)

    # -- writing --------------------------------------------------------------------------------
    @contextmanager
    def edit(self, base: str | None = None, *,
             dry_run: bool = False) -> Iterator[Transaction[Registry]]:
        """The one way to change the registry: lock, check the base, stage, commit.

        ``base`` is the version the caller built its change on (None: whatever is latest now);
        if the registry moved on since, the edit is refused as stale. Raise ``AbortEdit`` in the
        block to leave without issuing anything; a ``dry_run`` writes its files outside the
        registry and issues nothing.
        """
        if not (self.path / HEAD).exists():
            self.head()  # raises the clear "not a registry" error
        with exclusive_lock(self.path):
            head = self.head()
            check_on_disk(self.path, head)
            check_base(base, head)
            failpoint("locked")
            transaction = Transaction(self, head, dry_run=dry_run)
            try:
                try:
                    yield transaction
                except AbortEdit:
                    return
                transaction.commit()
            finally:
                transaction.discard()
