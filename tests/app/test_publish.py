"""The master-list workflow through the command line: publish submissions, removals and
certificate updates; read the list, one entry, the history and a diff; audit the list."""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest

from cplkit.core import model as m
from cplkit.core.ruleset import Ruleset
from cplkit.forms.new_entry import write_new_entry_form
from cplkit.intake.rulesets import load_ruleset
from tests.conftest import ROOT, SAMPLES, rules_without_gbcs_4_1, utc_now
from tests.conftest import run_cli as run
from tests.core.entries import valid_gas

AS_OF = ["--as-of", "2026-11-23"]


@pytest.fixture
def registry(published_registry: Path) -> Path:
    """`cplkit init`, then `cplkit publish --as-of 2026-11-23` of the bulk sample with the test
    key: version 1.0, entries 000001-000008 (a copy of the session's, this test's own)."""
    return published_registry


@functools.cache
def _bundled() -> Ruleset:
    """The bundled rules, read and checked once for the forms this module writes."""
    return load_ruleset()


def form(tmp_path: Path, **changes: str) -> Path:
    path = tmp_path / f"form-{len(list(tmp_path.iterdir()))}.xlsx"
    write_new_entry_form(path, _bundled(), [valid_gas(**changes)])
    return path


def csv_file(tmp_path: Path, name: str, rows: list[list[str]]) -> Path:
    path = tmp_path / name
    with path.open("w", newline="") as stream:
        csv.writer(stream).writerows(rows)
    return path


def test_first_publish_of_an_empty_registry_is_version_1_0(registry: Path) -> None:
    _, out = run("history", "-r", registry, "--format", "json")
    history = json.loads(out)
    assert [h["version"] for h in history] == ["1.0"]
    assert history[0]["date"] == "2026-11-23"
    assert history[0]["changes"].startswith(
        "Seven new SMETS2 device models added:\r\n"
        "000001 - Example Meters Ltd Comms Hub 01:02:0B:00\r\n")


def test_list_json_is_keyed_by_canonical_names_and_filters(registry: Path) -> None:
    code, out = run("list", "-r", registry, "--format", "json")
    entries = json.loads(out)
    assert code == 0 and len(entries) == 8
    assert list(entries[0]) == [*m.PUBLISHED_FIELDS, "company"]
    assert entries[0]["Entry.number"] == "000001" and entries[0]["Entry.status"] == "Current"
    assert entries[0]["company"] is None  # the names register names nobody yet
    _, out = run("list", "-r", registry, "--format", "json", "--device-type", "hub")
    assert [e["Device_Type.name"] for e in json.loads(out)] == ["Communications Hub"]
    _, out = run("list", "-r", registry, "--format", "csv", "--manufacturer", "12:3e")
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == [*m.PUBLISHED_FIELDS, "company"] and len(rows) == 9
    _, out = run("list", "-r", registry, "--status", "removed")
    assert out.strip().endswith("0 entries")


def test_show_one_entry(registry: Path) -> None:
    code, out = run("show", "3", "-r", registry, "--format", "json")
    assert code == 0
    assert json.loads(out)["Device_Type.name"] == "Single Element Electricity Metering Equipment"
    assert run("show", "000099", "-r", registry)[0] == 2


def test_publish_removals_and_certificate_updates(registry: Path, tmp_path: Path) -> None:
    removals = csv_file(tmp_path, "removals.csv", [
        ["Entry.number", "reason", "decision"],
        ["000002", "incorrect GBCS version", "SSC 2026-11-20"]])
    updates = csv_file(tmp_path, "updates.csv", [
        ["CPA_Certificate.identification_number", "new_identification_number",
         "new_expiry_date", "reason"],
        ["[R] NCSC-1500000000-4001", "[R] NCSC-1500000000-5001", "30/08/2031", "renewed"]])
    code, out = run("publish", "-r", registry, *AS_OF, removals, updates)
    assert code == 0, out
    _, out = run("diff", "1.0", "1.1", "-r", registry, "--format", "json")
    changes = json.loads(out)
    assert [e["Entry.number"] for e in changes["removed"]] == ["000002"]
    assert not changes["added"]
    amended = {(a["entry"], a["field"]) for a in changes["amended"]}
    assert ("000001", m.CPA_ID) in amended and ("000001", m.CPA_EXPIRY) in amended
    _, out = run("history", "-r", registry, "--format", "json")
    text = json.loads(out)[-1]["changes"]
    assert ("One device model removed:\r\n000002 - Example Meters Ltd GSME 01:02:0B:01\r\n"
            "This device model was removed: incorrect GBCS version. Decision: SSC 2026-11-20."
            ) in text
    assert ("Renewed. The new CPA Certificate, [R] NCSC-1500000000-5001, replaces [R] "
            "NCSC-1500000000-4001. A Risk Review for the new CPA Certificate will need to be "
            "completed by 30 August 2031. Five current entries have been updated to reflect "
            "this change: 000001, 000003, 000004, 000005 and 000006.") in text


def test_change_file_problems_are_findings_at_their_cells(registry: Path, tmp_path: Path) -> None:
    removals = csv_file(tmp_path, "removals.csv", [
        ["Entry.number", "reason", "decision"], ["2", "typo", ""], ["000777", "gone", "SSC"]])
    code, out = run("publish", "-r", registry, *AS_OF, "--format", "json", removals)
    assert code == 1
    report = json.loads(out)
    from jsonschema import Draft202012Validator

    from tests.conftest import ROOT
    schema = json.loads((ROOT / "schemas" / "report.schema.json").read_text())
    Draft202012Validator(schema).validate(report)
    found = {(f["code"], f["cell"]) for f in report["files"][0]["findings"]}
    # '2' is entry 000002 with the zeros Excel dropped: read as such, with a warning; the
    # unknown entry of the next row is reported in the same round, not after the fix
    assert found == {("CPL-V09", "A2"), ("CPL-V01", "C2"), ("CPL-M04", "A3")}
    assert report["publish"]["issued"] is None


def test_every_problem_of_a_change_file_is_reported_at_once(registry: Path,
                                                            tmp_path: Path) -> None:
    """Before, a removal of entry 999999 without its decision showed the V01 only; the M04
    came once the decision was filled in. Rule and list findings of every file are one report,
    from the dry run as from the publish."""
    removals = csv_file(tmp_path, "removals.csv", [
        ["Entry.number", "reason", "decision"], ["999999", "withdrawn", ""]])
    corrections = csv_file(tmp_path, "corrections.csv", [
        ["Entry.number", "field", "new_value", "reason"],
        ["000888", "ZSE_Certificate.identification_number", "ZIG-1", ""]])
    bad_form = form(tmp_path, **{m.FIRMWARE_VERSION: "09:09"})
    for dry in ((), ("--dry-run",)):
        code, out = run("publish", "-r", registry, *AS_OF, "--format", "json", *dry,
                        removals, corrections, bad_form)
        assert code == 1, out
        found = {(Path(r["path"]).name, f["code"], f["cell"])
                 for r in json.loads(out)["files"] for f in r["findings"]
                 if f["severity"] == "error"}
        assert {("removals.csv", "CPL-V01", "C2"), ("removals.csv", "CPL-M04", "A2"),
                ("corrections.csv", "CPL-V01", "D2"),
                ("corrections.csv", "CPL-M04", "A2")} <= found, found
        assert any(name == bad_form.name and code == "CPL-V03" for name, code, _ in found)
    assert not (registry / "versions" / "1.1").exists()


def test_a_removal_names_an_entry_excel_stripped_of_zeros(registry: Path,
                                                          tmp_path: Path) -> None:
    removals = csv_file(tmp_path, "removals.csv", [
        ["Entry.number", "reason", "decision"], ["2", "CPA certificate withdrawn", "SSC 2026"]])
    code, out = run("publish", "-r", registry, *AS_OF, removals)
    assert code == 0, out
    assert "CPL-V09" in out and "read 2 as 000002" in out
    _, shown = run("show", "2", "-r", registry, "--format", "json")
    assert json.loads(shown)["Entry.status"] == "Removed"


def test_a_submission_with_errors_publishes_nothing(registry: Path, tmp_path: Path) -> None:
    good = form(tmp_path, **{m.FIRMWARE_VERSION: "09:09:09:09"})
    bad = form(tmp_path, **{m.FIRMWARE_VERSION: "09:09"})
    code, out = run("publish", "-r", registry, *AS_OF, good, bad)
    assert code == 1 and "CPL-V03" in out and "nothing was written" in out
    assert json.loads(run("history", "-r", registry, "--format", "json")[1])[-1]["version"] == "1.0"


def test_merge_warnings_do_not_stop_a_publish(registry: Path, tmp_path: Path) -> None:
    """A hub sharing the gas meter's Device Model: CPL-M03, a warning, and the version issues."""
    hub = {k: v for k, v in valid_gas("CHTS V1.5").items()
           if not k.startswith(("Manufacturer Contact FIR", "FIR "))}
    hub[m.DEVICE_TYPE] = "Communications Hub"
    path = tmp_path / "hub.xlsx"
    write_new_entry_form(path, _bundled(), [hub])
    code, out = run("publish", "-r", registry, *AS_OF, path)
    assert code == 0, out
    assert "CPL-M03" in out and "issued Version 1.1" in out


def test_dry_run_writes_nothing(registry: Path, tmp_path: Path) -> None:
    code, out = run("publish", "-r", registry, *AS_OF, "--dry-run",
                    form(tmp_path, **{m.FIRMWARE_VERSION: "09:09:09:09"}))
    assert code == 0
    assert "Dry run, nothing written: would issue Version 1.1 Issued on 23-11-2026" in out
    assert "+ 000009 Gas Smart Meter" in out
    assert not (registry / "versions" / "1.1").exists()


def test_an_issue_date_before_the_latest_is_refused(registry: Path, tmp_path: Path) -> None:
    code, out = run("publish", "-r", registry, "--as-of", "2026-01-01", "--dry-run",
                    form(tmp_path, **{m.FIRMWARE_VERSION: "09:09:09:09"}))
    assert code == 1 and "before the latest version" in out and "CPL-M06" in out


def test_audit_finds_expired_certificates_and_proposes_removals(registry: Path,
                                                                tmp_path: Path) -> None:
    # a lifetime certificate past its renewal date is listed, but not proposed for removal
    code, out = run("audit", "-r", registry, "--as-of", "2031-01-01", "--format", "json")
    assert code == 0
    assert {i["reason"] for i in json.loads(out)} == {"cpa-renewal-overdue"}
    proposal = tmp_path / "none.csv"
    run("audit", "-r", registry, "--as-of", "2031-01-01", "--propose-removals", proposal)
    assert len(list(csv.reader(proposal.open()))) == 1
    # the same certificate as a standard one, expiring 30/09/2030, is expired by 2031
    updates = csv_file(tmp_path, "updates.csv", [
        ["CPA_Certificate.identification_number", "new_identification_number",
         "new_expiry_date", "reason"],
        ["[R] NCSC-1500000000-4001", "[E] NCSC-1500000000-4001", "30/09/2030", "re-issued"]])
    code, out = run("publish", "-r", registry, *AS_OF, updates)
    assert code == 0, out
    code, out = run("audit", "-r", registry, "--as-of", "2031-01-01", "--format", "json")
    items = json.loads(out)
    assert {i["reason"] for i in items} == {"cpa-expired"}
    assert items[0]["subject"] == "[E] NCSC-1500000000-4001"
    assert len(items[0]["entries"]) == 6
    proposal = tmp_path / "proposal.csv"
    code, out = run("audit", "-r", registry, "--as-of", "2031-01-01", "--propose-removals",
                    proposal)
    rows = list(csv.reader(proposal.open()))
    assert rows[0] == ["Entry.number", "reason", "decision"] and len(rows) == 7
    assert rows[1][2] == ""  # the Security Sub-Committee decides
    code, out = run("publish", "-r", registry, "--as-of", "2031-01-01", "--dry-run", proposal)
    assert code == 1 and "CPL-V01" in out
    _, out = run("audit", "-r", registry, "--as-of", "2030-06-01", "--within", "30")
    assert "Nothing to act on" in out
    _, out = run("audit", "-r", registry, "--as-of", "2030-06-01", "--within", "150")
    assert "expires soon" in out


def test_check_publish_and_audit_agree_on_a_certificate_date(registry: Path,
                                                              tmp_path: Path) -> None:
    """One meaning of a CPA date: an [E] certificate that expired is refused by check (a new
    entry) and publish (an update) with the same code, and proposed for removal by audit."""
    expired = {m.CPA_ID: "[E] NCSC-1500000000-4009", m.CPA_EXPIRY: "30/09/2026"}
    submission = form(tmp_path, **expired)
    code, out = run("check", submission, "--as-of", "2026-11-23", "--format", "json")
    assert code == 1
    check_codes = {f["code"] for f in json.loads(out)["files"][0]["findings"]}
    updates = csv_file(tmp_path, "updates.csv", [
        ["CPA_Certificate.identification_number", "new_identification_number",
         "new_expiry_date", "reason"],
        ["[R] NCSC-1500000000-4001", "[E] NCSC-1500000000-4009", "30/09/2026", "re-issued"]])
    code, out = run("publish", "-r", registry, *AS_OF, "--format", "json", updates)
    assert code == 1
    publish_codes = {f["code"] for file in json.loads(out)["files"] for f in file["findings"]}
    assert check_codes == publish_codes == {"CPL-R08"}
    # an update to an [E] certificate that keeps the entries' old date, which has passed, is
    # refused as a submission with that date would be
    undated = csv_file(tmp_path, "undated.csv", [
        ["CPA_Certificate.identification_number", "new_identification_number",
         "new_expiry_date", "reason"],
        ["[R] NCSC-1500000000-4001", "[E] NCSC-1500000000-4009", "", "re-issued"]])
    code, out = run("publish", "-r", registry, "--as-of", "2031-01-01", undated)
    assert code == 1 and "CPL-R08" in out and "expired on 30/08/2030" in out
    # audit, as of the same day, on the list with that certificate: expired, removal proposed
    fine = csv_file(tmp_path, "fine.csv", [
        ["CPA_Certificate.identification_number", "new_identification_number",
         "new_expiry_date", "reason"],
        ["[R] NCSC-1500000000-4001", "[E] NCSC-1500000000-4009", "30/12/2026", "re-issued"]])
    code, out = run("publish", "-r", registry, *AS_OF, fine)
    assert code == 0, out
    _, out = run("audit", "-r", registry, "--as-of", "2027-01-01", "--format", "json")
    assert {i["reason"] for i in json.loads(out)} == {"cpa-expired"}


@pytest.mark.parametrize(("flag", "header"), [
    ("--removals", "Entry.number,reason,decision"),
    ("--certificate-updates",
     "CPA_Certificate.identification_number,new_identification_number,new_expiry_date,reason,"
     "Entry.number"),
    ("--reinstatements", "Entry.number,reinstatement_reason,decision"),
    ("--corrections", "Entry.number,field,new_value,reason"),
    ("--renames", "field,old_value,new_value,reason"),
])
def test_change_file_templates(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, flag: str,
                               header: str) -> None:
    monkeypatch.chdir(tmp_path)
    code, _ = run("template", flag)
    written = next(tmp_path.glob("*.csv"))
    assert code == 0 and written.read_text().strip() == header


def test_reading_an_empty_or_missing_registry(tmp_path: Path) -> None:
    code, out = run("list", "-r", tmp_path / "nowhere")
    assert code == 4 and "not a cplkit registry" in out
    run("init", "-r", tmp_path / "empty")
    code, out = run("list", "-r", tmp_path / "empty")
    assert code == 4 and "no version yet" in out


def test_importing_a_missing_workbook_says_so(tmp_path: Path) -> None:
    code, out = run("import", tmp_path / "nowhere.xlsm", "-r", tmp_path / "registry")
    assert code == 3 and "cannot be opened: No such file or directory" in out
    assert not (tmp_path / "registry").exists()


def test_a_major_version_follows_as_secas_issued_2_000(registry: Path, tmp_path: Path,
                                                       signing_keys: tuple[Path, Path]) -> None:
    """1.293 was followed by 2.000: --major starts the next major version at zero, the chain of
    signed files accepts the step, and the next publish counts on from it."""
    code, out = run("publish", "-r", registry, *AS_OF, "--major",
                    form(tmp_path, **{m.FIRMWARE_VERSION: "09:09:09:09"}))
    assert code == 0, out
    assert "issued Version 2.0 Issued on 23-11-2026 (after 1.0)" in out
    versions = registry / "versions"
    code, out = run("verify", versions / "2.0" / "cpl-2.0.xml", "--trust", signing_keys[1],
                    "--previous", versions / "1.0" / "cpl-1.0.xml")
    assert code == 0, out
    code, out = run("publish", "-r", registry, *AS_OF,
                    form(tmp_path, **{m.FIRMWARE_VERSION: "09:09:09:0A"}))
    assert code == 0 and "issued Version 2.1 " in out
    # a file claiming to follow 1.0 as 2.1 skips 2.0: refused
    code, out = run("verify", versions / "2.1" / "cpl-2.1.xml", "--trust", signing_keys[1],
                    "--previous", versions / "1.0" / "cpl-1.0.xml")
    assert code == 17 and "expected 1.1 or 2.0" in out


def test_a_removed_entry_is_reinstated_with_its_number(registry: Path, tmp_path: Path) -> None:
    """As 000067 and 000068 at 1.44: Removed, then Current again, "original entry valid"."""
    removal = csv_file(tmp_path, "removals.csv", [
        ["Entry.number", "reason", "decision"], ["000002", "wrong GBCS version", "SSC 1"]])
    assert run("publish", "-r", registry, *AS_OF, removal)[0] == 0
    back = csv_file(tmp_path, "reinstate.csv", [
        ["Entry.number", "reinstatement_reason", "decision"],
        ["000002", "original entry valid", "SSC 2"]])
    code, out = run("publish", "-r", registry, *AS_OF, back)
    assert code == 0, out
    assert "issued Version 1.2" in out
    _, shown = run("show", "000002", "-r", registry, "--format", "json")
    assert json.loads(shown)["Entry.status"] == "Current"
    _, history = run("history", "-r", registry, "--format", "json")
    line = json.loads(history)[-1]["changes"]
    assert line.startswith("One device model, status changed to 'Current':\r\n000002 - ")
    assert "(original entry valid; decision: SSC 2)" in line
    _, changed = run("diff", "1.1", "1.2", "-r", registry, "--format", "json")
    assert "000002" in changed and "Removed" in changed and "Current" in changed
    # refused: an entry that is Current, and one that does not exist; nothing is written
    again = csv_file(tmp_path, "again.csv", [
        ["Entry.number", "reinstatement_reason", "decision"],
        ["000002", "twice", "SSC 3"], ["000999", "none such", "SSC 3"]])
    code, out = run("publish", "-r", registry, *AS_OF, again)
    assert code == 1 and out.count("CPL-M04") == 2
    assert "is Current, not Removed" in out and "no entry 000999" in out
    assert not (registry / "versions" / "1.3").exists()


def test_a_published_field_is_corrected_in_place(registry: Path, tmp_path: Path) -> None:
    """As the DLMS id of 000139 at 1.87: one field of one Current entry, its number kept."""
    corrections = csv_file(tmp_path, "corrections.csv", [
        ["Entry.number", "field", "new_value", "reason"],
        ["000001", "ZSE_Certificate.identification_number", "ZIG22001ZSE13009-24",
         "the submitter noted the original submission contained an error"]])
    code, out = run("publish", "-r", registry, *AS_OF, corrections)
    assert code == 0, out
    _, shown = run("show", "1", "-r", registry, "--format", "json")
    entry = json.loads(shown)
    assert entry["ZSE_Certificate.identification_number"] == "ZIG22001ZSE13009-24"
    assert entry["Entry.number"] == "000001" and entry["Entry.status"] == "Current"
    _, history = run("history", "-r", registry, "--format", "json")
    line = json.loads(history)[-1]["changes"]
    assert line.startswith("One device model amended:\r\n000001 - ")
    assert "(corrected details): ZSE_Certificate.identification_number altered to " \
           "ZIG22001ZSE13009-24 (the submitter noted" in line
    _, changed = run("diff", "1.0", "1.1", "-r", registry, "--format", "json")
    assert "ZIG22001ZSE13009-24" in changed


@pytest.mark.parametrize(("row", "code", "said"), [
    (["000999", "Device_Model.firmware_version", "01:02:03:04", "typo"], "CPL-M04",
     "no entry 000999"),
    (["000001", "Entry.status", "Removed", "typo"], "CPL-V05", "not a published field"),
    (["000001", "Device_Model.firmware_version", "01:02:0B:00", "typo"], "CPL-M04",
     "already has"),
    (["000001", "Device_Model.firmware_version", "1:2:3", "typo"], "CPL-V03", "new_value"),
], ids=["unknown-entry", "not-a-field", "same-value", "bad-format"])
def test_corrections_that_are_refused(registry: Path, tmp_path: Path, row: list[str],
                                      code: str, said: str) -> None:
    corrections = csv_file(tmp_path, "corrections.csv", [
        ["Entry.number", "field", "new_value", "reason"], row])
    status, out = run("publish", "-r", registry, *AS_OF, "--dry-run", corrections)
    assert status == 1 and code in out and said in out, out


# slow: five publishes in a row. In the inner loop each kind of change file is published by
# its own test here: removals and certificate updates (test_publish_removals_and_certificate_
# updates), a reinstatement (test_a_removed_entry_is_reinstated_with_its_number), a correction
# (test_a_published_field_is_corrected_in_place), a rename with its rules
# (test_a_value_renamed_across_the_list_with_its_rules); and samples/changes/1-removals.csv by
# tests/publications/test_site_and_notice.py
@pytest.mark.slow
def test_the_sample_change_files_publish_in_order(registry: Path) -> None:
    """samples/changes/: one file of each kind, each issuing a version whose entry, status,
    history line and diff say what the file asked for."""
    changes = sorted((SAMPLES / "changes").glob("*.csv"))
    assert [p.name.split("-", 1)[1] for p in changes] == [
        "removals.csv", "reinstatements.csv", "corrections.csv", "certificate-updates.csv",
        "renames.csv"]
    renamed = "Zigbee Smart Energy Standard 1.4 (2016)"
    expected = {
        "removals.csv": ("000002", "Entry.status", "Removed", "One device model removed:"),
        "reinstatements.csv": ("000002", "Entry.status", "Current",
                               "One device model, status changed to 'Current':"),
        "corrections.csv": ("000003", "ZSE_Certificate.identification_number",
                            "ZIG22001ZSE13009-24", "One device model amended:"),
        "certificate-updates.csv": ("000001", "CPA_Certificate.identification_number",
                                    "[R] NCSC-1500000000-4002",
                                    "NCSC granted a new certificate. The new CPA Certificate, "
                                    "[R] NCSC-1500000000-4002, replaces "),
        "renames.csv": ("000004", "ZSE_Certificate.ZSE_version", renamed,
                        "All ZSE_Certificate.ZSE_version values listed as 'ZigBee Smart Energy "
                        f"Standard 1.4' on the CPL have been amended to '{renamed}'"),
    }
    before = "1.0"
    for path in changes:
        number, field, value, history = expected[path.name.split("-", 1)[1]]
        rules = path.with_name(path.stem + "-rules.json")  # a rename comes with its rules
        code, out = run("publish", "-r", registry, *AS_OF, path,
                        *(("--rules", rules) if rules.exists() else ()))
        assert code == 0, out
        after = re.search(r"issued Version (\S+)", out).group(1)  # type: ignore[union-attr]
        _, shown = run("show", number, "-r", registry, "--format", "json")
        assert json.loads(shown)[field] == value, path.name
        _, lines = run("history", "-r", registry, "--format", "json")
        assert json.loads(lines)[-1]["changes"].startswith(history), path.name
        _, changed = run("diff", before, after, "-r", registry, "--format", "json")
        assert number in changed and value in changed, path.name
        before = after


def test_a_certificate_date_for_one_entry(registry: Path, tmp_path: Path) -> None:
    """As 000024's CPA expiry date at 1.15: the optional Entry.number column targets one entry
    of those sharing the certificate; the others keep theirs."""
    header = ["CPA_Certificate.identification_number", "new_identification_number",
              "new_expiry_date", "reason", "Entry.number"]
    one = csv_file(tmp_path, "one.csv", [
        header, ["[R] NCSC-1500000000-4001", "", "30/08/2031", "date corrected", "000002"]])
    code, out = run("publish", "-r", registry, *AS_OF, one)
    assert code == 0, out
    dates = {}
    for number in ("000001", "000002", "000003"):
        _, shown = run("show", number, "-r", registry, "--format", "json")
        dates[number] = json.loads(shown)["CPA_Certificate.expiry_date"]
    assert dates["000002"] == "2031-08-30"
    assert dates["000001"] == dates["000003"] != "2031-08-30"
    _, lines = run("history", "-r", registry, "--format", "json")
    assert json.loads(lines)[-1]["changes"] == (
        "Updated Entry 000002: Date corrected. A Risk Review for CPA Certificate "
        "[R] NCSC-1500000000-4001 will need to be completed by 30 August 2031.")
    wrong = csv_file(tmp_path, "wrong.csv", [
        header, ["[R] NCSC-1500000000-4001", "", "30/08/2031", "date corrected", "000999"]])
    code, out = run("publish", "-r", registry, *AS_OF, "--dry-run", wrong)
    assert code == 1 and "CPL-M04" in out and "entry 000999 is not a Current entry" in out


def _rules_with_gbcs_4_2(tmp_path: Path) -> Path:
    data = json.loads((ROOT / "schemas" / "ruleset.json").read_text())
    data["id"] = "cpl-rules-2026-11"
    data["gbcs_versions"].append({"value": "GBCS Version 4.2", "generation": "SMETS2+",
                                  "accepted": True})
    data["combinations"].append({"device_types": ["Gas Smart Meter"], "spec_version": "SMETS V4.3",
                                 "gbcs_versions": ["GBCS Version 4.2"], "source": "TSAT 2026"})
    path = tmp_path / "rules-4.2.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_a_version_that_changes_only_the_rules(registry: Path, tmp_path: Path) -> None:
    """As 2.000 ("Device Level Versioning updated"): no entry changes, the history line says
    what the rules gained, and each version keeps the rules it was issued under, so a form is
    checked with the rules of any version."""
    rules = _rules_with_gbcs_4_2(tmp_path)
    code, out = run("publish", "-r", registry, *AS_OF)
    assert code == 2 and "at least one change file" in out  # same rules: nothing to issue
    code, out = run("publish", "-r", registry, *AS_OF, "--rules", rules)
    assert code == 0, out
    assert "issued Version 1.1" in out
    _, lines = run("history", "-r", registry, "--format", "json")
    line = json.loads(lines)[-1]["changes"]
    assert line.startswith("Rules updated to cpl-rules-2026-11 (SHA-256 ")
    assert line.endswith(":\r\nGBCS versions now accepted: GBCS Version 4.2\r\n"
                         "Device Level Versioning row added: Gas Smart Meter: SMETS V4.3 with "
                         "GBCS Version 4.2")
    _, diffed = run("diff", "1.0", "1.1", "-r", registry, "--format", "json")
    assert json.loads(diffed)["added"] == json.loads(diffed)["removed"] == []
    # a gas meter on GBCS 4.2: refused under the rules of 1.0, accepted under those of 1.1
    submission = form(tmp_path, **{m.GBCS_VERSION: "GBCS Version 4.2",
                                   m.FIRMWARE_VERSION: "09:09:09:42"})
    code, out = run("check", *AS_OF, "--rules-of", "1.0", "-r", registry, submission)
    assert code == 1 and "GBCS Version 4.2" in out
    code, out = run("check", *AS_OF, "--rules-of", "1.1", "-r", registry, submission)
    assert code == 0, out
    # the kept rules are the registry's: altered by hand, every reader says so
    kept = registry / "versions" / "1.1" / "ruleset.json"
    kept.write_text(kept.read_text().replace("GBCS Version 4.2", "GBCS Version 4.3"))
    code, out = run("check", *AS_OF, "--rules-of", "1.1", "-r", registry, submission)
    assert code == 4 and "altered by hand" in out


def _made_by(registry: Path, version: str) -> dict[str, Any]:
    made_by: dict[str, Any] = json.loads(
        (registry / "versions" / version / "version.json").read_text())["made_by"]
    return made_by


def test_kept_rules_are_read_as_the_bundled_ones_only_when_they_are_them(
        registry: Path, tmp_path: Path) -> None:
    """A version kept with the bundled rules gives back the bundled ruleset itself (no second
    schema check); one kept with edited rules gives those, checked in full."""
    from cplkit.app.ruleset_sources import stored_rules
    from cplkit.intake.rulesets import load_ruleset, validate_ruleset_data
    from cplkit.registry import Registry

    rules = _rules_with_gbcs_4_2(tmp_path)
    assert run("publish", "-r", registry, *AS_OF, "--rules", rules)[0] == 0
    reg = Registry(registry)
    assert stored_rules(reg, reg.read("1.0")) is load_ruleset()
    edited = stored_rules(reg, reg.read("1.1"))
    assert edited is not None and edited is not load_ruleset()
    assert edited == validate_ruleset_data(json.loads(rules.read_text()), "edited")


def test_the_rules_of_the_latest_version_carry_forward(registry: Path, tmp_path: Path) -> None:
    """Before, every publish without --rules used the bundled rules: after a rules-only
    version that added GBCS Version 4.2, the next routine removal said "GBCS versions no
    longer accepted: GBCS Version 4.2" in its history line, with exit 0."""
    rules = _rules_with_gbcs_4_2(tmp_path)
    assert run("publish", "-r", registry, *AS_OF, "--rules", rules)[0] == 0
    removals = csv_file(tmp_path, "removals.csv", [
        ["Entry.number", "reason", "decision"], ["000002", "withdrawn", "SSC 2026-11-20"]])
    submission = form(tmp_path, **{m.GBCS_VERSION: "GBCS Version 4.2",
                                   m.FIRMWARE_VERSION: "09:09:09:42"})
    # the dry run, the preflight and the publish all check with the rules of 1.1
    code, out = run("publish", "-r", registry, *AS_OF, "--dry-run", removals, submission)
    assert code == 0, out
    assert "Rules" not in out and "no longer accepted" not in out
    code, out = run("check", *AS_OF, "-r", registry, removals, submission)
    assert code == 0, out
    assert "cpl-rules-2026-11" in out
    code, out = run("publish", "-r", registry, *AS_OF, removals)
    assert code == 0, out
    assert _made_by(registry, "1.2")["ruleset_sha256"] == \
        _made_by(registry, "1.1")["ruleset_sha256"] != _made_by(registry, "1.0")["ruleset_sha256"]
    assert (registry / "versions" / "1.2" / "ruleset.json").read_bytes() == \
        (registry / "versions" / "1.1" / "ruleset.json").read_bytes()
    _, lines = run("history", "-r", registry, "--format", "json")
    line = json.loads(lines)[-1]["changes"]
    assert line.startswith("One device model removed:") and "Rules" not in line
    assert "accepted" not in line
    # the operator's orientation: where the files of the version are
    assert out.rstrip().endswith(f"the files of version 1.2 are in {registry / 'versions' / '1.2'}")
    # a change back to the bundled rules happens only when asked for, and says so
    bundled = ROOT / "schemas" / "ruleset.json"
    code, out = run("publish", "-r", registry, *AS_OF, "--dry-run", "--rules", bundled)
    assert code == 0, out
    assert "Rules updated to cpl-rules-2022-09 (SHA-256 " in out
    assert "GBCS versions no longer accepted: GBCS Version 4.2" in out


def test_rules_of_a_version_that_kept_none(registry: Path, tmp_path: Path) -> None:
    code, out = run("check", *AS_OF, "--rules-of", "9.9", "-r", registry,
                    SAMPLES / "valid" / "form-ppmid.xlsx")
    assert code == 2 and "no version 9.9" in out
    code, out = run("check", *AS_OF, "--rules-of", "1.0",
                    SAMPLES / "valid" / "form-ppmid.xlsx")
    assert code == 2 and "--rules-of needs --registry" in out


def test_a_value_renamed_across_the_list_with_its_rules(registry: Path, tmp_path: Path) -> None:
    """As 1.23: a value's text changed on every entry that had it, published with the ruleset
    that makes the new text valid; under rules that do not allow it, refused."""
    old, new = "ZigBee Smart Energy Standard 1.4", "Zigbee Smart Energy Standard 1.4 (2016)"
    rules = tmp_path / "rules.json"
    rules.write_text((ROOT / "schemas" / "ruleset.json").read_text().replace(old, new))
    renames = csv_file(tmp_path, "renames.csv", [
        ["field", "old_value", "new_value", "reason"],
        ["ZSE_Certificate.ZSE_version", old, new, "to match the DCC's validation"]])
    code, out = run("publish", "-r", registry, *AS_OF, "--dry-run", renames)
    assert code == 1 and "CPL-V05" in out and "new_value" in out  # the bundled rules refuse it
    code, out = run("publish", "-r", registry, *AS_OF, "--rules", rules, renames)
    assert code == 0, out
    _, listed = run("list", "-r", registry, "--format", "json")
    versions = {e["ZSE_Certificate.ZSE_version"] for e in json.loads(listed)}
    assert old not in versions and new in versions
    _, lines = run("history", "-r", registry, "--format", "json")
    line = json.loads(lines)[-1]["changes"]
    assert line.startswith(f"All ZSE_Certificate.ZSE_version values listed as '{old}' on the "
                           f"CPL have been amended to '{new}': to match the DCC's validation. "
                           "Seven entries updated: 000001, 000002, ")
    assert f"ZSE versions now accepted: {new}" in line and f"no longer accepted: {old}" in line
    code, out = run("publish", "-r", registry, *AS_OF, "--rules", rules, "--dry-run", renames)
    assert code == 1 and "CPL-M04" in out and "no entry has" in out  # nothing has it any more


def _workbook_cells(path: Path) -> list[list[list[object]]]:
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True)
    return [[list(row) for row in sheet.iter_rows(values_only=True)] for sheet in book]


def test_the_workbook_built_aside_is_the_one_built_here(registry: Path, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """The workbook is made in a child process while the other files are made; where fork is
    missing it is made in this process, cell for cell the same."""
    import shutil

    from cplkit.base import isolation

    change = form(tmp_path, **{m.FIRMWARE_VERSION: "09:09:09:09"})
    here = tmp_path / "here"
    shutil.copytree(registry, here)
    assert run("publish", "-r", registry, *AS_OF, change)[0] == 0
    monkeypatch.setattr(isolation, "can_isolate", lambda: False)
    assert run("publish", "-r", here, *AS_OF, change)[0] == 0
    aside, serial = (_workbook_cells(r / "versions" / "1.1" / "cpl-1.1.xlsx")
                     for r in (registry, here))
    assert aside == serial and len(aside[2]) == 7 + 9  # the list: its header rows and entries


def test_a_workbook_process_that_dies_issues_nothing(registry: Path, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """Killed (the out-of-memory killer, say) while it writes the workbook: a clear error that
    names the workbook, and the registry as it was."""
    import os
    import signal

    from cplkit.publications import bundle

    def killed(*_: object) -> bytes:
        os.kill(os.getpid(), signal.SIGKILL)
        raise AssertionError("unreachable")

    monkeypatch.setattr(bundle, "workbook_bytes", killed)
    before = (registry / "registry.json").read_bytes()
    code, out = run("publish", "-r", registry, *AS_OF,
                    form(tmp_path, **{m.FIRMWARE_VERSION: "09:09:09:09"}))
    assert code == 7, out
    assert "cannot build the workbook of version 1.1" in out and "SIGKILL" in out
    assert (registry / "registry.json").read_bytes() == before
    assert not (registry / "versions" / "1.1").exists()
    # the files written before it died went with the folder they were written to
    assert not list((registry / "versions").glob(".tmp-*"))


def test_a_publish_decodes_the_latest_version_once(registry: Path, tmp_path: Path,
                                                   identity: Any,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """The policy it was issued under, the DCC file the signed statement names, the rules it
    carries and the merge all ask about the latest version: at 72,900 entries each decode is a
    second or more, so it is decoded once."""
    from cplkit.registry import store

    decoded: list[str] = []
    decode = store.decode_version

    def counted(data: bytes, origin: str) -> Any:
        decoded.append(origin)
        return decode(data, origin)

    monkeypatch.setattr(store, "decode_version", counted)
    outcome = _publish(registry, [form(tmp_path, **{m.FIRMWARE_VERSION: "09:09:09:09"})],
                       identity, dry_run=False)
    assert outcome.issued is not None
    assert decoded == [str(registry / "versions" / "1.0" / "version.json")]


def test_a_dry_run_with_a_key_builds_every_file_outside_the_registry(
        registry: Path, tmp_path: Path, identity: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Built, signed and verified like a publish's, written to a scratch folder that is gone
    afterwards; the registry is byte for byte as it was (but the lock, which says who holds
    it)."""
    from cplkit.registry import transaction

    made: list[transaction.NewFiles] = []

    class Recorded(transaction.NewFiles):
        def __init__(self, folder: Path, *, durable: bool = True) -> None:
            super().__init__(folder, durable=durable)
            made.append(self)

    monkeypatch.setattr(transaction, "NewFiles", Recorded)
    def contents() -> dict[Path, bytes]:
        return {p: p.read_bytes() for p in registry.rglob("*") if p.is_file() and
                p.name != ".lock"}

    before = contents()
    outcome = _publish(registry, [form(tmp_path, **{m.FIRMWARE_VERSION: "09:09:09:09"})],
                       identity, dry_run=True)
    assert outcome.ok and outcome.issued is None
    [files] = made
    assert registry not in files.folder.parents and not files.folder.exists()
    assert {"cpl-1.1.xml", "cpl-1.1.xlsx", "manifest-1.1.xml"} <= set(files.digests)
    assert contents() == before


# Free text is text (issue 22): what a change set says in words reaches the issued history line,
# the workbook, the page, the notice and the feed. The publish use case, dry run and real, gives
# the same finding at the file's cell, and nothing is issued.

FORGED = "\r\n000999 - Forged Meters Ltd GSME 01:02:03:04"


def _publish(registry: Path, files: list[Path], identity: Any, *, dry_run: bool) -> Any:
    from cplkit.app.publish import publish

    return publish(registry, files, _bundled(), dt.date(2026, 11, 23), identity,
                   dry_run=dry_run, now=utc_now())


def _errors(outcome: Any) -> list[tuple[str, str | None, str | None]]:
    return sorted((f.code, f.cell, f.field) for r in outcome.report.files for f in r.findings
                  if f.severity == "error")


@pytest.mark.parametrize("dry_run", [True, False], ids=["dry-run", "publish"])
def test_a_control_character_in_a_removal_reason_is_a_finding(
        registry: Path, tmp_path: Path, identity: Any, dry_run: bool) -> None:
    """Before, the dry run said 0 errors and the publish ended in openpyxl's
    IllegalCharacterError while writing the workbook."""
    removals = csv_file(tmp_path, "removals.csv", [
        ["Entry.number", "reason", "decision"], ["000002", "withdrawn\x07", "SSC 2026-11-18"]])
    outcome = _publish(registry, [removals], identity, dry_run=dry_run)
    assert _errors(outcome) == [("CPL-V03", "B2", "reason")]
    assert outcome.issued is None and not (registry / "versions" / "1.1").exists()


def test_a_product_name_cannot_forge_an_item_line(registry: Path, tmp_path: Path,
                                                   identity: Any) -> None:
    submission = form(tmp_path, **{m.FIRMWARE_VERSION: "09:09:09:09",
                                   "Product.name": "FVI" + FORGED})
    for dry_run in (True, False):
        outcome = _publish(registry, [submission], identity, dry_run=dry_run)
        assert [(code, field) for code, _, field in _errors(outcome)] == [
            ("CPL-V03", "Product.name")]
        assert outcome.issued is None
    _, history = run("history", "-r", registry, "--format", "json")
    assert "Forged" not in history
    # the same submission with the name on one line is issued, the name in its item line
    fixed = form(tmp_path, **{m.FIRMWARE_VERSION: "09:09:09:09", "Product.name": "FVI"})
    outcome = _publish(registry, [fixed], identity, dry_run=False)
    assert outcome.issued is not None
    assert "Gas Smart Meter FVI 09:09:09:09" in outcome.issued.version.changes.replace(
        "GSME", "Gas Smart Meter")
    # show gives the name beside the published fields, the company last; an entry without
    # one has none (null in JSON)
    number = next(e.number for e in outcome.issued.version.entries if e.product_name == "FVI")
    _, shown = run("show", str(number), "-r", registry)
    assert [line.split() for line in shown.splitlines() if line.startswith("product ")] == [
        ["product", "FVI"]]
    _, shown = run("show", str(number), "-r", registry, "--format", "json")
    assert json.loads(shown)["product"] == "FVI"
    assert json.loads(run("show", "1", "-r", registry, "--format", "json")[1])["product"] is None


def test_a_header_naming_a_column_twice_removes_nothing(registry: Path, tmp_path: Path,
                                                        identity: Any) -> None:
    """Before, the last of two Entry.number columns won: the file showed 000002 first and
    removed 000003."""
    removals = csv_file(tmp_path, "removals.csv", [
        ["Entry.number", "reason", "decision", "Entry.number"],
        ["000002", "incorrect CHTS and GBCS combination", "SSC 2026-11-18", "000003"]])
    outcome = _publish(registry, [removals], identity, dry_run=False)
    assert _errors(outcome) == [("CPL-F08", "D1", "Entry.number")]
    assert outcome.issued is None
    _, shown = run("show", "3", "-r", registry, "--format", "json")
    assert json.loads(shown)["Entry.status"] == "Current"


def test_two_corrections_of_one_field_across_files_are_refused(registry: Path, tmp_path: Path,
                                                                identity: Any) -> None:
    header = ["Entry.number", "field", "new_value", "reason"]
    first = csv_file(tmp_path, "first.csv", [
        header, ["000001", "ZSE_Certificate.identification_number", "ZIG-ONE", "typo"]])
    second = csv_file(tmp_path, "second.csv", [
        header, ["000001", "ZSE_Certificate.identification_number", "ZIG-TWO", "typo"]])
    outcome = _publish(registry, [first, second], identity, dry_run=True)
    assert [(f.code, f.file, f.cell) for r in outcome.report.files for f in r.findings] == [
        ("CPL-M07", str(second), "C2")]
    assert "already changed by row 2 of " + str(first) in \
        outcome.report.files[1].findings[0].message


def test_names_set_refuses_a_company_name_that_is_not_one_line(registry: Path,
                                                                identity: Any) -> None:
    from cplkit.app.company_register import set_company
    from cplkit.errors import UsageError

    with pytest.raises(UsageError) as refused:
        set_company(registry, "12:3E", "Example Meters Ltd\n000999 - Forged Meters Ltd",
                    "the maker's letter", identity, now=utc_now())
    assert refused.value.exit_code == 2
    assert "line break (U+000A) at position 19" in refused.value.message
    assert "Forged" not in refused.value.message
    assert set_company(registry, "12:3E", "Example Meters Ltd", "the maker's letter",
                       identity, now=utc_now())[0]


def test_a_rules_change_that_refuses_current_entries_is_refused(registry: Path,
                                                                tmp_path: Path) -> None:
    """Dropping a value Current entries carry would issue a list its own rules refuse, under a
    history line that says only that the rules changed: refused, the entries named."""
    rules = rules_without_gbcs_4_1(tmp_path)
    before = (registry / "registry.json").read_bytes()
    for dry in ((), ("--dry-run",)):
        code, out = run("publish", "-r", registry, *AS_OF, "--rules", rules, *dry)
        assert code == 1, out
        assert "CPL-M08" in out and "the new rules refuse Current entry 000001" in out, out
    assert (registry / "registry.json").read_bytes() == before
