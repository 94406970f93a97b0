"""The read-ahead: in a reading child, calamine loads the largest sheet while the scan of its XML
goes on. What a reader sees must not change, and a file the scan refuses keeps the scan's
verdict even when calamine, reading ahead, kills the process first."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from cplkit.app.check import check_file
from cplkit.core.ruleset import Ruleset
from cplkit.intake import xlsx
from cplkit.intake.limits import DEFAULT_LIMITS, Limits
from tests.conftest import AS_OF, SAMPLES
from tests.intake.workbooks import SHEET_CLOSE, SHEET_OPEN, inline_cell, write_workbook

WORKBOOKS = sorted(SAMPLES.glob("*/*.xlsx"))


def _every_sheet(path: Path, *, read_ahead: bool, order: int) -> dict[str, list[object]]:
    workbook = xlsx.Workbook(path, DEFAULT_LIMITS, read_ahead=read_ahead)
    try:
        names = [name for name, _, _ in workbook.sheets][::order]
        return {name: list(workbook.sheet(name).rows) for name in names}
    finally:
        workbook.close()


@pytest.mark.parametrize("path", WORKBOOKS, ids=lambda p: p.name)
def test_read_ahead_reads_every_sheet_cell_for_cell_as_before(path: Path) -> None:
    """Every sample's sheets, asked for in both orders (the read-ahead sheet first or last)."""
    plain = _every_sheet(path, read_ahead=False, order=1)
    assert plain
    for order in (1, -1):
        assert _every_sheet(path, read_ahead=True, order=order) == plain


def _far_cell_after(rows: int) -> bytes:
    """A table of ``rows`` rows, then one cell in column XFD: the scan refuses it only once it
    has read everything before it."""
    body = b"".join(f'<row r="{r}">'.encode() + inline_cell(f"A{r}", "Gas Smart Meter")
                    + b"</row>" for r in range(1, rows + 1))
    far = f'<row r="{rows + 1}">'.encode() + inline_cell(f"XFD{rows + 1}", "x") + b"</row>"
    return SHEET_OPEN + body + far + SHEET_CLOSE


def test_a_reader_killed_before_the_scan_ends_gets_the_scans_verdict(
        tmp_path: Path, ruleset: Ruleset, monkeypatch: pytest.MonkeyPatch) -> None:
    """Simulated: calamine aborts the reading process as soon as it starts, long before the
    scan reaches the far cell. The report still says why the file is refused."""
    def aborting(self: xlsx.Workbook, name: str) -> object:
        os.abort()

    monkeypatch.setattr(xlsx.Workbook, "_load", aborting)
    path = write_workbook(tmp_path / "far.xlsx", _far_cell_after(50_000))
    report = check_file(path, ruleset, AS_OF)
    assert [(f.code, "beyond column ZZ" in f.message) for f in report.findings] == [
        ("CPL-F02", True)]


def test_a_reader_killed_on_a_file_the_scan_passes_is_reported_stopped(
        tmp_path: Path, ruleset: Ruleset, monkeypatch: pytest.MonkeyPatch) -> None:
    def aborting(self: xlsx.Workbook, name: str) -> object:
        os.abort()

    monkeypatch.setattr(xlsx.Workbook, "_load", aborting)
    report = check_file(SAMPLES / "valid" / "form-gas-smart-meter.xlsx", ruleset, AS_OF)
    assert len(report.findings) == 1 and report.unreadable
    assert "SIGABRT" in report.findings[0].message


def test_without_a_child_nothing_is_read_ahead(tmp_path: Path, ruleset: Ruleset,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """Reading in this process (no fork), the scan comes first, whole: calamine never sees a
    file the scan refuses."""
    asked: list[str] = []
    original = xlsx.Workbook._load

    def noted(self: xlsx.Workbook, name: str) -> object:
        asked.append(name)
        return original(self, name)

    monkeypatch.setattr(xlsx.Workbook, "_load", noted)
    path = write_workbook(tmp_path / "far.xlsx", _far_cell_after(2_000))
    report = check_file(path, ruleset, AS_OF, limits=Limits(isolate=False))
    assert asked == []
    assert [f.code for f in report.findings] == ["CPL-F02"]
    assert "beyond column ZZ" in report.findings[0].message


def test_the_scan_for_a_verdict_never_opens_a_pipe(tmp_path: Path) -> None:
    """The file a reader died on may have been swapped for a pipe since: opening one would
    wait for a writer forever, so the scan leaves it alone."""
    import threading

    from cplkit.intake.opener import prescan

    pipe = tmp_path / "submission.xlsx"
    os.mkfifo(pipe)
    done = threading.Event()

    def scan() -> None:
        prescan(pipe, DEFAULT_LIMITS)
        done.set()

    threading.Thread(target=scan, daemon=True).start()
    assert done.wait(5), "the scan opened the pipe and is waiting for a writer"
