"""The master list's operations: start a registry, import a SECAS workbook, publish changes,
audit the list. These are the library functions behind ``cplkit init``, ``import``, ``publish``
and ``audit``; they return records and never print or exit.

Every change to a registry goes through ``Registry.edit``: a publish reads its change files,
checks them with every rule of ``cplkit check``, merges them with the latest version and issues
the next version inside one locked transaction, so what was checked is what is issued.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from cplkit.core import model as m
from cplkit.core.changes import CertificateUpdate, ChangeSet, NewEntry, Removal
from cplkit.core.diff import Diff, diff
from cplkit.core.findings import FileReport, Finding, Report, make_finding, sort_key
from cplkit.core.merge import MergeResult, merge
from cplkit.core.ruleset import Ruleset
from cplkit.errors import RegistryError, SigningError, UsageError
from cplkit.io import dccxml
from cplkit.io.artefacts import signed_files
from cplkit.io.changefiles import read_change_file
from cplkit.io.limits import DEFAULT_LIMITS, Limits
from cplkit.io.registry import Registry, StoredVersion
from cplkit.io.secas_workbook import read_secas_workbook
from cplkit.io.signing import SigningIdentity, check_valid, fingerprint


def _digest(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _trust_reason(identity: SigningIdentity, why: str) -> tuple[str, str, str, str]:
    pem = identity.certificate.public_bytes(serialization.Encoding.PEM).decode()
    return pem, identity.fingerprint, identity.subject, why


def init_registry(path: Path, certificate: x509.Certificate | None = None) -> Registry:
    registry = Registry.create(path)
    if certificate is not None:
        trust_certificate(registry, certificate, "trusted when the registry was created")
    return registry


def trust_certificate(registry: Registry, certificate: x509.Certificate, reason: str) -> bool:
    """Trust a signing certificate: the one deliberate act that allows a new signing key."""
    registry.head()  # a registry, or the clear error
    return registry.add_trust(certificate.public_bytes(serialization.Encoding.PEM).decode(),
                              fingerprint(certificate), certificate.subject.rfc4514_string(),
                              reason)


def _require_trusted(registry: Registry, identity: SigningIdentity) -> None:
    check_valid(identity, dt.datetime.now(dt.UTC))
    trusted = {r.sha256 for r in registry.trusted()}
    if identity.fingerprint not in trusted:
        raise SigningError(
            f"the signing certificate {identity.subject} (SHA-256 fingerprint "
            f"{identity.fingerprint}) is not trusted by the registry {registry.path}"
            + ("" if trusted else ": it trusts no certificate yet"),
            hint="if this is a deliberate key rotation, run 'cplkit trust add CERT -r "
                 f"{registry.path} --reason \"...\"' first")


def _previous_dcc(registry: Registry, current: StoredVersion | None) -> tuple[str, bytes] | None:
    if current is None:
        return None
    number = str(current.version.number)
    name = dccxml.file_name(number)
    if name not in current.files:
        return None  # a version issued before signing began: the chain starts here
    return number, registry.file(current, name)


def _signer(identity: SigningIdentity) -> dict[str, str]:
    return {"subject": identity.subject, "sha256": identity.fingerprint}


@dataclass(frozen=True, slots=True)
class ImportOutcome:
    version: StoredVersion
    findings: tuple[Finding, ...]


def import_workbook(workbook: Path, registry_path: Path, ruleset: Ruleset,
                    identity: SigningIdentity, *, limits: Limits = DEFAULT_LIMITS) -> ImportOutcome:
    """Build a new registry at ``registry_path`` from a CPL workbook SECAS published.

    The registry is built beside the target and renamed into place at the end, so a failed
    import leaves nothing behind, and an existing registry is never touched.
    """
    if registry_path.exists() and (not registry_path.is_dir() or any(registry_path.iterdir())):
        raise RegistryError(f"{registry_path} exists and is not empty; cplkit never overwrites "
                            "a registry", hint="name a new directory")
    imported = read_secas_workbook(workbook, ruleset, limits, file=str(workbook))
    files = signed_files(imported.version, None, identity, ruleset)
    staging = registry_path.with_name(f".{registry_path.name}.importing-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    try:
        registry = Registry.create(staging)
        with registry.edit(None) as tx:
            tx.trust(*_trust_reason(identity, "signed the imported version"))
            tx.issue(imported.version, how="import", ruleset=ruleset.id,
                     sources=[(workbook.name, _digest(workbook))], files=files,
                     signer=_signer(identity))
        if registry_path.exists():
            registry_path.rmdir()  # empty, checked above
        staging.rename(registry_path)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return ImportOutcome(Registry(registry_path).read(), imported.findings)


@dataclass(frozen=True, slots=True)
class PublishOutcome:
    """What a publish (or a dry run) found and, unless stopped, issued."""

    base: str | None
    report: Report
    merged: MergeResult | None
    diff: Diff | None
    issued: StoredVersion | None
    dry_run: bool

    @property
    def ok(self) -> bool:
        return self.report.errors == 0 and self.report.unreadable == 0


def publish(registry_path: Path, change_files: Sequence[Path], ruleset: Ruleset,
            issue_date: dt.date, identity: SigningIdentity | None, *, base: str | None = None,
            dry_run: bool = False, limits: Limits = DEFAULT_LIMITS) -> PublishOutcome:
    """Check the changes against every rule and the latest version, then issue the next one.

    With any error nothing is written. ``base`` refuses the publish if the latest version is no
    longer the one the changes were reviewed against.
    """
    if not change_files:
        raise UsageError("name at least one change file")
    registry = Registry(registry_path)
    if dry_run:
        head = registry.head()
        current = registry.read(head=head) if head.latest else None
        if base is not None and current is not None and str(current.version.number) != base:
            raise UsageError(f"--base {base} is not the latest version "
                             f"({current.version.number})")
        return _prepare(current, change_files, ruleset, issue_date, limits, dry_run=True)
    if identity is None:
        raise UsageError("every published version is signed: give --key and --cert",
                         hint="try it out with a throwaway key: cplkit keygen --out keys/")
    with registry.edit(base) as tx:
        _require_trusted(registry, identity)
        current = tx.read_latest()
        outcome = _prepare(current, change_files, ruleset, issue_date, limits, dry_run=False)
        if outcome.ok and outcome.merged and outcome.merged.version:
            version = outcome.merged.version
            if current is not None and current.signer and \
                    current.signer["sha256"] != identity.fingerprint:
                version = replace(version, changes=version.changes + (
                    f"\n\nSigned with a new certificate: {identity.subject} (SHA-256 "
                    f"fingerprint {identity.fingerprint})."))
            files = signed_files(version, _previous_dcc(registry, current), identity, ruleset)
            tx.issue(version, how="publish", ruleset=ruleset.id,
                     sources=[(p.name, _digest(p)) for p in change_files], files=files,
                     signer=_signer(identity))
    if tx.issued is None:
        return outcome
    merged = outcome.merged
    if merged is not None:
        merged = replace(merged, version=tx.issued.version)
    return PublishOutcome(outcome.base, outcome.report, merged, outcome.diff, tx.issued,
                          dry_run=False)


def _prepare(current: StoredVersion | None, change_files: Sequence[Path], ruleset: Ruleset,
             issue_date: dt.date, limits: Limits, *, dry_run: bool) -> PublishOutcome:
    base = str(current.version.number) if current else None
    reports: list[FileReport] = []
    new_entries: list[NewEntry] = []
    removals: list[Removal] = []
    updates: list[CertificateUpdate] = []
    for path in change_files:
        change = read_change_file(path, ruleset, issue_date, limits, file=str(path))
        reports.append(change.report)
        new_entries.extend(change.new_entries)
        removals.extend(change.removals)
        updates.extend(change.updates)
    changes = ChangeSet(tuple(new_entries), tuple(removals), tuple(updates))
    merged: MergeResult | None = None
    if current is not None and issue_date < current.version.issue_date:
        reports.append(FileReport("(publish)", None, 0, (make_finding(
            "CPL-R07", f"the issue date {issue_date} is before the latest version's "
            f"({current.version.issue_date})", hint="publish with a later --as-of date"),)))
    elif not any(r.errors or r.unreadable for r in reports):
        if not changes:
            raise UsageError("the change files hold no change to publish")
        merged = merge(current.version if current else None, changes, issue_date=issue_date,
                       cpa_expiring_years=ruleset.cpa_expiring_certificate_years)
        reports = _attach(reports, merged.findings)
    report = Report(tuple(reports), issue_date.isoformat(), ruleset.id)
    difference = None
    if merged is not None and merged.version is not None and report.errors == 0:
        empty = m.CplVersion(m.VersionNumber(0, 0), issue_date, (), "")
        difference = diff(current.version if current else empty, merged.version)
    return PublishOutcome(base, report, merged, difference, None, dry_run)


def _attach(reports: list[FileReport], findings: Sequence[Finding]) -> list[FileReport]:
    """File each merge finding under the report of the file it came from."""
    out = []
    for r in reports:
        mine = [f for f in findings if f.file == r.path]
        out.append(FileReport(r.path, r.layout, r.entries,
                              tuple(sorted((*r.findings, *mine), key=sort_key)), r.sheet)
                   if mine else r)
    return out
