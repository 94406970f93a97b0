"""Hostile and broken files: each gets CPL-F01 or CPL-F02 with a clear message, never a
traceback, and nothing is expanded or loaded beyond the limits. Every file is built here."""

from __future__ import annotations

import io
import random
import string
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from cplkit.app.check import check_file
from cplkit.core.findings import FileReport
from cplkit.core.ruleset import Ruleset
from cplkit.intake.limits import Limits
from tests.conftest import AS_OF, SAMPLES
from tests.intake.workbooks import SHEET_CLOSE, SHEET_OPEN, inline_cell, table_sheet, write_workbook

VALID_FORM = SAMPLES / "valid" / "form-gas-smart-meter.xlsx"
HEADER = ["Device_Type.name", "Device_Model.manufacturer_identifier",
          "Device_Model.model_identifier"]


def only(report: FileReport) -> tuple[str, str]:
    assert len(report.findings) == 1, report.findings
    finding = report.findings[0]
    assert report.unreadable and report.entries == 0
    assert finding.hint
    return finding.code, finding.message


def run(path: Path, ruleset: Ruleset, limits: Limits | None = None) -> FileReport:
    return check_file(path, ruleset, AS_OF, limits=limits or Limits())


@pytest.mark.parametrize(("content", "says"), [
    (b"", "empty"),
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "PDF"),
    (b"\x7fELF\x02\x01\x01\x00" + bytes(100), "binary"),
    (b"<html><body>CPL</body></html>", "HTML"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504), "97-2003"),
    (b"PK\x03\x04" + bytes(40), "corrupt or truncated"),
])
def test_not_a_spreadsheet(tmp_path: Path, ruleset: Ruleset, content: bytes, says: str) -> None:
    path = tmp_path / "submission.xlsx"
    path.write_bytes(content)
    code, message = only(run(path, ruleset))
    assert code == "CPL-F01"
    assert says in message


def test_truncated_workbook(tmp_path: Path, ruleset: Ruleset) -> None:
    data = VALID_FORM.read_bytes()
    path = tmp_path / "truncated.xlsx"
    path.write_bytes(data[: len(data) // 2])
    code, message = only(run(path, ruleset))
    assert code == "CPL-F01"
    assert "corrupt or truncated" in message


def test_zip_that_is_not_a_workbook(tmp_path: Path, ruleset: Ruleset) -> None:
    path = tmp_path / "letter.docx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("word/document.xml", "<w:document/>")
    code, message = only(run(path, ruleset))
    assert code == "CPL-F01"
    assert "not an Excel workbook" in message


def test_password_protected_workbook(tmp_path: Path, ruleset: Ruleset) -> None:
    from msoffcrypto.format.ooxml import OOXMLFile

    out = io.BytesIO()
    with VALID_FORM.open("rb") as plain:
        OOXMLFile(plain).encrypt("secret", out)
    path = tmp_path / "protected.xlsx"
    path.write_bytes(out.getvalue())
    code, message = only(run(path, ruleset))
    assert code == "CPL-F01"
    assert "password" in message


def test_zip_bomb(tmp_path: Path, ruleset: Ruleset) -> None:
    # 64 MiB of spaces compress to about 64 KiB: a thousand-fold expansion
    def chunks() -> Iterator[bytes]:
        yield SHEET_OPEN
        for _ in range(64):
            yield b" " * 2**20
        yield SHEET_CLOSE
    path = write_workbook(tmp_path / "bomb.xlsx", chunks())
    assert path.stat().st_size < 2**20
    code, message = only(run(path, ruleset))
    assert code == "CPL-F02"
    assert "zip bomb" in message


def test_uncompressed_size_limit_holds_even_for_an_honest_ratio(
        tmp_path: Path, ruleset: Ruleset) -> None:
    path = write_workbook(tmp_path / "big.xlsx", table_sheet([HEADER] + [["x"] * 3] * 2000),
                          compression=zipfile.ZIP_STORED)
    code, message = only(run(path, ruleset, Limits(max_uncompressed_bytes=64 * 1024)))
    assert code == "CPL-F02"
    assert "uncompressed" in message


@pytest.mark.parametrize("doctype", [
    b'<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;">'
    b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;">]>',
    b'<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
])
def test_dtd_and_entities_are_refused(tmp_path: Path, ruleset: Ruleset, doctype: bytes) -> None:
    sheet = (b'<?xml version="1.0" encoding="UTF-8"?>\n' + doctype +
             SHEET_OPEN.split(b"\n", 1)[1] + b'<row r="1">' + inline_cell("A1", "x")
             + b"&lol3;</row>" + SHEET_CLOSE)
    path = write_workbook(tmp_path / "entities.xlsx", sheet)
    code, message = only(run(path, ruleset))
    assert code == "CPL-F02"
    assert "DTD or entities" in message


def test_entities_in_shared_strings_are_refused_too(tmp_path: Path, ruleset: Ruleset) -> None:
    strings = (b'<?xml version="1.0"?><!DOCTYPE s [<!ENTITY a "aaaaaaaaaa">]>'
               b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
               b"<si><t>&a;</t></si></sst>")
    path = write_workbook(tmp_path / "sst.xlsx", table_sheet([HEADER]),
                          extra={"xl/sharedStrings.xml": strings})
    code, _ = only(run(path, ruleset))
    assert code == "CPL-F02"


@pytest.mark.slow
def test_a_million_rows(tmp_path: Path, ruleset: Ruleset) -> None:
    def chunks() -> Iterator[bytes]:
        yield SHEET_OPEN + b'<row r="1">' + b"".join(
            inline_cell(f"{chr(65 + i)}1", h) for i, h in enumerate(HEADER)) + b"</row>"
        block = []
        for r in range(2, 1_000_002):
            block.append(b'<row r="%d"><c r="A%d"><v>1</v></c></row>' % (r, r))
            if len(block) == 50_000:
                yield b"".join(block)
                block = []
        yield b"".join(block) + SHEET_CLOSE
    path = write_workbook(tmp_path / "million.xlsx", chunks())
    code, message = only(run(path, ruleset))
    assert code == "CPL-F02"
    assert "rows" in message


@pytest.mark.slow
def test_a_ten_megabyte_cell(tmp_path: Path, ruleset: Ruleset) -> None:
    # random letters, so the file is not refused as a zip bomb before the cell is reached
    letters = random.Random(7).choices(string.ascii_letters, k=10_000_000)
    rows = [HEADER, ["Gas Smart Meter", "12:3E", "".join(letters)]]
    path = write_workbook(tmp_path / "huge-cell.xlsx", table_sheet(rows))
    code, message = only(run(path, ruleset))
    assert code == "CPL-F02"
    assert "C2" in message and "characters" in message


def test_a_ten_megabyte_csv_field(tmp_path: Path, ruleset: Ruleset) -> None:
    path = tmp_path / "huge.csv"
    path.write_text(",".join(HEADER) + "\nGas Smart Meter,12:3E," + "A" * 10_000_000 + "\n")
    code, message = only(run(path, ruleset))
    assert code == "CPL-F02"
    assert "line 2" in message


def test_too_many_csv_rows(tmp_path: Path, ruleset: Ruleset) -> None:
    path = tmp_path / "rows.csv"
    path.write_text(",".join(HEADER) + "\n" + "Gas Smart Meter,12:3E,20:01\n" * 101)
    code, _ = only(run(path, ruleset, Limits(max_rows=100)))
    assert code == "CPL-F02"


def test_file_size_limit(tmp_path: Path, ruleset: Ruleset) -> None:
    path = tmp_path / "big.csv"
    path.write_text(",".join(HEADER) + "\n" + "Gas Smart Meter,12:3E,20:01\n" * 1000)
    code, message = only(run(path, ruleset, Limits(max_file_bytes=1000)))
    assert code == "CPL-F02"
    assert "MiB" in message


def test_missing_file_and_directory(tmp_path: Path, ruleset: Ruleset) -> None:
    code, message = only(run(tmp_path / "nowhere.xlsx", ruleset))
    assert code == "CPL-F01" and "cannot be opened" in message
    code, message = only(run(tmp_path, ruleset))
    assert code == "CPL-F01" and "directory" in message


def test_macros_are_never_run_or_kept(tmp_path: Path, ruleset: Ruleset) -> None:
    """An .xlsm is read for its cells only; its vbaProject.bin is not even decompressed."""
    path = write_workbook(
        tmp_path / "macro.xlsm",
        table_sheet([[*HEADER, "Device_Model.firmware_version"],
                     ["Gas Smart Meter", "12:3E", "20:01", "01:02:03:04"]]),
        extra={"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0" + b"Attribute VB_Name" * 100})
    report = run(path, ruleset)
    assert report.entries == 1
    assert not report.unreadable
    assert {f.code for f in report.findings} <= {"CPL-F04", "CPL-V01"}


# -- bounded before any library parses the file -------------------------------------------------

@pytest.mark.parametrize(("sheet", "says"), [
    (SHEET_OPEN + b'<row r="1">' + inline_cell("XFD1048576", "x") + b"</row>" + SHEET_CLOSE,
     "beyond column ZZ"),
    (SHEET_OPEN + b'<row r="1"><c r="ZZZZ99999999"><v>1</v></c></row>' + SHEET_CLOSE,
     "beyond column ZZ"),
    (SHEET_OPEN + b'<row r="1">' + inline_cell("XFD3000", "x") + b"</row>" + SHEET_CLOSE,
     "beyond column ZZ"),
    (SHEET_OPEN + b'<row r="1"><c r="F9999999"><f>1+1</f></c></row>' + SHEET_CLOSE,
     "beyond column ZZ"),
], ids=["XFD1048576", "ZZZZ99999999", "XFD3000", "formula-far-down"])
def test_cells_no_cpl_sheet_reaches_are_refused_before_reading(
        tmp_path: Path, ruleset: Ruleset, sheet: bytes, says: str) -> None:
    """Files of a few hundred bytes that made the spreadsheet library abort or allocate
    gigabytes: refused from the streamed XML, quickly."""
    code, message = only(run(write_workbook(tmp_path / "far.xlsx", sheet), ruleset))
    assert code == "CPL-F02" and says in message


def test_a_shared_string_count_of_four_billion(tmp_path: Path, ruleset: Ruleset) -> None:
    strings = (b'<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/'
               b'spreadsheetml/2006/main" count="4000000000" uniqueCount="4000000000">'
               b"<si><t>x</t></si></sst>")
    path = write_workbook(tmp_path / "sst.xlsx", table_sheet([HEADER]),
                          {"xl/sharedStrings.xml": strings})
    code, message = only(run(path, ruleset))
    assert code == "CPL-F02" and "4,000,000,000 strings" in message


def _prefixed_rows(count: int, *, comment: bool) -> Iterator[bytes]:
    """Rows under another namespace prefix, optionally after a comment before the root: the
    row counter must not depend on how the XML spells its names."""
    yield b'<?xml version="1.0" encoding="UTF-8"?>\n'
    if comment:
        yield b"<!-- <worksheet> -->"
    yield b'<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    yield b"<x:sheetData>"
    for r in range(1, count + 1):
        yield f'<x:row r="{r}"><x:c r="A{r}" t="inlineStr"><x:is><x:t>a</x:t></x:is></x:c>' \
              f"</x:row>".encode()
    yield b"</x:sheetData></x:worksheet>"


@pytest.mark.parametrize("comment", [False, True], ids=["prefix", "prefix-and-comment"])
def test_the_row_limit_holds_whatever_the_prefix(tmp_path: Path, ruleset: Ruleset,
                                                 comment: bool) -> None:
    path = write_workbook(tmp_path / "rows.xlsx", _prefixed_rows(1_500, comment=comment))
    code, message = only(run(path, ruleset, Limits(max_rows=1_000)))
    assert code == "CPL-F02" and "rows" in message


def test_csv_rows_ending_in_carriage_returns_count_as_rows(tmp_path: Path,
                                                            ruleset: Ruleset) -> None:
    path = tmp_path / "cr.csv"
    path.write_bytes((",".join(HEADER) + "\r" + "Gas Smart Meter,12:3E,20:01\r" * 101).encode())
    code, _ = only(run(path, ruleset, Limits(max_rows=100)))
    assert code == "CPL-F02"


def test_a_utf16_csv_is_read(tmp_path: Path, ruleset: Ruleset) -> None:
    path = tmp_path / "unicode.csv"
    path.write_bytes((",".join(HEADER) + "\r\nGas Smart Meter,12:3E,20:01\r\n").encode("utf-16"))
    report = run(path, ruleset)
    assert report.layout == "table" and report.entries == 1 and not report.unreadable


@pytest.mark.slow
def test_formulas_without_values_cost_linear_time(tmp_path: Path, ruleset: Ruleset) -> None:
    """32,000 formula cells took 105 s when each row looked at every formula: now each row
    looks at its own. The check is that it finishes inside the suite's budget at all, with one
    V08 per formula cell (no timing assertion: speed lives in benchmarks/)."""
    rows = [SHEET_OPEN, b'<row r="1">' + b"".join(
        inline_cell(f"{chr(65 + i)}1", h) for i, h in enumerate(HEADER)) + b"</row>"]
    for r in range(2, 20_002):
        rows.append(f'<row r="{r}">'.encode() + inline_cell(f"A{r}", "Gas Smart Meter")
                    + f'<c r="B{r}"><f>CONCAT("12:","3E")</f></c>'.encode()
                    + inline_cell(f"C{r}", "20:01") + b"</row>")
    rows.append(SHEET_CLOSE)
    report = run(write_workbook(tmp_path / "formulas.xlsx", b"".join(rows)), ruleset)
    assert report.entries == 20_000
    assert sum(1 for f in report.findings if f.code == "CPL-V08") == 20_000


def test_one_file_that_kills_its_reader_costs_only_its_own_report(
        tmp_path: Path, ruleset: Ruleset, monkeypatch: pytest.MonkeyPatch) -> None:
    """A native abort inside the spreadsheet library (simulated: the reader aborts the process
    on one file) stops that file's child process; the other files are still checked."""
    import os

    from cplkit.app.check import check_files
    from cplkit.intake import xlsx

    hostile = write_workbook(tmp_path / "a-hostile.xlsx", table_sheet([HEADER]))
    original = xlsx.Workbook.sheet

    def aborting(self: xlsx.Workbook, name: str) -> object:
        if self.path == hostile:
            os.abort()
        return original(self, name)

    monkeypatch.setattr(xlsx.Workbook, "sheet", aborting)
    report = check_files([hostile, VALID_FORM], ruleset, AS_OF)
    first, second = report.files
    assert first.unreadable and first.findings[0].code == "CPL-F02"
    assert "SIGABRT" in first.findings[0].message
    assert second.entries == 1 and second.errors == 0


def test_a_runaway_allocation_is_stopped_by_the_memory_limit(tmp_path: Path, ruleset: Ruleset,
                                                             monkeypatch: pytest.MonkeyPatch
                                                             ) -> None:
    from cplkit.intake import xlsx

    def hungry(self: xlsx.Workbook, name: str) -> object:
        return bytearray(4 * 2**30)  # more than the child may have

    monkeypatch.setattr(xlsx.Workbook, "sheet", hungry)
    report = run(write_workbook(tmp_path / "big.xlsx", table_sheet([HEADER])), ruleset,
                 Limits(max_memory_bytes=1024 * 2**20))
    code, message = only(report)
    assert code == "CPL-F02" and "memory" in message


@pytest.mark.parametrize("far", [
    b'<row r="249999">' + inline_cell("ZZ249999", "x") + b"</row>",
    # the row element says 2; the cell's own reference is what the library believes
    b'<row r="2">' + inline_cell("ZZ249999", "x") + b"</row>",
    b'<row r="40000">' + inline_cell("$ZZ$40000", "x") + b"</row>",
], ids=["far-cell", "row-element-lies", "absolute-reference"])
def test_a_used_range_the_library_would_allocate_cell_by_cell_is_refused(
        tmp_path: Path, ruleset: Ruleset, far: bytes) -> None:
    """Two cells, A1 and one far away but within the columns and rows a sheet may reach: the
    spreadsheet library sets aside every cell between them (175 million here) and aborted the
    reader, which then said only that it was stopped. The scan now names the range."""
    sheet = SHEET_OPEN + b'<row r="1">' + inline_cell("A1", HEADER[0]) + b"</row>" + far \
        + SHEET_CLOSE
    code, message = only(run(write_workbook(tmp_path / "sparse.xlsx", sheet), ruleset))
    assert code == "CPL-F02" and "cells from A1, over the limit" in message


def test_a_column_past_az_near_the_table_is_read(tmp_path: Path, ruleset: Ruleset) -> None:
    """Only the range's size is refused: a note in column BA beside a small table is read."""
    rows = [HEADER, ["Gas Smart Meter", "12:3E", "20:01"]]
    sheet = table_sheet(rows).replace(
        b"</row>" + SHEET_CLOSE, inline_cell("BA2", "note") + b"</row>" + SHEET_CLOSE)
    report = run(write_workbook(tmp_path / "note.xlsx", sheet), ruleset)
    assert not report.unreadable and report.entries == 1
