"""Self-contained HTML pages: the published CPL version, and a check report for manufacturers.

One file each, no network requests (a Content-Security-Policy forbids them), no external
scripts, fonts or styles. The table is in the HTML itself, so the page reads with JavaScript
off; a small inline script adds search-as-you-type and filters. Narrow screens get one card
per entry. Every value is HTML-escaped. Nothing here decides what is valid.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from html import escape

from cplkit.core import model as m
from cplkit.core.findings import Report, Severity

_CSP = ("default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; "
        "img-src data:; form-action 'none'; base-uri 'none'")

_STYLE = """
:root { color-scheme: light; --ink: #1b1b1b; --muted: #4a4a4a; --line: #c9c9c9;
  --link: #0b4fa8; --bg: #ffffff; --band: #f2f4f7; --error: #a3000b; --warn: #7a4b00;
  --ok: #1a6b2b; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  color: var(--ink); background: var(--bg); }
header, main, footer { max-width: 1400px; margin: 0 auto; padding: 0 1rem; }
header { padding-top: 1.25rem; }
h1 { font-size: 1.6rem; margin: 0 0 .25rem; }
h2 { font-size: 1.25rem; margin: 1.75rem 0 .5rem; }
p.meta { margin: .25rem 0; color: var(--muted); }
a { color: var(--link); }
a:focus, input:focus, select:focus, summary:focus { outline: 3px solid #f2b300;
  outline-offset: 1px; }
nav.files { margin: .75rem 0; display: flex; flex-wrap: wrap; gap: .5rem 1.25rem; }
form.filters { display: grid; gap: .75rem 1rem; margin: 1rem 0; padding: .75rem;
  background: var(--band); border: 1px solid var(--line); border-radius: 6px;
  grid-template-columns: repeat(auto-fill, minmax(150px, 1fr)); }
form.filters label { display: flex; flex-direction: column; font-weight: 600; font-size: .9rem;
  min-width: 0; }
form.filters input, form.filters select { font: inherit; padding: .4rem; margin-top: .2rem;
  width: 100%; min-width: 0;
  border: 1px solid #767676; border-radius: 4px; background: #fff; color: var(--ink); }
p#count { margin: .5rem 0; font-weight: 600; }
div.scroll { overflow-x: auto; }
[hidden], tr[hidden] { display: none !important; }
form.filters label.search { grid-column: 1 / -1; }
table { border-collapse: collapse; width: 100%; font-size: .92rem; }
caption { text-align: left; font-weight: 600; padding: .25rem 0; }
th, td { border-bottom: 1px solid var(--line); padding: .35rem .5rem; text-align: left;
  vertical-align: top; }
thead th { position: sticky; top: 0; background: var(--band); }
td.hex { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
  white-space: nowrap; }
.status-Removed { color: var(--error); font-weight: 600; }
.error { color: var(--error); font-weight: 600; }
.warning { color: var(--warn); font-weight: 600; }
.ok { color: var(--ok); font-weight: 600; }
details { border-bottom: 1px solid var(--line); padding: .35rem 0; }
summary { cursor: pointer; font-weight: 600; }
pre { white-space: pre-wrap; font: inherit; margin: .35rem 0 .35rem 1rem; }
footer { color: var(--muted); font-size: .85rem; padding: 2rem 1rem; }
@media (max-width: 720px) {
  thead { position: absolute; left: -9999px; }
  caption { display: block; width: 100%; }
  form.filters { grid-template-columns: 1fr 1fr; padding: .5rem; }
  table, tbody, tr, td { display: block; width: 100%; }
  tr { border: 1px solid var(--line); border-radius: 6px; margin: 0 0 .75rem; padding: .25rem; }
  td { border: none; display: grid; grid-template-columns: 9.5rem 1fr; gap: .5rem;
    padding: .2rem .35rem; }
  td::before { content: attr(data-label); font-weight: 600; color: var(--muted);
    font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
  div.scroll { overflow-x: visible; }
  td.hex { white-space: normal; word-break: break-all; }
}
"""

_SCRIPT = """
(function () {
  var form = document.getElementById('filters');
  if (!form) { return; }
  form.hidden = false;
  var rows = Array.prototype.slice.call(document.querySelectorAll('#entries tbody tr'));
  var count = document.getElementById('count');
  var texts = rows.map(function (row) { return row.textContent.toLowerCase(); });
  function apply() {
    var words = form.elements.q.value.toLowerCase().split(/\\s+/).filter(Boolean);
    var wanted = {};
    ['manufacturer', 'type', 'status', 'spec', 'gbcs'].forEach(function (name) {
      wanted[name] = form.elements[name].value;
    });
    var shown = 0;
    rows.forEach(function (row, i) {
      var ok = words.every(function (w) { return texts[i].indexOf(w) !== -1; });
      Object.keys(wanted).forEach(function (name) {
        if (ok && wanted[name] && row.dataset[name] !== wanted[name]) { ok = false; }
      });
      row.hidden = !ok;
      if (ok) { shown += 1; }
    });
    count.textContent = shown + ' of ' + rows.length + ' entries shown';
  }
  form.addEventListener('input', apply);
  form.addEventListener('change', apply);
  form.addEventListener('submit', function (e) { e.preventDefault(); });
  apply();
})();
"""

_COLUMNS = (
    ("Entry", m.ENTRY_NUMBER, False), ("Status", m.ENTRY_STATUS, False),
    ("Device type", m.DEVICE_TYPE, False), ("Manufacturer", m.MANUFACTURER_ID, True),
    ("Model", m.MODEL_ID, True), ("HW version", m.HARDWARE_VERSION, True),
    ("HW revision", m.HARDWARE_REVISION, True), ("Firmware", m.FIRMWARE_VERSION, True),
    ("SMETS/CHTS", m.SPEC_VERSION, False), ("GBCS", m.GBCS_VERSION, False),
    ("CPA certificate", m.CPA_ID, False), ("CPA expiry or renewal", m.CPA_EXPIRY, False),
    ("Image creator", m.IMAGE_CREATOR, False), ("Image hash", m.IMAGE_HASH, True),
)


def _text(value: m.Value | None) -> str:
    if value is None:
        return ""
    return value.strftime("%d/%m/%Y") if isinstance(value, dt.date) else value


def _page(title: str, body: str) -> bytes:
    return ("<!DOCTYPE html>\n<html lang=\"en-GB\">\n<head>\n<meta charset=\"utf-8\">\n"
            f"<meta http-equiv=\"Content-Security-Policy\" content=\"{_CSP}\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            "<meta name=\"referrer\" content=\"no-referrer\">\n"
            f"<title>{escape(title)}</title>\n<style>{_STYLE}</style>\n</head>\n<body>\n"
            f"{body}\n</body>\n</html>\n").encode()


def _options(name: str, label: str, values: Iterable[str]) -> str:
    options = "".join(f'<option value="{escape(v)}">{escape(v)}</option>'
                      for v in sorted(set(values)) if v)
    return (f'<label>{escape(label)}<select name="{name}"><option value="">All</option>'
            f"{options}</select></label>")


def version_page(version: m.CplVersion, links: Sequence[tuple[str, str]]) -> bytes:
    """The published version: label, entries (searchable, filterable), history, file links."""
    entries = version.entries
    current = sum(1 for e in entries if e.status == m.Status.CURRENT)
    rows = []
    for e in entries:
        data = " ".join(f'data-{k}="{escape(e.text(f) or "")}"' for k, f in (
            ("manufacturer", m.MANUFACTURER_ID), ("type", m.DEVICE_TYPE),
            ("status", m.ENTRY_STATUS), ("spec", m.SPEC_VERSION), ("gbcs", m.GBCS_VERSION)))
        cells = "".join(
            f'<td data-label="{escape(label)}"'
            + (' class="hex"' if hexed else "")
            + (f' class="status-{escape(e.status or "")}"' if name == m.ENTRY_STATUS else "")
            + f">{escape(_text(e.get(name)))}</td>"
            for label, name, hexed in _COLUMNS)
        rows.append(f"<tr {data}>{cells}</tr>")
    heads = "".join(f'<th scope="col">{escape(label)}</th>' for label, _, _ in _COLUMNS)
    history = "".join(
        f"<details{' open' if i < 3 else ''}><summary>{escape(h.version)} &middot; "
        f"{escape(h.date)}</summary><pre>{escape(h.changes.replace(chr(13), '').strip())}</pre>"
        "</details>" for i, h in enumerate(reversed(version.history)))
    files = "".join(f'<a href="{escape(href)}">{escape(label)}</a>' for label, href in links)
    filters = (
        '<form id="filters" class="filters" hidden role="search" aria-label="Filter entries">'
        '<label class="search">Search<input type="search" name="q" autocomplete="off" '
        'placeholder="model, firmware, certificate..."></label>'
        + _options("manufacturer", "Manufacturer",
                   (e.text(m.MANUFACTURER_ID) or "" for e in entries))
        + _options("type", "Device type", (e.device_type or "" for e in entries))
        + _options("status", "Status", (e.status or "" for e in entries))
        + _options("spec", "SMETS/CHTS version", (e.spec_version or "" for e in entries))
        + _options("gbcs", "GBCS version", (e.gbcs_version or "" for e in entries))
        + "</form>")
    body = (
        "<header><h1>Central Products List</h1>"
        f'<p class="meta"><strong>{escape(version.label)}</strong></p>'
        f'<p class="meta">{len(entries)} entries: {current} Current, '
        f"{len(entries) - current} Removed</p>"
        f'<nav class="files" aria-label="Files of this version">{files}</nav></header>'
        "<main><h2 id=\"entries-heading\">Entries</h2>"
        "<noscript><p>Search and filters need JavaScript; every entry is listed below.</p>"
        "</noscript>"
        f'{filters}<p id="count" aria-live="polite">{len(entries)} entries</p>'
        '<div class="scroll" role="region" aria-labelledby="entries-heading" tabindex="0">'
        '<table id="entries">'
        f"<caption>Entries of {escape(version.label)}</caption>"
        f"<thead><tr>{heads}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
        f'<h2 id="history">Version history</h2>{history}</main>'
        "<footer>Made by cplkit. Check the files of this version with the signed manifest: "
        "<code>cplkit verify manifest-" + escape(str(version.number)) + ".xml --trust "
        "CERT</code>.</footer>"
        f"<script>{_SCRIPT}</script>")
    return _page(f"Central Products List {version.number}", body)


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
        sections.append(f"<h2>{escape(file.path)}</h2><p class=\"meta\">{file.entries} "
                        f"entries{sheet}: <span class=\"{css}\">{escape(verdict)}</span>, "
                        f"{file.warnings} warnings</p>{table}")
    errors = sum(1 for f in report.files for x in f.findings if x.severity is Severity.ERROR)
    body = ("<header><h1>CPL submission check</h1>"
            f"<p class=\"meta\">{len(report.files)} files, {report.entries} entries: "
            f"{errors} errors, {report.warnings} warnings, as of {escape(report.as_of)}, "
            f"ruleset {escape(report.ruleset)}</p></header><main>{''.join(sections)}</main>"
            "<footer>Made by cplkit check.</footer>")
    return _page("CPL submission check", body)
