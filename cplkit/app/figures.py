"""The figures of ``cplkit report``: a regulatory year's statistics, and the list's
proliferation, read from a registry.

Reads every issued version (each checked against its recorded digest) and hands the core what
each version did: for a version the registry issued, the difference from the version before;
for an imported version, SECAS's history as imported (every line before the registry began,
and the imported version's own). It returns records; rendering them is ``cplkit.render``'s
job. It writes nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from cplkit.app.policy import record_of
from cplkit.core import tallies as t
from cplkit.registry import Registry


@dataclass(frozen=True, slots=True)
class YearReport:
    figures: t.YearFigures
    latest: str  # the version the figures were read up to
    companies: dict[str, str]


def version_changes(registry: Path) -> list[t.VersionChange]:
    """What every version did, oldest first."""
    reg = Registry(registry)
    head = reg.head()
    changes: list[t.VersionChange] = []
    before = None
    for record in head.versions:
        stored = reg.read(record.version, head=head)
        version = stored.version
        if before is None and stored.made_by.get("how") == "import":
            # SECAS's own history: what it says each version did, as SECAS wrote it
            changes.extend(t.changes_in_history(version.history))
        else:
            changes.append(t.changes_between(before, version))
        before = version
    return changes


def year_report(registry: Path, year: t.RegulatoryYear) -> YearReport:
    reg = Registry(registry)
    latest = reg.read().version  # an empty registry is exit 4, as for every reader
    changes = version_changes(registry)
    entries = latest.by_number()
    unnamed = t.unnamed_entries(changes, entries)
    return YearReport(t.year_figures(changes, year, entries, unnamed), str(latest.number),
                      record_of(reg).companies())


def proliferation(registry: Path, version: str | None = None
                  ) -> tuple[t.Proliferation, dict[str, str]]:
    reg = Registry(registry)
    return t.proliferation(reg.read(version).version), record_of(reg).companies()


def default_year(as_of: dt.date) -> t.RegulatoryYear:
    return t.RegulatoryYear.of(as_of)
