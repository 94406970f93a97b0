"""The Plain English Mapping issued with each version: one row per Current entry, with the
company, the device type in plain words and the product name the entry keeps; listed in the
signed manifest and carried by the site."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

import pytest
from openpyxl import load_workbook

from cplkit.core import model as m
from cplkit.publications.plain_english import mapping_rows, plain_english_files
from tests.conftest import SAMPLES
from tests.conftest import run_cli as run

#: a name shaped as XlsxWriter's rich-string runs: written into the sheet unescaped, it would
#: close its own cell and add a formula cell
RICH = ('<r><t>x</t></r></is></c><c r="Z8" t="str"><f>1+1</f><v>2</v></c>'
        '<c r="Y8" t="inlineStr"><is><r><t>y</t></r>')


def test_the_mapping_names_the_product_each_entry_keeps_as_text(tmp_path: Path) -> None:
    """The product name column is the entry's own (a Removed entry is not listed), and a name
    a spreadsheet would read as a formula stays text in the workbook and the CSV."""
    def entry(number: str, status: str, product: str | None) -> m.Entry:
        return m.Entry.of({m.ENTRY_NUMBER: number, m.ENTRY_STATUS: status,
                           m.DEVICE_TYPE: "Gas Smart Meter", m.MANUFACTURER_ID: "12:3E",
                           m.FIRMWARE_VERSION: "01:00:00:00"}, product_name=product)

    version = m.CplVersion(m.VersionNumber.parse("1.0"), dt.date(2026, 11, 23), (
        entry("000001", "Current", "G4SZV-1"), entry("000002", "Removed", "G4SZV-0"),
        entry("000003", "Current", None), entry("000004", "Current", "=HYPERLINK(\"x\")"),
        entry("000005", "Current", RICH)),
        "")
    rows = mapping_rows(version, {"12:3E": "Flonidan"})
    at = rows[0].index("Product name")
    assert [(r[0], r[1], r[at]) for r in rows[1:]] == [
        ("000001", "Flonidan", "G4SZV-1"), ("000003", "Flonidan", ""),
        ("000004", "Flonidan", "=HYPERLINK(\"x\")"),
        ("000005", "Flonidan", RICH)]
    workbook, csv_bytes = plain_english_files(version, {"12:3E": "Flonidan"})
    assert "'=HYPERLINK" in csv_bytes.decode()
    path = tmp_path / "mapping.xlsx"
    path.write_bytes(workbook)
    sheet = load_workbook(path).active
    cell = sheet.cell(row=7, column=at + 1)
    assert cell.value == "=HYPERLINK(\"x\")" and cell.data_type == "s"
    # a name shaped as rich-string runs is text too, adding no cell or formula
    assert sheet.cell(row=8, column=at + 1).value == RICH
    assert sheet.max_row == 8 and sheet.max_column == len(rows[0])
    assert "names the product of 3 of them" in str(sheet["A2"].value)
    # read on screen or paper, no value is cut: each column as wide as its longest value
    # (up to 60 characters), the header in view
    widths = _column_widths(workbook)
    for column, name in enumerate(rows[0], start=1):
        longest = min(max(len(row[column - 1]) for row in rows), 60)
        assert widths[column] >= longest, name
    assert sheet.freeze_panes == "B5" and sheet.page_setup.orientation == "landscape"


def test_each_version_issues_the_mapping_listed_in_its_manifest(tmp_path: Path) -> None:
    registry = tmp_path / "registry"
    assert run("init", "-r", registry)[0] == 0
    code, out = run("publish", "-r", registry, "--as-of", "2026-11-23",
                    SAMPLES / "valid" / "bulk-submission.csv")
    assert code == 0, out
    folder = registry / "versions" / "1.0"
    rows = list(csv.reader(io.StringIO((folder / "plain-english-1.0.csv").read_text())))
    listed = json.loads(run("list", "-r", registry, "--status", "Current", "--format",
                            "json")[1])
    assert [r[0] for r in rows[1:]] == [e["Entry.number"] for e in listed]
    header = rows[0]
    by_type = {r[0]: r[header.index("Device type")] for r in rows[1:]}
    hub = next(e["Entry.number"] for e in listed
               if e["Device_Type.name"] == "Communications Hub")
    assert by_type[hub] == "Communications hub"
    manifest = (folder / "manifest-1.0.xml").read_text()
    assert "plain-english-1.0.xlsx" in manifest and "plain-english-1.0.csv" in manifest
    sheet = load_workbook(folder / "plain-english-1.0.xlsx").active
    values = [[c.value or "" for c in row] for row in sheet.iter_rows(min_row=4)]
    assert values == rows
    site = tmp_path / "site"
    assert run("site", "-r", registry, "--out", site)[0] == 0
    assert (site / "1.0" / "plain-english-1.0.csv").read_bytes() == (
        folder / "plain-english-1.0.csv").read_bytes()


def test_a_full_disk_while_the_mapping_is_gathered_is_a_clear_error(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The rows are spooled to temporary files and gathered into the workbook at the end,
    where XlsxWriter reports a full disk as its own error: an OutputError (exit 7) all the
    same, not an internal error."""
    import errno
    import zipfile

    from cplkit.errors import OutputError

    def full(*_: object, **__: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(zipfile.ZipFile, "write", full)
    version = m.CplVersion(m.VersionNumber.parse("1.0"), dt.date(2026, 11, 23), (), "")
    with pytest.raises(OutputError, match=r"Plain English Mapping of version 1\.0: .*No space"):
        plain_english_files(version, {})


def _column_widths(workbook: bytes) -> dict[int, float]:
    """Each column's width as the sheet's ``<col>`` ranges give it (a range covers equal
    neighbours, which openpyxl reads under its first column only)."""
    import zipfile

    from lxml import etree

    with zipfile.ZipFile(io.BytesIO(workbook)) as book:
        sheet = etree.fromstring(book.read("xl/worksheets/sheet1.xml"))
    ns = {"s": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
    return {column: float(col.get("width"))
            for col in sheet.iterfind("s:cols/s:col", ns)
            for column in range(int(col.get("min")), int(col.get("max")) + 1)}

