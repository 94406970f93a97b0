"""Check reports in the formats CI platforms show next to a change: GitHub workflow-command
annotations (with a Markdown summary for the job page) and SARIF 2.1.0 (code-scanning uploads).

A spreadsheet has no line numbers, so each result names its file and, in its title or logical
location, the sheet and cell. Every text is escaped as each format requires. Rendering never
changes a finding.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import quote

from cplkit import __version__
from cplkit.core.findings import CODES, Report
from cplkit.core.text import plural
from cplkit.render.escape import one_line

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def _data(text: str) -> str:
    """GitHub's escaping of a workflow command's message."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    """GitHub's escaping of a workflow command's property value."""
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def render_github(report: Report) -> str:
    """One '::error' or '::warning' line per finding; the title carries file, sheet and cell."""
    lines = []
    for file in report.files:
        for f in file.findings:
            kind = f.severity.value
            # one_line, so a break in a file name shows as \n rather than breaking the
            # annotation GitHub draws (its %0A escape would become a line break again)
            title = one_line(f"{f.code} in {file.path} at {f.place}")
            message = one_line(f"{f.message} (hint: {f.hint})")
            lines.append(f"::{kind} file={_property(one_line(file.path))},"
                         f"title={_property(title)}::{_data(message)}")
        if file.omitted:
            lines.append(f"::notice file={_property(one_line(file.path))}::"
                         f"{plural(file.omitted, 'more finding')} not shown (--max-findings)")
    return "".join(line + "\n" for line in lines)


def _cell(text: str) -> str:
    """A Markdown table cell: one line (a line break would end the table and start whatever
    the rest of the name says, a heading say), a pipe not splitting the cell, and no markup:
    a name is shown as typed, not as links, emphasis or HTML."""
    return _MARKDOWN.sub(lambda m: "\\" + m.group(), one_line(text))


#: the characters Markdown (GitHub's included) reads as markup or HTML in a table cell
_MARKDOWN = re.compile(r"[\\`*_{}\[\]<>()#+!|~]")


def render_github_summary(report: Report) -> str:
    """A Markdown table for $GITHUB_STEP_SUMMARY: one row per file."""
    rows = ["### cplkit check", "", "| file | entries | errors | warnings |", "|---|---|---|---|"]
    for file in report.files:
        status = "unreadable" if file.unreadable else str(file.errors)
        rows.append(f"| {_cell(file.path)} | {file.entries} | {status} | {file.warnings} |")
    rows.append("")
    rows.append(f"{plural(report.errors, 'error')}, {plural(report.warnings, 'warning')} as of "
                f"{report.as_of} (ruleset {_cell(report.ruleset)})")
    return "\n".join(rows) + "\n"


def _uri(path: str) -> str:
    """A file's path as a URI reference (RFC 3986): every byte outside the unreserved
    characters percent-encoded, so '#' is not read as a fragment nor '%41' as 'A'; an absolute
    path as a file: URI."""
    # the bytes as the file system has them, a name that is not UTF-8 included
    encoded = quote(path.encode("utf-8", "surrogateescape"), safe="/")
    return f"file://{encoded}" if path.startswith("/") else encoded


def render_sarif(report: Report) -> str:
    """SARIF 2.1.0: one run, one rule per finding code (from the catalogue), one result per
    finding with the file as its artifact and the sheet and cell as its logical location."""
    used = sorted({f.code for file in report.files for f in file.findings})
    index = {code: i for i, code in enumerate(used)}
    rules = [{
        "id": code,
        "name": code.replace("-", ""),
        "shortDescription": {"text": CODES[code].title},
        "help": {"text": CODES[code].hint},
        "defaultConfiguration": {
            "level": CODES[code].severity.value},
    } for code in used]
    results: list[dict[str, Any]] = []
    for file in report.files:
        for f in file.findings:
            location: dict[str, Any] = {
                "physicalLocation": {"artifactLocation": {"uri": _uri(file.path)}}}
            if f.sheet or f.cell:
                location["logicalLocations"] = [{"fullyQualifiedName": f.place,
                                                 "kind": "member"}]
            result: dict[str, Any] = {
                "ruleId": f.code, "ruleIndex": index[f.code],
                "level": f.severity.value,
                "message": {"text": f"{f.message} (hint: {f.hint})"},
                "locations": [location],
            }
            if f.field or f.value is not None or f.entry:
                result["properties"] = {"field": f.field, "value": f.value, "entry": f.entry,
                                        "number": f.number}
            results.append(result)
    document = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "cplkit", "version": __version__,
                                "informationUri": "https://cplkit.invalid/docs/findings.md",
                                "rules": rules}},
            "results": results,
            "properties": {"asOf": report.as_of, "ruleset": report.ruleset,
                           "rulesetSha256": report.ruleset_sha256},
        }],
    }
    return json.dumps(document, indent=1, ensure_ascii=False) + "\n"
