"""The registry: every issued CPL version, kept on disk, never changed once issued.

A registry is a directory (see docs/registry.md):

    registry.json            the head: the latest version and every version's SHA-256
    versions/<n>/version.json  one issued version: label, date, history line, every entry,
                             and the SHA-256 of the version before it
    .lock                    held by the one transaction allowed to write

Only ``Registry.edit`` writes, under an exclusive lock, in the order that keeps a crash harmless:
the new version is written to a temporary directory and fsynced, renamed into place, read back
and verified, and only then does ``registry.json`` (replaced atomically) make it visible. A
version directory the head does not name is the remains of an interrupted publish: readers never
see it and the next publish sets it aside. Every read checks the file against the digest the
head records, so a file altered by hand is reported, never trusted. Nothing here validates
entries or merges changes; it stores what it is given.
"""

from __future__ import annotations

import datetime as dt
import errno
import fcntl
import hashlib
import json
import os
import shutil
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cplkit import __version__, resources
from cplkit.core import model as m
from cplkit.errors import RegistryBusy, RegistryError

HEAD = "registry.json"
TRUST = "trust.json"
VERSIONS = "versions"
VERSION_FILE = "version.json"
LOCK = ".lock"
ABANDONED = ".abandoned"
FORMAT_VERSION = 1


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def failpoint(name: str) -> None:
    """Die (CPLKIT_FAILPOINT=name) or wait (CPLKIT_PAUSE=name:seconds) at a named step, when a
    test asks: proves a crash at any step of a publish is harmless, and that a second publish
    during the first is refused."""
    if os.environ.get("CPLKIT_FAILPOINT") == name:
        os._exit(86)
    pause_name, _, seconds = os.environ.get("CPLKIT_PAUSE", "").partition(":")
    if pause_name == name:
        time.sleep(float(seconds or 1))


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_durably(path: Path, data: bytes) -> None:
    with path.open("xb") as stream:
        stream.write(data)
        stream.flush()
        os.fsync(stream.fileno())


# -- the version document ---------------------------------------------------------------------


def _cell(value: m.Value | None) -> str | None:
    if value is None:
        return None
    return value.isoformat() if isinstance(value, dt.date) else value


def _value(name: str, cell: str | None) -> m.Value | None:
    if cell is None:
        return None
    if name in m.DATE_FIELDS:
        try:
            return dt.date.fromisoformat(cell)
        except ValueError:
            return cell  # kept as SECAS issued it (an import anomaly), not a date
    return cell


def encode_version(version: m.CplVersion, previous: tuple[str, str] | None,
                   made_by: Mapping[str, Any], files: Mapping[str, str] | None = None,
                   signer: Mapping[str, str] | None = None) -> bytes:
    """The bytes of version.json: a header, then one entry per line (diff-friendly, and the
    C JSON encoder stays on its fast path)."""
    header = {
        "format": "cplkit-version",
        "format_version": FORMAT_VERSION,
        "version": str(version.number),
        "issue_date": version.issue_date.isoformat(),
        "label": version.label,
        "previous": None if previous is None else {"version": previous[0],
                                                     "sha256": previous[1]},
        "changes": version.changes,
        "prior_history": [{"version": h.version, "date": h.date, "changes": h.changes}
                          for h in version.prior_history],
        "made_by": dict(made_by),
        "signer": dict(signer) if signer else None,
        "files": [{"name": name, "sha256": digest} for name, digest in (files or {}).items()],
        "fields": list(m.PUBLISHED_FIELDS),
    }
    rows = [json.dumps([_cell(e.get(f)) for f in m.PUBLISHED_FIELDS], ensure_ascii=False)
            for e in version.entries]
    head = json.dumps(header, ensure_ascii=False, indent=1)
    return (head[:-2] + ',\n "entries": [\n' + ",\n".join(rows) + "\n ]\n}\n").encode()


@dataclass(frozen=True, slots=True)
class StoredVersion:
    """An issued version as read back: the version, where it came from, and its digest."""

    version: m.CplVersion
    sha256: str
    previous: tuple[str, str] | None
    made_by: Mapping[str, Any]
    #: file name -> SHA-256 of the files issued with the version (the signed DCC file...)
    files: Mapping[str, str] = field(default_factory=dict)
    signer: Mapping[str, str] | None = None


def decode_version(data: bytes, origin: str) -> StoredVersion:
    try:
        doc = json.loads(data)
        header = {k: v for k, v in doc.items() if k != "entries"}
        _validate("version.schema.json", {**header, "entries": []}, origin)
        fields = doc["fields"]
        if list(fields) != list(m.PUBLISHED_FIELDS):
            raise RegistryError(f"{origin} lists unexpected fields")
        entries = []
        for i, row in enumerate(doc["entries"]):
            if not isinstance(row, list) or len(row) != len(fields) or not all(
                    c is None or isinstance(c, str) for c in row):
                raise RegistryError(f"{origin}: entry {i + 1} is not a row of "
                                    f"{len(fields)} texts")
            entries.append(m.Entry.of({f: v for f, c in zip(fields, row, strict=True)
                                       if (v := _value(f, c)) is not None}))
        prior = tuple(m.HistoryLine(h["version"], h["date"], h["changes"])
                      for h in doc["prior_history"])
        version = m.CplVersion(m.VersionNumber.parse(doc["version"]),
                               dt.date.fromisoformat(doc["issue_date"]), tuple(entries),
                               doc["changes"], prior)
    except (ValueError, KeyError, TypeError) as exc:
        raise RegistryError(f"{origin} is not a valid version file: {exc}",
                            hint="restore the registry from a backup") from exc
    previous = doc["previous"]
    return StoredVersion(version, sha256(data),
                         None if previous is None else (previous["version"], previous["sha256"]),
                         doc["made_by"], {f["name"]: f["sha256"] for f in doc["files"]},
                         doc["signer"])


def _validate(schema_name: str, document: Any, origin: str) -> None:
    from jsonschema import Draft202012Validator

    validator = Draft202012Validator(resources.load_json(schema_name))
    error = next(iter(sorted(validator.iter_errors(document), key=str)), None)
    if error is not None:
        where = "/".join(str(p) for p in error.absolute_path) or "(top level)"
        raise RegistryError(f"{origin} is damaged: {where}: {error.message}",
                            hint="restore the registry from a backup")


# -- the head -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class VersionRecord:
    version: str
    sha256: str
    issue_date: str


@dataclass(frozen=True, slots=True)
class Head:
    versions: tuple[VersionRecord, ...]
    created: str

    @property
    def latest(self) -> VersionRecord | None:
        return self.versions[-1] if self.versions else None

    def record(self, version: str) -> VersionRecord | None:
        return next((r for r in self.versions if r.version == version), None)

    def encode(self) -> bytes:
        return (json.dumps({
            "format": "cplkit-registry",
            "format_version": FORMAT_VERSION,
            "created": self.created,
            "latest": self.latest.version if self.latest else None,
            "versions": [{"version": r.version, "sha256": r.sha256, "issue_date": r.issue_date}
                         for r in self.versions],
        }, indent=1) + "\n").encode()


@dataclass(frozen=True, slots=True)
class TrustRecord:
    """A signing certificate the registry trusts, and when and why it was added."""

    sha256: str
    subject: str
    added: str
    reason: str
    pem: str


# -- the registry -------------------------------------------------------------------------------


class Registry:
    """A registry directory. Reading needs no lock; writing happens only in ``edit``."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @staticmethod
    def create(path: Path) -> Registry:
        """Start an empty registry at ``path``, which must not exist or must be empty."""
        if path.exists() and (not path.is_dir() or any(path.iterdir())):
            raise RegistryError(f"{path} exists and is not empty; cplkit never overwrites it",
                                hint="name a new directory for the registry")
        path.mkdir(parents=True, exist_ok=True)
        (path / VERSIONS).mkdir()
        head = Head((), dt.datetime.now(dt.UTC).isoformat(timespec="seconds"))
        _write_durably(path / HEAD, head.encode())
        _fsync_dir(path)
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
        try:
            doc = json.loads(data)
        except ValueError as exc:
            raise RegistryError(f"{path} is damaged: {exc}",
                                hint="restore the registry from a backup") from exc
        _validate("registry.schema.json", doc, str(path))
        records = tuple(VersionRecord(v["version"], v["sha256"], v["issue_date"])
                        for v in doc["versions"])
        if (records[-1].version if records else None) != doc["latest"]:
            raise RegistryError(f"{path} is damaged: 'latest' is not the last version listed")
        return Head(records, doc["created"])

    def _version_dir(self, version: str) -> Path:
        return self.path / VERSIONS / version

    def read(self, version: str | None = None, *, head: Head | None = None) -> StoredVersion:
        """An issued version (the latest by default), checked against the digests recorded."""
        head = head or self.head()
        record = head.latest if version is None else head.record(version)
        if record is None:
            known = ", ".join(r.version for r in head.versions[-5:]) or "none yet"
            raise RegistryError(
                "the registry holds no version yet" if version is None else
                f"the registry holds no version {version} (latest: {known})",
                hint="list the versions with 'cplkit history'")
        path = self._version_dir(record.version) / VERSION_FILE
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise RegistryError(f"version {record.version} is missing from the registry "
                                f"({path}: {exc.strerror or exc})",
                                hint="restore the registry from a backup") from exc
        if sha256(data) != record.sha256:
            raise RegistryError(
                f"{path} has changed since version {record.version} was issued (its SHA-256 is "
                f"{sha256(data)}, the registry recorded {record.sha256}): it was altered by hand",
                hint="restore the file from a backup; issued versions are never edited")
        stored = decode_version(data, str(path))
        index = head.versions.index(record)
        expected_previous = head.versions[index - 1] if index else None
        if (stored.previous is None) != (expected_previous is None) or (
                stored.previous and expected_previous and
                stored.previous != (expected_previous.version, expected_previous.sha256)):
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
        if sha256(data) != digest:
            raise RegistryError(f"{path} has changed since version {stored.version.number} was "
                                "issued: it was altered by hand",
                                hint="restore the file from a backup; issued files are never "
                                     "edited")
        return data

    def path_of(self, version: str, name: str) -> Path:
        return self._version_dir(version) / name

    # -- trust ----------------------------------------------------------------------------------
    def trusted(self) -> list[TrustRecord]:
        path = self.path / TRUST
        if not path.exists():
            return []
        try:
            doc = json.loads(path.read_bytes())
        except (OSError, ValueError) as exc:
            raise RegistryError(f"{path} is damaged: {exc}",
                                hint="restore the registry from a backup") from exc
        _validate("trust.schema.json", doc, str(path))
        return [TrustRecord(c["sha256"], c["subject"], c["added"], c["reason"], c["pem"])
                for c in doc["certificates"]]

    def add_trust(self, pem: str, fingerprint: str, subject: str, reason: str) -> bool:
        """Trust a signing certificate from now on (under the lock); False if already trusted."""
        with self._lock():
            return self._add_trust(pem, fingerprint, subject, reason)

    def _add_trust(self, pem: str, fingerprint: str, subject: str, reason: str) -> bool:
        records = self.trusted()
        if any(r.sha256 == fingerprint for r in records):
            return False
        records.append(TrustRecord(fingerprint, subject,
                                   dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                                   reason, pem))
        doc = {"format": "cplkit-trust", "format_version": FORMAT_VERSION, "certificates": [
            {"sha256": r.sha256, "subject": r.subject, "added": r.added, "reason": r.reason,
             "pem": r.pem} for r in records]}
        staged = self.path / f".{TRUST}.{os.getpid()}.tmp"
        staged.unlink(missing_ok=True)
        _write_durably(staged, (json.dumps(doc, indent=1) + "\n").encode())
        staged.replace(self.path / TRUST)
        _fsync_dir(self.path)
        return True

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

    # -- writing --------------------------------------------------------------------------------
    @contextmanager
    def _lock(self) -> Iterator[None]:
        path = self.path / LOCK
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as exc:
                if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN):
                    raise
                holder = os.pread(fd, 200, 0).decode(errors="replace").strip()
                raise RegistryBusy(
                    f"another cplkit is writing to the registry {self.path} ({holder or 'unknown'})"
                    "; nothing was changed", hint="try again once it has finished") from None
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"pid {os.getpid()} since "
                          f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M:%S} UTC".encode(), 0)
            yield
        finally:
            os.close(fd)  # closing releases the lock, also when the process dies

    @contextmanager
    def edit(self, base: str | None = None) -> Iterator[Transaction]:
        """The one way to change the registry: lock, check the base, stage, commit.

        ``base`` is the version the caller built its change on (None: whatever is latest now);
        if the registry moved on since, the edit is refused as stale.
        """
        if not (self.path / HEAD).exists():
            self.head()  # raises the clear "not a registry" error
        with self._lock():
            head = self.head()
            latest = head.latest.version if head.latest else None
            if base is not None and base != latest:
                raise RegistryBusy(
                    f"the change was prepared on version {base}, but the latest version is now "
                    f"{latest}; nothing was changed",
                    hint="check the change again against the latest version, then publish")
            failpoint("locked")
            self._clear_leftovers(head)
            transaction = Transaction(self, head)
            yield transaction
            transaction.commit()

    def _clear_leftovers(self, head: Head) -> None:
        """Set aside what an interrupted publish left: temporary and unrecorded version dirs."""
        versions = self.path / VERSIONS
        recorded = {r.version for r in head.versions}
        for entry in versions.iterdir():
            if entry.name in recorded:
                continue
            if entry.name.startswith(".tmp-"):
                shutil.rmtree(entry, ignore_errors=True)
                continue
            aside = self.path / ABANDONED
            aside.mkdir(exist_ok=True)
            entry.rename(aside / f"{entry.name}-{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}")


@dataclass(slots=True)
class Transaction:
    """Stages one new version; ``Registry.edit`` commits it when the block ends normally."""

    registry: Registry
    head: Head
    staged: tuple[m.CplVersion, dict[str, Any], dict[str, bytes], dict[str, str] | None] | None \
        = None
    issued: StoredVersion | None = field(default=None)

    def read_latest(self) -> StoredVersion | None:
        """The latest version as this transaction's lock found it, read and verified."""
        return self.registry.read(head=self.head) if self.head.latest else None

    def trust(self, pem: str, fingerprint: str, subject: str, reason: str) -> None:
        """Trust a signing certificate, inside this transaction's lock."""
        self.registry._add_trust(pem, fingerprint, subject, reason)

    def issue(self, version: m.CplVersion, *, how: str,
              sources: Sequence[tuple[str, str]] = (), ruleset: str | None = None,
              files: Mapping[str, bytes] | None = None,
              signer: Mapping[str, str] | None = None) -> None:
        latest = self.head.latest
        if latest is not None and str(version.number) != str(
                m.VersionNumber.parse(latest.version).next()):
            raise RegistryError(f"version {version.number} does not follow {latest.version}")
        made_by = {"tool": "cplkit", "tool_version": __version__, "how": how,
                   "ruleset": ruleset,
                   "sources": [{"file": name, "sha256": digest} for name, digest in sources]}
        self.staged = (version, made_by, dict(files or {}), dict(signer) if signer else None)

    def commit(self) -> None:
        if self.staged is None:
            return
        version, made_by, files, signer = self.staged
        number = str(version.number)
        latest = self.head.latest
        digests = {name: sha256(content) for name, content in files.items()}
        data = encode_version(version, (latest.version, latest.sha256) if latest else None,
                              made_by, digests, signer)
        versions = self.registry.path / VERSIONS
        staging = versions / f".tmp-{number}-{os.getpid()}"
        failpoint("before-write")
        staging.mkdir()
        _write_durably(staging / VERSION_FILE, data)
        for name, content in files.items():
            _write_durably(staging / name, content)
        _fsync_dir(staging)
        failpoint("after-write")
        final = versions / number
        staging.rename(final)  # the directory is complete or absent, never half there
        _fsync_dir(versions)
        failpoint("after-rename")
        record = VersionRecord(number, sha256(data), version.issue_date.isoformat())
        head = Head((*self.head.versions, record), self.head.created)
        # verify what is on disk before it becomes visible: byte for byte what was encoded
        if (final / VERSION_FILE).read_bytes() != data:
            raise RegistryError(f"{final / VERSION_FILE} did not read back as written; the "
                                "version was not issued")
        self.issued = StoredVersion(version, record.sha256,
                                    (latest.version, latest.sha256) if latest else None, made_by,
                                    digests, signer)
        staged_head = self.registry.path / f".{HEAD}.{os.getpid()}.tmp"
        staged_head.unlink(missing_ok=True)
        _write_durably(staged_head, head.encode())
        failpoint("before-head")
        staged_head.replace(self.registry.path / HEAD)
        _fsync_dir(self.registry.path)
        failpoint("after-head")
        self.head = head
