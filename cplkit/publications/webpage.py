"""The published CPL version as one self-contained web page.

One file, no network requests (a Content-Security-Policy forbids them), no external
scripts, fonts or styles. The table is in the HTML itself, so the page reads with JavaScript
off; a small inline script adds search-as-you-type and filters. Narrow screens get one card
per entry. Every value is HTML-escaped. Nothing here decides what is valid.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from html import escape

from cplkit.base.html import document
from cplkit.core import model as m
from cplkit.core.text import company_label
from cplkit.publications.names import IssuedFiles

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

#: the company column: not a published field, but the names register's name for the id
_COMPANY = "company"

_COLUMNS = (
    ("Entry", m.ENTRY_NUMBER, False), ("Status", m.ENTRY_STATUS, False),
    ("Device type", m.DEVICE_TYPE, False), ("Company", _COMPANY, False),
    ("Manufacturer", m.MANUFACTURER_ID, True),
    ("Model", m.MODEL_ID, True), ("HW version", m.HARDWARE_VERSION, True),
    ("HW revision", m.HARDWARE_REVISION, True), ("Firmware", m.FIRMWARE_VERSION, True),
    ("SMETS/CHTS", m.SPEC_VERSION, False), ("GBCS", m.GBCS_VERSION, False),
    ("CPA certificate", m.CPA_ID, False), ("CPA expiry or renewal", m.CPA_EXPIRY, False),
    ("Image creator", m.IMAGE_CREATOR, False), ("Image hash", m.IMAGE_HASH, True),
)


def _options(name: str, label: str, values: Iterable[str],
             shown: Mapping[str, str] | None = None) -> str:
    options = "".join(f'<option value="{escape(v)}">{escape((shown or {}).get(v, v))}</option>'
                      for v in sorted(set(values)) if v)
    return (f'<label>{escape(label)}<select name="{name}"><option value="">All</option>'
            f"{options}</select></label>")


def version_page(version: m.CplVersion, links: Sequence[tuple[str, str]],
                 companies: Mapping[str, str]) -> bytes:
    """The published version: label, entries (searchable, filterable, each with the company
    the names register gives its manufacturer id), history, file links."""
    entries = version.entries
    current = sum(1 for e in entries if e.status == m.Status.CURRENT)
    rows = []
    for e in entries:
        data = " ".join(f'data-{k}="{escape(e.text(f) or "")}"' for k, f in (
            ("manufacturer", m.MANUFACTURER_ID), ("type", m.DEVICE_TYPE),
            ("status", m.ENTRY_STATUS), ("spec", m.SPEC_VERSION), ("gbcs", m.GBCS_VERSION)))
        company = companies.get(e.text(m.MANUFACTURER_ID) or "", "")
        cells = "".join(
            f'<td data-label="{escape(label)}"'
            + (' class="hex"' if hexed else "")
            + (f' class="status-{escape(e.status or "")}"' if name == m.ENTRY_STATUS else "")
            + ">" + escape(company if name == _COMPANY else m.as_text(e.published(name)) or "")
            + "</td>"
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
        'placeholder="company, model, firmware, certificate..."></label>'
        + _options("manufacturer", "Manufacturer",
                   (e.text(m.MANUFACTURER_ID) or "" for e in entries),
                   {i: company_label(i, companies) for i in companies})
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
        "<code>cplkit verify " + escape(IssuedFiles(str(version.number)).manifest)
        + " --trust CERT</code>.</footer>"
        f"<script>{_SCRIPT}</script>")
    return document(f"Central Products List {version.number}", body)
