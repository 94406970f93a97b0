"""Reads a CPL workbook as SECAS publishes it into one ``CplVersion``, losing nothing.

The version number and issue date come from the Version Control label ("Version 2.051 Issued on
21-09-2022"), the history from its table, the entries from the Central Products List tab. Every
entry is normalised and checked with the ruleset as of the issue date. Nothing SECAS issued is
refused: a value no rule accepts is kept as SECAS wrote it and reported (CPL-I01), beside what
``cplkit check`` would say of it. Numbers never used are reported too (CPL-I02). Storage is
elsewhere.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

from cplkit.core import model as m
from cplkit.core.findings import Finding, make_finding, sort_key
from cplkit.core.normalise import render
from cplkit.core.ruleset import Ruleset
from cplkit.core.validate import Validator
from cplkit.errors import InputFileError
from cplkit.io.layouts import CENTRAL_LIST, BufferedSheet, Recogniser
from cplkit.io.limits import Limits
from cplkit.io.sheets import Unreadable
from cplkit.io.xlsx import Workbook

_LABEL = re.compile(r"Version\s+([0-9]+\.[0-9]+)\s+Issued\s+on\s+([0-9]{1,2})-([0-9]{1,2})-"
                    r"([0-9]{4})", re.IGNORECASE)
_DATE = re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})")


@dataclass(frozen=True, slots=True)
class Imported:
    version: m.CplVersion
    findings: tuple[Finding, ...]


def read_secas_workbook(path: Path, ruleset: Ruleset, limits: Limits, *,
                        file: str) -> Imported:
    try:
        workbook = Workbook(path, limits)
    except Unreadable as exc:
        raise InputFileError(f"{file}: {exc.message}", hint=exc.hint) from exc
    try:
        return _Import(workbook, ruleset, limits, file).run()
    except Unreadable as exc:
        raise InputFileError(f"{file}: {exc.message}", hint=exc.hint) from exc
    finally:
        workbook.close()


class _Import:
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

    def run(self) -> Imported:
        number, issued, history = self._version_control()
        entries = self._entries(issued)
        changes = ""
        prior = []
        for line in history:
            if line.version == str(number):
                changes = line.changes
                if line.date != issued.isoformat():
                    self._note(f"the history dates version {number} {line.date}, the label "
                               f"{issued.isoformat()}; the label's date is used")
            else:
                prior.append(line)
        if history and history[-1].version != str(number):
            self._note(f"the label names version {number} but the last history row is "
                       f"{history[-1].version}")
        version = m.CplVersion(number, issued, tuple(entries), changes, tuple(prior))
        self.findings.sort(key=sort_key)
        return Imported(version, tuple(self.findings))

    def _note(self, message: str, *, entry: int | None = None, cell: str | None = None,
              field: str | None = None, value: str | None = None, sheet: str | None = None,
              code: str = "CPL-I01") -> None:
        self.findings.append(make_finding(code, message, file=self.file, entry=entry,
                                          sheet=sheet, cell=cell, field=field, value=value))

    def _sheet_rows(self, name: str) -> list[list[m.RawValue]]:
        data = self.workbook.sheet(name)
        return list(data.rows)

    def _version_control(self) -> tuple[m.VersionNumber, dt.date, list[m.HistoryLine]]:
        names = [n for n, _, _ in self.workbook.sheets]
        sheet = next((n for n in names if n.strip().lower() == "version control"), None)
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
                           f"{render(version)}, which may have lost a trailing zero",
                           cell=f"A{i}", sheet=sheet, value=render(version))
            history.append(m.HistoryLine(
                render(version) or "", self._history_date(date, f"B{i}", sheet),
                changes if isinstance(changes, str) else render(changes) or ""))
        return number, issued, history

    def _history_date(self, value: m.RawValue, cell: str, sheet: str) -> str:
        if isinstance(value, dt.datetime):
            return value.date().isoformat()
        if isinstance(value, dt.date):
            return value.isoformat()
        text = (render(value) or "").strip()
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

    def _entries(self, issued: dt.date) -> list[m.Entry]:
        recogniser = Recogniser(self.ruleset, self.limits, self.file)
        chosen = None
        for name, state, _ in self.workbook.sheets:
            if state != "visible":
                continue
            candidate = BufferedSheet(self.workbook.sheet(name))
            if recogniser.classify(candidate) == CENTRAL_LIST:
                chosen = candidate
                break
        if chosen is None:
            raise self.fail("no Central Products List sheet (header rows 'Data Group', 'Data "
                            "Attribute' in column A)")
        recognised = recogniser.recognise(chosen, CENTRAL_LIST)
        validator = Validator(self.ruleset, issued, self.file)
        entries: list[m.Entry] = []
        numbers: dict[str, int] = {}
        for raw in recognised.entries:
            checked = validator.check(raw)
            self.findings.extend(checked.findings)
            values = dict(checked.entry.values)
            for name in m.PUBLISHED_FIELDS:
                raw_value = raw.values.get(name)
                if name in values or raw_value is None or raw_value == "":
                    continue
                kept = self._kept(name, raw_value)
                if kept:
                    values[name] = kept
                    self._note(f"{name}: kept as '{kept}'", entry=raw.index,
                               cell=raw.cell(name), field=name, value=render(raw_value),
                               sheet=raw.placement.sheet)
            number = values.get(m.ENTRY_NUMBER)
            if not isinstance(number, str) or not number.isdigit():
                raise self.fail(f"the entry on row {raw.at} has no usable entry number")
            if number in numbers:
                raise self.fail(f"entry number {number} is on rows {numbers[number]} and "
                                f"{raw.at}")
            numbers[number] = raw.at
            entries.append(m.Entry.of(values))
        self.findings.extend(recognised.findings)
        used = sorted(int(n) for n in numbers)
        gaps = sorted(set(range(1, used[-1] + 1)) - set(used)) if used else []
        if gaps:
            self._note(f"{len(gaps)} entry number(s) are not on the list: "
                       + ", ".join(f"{g:06d}" for g in gaps), code="CPL-I02")
        return entries

    def _kept(self, name: str, raw: m.RawValue) -> str | None:
        """The value SECAS issued, in the best form that loses nothing."""
        spec = self.ruleset.fields[name]
        if spec.kind in ("hex", "entry_number") and isinstance(raw, int | float) and \
                not isinstance(raw, bool) and float(raw).is_integer():
            # Excel turned typed digits into a number; the field's width says how many there were
            digits = str(int(raw))
            width = 6 if spec.kind == "entry_number" else 2 * (spec.octets or 1)
            if len(digits) <= width:
                padded = digits.zfill(width)
                if spec.kind == "entry_number":
                    return padded
                return ":".join(padded[i:i + 2] for i in range(0, width, 2))
        text = render(raw)
        return text.strip() if text else None
