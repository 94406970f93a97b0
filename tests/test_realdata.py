"""The real SECAS workbook v2.051 (from ../shared/data, never committed): checked as a bulk
table as of its issue date, it gives findings only where its data truly breaks a rule, listed by
entry and reason in tests/data/secas-v2.051-findings.json. Skipped when the workbook is absent."""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import json
import os
import re
import shutil
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook

from cplkit.app.check import check_file
from cplkit.core.ruleset import Ruleset
from cplkit.forms.new_entry import write_new_entry_form
from tests.conftest import REAL_WORKBOOK

pytestmark = [
    pytest.mark.realdata,
    pytest.mark.skipif(not REAL_WORKBOOK.is_file(),
                       reason=f"the real SECAS workbook is not at {REAL_WORKBOOK} (set "
                       "CPLKIT_REAL_WORKBOOK to its path)"),
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


@pytest.mark.parametrize("as_of", [None, "2022-09-21"])
def test_secas_own_list_is_judged_as_published(as_of: str | None) -> None:
    """SECAS issued every entry of v2.051: what the rules say of them now (legacy values,
    certificates expired since, fields accepted empty at the time) is advice, never an error,
    so checking the list SECAS published passes."""
    from tests.conftest import run_cli

    code, out = run_cli("check", *(("--as-of", as_of) if as_of else ()), REAL_WORKBOOK)
    assert code == 0, out[-2000:]
    assert " 0 errors" in out and "warnings" in out


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


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory, signing_keys: tuple[Path, Path]) -> Path:
    from click.testing import CliRunner

    from cplkit.cli import cli

    registry = tmp_path_factory.mktemp("real") / "registry"
    report = registry.parent / "import.json"
    result = CliRunner().invoke(cli, ["import", str(REAL_WORKBOOK), "-r", str(registry),
                                      "--report", str(report), "--key", str(signing_keys[0]),
                                      "--cert", str(signing_keys[1])])
    assert result.exit_code == 0, result.output
    assert "imported Version 2.051 Issued on 21-09-2022: 729 entries" in result.output
    (registry.parent / "import-output.txt").write_text(result.output)
    return registry


def test_import_keeps_every_entry_and_history_line(imported: Path) -> None:
    from cplkit.registry import Registry

    stored = Registry(imported).read()
    version = stored.version
    assert str(version.number) == "2.051" and version.issue_date == dt.date(2022, 9, 21)
    statuses = [e.status for e in version.entries]
    assert len(statuses) == 729
    assert statuses.count("Current") == 694 and statuses.count("Removed") == 35
    history = Registry(imported).history()
    assert len(history) == 346
    assert (history[0].version, history[0].date) == ("1.0", "2016-10-27")
    assert history[-1].version == "2.051"
    assert "000731 - George Wilson Industries GSME FVI" in history[-1].changes
    by_number = version.by_number()
    # dirty values normalised, numbers Excel made of hex kept as SECAS meant them
    assert by_number["000001"].spec_version == "CHTS V1.0"
    assert by_number["000114"].text("Device_Model.hardware_version.version") == "12"
    assert by_number["000021"].text("DLMS_Certificate.identification_number") == "1675"
    assert stored.made_by["sources"][0]["sha256"] == EXPECTED["workbook_sha256"]


def test_every_version_number_secas_issued_follows_as_cplkit_numbers(imported: Path) -> None:
    """The replay of the real history's numbering: each of the 345 steps is the next version
    (1.9 -> 1.10) or, once, the next major version (1.293 -> 2.000), as 'publish' and
    'publish --major' issue them."""
    from cplkit.core.model import VersionNumber
    from cplkit.registry import Registry

    numbers = [VersionNumber.parse(h.version) for h in Registry(imported).history()]
    steps = list(itertools.pairwise(numbers))
    assert len(steps) == 345
    assert all(now.follows(before) for before, now in steps)
    majors = [(str(b), str(n)) for b, n in steps if str(n) == str(b.next_major())]
    assert majors == [("1.293", "2.000")]
    assert sum(str(n) == str(b.next()) for b, n in steps) == 344


def test_import_report_lists_every_anomaly(imported: Path) -> None:
    report = json.loads((imported.parent / "import.json").read_text())
    findings = report["files"][0]["findings"]
    kept = [f for f in findings if f["code"] == "CPL-I01"]
    assert {f["cell"] for f in kept} == {g_cell for g in EXPECTED["groups"]
                                         if g["code"] == "CPL-V06" for g_cell in g["cells"]}
    gaps = [f for f in findings if f["code"] == "CPL-I02"]
    assert len(gaps) == 1 and gaps[0]["message"].startswith(
        "3 entry numbers are not on the list: 000033, 000074, 000075")
    # the one line of the real history dated before the line above it
    assert [f["message"] for f in findings if f["code"] == "CPL-I03"] == [
        "version 1.158 is dated 2019-09-03, before version 1.157 above it (2019-09-25)"]


def test_the_imported_csv_extract_is_secas_own(imported: Path) -> None:
    """The signed CSV extract of the imported version is SECAS's 'CPL - saveable in CSV' tab,
    value for value: trailing spaces and all."""
    import csv
    import io

    ours = list(csv.reader(io.StringIO(
        (imported / "versions" / "2.051" / "cpl-2.051.csv").read_text(encoding="utf-8"))))
    theirs = CalamineWorkbook.from_path(str(REAL_WORKBOOK)).get_sheet_by_name(
        "CPL - saveable in CSV").to_python()
    assert len(ours) == len(theirs) == 730
    assert ours == [[str(c) for c in row] for row in theirs]


def test_the_imported_workbook_lists_every_value_as_issued(imported: Path) -> None:
    """The published workbook's Central Products List is the original, value for value and
    type for type: text with its spaces, numbers as numbers, dates as dates."""
    def entries(path: Path) -> list[list[object]]:
        rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(
            "Central Products List").to_python()
        return [[*row[1:21], *[""] * (21 - len(row))][:20] for row in rows[7:]]

    ours = entries(imported / "versions" / "2.051" / "cpl-2.051.xlsx")
    theirs = entries(REAL_WORKBOOK)
    assert len(ours) == len(theirs) == 729
    assert [[(type(c), c) for c in row] for row in ours] == \
        [[(type(c), c) for c in row] for row in theirs]
    expiry = [row[12] for row in theirs]
    assert sum(isinstance(c, dt.date) for c in expiry) > 400  # real Excel dates stay dates
    spaced = [row[8] for row in ours if isinstance(row[8], str) and row[8] != row[8].strip()]
    assert len(spaced) == 156  # SMETS/CHTS versions with the trailing spaces SECAS issued


def test_the_imported_dcc_file_carries_the_values_as_issued(imported: Path) -> None:
    from lxml import etree

    from cplkit.publications import dccxml

    root = etree.parse(str(imported / "versions" / "2.051" / "cpl-2.051.xml")).getroot()
    versions = [e.findtext(dccxml.Q + "SmetsChtsVersion")
                for e in root.iter(dccxml.Q + "Entry")]
    assert "CHTS V1.0 " in versions  # as issued, not trimmed
    zse = [e.findtext(dccxml.Q + "ZseVersion") for e in root.iter(dccxml.Q + "Entry")]
    assert zse.count("Zigbee Smart Energy Standard 1.4") == 11  # SECAS's spelling kept


def test_import_never_overwrites(imported: Path) -> None:
    from click.testing import CliRunner

    from cplkit.cli import cli

    before = (imported / "registry.json").read_bytes()
    result = CliRunner().invoke(cli, ["import", str(REAL_WORKBOOK), "-r", str(imported)])
    assert result.exit_code == 2 and "never overwrites" in result.output
    assert (imported / "registry.json").read_bytes() == before


def test_every_manufacturer_id_gets_its_company_from_the_history(imported: Path) -> None:
    """SECAS's item lines name the maker of every one of the 19 manufacturer ids of v2.051;
    `list --format json` shows the name beside each entry."""
    from click.testing import CliRunner

    from cplkit.cli import cli

    listed = json.loads(CliRunner().invoke(
        cli, ["list", "-r", str(imported), "--format", "json"]).output)
    assert "names register: 19 manufacturer ids named from the history\n" in (
        imported.parent / "import-output.txt").read_text()
    companies = {e["Device_Model.manufacturer_identifier"]: e["company"] for e in listed}
    assert len(companies) == 19 and None not in companies.values()
    assert companies["11:92"] == "George Wilson Industries"
    assert companies["10:6C"] == "EDMI" and companies["11:8F"] == "Aclara"
    assert companies["10:63"] == "Landis + Gyr"
    shown = CliRunner().invoke(cli, ["show", "731", "-r", str(imported)]).output
    assert shown.splitlines()[-1].split() == ["company", "George", "Wilson", "Industries"]
    audit = json.loads(CliRunner().invoke(
        cli, ["audit", "-r", str(imported), "--as-of", "2026-11-25", "--format", "json"]).output)
    assert audit and all(i["company"] == companies[i["manufacturer"]] for i in audit)


def test_publishing_on_the_real_list(imported: Path) -> None:
    from click.testing import CliRunner

    from cplkit.cli import cli
    from tests.conftest import SAMPLES

    forms = [SAMPLES / "valid" / f"form-{n}.xlsx" for n in ("gas-smart-meter", "ppmid",
                                                            "communications-hub")]
    result = CliRunner().invoke(cli, ["publish", "-r", str(imported), "--as-of", "2026-11-23",
                                      *map(str, forms)])
    assert result.exit_code == 0, result.output
    assert "issued Version 2.052 Issued on 23-11-2026 (after 2.051)" in result.output
    history = json.loads(CliRunner().invoke(
        cli, ["history", "-r", str(imported), "--format", "json"]).output)
    # the samples carry manufacturer id 12:3E, which SECAS's history names Flonidan
    assert history[-1] == {"version": "2.052", "date": "2026-11-23", "changes": (
        "Three new SMETS2 device models added:\r\n"
        "000733 - Flonidan GSME 01:02:0A:FF\r\n"
        "000734 - Flonidan PPMID 01:02:0A:FF\r\n"
        "000735 - Flonidan Comms Hub 01:02:0A:FF")}
    difference = json.loads(CliRunner().invoke(
        cli, ["diff", "2.051", "2.052", "-r", str(imported), "--format", "json"]).output)
    assert [e["Entry.number"] for e in difference["added"]] == ["000733", "000734", "000735"]
    assert difference["removed"] == difference["amended"] == difference["missing"] == []


def test_the_signed_chain_starts_at_the_imported_version(imported: Path,
                                                          signing_keys: tuple[Path, Path]) -> None:
    """Import, then one publish (test_publishing_on_the_real_list): 2.052's DCC file names the
    imported 2.051 file's digest, and verifies against it, by cplkit and by xmlsec1."""
    from click.testing import CliRunner

    from cplkit.cli import cli
    from tests.conftest import xmlsec1_verify

    old = imported / "versions" / "2.051" / "cpl-2.051.xml"
    new = imported / "versions" / "2.052" / "cpl-2.052.xml"
    result = CliRunner().invoke(cli, ["verify", str(new), "--trust", str(signing_keys[1]),
                                      "--previous", str(old), "--format", "json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["version"] == "2.052" and summary["previous"] == "2.051"
    assert summary["entries"] == 732
    for path in (old, new):
        assert xmlsec1_verify(path, signing_keys[1]).returncode == 0


def test_the_published_workbook_is_laid_out_as_secas_lays_out_its_own(imported: Path) -> None:
    """Cell by cell against SECAS's v2.051: the column widths of all four tabs, frozen panes,
    the filter row, the shading rule of Current rows and its range, the header labels, and the
    print setup of the list (landscape, fit to the page's width, header rows on every page)."""
    from openpyxl import load_workbook
    from openpyxl.utils import get_column_letter

    ours = load_workbook(imported / "versions" / "2.051" / "cpl-2.051.xlsx")
    secas = load_workbook(REAL_WORKBOOK)

    def widths(ws: object) -> dict[str, float]:
        out = {}
        for dim in ws.column_dimensions.values():  # type: ignore[attr-defined]
            if dim.width and dim.min:
                for column in range(dim.min, dim.max + 1):
                    out[get_column_letter(column)] = round(dim.width, 2)
        return out

    for name in secas.sheetnames:
        theirs, mine = secas[name], ours[name]
        expected = {k: v for k, v in widths(theirs).items()
                    if k <= get_column_letter(theirs.max_column) and v != 8.73}
        assert {k: widths(mine).get(k) for k in expected} == expected, name
        assert mine.freeze_panes == theirs.freeze_panes, name
        assert mine.auto_filter.ref == theirs.auto_filter.ref, name
        assert sorted(map(str, mine.merged_cells.ranges)) == \
            sorted(map(str, theirs.merged_cells.ranges)), name
    theirs, mine = secas["Central Products List"], ours["Central Products List"]
    [their_rule] = list(theirs.conditional_formatting)
    [my_rule] = list(mine.conditional_formatting)
    assert str(my_rule.sqref) == "C8:U736" == str(their_rule.sqref)
    assert my_rule.rules[0].formula == their_rule.rules[0].formula == ['$C8="Current"']
    assert [mine.cell(r, 1).value for r in range(1, 8)] == \
        [theirs.cell(r, 1).value for r in range(1, 8)]
    assert mine.page_setup.orientation == "landscape" and mine.page_setup.fitToWidth == 3
    assert mine.print_title_rows == "$1:$2"
    assert mine["B3"].alignment.wrap_text and ours["Version Control"]["C12"].alignment.wrap_text


@pytest.mark.office
@pytest.mark.skipif(not (shutil.which("soffice") or shutil.which("libreoffice"))
                    and not os.environ.get("CI"), reason="LibreOffice is not installed")
def test_the_workbook_prints_on_a_few_dozen_pages_with_no_cell_cut(imported: Path,
                                                                   tmp_path: Path) -> None:
    """SECAS's own v2.051 prints on a few dozen pages; cplkit's copy once ran to 164 pages of
    cut-off cells. Printed by LibreOffice (scripts/print_workbook.py) it takes a few dozen
    readable pages (the list three pages across, not shrunk onto one), every list cell either
    fits its column or wraps, and each history row is as tall as its lines."""
    from openpyxl import load_workbook
    from openpyxl.utils import get_column_letter
    from openpyxl.utils.escape import unescape

    from scripts.print_workbook import convert, page_count

    workbook = imported / "versions" / "2.051" / "cpl-2.051.xlsx"
    pages = page_count(convert(workbook, tmp_path, "pdf"))
    assert 20 <= pages <= 90, pages
    listing = load_workbook(workbook)["Central Products List"]
    # a width is given once for adjacent columns of one width (B:C), as Excel writes it
    widths = {column: dimension.width for dimension in listing.column_dimensions.values()
              if dimension.width for column in range(dimension.min, dimension.max + 1)}
    for column in range(2, 22):
        letter = get_column_letter(column)
        width = widths[column]
        for row in range(8, listing.max_row + 1):
            cell = listing.cell(row, column)
            if cell.value is not None and len(str(cell.value)) > width:
                assert cell.alignment.wrap_text, f"{letter}{row} is cut when printed"
    control = load_workbook(workbook)["Version Control"]
    for row in range(11, control.max_row + 1):
        # openpyxl leaves Excel's escapes (_x000D_ for a carriage return) as they are written
        text = unescape(str(control.cell(row, 3).value or ""))
        lines = text.replace("\r", "").strip("\n").count("\n") + 1
        assert (control.row_dimensions[row].height or 15) >= 15 * lines, row


def test_renaming_the_issued_zigbee_text(imported: Path, tmp_path: Path) -> None:
    """SECAS issued 11 entries with 'Zigbee Smart Energy Standard 1.4': a rename of that text
    reaches those 11, and the diff, the history line and the signed file agree; renaming a
    text to itself is refused."""
    import shutil

    from tests.conftest import run_cli

    registry = tmp_path / "registry"
    shutil.copytree(imported, registry)
    field = "ZSE_Certificate.ZSE_version"
    itself = tmp_path / "itself.csv"
    itself.write_text(f"field,old_value,new_value,reason\n{field},ZigBee Smart Energy Standard "
                      "1.4,ZigBee Smart Energy Standard 1.4,no change\n")
    code, out = run_cli("publish", "-r", registry, "--as-of", "2026-11-23", "--dry-run", itself)
    assert code == 1 and "CPL-M04" in out and "changes nothing" in out, out
    renames = tmp_path / "renames.csv"
    renames.write_text(f"field,old_value,new_value,reason\n{field},Zigbee Smart Energy Standard "
                       "1.4,ZigBee Smart Energy Standard 1.4,as the DCC spells it\n")

    def latest() -> str:
        code, lines = run_cli("history", "-r", registry, "--format", "json")
        assert code == 0, lines
        version: str = json.loads(lines)[-1]["version"]
        return version

    # other tests of this module may have published onto the imported list already
    old = latest()
    before = (registry / "versions" / old / f"cpl-{old}.xml").read_text()
    assert before.count("Zigbee Smart Energy Standard 1.4") == 11
    code, out = run_cli("publish", "-r", registry, "--as-of", "2026-11-23", renames)
    assert code == 0, out
    new = latest()
    code, diffed = run_cli("diff", old, new, "-r", registry, "--format", "json")
    amended = json.loads(diffed)["amended"]
    assert len({a["entry"] for a in amended}) == 11, amended
    after = (registry / "versions" / new / f"cpl-{new}.xml").read_text()
    assert "Zigbee Smart Energy Standard 1.4" not in after
    code, lines = run_cli("history", "-r", registry, "--format", "json")
    assert "11" in json.loads(lines)[-1]["changes"], json.loads(lines)[-1]["changes"]
