"""Layouts are recognised by content: labels, not fixed rows or columns, and not file names."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from cplkit.app.check import check_file
from cplkit.core import model as m
from cplkit.core.findings import FileReport
from cplkit.core.ruleset import Ruleset
from cplkit.errors import NotFound
from cplkit.forms.bulk import write_bulk_table
from cplkit.forms.new_entry import write_new_entry_form
from tests.conftest import AS_OF, SAMPLES
from tests.core.entries import valid_gas
from tests.intake.workbooks import SHEET_CLOSE, SHEET_OPEN, inline_cell, table_sheet, write_workbook


def cells(report: FileReport) -> list[tuple[str, str | None]]:
    return sorted((f.code, f.cell) for f in report.findings)


def form(tmp_path: Path, ruleset: Ruleset, *entries: dict[str, Any]) -> Path:
    path = tmp_path / "form.xlsx"
    write_new_entry_form(path, ruleset, list(entries) or [valid_gas()])
    return path


def test_form_fields_are_found_by_their_labels_wherever_the_rows_are(
        tmp_path: Path, ruleset: Ruleset) -> None:
    path = form(tmp_path, ruleset, {**valid_gas(), m.FIRMWARE_VERSION: "bad"})
    wb = load_workbook(path)
    ws = wb.active
    ws.insert_rows(1, 3)  # a longer title block
    ws.move_range("A24:G26", rows=20)  # manufacturer image rows moved to the end
    wb.save(path)
    report = check_file(path, ruleset, AS_OF)
    assert report.layout == "new-entry-form"
    assert cells(report) == [("CPL-V03", "G17")]


def test_form_reads_one_entry_per_filled_column(tmp_path: Path, ruleset: Ruleset) -> None:
    second = {**valid_gas(), m.MODEL_ID: "20:99", m.FIRMWARE_VERSION: "zz"}
    report = check_file(form(tmp_path, ruleset, valid_gas(), second), ruleset, AS_OF)
    assert report.entries == 2
    assert [(f.entry, f.cell) for f in report.findings] == [(2, "H14")]


def test_hidden_form_row_is_reported_not_read(tmp_path: Path, ruleset: Ruleset) -> None:
    path = form(tmp_path, ruleset, {**valid_gas(), m.DLMS_ID: "bad id !!!!!!"})
    wb = load_workbook(path)
    wb.active.row_dimensions[20].hidden = True
    wb.save(path)
    assert cells(check_file(path, ruleset, AS_OF)) == [("CPL-F06", "B20")]


def test_table_starting_away_from_a1(tmp_path: Path, ruleset: Ruleset) -> None:
    header = [m.DEVICE_TYPE, m.MANUFACTURER_ID, m.MODEL_ID, m.FIRMWARE_VERSION]
    sheet = [SHEET_OPEN]
    for r, row in ((3, header), (4, ["Gas Smart Meter", "12:3E", "20:01", "01:02:03"])):
        sheet.append(f'<row r="{r}">'.encode() + b"".join(
            inline_cell(f"{chr(67 + i)}{r}", v) for i, v in enumerate(row)) + b"</row>")
    sheet.append(SHEET_CLOSE)
    path = write_workbook(tmp_path / "offset.xlsx", b"".join(sheet))
    report = check_file(path, ruleset, AS_OF)
    assert report.layout == "table" and report.entries == 1
    v03 = [f for f in report.findings if f.code == "CPL-V03"]
    assert [(f.cell, f.field) for f in v03] == [("F4", m.FIRMWARE_VERSION)]


def test_formula_without_value_after_the_last_row(tmp_path: Path, ruleset: Ruleset) -> None:
    sheet = table_sheet([[m.DEVICE_TYPE, m.MANUFACTURER_ID, m.MODEL_ID],
                         ["Gas Smart Meter", "12:3E", "20:01"]]).replace(
        SHEET_CLOSE, b'<row r="3"><c r="A3"><f>A2</f></c></row>' + SHEET_CLOSE)
    report = check_file(write_workbook(tmp_path / "f.xlsx", sheet), ruleset, AS_OF)
    assert report.entries == 2
    assert ("CPL-V08", "A3") in cells(report)


def test_csv_with_semicolons_in_windows_encoding(tmp_path: Path, ruleset: Ruleset) -> None:
    path = tmp_path / "export.csv"
    rows = [[m.DEVICE_TYPE, m.MANUFACTURER_ID, m.MODEL_ID, m.IMAGE_CREATOR],
            ["Gas Smart Meter", "12:3E", "20:01", "Compteurs Électriques"]]
    path.write_bytes("\r\n".join(";".join(r) for r in rows).encode("cp1252"))
    report = check_file(path, ruleset, AS_OF)
    assert report.layout == "table" and report.entries == 1
    assert not [f for f in report.findings if f.code in ("CPL-F05", "CPL-V03")]


def test_unknown_and_derived_columns(tmp_path: Path, ruleset: Ruleset) -> None:
    path = tmp_path / "extract.csv"
    path.write_text("Version,Device_Type.name,Device_Model.colour,Device_Model.model_identifier,"
                    "Device_Model.manufacturer_identifier\n"
                    "Version 2.051 Issued on 21-09-2022,Gas Smart Meter,blue,20:01,12:3E\n")
    f05 = [f for f in check_file(path, ruleset, AS_OF).findings if f.code == "CPL-F05"]
    assert [(f.cell, f.value) for f in f05] == [("C1", "Device_Model.colour")]


def test_hidden_column_in_a_table(tmp_path: Path, ruleset: Ruleset) -> None:
    path = tmp_path / "bulk.xlsx"
    write_bulk_table(path, ruleset, [valid_gas()])
    wb = load_workbook(path)
    wb.active.column_dimensions["N"].hidden = True
    wb.save(path)
    report = check_file(path, ruleset, AS_OF)
    assert cells(report) == [("CPL-F06", "N1")]


def test_empty_rows_do_not_count_as_entries(tmp_path: Path, ruleset: Ruleset) -> None:
    path = tmp_path / "gaps.csv"
    path.write_text("Device_Type.name,Device_Model.manufacturer_identifier,"
                    "Device_Model.model_identifier\n\n,,\nGas Smart Meter,12:3E,20:01\n\n")
    report = check_file(path, ruleset, AS_OF)
    assert report.entries == 1
    assert all(f.cell.endswith("4") for f in report.findings if f.cell)


def test_central_products_list_layout(tmp_path: Path, ruleset: Ruleset) -> None:
    groups = ["Data Group"] + [f.split(".", 1)[0] for f in m.PUBLISHED_FIELDS]
    attributes = ["Data Attribute"] + [f.split(".", 1)[1] for f in m.PUBLISHED_FIELDS]
    gas = {k: v for k, v in valid_gas().items() if k in m.PUBLISHED_FIELDS}
    gas.update({m.ENTRY_NUMBER: "000733", m.ENTRY_STATUS: "Current", m.MODEL_ID: "FF:FF"})
    rows = [groups, attributes, ["Notes"], ["Format"],
            [""] + [str(gas.get(f) or "") for f in m.PUBLISHED_FIELDS]]
    report = check_file(write_workbook(tmp_path / "cpl.xlsx", table_sheet(rows)), ruleset, AS_OF)
    assert report.layout == "central-products-list"
    assert cells(report) == [("CPL-V04", "F5")]


@pytest.mark.parametrize(("filled", "chosen"), [(False, "table"), (True, "new-entry-form")])
def test_sheet_is_picked_by_content(tmp_path: Path, ruleset: Ruleset, filled: bool,
                                    chosen: str) -> None:
    path = tmp_path / "both.xlsx"
    write_new_entry_form(path, ruleset, [valid_gas()] if filled else [])
    bulk = tmp_path / "bulk.xlsx"
    write_bulk_table(bulk, ruleset, [valid_gas()])
    wb, table = load_workbook(path), load_workbook(bulk).active
    sheet = wb.create_sheet("Bulk")
    for row in table.iter_rows(values_only=True):
        sheet.append(list(row))
    wb.save(path)
    assert check_file(path, ruleset, AS_OF).layout == chosen
    assert check_file(path, ruleset, AS_OF, sheet="Bulk").layout == "table"


def test_unknown_sheet_name_is_a_usage_error(ruleset: Ruleset) -> None:
    # the file is fine and the option is wrong: exit 2 naming the sheets there are
    with pytest.raises(NotFound, match="no sheet named 'Nope'") as raised:
        check_file(SAMPLES / "valid" / "form-ppmid.xlsx", ruleset, AS_OF, sheet="Nope")
    assert raised.value.exit_code == 2
    assert "CPL - New Entry" in (raised.value.hint or "")


def test_csv_without_field_names(tmp_path: Path, ruleset: Ruleset) -> None:
    path = tmp_path / "numbers.csv"
    path.write_text("a,b,c\n1,2,3\n")
    report = check_file(path, ruleset, AS_OF)
    assert [f.code for f in report.findings] == ["CPL-F03"]
    assert report.unreadable


@pytest.mark.parametrize("columns", [[], [2], [0, 3], [3, 0, 1]])
def test_a_row_walk_takes_the_layouts_cells_as_a_tuple_in_layout_order(columns: list[int]) -> None:
    from cplkit.intake.layouts import _picker

    row: list[m.RawValue] = ["a", None, 3.0, "d"]
    assert _picker(columns)(row) == tuple(row[c] for c in columns)


def _relabel(path: Path, cell: str, text: str | None) -> None:
    wb = load_workbook(path)
    wb.active[cell] = text
    wb.save(path)


@pytest.mark.parametrize(("cell", "text"), [
    ("A9", "device_type"),            # another case: SECAS's regular expression is case-sensitive
    ("B9", "Name"),
    ("B9", "name "),                  # a trailing space: '^name$' does not match
    ("A15", "SMETS/CHTS  Version"),   # two spaces
    ("A11", None),  # the group carried down from the row above: the macro reads its own row's
])
def test_a_label_secas_check_would_not_find_is_f04_naming_the_label_to_write(
        tmp_path: Path, ruleset: Ruleset, cell: str, text: str | None) -> None:
    """FindRangeWithTextH (Sheet1 module) finds a row by its labels case-sensitively, and a label
    it does not find makes it read the field as empty: cplkit still reads the row, and says so."""
    path = form(tmp_path, ruleset)
    _relabel(path, cell, text)
    report = check_file(path, ruleset, AS_OF)
    row = int(cell[1:])
    [f04] = [f for f in report.findings if f.code == "CPL-F04"]
    assert (f04.cell, f04.severity.value) == (f"A{row}", "error")
    field, label = {9: (m.DEVICE_TYPE, "'Device_Type' / 'name'"),
                    11: (m.MODEL_ID, "'Device_Model' / 'model_identifier'"),
                    15: (m.SPEC_VERSION, "'SMETS/CHTS Version' / 'Version_number'")}[row]
    assert f04.field == field
    assert "SECAS's check would not find" in f04.message
    assert f"looks for {label} as written" in f04.message
    # cplkit read the value all the same, so the report says everything else about it
    assert cells(report) == [("CPL-F04", f"A{row}")]


def test_a_label_is_found_by_one_of_its_lines_as_secas_check_finds_it(
        tmp_path: Path, ruleset: Ruleset) -> None:
    """MultiLine is set on the macro's regular expression: a note on a label's second line does
    not hide it from SECAS's check, nor from cplkit."""
    path = form(tmp_path, ruleset, {**valid_gas(), m.FIRMWARE_VERSION: "bad"})
    _relabel(path, "A9", "Device_Type\n(SEC Physical Device Type)")
    _relabel(path, "B14", "firmware_version\nas in the OTA header")
    report = check_file(path, ruleset, AS_OF)
    assert cells(report) == [("CPL-V03", "G14")]


def test_cplkits_own_template_has_every_label_as_secas_check_finds_it(
        tmp_path: Path, ruleset: Ruleset) -> None:
    assert cells(check_file(form(tmp_path, ruleset), ruleset, AS_OF)) == []
