"""'cplkit check --format html': a check report as one self-contained page, opening on a summary
of the findings that links to each, then each finding next to its cell.

The summary comes first, so a phone shows the findings before any grid. For a New Entry form,
each entry is a grid of the form's fields with the values as submitted and the findings beside
the cell they concern; for a table, the rows with findings, each finding beside its value.
Spaces at either end, tabs and line breaks in a value are shown as marks, and invisible
characters as escapes. Findings no cell carries (about the file, or beyond the entries shown)
are listed after. An entry without findings is folded away, its values one click off. Every
count says its noun in the right number (``core.text.plural``). The page is the template
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
    anchor: str
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
class _Link:
    """A finding in the summary, linking to where the report shows it."""

    anchor: str
    where: str
    finding: Finding


@dataclass(frozen=True, slots=True)
class _File:
    anchor: str
    path: str
    sheet: str | None
    entries_text: str
    warnings_text: str
    verdict: str
    css: str
    general: tuple[_Link, ...]  # about the file: no entry
    grid: tuple[_Entry, ...]
    rest: tuple[_Link, ...]  # on entries or fields the grid does not show
    summary: tuple[_Link, ...]  # every finding shown, in the order the report shows them
    omitted_text: str  # findings a cap left out ('' if none)


def _where(f: Finding) -> str:
    """Where a finding is, for the summary: 'entry 2, H11, Device_Model.model_identifier'."""
    parts = [f"entry {f.entry}" if f.entry is not None else "the file"]
    parts += [visible(p) for p in (f.cell, f.field) if p]
    return ", ".join(parts)


def _file(number: int, file: FileReport, shown_entries: Sequence[SubmittedEntry]) -> _File:
    # anchors: the file's number, then the entry and the row, so every link is unique in the
    # page whatever the cells and fields are called
    prefix = f"f{number}"
    verdict = ("unreadable" if file.unreadable else plural(file.errors, "error") if file.errors
               else "OK")
    placed: dict[int, str] = {}
    grid = []
    for entry in shown_entries:
        rows = []
        for k, cell in enumerate(entry.cells, start=1):
            anchor = f"{prefix}-e{entry.index}-r{k}"
            here = tuple(f for f in file.findings if f.entry == entry.index
                         and id(f) not in placed
                         and (f.field == cell.field or (f.cell and f.cell == cell.cell)))
            placed.update((id(f), anchor) for f in here)
            rows.append(_Row(anchor, cell.cell or "", cell.field, shown(cell.value), here))
        grid.append(_Entry(entry.index, entry.where, tuple(rows),
                           sum(len(r.findings) for r in rows)))
    general = tuple(_Link(f"{prefix}-n{k}", _where(f), f) for k, f in enumerate(
        file.findings) if f.entry is None)
    rest = tuple(_Link(f"{prefix}-n{k}", _where(f), f) for k, f in enumerate(file.findings)
                 if f.entry is not None and id(f) not in placed)
    elsewhere = {id(link.finding): link.anchor for link in general + rest}
    summary = tuple(_Link(placed.get(id(f)) or elsewhere[id(f)], _where(f), f)
                    for f in sorted(file.findings, key=_reading_order))
    omitted = (f"{plural(file.omitted, 'more finding')} not shown (the report is capped)"
               if file.omitted else "")
    return _File(prefix, file.path, file.sheet, plural(file.entries, "entry", "entries"),
                 plural(file.warnings, "warning"), verdict,
                 "error" if file.unreadable or file.errors else "ok", general, tuple(grid),
                 rest, summary, omitted)


def _reading_order(f: Finding) -> tuple[int, int]:
    """The file's own findings first, then entry by entry; errors before warnings in each."""
    return (-1 if f.entry is None else f.entry, f.severity is not Severity.ERROR)


def report_page(report: Report,
                entries: Mapping[str, Sequence[SubmittedEntry]] | None = None) -> bytes:
    """'cplkit check --format html': a summary of the findings linking to their cells, then
    every finding next to the cell it concerns; ``entries`` are the submitted values to show
    (none: the findings alone). An entry without findings is folded away, one click from its
    values."""
    files = [_file(n, f, (entries or {}).get(f.path, ()))
             for n, f in enumerate(report.files, start=1)]
    return render("check-report.html.j2", title="CPL submission check", report=report,
                  files=files, entries=plural(report.entries, "entry", "entries"),
                  plural=plural, visible=visible, shown=shown,
                  finding=finding).encode()
