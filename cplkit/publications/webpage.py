"""The published CPL version as one self-contained web page.

One file, no network requests (a Content-Security-Policy forbids them), no external
scripts, fonts or styles. The table is in the HTML itself, so the page reads with JavaScript
off; a small inline script adds search-as-you-type and filters. Each row shows the fields that
tell entries apart and opens to the other published fields, so nothing scrolls off at laptop
width; narrow screens get one card per entry. The page is the template
``version-page.html.j2``, with autoescaping: no value reaches it unescaped. Nothing here decides
what is valid.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from cplkit.base.templates import render_bytes
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


@dataclass(frozen=True, slots=True)
class _Cell:
    label: str
    value: str
    hex: bool
    status: bool


@dataclass(frozen=True, slots=True)
class _Row:
    number: str
    data: tuple[tuple[str, str], ...]
    cells: tuple[_Cell, ...]
    fields: tuple[tuple[str, str], ...]


def _choices(values: Iterable[str],
             shown: Mapping[str, str] | None = None) -> list[tuple[str, str]]:
    return [(v, (shown or {}).get(v, v)) for v in sorted(set(values)) if v]


def version_page(version: m.CplVersion, links: Sequence[tuple[str, str]],
                 companies: Mapping[str, str], signed_by: SignedBy) -> bytes:
    """The published version: label, entries (searchable, filterable, each with the company
    the names register gives its manufacturer id and the other published fields one click
    away), history, file links, and the signing certificate to check them with."""
    entries = version.entries

    def row(e: m.Entry) -> _Row:
        company = company_of(e, companies)
        cells = tuple(_Cell(label, company if name == _COMPANY else
                            m.as_text(e.published(name)) or "", hexed, name == m.ENTRY_STATUS)
                      for label, name, hexed in _COLUMNS)
        return _Row(e.number or "", tuple((k, e.text(f) or "") for k, f in (
            ("manufacturer", m.MANUFACTURER_ID), ("type", m.DEVICE_TYPE),
            ("status", m.ENTRY_STATUS), ("spec", m.SPEC_VERSION), ("gbcs", m.GBCS_VERSION))),
            cells, tuple((f, m.as_text(e.published(f)) or "") for f in _MORE_FIELDS))

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
    # entries is never held as rows and pieces all at once
    return render_bytes(
        "version-page.html.j2", title=f"Central Products List {version.number}",
        version=version, entries=entries,
        current=version.current_count, links=links,
        filters=filters, headings=[c[0] for c in _COLUMNS], rows=map(row, entries),
        history=list(reversed(version.history)),
        manifest=IssuedFiles(str(version.number)).manifest, signed_by=signed_by.shown(),
        plural=plural)
