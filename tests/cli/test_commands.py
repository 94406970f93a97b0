"""The command line, driven through click's CliRunner: outputs, formats and exit statuses."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner
from jsonschema import Draft202012Validator

from cplkit import __version__
from cplkit.cli import cli
from tests.conftest import ROOT, SAMPLES
from tests.conftest import run_cli as run

VALID = SAMPLES / "valid"
INVALID = SAMPLES / "invalid"
AS_OF = ["--as-of", "2026-11-23"]



def test_version() -> None:
    code, out = run("--version")
    assert code == 0 and __version__ in out


def test_valid_samples_exit_0_with_a_summary() -> None:
    # the bulk sheet's CSV twin lists the same devices: checked together, they would be
    # submitted twice (CPL-M01, below)
    samples = [p for p in sorted(VALID.iterdir()) if p.name != "bulk-submission.csv"]
    code, out = run("check", *AS_OF, *samples)
    assert code == 0, out
    assert "Summary: 9 files, 16 entries: 0 errors, 2 warnings" in out


def test_a_listing_submitted_twice_fails_check_without_a_registry(tmp_path: Path) -> None:
    """Before, a bulk sheet with a duplicated row passed check (exit 0) and the publish
    refused it (CPL-M01)."""
    rows = (VALID / "bulk-submission.csv").read_text(encoding="utf-8").splitlines()
    bulk = tmp_path / "bulk.csv"
    bulk.write_text("\n".join([*rows, rows[2]]) + "\n", encoding="utf-8")
    code, out = run("check", *AS_OF, "--format", "json", bulk)
    assert code == 1, out
    found = [(f["code"], f["cell"], f["entry"]) for f in json.loads(out)["files"][0]["findings"]
             if f["severity"] == "error"]
    assert found == [("CPL-M01", f"F{len(rows) + 1}", len(rows))]
    # across the files of one check as well: the same listings in two files
    code, out = run("check", *AS_OF, VALID / "bulk-submission.csv", VALID / "bulk-submission.xlsx")
    assert code == 1 and out.count("CPL-M01") == 8
    assert "as entry 1 of " + str(VALID / "bulk-submission.csv") in out


def test_a_change_file_is_checked_as_one(tmp_path: Path) -> None:
    """Before, 'cplkit check removals.csv' said CPL-F03 (no layout recognised, exit 3)."""
    removals = tmp_path / "removals.csv"
    removals.write_text("Entry.number,reason,decision\n000002,withdrawn,SSC 2026-11-20\n",
                        encoding="utf-8")
    code, out = run("check", *AS_OF, "--format", "json", removals)
    assert code == 0, out
    assert json.loads(out)["files"][0]["layout"] == "removals"
    removals.write_text("Entry.number,reason,decision\n000002,withdrawn,\n", encoding="utf-8")
    code, out = run("check", *AS_OF, removals)
    assert code == 1 and "C2" in out and "CPL-V01" in out and "decision is required" in out


def test_rules_check_warns_of_an_edited_ruleset_keeping_the_bundled_id(tmp_path: Path) -> None:
    data = json.loads((ROOT / "schemas" / "ruleset.json").read_text())
    data["gbcs_versions"].append({"value": "GBCS Version 4.2", "generation": "SMETS2+",
                                  "accepted": True})
    edited = tmp_path / "rules.json"
    edited.write_text(json.dumps(data))
    result = CliRunner().invoke(cli, ["rules", "--check", str(edited)])
    assert result.exit_code == 0
    assert f"keeps the id '{data['id']}' of the bundled rules" in result.stderr
    data["id"] = "cpl-rules-2026-11"
    edited.write_text(json.dumps(data))
    result = CliRunner().invoke(cli, ["rules", "--check", str(edited)])
    assert result.exit_code == 0 and "warning" not in result.output


def test_errors_exit_1_and_name_the_cell() -> None:
    code, out = run("check", *AS_OF, INVALID / "V03-firmware-three-bytes.xlsx")
    assert code == 1
    assert "G14" in out and "CPL-V03" in out and "hint:" in out


def test_warnings_fail_only_with_strict() -> None:
    sample = INVALID / "V11-descriptor-without-band.xlsx"
    assert run("check", *AS_OF, sample)[0] == 0
    assert run("check", *AS_OF, "--strict", sample)[0] == 1


def test_unreadable_file_exits_3_and_the_others_are_still_checked(tmp_path: Path) -> None:
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really")
    code, out = run("check", *AS_OF, broken, INVALID / "V05-unknown-device-type.xlsx")
    assert code == 3
    assert "CPL-F01" in out and "CPL-V05" in out


def test_usage_errors_exit_2() -> None:
    assert run("check")[0] == 2
    assert run("check", "--as-of", "23/11/2026", VALID)[0] == 2
    assert run("check", "--format", "xml", VALID)[0] == 2


@pytest.mark.slow
def test_json_report_follows_its_schema() -> None:
    code, out = run("check", *AS_OF, "--format", "json", VALID, INVALID)
    assert code == 3  # F03-no-layout.xlsx is unreadable
    report = json.loads(out)
    schema = json.loads((ROOT / "schemas" / "report.schema.json").read_text())
    Draft202012Validator(schema).validate(report)
    by_path = {f["path"]: f for f in report["files"]}
    form = by_path[str(INVALID / "V04-model-reserved.xlsx")]
    assert form["layout"] == "new-entry-form" and form["entries"] == 1
    assert [(f["code"], f["cell"], f["entry"]) for f in form["findings"]] == [
        ("CPL-V04", "G11", 1)]
    assert report["summary"]["unreadable"] == 1
    assert report["summary"]["errors"] == sum(f["errors"] for f in report["files"])


def test_junit_has_one_test_case_per_entry(tmp_path: Path) -> None:
    out_file = tmp_path / "report.xml"
    code, out = run("check", *AS_OF, "--format", "junit", "--output", out_file,
                    INVALID / "V01-second-entry-in-column-H.xlsx", VALID / "bulk-submission.csv")
    assert code == 1 and out == ""
    suites = ET.fromstring(out_file.read_text())
    cases = {(s.get("name"), c.get("name")): c for s in suites for c in s}
    assert len(cases) == 2 + 8
    failing = [k for k, c in cases.items() if c.find("failure") is not None]
    assert failing == [(str(INVALID / "V01-second-entry-in-column-H.xlsx"), "entry 2")]
    assert "H11" in (cases[failing[0]].find("failure").text or "")  # type: ignore[union-attr]


def test_output_to_an_unwritable_place_is_an_output_error(tmp_path: Path) -> None:
    code, out = run("check", *AS_OF, "--output", tmp_path / "missing" / "r.txt",
                    VALID / "form-ppmid.xlsx")
    assert code == 7 and "missing" in out


def test_rules_prints_the_bundled_ruleset() -> None:
    code, out = run("rules")
    assert code == 0
    assert json.loads(out)["id"] == "cpl-rules-2022-09"


def test_an_edited_ruleset_is_used_and_a_broken_one_is_one_clear_error(tmp_path: Path) -> None:
    data = json.loads((ROOT / "schemas" / "ruleset.json").read_text())
    sample = INVALID / "R03-gas-meter-with-smets5.xlsx"
    for row in data["combinations"]:
        if row["spec_version"] == "SMETS V5.1":
            row["device_types"].append("Gas Smart Meter")
    edited = tmp_path / "rules.json"
    edited.write_text(json.dumps(data))
    assert run("check", *AS_OF, sample)[0] == 1
    assert run("check", *AS_OF, "--rules", edited, sample)[0] == 0
    assert run("rules", "--check", edited)[0] == 0
    # the edited copy kept the bundled id; its digest tells the reports apart
    bundled = json.loads(run("check", *AS_OF, "--format", "json", sample)[1])
    mine = json.loads(run("check", *AS_OF, "--rules", edited, "--format", "json", sample)[1])
    assert bundled["ruleset"] == mine["ruleset"] == "cpl-rules-2022-09"
    assert len(mine["ruleset_sha256"]) == 64 and mine["ruleset_sha256"] != \
        bundled["ruleset_sha256"]
    assert mine["ruleset_sha256"][:12] in run("check", *AS_OF, "--rules", edited, sample)[1]

    data["combinations"][0]["device_types"] = ["Smart Kettle"]
    edited.write_text(json.dumps(data))
    result = CliRunner().invoke(cli, ["check", "--rules", str(edited), str(sample)])
    assert result.exit_code == 2
    assert "combinations/0" in result.output and "Smart Kettle" in result.output
    assert "Traceback" not in result.output
    edited.write_text("{not json")
    result = CliRunner().invoke(cli, ["rules", "--check", str(edited)])
    assert result.exit_code == 2 and "not valid JSON" in result.output


def test_codes_lists_the_catalogue() -> None:
    code, out = run("codes")
    assert code == 0 and "CPL-R03" in out and "CPL-F06" in out


def test_findings_catalogue_document_is_current() -> None:
    _, out = run("codes", "--format", "markdown")
    document = (ROOT / "docs" / "findings.md").read_text()
    assert document.startswith(out), \
        "regenerate the table with: cplkit codes --format markdown, above the hand-written part"
    assert "## Parity with SECAS's tool" in document[len(out):]


def test_a_directory_without_submissions_is_a_usage_error(tmp_path: Path) -> None:
    assert run("check", tmp_path)[0] == 2


@pytest.mark.parametrize("args", [
    ["--version"], ["check", "--as-of", "2026-11-23", str(VALID / "form-ppmid.xlsx")]])
def test_python_dash_m(args: list[str]) -> None:
    done = subprocess.run([sys.executable, "-m", "cplkit", *args], capture_output=True,
                          text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout


def test_installed_cplkit_finds_its_data_outside_the_checkout(tmp_path: Path) -> None:
    """Run from elsewhere, the installed command must find schemas/ (inside a wheel, or beside
    the package for an editable install)."""
    script = Path(sys.executable).parent / "cplkit"
    assert script.is_file(), "install cplkit first (see the README)"
    done = subprocess.run([str(script), "rules"], cwd=tmp_path, capture_output=True, text=True,
                          check=False)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["id"] == "cpl-rules-2022-09"


@pytest.mark.parametrize(("args", "name", "layout"), [
    ([], "cpl-new-entry.xlsx", "new-entry-form"),
    (["--bulk"], "cpl-bulk.xlsx", "table"),
    (["--bulk", "--csv"], "cpl-bulk.csv", "table"),
])
def test_template_is_read_back_as_its_layout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                             args: list[str], name: str, layout: str) -> None:
    monkeypatch.chdir(tmp_path)
    code, out = run("template", *args)
    assert code == 0 and name in out
    result = CliRunner().invoke(cli, ["check", "--format", "json", name])
    report = json.loads(result.output)["files"][0]
    assert report["layout"] == layout
    assert run("template", *args)[0] == 2  # never overwrites


@pytest.mark.parametrize(("flag", "layout"), [
    ("--removals", "removals"), ("--certificate-updates", "certificate-updates"),
    ("--reinstatements", "reinstatements"), ("--corrections", "corrections"),
    ("--renames", "renames"),
])
def test_change_file_templates_are_read_back_as_their_kind(tmp_path: Path, flag: str,
                                                           layout: str) -> None:
    from cplkit.intake.changefiles import read_change_table
    from cplkit.intake.limits import Limits
    from cplkit.intake.rulesets import load_ruleset

    path = tmp_path / "change.csv"
    assert run("template", flag, "-o", path)[0] == 0
    table = read_change_table(path, load_ruleset(), Limits(), file=str(path))
    assert table is not None and table.report.layout == layout and table.report.entries == 0


def test_html_report_puts_each_finding_next_to_its_cell(tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    code, _ = run("check", *AS_OF, "--format", "html", "-o", out,
                  INVALID / "V03-firmware-three-bytes.xlsx")
    page = out.read_text()
    assert code == 1
    assert '<td data-label="Cell" class="hex">G14</td>' in page
    assert "CPL-V03" in page and "Content-Security-Policy" in page


def test_rules_check_names_schema_and_cross_reference_errors_at_once(tmp_path: Path) -> None:
    data = json.loads((ROOT / "schemas" / "ruleset.json").read_text())
    data["limits"]["cpa_notice_days"] = "sixty"  # the schema refuses this
    data["device_types"][0]["requirements"]["No Such Group"] = "required"  # only a reference
    edited = tmp_path / "rules.json"
    edited.write_text(json.dumps(data))
    code, out = run("rules", "--check", edited)
    assert code == 2
    assert "cpa_notice_days" in out and "No Such Group" in out


def test_verify_given_a_publication_points_to_the_manifest(
        tmp_path: Path, signing_keys: tuple[Path, Path]) -> None:
    workbook = tmp_path / "cpl-1.0.xlsx"
    shutil.copyfile(VALID / "form-ppmid.xlsx", workbook)
    code, out = run("verify", workbook, "--trust", signing_keys[1])
    assert code == 2 and "manifest" in out and ".p7s" not in out


def test_one_entry_is_singular(tmp_path: Path) -> None:
    _, out = run("check", *AS_OF, VALID / "form-ppmid.xlsx")
    assert "1 file, 1 entry: 0 errors, 0 warnings" in out


def test_help_lists_the_commands_in_the_order_of_the_job() -> None:
    """check first (what a manufacturer runs), then the master list, then the signatures: the
    order the group adds them, not the alphabet."""
    code, out = run("--help")
    listed = [line.split()[0] for line in out.split("Commands:", 1)[1].splitlines()
              if line.startswith("  ")]
    assert code == 0 and listed[:4] == ["check", "rules", "codes", "template"], listed
    assert listed.index("publish") < listed.index("approve") < listed.index("verify")
