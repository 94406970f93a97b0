"""The published workbook's cells as spreadsheet programs read them: text that looks like a
formula, a number, a link or XlsxWriter's own rich-string markup stays the text it is; numbers
and dates keep their type; widths and heights are the layout's; the workbook is the same
whether written to a path, a file object or bytes, and a failed write leaves nothing behind."""

from __future__ import annotations

import datetime as dt
import io
import tempfile
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook
from python_calamine import CalamineWorkbook

from cplkit.core import model as m
from cplkit.core.ruleset import Ruleset
from cplkit.core.secas import CONTROL_SHEET, CSV_SHEET, FORM_SHEET, LIST_SHEET
from cplkit.errors import OutputError
from cplkit.publications.secas_layout import LAYOUTS
from cplkit.publications.workbook import workbook_bytes, write_workbook
from tests.core.entries import valid_gas

#: texts a spreadsheet program, or a writer, could take for something else
TRICKY = {
    m.IMAGE_CREATOR: '=HYPERLINK("http://evil.example/x","click")',
    m.ZSE_ID: "@SUM(1+1)*cmd",
    m.DLMS_ID: "-2+3",
    m.DLMS_VERSION: "+1",
    m.FIRMWARE_VERSION: "{=1+1}",  # an array formula, to XlsxWriter's write()
    m.CPA_ID: "0012",
    m.ZSE_VERSION: "https://example.com/a?b=c",
    # XlsxWriter writes a string shaped as rich-string runs into the sheet as it is: this one
    # would add a formula cell after its own
    m.IMAGE_DESCRIPTOR: '<r><t>x</t></r></is></c><c r="Z8" t="str"><f>1+1</f><v>2</v></c>'
                        '<c r="Y8" t="inlineStr"><is><r><t>y</t></r>',
    m.IMAGE_HASH: "<r><t>1e5</t></r>",
    # Excel's escape of a carriage return, as text, and a real one
    m.CPA_SECURITY_CHARACTERISTICS: "a_x000D_b\r\nc",
}


def _version(entries: tuple[m.Entry, ...]) -> m.CplVersion:
    history = (m.HistoryLine("1.0", "2016-10-27", "Initial blank version.\r\nSecond line."),)
    return m.CplVersion(m.VersionNumber.parse("1.1"), dt.date(2016, 10, 28), entries,
                        "One New Device Model added", history)


def _tricky_version() -> m.CplVersion:
    values = {k: v for k, v in valid_gas().items() if k in m.PUBLISHED_FIELDS and v is not None}
    values.update({m.ENTRY_NUMBER: "000001", m.ENTRY_STATUS: "Current", **TRICKY})
    # as SECAS issued some values: a number, and a date
    issued: dict[str, m.Issued] = {m.HARDWARE_VERSION: 7, m.CPA_EXPIRY: dt.date(2030, 8, 30)}
    return _version((m.Entry.of(values, issued),))


def _grid(data: bytes, sheet: str) -> list[list[object]]:
    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    grid: list[list[object]] = book.get_sheet_by_name(sheet).to_python()
    return grid


def test_text_stays_the_text_it_is(ruleset: Ruleset) -> None:
    data = workbook_bytes(_tricky_version(), ruleset)
    wb = load_workbook(io.BytesIO(data))
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
    row = _grid(data, LIST_SHEET)[7]
    assert len(row) == 1 + len(m.PUBLISHED_FIELDS)  # no cell added after the list's columns
    shown = dict(zip(m.PUBLISHED_FIELDS, row[1:], strict=True))
    for name, text in TRICKY.items():
        assert shown[name] == text, name
    listing = wb[LIST_SHEET]
    column = {name: i for i, name in enumerate(m.PUBLISHED_FIELDS, start=2)}
    for name in (m.CPA_ID, m.DLMS_VERSION, m.ZSE_VERSION, m.IMAGE_DESCRIPTOR):
        cell = listing.cell(8, column[name])
        assert cell.data_type == "s" and cell.hyperlink is None, name
    # what SECAS issued as a number is a number, a date a date cell shown dd/mm/yyyy
    assert listing.cell(8, column[m.HARDWARE_VERSION]).value == 7
    expiry = listing.cell(8, column[m.CPA_EXPIRY])
    assert expiry.is_date and expiry.number_format == "dd/mm/yyyy"
    assert expiry.value == dt.datetime(2030, 8, 30)
    assert _grid(data, CONTROL_SHEET)[10][2] == "Initial blank version.\r\nSecond line."


def test_widths_and_heights_are_the_layouts(ruleset: Ruleset) -> None:
    """To 1/256 of a character, as Excel stores a width (XlsxWriter's set_column would round
    to whole pixels), and to the point; adjacent columns of one width may share a range."""
    wb = load_workbook(io.BytesIO(workbook_bytes(_tricky_version(), ruleset)))
    for name in (CONTROL_SHEET, FORM_SHEET, LIST_SHEET, CSV_SHEET):
        ws, layout = wb[name], LAYOUTS[name]
        widths = {}
        for dimension in ws.column_dimensions.values():
            if dimension.width and dimension.min:
                for index in range(dimension.min, dimension.max + 1):
                    widths[m.column_letter(index)] = dimension.width
        assert widths.keys() == layout.widths.keys(), name
        for letter, width in layout.widths.items():
            assert abs(widths[letter] - width) <= 1 / 512, (name, letter, widths[letter])
    listing = wb[LIST_SHEET]
    for row, height in LAYOUTS[LIST_SHEET].heights.items():
        assert listing.row_dimensions[row].height >= height
    control = wb[CONTROL_SHEET]
    assert control.row_dimensions[1].height == pytest.approx(15 * 16 / 11, abs=1e-9)
    assert control.row_dimensions[11].height == 30  # the history line's two lines


def test_a_path_a_file_object_and_bytes_hold_the_same_workbook(ruleset: Ruleset,
                                                               tmp_path: Path) -> None:
    version = _tricky_version()
    path = tmp_path / "cpl.xlsx"
    write_workbook(path, version, ruleset)
    with (tmp_path / "cpl-object.xlsx").open("wb") as out:
        write_workbook(out, version, ruleset)

    # stamped with the version's issue day, not the clock: the same version, the same bytes
    made = workbook_bytes(version, ruleset)
    assert path.read_bytes() == made
    assert (tmp_path / "cpl-object.xlsx").read_bytes() == made
    with zipfile.ZipFile(io.BytesIO(made)) as z:
        assert f"{version.issue_date.isoformat()}T00:00:00Z" in z.read("docProps/core.xml").decode()


def test_a_failed_write_leaves_nothing_behind(ruleset: Ruleset, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    spool = tmp_path / "tmp"
    spool.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(spool))
    target = tmp_path / "missing" / "cpl.xlsx"
    with pytest.raises(OutputError, match=r"cannot build the workbook of version 1\.1"):
        write_workbook(target, _tricky_version(), ruleset)
    assert not target.exists() and list(spool.iterdir()) == []


def test_a_value_longer_than_a_cell_holds_is_named_not_cut(ruleset: Ruleset,
                                                           tmp_path: Path) -> None:
    """Excel's cells hold 32,767 characters: a longer value (an import keeps what SECAS issued
    however long) stops the build at its cell, rather than a workbook missing it."""
    values = {k: v for k, v in valid_gas().items() if k in m.PUBLISHED_FIELDS and v is not None}
    values.update({m.ENTRY_NUMBER: "000001", m.ENTRY_STATUS: "Current",
                   m.CPA_SECURITY_CHARACTERISTICS: "x" * 40_000})
    target = tmp_path / "cpl.xlsx"
    with pytest.raises(OutputError, match=r"cell Central Products List!\w+8 of the workbook: "
                                          r"it is longer than a cell holds"):
        write_workbook(target, _version((m.Entry.of(values),)), ruleset)
    assert not target.exists()
