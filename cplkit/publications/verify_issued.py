"""Verification of each kind of file a version issues, trusting only the certificates given.

A DCC file and a manifest pass every check of ``cplkit.signing.xmldsig.verify_enveloped``, then
their own schema and content checks, and are read only from the element that was signed; a
manifest's listed files must match their digests. A CSV extract's CMS signature is checked by
``cplkit.signing.cms``, then its header and label. ``check_chain`` holds a DCC file to the one
before it. Each kind of file gets its own result record.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509

from cplkit.base.digest import file_sha256, sha256_hex
from cplkit.core.secas import CSV_COLUMNS
from cplkit.errors import VerificationError
from cplkit.publications import dccxml, fir_extract, latest, manifest
from cplkit.signing.cms import verify_cms
from cplkit.signing.x509 import fail, subject
from cplkit.signing.xmldsig import verify_enveloped


@dataclass(frozen=True, slots=True)
class Verified:
    """What every valid file has: its SHA-256 and the certificate that signed it."""

    sha256: str
    signer: x509.Certificate

    @property
    def signer_name(self) -> str:
        return subject(self.signer)


@dataclass(frozen=True, slots=True)
class VerifiedDcc(Verified):
    """A valid DCC file and what it says."""

    content: dccxml.DccContent


@dataclass(frozen=True, slots=True)
class VerifiedManifest(Verified):
    """A valid manifest whose every listed file was found and matched, but the restricted ones
    ``absent`` (as on the public site)."""

    content: manifest.ManifestContent
    absent: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class VerifiedFir(Verified):
    """A valid FIR extract: its version and how many entries it gives FIR details for."""

    version: str
    label: str
    entries: int


@dataclass(frozen=True, slots=True)
class VerifiedLatest(Verified):
    """A valid, fresh statement of what is current."""

    content: latest.Statement


@dataclass(frozen=True, slots=True)
class VerifiedCsv(Verified):
    """A valid CSV extract: its version label and number of rows."""

    label: str | None
    rows: int


def verify_dcc(data: bytes, trusted: Sequence[x509.Certificate], *,
               at: dt.date | None = None) -> VerifiedDcc:
    checked = verify_enveloped(data, trusted, at, dccxml.Q + "CentralProductsList",
                               "CPL DCC file", dccxml.schema_errors)
    content = dccxml.read_signed(checked.element)
    if int(content.signed_entries.get("count")) != content.entry_count:
        raise fail("schema", "the entry count does not match the entries")
    return VerifiedDcc(sha256_hex(data), checked.signer, content)


def verify_manifest(data: bytes, folder: Path, trusted: Sequence[x509.Certificate], *,
                    at: dt.date | None = None) -> VerifiedManifest:
    """A signed manifest, then every file it lists, looked up beside it by name; a restricted
    file (the FIR extract) is checked where it is present and never missed where it is not, as
    on the public site."""
    def digest(name: str) -> str | None:
        path = folder / name
        if not path.exists():
            return None
        # a pipe would block the hash for ever, a device such as /dev/zero never end it
        if not path.is_file():
            raise fail("signature", f"{name}, listed in the manifest, is not a regular file "
                       f"in {folder} (a folder, pipe or device)",
                       hint="download every file of the version again")
        try:
            return file_sha256(path)
        except OSError:  # there but unreadable: missing even where it may be absent
            raise _missing(name, f"from {folder}") from None

    return _verify_listed(data, trusted, at, digest, f"from {folder}")


def verify_manifest_of(data: bytes, files: Mapping[str, bytes],
                       trusted: Sequence[x509.Certificate]) -> VerifiedManifest:
    """A signed manifest, then every file it lists, in ``files`` (name -> content): the files of
    a version as built, before anything is written (at 72,900 entries they are 300 MB)."""
    def digest(name: str) -> str | None:
        content = files.get(name)
        return None if content is None else sha256_hex(content)

    return _verify_listed(data, trusted, None, digest, "from the version's files")


def _verify_listed(data: bytes, trusted: Sequence[x509.Certificate], at: dt.date | None,
                   digest: Callable[[str], str | None], where: str) -> VerifiedManifest:
    """A signed manifest, then the SHA-256 of every file it lists (``digest``: None where the
    file is missing); a missing restricted file is absent, not an error."""
    verified, problems = verify_listed_each(data, trusted, at, digest, where)
    if problems:
        raise problems[0]
    return verified


def verify_listed_each(data: bytes, trusted: Sequence[x509.Certificate], at: dt.date | None,
                       digest: Callable[[str], str | None],
                       where: str) -> tuple[VerifiedManifest, list[VerificationError]]:
    """A signed manifest (its own failure raised), and one failure for each listed file that is
    missing or changed, all of them (``cplkit verify --site`` reports every one)."""
    checked = verify_enveloped(data, trusted, at, manifest.Q + "Manifest", "CPL manifest",
                               manifest.schema_errors)
    listed = manifest.read_signed(checked.element)
    absent = []
    problems = []
    for name, expected in listed.files.items():
        try:
            actual = digest(name)
        except VerificationError as exc:
            problems.append(exc)
            continue
        if actual is None and name in listed.restricted:
            absent.append(name)
            continue
        if actual is None:
            problems.append(_missing(name, where))
        elif actual != expected:
            problems.append(fail(
                "signature", f"{name} is not the file the manifest lists (its SHA-256 is "
                f"{actual}, the signed manifest says {expected}): it was changed",
                hint="do not use this file; download it again from the publisher"))
    return (VerifiedManifest(sha256_hex(data), checked.signer, listed, frozenset(absent)),
            problems)


def _missing(name: str, where: str) -> VerificationError:
    return fail("signature", f"{name}, listed in the manifest, is missing {where}",
                hint="download every file of the version again")


def verify_csv(data: bytes, signature: bytes, trusted: Sequence[x509.Certificate], *,
               at: dt.date | None = None, now: dt.datetime | None = None) -> VerifiedCsv:
    signer = verify_cms(data, signature, trusted, at=at, now=now)
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"))))
    if not rows or tuple(rows[0]) != CSV_COLUMNS:
        raise fail("schema", "the CSV file's header is not the 13 columns of the CPL extract")
    labels = {r[0] for r in rows[1:]}
    if len(labels) > 1:
        raise fail("schema", "the Version column differs between rows")
    return VerifiedCsv(sha256_hex(data), signer, next(iter(labels), None), len(rows) - 1)


def verify_fir(data: bytes, signature: bytes, trusted: Sequence[x509.Certificate], *,
               at: dt.date | None = None, now: dt.datetime | None = None) -> VerifiedFir:
    """A FIR extract: its CMS signature, then its schema."""
    signer = verify_cms(data, signature, trusted, at=at, now=now)
    problem = fir_extract.problem(data)
    if problem is not None:
        raise fail("schema", f"the FIR extract does not follow its schema: {problem}")
    doc = json.loads(data)
    return VerifiedFir(sha256_hex(data), signer, doc["version"], doc["label"],
                       len(doc["entries"]))


def signed_statement_of(data: bytes, trusted: Sequence[x509.Certificate]) -> latest.Statement:
    """What a latest.xml signed by a trusted key says, fresh or not (the registry holds it to
    its own head; readers use ``verify_latest``, which also wants it fresh)."""
    checked = verify_enveloped(data, trusted, None, latest.Q + "Latest",
                               "statement of what is current (latest.xml)", latest.schema_errors)
    return latest.read_signed(checked.element)


def verify_latest(data: bytes, trusted: Sequence[x509.Certificate],
                  now: dt.datetime) -> VerifiedLatest:
    """A signed latest.xml that is still fresh at ``now``."""
    checked = verify_enveloped(data, trusted, None, latest.Q + "Latest",
                               "statement of what is current (latest.xml)", latest.schema_errors)
    statement = latest.read_signed(checked.element)
    if now > statement.next_update:
        raise fail("stale", f"the statement that {statement.version} is current was due to be "
                   f"renewed by {statement.next_update:%Y-%m-%d %H:%M} UTC and was not: newer "
                   "versions may be withheld from you (a freeze)",
                   hint="get latest.xml again from the publisher; do not rely on this list "
                        "until a fresh statement verifies")
    if statement.signed_at > now + dt.timedelta(minutes=5):
        raise fail("stale", "the statement says it was signed at "
                   f"{statement.signed_at:%Y-%m-%d %H:%M} UTC, which is in the future")
    return VerifiedLatest(sha256_hex(data), checked.signer, statement)


def check_current(dcc: VerifiedDcc, statement: VerifiedLatest) -> None:
    """``dcc`` must be the very file the statement names as current."""
    named, given = statement.content, dcc.content.number
    if dcc.sha256 == named.dcc_sha256:
        return
    if given < named.version:
        raise fail("not-latest", f"this is version {given}, but version {named.version} is "
                   f"current (latest.xml, signed {named.signed_at:%Y-%m-%d}): an old list served "
                   "as current (a rollback)", hint=f"get {named.dcc_file} and load that")
    if given > named.version:
        raise fail("not-latest", f"this is version {given}, newer than the {named.version} "
                   "latest.xml names: the statement is out of date",
                   hint="get latest.xml again from the publisher")
    raise fail("not-latest", f"this file says it is version {given}, but it is not the file "
               f"latest.xml names for that version (SHA-256 {named.dcc_sha256})",
               hint="do not load this file; get the one the publisher signed")


def check_chain(current: VerifiedDcc, previous: VerifiedDcc) -> None:
    """``current`` must be exactly the version after ``previous`` and name its digest."""
    now, before = current.content.number, previous.content.number
    if now < before:
        raise fail("chain", f"version {now} is older than the previous file's {before}: an old "
                    "version presented as new", hint="do not load this file")
    if now == before:
        raise fail("chain", f"both files are version {now}")
    if not now.follows(before):
        raise fail("chain", f"version {now} does not follow {before} (expected "
                    f"{before.next()} or {before.next_major()}): a version was skipped",
                   hint="get the missing version")
    if current.content.previous != (str(before), previous.sha256):
        raise fail("chain", f"version {now} does not name this file as its previous version "
                    "(the SHA-256 it records is different)", hint="do not load this file")
