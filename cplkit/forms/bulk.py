"""Writes one-entry-per-row bulk submissions: canonical field names as headers, as .xlsx or .csv.

A blank template gets a dropdown or input message on every column (rows 2 to 1,000), from the
same field descriptions as the New Entry form. Every cell is Text-formatted and stored as a
string, so Excel keeps leading zeros and never evaluates a value.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from cplkit.base.files import replacing
from cplkit.core.describe import describe_fields
from cplkit.core.model import as_text
from cplkit.core.ruleset import Ruleset
from cplkit.core.secas import BULK_SHEET
from cplkit.forms.cells import save
from cplkit.forms.new_entry import TEXT_FORMAT, EntryValues, input_rule


def bulk_fields(ruleset: Ruleset, *, include_contacts: bool = False) -> list[str]:
    """The columns of a bulk submission: the published fields a submitter fills, in ruleset
    order. Contact columns are recognised too, but repeating one manufacturer's contacts on
    every row of a bulk load helps nobody, so they are left out unless asked for."""
    return [s.name for s in ruleset.fields.values()
            if not s.allocated_by_secas and (include_contacts or s.published)]


def write_bulk_table(path: Path, ruleset: Ruleset, entries: Sequence[EntryValues],
                     fields: Sequence[str] | None = None) -> None:
    """Write a one-entry-per-row table with canonical headers, as .xlsx or (by suffix) .csv."""
    columns = list(fields) if fields is not None else bulk_fields(ruleset)
    rows = [[as_text(e.get(f)) or "" for f in columns] for e in entries]
    if path.suffix.lower() == ".csv":
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

    def text_cells(values: Sequence[str]) -> list[Any]:
        cells = []
        for value in values:
            cell = WriteOnlyCell(ws, value=value or None)
            cell.data_type = "s"  # never a formula, whatever the text starts with
            cell.number_format = TEXT_FORMAT
            cells.append(cell)
        return cells

    ws.append(text_cells(columns))
    for values in rows:
        ws.append(text_cells(values))
    if not rows:
        _dropdowns(ws, ruleset, columns)
    save(wb, path)


def _dropdowns(ws: Any, ruleset: Ruleset, columns: Sequence[str]) -> None:
    """A blank bulk template: a dropdown or input message on every column, rows 2 to 1,000."""
    from openpyxl.utils import get_column_letter

    described = {d.spec.name: d for d in describe_fields(ruleset)}
    for index, name in enumerate(columns, start=1):
        description = described.get(name)
        if description is None:
            continue
        letter = get_column_letter(index)
        rule = input_rule(description, f"{letter}2:{letter}1000")
        if rule is not None:
            ws.data_validations.append(rule)  # a write-only sheet takes them through this list
