"""Publish: check change files against every rule and the latest version, then issue the next
version, or (a dry run) say what would be issued.

Both go through one ``Registry.edit`` transaction, as python-tuf's repository edits do: lock and
check the base, read the latest version (once), check and merge the changes, build, sign and
verify every file (each written to the transaction's folder as it is made), then commit, or
abort for a dry run. So a dry run and a publish give the same verdict
and the same exit status for the same registry, base and changes. This is the library behind
``cplkit publish``; it returns records and never prints or exits.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from cplkit.app import policy
from cplkit.app.check import ReadChanges, attach, read_changes
from cplkit.app.importing import kept_secas_texts
from cplkit.app.key_files import NO_KEY_HINT
from cplkit.app.ruleset_sources import rules_in_force, stored_rules
from cplkit.app.trust import require_trusted, signer_record
from cplkit.base.digest import file_sha256
from cplkit.base.files import read_small
from cplkit.core import model as m
from cplkit.core.diff import Diff, diff
from cplkit.core.findings import Code, FileReport, Location, Report, make_finding
from cplkit.core.fir import FirRecord
from cplkit.core.merge import MergeResult, merge
from cplkit.core.ruleset import Ruleset
from cplkit.core.ruleset_diff import describe_ruleset_change
from cplkit.core.ruleset_effect import refused_by_new_rules
from cplkit.core.submitted import SubmittedEntry
from cplkit.core.text import plural
from cplkit.core.withdrawn import Withdrawal, listing_findings
from cplkit.core.wording import CRLF, PLAIN, Wording
from cplkit.errors import (
    ApprovalError,
    RegistryError,
    SigningError,
    UsageError,
    VerificationError,
)
from cplkit.intake.limits import DEFAULT_LIMITS, Limits
from cplkit.publications import fir_extract
from cplkit.publications.bundle import PreviousDcc, signed_files, signed_statement
from cplkit.publications.filenames import IssuedFiles
from cplkit.publications.latest import DEFAULT_NEXT_UPDATE, Statement
from cplkit.publications.verify_issued import signed_statement_of
from cplkit.registry import AbortEdit, Registry, StoredVersion, Transaction
from cplkit.registry.codec import STATEMENT, VERSIONS
from cplkit.signing.signers import Signer


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


def publish(registry_path: Path, change_files: Sequence[Path], ruleset: Ruleset | None,
            issue_date: dt.date, signer: Signer | None, *, base: str | None = None,
            dry_run: bool = False, major: bool = False,
            next_update: dt.timedelta = DEFAULT_NEXT_UPDATE,
            limits: Limits = DEFAULT_LIMITS, now: dt.datetime) -> PublishOutcome:
    """Check the changes against every rule and the latest version, then issue the next one
    (the next major version with ``major``: 2.051 -> 3.000), signed at ``now``: the one time
    the signing certificate is judged at and every file is stamped with.

    With any error nothing is written. ``base`` refuses the publish if the latest version is no
    longer the one the changes were reviewed against. A dry run needs no signer; given one, it
    also builds, signs and verifies the files (in a scratch folder outside the registry, removed
    afterwards), and writes nothing to the registry. The signed statement
    that the new version is current (latest.xml) says a fresh one follows within
    ``next_update``. Without a ``ruleset`` the latest version's rules carry forward; a given
    one that differs from them is a rules change, which the history line names.
    """
    if signer is None and not dry_run:
        raise SigningError("cannot sign: every published version is signed: give --key and "
                           "--cert", hint=NO_KEY_HINT)
    registry = Registry(registry_path)
    with registry.edit(base, dry_run=dry_run) as tx:
        # read and decoded once: the registry keeps it for every later question about it (the
        # policy it was issued under, the statement's DCC file, the merge)
        tx.read_latest()
        in_force = policy.current(registry)
        check_head(registry, in_force)
        if signer is not None:
            in_force = require_trusted(registry, signer, now)
        if not dry_run:
            require_no_approvals(registry, in_force)
        step = next_version(tx, change_files, ruleset, issue_date, limits, dry_run=dry_run,
                            major=major)
        outcome, current, companies, version = (step.outcome, step.current, step.companies,
                                                step.version)
        ruleset = step.ruleset
        if version is None or signer is None:
            raise AbortEdit  # stopped by a finding, or a dry run without a key: nothing built
        if current is not None and current.signer and \
                current.signer.sha256 != signer.fingerprint:
            version = replace(version, changes=version.changes + (
                f"{CRLF}{CRLF}Signed with a new certificate: {signer.subject} (SHA-256 "
                f"fingerprint {signer.fingerprint})."))
        previous, fir_before = previous_files(registry, current)
        # each file written to the transaction's folder as it is made (a dry run's to a scratch
        # folder outside the registry), the rules the version was checked with among them
        files = tx.files(version)
        signed_files(files, version, previous, signer, ruleset, companies, fir_before,
                     outcome.diff if current else None, secas=kept_secas_texts(registry),
                     now=now)
        statement = signed_statement(version, files.digest(IssuedFiles(str(version.number))
                                                           .dcc_xml), signer, next_update,
                                     now=now)
        if dry_run:
            raise AbortEdit
        tx.issue(version, how="publish", ruleset=ruleset.id,
                 ruleset_sha256=ruleset.digest,
                 sources=[(p.name, file_sha256(p)) for p in change_files],
                 signer=signer_record(signer), statement=statement.data,
                 policy=policy_ref(in_force))
    if tx.issued is None:
        return outcome
    merged = outcome.merged
    if merged is not None:
        merged = replace(merged, version=tx.issued.version)
    return PublishOutcome(outcome.base, outcome.report, merged, outcome.diff, tx.issued,
                          dry_run=False)


@dataclass(frozen=True, slots=True)
class NextVersion:
    """The changes checked and merged inside a registry transaction: what was found, the
    latest version it builds on, the names register, the rules it was checked with and the
    version (None if stopped)."""

    outcome: PublishOutcome
    current: StoredVersion | None
    companies: dict[str, str]
    version: m.CplVersion | None
    ruleset: Ruleset


def next_version(tx: Transaction[Registry], change_files: Sequence[Path], ruleset: Ruleset | None,
                 issue_date: dt.date, limits: Limits, *, dry_run: bool,
                 major: bool) -> NextVersion:
    """Check ``change_files`` against every rule and the latest version, and merge them. With
    no ``ruleset`` (no --rules), the rules of the latest version carry forward: a rules change
    happens only when a ruleset is given."""
    registry = tx.registry
    current = tx.read_latest()
    record = policy.record_of(registry)
    companies = record.companies()
    if ruleset is None:
        ruleset, rules_note, old_rules = rules_in_force(registry, current), "", None
    else:
        rules_note, old_rules = _rules_change(registry, current, ruleset)
    if not change_files and not rules_note:
        raise UsageError("name at least one change file",
                         hint="a version that changes only the rules needs --rules with "
                              "rules that differ from the latest version's")
    read = read_changes(change_files, ruleset, issue_date, limits=limits)
    outcome = _merge_and_build(current, read, ruleset, issue_date, dry_run=dry_run,
                               major=major, rules_note=rules_note, old_rules=old_rules,
                               wording=Wording(companies, ruleset.short_types),
                               withdrawn=record.withdrawn)
    version = outcome.merged.version if outcome.ok and outcome.merged else None
    return NextVersion(outcome, current, companies, version, ruleset)


@dataclass(frozen=True, slots=True)
class Preflight:
    """What the publish would find in some change files, checked outside it (``cplkit check
    --registry``): its report, and the submitted values a report page shows."""

    outcome: PublishOutcome
    shown: dict[str, tuple[SubmittedEntry, ...]]


def preflight(registry_path: Path, change_files: Sequence[Path], ruleset: Ruleset | None,
              issue_date: dt.date, *, limits: Limits = DEFAULT_LIMITS,
              show: bool = False) -> Preflight:
    """The publish's own check of ``change_files`` against the registry's latest version,
    writing nothing and taking no lock: every rule (those of the latest version unless a
    ruleset is given, as the publish), then the checks against the list (CPL-M codes) on what
    could be read, in one report with the same codes at the same cells as ``publish
    --dry-run``. A change set with nothing to publish is no error here: a check has nothing
    to refuse."""
    registry = Registry(registry_path)
    head = registry.head()
    current = registry.read(head=head) if head.latest is not None else None
    if ruleset is None:
        ruleset, rules_note, old_rules = rules_in_force(registry, current), "", None
    else:
        rules_note, old_rules = _rules_change(registry, current, ruleset)
    read = read_changes(change_files, ruleset, issue_date, limits=limits, show=show)
    outcome = _merge_and_build(current, read, ruleset, issue_date, dry_run=True,
                               rules_note=rules_note, old_rules=old_rules, refuse_empty=False,
                               withdrawn=policy.record_of(registry).withdrawn)
    return Preflight(outcome, read.shown)


def check_head(registry: Registry, in_force: policy.Policy | None) -> None:
    """The head must hold the version the signed latest.xml names as current, as that very
    DCC file: a head rolled back by hand (its last records dropped, their folders removed) is
    refused before anything is signed against it. A statement one version behind the head is
    a publish stopped before its statement was replaced: 'refresh' mends it."""
    path = registry.path / STATEMENT
    if in_force is None or not (path.exists() or path.is_symlink()):
        return  # none signed yet (a registry without versions, or one never signed)
    hint = "restore the registry from a backup; never edit registry.json or latest.xml"
    data = read_small(path, 1 << 20, RegistryError, "the signed statement", hint=hint)
    try:
        statement = signed_statement_of(data, in_force.signer_certificates())
    except VerificationError as exc:
        raise RegistryError(f"{path} does not verify ({exc.message}): it was altered by hand",
                            hint=hint) from None
    head = registry.head()
    listed = m.VersionNumber.parse(head.latest.version) if head.latest else None
    if listed is None or statement.version > listed:
        raise RegistryError(f"the signed {STATEMENT} names version {statement.version} as "
                            f"current, but the registry's head lists "
                            f"{'no version' if listed is None else f'only up to {listed}'}: the "
                            "head was rolled back by hand; nothing was changed or signed",
                            hint=hint)
    if statement.version == listed:
        stored = registry.read(head=head)
        if stored.files.get(statement.dcc_file) != statement.dcc_sha256:
            raise RegistryError(f"the signed {STATEMENT} names another DCC file for version "
                                f"{listed} than the registry holds: the version was replaced "
                                "by hand; nothing was changed or signed", hint=hint)


def version_folder(registry_path: Path, number: str) -> Path:
    """Where the files of issued version ``number`` are: what an operator opens next."""
    return registry_path / VERSIONS / number


def policy_ref(in_force: policy.Policy | None) -> tuple[int, str] | None:
    """The policy record a version is issued under, as its version.json names it."""
    return None if in_force is None else (in_force.number, in_force.sha256)


def require_no_approvals(registry: Registry, in_force: policy.Policy | None) -> None:
    """Refuse a one-step publish in a registry that requires approvals (four eyes)."""
    required = in_force.record.required if in_force else 0
    if required:
        raise ApprovalError(
            f"the registry {registry.path} requires {plural(required, 'approval')} before a "
            "version is issued, so one person cannot publish alone",
            hint="stage it with 'cplkit publish --prepare', have approvers run 'cplkit approve "
                 "STAGED', then 'cplkit publish --staged STAGED'")


def previous_files(registry: Registry,
                   current: StoredVersion | None) -> tuple[PreviousDcc | None,
                                                           tuple[FirRecord, ...]]:
    """What a new version carries on from the latest: its DCC file (the chain) and its FIR
    records."""
    return _previous_dcc(registry, current), _previous_fir(registry, current)


def refresh(registry_path: Path, signer: Signer,
            next_update: dt.timedelta = DEFAULT_NEXT_UPDATE, *, now: dt.datetime) -> Statement:
    """Re-sign the statement that the latest version is current at ``now``, with a new
    next-update time, as whoever serves the files does when no version was issued in the
    meantime."""
    registry = Registry(registry_path)
    head = registry.check()
    check_head(registry, require_trusted(registry, signer, now))
    current = registry.read(head=head)
    number = str(current.version.number)
    name = IssuedFiles(number).dcc_xml
    if name not in current.files:
        raise UsageError(f"version {number} was issued without a signed DCC file, so no "
                         "statement can name it", hint="publish a version first")
    signed = signed_statement(current.version, registry.file_sha256(current, name), signer,
                              next_update, now=now)
    registry.replace_statement(number, signed.data)
    return signed.statement


def _rules_change(registry: Registry, current: StoredVersion | None,
                  ruleset: Ruleset) -> tuple[str, Ruleset | None]:
    """The history paragraph for a change of rules since the latest version ('' if none), and
    the rules the latest version was issued under (None if they did not change or are not
    known)."""
    if current is None or current.made_by.get("ruleset_sha256") in (ruleset.digest, None, ""):
        return "", None
    old = stored_rules(registry, current)
    return describe_ruleset_change(old, ruleset), old


def _previous_dcc(registry: Registry, current: StoredVersion | None) -> PreviousDcc | None:
    if current is None:
        return None
    number = str(current.version.number)
    name = IssuedFiles(number).dcc_xml
    if name not in current.files:
        return None  # a version issued before signing began: the chain starts here
    return PreviousDcc(number, registry.file_sha256(current, name))


def _previous_fir(registry: Registry, current: StoredVersion | None) -> tuple[FirRecord, ...]:
    """The FIR records the latest version kept (none before FIR extracts began)."""
    if current is None:
        return ()
    name = IssuedFiles(str(current.version.number)).fir_extract
    if name not in current.files:
        return ()
    data = registry.file(current, name)
    problem = fir_extract.problem(data)
    if problem is not None:  # the digest matched: written so by a cplkit that erred
        raise RegistryError(f"the FIR extract {name} of version {current.version.number} cannot "
                            f"be read: {problem}", hint="restore the registry from a backup")
    return fir_extract.read(data)


def _merge_and_build(current: StoredVersion | None, read: ReadChanges, ruleset: Ruleset,
                     issue_date: dt.date, *, dry_run: bool, major: bool = False,
                     rules_note: str = "", old_rules: Ruleset | None = None,
                     wording: Wording = PLAIN, refuse_empty: bool = True,
                     withdrawn: Sequence[Withdrawal] = ()) -> PublishOutcome:
    """Every problem of the change set at once: the rule findings of each file, and the checks
    against the list run on what could be read (rows a finding stops included, as far as they
    say what they change), so one report says all that stands between the files and a
    version. The merged version is used only when nothing stops it."""
    base = str(current.version.number) if current else None
    reports = list(read.reports)
    if current is not None and issue_date < current.version.issue_date:
        reports.append(FileReport("(publish)", None, 0, (make_finding(
            Code.M06, f"the issue date {issue_date} is before the latest version's "
            f"({current.version.issue_date})", Location("(publish)"),
            hint="publish with a later --as-of date"),)))
    changes = read.changes + read.partial if read.stopped else read.changes
    merged: MergeResult | None = None
    if not changes and not rules_note:
        if refuse_empty and not read.stopped:
            raise UsageError("the change files hold no change to publish")
    else:
        merged = merge(current.version if current else None, changes, issue_date=issue_date,
                       cpa_expiring_years=ruleset.cpa_expiring_certificate_years,
                       cpa_notice_days=ruleset.cpa_notice_days, major=major,
                       rules_note=rules_note, wording=wording)
        # a change that lists an entry under a withdrawn certificate (CPL-M09)
        refused = listing_findings(changes, current.version if current else None, withdrawn,
                                   issue_date)
        reports = list(attach(reports, (*merged.findings, *refused)))
        if merged.version is not None and current is not None:
            reports.extend(_refused_by_rules(current.version, merged.version, old_rules,
                                             ruleset, issue_date))
    report = Report(tuple(reports), issue_date.isoformat(), ruleset.id, ruleset.digest)
    difference = None
    if merged is not None and merged.version is not None and report.errors == 0 \
            and report.unreadable == 0:
        empty = m.CplVersion(m.VersionNumber(0, 0), issue_date, (), "")
        difference = diff(current.version if current else empty, merged.version)
    return PublishOutcome(base, report, merged, difference, None, dry_run)


def _refused_by_rules(before: m.CplVersion, after: m.CplVersion, old_rules: Ruleset | None,
                      ruleset: Ruleset, issue_date: dt.date) -> list[FileReport]:
    """A report of the entries already on the list that the new rules refuse (none when the
    rules did not change): a rules change never issues a list its own rules refuse."""
    existing = {e.number for e in before.entries}
    refused = refused_by_new_rules([e for e in after.entries if e.number in existing],
                                   old_rules, ruleset, issue_date)
    if not refused:
        return []
    where = "(rules)"
    return [FileReport(where, None, 0, tuple(make_finding(
        Code.M08, f"the new rules refuse Current entry {r.number}, which the rules it was "
        f"issued under accept: {r.finding.code} {r.finding.message}",
        Location(where, field=r.finding.field, value=r.finding.value, number=r.number),
        hint="keep the value in the rules (as a legacy value, if no longer accepted for new "
             "entries), or remove the entry in the same version") for r in refused))]
