"""Writes one-entry-per-row bulk submissions: canonical field names as headers, as .xlsx or .csv.

A blank template gets a dropdown or input message on every column (rows 2 to 10,001), from the
same field descriptions as the New Entry form, and every column's own format is Text (dates:
dd/mm/yyyy), so what is typed into any row keeps its leading zeros. Every cell written is
stored as a string, so Excel never evaluates a value; a date is a date cell.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from cplkit.base.files import replacing
from cplkit.core.describe import describe_fields
from cplkit.core.model import as_text
from cplkit.core.ruleset import FieldKind, Ruleset
from cplkit.core.secas import BULK_SHEET
from cplkit.forms.cells import DATE_FORMAT, TEXT_FORMAT, save
from cplkit.forms.new_entry import EntryValues, input_rule


def bulk_fields(ruleset: Ruleset) -> list[str]:
    """The columns of a bulk submission: every field a submitter fills on the New Entry form,
    contacts and FIR included, in ruleset order, so a bulk file is held to the form's rules."""
    return [s.name for s in ruleset.fields.values() if not s.allocated_by_secas]


def write_bulk_table(path: Path, ruleset: Ruleset, entries: Sequence[EntryValues],
                     fields: Sequence[str] | None = None) -> None:
    """Write a one-entry-per-row table with canonical headers, as .xlsx or (by suffix) .csv."""
    columns = list(fields) if fields is not None else bulk_fields(ruleset)
    if path.suffix.lower() == ".csv":
        rows = [[as_text(e.get(f)) or "" for f in columns] for e in entries]
        with replacing(path) as temporary, temporary.open("w", encoding="utf-8",
                                                            newline="") as stream:
            writer = csv.writer(stream)
            writer.writerow(columns)
            writer.writerows(rows)
        return
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    wb = Workbook(write_only=True)
    ws: Any = wb.create_sheet(BULK_SHEET)

    dates = {f for f in columns if f in ruleset.fields and ruleset.fields[f].kind is FieldKind.DATE}

    def cells(values: Sequence[tuple[str, Any]]) -> list[Any]:
        out = []
        for field, value in values:
            if isinstance(value, dt.date):
                cell = WriteOnlyCell(ws, value=value)
                cell.number_format = DATE_FORMAT
            else:
                cell = WriteOnlyCell(ws, value=as_text(value) or None)
                cell.data_type = "s"  # never a formula, whatever the text starts with
                cell.number_format = DATE_FORMAT if field in dates else TEXT_FORMAT
            out.append(cell)
        return out

    _column_formats(ws, columns, dates)  # before the first row: a write-only sheet needs that
    ws.append(cells([(f, f) for f in columns]))
    for entry in entries:
        ws.append(cells([(f, entry.get(f)) for f in columns]))
    if not entries:
        _dropdowns(ws, ruleset, columns)
    save(wb, path)


#: rows of a blank bulk template that carry a dropdown or input message (after the header)
TEMPLATE_ROWS = 10_000


def _column_formats(ws: Any, columns: Sequence[str], dates: set[str]) -> None:
    """Each column's own number format, which Excel and LibreOffice give every cell typed
    into it: Text (so 00 stays 00 and 1E10 stays 1E10), or a date."""
    from openpyxl.utils import get_column_letter

    for index, name in enumerate(columns, start=1):
        dimension = ws.column_dimensions[get_column_letter(index)]
        dimension.number_format = DATE_FORMAT if name in dates else TEXT_FORMAT
        dimension.width = 24


def _dropdowns(ws: Any, ruleset: Ruleset, columns: Sequence[str]) -> None:
    """A blank bulk template: a dropdown or input message on every column, from row 2."""
    from openpyxl.utils import get_column_letter

    described = {d.spec.name: d for d in describe_fields(ruleset)}
    for index, name in enumerate(columns, start=1):
        description = described.get(name)
        if description is None:
            continue
        letter = get_column_letter(index)
        rule = input_rule(description, f"{letter}2:{letter}{TEMPLATE_ROWS + 1}")
        if rule is not None:
            ws.data_validations.append(rule)  # a write-only sheet takes them through this list
