"""'cplkit check --format html': a check report as one self-contained page.

Every finding is listed with its file, entry, cell, field and value, what is wrong and what to
do, from the template ``check-report.html.j2``: every value is escaped there, with invisible
characters made visible. It renders a report; it never changes one.
"""

from __future__ import annotations

from dataclasses import dataclass

from cplkit.base.templates import render
from cplkit.core.findings import FileReport, Finding, Report, Severity
from cplkit.core.text import plural, visible


@dataclass(frozen=True, slots=True)
class _File:
    path: str
    sheet: str | None
    entries_text: str
    warnings_text: str
    verdict: str
    css: str
    findings: tuple[Finding, ...]


def _file(file: FileReport) -> _File:
    verdict = ("unreadable" if file.unreadable else f"{file.errors} errors" if file.errors
               else "OK")
    return _File(file.path, file.sheet, plural(file.entries, "entry", "entries"),
                 plural(file.warnings, "warning"), verdict,
                 "error" if file.unreadable or file.errors else "ok", file.findings)


def report_page(report: Report) -> bytes:
    """'cplkit check --format html': every finding next to the cell it concerns."""
    errors = sum(1 for f in report.files for x in f.findings if x.severity is Severity.ERROR)
    return render("check-report.html.j2", title="CPL submission check", report=report,
                  files=[_file(f) for f in report.files],
                  entries=plural(report.entries, "entry", "entries"), errors=errors,
                  visible=visible).encode()
