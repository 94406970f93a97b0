"""Writes SECAS's New Entry form with openpyxl, from the ruleset.

The layout follows SECAS's form (header row "Data Group | Data Attribute | ... | New Entry's
Details", one field per row, entries from column G), with the format, allowed values and the
conditional rules written out by ``cplkit.core.describe``, dropdowns on enumerated fields and
value cells formatted as Text so Excel keeps leading zeros (dates as date cells, shown
dd/mm/yyyy). ``form_rows`` is the tab's content, which the published workbook writes too.
Every value is a string cell, so no text is ever evaluated as a formula. Reading a filled-in
form is ``cplkit.intake``'s job.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from cplkit.core.describe import FieldDescription, describe_fields
from cplkit.core.model import Value, as_text
from cplkit.core.ruleset import Ruleset
from cplkit.core.secas import (
    FORM_HEADER,
    FORM_HEADER_ROW,
    FORM_SHEET,
    FORM_VALUE_COLUMN,
    SECAS_PLACEHOLDER,
)
from cplkit.forms.cells import DATE_FORMAT, TEXT_FORMAT, date_cell, save, string_cell

FORM_TITLE = "Central Products List - New Entry Form"
#: entry columns a blank form is ready for (G onwards): dropdowns, input messages, Text format
ENTRY_COLUMNS = 20

EntryValues = Mapping[str, Value | None]


def form_rows(ruleset: Ruleset) -> list[tuple[FieldDescription, list[str]]]:
    """Each field with its row of the form, columns A-G (G: SECAS's placeholder or empty)."""
    return [(d, [d.group, d.attribute, "", d.conditionality, d.format, "\n".join(d.allowed),
                 SECAS_PLACEHOLDER if d.spec.allocated_by_secas else ""])
            for d in describe_fields(ruleset)]


def write_new_entry_form(path: Path, ruleset: Ruleset,
                         entries: Sequence[EntryValues] = ()) -> None:
    """Write the New Entry form with ``entries`` filled in from column G (blank if none)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = FORM_SHEET
    ws["A1"] = FORM_TITLE
    ws["A1"].font = Font(bold=True, size=14)
    ws["A3"] = ("One Device Model and firmware version per column, from column G. Fill in the "
                "green cells; grey cells are allocated by SECAS.")
    ws["A4"] = f"Made by cplkit from ruleset '{ruleset.id}'. Check it with: cplkit check FILE"
    bold = Font(bold=True)
    for col, text in enumerate(FORM_HEADER, start=1):
        ws.cell(FORM_HEADER_ROW, col, text).font = bold
    fill = PatternFill("solid", fgColor="E2F0D9")
    grey = PatternFill("solid", fgColor="D9D9D9")
    wrap = Alignment(wrap_text=True, vertical="top")
    columns = max(ENTRY_COLUMNS, len(entries))
    for row, (description, texts) in enumerate(form_rows(ruleset), start=FORM_HEADER_ROW + 1):
        spec = description.spec
        ws.cell(row, 1, texts[0])
        ws.cell(row, 2, texts[1])
        for col in (4, 5, 6):  # C (Notes) stays empty
            ws.cell(row, col, texts[col - 1]).alignment = wrap
        for index in range(columns):
            cell = ws.cell(row, FORM_VALUE_COLUMN + index)
            # a date cell for a date, so Excel keeps it a date; Text for the rest, so Excel
            # keeps leading zeros and never reads hex as a number
            cell.number_format = DATE_FORMAT if spec.kind == "date" else TEXT_FORMAT
            if spec.allocated_by_secas:
                if index < max(1, len(entries)):  # beyond, a column holds no entry yet
                    cell.value = SECAS_PLACEHOLDER
                cell.fill = grey
                continue
            cell.fill = fill
            if index < len(entries):
                given = entries[index].get(spec.name)
                if isinstance(given, dt.date):
                    date_cell(cell, given)
                elif given:
                    string_cell(cell, as_text(given) or "")
    for rule in form_rules(ruleset, columns):
        ws.add_data_validation(rule)
    for letter, width in zip("ABCDEFG", (22, 30, 4, 50, 40, 40, 44), strict=True):
        ws.column_dimensions[letter].width = width
    for index in range(1, columns):
        ws.column_dimensions[get_column_letter(FORM_VALUE_COLUMN + index)].width = 44
    ws.freeze_panes = ws.cell(FORM_HEADER_ROW + 1, FORM_VALUE_COLUMN)
    save(wb, path)


def form_rules(ruleset: Ruleset, columns: int = ENTRY_COLUMNS) -> list[Any]:
    """The data validations of the form's value cells, one per field row across ``columns``
    entry columns from G: what both the template and a published workbook's New Entry tab
    carry."""
    from openpyxl.utils import get_column_letter

    last = get_column_letter(FORM_VALUE_COLUMN + columns - 1)
    first = get_column_letter(FORM_VALUE_COLUMN)
    rules = []
    for row, (description, _) in enumerate(form_rows(ruleset), start=FORM_HEADER_ROW + 1):
        rule = input_rule(description, f"{first}{row}:{last}{row}")
        if rule is not None:
            rules.append(rule)
    return rules


def input_rule(description: FieldDescription, sqref: str) -> Any | None:
    """The data validation of a field's value cells: a dropdown that refuses any other value
    (Excel's "stop" error) where the field has a short enough list, otherwise an input message
    with the format; none for a field SECAS fills. Both show their message when a cell is
    selected."""
    from openpyxl.worksheet.datavalidation import DataValidation

    values = description.allowed
    if description.spec.allocated_by_secas:
        return None
    if values and len(",".join(values)) <= 255:
        dv = DataValidation(type="list", formula1='"' + ",".join(values) + '"',
                            allow_blank=True, showDropDown=False, showErrorMessage=True,
                            errorStyle="stop")
        dv.errorTitle = "Not a value the CPL accepts"[:32]
        dv.error = ("Pick one of the listed values: " + ", ".join(values))[:255]
    else:
        # any text may be typed here (cplkit check judges it); the cell shows the format
        dv = DataValidation(type="custom", formula1="TRUE", allow_blank=True,
                            showErrorMessage=False)
    dv.showInputMessage = True
    dv.promptTitle = description.attribute[:32]
    dv.prompt = description.format[:255]
    dv.add(sqref)
    return dv
