"""Renders what the reading commands show: entries, one entry, history, a diff, an audit.

Text for people, JSON keyed by canonical field names for scripts, CSV for spreadsheets. CSV
cells that a spreadsheet would evaluate (starting with =, +, -, @, tab or carriage return) are
neutralised with a leading apostrophe; in the text form every value is shown on its line with
its control and escape characters visible (``escape.one_line``). Nothing here reads the
registry.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from cplkit.core import model as m
from cplkit.core.audit import AuditItem
from cplkit.core.changes import REMOVAL_COLUMNS
from cplkit.core.diff import Diff
from cplkit.core.text import (
    COMPANY,
    company_label,
    company_of,
    entry_dict,
    history_dict,
    safe_csv_cell,
)
from cplkit.render.escape import block, one_line

#: the key and label of the product name ``show`` gives beside an entry's published fields
PRODUCT = "product"


def _text(value: m.Issued | None) -> str:
    return m.as_text(value, m.DateStyle.ISO) or ""



def to_csv(rows: Iterable[Sequence[str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for row in rows:
        writer.writerow([safe_csv_cell(c) for c in row])
    return buffer.getvalue()


def render_entries(entries: Sequence[m.Entry], fmt: str,
                   companies: Mapping[str, str]) -> str:
    """Entries as a table, JSON or CSV, each with the company ``companies`` names."""
    if fmt == "json":
        return json.dumps([entry_dict(e, companies) for e in entries], indent=1,
                          ensure_ascii=False) + "\n"
    if fmt == "csv":
        return to_csv([[*m.PUBLISHED_FIELDS, COMPANY],
                       *([*(_text(e.get(f)) for f in m.PUBLISHED_FIELDS),
                          company_of(e, companies)] for e in entries)])
    lines = [f"{'entry':<7} {'status':<8} {'manufacturer':<5} {'model':<5} {'hw':<5} "
             f"{'firmware':<11} {'SMETS/CHTS':<10} {'GBCS':<4} device type (company)"]
    for e in entries:
        # each value through one_line: an imported value is kept as SECAS issued it, and a
        # line break or escape sequence in it must not reach the terminal as itself
        hw = one_line(f"{e.text(m.HARDWARE_VERSION) or ''}/{e.text(m.HARDWARE_REVISION) or ''}")
        gbcs = one_line((e.gbcs_version or "").replace("GBCS Version ", ""))
        lines.append(f"{one_line(e.number or ''):<7} {one_line(e.status or ''):<8} "
                     f"{one_line(e.text(m.MANUFACTURER_ID) or ''):<12} "
                     f"{one_line(e.text(m.MODEL_ID) or ''):<5} "
                     f"{hw:<5} {one_line(e.firmware_version or ''):<11} "
                     f"{one_line(e.spec_version or ''):<10} "
                     f"{gbcs:<4} {one_line(e.device_type or '')}"
                     + (f" ({one_line(name)})" if (name := company_of(e, companies)) else ""))
    lines.append(f"{len(entries)} entr{'y' if len(entries) == 1 else 'ies'}")
    return "\n".join(lines) + "\n"


def render_entry(entry: m.Entry, fmt: str, companies: Mapping[str, str]) -> str:
    """One entry, every field, the product name the registry keeps for it (never part of the
    issued list: the form's, a correction's, or what an import read from SECAS's history) and
    the company its manufacturer id names."""
    if fmt == "json":
        shown = {**entry_dict(entry, companies), PRODUCT: entry.product_name}
        return json.dumps(shown, indent=1, ensure_ascii=False) + "\n"
    width = max(len(f) for f in m.PUBLISHED_FIELDS)
    company = company_of(entry, companies)
    return "".join(f"{f:<{width}}  {one_line(_text(entry.get(f)))}\n"
                   for f in m.PUBLISHED_FIELDS) + (
        f"{PRODUCT:<{width}}  {one_line(entry.product_name)}\n" if entry.product_name else ""
    ) + (f"{COMPANY:<{width}}  {one_line(company)}\n" if company else "")


def render_history(lines: Sequence[m.HistoryLine], fmt: str) -> str:
    if fmt == "json":
        return json.dumps([history_dict(h) for h in lines], indent=1,
                          ensure_ascii=False) + "\n"
    out = []
    for h in lines:
        out.append(f"{one_line(h.version)}  {one_line(h.date)}\n" + "".join(
            f"    {line}\n" for line in block(h.changes.strip())))
    return "\n".join(out)


def diff_dict(d: Diff) -> dict[str, Any]:
    return {
        "from": d.old, "to": d.new,
        "added": [entry_dict(e) for e in d.added],
        "removed": [entry_dict(e) for e in d.removed],
        "amended": [{"entry": a.number, "field": a.field, "from": _text(a.old) or None,
                     "to": _text(a.new) or None} for a in d.amended],
        "missing": [entry_dict(e) for e in d.missing],
    }


def render_diff(d: Diff, fmt: str) -> str:
    if fmt == "json":
        return json.dumps(diff_dict(d), indent=1, ensure_ascii=False) + "\n"
    out = [f"{d.old} -> {d.new}: {len(d.added)} added, {len(d.removed)} removed, "
           f"{len({a.number for a in d.amended})} amended"]
    for e in d.added:
        out.append(one_line(f"+ {e.number} {e.device_type} {e.text(m.MANUFACTURER_ID)} "
                            f"{e.text(m.MODEL_ID)} {e.firmware_version} {e.spec_version} "
                            f"{e.gbcs_version}"))
    for e in d.removed:
        out.append(one_line(f"- {e.number} {e.device_type} {e.firmware_version} "
                            "(now Removed)"))
    for a in d.amended:
        out.append(one_line(f"~ {a.number} {a.field}: {_text(a.old)!r} -> {_text(a.new)!r}"))
    for e in d.missing:
        out.append(one_line(f"! {e.number} is missing from {d.new}"))
    return "\n".join(out) + "\n"


AUDIT_TITLES = {
    "cpa-expired": "CPA certificate expired",
    "cpa-due": "CPA certificate expires soon",
    "cpa-renewal-overdue": "CPA lifetime certificate past its renewal date",
    "cpa-renewal-due": "CPA lifetime certificate due for renewal",
    "maintenance-over": "maintenance period over",
    "maintenance-due": "maintenance period ends soon",
    "cpa-withdrawn": "CPA certificate withdrawn",
    "dlms-withdrawn": "DLMS certificate withdrawn",
    "zse-withdrawn": "ZSE certificate withdrawn",
}


def render_audit(items: Sequence[AuditItem], fmt: str, as_of: dt.date,
                 companies: Mapping[str, str]) -> str:
    """What the audit found, by manufacturer, each named by the company ``companies`` gives."""
    if fmt == "json":
        return json.dumps([{"reason": i.reason, "manufacturer": i.manufacturer,
                            COMPANY: companies.get(i.manufacturer), "subject": i.subject,
                            "date": i.date.isoformat(), "entries": list(i.entries)}
                           for i in items], indent=1, ensure_ascii=False) + "\n"
    if fmt == "csv":
        return to_csv([["manufacturer", COMPANY, "reason", "subject", "date", "entries"],
                     *([i.manufacturer, companies.get(i.manufacturer, ""), i.reason, i.subject,
                        i.date.isoformat(), " ".join(i.entries)] for i in items)])
    if not items:
        return f"Nothing to act on as of {as_of}.\n"
    out = []
    manufacturer = None
    for i in items:
        if i.manufacturer != manufacturer:
            manufacturer = i.manufacturer
            out.append(f"manufacturer {one_line(company_label(manufacturer, companies))}")
        out.append(f"  {AUDIT_TITLES[i.reason]}: {one_line(i.subject)}, {i.date:%d/%m/%Y}, "
                   f"{len(i.entries)} entr{'y' if len(i.entries) == 1 else 'ies'}: "
                   f"{one_line(' '.join(i.entries))}")
    return "\n".join(out) + "\n"


def render_removals(rows: Sequence[tuple[str, str]]) -> str:
    """A removals change file proposing (entry number, reason) rows, the decision left blank."""
    return to_csv([list(REMOVAL_COLUMNS), *([n, why, ""] for n, why in rows)])
