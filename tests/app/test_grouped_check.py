"""The grouped check of a table (``cplkit check``'s path) gives the report the entry-by-entry
path gives (the publish's: every entry through the validator, every new entry merged for
CPL-M01): the same codes, cells, values, messages, hints and order, and the same entries shown.

On every sample, on generated bulk sheets dirtied the ways users dirty them (numbers, dates and
booleans in text columns, blanks, hostile text, repeated rows), as .xlsx and .csv, and (slow) on
a benchmark-sized sheet.
"""

from __future__ import annotations

import datetime as dt
import runpy
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cplkit.app import table_check
from cplkit.app.check import Reviewed, check_for_review, duplicates, read_changes
from cplkit.core.findings import Report
from cplkit.core.ruleset import Ruleset
from cplkit.forms.bulk import bulk_fields
from cplkit.intake.limits import Limits
from cplkit.intake.rulesets import load_ruleset
from tests.conftest import AS_OF, ROOT, SAMPLES

IN_PROCESS = Limits(isolate=False)
#: the bundled ruleset, which the strategies draw field names from
RULESET = load_ruleset()
VALID: list[dict[str, Any]] = list(runpy.run_path(str(SAMPLES / "generate.py"))["VALID"].values())


def entry_by_entry(paths: list[Path], ruleset: Ruleset, *, limits: Limits = IN_PROCESS,
                   show: bool = True) -> Reviewed:
    """The report as the publish's reading makes it: every entry through the validator."""
    read = read_changes(paths, ruleset, AS_OF, limits=limits, show=show)
    return Reviewed(Report(files=duplicates(read), as_of=AS_OF.isoformat(), ruleset=ruleset.id,
                           ruleset_sha256=ruleset.digest), read.shown)


def assert_same(paths: list[Path], ruleset: Ruleset, *, limits: Limits = IN_PROCESS) -> Reviewed:
    grouped = check_for_review(paths, ruleset, AS_OF, limits=limits)
    plain = entry_by_entry(paths, ruleset, limits=limits)
    for ours, theirs in zip(grouped.report.files, plain.report.files, strict=True):
        # finding by finding first, so a failure names the first one that differs
        assert list(ours.findings) == list(theirs.findings), ours.path
        assert ours == theirs
    assert grouped.report == plain.report
    assert grouped.entries == plain.entries
    return grouped


def sample_files() -> list[Path]:
    return sorted(p for p in SAMPLES.rglob("*")
                  if p.suffix.lower() in (".xlsx", ".xlsm", ".csv"))


def test_every_sample_as_one_set(ruleset: Ruleset) -> None:
    files = sample_files()
    assert len(files) > 20
    reviewed = assert_same(files, ruleset)
    codes = {f.code for r in reviewed.report.files for f in r.findings}
    # the set exercises what the grouped path must get right: rule findings on grouped rows,
    # normalisation findings, and listings repeated across files
    assert {"CPL-M01", "CPL-V12"} <= codes


def test_samples_in_reading_children(ruleset: Ruleset) -> None:
    """Under the real limits each file is read in a child (calamine reading ahead)."""
    files = [p for p in sample_files() if "bulk" in p.name or p.suffix == ".csv"][:6]
    assert files
    assert_same(files, ruleset, limits=Limits())


# -- generated bulk sheets ----------------------------------------------------------------------

DIRT: list[Any] = [
    None, "", "   ", 0, 1, 42.5, 1e10, True, False, dt.date(2030, 8, 30),
    dt.datetime(2030, 8, 30, 12, 0), "=HYPERLINK(\"http://x\")", "+1", "@SUM(A1)",
    "<script>alert(1)</script>", " 12:3e ", "106c", "zigbee smart energy standard 1.4",
    "Not Relevant", "line one\nline two", "a_x000D_b", "Current", "000001", "FF:FF", "xx:yy",
    "30/08/2030", "2030-08-30", "31/02/2030", "\u202etxt", "'quoted'", "NaN",
]


@st.composite
def bulk_tables(draw: st.DrawFn) -> tuple[list[str], list[list[Any]]]:
    """A header of canonical field names (perhaps missing some) and rows drawn from valid
    entries, with some cells dirtied and some rows repeated or blank."""
    ruleset = RULESET
    fields = bulk_fields(ruleset)
    if draw(st.booleans()):
        dropped = draw(st.sets(st.sampled_from(fields), max_size=2))
        fields = [f for f in fields if f not in dropped]
    rows: list[list[Any]] = []
    for _ in range(draw(st.integers(1, 25))):
        kind = draw(st.sampled_from(("valid", "valid", "dirty", "repeat", "blank")))
        if kind == "repeat" and rows:
            rows.append(list(draw(st.sampled_from(rows))))
            continue
        if kind == "blank":
            rows.append([None] * len(fields))
            continue
        entry = draw(st.sampled_from(VALID))
        row = [entry.get(f) for f in fields]
        if kind == "dirty":
            for _ in range(draw(st.integers(1, 4))):
                row[draw(st.integers(0, len(fields) - 1))] = draw(st.sampled_from(DIRT))
        rows.append(row)
    return fields, rows


def write_xlsx(path: Path, fields: list[str], rows: list[list[Any]]) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "Bulk"
    ws.append(fields)
    for row in rows:
        ws.append(row)
    wb.save(path)


def write_csv(path: Path, fields: list[str], rows: list[list[Any]]) -> None:
    import csv

    with path.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow(fields)
        writer.writerows(["" if v is None else str(v) for v in row] for row in rows)


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(table=bulk_tables(), as_csv=st.booleans())
def test_generated_bulk_sheets(ruleset: Ruleset, tmp_path_factory: pytest.TempPathFactory,
                               table: tuple[list[str], list[list[Any]]], as_csv: bool) -> None:
    fields, rows = table
    folder = tmp_path_factory.mktemp("bulk")
    path = folder / ("bulk.csv" if as_csv else "bulk.xlsx")
    (write_csv if as_csv else write_xlsx)(path, fields, rows)
    # twice in one set: every listing of the second copy repeats one of the first (CPL-M01)
    copy = folder / f"again{path.suffix}"
    copy.write_bytes(path.read_bytes())
    assert_same([path, copy], ruleset)


@pytest.mark.parametrize(("count", "batch"), [
    (1_200, 250),  # the inner loop's: small batches, so a few rows span five
    pytest.param(9_000, table_check.BATCH_ROWS, marks=pytest.mark.slow),  # as check runs
])
def test_many_rows_span_batches(ruleset: Ruleset, tmp_path: Path,
                                monkeypatch: pytest.MonkeyPatch, count: int, batch: int) -> None:
    """More rows than one batch holds, with a dirty row and a repeated one in each batch: the
    verdicts carried from batch to batch are the ones the validator gives."""
    monkeypatch.setattr(table_check, "BATCH_ROWS", batch)
    fields = bulk_fields(ruleset)
    rows = []
    for i in range(count):
        entry = dict(VALID[i % len(VALID)])
        entry["Device_Model.firmware_version"] = f"00:00:{(i >> 8) & 255:02X}:{i & 255:02X}"
        row = [entry.get(f) for f in fields]
        if i % 97 == 5:
            row[fields.index("Device_Model.model_identifier")] = "ff:ff"
        if i % 150 == 7:
            row = list(rows[-1])
        rows.append(row)
    path = tmp_path / "bulk.xlsx"
    write_xlsx(path, fields, rows)
    reviewed = assert_same([path], ruleset)
    assert reviewed.report.files[0].entries == count


@pytest.mark.slow
def test_benchmark_sized_sheet(ruleset: Ruleset, tmp_path: Path) -> None:
    """The benchmark's own 100,000-row sheet (made if absent), read as ``cplkit check`` reads
    it: in a child, under the real limits."""
    path = ROOT / "benchmarks" / "out" / "bulk-100000.xlsx"
    if not path.exists():
        from cplkit.forms.bulk import write_bulk_table

        entries = runpy.run_path(str(ROOT / "benchmarks" / "make_bulk.py"))["entries"](100_000)
        path = tmp_path / "bulk-100000.xlsx"
        write_bulk_table(path, ruleset, entries)
    reviewed = assert_same([path], ruleset, limits=Limits())
    assert reviewed.report.files[0].entries == 100_000
