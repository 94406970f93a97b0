"""Bounded by construction: every part the spreadsheet reader may load is scanned whatever the
case of its name, shared strings are bounded in total and as the cells expand them, a part is
loaded once however many sheets name it, a range is a hint and cells are facts, and the rows a
cell's own reference puts it in count. Each hostile file is built here, small."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from cplkit.app.check import check_file
from cplkit.core.findings import FileReport
from cplkit.core.ruleset import Ruleset
from cplkit.intake import xlsx
from cplkit.intake.limits import Limits
from tests.conftest import AS_OF
from tests.intake.workbooks import (
    SHEET_CLOSE,
    SHEET_OPEN,
    inline_cell,
    shared_strings,
    table_sheet,
    workbook_parts,
    write_parts,
    write_workbook,
)

HEADER = ["Device_Type.name", "Device_Model.manufacturer_identifier",
          "Device_Model.model_identifier"]
ENTRY = ["Gas Smart Meter", "12:3E", "20:01"]


def run(path: Path, ruleset: Ruleset, limits: Limits | None = None) -> FileReport:
    return check_file(path, ruleset, AS_OF, limits=limits or Limits())


def refused(report: FileReport) -> tuple[str, str]:
    assert report.unreadable and len(report.findings) == 1, report.findings
    finding = report.findings[0]
    assert finding.hint
    return finding.code, finding.message


# -- part names ignore case ---------------------------------------------------------------------

def _capital_part(tmp_path: Path, sheet: bytes) -> Path:
    parts = workbook_parts([("Sheet1", "visible", "worksheets/sheet1.XML")])
    parts["xl/worksheets/sheet1.XML"] = sheet
    return write_parts(tmp_path / "capitals.xlsx", parts)


def test_a_sheet_part_named_in_capitals_is_scanned_for_hidden_rows(
        tmp_path: Path, ruleset: Ruleset) -> None:
    """The reader loads xl/worksheets/sheet1.XML as it would sheet1.xml: its hidden row is
    reported and not read, as in any other sheet (before, the part was never scanned, so the
    hidden row's entry was read with no finding)."""
    sheet = table_sheet([HEADER, ENTRY, ["Gas Smart Meter", "12:3E", "20:02"]]).replace(
        b'<row r="3">', b'<row r="3" hidden="1">')
    report = run(_capital_part(tmp_path, sheet), ruleset)
    assert report.entries == 1
    assert [(f.code, f.cell, f.message) for f in report.findings if f.code == "CPL-F06"] == [
        ("CPL-F06", "A3", "1 hidden row with content was not read: 3")]


def test_hidden_rows_are_counted_in_words(tmp_path: Path, ruleset: Ruleset) -> None:
    """Two hidden rows are "rows" that "were" not read (once "hidden row(s)")."""
    sheet = table_sheet([HEADER, ENTRY, ["Gas Smart Meter", "12:3E", "20:02"],
                         ["Gas Smart Meter", "12:3E", "20:03"]])
    for row in (3, 4):
        sheet = sheet.replace(f'<row r="{row}">'.encode(), f'<row r="{row}" hidden="1">'.encode())
    report = run(_capital_part(tmp_path, sheet), ruleset)
    assert [f.message for f in report.findings if f.code == "CPL-F06"] == [
        "2 hidden rows with content were not read: 3, 4"]


def test_a_sheet_part_named_in_capitals_is_held_to_the_row_limit(
        tmp_path: Path, ruleset: Ruleset) -> None:
    rows = [HEADER] + [ENTRY] * 1_500
    code, message = refused(run(_capital_part(tmp_path, table_sheet(rows)), ruleset,
                                Limits(max_rows=1_000)))
    assert code == "CPL-F02"
    assert "more than 1,000 rows" in message and "sheet1.XML" in message


def test_two_parts_whose_names_differ_only_in_case_are_refused(
        tmp_path: Path, ruleset: Ruleset) -> None:
    """The scan could pass one and the reader load the other."""
    parts = workbook_parts([("Sheet1", "visible", "worksheets/sheet1.xml")])
    parts["xl/worksheets/sheet1.xml"] = table_sheet([HEADER, ENTRY])
    parts["xl/worksheets/SHEET1.xml"] = table_sheet([HEADER] + [ENTRY] * 50)
    code, message = refused(run(write_parts(tmp_path / "twins.xlsx", parts), ruleset))
    assert code == "CPL-F02" and "two parts named" in message


# -- shared strings -----------------------------------------------------------------------------

def test_one_long_shared_string_referenced_many_times_is_refused(
        tmp_path: Path, ruleset: Ruleset) -> None:
    """One 32,000-character string referenced 360,000 times: under a megabyte compressed, and
    11 GiB of text once the reader has copied it into every cell (the reading child ran to
    its 3 GiB limit). Refused from the scan, at once."""
    strings = shared_strings([*HEADER, "x" * 32_000])
    rows = [SHEET_OPEN, b'<row r="1">' + b"".join(
        f'<c r="{chr(65 + i)}1" t="s"><v>{i}</v></c>'.encode() for i in range(3)) + b"</row>"]
    for r in range(2, 12_002):
        rows.append(f'<row r="{r}">'.encode() + b"".join(
            f'<c r="{column}{r}" t="s"><v>3</v></c>'.encode() for column in _COLUMNS)
            + b"</row>")
    rows.append(SHEET_CLOSE)
    parts = workbook_parts([("Sheet1", "visible", "worksheets/sheet1.xml")], strings=strings)
    parts["xl/worksheets/sheet1.xml"] = b"".join(rows)
    path = write_parts(tmp_path / "expanding.xlsx", parts)
    assert path.stat().st_size < 2**20
    started = time.monotonic()
    code, message = refused(run(path, ruleset))
    assert code == "CPL-F02"
    assert "shared strings" in message and "512 MiB of text" in message
    assert time.monotonic() - started < 30


_COLUMNS = [chr(65 + i) for i in range(26)] + ["AA", "AB", "AC", "AD"]


def test_the_total_text_of_shared_strings_is_bounded(tmp_path: Path, ruleset: Ruleset) -> None:
    strings = shared_strings([*HEADER, *(f"{i:08d}" * 100 for i in range(2_000))])
    parts = workbook_parts([("Sheet1", "visible", "worksheets/sheet1.xml")], strings=strings)
    parts["xl/worksheets/sheet1.xml"] = table_sheet([HEADER, ENTRY])
    path = write_parts(tmp_path / "strings.xlsx", parts)
    code, message = refused(run(path, ruleset, Limits(max_shared_strings_bytes=1024 * 1024)))
    assert code == "CPL-F02"
    assert "shared strings (xl/sharedStrings.xml) take more than 1 MiB" in message


def test_a_genuine_sheet_of_shared_strings_is_read(tmp_path: Path, ruleset: Ruleset) -> None:
    """Weighing references is exact where the rough bound is not enough: a sheet whose cells
    could hold the long string many times over, but refer to it once, is read."""
    strings = shared_strings([*HEADER, *ENTRY, "y" * 20_000])
    rows = [SHEET_OPEN]
    for r, indices in enumerate([(0, 1, 2), (3, 4, 5)], start=1):
        rows.append(f'<row r="{r}">'.encode() + b"".join(
            f'<c r="{chr(65 + c)}{r}" s="1" t="s"><v>{i}</v></c>'.encode()
            for c, i in enumerate(indices)) + b"</row>")
    rows.append(b'<row r="3"><c r="E3" t="s"><v>6</v></c></row>')
    rows.append(SHEET_CLOSE)
    parts = workbook_parts([("Sheet1", "visible", "worksheets/sheet1.xml")], strings=strings)
    parts["xl/worksheets/sheet1.xml"] = b"".join(rows)
    report = run(write_parts(tmp_path / "genuine.xlsx", parts), ruleset,
                 Limits(max_expanded_text_bytes=64 * 1024))
    assert not report.unreadable and report.layout == "table"


# -- one part, many sheets ----------------------------------------------------------------------

def test_a_part_named_by_many_sheets_is_loaded_once(tmp_path: Path, ruleset: Ruleset,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """1,500 sheet elements pointing at one part (54 s and 3.1 GB when each was loaded): the
    part is loaded once, and its entries are read once, with no finding about a second form
    or table."""
    loaded: list[str] = []
    original = xlsx.Workbook._load

    def counted(self: xlsx.Workbook, name: str) -> object:
        loaded.append(name)
        return original(self, name)

    monkeypatch.setattr(xlsx.Workbook, "_load", counted)
    sheets = [(f"S{i}", "visible", "worksheets/sheet1.xml" if i % 2 else "worksheets/SHEET1.xml")
              for i in range(1, 1_501)]
    parts = workbook_parts(sheets)
    parts["xl/worksheets/sheet1.xml"] = table_sheet([HEADER] + [ENTRY] * 200)
    report = run(write_parts(tmp_path / "aliases.xlsx", parts), ruleset, Limits(isolate=False))
    assert loaded == ["S1"]
    assert report.entries == 200 and report.sheet == "S1"
    assert not {f.code for f in report.findings} & {"CPL-F02", "CPL-F06", "CPL-F07"}


def test_a_hidden_sheet_and_a_visible_one_naming_one_part(tmp_path: Path,
                                                          ruleset: Ruleset) -> None:
    """The visible one is read; the hidden name is not reported as hidden content."""
    parts = workbook_parts([("Hidden", "hidden", "worksheets/sheet1.xml"),
                            ("Shown", "visible", "worksheets/sheet1.xml")])
    parts["xl/worksheets/sheet1.xml"] = table_sheet([HEADER, ENTRY])
    report = run(write_parts(tmp_path / "both.xlsx", parts), ruleset)
    assert report.entries == 1 and report.sheet == "Shown"
    assert "CPL-F06" not in {f.code for f in report.findings}


# -- ranges are hints, cells are facts ----------------------------------------------------------

@pytest.mark.parametrize("extra", [
    (b'<dimension ref="A1:XFD1048576"/>', b""),
    (b"", b'<dataValidations count="1"><dataValidation type="list" sqref="A2:A1048576">'
          b"<formula1>\"Gas Smart Meter\"</formula1></dataValidation></dataValidations>"),
    (b'<sheetViews><sheetView workbookViewId="0"><selection activeCell="A1" '
     b'sqref="A1:XFD1048576"/></sheetView></sheetViews>', b""),
], ids=["dimension", "validation-over-whole-column", "select-all"])
def test_a_range_reaching_far_is_a_hint_not_a_refusal(tmp_path: Path, ruleset: Ruleset,
                                                      extra: tuple[bytes, bytes]) -> None:
    """Some writers emit <dimension ref="A1:XFD1048576"/>, and Excel writes whole-column
    validations and select-all: the reader allocates nothing by them, so a genuine one-entry
    sheet is read, its area judged from the cells present."""
    before, after = extra
    sheet = table_sheet([HEADER, ENTRY]).replace(b"<sheetData>", before + b"<sheetData>")
    sheet = sheet.replace(b"</sheetData>", b"</sheetData>" + after)
    report = run(write_workbook(tmp_path / "hinted.xlsx", sheet), ruleset)
    assert not report.unreadable and report.entries == 1
    assert "CPL-F02" not in {f.code for f in report.findings}


def test_the_row_a_cell_names_counts_whatever_row_element_holds_it(
        tmp_path: Path, ruleset: Ruleset) -> None:
    """A cell whose reference says row 300,000 inside a row element that says 2: the reader
    believes the cell and yields 300,000 rows, past the limit; the scan counts that row."""
    sheet = (SHEET_OPEN + b'<row r="1">' + b"".join(
        inline_cell(f"{chr(65 + i)}1", h) for i, h in enumerate(HEADER)) + b"</row>"
        + b'<row r="2">' + inline_cell("A300000", "Gas Smart Meter") + b"</row>" + SHEET_CLOSE)
    code, message = refused(run(write_workbook(tmp_path / "deep.xlsx", sheet), ruleset))
    assert code == "CPL-F02" and "more than 250,000 rows" in message


def test_rows_named_by_cells_count_under_a_lower_limit_too(tmp_path: Path,
                                                           ruleset: Ruleset) -> None:
    cells = b"".join(inline_cell(f"C{r}", "x") for r in range(2, 3_000))
    sheet = (SHEET_OPEN + b'<row r="1">' + b"".join(
        inline_cell(f"{chr(65 + i)}1", h) for i, h in enumerate(HEADER)) + b"</row>"
        + b'<row r="2">' + cells + b"</row>" + SHEET_CLOSE)
    code, message = refused(run(write_workbook(tmp_path / "deep.xlsx", sheet), ruleset,
                                Limits(max_rows=1_000)))
    assert code == "CPL-F02" and "more than 1,000 rows" in message


# -- the XML walk for hidden columns and formulas -----------------------------------------------

def test_hidden_column_spans_cost_their_number_not_their_width(
        tmp_path: Path, ruleset: Ruleset) -> None:
    """25,000 <col> elements each hiding A to XFD (under 1 MB of XML) took 15 s column by
    column; spans are cut at ZZ and joined once. Column A is still reported hidden."""
    cols = b"<cols>" + b'<col min="1" max="16384" hidden="1"/>' * 25_000 + b"</cols>"
    sheet = table_sheet([HEADER, ENTRY]).replace(b"<sheetData>", cols + b"<sheetData>")
    started = time.monotonic()
    report = run(write_workbook(tmp_path / "cols.xlsx", sheet), ruleset)
    assert time.monotonic() - started < 8
    assert ("CPL-F06", "A1") in {(f.code, f.cell) for f in report.findings}


def test_a_formula_cell_without_its_reference_is_still_a_formula(
        tmp_path: Path, ruleset: Ruleset) -> None:
    """The reader puts a cell without a reference after the one before it: so is its formula
    found there, not read as an empty cell."""
    sheet = table_sheet([HEADER]) .replace(
        b"</sheetData>", b'<row r="2">' + inline_cell("A2", "Gas Smart Meter")
        + b'<c><f>CONCAT("12:","3E")</f></c><c t="inlineStr"><is><t>20:01</t></is></c>'
        + b"</row></sheetData>")
    report = run(write_workbook(tmp_path / "formula.xlsx", sheet), ruleset)
    assert report.entries == 1
    assert [(f.code, f.cell) for f in report.findings if f.code == "CPL-V08"] == [
        ("CPL-V08", "B2")]


# -- every bound is stated ----------------------------------------------------------------------

#: how the README's "Hostile files" section states each bound's default
STATED = {
    "max_file_bytes": "file's size (100 MiB)",
    "max_zip_members": "zip parts (2,000)",
    "max_uncompressed_bytes": "uncompressed XML (512 MiB",
    "max_compression_ratio": "compression ratio (250",
    "max_prolog_bytes": "root element (64 KiB)",
    "max_rows": "rows in a sheet or CSV file (250,000)",
    "max_columns": "columns in a CSV row, its header first (702, column ZZ",
    "max_cells": "cells in a sheet (6 million)",
    "max_cell_chars": "characters in a cell (32,767)",
    "max_sheet_area": "used range (20 million cells",
    "max_shared_strings_bytes": "shared-strings part, 128 MiB",
    "max_expanded_text_bytes": "refers to it: one 32,000-character",
    "max_memory_bytes": "address space (3 GiB)",
    "max_seconds": "wall time (10 minutes)",
}


def test_the_readme_states_every_bound() -> None:
    """A bound added to ``Limits`` without a line in the README fails here."""
    import dataclasses
    import re

    from tests.conftest import ROOT

    readme = (ROOT / "README.md").read_text()
    section = readme.split("### Hostile files", 1)[1].split("\n## ", 1)[0]
    flat = re.sub(r"\s+", " ", section)
    fields = {f.name for f in dataclasses.fields(Limits)} - {"isolate"}
    assert fields == set(STATED)
    for name, words in STATED.items():
        assert words in flat, name
    defaults = Limits()
    assert defaults.max_expanded_text_bytes == 512 * 2**20 and "(512 MiB over all" in flat
    assert defaults.max_memory_bytes == 3 * 2**30 and defaults.max_seconds == 600
