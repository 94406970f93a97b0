"""Reads a CPL workbook as SECAS publishes it: label, history and the raw entries of its list.

The version number and issue date come from the Version Control label ("Version 2.051 Issued on
21-09-2022"), the history from its table, the entries from the Central Products List tab, as raw
values with their cells. What reading notices (a version number stored as a number, a date of
issue that is not a date) is a CPL-I01 finding. It decides nothing about the entries: what an
import keeps, normalises or reports is ``cplkit.app.importing``'s policy.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

from cplkit.core import model as m
from cplkit.core.findings import Finding, Location, make_finding
from cplkit.core.model import Layout, as_text
from cplkit.core.ruleset import Ruleset
from cplkit.core.secas import CONTROL_SHEET
from cplkit.errors import InputFileError
from cplkit.intake.layouts import BufferedSheet, Recogniser
from cplkit.intake.limits import Limits
from cplkit.intake.sheets import Unreadable
from cplkit.intake.xlsx import Workbook

_LABEL = re.compile(r"Version\s+([0-9]+\.[0-9]+)\s+Issued\s+on\s+([0-9]{1,2})-([0-9]{1,2})-"
                    r"([0-9]{4})", re.IGNORECASE)
_DATE = re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})")


@dataclass(frozen=True, slots=True)
class SecasWorkbook:
    """What a SECAS workbook holds, as read."""

    number: m.VersionNumber
    issue_date: dt.date
    history: tuple[m.HistoryLine, ...]
    entries: tuple[m.RawEntry, ...]
    #: what reading noticed: history anomalies and layout findings of the list tab
    findings: tuple[Finding, ...]


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

    def fail(self, message: str) -> InputFileError:
        return InputFileError(f"{self.file}: {message}",
                              hint="import a CPL workbook as SECAS publishes it (Version Control "
                                   "and Central Products List tabs)")

    def run(self) -> SecasWorkbook:
        number, issued, history = self._version_control()
        entries = self._entries()
        return SecasWorkbook(number, issued, tuple(history), entries, tuple(self.findings))

    def _note(self, message: str, *, entry: int | None = None, cell: str | None = None,
              field: str | None = None, value: str | None = None, sheet: str | None = None,
              code: str = "CPL-I01") -> None:
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
        for i, row in enumerate(rows[header + 1:], start=header + 2):
            cells = [*row, "", "", ""][:3]
            if all(c in (None, "") for c in cells):
                continue
            version, date, changes = cells
            if not isinstance(version, str):
                self._note(f"the version number on row {i} is stored as the number "
                           f"{as_text(version)}, which may have lost a trailing zero",
                           cell=f"A{i}", sheet=sheet, value=as_text(version))
            history.append(m.HistoryLine(
                as_text(version) or "", self._history_date(date, f"B{i}", sheet),
                changes if isinstance(changes, str) else as_text(changes) or ""))
        return number, issued, history

    def _history_date(self, value: m.RawValue, cell: str, sheet: str) -> str:
        if isinstance(value, dt.datetime):
            return value.date().isoformat()
        if isinstance(value, dt.date):
            return value.isoformat()
        text = (as_text(value) or "").strip()
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
        recognised = recogniser.recognise(chosen, Layout.CENTRAL_LIST)
        entries = tuple(recognised.entries)
        self.findings.extend(recognised.findings)
        return entries
