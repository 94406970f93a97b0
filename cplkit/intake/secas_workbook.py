"""Reads a CPL workbook as SECAS publishes it: label, history and the raw entries of its list.

The version number and issue date come from the Version Control label ("Version 2.051 Issued on
21-09-2022"), the history from its table, the entries from the Central Products List tab, as raw
values with their cells. What reading notices (a version number stored as a number, a date of
issue that is not a date) is a CPL-I01 finding. It decides nothing about the entries: what an
import keeps, normalises or reports is ``cplkit.app.importing``'s policy.

It also reads SECAS's own texts (``cplkit.core.secas_texts``): the Version Control tab above
its history, the New Entry tab's instructions and field rows, the list's header rows 3-7, and
which history dates SECAS wrote as text, so a re-issued workbook can carry them as issued. Only
text cells are taken (a formula or a number in a header cell is not a text SECAS wrote); a
workbook without a New Entry tab simply has no form texts.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from dataclasses import dataclass, field
from pathlib import Path

from cplkit.core import model as m
from cplkit.core.findings import Code, Finding, Location, make_finding
from cplkit.core.model import Layout, as_text
from cplkit.core.ruleset import Ruleset
from cplkit.core.secas import CONTROL_SHEET, FORM_HEADER_ROW, FORM_SHEET, LIST_HEADER_LABELS
from cplkit.core.secas_texts import FieldTexts, Label, SecasTexts
from cplkit.errors import InputFileError
from cplkit.intake.layouts import BufferedSheet, Recogniser
from cplkit.intake.limits import Limits
from cplkit.intake.sheets import Unreadable
from cplkit.intake.xlsx import Workbook

_LABEL = re.compile(r"Version\s+([0-9]+\.[0-9]+)\s+Issued\s+on\s+([0-9]{1,2})-([0-9]{1,2})-"
                    r"([0-9]{4})", re.IGNORECASE)
_DATE = re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})")
#: a history version number the kept texts can name (schemas/secas-texts.schema.json)
_VERSION = re.compile(r"[0-9]{1,6}\.[0-9]{1,6}")
#: the field rows of SECAS's New Entry tab: columns C-F after the two labels
_FORM_TEXT_COLUMNS = 4
#: what no worksheet or XML file can carry: C0 controls but tab and line breaks, unpaired
#: surrogates, U+FFFE and U+FFFF (a line break pasted from Word arrives as U+000B)
_NOT_CARRIED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def visible(text: str) -> str:
    """SECAS's text with what no published file can carry written as Excel writes it in the
    file (``_x000B_``): visible in every output, and the same character again once Excel (or
    any reader of the re-issued workbook) decodes it."""
    return _NOT_CARRIED.sub(lambda match: f"_x{ord(match.group()):04X}_", text)


@dataclass(frozen=True, slots=True)
class SecasWorkbook:
    """What a SECAS workbook holds, as read."""

    number: m.VersionNumber
    issue_date: dt.date
    history: tuple[m.HistoryLine, ...]
    entries: tuple[m.RawEntry, ...]
    #: what reading noticed: history anomalies and layout findings of the list tab
    findings: tuple[Finding, ...]
    #: SECAS's own texts, which a re-issued workbook writes
    texts: SecasTexts = field(default_factory=SecasTexts)


def read_secas_workbook(path: Path, ruleset: Ruleset, limits: Limits, *,
                        file: str) -> SecasWorkbook:
    try:
        workbook = Workbook(path, limits)
    except Unreadable as exc:
        raise InputFileError(f"{file}: {exc.message}", hint=exc.hint) from exc
    try:
        return _Reader(workbook, ruleset, limits, file).run()
    except Unreadable as exc:
        raise InputFileError(f"{file}: {exc.message}", hint=exc.hint) from exc
    finally:
        workbook.close()


class _Reader:
    def __init__(self, workbook: Workbook, ruleset: Ruleset, limits: Limits, file: str) -> None:
        self.workbook = workbook
        self.ruleset = ruleset
        self.limits = limits
        self.file = file
        self.findings: list[Finding] = []
        self.control: dict[str, str] = {}
        self.history_dates: dict[str, str] = {}
        self.list_columns: dict[Label, FieldTexts] = {}

    def fail(self, message: str) -> InputFileError:
        return InputFileError(f"{self.file}: {message}",
                              hint="import a CPL workbook as SECAS publishes it (Version Control "
                                   "and Central Products List tabs)")

    def run(self) -> SecasWorkbook:
        number, issued, history = self._version_control()
        entries = self._entries()
        form_top, form_fields = self._form_texts()
        texts = SecasTexts(self.control, form_top, form_fields, self.list_columns,
                           self.history_dates)
        return SecasWorkbook(number, issued, tuple(history), entries, tuple(self.findings),
                             texts)

    def _note(self, message: str, *, entry: int | None = None, cell: str | None = None,
              field: str | None = None, value: str | None = None, sheet: str | None = None,
              code: Code = Code.I01) -> None:
        self.findings.append(make_finding(
            code, message, Location(self.file, entry, sheet, cell, field, value)))

    def _sheet_rows(self, name: str) -> list[list[m.RawValue]]:
        data = self.workbook.sheet(name)
        return list(data.rows)

    def _version_control(self) -> tuple[m.VersionNumber, dt.date, list[m.HistoryLine]]:
        names = [n for n, _, _ in self.workbook.sheets]
        sheet = next((n for n in names if n.strip().lower() == CONTROL_SHEET.lower()), None)
        if sheet is None:
            raise self.fail("no 'Version Control' sheet, so no version number or history")
        rows = self._sheet_rows(sheet)
        label = None
        for row in rows[:20]:
            for value in row:
                if isinstance(value, str) and (match := _LABEL.search(value)):
                    label = match
                    break
            if label:
                break
        if label is None:
            raise self.fail("the Version Control sheet has no label such as 'Version 2.051 "
                            "Issued on 21-09-2022'")
        number = m.VersionNumber.parse(label.group(1))
        try:
            issued = dt.date(int(label.group(4)), int(label.group(3)), int(label.group(2)))
        except ValueError as exc:
            raise self.fail(f"the label's date is not a real date ({label.group(0)})") from exc
        header = next((i for i, row in enumerate(rows)
                       if row and isinstance(row[0], str) and
                       row[0].strip().lower().startswith("version number")), None)
        history: list[m.HistoryLine] = []
        if header is None:
            self._note("the Version Control sheet has no history table", sheet=sheet)
            return number, issued, history
        # the texts above the table, as SECAS wrote them, but for the label: each version
        # writes its own
        self.control = {cell: text for cell, text in _texts(rows[:header + 1])
                        if not _LABEL.search(text)}
        for i, row in enumerate(rows[header + 1:], start=header + 2):
            cells = [*row, "", "", ""][:3]
            if all(c in (None, "") for c in cells):
                continue
            version, date, changes = cells
            if not isinstance(version, str):
                self._note(f"the version number on row {i} is stored as the number "
                           f"{as_text(version)}, which may have lost a trailing zero",
                           cell=f"A{i}", sheet=sheet, value=as_text(version))
            number_text = visible(as_text(version) or "")
            text = changes if isinstance(changes, str) else as_text(changes) or ""
            if _NOT_CARRIED.search(text):
                self._note(f"the history line of version {number_text} holds control "
                           "characters no published file can carry; kept as Excel escapes "
                           f"them: {visible(text)!r}", cell=f"C{i}", sheet=sheet)
            history.append(m.HistoryLine(
                number_text, self._history_date(date, f"B{i}", sheet), visible(text)))
            if isinstance(date, str) and _VERSION.fullmatch(number_text):
                self.history_dates[number_text] = visible(date)  # SECAS wrote text: kept
        return number, issued, history

    def _history_date(self, value: m.RawValue, cell: str, sheet: str) -> str:
        if isinstance(value, dt.datetime):
            return value.date().isoformat()
        if isinstance(value, dt.date):
            return value.isoformat()
        text = visible((as_text(value) or "").strip())
        match = _DATE.fullmatch(text)
        if match:
            try:
                return dt.date(int(match.group(3)), int(match.group(2)),
                               int(match.group(1))).isoformat()
            except ValueError:
                pass
        self._note(f"the date of issue '{text}' is not a date; kept as written", cell=cell,
                   sheet=sheet, value=text)
        return text

    def _entries(self) -> tuple[m.RawEntry, ...]:
        recogniser = Recogniser(self.ruleset, self.limits, self.file)
        chosen = None
        for name, state, _ in self.workbook.sheets:
            if state != "visible":
                continue
            candidate = BufferedSheet(self.workbook.sheet(name))
            if recogniser.classify(candidate) is Layout.CENTRAL_LIST:
                chosen = candidate
                break
        if chosen is None:
            raise self.fail("no Central Products List sheet (header rows 'Data Group', 'Data "
                            "Attribute' in column A)")
        self.list_columns = _list_columns(chosen.head)
        recognised = recogniser.recognise(chosen, Layout.CENTRAL_LIST)
        entries = tuple(recognised.entries)
        self.findings.extend(recognised.findings)
        return entries

    def _form_texts(self) -> tuple[dict[str, str], dict[Label, FieldTexts]]:
        """The New Entry tab's texts above its field rows, by cell, and each field row's
        columns C-F by its labels (A, B); nothing if the workbook has no such tab."""
        name = next((n for n, _, _ in self.workbook.sheets
                     if n.strip().lower() == FORM_SHEET.lower()), None)
        if name is None:
            return {}, {}
        rows = list(itertools.islice(self.workbook.sheet(name).rows, _FORM_ROWS))
        top = dict(_texts(rows[:FORM_HEADER_ROW]))
        fields: dict[Label, FieldTexts] = {}
        for row in rows[FORM_HEADER_ROW:]:
            cells = [visible(c) if isinstance(c, str) else "" for c in [*row, *[""] * 6][:6]]
            if cells[0] and cells[1]:
                fields[cells[0], cells[1]] = FieldTexts(*cells[2:2 + _FORM_TEXT_COLUMNS])
        return top, fields


#: how far down a New Entry tab's field rows may go (SECAS's end at row 39)
_FORM_ROWS = 200


def _texts(rows: list[list[m.RawValue]]) -> list[tuple[str, str]]:
    """(cell, text) of every non-empty text cell of ``rows`` (from row 1)."""
    return [(f"{m.column_letter(column)}{at}", visible(value))
            for at, row in enumerate(rows, start=1)
            for column, value in enumerate(row, start=1)
            if isinstance(value, str) and value]


def _list_columns(head: list[list[m.RawValue]]) -> dict[Label, FieldTexts]:
    """The list's header rows 3-7 of each column, by the column's labels (rows 1-2)."""
    rows = [[*row] for row in head[:len(LIST_HEADER_LABELS)]]
    if len(rows) < len(LIST_HEADER_LABELS):
        return {}
    width = max(len(row) for row in rows)
    table = [[visible(c) if isinstance(c, str) else "" for c in [*row, *[""] * width][:width]]
             for row in rows]
    out: dict[Label, FieldTexts] = {}
    for column in range(1, width):  # column A holds the row labels
        group, attribute, notes, conditionality, source, shape, values = (
            row[column] for row in table)
        if group and attribute:
            out[group, attribute] = FieldTexts(notes, conditionality, shape, values, source)
    return out
