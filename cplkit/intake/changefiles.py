"""Reads change files for a publish: submissions, removals, reinstatements, corrections and
certificate updates.

What a file is comes from its content. A table (CSV, or the first visible sheet of a workbook)
whose header row is ``Entry.number, reason, decision`` lists removals; ``Entry.number,
reinstatement_reason, decision`` reinstatements; ``Entry.number, field, new_value, reason``
corrections in place; ``CPA_Certificate.identification_number, new_identification_number,
new_expiry_date[, reason]`` certificate updates. Their rows are read into records with a
finding, at its cell, for every value that cannot be used. A change file means one thing: a
header naming one of its columns twice is refused (CPL-F08), and every free text a row carries
(a reason, a decision, a corrected or renamed value) must be one line of plain text, since it is
written into the history line of the issued files (CPL-V03). Anything else is a submission:
``read_change_table`` says so by returning None, and the caller checks it exactly as ``cplkit
check`` does. The formats are documented in docs/change-files.md.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from cplkit.base.files import not_regular
from cplkit.core import model as m
from cplkit.core.changes import (
    CORRECTION_COLUMNS,
    REINSTATEMENT_COLUMNS,
    REMOVAL_COLUMNS,
    RENAME_COLUMNS,
    UPDATE_COLUMNS,
    CertificateUpdate,
    ChangeSet,
    Correction,
    Origin,
    Reinstatement,
    Removal,
    Rename,
)
from cplkit.core.findings import Code, FileReport, Finding, Location, make_finding, sort_key
from cplkit.core.model import Layout, as_text
from cplkit.core.normalise import compile_normalisers
from cplkit.core.ruleset import Ruleset, fold
from cplkit.core.text import ONE_LINE_HINT, not_one_line
from cplkit.core.wording import PRODUCT_NAME
from cplkit.intake.csvfile import read_csv
from cplkit.intake.limits import Limits
from cplkit.intake.opener import sniff_kind
from cplkit.intake.sheets import Unreadable
from cplkit.intake.xlsx import Workbook

C = TypeVar("C")


@dataclass(frozen=True, slots=True)
class ChangeTable:
    """A change file other than a submission, as read: its report and the changes it holds."""

    report: FileReport
    changes: ChangeSet = field(default_factory=ChangeSet)
    #: what rows a finding stops still say (their other columns left blank): a publish runs
    #: its checks against the list on them too, so every problem is reported at once; they
    #: are never merged into a version
    partial: ChangeSet = field(default_factory=ChangeSet)


#: each kind of change table, its header row, how many of those columns it must have, and the
#: part of a ``ChangeSet`` its rows become
KINDS = ((Layout.REMOVALS, REMOVAL_COLUMNS, 3, "removals"),
         (Layout.REINSTATEMENTS, REINSTATEMENT_COLUMNS, 3, "reinstatements"),
         (Layout.CORRECTIONS, CORRECTION_COLUMNS, 4, "corrections"),
         (Layout.RENAMES, RENAME_COLUMNS, 4, "renames"),
         (Layout.CERTIFICATE_UPDATES, UPDATE_COLUMNS, 3, "updates"))


def _table(path: Path, limits: Limits,
           read: Callable[[str | None, Iterator[list[m.RawValue]]], ChangeTable | None],
           workbook: Workbook | None = None) -> ChangeTable | None:
    """What ``read`` makes of the first visible sheet (or the CSV) as rows, if the file is a
    readable table (None otherwise). The rows come lazily: a submission is told from a change
    file by its first rows, and then the rest is never converted. ``workbook``: the file,
    already opened by the caller (who closes it, and may read it again as a submission)."""
    if workbook is None:
        if not_regular(path) is not None:
            return None  # the submission reader will report it properly
        try:
            with path.open("rb") as stream:
                head = stream.read(8192)
            kind = sniff_kind(path, head)
            if kind == "csv":
                return read(None, iter(read_csv(path.read_bytes(), limits,
                                                lambda _: False).rows))
            opened = Workbook(path, limits)
        except (Unreadable, OSError):
            return None  # the submission reader will report it properly
    else:
        opened = workbook
    try:
        for name, state, _ in opened.sheets:
            if state == "visible":
                return read(name, opened.sheet(name).rows)
        return None
    except Unreadable:
        return None
    finally:
        if workbook is None:
            opened.close()


def _columns(header: list[m.RawValue], wanted: Sequence[str],
             required: int) -> dict[str, int] | None:
    names = {fold(str(v)): i + 1 for i, v in enumerate(header) if isinstance(v, str) and v.strip()}
    found = {w: names[fold(w)] for w in wanted if fold(w) in names}
    return found if all(w in found for w in wanted[:required]) else None


def _repeated(header: list[m.RawValue], wanted: Sequence[str]) -> list[tuple[str, int, int]]:
    """Each of the ``wanted`` columns the header names more than once: (name, the first
    column, a later one), columns counted from 1. Which of two columns a row means cannot be
    told, and reading either would act on a value the person who wrote the file may not see."""
    first: dict[str, int] = {}
    out = []
    keys = {fold(w): w for w in wanted}
    for i, value in enumerate(header, start=1):
        key = fold(value) if isinstance(value, str) and value.strip() else None
        if key not in keys:
            continue
        if key in first:
            out.append((keys[key], first[key], i))
        else:
            first[key] = i
    return out


def read_change_table(path: Path, ruleset: Ruleset, limits: Limits, *, file: str,
                      workbook: Workbook | None = None) -> ChangeTable | None:
    """The changes ``path`` lists, or None if it is no change file (a submission, or a file
    only the submission reader can explain). ``workbook``: ``path`` already opened, so that a
    submission's sheet is scanned and loaded once for both readers."""
    def read(sheet: str | None, rows: Iterator[list[m.RawValue]]) -> ChangeTable | None:
        first = list(itertools.islice(rows, _HEADER_ROWS))
        header_index = next((i for i, r in enumerate(first)
                             if any(v not in (None, "") for v in r)), None)
        if header_index is None:
            return None
        header = first[header_index]
        for kind, wanted, required, part in KINDS:
            columns = _columns(header, wanted, required)
            if columns is None:
                continue
            repeated = _repeated(header, wanted)
            if repeated:
                return _ambiguous(file, sheet, kind, header_index + 1, repeated)
            body = itertools.chain(first[header_index + 1:], rows)
            return _Rows(ruleset, file, sheet, columns, header_index).read(kind, part, body)
        return None

    return _table(path, limits, read, workbook)


#: the header row of a change file is among the first rows of its table
_HEADER_ROWS = 10


def _ambiguous(file: str, sheet: str | None, kind: Layout, header_row: int,
               repeated: list[tuple[str, int, int]]) -> ChangeTable:
    """A change table whose header names a column twice: refused whole, no row read."""
    findings = tuple(make_finding(
        Code.F08, f"the header names {name} twice, in columns {m.column_letter(first)} and "
        f"{m.column_letter(again)}: which one the rows mean cannot be told",
        Location(file, None, sheet, f"{m.column_letter(again)}{header_row}", name, name))
        for name, first, again in repeated)
    return ChangeTable(FileReport(file, kind, 0, findings, sheet))


class _Rows:
    def __init__(self, ruleset: Ruleset, file: str, sheet: str | None,
                 columns: dict[str, int], header_index: int) -> None:
        self.normalisers = compile_normalisers(ruleset)
        # what a rename may change: every published field but the number and the status,
        # which removals and reinstatements change; a correction may also set an entry's
        # product name (the registry's own note, never published), when the ruleset has it
        self.renamable = {fold(f): f for f in m.PUBLISHED_FIELDS
                          if f not in (m.ENTRY_NUMBER, m.ENTRY_STATUS)}
        self.correctable = dict(self.renamable)
        if PRODUCT_NAME in ruleset.fields:
            self.correctable[fold(PRODUCT_NAME)] = PRODUCT_NAME
        self.file = file
        self.sheet = sheet
        self.columns = columns
        self.first_row = header_index + 2  # 1-based number of the first data row
        self.findings: list[Finding] = []
        #: what the row being read still says when a finding stops it (None: too little)
        self.stopped: Any = None

    def read(self, kind: Layout, part: str, rows: Iterable[list[m.RawValue]]) -> ChangeTable:
        readers: dict[Layout, Callable[[m.RawEntry], Any]] = {
            Layout.REMOVALS: self._removal, Layout.REINSTATEMENTS: self._reinstatement,
            Layout.CORRECTIONS: self._correction, Layout.RENAMES: self._rename,
            Layout.CERTIFICATE_UPDATES: self._update}
        reader = readers[kind]
        changes: list[Any] = []
        partial: list[Any] = []
        placement = m.Placement(self.sheet, m.Orientation.ROW, dict(self.columns),
                                submission=False)
        index = 0
        for offset, row in enumerate(rows):
            values = {name: row[col - 1] if col <= len(row) else None
                      for name, col in self.columns.items()}
            if all(v in (None, "") for v in values.values()):
                continue
            index += 1
            self.stopped = None
            change = reader(m.RawEntry(index, placement, self.first_row + offset, values))
            if change is not None:
                changes.append(change)
            elif self.stopped is not None:  # a finding says why the row cannot be used
                partial.append(self.stopped)
        self.findings.sort(key=sort_key)
        report = FileReport(self.file, kind, index, tuple(self.findings), self.sheet)
        return ChangeTable(report, ChangeSet(**{part: tuple(changes)}),
                           ChangeSet(**{part: tuple(partial)}))

    def _finding(self, raw: m.RawEntry, code: Code, name: str, message: str,
                 hint: str | None = None) -> None:
        self.findings.append(make_finding(code, message, Location.of(self.file, raw, name),
                                          hint=hint))

    def _field(self, raw: m.RawEntry, column: str, field: str, *,
               required: bool) -> m.Value | None:
        value = raw.values.get(column)
        if value is None or value == "":
            if required:
                self._finding(raw, Code.V01, column, f"{column} is required")
            return None
        result = self.normalisers[field](value)
        for problem in result.problems:
            if problem.code != Code.V09:
                self._finding(raw, problem.code, column, f"{column}: {problem.message}",
                              problem.hint)
        return result.value if result.usable else None

    def _text(self, raw: m.RawEntry, column: str) -> str | None:
        value = raw.values.get(column)
        text = (as_text(value) or "").strip()
        if not text:
            self._finding(raw, Code.V01, column, f"{column} is required",
                          "say why, and which decision (e.g. 'SSC 2022-08-24') allows it")
            return None
        return self._one_line(raw, column, text)

    def _one_line(self, raw: m.RawEntry, column: str, text: str) -> str | None:
        """``text``, if it can be one line of the history; else None, and a finding says why
        (a line break in a reason would add a line of its own, one that can read as an
        entry the version never added)."""
        why = not_one_line(text)
        if why is None:
            return text
        self._finding(raw, Code.V03, column, f"{column}: {why}", ONE_LINE_HINT)
        return None

    def _removal(self, raw: m.RawEntry) -> Removal | None:
        number = self._number(raw)
        reason, decision = self._text(raw, "reason"), self._text(raw, "decision")
        if not isinstance(number, str):
            return None
        removal = Removal(number, reason or "", decision or "", self._origin(raw))
        return self._kept(removal, bool(reason and decision))

    def _reinstatement(self, raw: m.RawEntry) -> Reinstatement | None:
        number = self._number(raw)
        reason = self._text(raw, "reinstatement_reason")
        decision = self._text(raw, "decision")
        if not isinstance(number, str):
            return None
        change = Reinstatement(number, reason or "", decision or "", self._origin(raw))
        return self._kept(change, bool(reason and decision))

    def _correction(self, raw: m.RawEntry) -> Correction | None:
        number = self._number(raw)
        field, value = self._new_value(raw, self.correctable)
        reason = self._text(raw, "reason")
        if not isinstance(number, str) or field is None or value is None:
            return None
        change = Correction(number, field, value, reason or "", self._origin(raw))
        return self._kept(change, bool(reason))

    def _rename(self, raw: m.RawEntry) -> Rename | None:
        # the old text as the entries carry it: the new rules may no longer accept it
        old: str | None = (as_text(raw.values.get("old_value")) or "").strip()
        if not old:
            self._finding(raw, Code.V01, "old_value", "old_value is required",
                          "give the text every entry to be changed carries now")
        else:
            old = self._one_line(raw, "old_value", old)
        field, value = self._new_value(raw, self.renamable)
        reason = self._text(raw, "reason")
        if field is None or value is None or not old:
            return None
        change = Rename(field, old, value, reason or "", self._origin(raw))
        return self._kept(change, bool(reason))

    def _new_value(self, raw: m.RawEntry,
                   settable: dict[str, str]) -> tuple[str | None, m.Value | None]:
        """The field a row names (one of ``settable``) and its new value, read as a
        submission's value is (with the ruleset given to the publish, so a rename's new text
        must be valid under it)."""
        written = as_text(raw.values.get("field")) or ""
        field = settable.get(fold(written.strip()))
        if field is None:
            self._finding(raw, Code.V05 if written.strip() else Code.V01, "field",
                          f"field: '{written}' is not a published field this change can "
                          "set", "give a field name as the bulk template spells it, e.g. "
                          "DLMS_Certificate.identification_number; the number and status "
                          "change by removal or reinstatement")
            return None, None
        value = self._field(raw, "new_value", field, required=True)
        if value is None or self._one_line(raw, "new_value", as_text(value) or "") is None:
            return field, None
        return field, value

    def _number(self, raw: m.RawEntry) -> m.Value | None:
        written = raw.values.get("Entry.number")
        digits = as_text(written) if isinstance(written, int | str) and not isinstance(
            written, bool) else None
        restored = m.EntryNumber.restored(digits) if digits else None
        if restored is not None:
            # Excel saved 000732 as 732: the entry is known by its number all the same
            number: m.Value | None = restored
            self._finding(raw, Code.V09, "Entry.number",
                          f"Entry.number: read {digits} as {number}, the zeros Excel dropped "
                          "put back", "format the column as Text so Excel keeps the zeros")
        else:
            number = self._field(raw, "Entry.number", m.ENTRY_NUMBER, required=True)
        return number

    def _update(self, raw: m.RawEntry) -> CertificateUpdate | None:
        certificate = self._field(raw, UPDATE_COLUMNS[0], m.CPA_ID, required=True)
        new_id = self._field(raw, "new_identification_number", m.CPA_ID, required=False)
        new_date = self._field(raw, "new_expiry_date", m.CPA_EXPIRY, required=False)
        given = {c for c in ("new_identification_number", "new_expiry_date")
                 if raw.values.get(c) not in (None, "")}
        if not given:
            self._finding(raw, Code.V01, "new_identification_number",
                          "give the new certificate id, the new expiry or renewal date, or both")
            return None
        if not isinstance(certificate, str) or any(
                (c == "new_identification_number" and not isinstance(new_id, str)) or
                (c == "new_expiry_date" and not isinstance(new_date, dt.date)) for c in given):
            return None
        reason = (as_text(raw.values.get("reason")) or "").strip() or None
        if reason is not None and self._one_line(raw, "reason", reason) is None:
            return None
        number: str | None = None
        if raw.values.get("Entry.number") not in (None, ""):
            read = self._number(raw)
            if not isinstance(read, str):
                return None
            number = read
        return CertificateUpdate(certificate, new_id if isinstance(new_id, str) else None,
                                 new_date if isinstance(new_date, dt.date) else None, reason,
                                 self._origin(raw), number)

    def _kept(self, change: C, complete: bool) -> C | None:
        """``change`` if its row is complete; else None, and the change is kept as what a row
        a finding stops (a reason or a decision missing or not one line) still says, for the
        checks against the list only."""
        if complete:
            return change
        self.stopped = change
        return None

    def _origin(self, raw: m.RawEntry) -> Origin:
        return Origin.of(self.file, raw)
