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
from dataclasses import dataclass
from pathlib import Path

from cplkit.core import model as m
from cplkit.core.changes import CertificateUpdate, ChangeSet, NewEntry, Removal
from cplkit.core.diff import Diff, diff
from cplkit.core.findings import FileReport, Finding, Report, make_finding, sort_key
from cplkit.core.merge import MergeResult, merge
from cplkit.core.ruleset import Ruleset
from cplkit.errors import RegistryError, UsageError
from cplkit.io.changefiles import read_change_file
from cplkit.io.limits import DEFAULT_LIMITS, Limits
from cplkit.io.registry import Registry, StoredVersion
from cplkit.io.secas_workbook import read_secas_workbook


def _digest(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def init_registry(path: Path) -> Registry:
    return Registry.create(path)


@dataclass(frozen=True, slots=True)
class ImportOutcome:
    version: StoredVersion
    findings: tuple[Finding, ...]


def import_workbook(workbook: Path, registry_path: Path, ruleset: Ruleset, *,
                    limits: Limits = DEFAULT_LIMITS) -> ImportOutcome:
    """Build a new registry at ``registry_path`` from a CPL workbook SECAS published.

    The registry is built beside the target and renamed into place at the end, so a failed
    import leaves nothing behind, and an existing registry is never touched.
    """
    if registry_path.exists() and (not registry_path.is_dir() or any(registry_path.iterdir())):
        raise RegistryError(f"{registry_path} exists and is not empty; cplkit never overwrites "
                            "a registry", hint="name a new directory")
    imported = read_secas_workbook(workbook, ruleset, limits, file=str(workbook))
    staging = registry_path.with_name(f".{registry_path.name}.importing-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    try:
        registry = Registry.create(staging)
        with registry.edit(None) as tx:
            tx.issue(imported.version, how="import", ruleset=ruleset.id,
                     sources=[(workbook.name, _digest(workbook))])
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
            issue_date: dt.date, *, base: str | None = None, dry_run: bool = False,
            limits: Limits = DEFAULT_LIMITS) -> PublishOutcome:
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
    with registry.edit(base) as tx:
        outcome = _prepare(tx.latest, change_files, ruleset, issue_date, limits, dry_run=False)
        if outcome.ok and outcome.merged and outcome.merged.version:
            tx.issue(outcome.merged.version, how="publish", ruleset=ruleset.id,
                     sources=[(p.name, _digest(p)) for p in change_files])
    if tx.issued is None:
        return outcome
    return PublishOutcome(outcome.base, outcome.report, outcome.merged, outcome.diff, tx.issued,
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


# -- audit ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AuditItem:
    reason: str  # "cpa-expired", "cpa-due", "maintenance-over", "maintenance-due"
    manufacturer: str
    subject: str  # the certificate, or the SMETS/CHTS and GBCS versions
    date: dt.date
    entries: tuple[str, ...]


def audit(version: m.CplVersion, ruleset: Ruleset, as_of: dt.date,
          within_days: int) -> list[AuditItem]:
    """Current entries whose CPA date or combination's maintenance end has passed or is near."""
    horizon = as_of + dt.timedelta(days=within_days)
    groups: dict[tuple[str, str, str, dt.date], list[str]] = {}
    for entry in version.entries:
        if entry.status != m.Status.CURRENT or not entry.number:
            continue
        manufacturer = entry.text(m.MANUFACTURER_ID) or "?"
        expiry = entry.cpa_expiry_date
        certificate = entry.text(m.CPA_ID)
        if expiry and certificate and expiry <= horizon:
            reason = "cpa-expired" if expiry < as_of else "cpa-due"
            groups.setdefault((reason, manufacturer, certificate, expiry), []).append(entry.number)
        if entry.device_type and entry.spec_version and entry.gbcs_version:
            for row in ruleset.combinations_for(entry.device_type, entry.spec_version):
                end = row.maintenance_until
                if end and entry.gbcs_version in row.gbcs_versions and end <= horizon:
                    reason = "maintenance-over" if end < as_of else "maintenance-due"
                    subject = f"{entry.spec_version} with {entry.gbcs_version}"
                    groups.setdefault((reason, manufacturer, subject, end), []).append(
                        entry.number)
    return [AuditItem(r, man, subject, day, tuple(numbers))
            for (r, man, subject, day), numbers in sorted(groups.items(),
                                                          key=lambda kv: (kv[0][1], kv[0][3]))]


def proposed_removals(items: Sequence[AuditItem]) -> list[tuple[str, str]]:
    """(entry number, reason) for every entry an audit found past its date."""
    out: dict[str, str] = {}
    for item in items:
        if item.reason == "cpa-expired":
            why = f"CPA certificate {item.subject} expired on {item.date:%d/%m/%Y}"
        elif item.reason == "maintenance-over":
            why = f"maintenance period of {item.subject} ended on {item.date:%d/%m/%Y}"
        else:
            continue
        for number in item.entries:
            out.setdefault(number, why)
    return sorted(out.items())

