"""The preflight: what 'cplkit check' finds with and without a registry, against what the
publish finds. Each refusal a publish gives is given by 'check --registry' with the same codes
at the same cells, and 'check' alone finds what needs no list."""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from cplkit.app.check import check_files
from cplkit.app.publish import preflight, publish
from cplkit.app.ruleset_sources import ruleset_from
from cplkit.core import model as m
from cplkit.core.findings import Report
from cplkit.forms.new_entry import write_new_entry_form
from cplkit.intake.rulesets import load_ruleset
from tests.conftest import SAMPLES, rules_without_gbcs_4_1, utc_now
from tests.conftest import run_cli as run
from tests.core.entries import valid_gas

DAY = dt.date(2026, 11, 23)
BULK = SAMPLES / "valid" / "bulk-submission.csv"


@pytest.fixture
def registry(published_registry: Path) -> Path:
    """The bulk sample published as version 1.0 on DAY."""
    return published_registry


def _csv(folder: Path, name: str, rows: list[list[str]]) -> Path:
    path = folder / name
    with path.open("w", newline="") as stream:
        csv.writer(stream).writerows(rows)
    return path


def _form(folder: Path, name: str, **changes: str) -> Path:
    path = folder / name
    write_new_entry_form(path, load_ruleset(), [valid_gas(**changes)])
    return path


def _found(report: Report) -> set[tuple[str, str, str | None, str]]:
    return {(Path(f.file).name, f.code, f.cell, f.severity) for r in report.files
            for f in r.findings}


REMOVALS = ["Entry.number", "reason", "decision"]
CORRECTIONS = ["Entry.number", "field", "new_value", "reason"]
ZSE_ID = "ZSE_Certificate.identification_number"

#: each refusal: the change files it is made of, and a finding it must give
CASES: dict[str, tuple[Callable[[Path], list[Path]], tuple[str, str]]] = {
    "M01 a bulk row twice": (lambda d: [_csv(d, "bulk.csv", [
        *(rows := list(csv.reader(BULK.read_text(encoding="utf-8").splitlines()))), rows[2]])],
        ("bulk.csv", "CPL-M01")),
    "M01 one form in two files": (lambda d: [
        _form(d, "a.xlsx", **{m.FIRMWARE_VERSION: "09:09:09:09"}),
        _form(d, "b.xlsx", **{m.FIRMWARE_VERSION: "09:09:09:09"})], ("b.xlsx", "CPL-M01")),
    "M02 already on the list": (lambda d: [
        _form(d, "listed.xlsx", **{m.FIRMWARE_VERSION: "01:02:0B:01"})],
        ("listed.xlsx", "CPL-M02")),
    "M04 an unknown entry, with a missing decision": (lambda d: [_csv(d, "removals.csv", [
        REMOVALS, ["999999", "withdrawn", ""], ["000002", "withdrawn", "SSC"]])],
        ("removals.csv", "CPL-M04")),
    "M04 a correction of an unknown entry": (lambda d: [_csv(d, "corrections.csv", [
        CORRECTIONS, ["000888", ZSE_ID, "ZIG-1", "typo"]])], ("corrections.csv", "CPL-M04")),
    "M07 one field corrected twice": (lambda d: [
        _csv(d, "first.csv", [CORRECTIONS, ["000001", ZSE_ID, "ZIG-ONE", "typo"]]),
        _csv(d, "second.csv", [CORRECTIONS, ["000001", ZSE_ID, "ZIG-TWO", "typo"]])],
        ("second.csv", "CPL-M07")),
    "M04 a removal after a removal of the same entry": (lambda d: [
        _csv(d, "removals.csv", [REMOVALS, ["000002", "gone", "SSC"]]),
        _csv(d, "reinstatements.csv", [["Entry.number", "reinstatement_reason", "decision"],
                                       ["000002", "back", "SSC"]])],
        ("reinstatements.csv", "CPL-M04")),
}


@pytest.mark.parametrize("case", list(CASES))
def test_check_with_a_registry_refuses_as_the_publish_does(registry: Path, tmp_path: Path,
                                                            case: str) -> None:
    make, expected = CASES[case]
    files = make(tmp_path)
    dry = publish(registry, files, None, DAY, None, dry_run=True, now=utc_now())
    checked = preflight(registry, files, None, DAY).outcome
    assert not dry.ok and not checked.ok
    assert _found(checked.report) == _found(dry.report)
    assert (*expected, "error") in {(f, c, s) for f, c, _, s in _found(checked.report)}
    assert checked.report.ruleset_sha256 == dry.report.ruleset_sha256


def test_check_with_a_registry_refuses_a_rules_change_as_the_publish_does(
        registry: Path, tmp_path: Path) -> None:
    rules = ruleset_from(rules_without_gbcs_4_1(tmp_path))
    removals = _csv(tmp_path, "removals.csv", [REMOVALS, ["000002", "gone", "SSC"]])
    dry = publish(registry, [removals], rules, DAY, None, dry_run=True, now=utc_now())
    checked = preflight(registry, [removals], rules, DAY).outcome
    assert _found(checked.report) == _found(dry.report)
    assert ("(rules)", "CPL-M08", None, "error") in _found(checked.report)
    # the same issue date before the latest version's: CPL-M06 from both
    early = dt.date(2026, 1, 1)
    assert _found(preflight(registry, [removals], None, early).outcome.report) == \
        _found(publish(registry, [removals], None, early, None, dry_run=True,
                       now=utc_now()).report)


def test_what_check_finds_without_a_list(tmp_path: Path) -> None:
    """The duplicate across two forms is found with no registry; what needs the list (the
    unknown entry of a removal) is left to 'check --registry'."""
    files = [_form(tmp_path, "a.xlsx", **{m.FIRMWARE_VERSION: "09:09:09:09"}),
             _form(tmp_path, "b.xlsx", **{m.FIRMWARE_VERSION: "09:09:09:09"}),
             _csv(tmp_path, "removals.csv", [REMOVALS, ["999999", "withdrawn", ""]])]
    report = check_files(files, load_ruleset(), DAY)
    errors = {(f, c, cell) for f, c, cell, s in _found(report) if s == "error"}
    assert errors == {("b.xlsx", "CPL-M01", "G14"), ("removals.csv", "CPL-V01", "C2")}
    assert [r.layout for r in report.files] == [m.Layout.NEW_ENTRY_FORM,
                                               m.Layout.NEW_ENTRY_FORM, m.Layout.REMOVALS]


def test_check_with_a_registry_through_the_command_line(registry: Path, tmp_path: Path) -> None:
    removals = _csv(tmp_path, "removals.csv", [REMOVALS, ["999999", "withdrawn", ""]])
    code, out = run("check", "--as-of", DAY.isoformat(), "-r", registry, "--format", "json",
                    removals)
    assert code == 1
    found = {(f["code"], f["cell"]) for f in json.loads(out)["files"][0]["findings"]}
    assert found == {("CPL-V01", "C2"), ("CPL-M04", "A2")}
    fine = _csv(tmp_path, "fine.csv", [REMOVALS, ["000002", "withdrawn", "SSC 2026-11-20"]])
    code, out = run("check", "--as-of", DAY.isoformat(), "-r", registry, fine)
    assert code == 0, out
    code, out = run("check", "--as-of", DAY.isoformat(), "-r", registry, "--sheet", "x", fine)
    assert code == 2 and "--sheet" in out
