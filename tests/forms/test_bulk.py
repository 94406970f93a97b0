"""The bulk submission files cplkit writes (``cplkit.forms.bulk``, ``cplkit.forms.cells``):
one entry per row under canonical headers, every field a submitter fills, values kept as text
(leading zeros, a leading '=') in .xlsx and .csv alike, and a workbook whole or absent."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from cplkit.app.check import check_file
from cplkit.core import model as m
from cplkit.core.secas import BULK_SHEET
from cplkit.forms import cells
from cplkit.forms.bulk import bulk_fields, write_bulk_table
from tests.conftest import AS_OF
from tests.core.entries import valid_gas


def test_the_columns_are_what_a_submitter_fills(ruleset: Any) -> None:
    columns = bulk_fields(ruleset)
    assert m.ENTRY_NUMBER not in columns and m.ENTRY_STATUS not in columns
    assert columns == [s.name for s in ruleset.fields.values() if not s.allocated_by_secas]


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_a_bulk_file_reads_back_as_its_entries(tmp_path: Path, ruleset: Any,
                                               suffix: str) -> None:
    path = tmp_path / f"bulk{suffix}"
    write_bulk_table(path, ruleset, [valid_gas(), valid_gas(**{m.FIRMWARE_VERSION:
                                                                "01:02:0C:01"})])
    report = check_file(path, ruleset, AS_OF)
    assert (report.layout, report.entries, report.errors) == ("table", 2, 0)


def test_text_stays_text(tmp_path: Path, ruleset: Any) -> None:
    values = {**valid_gas(), m.IMAGE_CREATOR: "=1+1", m.HARDWARE_VERSION: "00"}
    write_bulk_table(tmp_path / "bulk.xlsx", ruleset, [values])
    sheet = openpyxl.load_workbook(tmp_path / "bulk.xlsx")[BULK_SHEET]
    header = [c.value for c in sheet[1]]
    row = dict(zip(header, sheet[2], strict=True))
    assert row[m.IMAGE_CREATOR].value == "=1+1" and row[m.IMAGE_CREATOR].data_type == "s"
    assert row[m.HARDWARE_VERSION].value == "00"
    write_bulk_table(tmp_path / "bulk.csv", ruleset, [values])
    with (tmp_path / "bulk.csv").open(encoding="utf-8", newline="") as stream:
        header, first = list(csv.reader(stream))
    assert dict(zip(header, first, strict=True))[m.HARDWARE_VERSION] == "00"


def test_a_blank_bulk_workbook_offers_the_allowed_values(tmp_path: Path, ruleset: Any) -> None:
    write_bulk_table(tmp_path / "blank.xlsx", ruleset, [])
    sheet = openpyxl.load_workbook(tmp_path / "blank.xlsx")[BULK_SHEET]
    assert [c.value for c in sheet[1]] == bulk_fields(ruleset) and sheet.max_row == 1
    assert any(v.type == "list" and "Gas Smart Meter" in (v.formula1 or "")
               for v in sheet.data_validations.dataValidation)


def test_a_workbook_that_cannot_be_saved_leaves_nothing(tmp_path: Path) -> None:
    class Broken:
        def save(self, path: Path) -> None:
            Path(path).write_bytes(b"half")
            raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        cells.save(Broken(), tmp_path / "out.xlsx")
    assert list(tmp_path.iterdir()) == []
