"""'cplkit check --format html': a check report as one self-contained page, each finding next
to its cell.

For a New Entry form, each entry is a grid of the form's fields with the values as submitted
and the findings beside the cell they concern; for a table, the rows with findings, each
finding beside its value. Spaces at either end, tabs and line breaks in a value are shown as
marks, and invisible characters as escapes. Findings no cell carries (about the file, or
beyond the entries shown) are listed after. The page is the template
``check-report.html.j2``, with autoescaping. It renders a report; it never changes one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from markupsafe import Markup

from cplkit.base.templates import render
from cplkit.core.findings import FileReport, Finding, Report, Severity
from cplkit.core.submitted import SubmittedEntry
from cplkit.core.text import plural, visible


def shown(value: str) -> str:
    """A value with what the eye cannot tell apart made visible: spaces at either end, tabs,
    line breaks and invisible characters."""
    text = visible(value).replace("\t", "⇥").replace("\r\n", "↵").replace("\n", "↵")
    stripped = text.strip(" ")
    if not stripped:
        return "␣" * len(text)
    left = len(text) - len(text.lstrip(" "))
    right = len(text) - len(text.rstrip(" "))
    return "␣" * left + stripped + "␣" * right


def finding(f: Finding) -> Markup:
    """One finding as markup: severity, code, what is wrong and what to do (all escaped)."""
    hint = Markup(" <span class=\"hint\">{}</span>").format(visible(f.hint)) if f.hint else ""
    return Markup('<span class="{0}">{0}</span> {1}: {2}{3}').format(
        f.severity.value, f.code, visible(f.message), hint)


@dataclass(frozen=True, slots=True)
class _Row:
    cell: str
    field: str
    value: str
    findings: tuple[Finding, ...]


@dataclass(frozen=True, slots=True)
class _Entry:
    index: int
    where: str
    rows: tuple[_Row, ...]
    findings_count: int


@dataclass(frozen=True, slots=True)
class _File:
    path: str
    sheet: str | None
    entries_text: str
    warnings_text: str
    verdict: str
    css: str
    general: tuple[Finding, ...]  # about the file: no entry
    grid: tuple[_Entry, ...]
    rest: tuple[Finding, ...]  # on entries or fields the grid does not show


def _file(file: FileReport, shown_entries: Sequence[SubmittedEntry]) -> _File:
    verdict = ("unreadable" if file.unreadable else f"{file.errors} errors" if file.errors
               else "OK")
    placed: set[int] = set()
    grid = []
    for entry in shown_entries:
        rows = []
        for cell in entry.cells:
            here = tuple(f for f in file.findings if f.entry == entry.index
                         and (f.field == cell.field or (f.cell and f.cell == cell.cell)))
            placed.update(id(f) for f in here)
            rows.append(_Row(cell.cell or "", cell.field, shown(cell.value), here))
        grid.append(_Entry(entry.index, entry.where, tuple(rows),
                           sum(len(r.findings) for r in rows)))
    general = tuple(f for f in file.findings if f.entry is None)
    rest = tuple(f for f in file.findings if f.entry is not None and id(f) not in placed)
    return _File(file.path, file.sheet, plural(file.entries, "entry", "entries"),
                 plural(file.warnings, "warning"), verdict,
                 "error" if file.unreadable or file.errors else "ok", general, tuple(grid),
                 rest)


def report_page(report: Report,
                entries: Mapping[str, Sequence[SubmittedEntry]] | None = None) -> bytes:
    """'cplkit check --format html': every finding next to the cell it concerns; ``entries``
    are the submitted values to show (none: the findings alone)."""
    errors = sum(1 for f in report.files for x in f.findings if x.severity is Severity.ERROR)
    return render("check-report.html.j2", title="CPL submission check", report=report,
                  files=[_file(f, (entries or {}).get(f.path, ())) for f in report.files],
                  entries=plural(report.entries, "entry", "entries"), errors=errors,
                  visible=visible, shown=shown, finding=finding).encode()

