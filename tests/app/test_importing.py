"""Importing a workbook in SECAS's layout: every entry and history line kept, anomalies listed
(CPL-I01 to I04), nothing refused. The workbooks are written here, in SECAS's four-tab layout."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from openpyxl import load_workbook

from cplkit.app.importing import read_issued_version
from cplkit.core import model as m
from cplkit.core.ruleset import Ruleset
from cplkit.errors import InputFileError
from cplkit.intake.limits import Limits
from cplkit.publications.workbook import workbook_bytes
from tests.conftest import utc_now
from tests.core.entries import valid_gas

HISTORY = [("1.0", "27/10/2016", "Initial blank version for publication."),
           ("1.9", "16/01/2017", "One New Device Model added:\n000001 - ..."),
           ("1.10", "27/01/2017", "One New Device Model added:\n000003 - ...")]


def published(number: str, status: str, **changes: str) -> dict[str, m.Value | None]:
    values = {k: v for k, v in valid_gas(**changes).items() if k in m.PUBLISHED_FIELDS}
    values.update({m.ENTRY_NUMBER: number, m.ENTRY_STATUS: status})
    return values  # type: ignore[return-value]


@pytest.fixture(scope="module")
def _workbook_bytes(ruleset: Ruleset) -> bytes:
    """Version 1.10 in SECAS's layout (000001 Current, 000003 Removed): built once a module."""
    entries = [
        published("000001", "Current"),
        published("000003", "Removed", **{m.FIRMWARE_VERSION: "01:02:0A:FE",
                                          m.GBCS_VERSION: "GBCS Version 1.0 ",
                                          m.SPEC_VERSION: "SMETS V2.0"}),
    ]
    history = tuple(m.HistoryLine(v, dt.datetime.strptime(d, "%d/%m/%Y").date().isoformat(), c)
                    for v, d, c in HISTORY)
    version = m.CplVersion(m.VersionNumber.parse("1.10"), dt.date(2017, 1, 27),
                           tuple(m.Entry.of({k: v for k, v in e.items() if v is not None})
                                 for e in entries), history[-1].changes, history[:-1])
    assert version.label == "Version 1.10 Issued on 27-01-2017"
    return workbook_bytes(version, ruleset)


@pytest.fixture
def workbook(tmp_path: Path, _workbook_bytes: bytes) -> Path:
    """That workbook, in this test's own file (which a test may change)."""
    path = tmp_path / "cpl.xlsx"
    path.write_bytes(_workbook_bytes)
    return path


def test_everything_is_kept(workbook: Path, ruleset: Ruleset) -> None:
    imported = read_issued_version(workbook, ruleset, Limits(), file="cpl.xlsx")
    version = imported.version
    assert str(version.number) == "1.10" and version.issue_date == dt.date(2017, 1, 27)
    assert [h.version for h in version.prior_history] == ["1.0", "1.9"]
    assert version.changes == HISTORY[-1][2]
    assert [e.number for e in version.entries] == ["000001", "000003"]
    legacy = version.by_number()["000003"]
    assert legacy.gbcs_version == "GBCS Version 1.0"  # trimmed, legacy, still imported
    codes = {(f.code, f.cell) for f in imported.findings}
    assert ("CPL-R04", "K9") in codes and ("CPL-V09", "K9") in codes
    gap = [f for f in imported.findings if f.code == "CPL-I02"]
    assert len(gap) == 1 and gap[0].message == "1 entry number is not on the list: 000002"


def test_values_excel_mangled_are_kept_as_meant(workbook: Path, ruleset: Ruleset) -> None:
    wb = load_workbook(workbook)
    wb["Central Products List"]["G8"].value = 12  # hardware version typed into a General cell
    wb["Central Products List"]["E8"].value = "not hex"
    wb.save(workbook)
    imported = read_issued_version(workbook, ruleset, Limits(), file="cpl.xlsx")
    entry = imported.version.by_number()["000001"]
    assert entry.text(m.HARDWARE_VERSION) == "12"
    assert entry.text(m.MANUFACTURER_ID) == "not hex"
    kept = sorted((f.cell, f.message) for f in imported.findings if f.code == "CPL-I01")
    assert kept == [("E8", "Device_Model.manufacturer_identifier: kept as 'not hex'")]
    # two digits Excel kept whole read back as the text they were typed as
    assert ("CPL-V09", "G8") in {(f.code, f.cell) for f in imported.findings}


def test_an_entry_without_a_number_cannot_be_imported(workbook: Path, ruleset: Ruleset) -> None:
    wb = load_workbook(workbook)
    wb["Central Products List"]["B9"].value = None
    wb.save(workbook)
    with pytest.raises(InputFileError, match="row 9 has no usable entry number"):
        read_issued_version(workbook, ruleset, Limits(), file="cpl.xlsx")


def test_entry_number_000000_cannot_be_imported(workbook: Path, ruleset: Ruleset) -> None:
    """Six digits are not enough: numbering starts at 000001, as the message says."""
    wb = load_workbook(workbook)
    wb["Central Products List"]["B9"].value = "000000"
    wb.save(workbook)
    with pytest.raises(InputFileError, match=r"row 9 has no usable entry number \(6 digits, "
                                             r"000001 to 999999\)"):
        read_issued_version(workbook, ruleset, Limits(), file="cpl.xlsx")


def test_a_workbook_without_version_control(tmp_path: Path, ruleset: Ruleset) -> None:
    from tests.conftest import SAMPLES

    with pytest.raises(InputFileError, match="Version Control"):
        read_issued_version(SAMPLES / "valid" / "bulk-submission.xlsx", ruleset, Limits(),
                            file="bulk.xlsx")


def test_findings_on_a_published_list_name_the_entry_number(workbook: Path,
                                                           ruleset: Ruleset) -> None:
    """Entry 000002 was never issued, so the second entry is 000003: a finding names both."""
    from cplkit.app.check import check_file
    from cplkit.core.findings import Report
    from cplkit.render.reports import render_text

    report = check_file(workbook, ruleset, dt.date(2017, 1, 27))
    legacy = next(f for f in report.findings if f.code == "CPL-R04")
    assert (legacy.entry, legacy.number, legacy.cell) == (2, "000003", "K9")
    assert "entry 000003 (the 2nd in the file)" in render_text(
        Report((report,), "2017-01-27", ruleset.id))


def test_an_imported_entry_keeps_what_secas_issued_through_the_registry(
        workbook: Path, ruleset: Ruleset, tmp_path: Path, identity: object) -> None:
    """The values as issued (a number, spaces) survive the registry and reach the CSV extract;
    the canonical values stay what the rules read."""
    from cplkit.app.importing import import_workbook
    from cplkit.registry import Registry

    wb = load_workbook(workbook)
    wb["Central Products List"]["G8"].value = 12
    wb.save(workbook)
    outcome = import_workbook(workbook, tmp_path / "registry", ruleset, identity,  # type: ignore[arg-type]
                              now=utc_now())
    entry = Registry(tmp_path / "registry").read().version.by_number()["000003"]
    assert entry.gbcs_version == "GBCS Version 1.0"
    assert entry.published(m.GBCS_VERSION) == "GBCS Version 1.0 "
    first = outcome.version.version.by_number()["000001"]
    assert first.published(m.HARDWARE_VERSION) == 12 and first.text(m.HARDWARE_VERSION) == "12"
    extract = (tmp_path / "registry" / "versions" / "1.10" / "cpl-1.10.csv").read_text()
    assert ",GBCS Version 1.0 ," in extract


def test_a_registry_another_import_filled_meanwhile_is_kept(
        workbook: Path, ruleset: Ruleset, tmp_path: Path, identity: object,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Two imports into one empty folder: the one that finishes second refuses to replace what
    the first made, and leaves nothing of its own behind."""
    from cplkit.app import importing
    from cplkit.errors import RegistryBusy

    target = tmp_path / "registry"
    target.mkdir()
    real = importing.signed_statement

    def first_import_finishes(*args: object, **kwargs: object) -> object:
        (target / "registry.json").write_text("the other import's")
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(importing, "signed_statement", first_import_finishes)
    with pytest.raises(RegistryBusy, match="filled by another cplkit"):
        importing.import_workbook(workbook, target, ruleset, identity,  # type: ignore[arg-type]
                                  now=utc_now())
    assert (target / "registry.json").read_text() == "the other import's"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cpl.xlsx", "registry"]


def test_a_history_line_dated_before_the_one_above_is_named(tmp_path: Path,
                                                            ruleset: Ruleset) -> None:
    """As 1.158 (03/09/2019) follows 1.157 (25/09/2019) in SECAS's history: kept, and named
    (CPL-I03); an import changes nothing, so the date stays as issued."""
    history = (m.HistoryLine("1.0", "2016-10-27", "Initial blank version for publication."),
               m.HistoryLine("1.9", "2017-01-16", "One New Device Model added"),
               m.HistoryLine("1.10", "2017-01-10", "One New Device Model added"))
    version = m.CplVersion(m.VersionNumber.parse("1.10"), dt.date(2017, 1, 10),
                           (m.Entry.of({k: v for k, v in published("000001", "Current").items()
                                        if v is not None}),),
                           history[-1].changes, history[:-1])
    path = tmp_path / "cpl.xlsx"
    path.write_bytes(workbook_bytes(version, ruleset))
    imported = read_issued_version(path, ruleset, Limits(), file="cpl.xlsx")
    named = [f.message for f in imported.findings if f.code == "CPL-I03"]
    assert named == ["version 1.10 is dated 2017-01-10, before version 1.9 above it (2017-01-16)"]
    assert [h.date for h in imported.version.prior_history] == ["2016-10-27", "2017-01-16"]
    assert imported.version.issue_date == dt.date(2017, 1, 10)


def test_the_history_names_companies_and_publishes_with_them(
        tmp_path: Path, ruleset: Ruleset, signing_keys: tuple[Path, Path]) -> None:
    """An import fills the names register from SECAS's item lines (the id of the entry each
    line names); an id no line names is reported (CPL-I04). The next publish writes its
    history line with the name, and `names set` corrects it, recorded with why."""
    import json

    from click.testing import CliRunner

    from cplkit.cli import cli

    history = (m.HistoryLine("1.0", "2016-10-27", "Initial blank version for publication."),
               m.HistoryLine("1.1", "2016-11-07", "Two New Device Models added:\n"
                             "000001 - Flonidan G4SZV-1 SMETS2 Meter 01:02:0A:FF\n"
                             "0000002 \u2013 Flonidan GSME 01:02:0A:FE (updated firmware)"),
               m.HistoryLine("1.2", "2016-11-08", "One New Device Model added:\n"
                             "000003 - WNC Communications Hub"))
    entries = [published("000001", "Current"),
               published("000002", "Current", **{m.FIRMWARE_VERSION: "01:02:0A:FE"}),
               published("000004", "Current", **{m.FIRMWARE_VERSION: "01:02:0A:FD",
                                                 m.MANUFACTURER_ID: "10:6C"})]
    version = m.CplVersion(m.VersionNumber.parse("1.2"), dt.date(2016, 11, 8),
                           tuple(m.Entry.of({k: v for k, v in e.items() if v is not None})
                                 for e in entries), history[-1].changes, history[:-1])
    path = tmp_path / "cpl.xlsx"
    path.write_bytes(workbook_bytes(version, ruleset))
    imported = read_issued_version(path, ruleset, Limits(), file="cpl.xlsx")
    assert dict(imported.companies.named) == {"12:3E": "Flonidan"}  # 000003 is not listed
    assert imported.companies.unnamed == ("10:6C",)
    assert [f.message for f in imported.findings if f.code == "CPL-I04"] == [
        "no history line names the company of manufacturer id 10:6C"]

    key, cert = signing_keys
    registry = tmp_path / "registry"

    def run(*args: str | Path) -> str:
        result = CliRunner().invoke(cli, [str(a) for a in args])
        assert result.exit_code == 0, result.output
        return result.output

    run("import", path, "-r", registry, "--key", key, "--cert", cert)
    listed = json.loads(run("list", "-r", registry, "--format", "json"))
    assert [e["company"] for e in listed] == ["Flonidan", "Flonidan", None]
    assert "000004" in run("list", "-r", registry, "--manufacturer", "10:6c")
    assert "(Flonidan)" in run("list", "-r", registry, "--manufacturer", "flonidan")
    run("names", "set", "10:6c", "EDMI", "-r", registry, "--reason", "the maker's letter")
    changes = json.loads(run("names", "list", "--changes", "-r", registry, "--format", "json"))
    assert [(c["manufacturer_id"], c["company"], c["reason"]) for c in changes] == [
        ("12:3E", "Flonidan", "named in the history lines of cpl.xlsx"),
        ("10:6C", "EDMI", "the maker's letter")]
    removals = tmp_path / "removals.csv"
    removals.write_text("Entry.number,reason,decision\n000004,withdrawn,SSC 1\n")
    run("publish", "-r", registry, "--as-of", "2026-11-23", "--key", key, "--cert", cert,
        removals)
    line = json.loads(run("history", "-r", registry, "--format", "json"))[-1]["changes"]
    assert line.startswith("One device model removed:\r\n000004 - EDMI GSME 01:02:0A:FD\r\n")
    page = (registry / "versions" / "1.3" / "cpl-1.3.html").read_text()
    assert '<td data-label="Company">EDMI</td>' in page
    assert '<option value="10:6C">10:6C (EDMI)</option>' in page


def test_a_control_character_in_a_history_line_is_kept_as_excel_escapes_it(
        tmp_path: Path, ruleset: Ruleset, identity: object) -> None:
    """A line break pasted from Word is U+000B, which Excel stores as ``_x000B_`` and no
    worksheet or XML file can carry as the character: the import keeps SECAS's text with it
    written as that escape (visible in every output), reports it, and the re-issued workbook
    holds U+000B again once read, as SECAS's did."""
    import zipfile

    from cplkit.app.importing import import_workbook

    history = (m.HistoryLine("1.0", "2016-10-27", "Initial blank version for publication."),
               m.HistoryLine("1.1", "2016-11-07", "One New Device Model added:\n"
                             "000001 - Flonidan G4SZV-1"))
    version = m.CplVersion(m.VersionNumber.parse("1.1"), dt.date(2016, 11, 7),
                           (m.Entry.of({k: v for k, v in published("000001", "Current").items()
                                        if v is not None}),),
                           history[-1].changes, history[:-1])
    path = tmp_path / "cpl.xlsx"
    path.write_bytes(workbook_bytes(version, ruleset))
    with zipfile.ZipFile(path) as book:
        parts = {name: book.read(name) for name in book.namelist()}
    hits = [name for name, data in parts.items() if b"Flonidan G4SZV-1" in data]
    assert hits
    for name in hits:
        parts[name] = parts[name].replace(b"Flonidan G4SZV-1", b"Flonidan_x000B_G4SZV-1")
    with zipfile.ZipFile(path, "w") as book:
        for name, data in parts.items():
            book.writestr(name, data)

    outcome = import_workbook(path, tmp_path / "registry", ruleset, identity,  # type: ignore[arg-type]
                              now=utc_now())
    kept = "One New Device Model added:\n000001 - Flonidan_x000B_G4SZV-1"
    assert outcome.version.version.changes == kept
    [note] = [f for f in outcome.findings if f.code == "CPL-I01" and f.cell == "C12"]
    assert "_x000B_" in note.message
    # the re-issued workbook carries SECAS's character: read back, it is the same line again
    reissued = tmp_path / "registry" / "versions" / "1.1" / "cpl-1.1.xlsx"
    again = read_issued_version(reissued, ruleset, Limits(), file="cpl-1.1.xlsx")
    assert again.version.changes == kept


def test_the_history_names_products_and_later_history_lines_name_them(
        tmp_path: Path, ruleset: Ruleset, signing_keys: tuple[Path, Path]) -> None:
    """An import keeps, with each entry, the product name its item lines give where number,
    company and firmware pin it down, and says how many it named; no issued value changes
    (the DCC file and the CSV extract never carry it); the Plain English Mapping names it, and
    a later removal's item line does too."""
    import csv
    import io
    import json

    from cplkit.registry import Registry
    from tests.conftest import run_cli

    history = (m.HistoryLine("1.0", "2016-10-27", "Initial blank version for publication."),
               m.HistoryLine("1.1", "2016-11-07", "Three New Device Models added:\n"
                             "000001 - Flonidan G4SZV-1 SMETS2 Meter 01:02:0A:FF\n"
                             "000002 - Flonidan GSME 01:02:0A:FE (updated firmware)\n"
                             "000003 - Flonidan G4SZV-2 SMETS2 Meter 01:02:0A:FD"))
    entries = [published("000001", "Current"),
               published("000002", "Current", **{m.FIRMWARE_VERSION: "01:02:0A:FE"}),
               published("000003", "Current", **{m.FIRMWARE_VERSION: "01:02:0A:FC"})]
    version = m.CplVersion(m.VersionNumber.parse("1.1"), dt.date(2016, 11, 7),
                           tuple(m.Entry.of({k: v for k, v in e.items() if v is not None})
                                 for e in entries), history[-1].changes, history[:-1])
    path = tmp_path / "cpl.xlsx"
    path.write_bytes(workbook_bytes(version, ruleset))
    imported = read_issued_version(path, ruleset, Limits(), file="cpl.xlsx")
    # 000002's line names only the device; 000003's firmware is not the one its line gives
    assert [e.product_name for e in imported.version.entries] == ["G4SZV-1", None, None]
    assert dict(imported.products.named) == {"000001": "G4SZV-1"}

    key, cert = signing_keys
    registry = tmp_path / "registry"
    code, output = run_cli("import", path, "-r", registry, "--key", key, "--cert", cert)
    assert code == 0, output
    assert "product names: 1 entry named from the history (1 of them Current)\n" in output
    assert Registry(registry).read().version.by_number()["000001"].product_name == "G4SZV-1"
    folder = registry / "versions" / "1.1"
    for issued in ("cpl-1.1.xml", "cpl-1.1.csv"):
        assert b"G4SZV-1" not in (folder / issued).read_bytes()
    rows = list(csv.reader(io.StringIO((folder / "plain-english-1.1.csv").read_text())))
    at = rows[0].index("Product name")
    assert [(r[0], r[at]) for r in rows[1:]] == [("000001", "G4SZV-1"), ("000002", ""),
                                                 ("000003", "")]
    removals = tmp_path / "removals.csv"
    removals.write_text("Entry.number,reason,decision\n000001,withdrawn,SSC 1\n")
    code, output = run_cli("publish", "-r", registry, "--as-of", "2026-11-23", "--key", key,
                           "--cert", cert, removals)
    assert code == 0, output
    _, listed = run_cli("history", "-r", registry, "--format", "json")
    assert json.loads(listed)[-1]["changes"].startswith(
        "One device model removed:\r\n000001 - Flonidan GSME G4SZV-1 01:02:0A:FF\r\n")
