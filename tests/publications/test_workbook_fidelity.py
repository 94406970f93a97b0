"""The published workbook as people read it: SECAS's own texts on a re-issue, SECAS's
protection (no password), labels at the top of their rows, rows as tall as their wrapped text,
and the template's Notes column. The comparison with SECAS's real v2.051 (``realdata``) skips
when that workbook is absent."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from python_calamine import CalamineWorkbook

from cplkit.core import model as m
from cplkit.core.ruleset import Ruleset
from cplkit.core.secas_texts import FieldTexts, SecasTexts
from cplkit.forms.new_entry import write_new_entry_form
from cplkit.publications.workbook import workbook_bytes
from tests.conftest import REAL_WORKBOOK
from tests.core.entries import valid_gas

LIST, FORM, CONTROL = "Central Products List", "CPL - New Entry", "Version Control"


def _version() -> m.CplVersion:
    values = {k: v for k, v in valid_gas().items() if k in m.PUBLISHED_FIELDS and v is not None}
    values.update({m.ENTRY_NUMBER: "000001", m.ENTRY_STATUS: "Current"})
    history = (m.HistoryLine("1.0", "2016-10-27", "Initial blank version for publication."),)
    return m.CplVersion(m.VersionNumber.parse("1.1"), dt.date(2016, 10, 28),
                        (m.Entry.of(values),), "One New Device Model added:\n000001 - GSME",
                        history)


def _workbook(ruleset: Ruleset, secas: SecasTexts | None = None) -> Any:
    return load_workbook(io.BytesIO(workbook_bytes(_version(), ruleset, secas)))


def test_labels_sit_at_the_top_of_their_rows(ruleset: Ruleset) -> None:
    """Printed, 'Notes' stood beside the conditionality text: column-A labels were at the
    bottom of their rows while the values were at the top."""
    wb = _workbook(ruleset)
    listing = wb[LIST]
    for row in range(1, 9):
        for column in range(1, 22):
            cell = listing.cell(row, column)
            if cell.value is not None:
                assert cell.alignment.vertical == "top", cell.coordinate
    form = wb[FORM]
    for row in form.iter_rows(min_row=6, max_col=7):
        for cell in row:
            if cell.value is not None:
                assert cell.alignment.vertical == "top", cell.coordinate


def _lines(text: str, width: float) -> int:
    return sum(max(1, -(-len(p) // int(width))) for p in text.replace("\r", "").split("\n"))


def test_every_form_row_is_as_tall_as_its_wrapped_text(ruleset: Ruleset,
                                                         tmp_path: Path) -> None:
    """The New Entry tab and the template had no row heights, so rule texts and value lists
    ran over the rows below in LibreOffice."""
    form = _workbook(ruleset)[FORM]
    template = tmp_path / "template.xlsx"
    write_new_entry_form(template, ruleset)
    for ws in (form, load_workbook(template)[FORM]):
        for row in range(7, 7 + len(ruleset.fields)):
            tallest = max(_lines(str(ws.cell(row, c).value or ""),
                                 ws.column_dimensions[chr(64 + c)].width) for c in range(1, 7))
            assert (ws.row_dimensions[row].height or 0) >= 15 * tallest, (ws.title, row)


def test_the_template_notes_say_what_each_field_is(ruleset: Ruleset, tmp_path: Path) -> None:
    path = tmp_path / "template.xlsx"
    write_new_entry_form(path, ruleset)
    ws = load_workbook(path)[FORM]
    notes = {ws.cell(r, 2).value: ws.cell(r, 3).value for r in range(7, 7 + len(ruleset.fields))}
    assert all(notes.values()), [k for k, v in notes.items() if not v]
    assert "sent to the DCC" in notes["firmware_version"]
    assert "Firmware Information Repository" in notes["Website"]
    assert "SECAS fills it in" in notes["number"]
    assert ws.column_dimensions["C"].width >= 30  # a column the notes can be read in


def test_every_tab_is_protected_as_secas_protects_it_without_a_password(
        ruleset: Ruleset) -> None:
    wb = _workbook(ruleset)
    for ws in wb.worksheets:
        assert ws.protection.sheet, ws.title
        assert not ws.protection.password and not ws.protection.hashValue, ws.title
    form = wb[FORM]
    assert form["G9"].protection.locked is False and form["H9"].protection.locked is False
    assert form["G7"].protection.locked and form["C9"].protection.locked  # SECAS's and texts
    assert form.protection.formatColumns is False  # SECAS lets a submitter widen a column
    assert wb[LIST].protection.autoFilter is False  # and anyone filter the list
    assert form["G9"].fill.fgColor.rgb.endswith("E2EFDA")  # green input
    assert form["G25"].fill.fgColor.rgb.endswith("FFE699")  # yellow: the image's hash
    assert wb[CONTROL]["B11"].fill.fgColor.rgb.endswith("FFF2CC")  # the history's yellow


def test_a_registry_that_started_from_secas_keeps_secas_texts(ruleset: Ruleset) -> None:
    """SECAS's texts replace cplkit's cell for cell; history dates SECAS wrote as text stay
    text, and a later line follows them; a field SECAS never described keeps cplkit's text,
    and a valid-values list that misses a value the ruleset accepts gives way to cplkit's."""
    secas = SecasTexts(
        control={"A1": "SECAS title", "A5": "SECAS usage", "A10": "Version Number"},
        form_top={"A3": "SECAS instructions", "A6": "Data Group"},
        form_fields={("Device_Type", "name"): FieldTexts("SECAS note", "SECAS rule",
                                                         "SECAS format", "only one type")},
        list_columns={("Entry", "number"): FieldTexts("n", "c", "f", "v", "Panel")},
        history_dates={"1.0": "27/10/2016"})
    wb = _workbook(ruleset, secas)
    control = wb[CONTROL]
    assert [control[c].value for c in ("A1", "A3", "A5", "A6", "A10")] == [
        "SECAS title", "Version 1.1 Issued on 28-10-2016", "SECAS usage", None,
        "Version Number"]
    assert (control["B11"].value, control["B12"].value) == ("27/10/2016", "28/10/2016")
    form = wb[FORM]
    assert form["A3"].value == "SECAS instructions" and form["A4"].value is None
    assert [form.cell(9, c).value for c in range(3, 6)] == ["SECAS note", "SECAS rule",
                                                            "SECAS format"]
    assert "Gas Smart Meter" in form["F9"].value  # SECAS's list left out accepted types
    assert form["D10"].value != "SECAS rule"  # cplkit's, for a row SECAS's texts lack
    assert form.max_row == 6 + len([s for s in ruleset.fields.values() if not s.extension])
    listing = wb[LIST]
    assert [listing.cell(r, 2).value for r in range(1, 8)] == ["Entry", "number", "n", "c",
                                                              "Panel", "f", "v"]
    plain = _workbook(ruleset)[CONTROL]
    assert isinstance(plain["B11"].value, dt.datetime)  # cplkit's own registry: date cells


# -- against SECAS's real workbook -------------------------------------------------------------

needs_real = pytest.mark.skipif(not REAL_WORKBOOK.is_file(),
                                reason=f"the real SECAS workbook is not at {REAL_WORKBOOK} (set "
                                       "CPLKIT_REAL_WORKBOOK to its path)")


@pytest.fixture(scope="module")
def reissued(tmp_path_factory: pytest.TempPathFactory,
             signing_keys: tuple[Path, Path]) -> Path:
    """SECAS's v2.051 imported, then one version published on top of it."""
    from click.testing import CliRunner

    from cplkit.cli import cli
    from tests.conftest import SAMPLES

    registry = tmp_path_factory.mktemp("fidelity") / "registry"
    keys = ["--key", str(signing_keys[0]), "--cert", str(signing_keys[1])]
    result = CliRunner().invoke(cli, ["import", str(REAL_WORKBOOK), "-r", str(registry), *keys])
    assert result.exit_code == 0, result.output
    result = CliRunner().invoke(cli, ["publish", "-r", str(registry), "--as-of", "2026-11-23",
                                      str(SAMPLES / "valid" / "form-gas-smart-meter.xlsx"),
                                      *keys])
    assert result.exit_code == 0, result.output
    return registry


def _cells(path: Path, sheet: str, rows: int | None = None) -> dict[str, object]:
    """Every non-empty cell of ``sheet`` (of its first ``rows`` rows), as calamine reads it."""
    grid = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet).to_python()
    return {f"{m.column_letter(c)}{r}": v for r, row in enumerate(grid[:rows], start=1)
            for c, v in enumerate(row, start=1) if v != ""}


@pytest.mark.realdata
@needs_real
@pytest.mark.parametrize("number", ["2.051", "2.052"])
def test_the_reissued_workbook_carries_secas_texts_value_for_value(reissued: Path,
                                                                   number: str) -> None:
    """Every cell of rows 1-7 of the list, the whole New Entry tab and the Version Control
    tab's texts above the history are SECAS's, in the imported version and the next one."""
    ours = reissued / "versions" / number / f"cpl-{number}.xlsx"
    assert _cells(ours, LIST, 7) == _cells(REAL_WORKBOOK, LIST, 7)
    assert _cells(ours, FORM) == _cells(REAL_WORKBOOK, FORM)
    theirs = _cells(REAL_WORKBOOK, CONTROL, 10)
    mine = _cells(ours, CONTROL, 10)
    assert mine.pop("A3") == f"Version {number} Issued on " + (
        "21-09-2022" if number == "2.051" else "23-11-2026")
    theirs.pop("A3")
    assert mine == theirs


@pytest.mark.realdata
@needs_real
def test_the_history_dates_secas_wrote_as_text_stay_text(reissued: Path) -> None:
    """All 346 dates of SECAS's history are text cells; re-issued, they are the same text,
    and the next version's line is written the same way."""
    def dates(path: Path) -> list[object]:
        ws = load_workbook(path, read_only=True)[CONTROL]
        return [row[1] for row in ws.iter_rows(min_row=11, max_col=3, values_only=True)
                if row[0] is not None]

    theirs = dates(REAL_WORKBOOK)
    assert len(theirs) == 346 and all(isinstance(d, str) for d in theirs)
    assert dates(reissued / "versions" / "2.051" / "cpl-2.051.xlsx") == theirs
    assert dates(reissued / "versions" / "2.052" / "cpl-2.052.xlsx") == [*theirs, "23/11/2026"]
