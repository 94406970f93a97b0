"""Renders ``cplkit report``: a regulatory year's figures and the list's proliferation, as text
for people, JSON for scripts and CSV for spreadsheets (and the year's figures as an HTML page,
through the Jinja2 templates).

Every figure comes with the entries it counts and the versions that made each change, so a
reader can check it against the history. Text values pass through ``escape.one_line``; CSV
cells through ``safe_csv_cell``. Nothing here reads the registry or counts anything.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from cplkit.core import tallies as t
from cplkit.core.audit import Listed, Superseded
from cplkit.core.text import company_label
from cplkit.render.escape import one_line
from cplkit.render.listing import to_csv


def _made(rows: Sequence[t.Made]) -> list[dict[str, str]]:
    return [{"entry": r.entry, "version": r.version} for r in rows]


def year_dict(figures: t.YearFigures, latest: str) -> dict[str, Any]:
    """The year's figures as JSON data: the counts first, then what they count."""
    certificates = figures.certificates
    return {
        "year": str(figures.year),
        "from": figures.year.first_day.isoformat(),
        "to": figures.year.last_day.isoformat(),
        "read_up_to": latest,
        "versions_issued": len(figures.versions),
        "device_models_added": {g.value: len(figures.added[g]) for g in t.Generation},
        "device_models_removed": len(figures.removed),
        "reinstatements": len(figures.reinstated),
        "corrections": len(figures.corrected),
        "certificate_updates": len(certificates),
        "entries_certificate_updated": sum(c.count for _, c in certificates),
        "versions": [{"version": v, "date": d.isoformat()} for v, d in figures.versions],
        "added": {g.value: _made(figures.added[g]) for g in t.Generation},
        "removed": _made(figures.removed),
        "reinstated": _made(figures.reinstated),
        "corrected": _made(figures.corrected),
        "certificates": [{"version": v, "entries": list(c.entries), "count": c.count,
                          "certificate": c.subject or None} for v, c in certificates],
        "read_from_history": list(figures.from_history),
        "entries_no_history_line_adds": list(figures.unattributed),
    }



def render_year(figures: t.YearFigures, latest: str, fmt: str) -> str:
    data = year_dict(figures, latest)
    if fmt == "json":
        return json.dumps(data, indent=1, ensure_ascii=False) + "\n"
    rows = [(f.what, f.count, f.versions) for f in t.year_rows(figures)]
    if fmt == "csv":
        return to_csv([["year", "figure", "count", "versions"],
                       *([str(figures.year), what, str(n), versions]
                         for what, n, versions in rows)])
    out = [f"Central Products List statistics, regulatory year {figures.year} "
           f"({figures.year.first_day:%d/%m/%Y} to {figures.year.last_day:%d/%m/%Y}), read up "
           f"to version {one_line(latest)}"]
    width = max(len(what) for what, _, _ in rows)
    for what, n, versions in rows:
        out.append(f"  {what:<{width}}  {n:>4}" + (f"  ({one_line(versions)})" if versions
                                                    else ""))
    for label, made in (("removed", figures.removed), ("reinstated", figures.reinstated),
                        ("corrected", figures.corrected)):
        if made:
            out.append(f"{label}: " + one_line(", ".join(f"{r.entry} ({r.version})"
                                                         for r in made)))
    if figures.from_history:
        out.append(f"{len(figures.from_history)} of these versions are read from SECAS's "
                   "history as imported.")
    if figures.unattributed:
        out.append(f"No history line names {len(figures.unattributed)} entries of the list "
                   f"as added ({one_line(', '.join(figures.unattributed))}): they are in no "
                   "year's figures.")
    return "\n".join(out) + "\n"


def proliferation_dict(p: t.Proliferation, companies: Mapping[str, str]) -> dict[str, Any]:
    return {
        "version": p.version, "current_entries": p.current,
        "by_manufacturer": [{"manufacturer": k, "company": companies.get(k), "entries": n}
                            for k, n in p.by_manufacturer.items()],
        "by_device_type": [{"device_type": k, "entries": n} for k, n in
                           p.by_device_type.items()],
        "device_models": [{"manufacturer": c.manufacturer,
                           "company": companies.get(c.manufacturer), "model": c.model,
                           "hardware": c.hardware, "device_types": list(c.device_types),
                           "firmware_versions": len(c.firmware), "firmware": list(c.firmware),
                           "entries": list(c.entries)} for c in p.models],
    }


def render_proliferation(p: t.Proliferation, companies: Mapping[str, str], fmt: str) -> str:
    if fmt == "json":
        return json.dumps(proliferation_dict(p, companies), indent=1,
                          ensure_ascii=False) + "\n"
    if fmt == "csv":
        return to_csv([["manufacturer", "company", "model", "hardware", "device types",
                        "firmware versions", "current entries", "firmware", "entries"],
                       *([c.manufacturer, companies.get(c.manufacturer, ""), c.model,
                          c.hardware, "; ".join(c.device_types), str(len(c.firmware)),
                          str(len(c.entries)), " ".join(c.firmware), " ".join(c.entries)]
                         for c in p.models)])
    out = [f"Current entries of version {one_line(p.version)}: {p.current}", "",
           "By manufacturer:"]
    out += [f"  {n:>5}  {one_line(company_label(k, companies))}"
            for k, n in p.by_manufacturer.items()]
    out += ["", "By device type:"]
    out += [f"  {n:>5}  {one_line(k)}" for k, n in p.by_device_type.items()]
    out += ["", f"By Device Model ({len(p.models)}): manufacturer, model, hardware, firmware "
                "versions, entries"]
    out += [f"  {one_line(company_label(c.manufacturer, companies))}  {one_line(c.model)}  "
            f"{one_line(c.hardware)}  {len(c.firmware)} firmware, {len(c.entries)} entr"
            f"{'y' if len(c.entries) == 1 else 'ies'} ({one_line('; '.join(c.device_types))})"
            for c in p.models]
    return "\n".join(out) + "\n"


def _listed(e: Listed) -> dict[str, str | None]:
    return {"entry": e.number, "firmware": e.firmware, "version": e.version,
            "added": e.added.isoformat() if e.added else None}


def _when(e: Listed) -> str:
    if e.version is None:
        return "date unknown"
    return f"added in {e.version}" + (f" on {e.added:%d/%m/%Y}" if e.added else "")


def render_superseded(groups: Sequence[Superseded], fmt: str,
                      companies: Mapping[str, str]) -> str:
    """``audit --superseded``: per Device Model, its latest Current entry and the Current
    entries with other, older firmware."""
    if fmt == "json":
        return json.dumps([{"manufacturer": g.manufacturer,
                            "company": companies.get(g.manufacturer), "model": g.model,
                            "hardware": g.hardware, "latest": _listed(g.latest),
                            "superseded": [_listed(e) for e in g.older]} for g in groups],
                          indent=1, ensure_ascii=False) + "\n"
    if fmt == "csv":
        return to_csv([["manufacturer", "company", "model", "hardware", "entry", "firmware",
                        "added in", "added on", "superseded by", "its firmware", "its version",
                        "its date"],
                       *([g.manufacturer, companies.get(g.manufacturer, ""), g.model,
                          g.hardware, e.number, e.firmware, e.version or "",
                          e.added.isoformat() if e.added else "", g.latest.number,
                          g.latest.firmware, g.latest.version or "",
                          g.latest.added.isoformat() if g.latest.added else ""]
                         for g in groups for e in g.older)])
    if not groups:
        return "No Current entry has firmware a later entry of its Device Model replaces.\n"
    out = []
    for g in groups:
        out.append(f"{one_line(company_label(g.manufacturer, companies))} model "
                   f"{one_line(g.model)} hardware {one_line(g.hardware)}: latest "
                   f"{one_line(g.latest.number)} firmware {one_line(g.latest.firmware)} "
                   f"({one_line(_when(g.latest))})")
        out += [f"  superseded {one_line(e.number)} firmware {one_line(e.firmware)} "
                f"({one_line(_when(e))})" for e in g.older]
    count = sum(len(g.older) for g in groups)
    out.append(f"{count} Current entr{'y' if count == 1 else 'ies'} of {len(groups)} Device "
               f"Model{'' if len(groups) == 1 else 's'} superseded by later firmware")
    return "\n".join(out) + "\n"
