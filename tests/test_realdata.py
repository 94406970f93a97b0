"""The real SECAS workbook v2.051 (from ../shared/data, never committed): checked as a bulk
table as of its issue date, it gives findings only where its data truly breaks a rule, listed by
entry and reason in tests/data/secas-v2.051-findings.json. Skipped when the workbook is absent."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook

from cplkit.check import check_file
from cplkit.core.ruleset import Ruleset
from cplkit.io.xlsx_write import write_new_entry_form
from tests.conftest import REAL_WORKBOOK

pytestmark = [
    pytest.mark.realdata,
    pytest.mark.skipif(not REAL_WORKBOOK.is_file(),
                       reason=f"the real SECAS workbook is not at {REAL_WORKBOOK}"),
]
EXPECTED = json.loads((Path(__file__).parent / "data" / "secas-v2.051-findings.json").read_text())


def test_it_is_the_workbook_the_expectations_were_made_from() -> None:
    assert hashlib.sha256(REAL_WORKBOOK.read_bytes()).hexdigest() == EXPECTED["workbook_sha256"]


def test_central_products_list_findings_are_the_true_ones(ruleset: Ruleset) -> None:
    report = check_file(REAL_WORKBOOK, ruleset, dt.date.fromisoformat(EXPECTED["as_of"]))
    assert report.layout == "central-products-list"
    assert report.sheet == "Central Products List"
    assert report.entries == EXPECTED["entries"] == 729
    got = sorted((f.code, f.field, f.cell) for f in report.findings)
    want = sorted((g["code"], g["field"], cell) for g in EXPECTED["groups"] for cell in g["cells"])
    assert got == want


def test_expected_findings_name_the_right_entries() -> None:
    rows = CalamineWorkbook.from_path(str(REAL_WORKBOOK)).get_sheet_by_name(
        "Central Products List").to_python()
    for group in EXPECTED["groups"]:
        numbers = [rows[int(re.sub("[A-Z]", "", cell)) - 1][1] for cell in group["cells"]]
        assert numbers == group["entries"], group["reason"]
        assert group["count"] == len(group["cells"])


def test_secas_blank_form_reads_like_a_cplkit_form(tmp_path: Path, ruleset: Ruleset) -> None:
    """SECAS's own New Entry form and one cplkit writes put every field on the same row."""
    ours = tmp_path / "template.xlsx"
    write_new_entry_form(ours, ruleset)
    as_of = dt.date(2022, 9, 21)
    theirs = check_file(REAL_WORKBOOK, ruleset, as_of, sheet="CPL - New Entry")
    mine = check_file(ours, ruleset, as_of)
    assert theirs.layout == mine.layout == "new-entry-form"
    assert theirs.entries == mine.entries == 1
    assert [(f.code, f.cell) for f in theirs.findings] == [(f.code, f.cell) for f in mine.findings]
    assert {f.cell for f in theirs.findings if f.code == "CPL-V01"} == {
        "G9", "G10", "G11", "G12", "G13", "G14", "G15", "G16"}
