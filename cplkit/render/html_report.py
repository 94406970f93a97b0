"""'cplkit check --format html': a check report as one self-contained page.

Every finding is listed with its file, entry, cell, field and value, what is wrong and what to do.
Every value is HTML-escaped. It renders a report; it never changes one.
"""

from __future__ import annotations

from html import escape as _escape

from cplkit.base.html import document
from cplkit.core.findings import Report, Severity
from cplkit.core.text import plural, visible


def escape(text: str) -> str:
    """HTML-escaped, with invisible characters made visible."""
    return _escape(visible(text))


def report_page(report: Report) -> bytes:
    """'cplkit check --format html': every finding next to the cell it concerns."""
    sections = []
    for file in report.files:
        verdict = ("unreadable" if file.unreadable else f"{file.errors} errors" if file.errors
                   else "OK")
        css = "error" if file.unreadable or file.errors else "ok"
        rows = "".join(
            f"<tr><td data-label=\"Entry\">{f.entry or ''}</td>"
            f"<td data-label=\"Cell\" class=\"hex\">{escape(f.cell or '')}</td>"
            f"<td data-label=\"Field\">{escape(f.field or '')}</td>"
            f"<td data-label=\"Value\" class=\"hex\">{escape(f.value or '')}</td>"
            f"<td data-label=\"Severity\" class=\"{f.severity.value}\">"
            f"{escape(f.severity.value)}</td>"
            f"<td data-label=\"Code\">{escape(f.code)}</td>"
            f"<td data-label=\"Problem\">{escape(f.message)}</td>"
            f"<td data-label=\"What to do\">{escape(f.hint)}</td></tr>"
            for f in file.findings)
        table = ("<table><thead><tr>" + "".join(
            f'<th scope="col">{h}</th>' for h in ("Entry", "Cell", "Field", "Value",
                                                   "Severity", "Code", "Problem",
                                                   "What to do"))
            + f"</tr></thead><tbody>{rows}</tbody></table>") if file.findings else \
            "<p>No findings.</p>"
        sheet = f", sheet {escape(file.sheet)}" if file.sheet else ""
        sections.append(f"<h2>{escape(file.path)}</h2><p class=\"meta\">"
                        f"{plural(file.entries, 'entry', 'entries')}{sheet}: "
                        f"<span class=\"{css}\">{escape(verdict)}</span>, "
                        f"{plural(file.warnings, 'warning')}</p>{table}")
    errors = sum(1 for f in report.files for x in f.findings if x.severity is Severity.ERROR)
    body = ("<header><h1>CPL submission check</h1>"
            f"<p class=\"meta\">{plural(len(report.files), 'file')}, "
            f"{plural(report.entries, 'entry', 'entries')}: "
            f"{errors} errors, {report.warnings} warnings, as of {escape(report.as_of)}, "
            f"ruleset {escape(report.ruleset)}</p></header><main>{''.join(sections)}</main>"
            "<footer>Made by cplkit check.</footer>")
    return document("CPL submission check", body)
