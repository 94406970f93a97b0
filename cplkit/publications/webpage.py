"""The published CPL version as one self-contained web page.

One file, no network requests (a Content-Security-Policy forbids them), no external
scripts, fonts or styles. The table is in the HTML itself, so the page reads with JavaScript
off; a small inline script adds search-as-you-type and filters. Each row shows the fields that
tell entries apart and opens to the other published fields, so nothing scrolls off at laptop
width; narrow screens get one card per entry. The page is the template
``version-page.html.j2``, with autoescaping: no value reaches it unescaped. The table's rows
(72,900 at a hundred times the real list's size) are made here rather than in the template,
each value escaped by MarkupSafe (Jinja2's own escaping) and each row handed to the template as
markup, so the page costs one template step per row rather than one per value. Nothing here
decides what is valid.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from markupsafe import Markup, escape

from cplkit.base.templates import hex_breaks, render_bytes
from cplkit.core import model as m
from cplkit.core.text import company_label, company_of, plural
from cplkit.publications.filenames import IssuedFiles
from cplkit.publications.signed_by import SignedBy

#: the company column: not a published field, but the names register's name for the id
_COMPANY = "company"

#: the table's columns: what tells entries apart at a glance (the other fields are in each
#: row's "More fields" details, so nothing is scrolled off the page at laptop width)
_COLUMNS = (
    ("Entry", m.ENTRY_NUMBER, False), ("Status", m.ENTRY_STATUS, False),
    ("Device type", m.DEVICE_TYPE, False), ("Company", _COMPANY, False),
    ("Manufacturer", m.MANUFACTURER_ID, True),
    ("Model", m.MODEL_ID, True), ("HW version", m.HARDWARE_VERSION, True),
    ("HW revision", m.HARDWARE_REVISION, True), ("Firmware", m.FIRMWARE_VERSION, True),
    ("SMETS/CHTS", m.SPEC_VERSION, False), ("GBCS", m.GBCS_VERSION, False),
)

#: the published fields not in the table, one click away in each row
_MORE_FIELDS = tuple(f for f in m.PUBLISHED_FIELDS if f not in {c[1] for c in _COLUMNS})
#: the summary of each row's details: how many fields it holds
_MORE_SUMMARY = escape(plural(len(_MORE_FIELDS), "more field"))
#: the row's attributes the filters match on: (attribute, field)
_ROW_DATA = (("manufacturer", m.MANUFACTURER_ID), ("type", m.DEVICE_TYPE),
             ("status", m.ENTRY_STATUS), ("spec", m.SPEC_VERSION), ("gbcs", m.GBCS_VERSION))
#: cplkit's own texts in a row, escaped once like every value (they need not be, as they are)
_ROW_KEYS = tuple((escape(key), field) for key, field in _ROW_DATA)
_ROW_CELLS = tuple((escape(label), name, hexed) for label, name, hexed in _COLUMNS)
_ROW_MORE = tuple((escape(name), name) for name in _MORE_FIELDS)


def _row(entry: m.Entry, companies: Mapping[str, str]) -> Markup:
    """One entry's row of the table: the fields that tell entries apart, one cell each, and the
    other published fields in its "More fields" details. Every value is escaped (``escape``,
    or ``hex_breaks``, which escapes too); the rest is the page's own markup."""
    out: list[str] = ["<tr"]
    for key, field in _ROW_KEYS:
        out += [" data-", key, '="', escape(entry.text(field) or ""), '"']
    out.append(">")
    for label, name, hexed in _ROW_CELLS:
        value = (company_of(entry, companies) if name == _COMPANY
                 else m.as_text(entry.published(name)) or "")
        out += ['<td data-label="', label, '"']
        if hexed:
            out.append(' class="hex"')
        elif name == m.ENTRY_STATUS:
            out += [' class="status-', escape(value), '"']
        out += [">", hex_breaks(value), "</td>"]
    out += ['<td data-label="More fields"><details><summary>', _MORE_SUMMARY,
            '<span class="visually-hidden"> of entry ', escape(entry.number or ""),
            '</span></summary><dl class="fields">']
    for shown, name in _ROW_MORE:
        out += ["<dt>", shown, "</dt><dd>", hex_breaks(m.as_text(entry.published(name)) or ""),
                "</dd>"]
    out.append("</dl></details></td></tr>")
    # every text above went through escape or hex_breaks; the rest is the page's own markup
    return Markup("".join(out))  # noqa: S704


def _choices(values: Iterable[str],
             shown: Mapping[str, str] | None = None) -> list[tuple[str, str]]:
    return [(v, (shown or {}).get(v, v)) for v in sorted(set(values)) if v]


def version_page(version: m.CplVersion, links: Sequence[tuple[str, str]],
                 companies: Mapping[str, str], signed_by: SignedBy) -> bytes:
    """The published version: label, entries (searchable, filterable, each with the company
    the names register gives its manufacturer id and the other published fields one click
    away), history, file links, and the signing certificate to check them with."""
    entries = version.entries
    filters = [
        ("manufacturer", "Manufacturer", _choices(
            (e.text(m.MANUFACTURER_ID) or "" for e in entries),
            {i: company_label(i, companies) for i in companies})),
        ("type", "Device type", _choices(e.device_type or "" for e in entries)),
        ("status", "Status", _choices(e.status or "" for e in entries)),
        ("spec", "SMETS/CHTS version", _choices(e.spec_version or "" for e in entries)),
        ("gbcs", "GBCS version", _choices(e.gbcs_version or "" for e in entries)),
    ]
    # rows are made as the page is written, and the page streamed out: a list of 72,900
    # entries is never held as rows all at once
    return render_bytes(
        "version-page.html.j2", title=f"Central Products List {version.number}",
        version=version, entries=entries,
        current=version.current_count, links=links,
        filters=filters, headings=[c[0] for c in _COLUMNS],
        rows=(_row(e, companies) for e in entries),
        history=list(reversed(version.history)),
        manifest=IssuedFiles(str(version.number)).manifest, signed_by=signed_by.shown(),
        plural=plural)
