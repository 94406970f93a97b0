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
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from cplkit.base.digest import sha256_hex
from cplkit.core import model as m
from cplkit.errors import NotFound, RegistryBusy, RegistryError, UsageError
from cplkit.registry.codec import (
    APPROVALS,
    HEAD,
    NAMES,
    STATEMENT,
    TRUST,
    VERSION_FILE,
    VERSIONS,
    ApprovalPolicy,
    Approver,
    Head,
    Link,
    NameRecord,
    StoredVersion,
    TrustRecord,
    decode_approvals,
    decode_names,
    decode_trust,
    decode_version,
    encode_approvals,
    encode_names,
    encode_trust,
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


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


class Registry:
    """A registry directory. Reading needs no lock; writing happens only in ``edit``."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @staticmethod
    def create(path: Path) -> Registry:
        """Start an empty registry at ``path``, which must not exist or must be empty."""
        if path.exists() and (not path.is_dir() or any(path.iterdir())):
            # a wrong name, not a damaged registry: nothing there is touched
            raise UsageError(f"{path} exists and is not empty; cplkit never overwrites it",
                                hint="name a new directory for the registry")
        path.mkdir(parents=True, exist_ok=True)
        (path / VERSIONS).mkdir()
        write_durably(path / HEAD, Head((), _now()).encode())
        fsync_dir(path)
        return Registry(path)

    # -- reading --------------------------------------------------------------------------------
    def head(self) -> Head:
        path = self.path / HEAD
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise RegistryError(f"{self.path} is not a cplkit registry (no {HEAD})",
                                hint="create one with 'cplkit init' or 'cplkit import'") from None
        except OSError as exc:
            raise RegistryError(f"cannot read {path}: {exc.strerror or exc}") from exc
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
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise RegistryError(f"version {record.version} is missing from the registry "
                                f"({path}: {exc.strerror or exc})",
                                hint="restore the registry from a backup") from exc
        digest = sha256_hex(data)
        if digest != record.sha256:
            raise RegistryError(
                f"{path} has changed since version {record.version} was issued (its SHA-256 is "
                f"{digest}, the registry recorded {record.sha256}): it was altered by hand",
                hint="restore the file from a backup; issued versions are never edited")
        stored = decode_version(data, str(path))
        index = head.versions.index(record)
        before = head.versions[index - 1] if index else None
        if stored.previous != (Link(before.version, before.sha256) if before else None):
            raise RegistryError(f"{path} does not chain to the version before it in {HEAD}",
                                hint="restore the registry from a backup")
        if str(stored.version.number) != record.version:
            raise RegistryError(f"{path} holds version {stored.version.number}, not "
                                f"{record.version}")
        return stored

    def file(self, stored: StoredVersion, name: str) -> bytes:
        """A file issued with a version, checked against the digest its version.json records."""
        digest = stored.files.get(name)
        path = self._version_dir(str(stored.version.number)) / name
        if digest is None:
            raise RegistryError(f"version {stored.version.number} has no file {name}")
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise RegistryError(f"{path} is missing: {exc.strerror or exc}",
                                hint="restore the registry from a backup") from exc
        if sha256_hex(data) != digest:
            raise RegistryError(f"{path} has changed since version {stored.version.number} was "
                                "issued: it was altered by hand",
                                hint="restore the file from a backup; issued files are never "
                                     "edited")
        return data

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

    # -- trust ----------------------------------------------------------------------------------
    def _optional(self, name: str) -> bytes | None:
        """One of the registry's own files that may not exist yet (None: not yet); a
        directory that is no registry at all is the clear error."""
        path = self.path / name
        try:
            return path.read_bytes()
        except FileNotFoundError:
            self.head()
            return None
        except OSError as exc:
            raise RegistryError(f"cannot read {path}: {exc.strerror or exc}",
                                hint="restore the registry from a backup") from exc

    @contextmanager
    def _writing(self) -> Iterator[None]:
        """The registry's write lock, for a change outside a version (trust, approvers, names,
        the statement of what is current); a directory that is no registry is the clear error
        before any lock file is made there."""
        self.head()
        with exclusive_lock(self.path):
            check_on_disk(self.path, self.head())
            yield

    def trusted(self) -> list[TrustRecord]:
        data = self._optional(TRUST)  # a registry may trust nothing yet
        return [] if data is None else decode_trust(data, str(self.path / TRUST))

    def add_trust(self, pem: str, fingerprint: str, subject: str, reason: str) -> bool:
        """Trust a signing certificate from now on (under the lock); False if already trusted."""
        with self._writing():
            return self.add_trust_locked(pem, fingerprint, subject, reason)

    def add_trust_locked(self, pem: str, fingerprint: str, subject: str, reason: str) -> bool:
        """``add_trust`` for a caller that holds the lock already (a transaction)."""
        records = self.trusted()
        if any(r.sha256 == fingerprint for r in records):
            return False
        records.append(TrustRecord(fingerprint, subject, _now(), reason, pem))
        replace_durably(self.path / TRUST, encode_trust(records))
        return True

    # -- four eyes --------------------------------------------------------------------------------
    def approval_policy(self) -> ApprovalPolicy:
        """Who may approve a staged version and how many approvals a publish needs (none,
        for a registry without approvals.json)."""
        data = self._optional(APPROVALS)
        return ApprovalPolicy(0, "", "") if data is None else \
            decode_approvals(data, str(self.path / APPROVALS))

    def add_approver(self, approver: Approver) -> bool:
        """Let ``approver``'s key approve staged versions; False if it may already."""
        with self._writing():
            policy = self.approval_policy()
            if any(a.key_sha256 == approver.key_sha256 for a in policy.approvers):
                return False
            replace_durably(self.path / APPROVALS, encode_approvals(ApprovalPolicy(
                policy.required, policy.changed or _now(), policy.reason,
                (*policy.approvers, approver))))
            return True

    def require_approvals(self, required: int, reason: str) -> None:
        """From now on, a publish needs ``required`` approvals (0: none)."""
        with self._writing():
            policy = self.approval_policy()
            if required > len(policy.approvers):
                raise UsageError(f"{required} approvals cannot be given: the registry knows "
                                 f"{len(policy.approvers)} approver(s)",
                                 hint="add approvers first: cplkit trust approver CERT")
            replace_durably(self.path / APPROVALS, encode_approvals(ApprovalPolicy(
                required, _now(), reason, policy.approvers)))

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

    # -- the names register ---------------------------------------------------------------------
    def name_changes(self) -> list[NameRecord]:
        """Every change made to the names register, oldest first."""
        data = self._optional(NAMES)
        return [] if data is None else decode_names(data, str(self.path / NAMES))

    def companies(self) -> dict[str, str]:
        """Company name by manufacturer id, as the latest change to each says."""
        names: dict[str, str] = {}
        for record in self.name_changes():
            names[record.manufacturer_id] = record.company
        return {k: v for k, v in sorted(names.items()) if v}

    def name(self, changes: dict[str, str], reason: str) -> list[NameRecord]:
        """Record ``changes`` (manufacturer id -> company; '' withdraws) under the lock; the
        changes that differ from the register are returned, the others left out."""
        with self._writing():
            return self.name_locked(changes, reason)

    def name_locked(self, changes: dict[str, str], reason: str) -> list[NameRecord]:
        """``name`` for a caller that holds the lock already (a transaction)."""
        records = self.name_changes()
        now = self.companies()
        made = [NameRecord(i, c, _now(), reason) for i, c in sorted(changes.items())
                if now.get(i, "") != c]
        if made:
            replace_durably(self.path / NAMES, encode_names(records + made))
        return made

    # -- writing --------------------------------------------------------------------------------
    @contextmanager
    def edit(self, base: str | None = None) -> Iterator[Transaction]:
        """The one way to change the registry: lock, check the base, stage, commit.

        ``base`` is the version the caller built its change on (None: whatever is latest now);
        if the registry moved on since, the edit is refused as stale. Raise ``AbortEdit`` in the
        block to leave without writing (a dry run).
        """
        if not (self.path / HEAD).exists():
            self.head()  # raises the clear "not a registry" error
        with exclusive_lock(self.path):
            head = self.head()
            check_on_disk(self.path, head)
            check_base(base, head)
            failpoint("locked")
            transaction = Transaction(self, head)
            try:
                yield transaction
            except AbortEdit:
                return
            transaction.commit()
