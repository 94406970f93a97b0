"""The New Entry form cplkit writes (``cplkit.forms.new_entry``), read back with openpyxl:
SECAS's layout, each value a string cell (never a formula), dates as dates, SECAS's own cells
marked, and a dropdown on every field with a short list of values."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import openpyxl

from cplkit.app.check import check_file
from cplkit.core import model as m
from cplkit.core.secas import (
    FORM_HEADER_ROW,
    FORM_SHEET,
    FORM_VALUE_COLUMN,
    SECAS_PLACEHOLDER,
)
from cplkit.forms.new_entry import write_new_entry_form
from tests.conftest import AS_OF
from tests.core.entries import valid_gas


def _field_rows(sheet: Any) -> int:
    """How many rows below the header name a field's attribute (column B)."""
    return sum(1 for r in range(FORM_HEADER_ROW + 1, sheet.max_row + 1)
               if sheet.cell(r, 2).value)


def test_a_filled_form_reads_back_as_the_entry_it_was_given(tmp_path: Path,
                                                            ruleset: Any) -> None:
    path = tmp_path / "form.xlsx"
    write_new_entry_form(path, ruleset, [valid_gas()])
    report = check_file(path, ruleset, AS_OF)
    assert (report.layout, report.entries, report.errors) == ("new-entry-form", 1, 0)


def test_values_are_strings_and_dates_are_dates(tmp_path: Path, ruleset: Any) -> None:
    path = tmp_path / "form.xlsx"
    values = {**valid_gas(), m.IMAGE_CREATOR: "=HYPERLINK(\"http://x\")",
              m.FIRMWARE_VERSION: "00:01:02:03", m.CPA_EXPIRY: dt.date(2030, 8, 30)}
    write_new_entry_form(path, ruleset, [values])
    sheet = openpyxl.load_workbook(path)[FORM_SHEET]
    column = FORM_VALUE_COLUMN
    cells = [sheet.cell(r, column) for r in range(FORM_HEADER_ROW + 1, sheet.max_row + 1)]
    creator = next(c for c in cells if c.value == values[m.IMAGE_CREATOR])
    assert creator.data_type == "s"  # kept as text, never evaluated
    assert any(c.value == "00:01:02:03" and c.number_format == "@" for c in cells)
    assert any(c.value == dt.datetime(2030, 8, 30) and c.number_format == "dd/mm/yyyy"
               for c in cells)
    assert any(c.value == SECAS_PLACEHOLDER for c in cells)  # Entry.number: SECAS's


def test_a_blank_form_has_dropdowns_and_secas_cells_marked(tmp_path: Path,
                                                           ruleset: Any) -> None:
    path = tmp_path / "form.xlsx"
    write_new_entry_form(path, ruleset)
    sheet = openpyxl.load_workbook(path)[FORM_SHEET]
    assert sheet.cell(FORM_HEADER_ROW, FORM_VALUE_COLUMN).value == "New Entry's Details"
    lists = [v for v in sheet.data_validations.dataValidation if v.type == "list"]
    device_types = next(v for v in lists if "Gas Smart Meter" in (v.formula1 or ""))
    assert device_types.errorStyle == "stop" and device_types.showErrorMessage
    assert sum(1 for r in range(FORM_HEADER_ROW + 1, sheet.max_row + 1)
               if sheet.cell(r, FORM_VALUE_COLUMN).value == SECAS_PLACEHOLDER) >= 1
    assert _field_rows(sheet) == len(ruleset.fields)  # one row per field
