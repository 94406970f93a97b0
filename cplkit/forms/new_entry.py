"""Writes SECAS's New Entry form with openpyxl, from the ruleset.

The layout follows SECAS's form (header row "Data Group | Data Attribute | ... | New Entry's
Details", one field per row, entries from column G), with the format, allowed values and the
conditional rules written out by ``cplkit.core.describe``, dropdowns on enumerated fields and
value cells formatted as Text so Excel keeps leading zeros (dates as date cells, shown
dd/mm/yyyy). ``form_rows`` is the tab's content, which the published workbook writes too.
Every value is a string cell, so no text is ever evaluated as a formula. The Notes column says
what each field is and where its value goes (``field_note``, in cplkit's words, from the
ruleset); every cell sits at the top of its row and every row is as tall as its wrapped text, so
nothing overlaps when printed. Reading a filled-in form is ``cplkit.intake``'s job.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from cplkit.core.describe import FieldDescription, describe_fields
from cplkit.core.model import Value, as_text
from cplkit.core.ruleset import FieldKind, FieldSpec, Ruleset
from cplkit.core.secas import (
    CSV_COLUMNS,
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

#: what the fields of each data group are, in cplkit's words (a group the ruleset adds later
#: gets only where its values go)
GROUP_NOTES: Mapping[str, str] = {
    "Entry": "SECAS's own record of the entry.",
    "Device_Type": "The SEC Physical Device Type of the device model: it decides which "
                   "certificates and contacts the entry needs.",
    "Device_Model": "Identifies the device model and its firmware as the OTA header of its "
                    "firmware image does, in hex.",
    "SMETS_CHTS Version": "The version of SMETS (or CHTS, for a communications hub) the "
                          "assurance certificates were issued against.",
    "GBCS Version": "The GBCS version that goes with the SMETS or CHTS version; the pair must "
                    "be one the SEC allows for the device type.",
    "CPA_Certificate": "The NCSC Commercial Product Assurance certificate of the device model.",
    "DLMS_Certificate": "The DLMS certificate of an electricity meter.",
    "ZSE_Certificate": "The ZigBee Smart Energy certificate of the device model.",
    "Manufacturer_Image": "The manufacturer image of the firmware, if the manufacturer gives "
                          "one.",
    "Contact-CPA": "Who SECAS may contact about the CPA certificate.",
    "Manufacturer Contact FIR": "Who to contact about the firmware.",
    "FIR Release Notes": "What the firmware release changes, or a public web page that says "
                         "so.",
}


def field_note(ruleset: Ruleset, spec: FieldSpec) -> str:
    """The Notes column of a field: what it is and where its value goes, from the ruleset."""
    parts = [GROUP_NOTES.get(spec.group, "")]
    if spec.allocated_by_secas:
        parts.append("SECAS fills it in when the entry is added.")
    if spec.extension:
        parts.append("cplkit's own field, not on SECAS's form: it names the product in the "
                     "version's history line.")
    elif spec.published and spec.name in CSV_COLUMNS:
        parts.append("Published on the CPL and sent to the DCC, which checks devices and "
                     "firmware updates against it.")
    elif spec.published:
        parts.append("Published on the CPL (the DCC's file leaves it out).")
    elif spec.name in _fir_fields(ruleset):
        parts.append("Not on the CPL: published on the Firmware Information Repository (FIR).")
    else:
        parts.append("Not on the CPL: for SECAS only.")
    if spec.enumeration is not None and not spec.allocated_by_secas:
        parts.append("Pick it from the list.")
    return " ".join(p for p in parts if p)


def _fir_fields(ruleset: Ruleset) -> frozenset[str]:
    group = ruleset.groups.get("FIR contact")
    return frozenset(group.all_fields) if group else frozenset()


def form_rows(ruleset: Ruleset) -> list[tuple[FieldDescription, list[str]]]:
    """Each field with its row of the form, columns A-G (C: what the field is, G: SECAS's
    placeholder or empty)."""
    return [(d, [d.group, d.attribute, field_note(ruleset, d.spec), d.conditionality,
                 d.format, "\n".join(d.allowed),
                 SECAS_PLACEHOLDER if d.spec.allocated_by_secas else ""])
            for d in describe_fields(ruleset)]


#: the template's columns A-F, in characters, and the height of a line of its text (points)
TEMPLATE_WIDTHS = (22, 30, 40, 50, 40, 40)
LINE_HEIGHT = 15.0


def row_height(texts: Sequence[str], widths: Sequence[float]) -> float:
    """The height of a row whose wrapped cells, ``widths`` characters wide, hold ``texts``:
    the tallest cell's lines, so no text runs into the row below when printed. A character per
    unit of width leaves room for the words wrapping leaves at each line's end."""
    lines = 1
    for text, width in zip(texts, widths, strict=False):
        paragraphs = text.replace("\r\n", "\n").replace("\r", "\n").strip("\n").split("\n")
        lines = max(lines, sum(max(1, -(-len(p) // max(1, int(width)))) for p in paragraphs))
    return lines * LINE_HEIGHT


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
    top = Alignment(vertical="top")
    for col in range(1, len(FORM_HEADER) + 1):
        ws.cell(FORM_HEADER_ROW, col).alignment = wrap
    columns = max(ENTRY_COLUMNS, len(entries))
    for row, (description, texts) in enumerate(form_rows(ruleset), start=FORM_HEADER_ROW + 1):
        spec = description.spec
        # every cell at the top of its row: a label beside the first line of what it names
        ws.cell(row, 1, texts[0]).alignment = top
        ws.cell(row, 2, texts[1]).alignment = top
        for col in (3, 4, 5, 6):
            ws.cell(row, col, texts[col - 1]).alignment = wrap
        ws.row_dimensions[row].height = row_height(texts[:6], TEMPLATE_WIDTHS)
        for index in range(columns):
            cell = ws.cell(row, FORM_VALUE_COLUMN + index)
            # a date cell for a date, so Excel keeps it a date; Text for the rest, so Excel
            # keeps leading zeros and never reads hex as a number
            cell.number_format = DATE_FORMAT if spec.kind is FieldKind.DATE else TEXT_FORMAT
            cell.alignment = wrap
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
    for letter, width in zip("ABCDEFG", (*TEMPLATE_WIDTHS, 44), strict=True):
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
