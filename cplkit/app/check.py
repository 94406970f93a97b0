"""``check``: validate submission and change files against a ruleset and return one report.

This is the library function behind ``cplkit check``, and the way ``publish`` reads its change
files (``read_changes``): each file is recognised by its content as a change file (removals,
reinstatements, corrections, renames, certificate updates) or a submission, whose entries stream
through the validator; every finding is collected, and one unreadable file never stops the
others. Without a list to check against, ``check_files`` finds what needs none: the same listing
submitted twice, in one file or across the set (CPL-M01). The checks against a registry's list
are the publish's own (``cplkit.app.publish.preflight``). It renders nothing and exits nothing
(that is the CLI's job).
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from operator import itemgetter
from pathlib import Path
from typing import TypeVar

from cplkit.app.table_check import TableCheck, applies, check_columns, check_rows
from cplkit.app.untrusted import ChildFailed, read_under_limits, stopped
from cplkit.base.isolation import can_isolate
from cplkit.core.changes import ChangeSet, NewEntry, Origin
from cplkit.core.findings import (
    Code,
    FileReport,
    Finding,
    Location,
    Report,
    Severity,
    make_finding,
    sort_key,
)
from cplkit.core.merge import merge
from cplkit.core.model import (
    KEY_FIELDS,
    Entry,
    Layout,
    Orientation,
    Placement,
    RawEntry,
    as_text,
    entry_key,
)
from cplkit.core.ruleset import Ruleset
from cplkit.core.submitted import SubmittedCell, SubmittedEntry
from cplkit.core.validate import Checked, Validator
from cplkit.intake.changefiles import ChangeTable, read_change_table
from cplkit.intake.limits import DEFAULT_LIMITS, Limits
from cplkit.intake.opener import Opened, open_submission, open_workbook, prescan
from cplkit.intake.sheets import Unreadable
from cplkit.intake.xlsx import Workbook

K = TypeVar("K")


def check_file(path: Path, ruleset: Ruleset, as_of: dt.date, *, limits: Limits = DEFAULT_LIMITS,
               sheet: str | None = None, label: str | None = None) -> FileReport:
    """Check one file; every problem is a finding in the report."""
    report, _ = check_and_keep(path, ruleset, as_of, _nothing, limits=limits, sheet=sheet,
                               label=label)
    return report


def check_and_keep(path: Path, ruleset: Ruleset, as_of: dt.date,
                   keep: Callable[[RawEntry, Checked], K | None], *,
                   limits: Limits = DEFAULT_LIMITS, sheet: str | None = None,
                   label: str | None = None) -> tuple[FileReport, list[K]]:
    """Check one file, and keep what ``keep`` makes of each entry (publish keeps the new
    entries). The file is read in a child process under the limits' memory and time, so a
    hostile file that crashes or exhausts the spreadsheet reader costs its own report only."""
    file = label if label is not None else str(path)

    def work() -> tuple[FileReport, list[K]]:
        # a reader in a child may load a sheet while its scan goes on: see _verdict
        return _check(path, ruleset, as_of, keep, limits, sheet, file, read_ahead=limits.isolate)

    try:
        return read_under_limits(limits, work)
    except ChildFailed as failed:
        return _verdict(path, limits, file, failed), []


def _verdict(path: Path, limits: Limits, file: str, failed: ChildFailed) -> FileReport:
    """The report of a file whose reader died: the pre-scan's refusal if it has one (calamine
    may have hit what the scan refuses before the scan reached it), else 'stopped'."""
    def scan() -> None:
        prescan(path, limits)

    try:
        read_under_limits(limits, scan)
    except Unreadable as exc:
        return FileReport(path=file, layout=None, entries=0, findings=(_refusal(file, exc),))
    except (ChildFailed, OSError):
        pass
    return stopped(file, failed)


def _refusal(file: str, exc: Unreadable) -> Finding:
    """What a reader's refusal of the whole file says, as a finding."""
    return make_finding(exc.code, exc.message, Location(file), hint=exc.hint)


def _with_file_findings(opened: Opened, validator: Validator, entries: list[Finding]
                        ) -> list[Finding]:
    """The entries' findings between those of the file as a whole: the reader's and the
    layout's before, the validator's of columns after (a column the layout already reported
    missing or hidden is not reported again)."""
    recognised = opened.recognised
    layout_missing = frozenset(f.field for f in recognised.findings
                               if f.code in (Code.F04, Code.F06) and f.field)
    return [*opened.findings, *recognised.findings, *entries,
            *validator.file_findings(layout_missing)]


def _nothing(raw: RawEntry, checked: Checked) -> None:
    return None


def _check(path: Path, ruleset: Ruleset, as_of: dt.date,
           keep: Callable[[RawEntry, Checked], K | None], limits: Limits, sheet: str | None,
           file: str, *, read_ahead: bool) -> tuple[FileReport, list[K]]:
    findings: list[Finding] = []
    kept: list[K] = []
    layout: Layout | None = None
    sheet_name: str | None = None
    delimiter: str | None = None
    entries = 0
    try:
        with open_submission(path, ruleset, limits, file=file, sheet=sheet,
                             read_ahead=read_ahead) as opened:
            recognised = opened.recognised
            layout = recognised.layout
            sheet_name = recognised.placement.sheet
            delimiter = opened.delimiter
            validator = Validator(ruleset, as_of, file)
            for batch in _batches(recognised.entries):
                for raw, checked in zip(batch, validator.check_all(batch), strict=True):
                    entries += 1
                    findings.extend(checked.findings)
                    made = keep(raw, checked)
                    if made is not None:
                        kept.append(made)
            findings[:] = _with_file_findings(opened, validator, findings)
    except Unreadable as exc:
        # the layout and sheet stay known when a cell refused reading further
        findings = [_refusal(file, exc)]
        entries = 0
        kept = []
    findings.sort(key=sort_key)
    return FileReport(path=file, layout=layout, entries=entries, findings=tuple(findings),
                      sheet=sheet_name, delimiter=delimiter), kept


def _batches(entries: Iterator[RawEntry], size: int = 1024) -> Iterator[list[RawEntry]]:
    """The entries in lists of ``size``: enough for the validator's column-at-a-time work to
    pay, few enough that a bulk sheet still streams."""
    while batch := list(itertools.islice(entries, size)):
        yield batch


def check_files(paths: Sequence[Path], ruleset: Ruleset, as_of: dt.date, *,
                limits: Limits = DEFAULT_LIMITS, sheet: str | None = None) -> Report:
    """Check every file as what it is (a submission or a change file), and the submissions'
    new entries against each other: a listing submitted twice is CPL-M01, as the publish says."""
    return check_for_review(paths, ruleset, as_of, limits=limits, sheet=sheet,
                            show=False).report


@dataclass(frozen=True, slots=True)
class ReadChanges:
    """Change files as read for a publish or a check: a report per file, the changes that
    passed every rule, and what rows stopped by a finding still say (``partial``: only for the
    merge checks, so that every problem is reported at once; never merged into a version)."""

    reports: tuple[FileReport, ...]
    changes: ChangeSet
    partial: ChangeSet
    #: the submitted values a report page shows, by file (only when asked for)
    shown: dict[str, tuple[SubmittedEntry, ...]]

    @property
    def stopped(self) -> bool:
        """Whether a rule error or an unreadable file stops the changes."""
        return any(r.errors or r.unreadable for r in self.reports)


def read_changes(paths: Sequence[Path], ruleset: Ruleset, as_of: dt.date, *,
                 limits: Limits = DEFAULT_LIMITS, sheet: str | None = None,
                 show: bool = False) -> ReadChanges:
    """Read and check each file as what its content says it is. A submission's entries
    without errors become new entries; with ``show``, the values a reader needs to see each
    finding in place are kept too (at most ``MAX_SHOWN`` entries a file). A ``sheet`` names
    a submission's sheet, so with it every file is read as a submission."""
    reports: list[FileReport] = []
    changes, partial = ChangeSet(), ChangeSet()
    shown: dict[str, tuple[SubmittedEntry, ...]] = {}
    for path in paths:
        table = None if sheet is not None else change_table(path, ruleset, limits)
        if table is not None:
            reports.append(table.report)
            changes += table.changes
            partial += table.partial
            continue
        report, new, entries = _submission(path, ruleset, as_of, limits, sheet, show)
        reports.append(report)
        changes += ChangeSet(new_entries=tuple(new))
        if show:
            shown[report.path] = tuple(entries)
    return ReadChanges(tuple(reports), changes, partial, shown)


def change_table(path: Path, ruleset: Ruleset, limits: Limits) -> ChangeTable | None:
    """The change ``path`` lists, read in a child process under the limits (None: a
    submission); a reader that dies makes the file unreadable (CPL-F02)."""
    def work() -> ChangeTable | None:
        return read_change_table(path, ruleset, limits, file=str(path))

    try:
        return read_under_limits(limits, work)
    except ChildFailed as failed:
        return ChangeTable(stopped(str(path), failed))


def _submission(path: Path, ruleset: Ruleset, as_of: dt.date, limits: Limits,
                sheet: str | None, show: bool
                ) -> tuple[FileReport, list[NewEntry], list[SubmittedEntry]]:
    """A submission checked; its entries without errors become new entries (they are only
    added if the whole change set passes)."""
    file = str(path)
    shown = 0

    def keep(raw: RawEntry, checked: Checked) -> tuple[NewEntry | None, SubmittedEntry | None]:
        nonlocal shown
        new = None if any(f.severity is Severity.ERROR for f in checked.findings) else \
            NewEntry(checked.entry, Origin.of(file, raw))
        entry = None
        if show and shown < MAX_SHOWN:
            entry = _shown(raw, checked)
            shown += entry is not None
        return new, entry

    report, kept = check_and_keep(path, ruleset, as_of, keep, limits=limits, sheet=sheet,
                                  label=file)
    return (report, [n for n, _ in kept if n is not None],
            [e for _, e in kept if e is not None])


def _shown(raw: RawEntry, checked: Checked) -> SubmittedEntry | None:
    """The submitted values a report page shows of an entry: every field of a New Entry form,
    and of a table's row the cells with findings (None: a row without findings)."""
    form = raw.placement.orientation is Orientation.COLUMN
    if not (form or checked.findings):
        return None
    flagged = {f.field for f in checked.findings}
    positions = raw.placement.positions
    fields = sorted(positions, key=positions.__getitem__) if form else [
        name for name in positions if name in flagged]
    return SubmittedEntry(raw.index, raw.where, tuple(
        SubmittedCell(name, raw.cell(name), as_text(raw.values.get(name)) or "")
        for name in fields))


def duplicates(read: ReadChanges) -> tuple[FileReport, ...]:
    """The reports, with CPL-M01 at each new entry that repeats an earlier one of the set
    (the check that needs no list). Entries of a published list (a CPL tab) are not new, and
    are left to the list's own rules."""
    published = {r.path for r in read.reports if r.layout is Layout.CENTRAL_LIST}
    new = tuple(n for n in read.changes.new_entries if n.origin.file not in published)
    if len(new) < 2:
        return read.reports
    found = [f for f in merge(None, ChangeSet(new_entries=new), issue_date=dt.date.min).findings
             if f.code == Code.M01]
    return attach(list(read.reports), found)


def attach(reports: list[FileReport], findings: Sequence[Finding]) -> tuple[FileReport, ...]:
    """File each merge finding under the report of the file it came from. A change row's own
    findings name the entry number it gives; a merge finding on that row is given the same, so
    a report shows the row's problems together."""
    out = []
    for r in reports:
        numbers = {f.entry: f.at.number for f in r.findings
                   if f.entry is not None and f.at.number is not None}
        mine = [f if f.at.number is not None or f.entry not in numbers else
                replace(f, at=replace(f.at, number=numbers[f.entry]))
                for f in findings if f.file == r.path]
        out.append(replace(r, findings=tuple(sorted((*r.findings, *mine), key=sort_key)))
                   if mine else r)
    return tuple(out)


@dataclass(frozen=True, slots=True)
class Reviewed:
    """A check report, with the submitted values it shows: every entry of a New Entry form,
    and for a table the rows with findings (at most ``MAX_SHOWN`` entries a file)."""

    report: Report
    entries: dict[str, tuple[SubmittedEntry, ...]]


MAX_SHOWN = 500


def check_for_review(paths: Sequence[Path], ruleset: Ruleset, as_of: dt.date, *,
                     limits: Limits = DEFAULT_LIMITS, sheet: str | None = None,
                     show: bool = True) -> Reviewed:
    """``check_files``, keeping the values a reader needs to see each finding in place.

    The same report as ``duplicates(read_changes(...))``, made without the changes a publish
    needs: of a submission's entries without errors only their keys come back from the
    reading child, and an entry is made only of those that repeat one (CPL-M01)."""
    reports: list[FileReport] = []
    shown: dict[str, tuple[SubmittedEntry, ...]] = {}
    listings: list[tuple[str, _Listed]] = []
    for path in paths:
        outcome = _set_member(path, ruleset, as_of, limits, sheet, show)
        if isinstance(outcome, ChangeTable):
            reports.append(outcome.report)
            continue
        report, entries, listed = outcome
        reports.append(report)
        listings.append((report.path, listed))
        if show:
            shown[report.path] = entries
    return Reviewed(Report(files=_repeats(reports, listings), as_of=as_of.isoformat(),
                           ruleset=ruleset.id, ruleset_sha256=ruleset.digest), shown)


@dataclass(frozen=True, slots=True)
class _Listed:
    """What the check of a set needs of one submission's entries without errors: where its
    entries sit, and of each its entry key (``model.entry_key``), number and row or column."""

    placement: Placement | None = None
    entries: tuple[tuple[tuple[str | None, ...], int, int], ...] = ()


_Member = tuple[FileReport, tuple[SubmittedEntry, ...], _Listed]


def _set_member(path: Path, ruleset: Ruleset, as_of: dt.date, limits: Limits,
                sheet: str | None, show: bool) -> ChangeTable | _Member:
    """One file of a check, read in one child process under the limits: a change file, or a
    submission checked (its table's rows in groups: ``cplkit.app.table_check``)."""
    file = str(path)

    def work() -> ChangeTable | _Member:
        # a reader in a child may load a sheet while its scan goes on: see _verdict. Only
        # there may it read columns (the [fast] extra): pyarrow's threads would make a later
        # fork of this process unsafe, and fastexcel ends the process on some hostile files
        return _read_member(path, ruleset, as_of, limits, sheet, file, show,
                            read_ahead=limits.isolate,
                            columns=limits.isolate and can_isolate())

    try:
        return read_under_limits(limits, work)
    except ChildFailed as failed:
        return _verdict(path, limits, file, failed), (), _Listed()


def _read_member(path: Path, ruleset: Ruleset, as_of: dt.date, limits: Limits,
                 sheet: str | None, file: str, show: bool, *,
                 read_ahead: bool, columns: bool = False) -> ChangeTable | _Member:
    """A workbook is scanned and its sheets loaded once, for both readers: is it a change
    file (``read_change_table``)? If not, its submission. ``columns``: an all-text sheet may
    be read column by column (``cplkit.intake.columnar``)."""
    workbook = None
    if sheet is None:
        try:
            workbook = open_workbook(path, limits, read_ahead=read_ahead, columns=columns)
        except Unreadable as exc:
            return (FileReport(path=file, layout=None, entries=0,
                               findings=(_refusal(file, exc),)), (), _Listed())
    try:
        table = None if sheet is not None else read_change_table(
            path, ruleset, limits, file=file, workbook=workbook)
        if table is not None:
            return table
        return _check_listing(path, ruleset, as_of, limits, sheet, file, show,
                              read_ahead=read_ahead, workbook=workbook, columns=columns)
    finally:
        if workbook is not None:
            workbook.close()


def _check_listing(path: Path, ruleset: Ruleset, as_of: dt.date, limits: Limits,
                   sheet: str | None, file: str, show: bool, *, read_ahead: bool,
                   workbook: Workbook | None, columns: bool = False) -> _Member:
    """``_check`` of a submission with what a check of a set keeps: the shown entries and
    the keys of the entries without errors. A table with every field is checked in groups
    (``table_check``), so a row without findings costs no object."""
    findings: list[Finding] = []
    layout: Layout | None = None
    sheet_name: str | None = None
    delimiter: str | None = None
    entries = 0
    placement: Placement | None = None
    listed: list[tuple[int, tuple[str | None, ...], int]] = []
    shown: list[SubmittedEntry] = []

    def note(raw: RawEntry, checked: Checked) -> None:
        findings.extend(checked.findings)
        if not any(f.severity is Severity.ERROR for f in checked.findings):
            listed.append((raw.index, entry_key(checked.entry), raw.at))
        if show and len(shown) < MAX_SHOWN:
            entry = _shown(raw, checked)
            if entry is not None:
                shown.append(entry)

    try:
        with open_submission(path, ruleset, limits, file=file, sheet=sheet,
                             read_ahead=read_ahead, workbook=workbook,
                             columns=columns) as opened:
            recognised = opened.recognised
            layout = recognised.layout
            placement = recognised.placement
            sheet_name = placement.sheet
            delimiter = opened.delimiter
            validator = Validator(ruleset, as_of, file)
            if recognised.rows is not None and applies(ruleset, placement):
                table = TableCheck(validator, placement)
                judging = (check_rows(table, recognised.rows) if recognised.columns is None
                           else check_columns(table, *recognised.columns))
                for judged in judging:
                    entries += len(judged.checked) + len(judged.clean)
                    for raw, checked in judged.checked:
                        note(raw, checked)
                    listed.extend((index, key, at) for index, at, key in judged.clean)
            else:
                for batch in _batches(recognised.entries):
                    for raw, checked in zip(batch, validator.check_all(batch), strict=True):
                        entries += 1
                        note(raw, checked)
            findings[:] = _with_file_findings(opened, validator, findings)
    except Unreadable as exc:
        # the layout and sheet stay known when a cell refused reading further
        findings = [_refusal(file, exc)]
        entries = 0
        listed = []
        shown = []
    findings.sort(key=sort_key)
    listed.sort(key=itemgetter(0))
    report = FileReport(path=file, layout=layout, entries=entries, findings=tuple(findings),
                        sheet=sheet_name, delimiter=delimiter)
    return report, tuple(shown), _Listed(placement, tuple((key, index, at)
                                                          for index, key, at in listed))


def _repeats(reports: list[FileReport],
             listings: list[tuple[str, _Listed]]) -> tuple[FileReport, ...]:
    """``duplicates`` from the submissions' keys: CPL-M01 at each entry that repeats an earlier
    one of the set, found by the merge itself on the entries whose key repeats (the first of
    each is the one the others name)."""
    published = {r.path for r in reports if r.layout is Layout.CENTRAL_LIST}
    keys = [(key, file, listed.placement, index, at) for file, listed in listings
            if file not in published for key, index, at in listed.entries]
    if len(keys) < 2:
        return tuple(reports)
    counts = Counter(key for key, *_ in keys)
    repeated = tuple(
        NewEntry(Entry.of({f: v for f, v in zip(KEY_FIELDS, key, strict=True) if v is not None}),
                 Origin.of(file, RawEntry(index, placement, at, {})))
        for key, file, placement, index, at in keys if counts[key] > 1 and placement is not None)
    if not repeated:
        return tuple(reports)
    found = [f for f in merge(None, ChangeSet(new_entries=repeated), issue_date=dt.date.min
                              ).findings if f.code is Code.M01]
    return attach(reports, found)
