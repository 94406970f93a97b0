"""Reading what users send: a CSV in whichever separator their Excel writes (and the report
says which), a header no wider than a row may be, a second filled-in form wherever it is in the
workbook, and an empty file or a device as unreadable rather than a layout problem."""

from __future__ import annotations

import csv
import io
import json
import time
from pathlib import Path

import openpyxl
import pytest
from jsonschema import Draft202012Validator

from cplkit.app.check import check_file, check_files
from cplkit.core.findings import FileReport
from cplkit.core.ruleset import Ruleset
from cplkit.intake.limits import Limits
from cplkit.render.reports import render_json, render_text
from tests.conftest import AS_OF, ROOT, SAMPLES

BULK = SAMPLES / "valid" / "bulk-submission.csv"
FORM = SAMPLES / "valid" / "form-gas-smart-meter.xlsx"
HEADER = ["Device_Type.name", "Device_Model.manufacturer_identifier",
          "Device_Model.model_identifier"]


def run(path: Path, ruleset: Ruleset, limits: Limits | None = None) -> FileReport:
    return check_file(path, ruleset, AS_OF, limits=limits or Limits())


def refused(report: FileReport) -> tuple[str, str]:
    assert report.unreadable and len(report.findings) == 1, report.findings
    return report.findings[0].code, report.findings[0].message


def _rewritten(tmp_path: Path, name: str, delimiter: str, *, quoting: int = csv.QUOTE_MINIMAL,
               first_line: str = "", encoding: str = "utf-8") -> Path:
    """The bundled bulk CSV as Excel in another locale writes it."""
    with BULK.open(newline="", encoding="utf-8-sig") as stream:
        rows = list(csv.reader(stream))
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, quoting=quoting, lineterminator="\r\n").writerows(rows)
    path = tmp_path / name
    path.write_bytes((first_line + out.getvalue()).encode(encoding))
    return path


# -- separators -----------------------------------------------------------------------------

@pytest.mark.parametrize(("delimiter", "said"), [
    (",", "comma-separated"), (";", "semicolon-separated"), ("\t", "tab-separated")])
def test_the_separator_is_detected_and_the_report_says_which(
        tmp_path: Path, ruleset: Ruleset, delimiter: str, said: str) -> None:
    path = _rewritten(tmp_path, "bulk.csv", delimiter, encoding="cp1252")
    expected = run(BULK, ruleset)
    report = check_files([path], ruleset, AS_OF)
    (file,) = report.files
    assert file.layout == "table" and file.entries == expected.entries == 8
    assert file.errors == expected.errors == 0
    assert file.delimiter == delimiter
    assert f"{path} (table, {said}, 8 entries)" in render_text(report)
    shown = json.loads(render_json(report))
    Draft202012Validator(json.loads((ROOT / "schemas" / "report.schema.json").read_text())
                         ).validate(shown)
    assert shown["files"][0]["delimiter"] == delimiter


def test_a_workbook_report_names_no_separator(ruleset: Ruleset) -> None:
    report = check_files([FORM], ruleset, AS_OF)
    assert report.files[0].delimiter is None
    assert json.loads(render_json(report))["files"][0]["delimiter"] is None
    assert "separated" not in render_text(report)


def test_excels_sep_line_names_the_separator(tmp_path: Path, ruleset: Ruleset) -> None:
    """Excel writes (and reads) a first line 'sep=;': it is not a title row, and the lines
    keep their numbers."""
    path = _rewritten(tmp_path, "sep.csv", ";", first_line="sep=;\r\n")
    report = run(path, ruleset)
    assert report.layout == "table" and report.entries == 8 and report.delimiter == ";"
    assert {f.cell for f in report.findings if f.cell} <= {
        f"{c}{r}" for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ" for r in range(3, 11)}


def test_a_semicolon_csv_with_every_field_quoted_is_read(tmp_path: Path,
                                                         ruleset: Ruleset) -> None:
    path = _rewritten(tmp_path, "quoted.csv", ";", quoting=csv.QUOTE_ALL)
    report = run(path, ruleset)
    assert report.layout == "table" and report.entries == 8 and report.delimiter == ";"
    assert report.errors == 0


# -- width ----------------------------------------------------------------------------------

def test_a_header_of_a_million_names_is_one_finding_at_once(tmp_path: Path,
                                                           ruleset: Ruleset) -> None:
    """79 s, 1.7 GB and a 304 MB report of one finding per unknown column before: now one
    CPL-F02 for the whole line, as for any row wider than a sheet may be."""
    path = tmp_path / "wide.csv"
    names = ",".join(f"x{i}" for i in range(1_000_000))
    path.write_text(",".join(HEADER) + "," + names + "\nGas Smart Meter,12:3E,20:01\n")
    started = time.monotonic()
    code, message = refused(run(path, ruleset))
    assert time.monotonic() - started < 20
    assert code == "CPL-F02"
    assert "line 1 has 1,000,003 fields, over the limit of 702 (column ZZ" in message


def test_a_header_just_past_the_width_is_one_finding(tmp_path: Path, ruleset: Ruleset) -> None:
    path = tmp_path / "wide.csv"
    path.write_text(";".join(HEADER + [f"x{i}" for i in range(700)]) + "\n"
                    "Gas Smart Meter;12:3E;20:01\n")
    code, message = refused(run(path, ruleset))
    assert code == "CPL-F02" and "line 1 has 703 fields" in message


def test_a_quoted_row_too_wide_is_refused_too(tmp_path: Path, ruleset: Ruleset) -> None:
    path = tmp_path / "wide.csv"
    path.write_text(",".join(HEADER) + "\n" + ",".join(['"a,b"'] * 800) + "\n")
    code, message = refused(run(path, ruleset))
    assert code == "CPL-F02" and "line 2 has 800 fields" in message


def test_empty_fields_at_the_end_of_a_line_do_not_count(tmp_path: Path,
                                                        ruleset: Ruleset) -> None:
    """Excel writes empty fields up to the last column it has formatted."""
    path = tmp_path / "trailing.csv"
    path.write_text(",".join(HEADER) + "," * 5_000 + "\nGas Smart Meter,12:3E,20:01"
                    + "," * 5_000 + "\n")
    report = run(path, ruleset)
    assert not report.unreadable and report.entries == 1


# -- nothing to read ------------------------------------------------------------------------

@pytest.mark.parametrize("content", [
    b"\r\n\r\n", b"\xef\xbb\xbf", b"\xff\xfe", b" \t \n", b";;;\r\n;;;\r\n", b",,,\n"],
    ids=["blank-lines", "utf8-bom", "utf16-bom", "white-space", "semicolons", "commas"])
def test_a_file_with_nothing_in_it_is_unreadable_not_a_layout_problem(
        tmp_path: Path, ruleset: Ruleset, content: bytes) -> None:
    path = tmp_path / "blank.csv"
    path.write_bytes(content)
    code, message = refused(run(path, ruleset))
    assert code == "CPL-F01" and "holds no text" in message


@pytest.mark.parametrize("device", ["/dev/null", "/dev/zero"])
def test_a_device_is_unreadable(ruleset: Ruleset, device: str) -> None:
    code, message = refused(run(Path(device), ruleset))
    assert code == "CPL-F01" and "not a regular file" in message


# -- a second filled-in form, anywhere ------------------------------------------------------

def test_a_second_filled_form_on_a_hidden_sheet_is_an_error_naming_both(
        tmp_path: Path, ruleset: Ruleset) -> None:
    """Before, only a warning that a hidden sheet holds content (and the check passed)."""
    book = openpyxl.load_workbook(FORM)
    copy = book.copy_worksheet(book.worksheets[0])
    copy.title = "Second"
    copy.sheet_state = "hidden"
    path = tmp_path / "two.xlsx"
    book.save(path)
    report = run(path, ruleset)
    assert report.entries == 1 and report.errors == 1
    (finding,) = report.findings
    assert finding.code == "CPL-F07" and finding.sheet == "Second"
    assert "'Second' (a hidden sheet)" in finding.message
    assert "'CPL - New Entry'" in finding.message


def test_a_second_filled_form_below_the_first_is_an_error(tmp_path: Path,
                                                          ruleset: Ruleset) -> None:
    """A form pasted under the first on the same sheet: before, its rows were warnings about
    repeated fields, and the check passed."""
    book = openpyxl.load_workbook(FORM)
    sheet = book.worksheets[0]
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    start = sheet.max_row + 3
    for r, row in enumerate(rows, start=start):
        for c, value in enumerate(row, start=1):
            sheet.cell(r, c, value)
    path = tmp_path / "stacked.xlsx"
    book.save(path)
    report = run(path, ruleset)
    errors = [f for f in report.findings if f.severity.value == "error"]
    header = next(i for i, row in enumerate(rows, start=1) if row[0] == "Data Group")
    assert [(f.code, f.cell) for f in errors] == [("CPL-F07", f"A{start + header - 1}")]
    assert "second filled-in New Entry form" in errors[0].message
