"""``check``: validate submission files against a ruleset and return one report.

This is the library function behind ``cplkit check``, and the way ``publish`` reads submissions:
it opens each file, streams its entries through the validator and collects every finding; one
unreadable file never stops the others. It renders nothing and exits nothing (that is the CLI's
job).
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from cplkit.app.untrusted import ChildFailed, read_under_limits, stopped
from cplkit.core.findings import FileReport, Finding, Location, Report, make_finding, sort_key
from cplkit.core.model import Layout, Orientation, RawEntry, as_text
from cplkit.core.ruleset import Ruleset
from cplkit.core.submitted import SubmittedCell, SubmittedEntry
from cplkit.core.validate import Checked, Validator
from cplkit.intake.limits import DEFAULT_LIMITS, Limits
from cplkit.intake.opener import open_submission, prescan
from cplkit.intake.sheets import Unreadable

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
            # a column the layout already reported missing or hidden is not reported again
            layout_missing = frozenset(f.field for f in recognised.findings
                                       if f.code in ("CPL-F04", "CPL-F06") and f.field)
            findings.extend(validator.file_findings(layout_missing))
            findings[:0] = opened.findings + recognised.findings
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
    reports = tuple(check_file(p, ruleset, as_of, limits=limits, sheet=sheet) for p in paths)
    return Report(files=reports, as_of=as_of.isoformat(), ruleset=ruleset.id,
                  ruleset_sha256=ruleset.digest)


@dataclass(frozen=True, slots=True)
class Reviewed:
    """A check report, with the submitted values it shows: every entry of a New Entry form,
    and for a table the rows with findings (at most ``MAX_SHOWN`` entries a file)."""

    report: Report
    entries: dict[str, tuple[SubmittedEntry, ...]]


MAX_SHOWN = 500


def check_for_review(paths: Sequence[Path], ruleset: Ruleset, as_of: dt.date, *,
                     limits: Limits = DEFAULT_LIMITS, sheet: str | None = None) -> Reviewed:
    """``check_files``, keeping the values a reader needs to see each finding in place."""
    reports, entries = [], {}
    for path in paths:
        shown = 0

        def keep(raw: RawEntry, checked: Checked) -> SubmittedEntry | None:
            nonlocal shown
            form = raw.placement.orientation is Orientation.COLUMN
            if shown >= MAX_SHOWN or not (form or checked.findings):
                return None
            shown += 1
            flagged = {f.field for f in checked.findings}
            positions = raw.placement.positions
            fields = sorted(positions, key=positions.__getitem__) if form else [
                name for name in positions if name in flagged]
            return SubmittedEntry(raw.index, raw.where, tuple(
                SubmittedCell(name, raw.cell(name), as_text(raw.values.get(name)) or "")
                for name in fields))

        report, kept = check_and_keep(path, ruleset, as_of, keep, limits=limits, sheet=sheet)
        reports.append(report)
        entries[report.path] = tuple(kept)
    return Reviewed(Report(files=tuple(reports), as_of=as_of.isoformat(), ruleset=ruleset.id,
                           ruleset_sha256=ruleset.digest), entries)
