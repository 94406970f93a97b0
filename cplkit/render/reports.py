"""Renders a check report as text (for people), JSON (for scripts) or JUnit XML (for CI).

The JSON form is described by ``schemas/report.schema.json``; the text form groups findings by
file and entry and uses colour only when asked to (the CLI asks on a terminal). Rendering never
changes a finding.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Callable
from itertools import groupby

from cplkit import __version__
from cplkit.core.findings import FileReport, Finding, Report, Severity
from cplkit.core.text import plural, visible
from cplkit.render.escape import one_line

#: a CSV file's field separator, as its report's heading names it
_SEPARATED = {",": "comma-separated", ";": "semicolon-separated", "\t": "tab-separated"}
LAYOUT_NAMES = {
    "new-entry-form": "New Entry form",
    "central-products-list": "Central Products List",
    "table": "table",
}

Style = Callable[..., str]


def plain(text: str, **_: object) -> str:
    """The style that adds nothing (no colour)."""
    return text


def render_text(report: Report, style: Style = plain) -> str:
    lines: list[str] = []
    for file in report.files:
        lines.append(_file_heading(file, style))
        for (entry, number), group in groupby(file.findings, key=lambda f: (f.entry, f.number)):
            lines.append(f"  entry {number} (the {_ordinal(entry)} in the file)" if number and
                         entry else f"  entry {entry}" if entry else "  file")
            for finding in group:
                lines.extend(_finding_lines(finding, style))
        if file.omitted:
            lines.append(f"  ... and {plural(file.omitted, 'more finding')} not shown "
                         "(--max-findings; the counts below are whole)")
        lines.append("")
    lines.append(
        f"Summary: {plural(len(report.files), 'file')}, "
        f"{plural(report.entries, 'entry', 'entries')}"
        + f": {plural(report.errors, 'error')}, {plural(report.warnings, 'warning')}"
        + (f", {report.unreadable} unreadable" if report.unreadable else "")
        + f" (as of {report.as_of}; ruleset {_ruleset(report)})"
    )
    return "\n".join(lines) + "\n"


def _ruleset(report: Report) -> str:
    """The ruleset's id, with the start of its digest: an edited copy shows a different one."""
    digest = f", SHA-256 {report.ruleset_sha256[:12]}" if report.ruleset_sha256 else ""
    return f"{report.ruleset}{digest}"


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _file_heading(file: FileReport, style: Style) -> str:
    if file.layout is None:
        what = "not read"
    else:
        what = LAYOUT_NAMES.get(file.layout, file.layout)
        if file.sheet:
            what += f" on sheet '{file.sheet}'"
        if file.delimiter:
            what += ", " + _SEPARATED.get(file.delimiter, f"separated by {file.delimiter!r}")
        what += ", " + plural(file.entries, "entry", "entries")
    verdict = (style("unreadable", fg="red", bold=True) if file.unreadable else
               style(plural(file.errors, "error"), fg="red", bold=True) if file.errors else
               style("OK", fg="green", bold=True))
    warnings = f", {plural(file.warnings, 'warning')}" if file.warnings else ""
    return f"{style(one_line(file.path), bold=True)} ({one_line(what)}): {verdict}{warnings}"


def _finding_lines(f: Finding, style: Style) -> list[str]:
    colour = "red" if f.severity is Severity.ERROR else "yellow"
    where = f.cell or "-"
    head = (f"    {one_line(where):<6} {style(f.severity.value.ljust(7), fg=colour)} "
            f"{f.code}  {one_line(f.message)}")
    out = [head]
    pad = " " * 13
    if f.value is not None:
        shown = f.value if len(f.value) <= 120 else f.value[:117] + "..."
        out.append(f"{pad}  value: {visible(repr(shown))}")
    out.append(f"{pad}  hint: {one_line(f.hint)}")
    return out


def report_dict(report: Report) -> dict[str, object]:
    return {
        "tool": {"name": "cplkit", "version": __version__},
        "as_of": report.as_of,
        "ruleset": report.ruleset,
        "ruleset_sha256": report.ruleset_sha256,
        "files": [
            {
                "path": f.path,
                "layout": f.layout,
                "sheet": f.sheet,
                "delimiter": f.delimiter,
                "entries": f.entries,
                "errors": f.errors,
                "warnings": f.warnings,
                "unreadable": f.unreadable,
                "omitted": f.omitted,
                "findings": [x.as_dict() for x in f.findings],
            }
            for f in report.files
        ],
        "summary": {
            "files": len(report.files),
            "entries": report.entries,
            "errors": report.errors,
            "warnings": report.warnings,
            "unreadable": report.unreadable,
        },
    }


def render_json(report: Report) -> str:
    # compact, so the C encoder runs: a 100,000-row sheet can carry tens of thousands of
    # findings (pipe through 'jq .' to read it)
    return json.dumps(report_dict(report), ensure_ascii=False) + "\n"


def render_junit(report: Report, *, strict: bool = False) -> str:
    """JUnit XML as CI tools read it: a test case per entry (and one for what concerns the file
    as a whole), a failed case for each that has an error (or, ``strict``, a warning), an error
    case for a file that could not be read; the counts are of cases, as junitparser and CI
    dashboards recompute them. Every text is made visible first, so a control character in a
    submission cannot make the report ill-formed."""
    suites = ET.Element("testsuites", name="cplkit check")
    totals = [0, 0, 0]  # tests, failures, errors
    for file in report.files:
        suite = ET.SubElement(suites, "testsuite", name=visible(file.path))
        tests = failures = errors = 0
        if file.unreadable:
            case = ET.SubElement(suite, "testcase", classname=visible(file.path),
                                 name="read the file")
            error = ET.SubElement(case, "error", message=visible(file.findings[0].message),
                                  type=file.findings[0].code)
            error.text = "\n".join(_describe(f) for f in file.findings)
            tests, errors = 1, 1
        else:
            by_entry: dict[int | None, list[Finding]] = {}
            for finding in file.findings:
                by_entry.setdefault(finding.entry, []).append(finding)
            cases: list[tuple[str, list[Finding]]] = []
            if None in by_entry:
                cases.append(("the file as a whole", by_entry[None]))
            cases.extend((f"entry {i}", by_entry.get(i, [])) for i in range(1, file.entries + 1))
            for name, findings in cases:
                tests += 1
                case = ET.SubElement(suite, "testcase", classname=visible(file.path), name=name)
                failing = [f for f in findings if f.severity is Severity.ERROR or strict]
                if failing:
                    failures += 1
                    failure = ET.SubElement(case, "failure", message=visible(failing[0].message),
                                            type=failing[0].code)
                    failure.text = "\n".join(_describe(f) for f in failing)
                shown = [f for f in findings if f not in failing]
                if shown:
                    ET.SubElement(case, "system-out").text = "\n".join(
                        _describe(f) for f in shown)
        if file.omitted:
            ET.SubElement(suite, "system-out").text = (
                f"{plural(file.omitted, 'more finding')} not listed (--max-findings)")
        suite.set("tests", str(tests))
        suite.set("failures", str(failures))
        suite.set("errors", str(errors))
        suite.set("skipped", "0")
        for i, n in enumerate((tests, failures, errors)):
            totals[i] += n
    suites.set("tests", str(totals[0]))
    suites.set("failures", str(totals[1]))
    suites.set("errors", str(totals[2]))
    ET.indent(suites)
    return ET.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"


def _describe(f: Finding) -> str:
    where = f.place if f.cell else "file"  # a finding on a whole sheet is about the file
    value = f" (value {f.value!r})" if f.value is not None else ""
    return visible(f"{where} {f.code} {f.severity.value}: {f.message}{value}. Hint: {f.hint}")
