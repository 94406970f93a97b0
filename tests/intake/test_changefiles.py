"""Change files mean one thing, and what they say can be written as one line.

A change file's header that names a column twice is refused whole (CPL-F08): before, the last
column won, so a removals file showing one entry number in its first column removed the entry in
its last. Every free text a row carries (reasons, decisions, corrected and renamed values) is
written into the issued history line; a line break there would add a line of its own, one that
reads as an entry the version never added, and a control character cannot be written to the
workbook at all. Both are CPL-V03 at the cell, found where the file is read."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from cplkit.core.findings import Finding
from cplkit.core.ruleset import Ruleset
from cplkit.intake.changefiles import ChangeTable, read_change_table
from cplkit.intake.limits import Limits

FORGED = "\r\n000999 - Forged Meters Ltd GSME 01:02:03:04"


def table(tmp_path: Path, rows: list[list[str]], name: str = "changes.csv") -> Path:
    path = tmp_path / name
    with path.open("w", newline="", encoding="utf-8") as stream:
        csv.writer(stream).writerows(rows)
    return path


def read(path: Path, ruleset: Ruleset) -> ChangeTable:
    found = read_change_table(path, ruleset, Limits(), file=path.name)
    assert found is not None, "read as a submission, not a change file"
    return found


def errors(found: ChangeTable) -> list[tuple[str, str | None, str | None]]:
    return sorted((f.code, f.cell, f.field) for f in found.report.findings
                  if f.severity == "error")


def test_a_removals_header_naming_the_entry_number_twice_is_refused(
        tmp_path: Path, ruleset: Ruleset) -> None:
    path = table(tmp_path, [["Entry.number", "reason", "decision", "Entry.number"],
                            ["000002", "incorrect CHTS and GBCS combination", "SSC 2026",
                             "000003"]])
    found = read(path, ruleset)
    assert not found.changes, "no row of an ambiguous file is acted on"
    assert errors(found) == [("CPL-F08", "D1", "Entry.number")]
    message = found.report.findings[0].message
    assert "Entry.number twice, in columns A and D" in message


def test_a_repeated_column_is_found_however_it_is_spelled(tmp_path: Path,
                                                          ruleset: Ruleset) -> None:
    """Column names are matched without regard to case or spaces, so two spellings are still
    the same column twice."""
    path = table(tmp_path, [["Entry.number", "field", "new_value", "reason", " New_Value "],
                            ["000001", "Device_Model.firmware_version", "01:02:03:04", "typo",
                             "09:09:09:09"]])
    found = read(path, ruleset)
    assert not found.changes
    assert errors(found) == [("CPL-F08", "E1", "new_value")]


def test_a_repeated_column_on_a_sheet_names_the_sheet(tmp_path: Path, ruleset: Ruleset) -> None:
    from openpyxl import Workbook

    path = tmp_path / "removals.xlsx"
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Removals"
    sheet.append(["Entry.number", "reason", "decision", "reason"])
    sheet.append(["000002", "gone", "SSC", "other"])
    book.save(path)
    found = read(path, ruleset)
    assert [(f.code, f.sheet, f.cell) for f in found.report.findings] == [
        ("CPL-F08", "Removals", "D1")]


@pytest.mark.parametrize(("rows", "cell"), [
    ([["Entry.number", "reason", "decision"], ["000002", "gone" + FORGED, "SSC 2026"]], "B2"),
    ([["Entry.number", "reason", "decision"], ["000002", "gone", "SSC\x0b 2026"]], "C2"),
    ([["Entry.number", "reason", "decision"], ["000002", "gone\u202e", "SSC 2026"]], "B2"),
    ([["Entry.number", "reinstatement_reason", "decision"],
      ["000002", "original entry valid" + FORGED, "SSC 2026"]], "B2"),
    ([["Entry.number", "field", "new_value", "reason"],
      ["000001", "Device_Model.firmware_version", "01:02:03:04", "typo" + FORGED]], "D2"),
    ([["Entry.number", "field", "new_value", "reason"],
      ["000001", "Manufacturer_Image.descriptor", "Complete image" + FORGED, "typo"]], "C2"),
    ([["field", "old_value", "new_value", "reason"],
      ["Manufacturer_Image.creator", "Example Meters Ltd", "Example" + FORGED, "renamed"]],
     "C2"),
    ([["field", "old_value", "new_value", "reason"],
      ["Manufacturer_Image.creator", "Example\tMeters", "Example Meters", "renamed"]], "B2"),
    ([["CPA_Certificate.identification_number", "new_identification_number",
       "new_expiry_date", "reason"],
      ["[R] NCSC-1500000000-4001", "[R] NCSC-1500000000-4002", "", "renewed" + FORGED]], "D2"),
    ([["Entry.number", "reason", "decision"], ["000002", "gone_x000D__x000A_000999 - Forged",
                                               "SSC 2026"]], "B2"),
], ids=["removal-reason", "removal-decision", "bidi-override", "reinstatement-reason",
        "correction-reason", "corrected-value", "renamed-value", "rename-old-value",
        "certificate-update-reason", "excel-escape"])
def test_free_text_that_cannot_be_one_line_is_refused_at_its_cell(
        tmp_path: Path, ruleset: Ruleset, rows: list[list[str]], cell: str) -> None:
    found = read(table(tmp_path, rows), ruleset)
    refused = [f for f in found.report.findings if f.code == "CPL-V03"]
    assert [f.cell for f in refused] == [cell], found.report.findings
    assert not found.changes, "the row is not used"
    finding: Finding = refused[0]
    assert "which no line of an issued file may hold" in finding.message or \
        "which Excel reads as the character U+000D" in finding.message
    assert finding.hint and "one line" in finding.hint
    # the same row with its text on one line is read; accents, dashes and quotes are text
    fixed = [[cell.replace(FORGED, " \u2013 “ok”").replace("\x0b", "").replace("\u202e", "")
              .replace("\t", " ").replace("_x000D__x000A_", " ") for cell in row]
             for row in rows]
    read_again = read(table(tmp_path, fixed, "fixed.csv"), ruleset)
    assert not [f for f in read_again.report.findings if f.code == "CPL-V03"]


def test_a_correction_may_set_a_product_name_a_rename_may_not(tmp_path: Path,
                                                                ruleset: Ruleset) -> None:
    """The product name is the registry's note on one entry: a correction sets it (one line,
    as any text of a history line), while a rename, which changes a published text on every
    entry that carries it, does not know the field (CPL-V05)."""
    from cplkit.core.wording import PRODUCT_NAME

    corrections = read(table(tmp_path, [["Entry.number", "field", "new_value", "reason"],
                                        ["000001", "product.name", "G4SZV-1", "maker's name"],
                                        ["000002", "Product.name", "FVI" + FORGED, "typo"]]),
                       ruleset)
    assert [(c.number, c.field, c.new_value) for c in corrections.changes.corrections] == [
        ("000001", PRODUCT_NAME, "G4SZV-1")]
    assert errors(corrections) == [("CPL-V03", "C3", "new_value")]
    renames = read(table(tmp_path, [["field", "old_value", "new_value", "reason"],
                                    ["Product.name", "G4SZV-1", "G4SZV-2", "maker's name"]],
                         "renames.csv"), ruleset)
    assert not renames.changes and errors(renames) == [("CPL-V05", "A2", "field")]
