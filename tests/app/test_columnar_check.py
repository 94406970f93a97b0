"""The columnar check of an all-text table (the ``[fast]`` extra: fastexcel and pyarrow) gives
the report the entry-by-entry path gives: the same codes, cells, values, messages, hints and
order, and the same entries shown; and it is the path taken where it should be, and not where
it should not (a cell that is not text, a formula, a hidden row, ``CPLKIT_COLUMNAR=0``).

On every sample, on generated all-text bulk sheets dirtied the ways users dirty them, on sheets
with a cell that is not text, and (slow) on the benchmark's sheet in a reading child. Skipped
without the extra; the row path's own differential test is tests/app/test_grouped_check.py.
"""

from __future__ import annotations

import datetime as dt
import os
import runpy
import sys
from collections.abc import Callable, Iterator
from importlib.util import find_spec
from pathlib import Path
from typing import Any, TypeVar

import pytest
from hypothesis import HealthCheck, given, settings

from cplkit.app import check as check_module
from cplkit.app import table_check
from cplkit.base.isolation import run_isolated
from cplkit.core.ruleset import Ruleset
from cplkit.forms.bulk import bulk_fields
from cplkit.intake import columnar
from cplkit.intake.limits import DEFAULT_LIMITS, Limits
from cplkit.intake.xlsx import Workbook
from tests.app.test_grouped_check import DIRT, assert_same, bulk_tables, sample_files
from tests.conftest import ROOT

T = TypeVar("T")

if not all(find_spec(name) for name in ("fastexcel", "pyarrow")):
    if os.environ.get("CPLKIT_CI_FAST"):
        # .ci/run's step with the extra: missing, it fails here instead of skipping
        pytest.fail("the [fast] extra (fastexcel, pyarrow) is not installed", pytrace=False)
    pytest.skip("the [fast] extra (fastexcel, pyarrow) is not installed",
                allow_module_level=True)

#: every check here runs as ``cplkit check`` runs it: each file read in a forked child, where
#: alone the columnar path runs (pyarrow's threads would make a later fork of this test
#: process unsafe: nothing here imports it in this process)
CHILDREN = Limits()


@pytest.fixture
def columns_read(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
                 ) -> Iterator[Callable[[], int]]:
    """The columnar path forced on (however small the sheet), and how many tables it has
    checked so far: each reading child notes one in a file, as its counts die with it."""
    monkeypatch.setenv(columnar.ENV, "1")
    marks = tmp_path_factory.mktemp("taken") / "marks"
    marks.write_bytes(b"")
    real = table_check.check_columns

    def spy(*args: Any, **kwargs: Any) -> Any:
        with marks.open("ab") as stream:
            stream.write(b".")
        return real(*args, **kwargs)

    monkeypatch.setattr(check_module, "check_columns", spy)
    yield lambda: len(marks.read_bytes())


def in_child(function: Callable[[], T]) -> T:
    return run_isolated(function, memory_bytes=CHILDREN.max_memory_bytes, seconds=120)


def write_text_xlsx(path: Path, fields: list[str], rows: list[list[Any]]) -> None:
    """Every value written as text (a number, date or boolean by its ``str``), even one that
    starts with '=' (a string, not a formula)."""
    from openpyxl import Workbook as Book

    book = Book()
    sheet = book.active
    sheet.title = "Bulk"
    for r, row in enumerate([fields, *rows], start=1):
        for c, value in enumerate(row, start=1):
            if value is None:
                continue
            cell = sheet.cell(r, c)
            cell.value = str(value)
            cell.data_type = "s"
    book.save(path)


def _is_table(path: Path) -> bool:
    return "bulk" in path.name


def test_every_sample_table(ruleset: Ruleset, columns_read: Callable[[], int]) -> None:
    """The samples that are tables: the one all-text sheet among them read by columns."""
    assert_same([p for p in sample_files() if _is_table(p)], ruleset, limits=CHILDREN)
    assert columns_read() == 1


@pytest.mark.slow
def test_every_other_sample(ruleset: Ruleset, columns_read: Callable[[], int]) -> None:
    """Forms and change files: however the switch is set, never read by columns."""
    assert_same([p for p in sample_files() if not _is_table(p)], ruleset, limits=CHILDREN)
    assert columns_read() == 0


_GENERATED = settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                            HealthCheck.too_slow])


@settings(_GENERATED, max_examples=6)
@given(table=bulk_tables())
def test_generated_all_text_sheets(ruleset: Ruleset, tmp_path_factory: pytest.TempPathFactory,
                                   columns_read: Callable[[], int],
                                   table: tuple[list[str], list[list[Any]]]) -> None:
    check_generated(ruleset, tmp_path_factory, columns_read, table)


@pytest.mark.slow
@settings(_GENERATED, max_examples=30)
@given(table=bulk_tables())
def test_more_generated_all_text_sheets(ruleset: Ruleset,
                                        tmp_path_factory: pytest.TempPathFactory,
                                        columns_read: Callable[[], int],
                                        table: tuple[list[str], list[list[Any]]]) -> None:
    check_generated(ruleset, tmp_path_factory, columns_read, table)


def check_generated(ruleset: Ruleset, tmp_path_factory: pytest.TempPathFactory,
                    columns_read: Callable[[], int],
                    table: tuple[list[str], list[list[Any]]]) -> None:
    fields, rows = table
    folder = tmp_path_factory.mktemp("text")
    path = folder / "bulk.xlsx"
    write_text_xlsx(path, fields, rows)
    copy = folder / "again.xlsx"
    copy.write_bytes(path.read_bytes())
    before = columns_read()
    assert_same([path, copy], ruleset, limits=CHILDREN)
    # each copy's table read by columns when it has every column (with fewer, the check in
    # groups may not apply, and both paths check entry by entry)
    taken = columns_read() - before
    if set(bulk_fields(ruleset)) <= set(fields):
        assert taken == 2
    else:
        assert taken in (0, 2)


@pytest.mark.parametrize(("count", "batch"), [
    (1_300, 250),  # the inner loop's: small batches, so a few rows span six
    pytest.param(9_500, table_check.BATCH_ROWS, marks=pytest.mark.slow),  # as check runs
])
def test_many_rows_across_batches(ruleset: Ruleset, tmp_path: Path,
                                  monkeypatch: pytest.MonkeyPatch,
                                  columns_read: Callable[[], int], count: int, batch: int
                                  ) -> None:
    # the reading child is forked from here, so it checks in batches of this size too
    monkeypatch.setattr(table_check, "BATCH_ROWS", batch)
    valid = runpy.run_path(str(ROOT / "samples" / "generate.py"))["VALID"]
    entries = list(valid.values())
    fields = bulk_fields(ruleset)
    rows: list[list[Any]] = []
    for i in range(count):
        entry = dict(entries[i % len(entries)])
        entry["Device_Model.firmware_version"] = f"00:00:{(i >> 8) & 255:02X}:{i & 255:02X}"
        row = [entry.get(f) for f in fields]
        if i % 97 == 5:
            row[fields.index("Device_Model.model_identifier")] = "ff:ff"
        if i % 130 == 3:
            row = [None] * len(fields)  # a blank row: skipped, its number kept by the rest
        if i % 150 == 7:
            row = list(rows[-1])
        rows.append(row)
    path = tmp_path / "bulk.xlsx"
    write_text_xlsx(path, fields, rows)
    reviewed = assert_same([path], ruleset, limits=CHILDREN)
    assert columns_read() == 1
    assert reviewed.report.files[0].entries == count - len(range(3, count, 130))


@pytest.mark.parametrize("odd", DIRT[3:11])
def test_a_cell_not_text_is_read_by_rows(ruleset: Ruleset, tmp_path: Path,
                                         columns_read: Callable[[], int], odd: Any) -> None:
    """One number, date or boolean among text: fastexcel would make it text, so the sheet is
    read by rows, and the report is the same."""
    from openpyxl import load_workbook

    fields = bulk_fields(ruleset)
    path = tmp_path / "bulk.xlsx"
    write_text_xlsx(path, fields, [["x"] * len(fields)] * 3)
    book = load_workbook(path)
    book.active.cell(3, 2).value = odd
    book.save(path)
    assert_same([path], ruleset, limits=CHILDREN)
    assert columns_read() == 0


def test_the_switch(ruleset: Ruleset, tmp_path: Path, columns_read: Callable[[], int],
                    monkeypatch: pytest.MonkeyPatch) -> None:
    """``CPLKIT_COLUMNAR``: 1 reads even a small sheet by columns, 0 never; unset, a sheet
    below the size worth it is read by rows; and a reader in this process never does."""
    fields = bulk_fields(ruleset)
    path = tmp_path / "bulk.xlsx"
    write_text_xlsx(path, fields, [["x"] * len(fields)] * 3)
    assert_same([path], ruleset, limits=CHILDREN)
    assert columns_read() == 1
    monkeypatch.setenv(columnar.ENV, "0")
    assert_same([path], ruleset, limits=CHILDREN)
    monkeypatch.delenv(columnar.ENV)
    assert_same([path], ruleset, limits=CHILDREN)
    monkeypatch.setenv(columnar.ENV, "1")
    assert_same([path], ruleset, limits=Limits(isolate=False))
    assert columns_read() == 1
    assert "pyarrow" not in sys.modules


def _sheet_read_ahead(path: Path) -> tuple[bool, list[Any]]:
    opened = Workbook(path, DEFAULT_LIMITS, read_ahead=True, columns=True)
    try:
        data = opened.sheet(opened.sheet_names[0])
        return data.columns is not None, list(data.rows)
    finally:
        opened.close()


def test_read_ahead_dropped_when_the_scan_finds_a_number(tmp_path: Path,
                                                         columns_read: Callable[[], int]
                                                         ) -> None:
    """Read ahead column by column before the scan ends, a sheet the scan then finds a number
    in is read again by calamine, the number a number; an all-text one is kept."""
    from openpyxl import Workbook as Book

    path = tmp_path / "mixed.xlsx"
    book = Book()
    book.active.append(["a", "b"])
    book.active.append(["c", 7])
    book.save(path)
    by_columns, rows = in_child(lambda: _sheet_read_ahead(path))
    assert not by_columns
    assert rows[1][1] == 7
    write_text_xlsx(path, ["a", "b"], [["c", "7"]])
    by_columns, rows = in_child(lambda: _sheet_read_ahead(path))
    assert by_columns
    assert rows == [["a", "b"], ["c", "7"]]


def test_a_mixed_column_is_not_loaded(tmp_path: Path) -> None:
    from openpyxl import Workbook as Book

    path = tmp_path / "mixed.xlsx"
    book = Book()
    book.active.append(["a", "b"])
    book.active.append([dt.date(2030, 1, 1), "x"])
    book.save(path)
    assert in_child(lambda: columnar.load(path, "Sheet") is None)
    write_text_xlsx(path, ["a", "b"], [["2030-01-01", "x"]])
    assert in_child(lambda: columnar.load(path, "Bulk") is not None)


@pytest.mark.slow
def test_benchmark_sized_sheet_in_a_child(ruleset: Ruleset, tmp_path: Path,
                                          columns_read: Callable[[], int]) -> None:
    """The benchmark's 100,000-row sheet (inline strings), read as ``cplkit check`` reads it:
    in a child under the real limits, fastexcel reading ahead."""
    path = ROOT / "benchmarks" / "out" / "bulk-100000.xlsx"
    if not path.exists():
        from cplkit.forms.bulk import write_bulk_table

        entries = runpy.run_path(str(ROOT / "benchmarks" / "make_bulk.py"))["entries"](100_000)
        path = tmp_path / "bulk-100000.xlsx"
        write_bulk_table(path, ruleset, entries)
    reviewed = assert_same([path], ruleset, limits=CHILDREN)
    assert columns_read() == 1
    assert reviewed.report.files[0].entries == 100_000
