"""The changes a new CPL version is made of: new entries, removals, reinstatements, corrections
in place and certificate updates.

These records are what the change-file readers produce and what ``cplkit.core.merge`` consumes.
Each carries its ``Origin`` (file, entry, sheet and the cells of its fields) so a merge finding can
point at the exact cell to change. Nothing here reads files or decides what is valid.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from types import MappingProxyType
from typing import Any

from cplkit.core.findings import Location
from cplkit.core.model import Entry, RawEntry, Value

#: the header rows of the change files that are not submissions (docs/change-files.md)
REMOVAL_COLUMNS = ("Entry.number", "reason", "decision")
UPDATE_COLUMNS = ("CPA_Certificate.identification_number", "new_identification_number",
                  "new_expiry_date", "reason", "Entry.number")
REINSTATEMENT_COLUMNS = ("Entry.number", "reinstatement_reason", "decision")
CORRECTION_COLUMNS = ("Entry.number", "field", "new_value", "reason")
RENAME_COLUMNS = ("field", "old_value", "new_value", "reason")


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a change came from, for findings."""

    file: str
    entry: int | None = None
    sheet: str | None = None
    cells: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    @staticmethod
    def of(file: str, raw: RawEntry) -> Origin:
        cells = {name: cell for name in raw.placement.positions
                 if (cell := raw.cell(name)) is not None}
        return Origin(file, raw.index, raw.placement.sheet, MappingProxyType(cells))

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        # a read-only mapping cannot be pickled: an origin crosses processes as a plain dict
        return _origin, (self.file, self.entry, self.sheet, dict(self.cells))

    def location(self, field: str | None, value: str | None = None) -> Location:
        """Where a finding about ``field`` of this change points."""
        return Location(self.file, self.entry, self.sheet,
                        self.cells.get(field) if field else None, field, value)


def _origin(file: str, entry: int | None, sheet: str | None,
            cells: dict[str, str]) -> Origin:
    return Origin(file, entry, sheet, MappingProxyType(cells))


@dataclass(frozen=True, slots=True)
class NewEntry:
    """A submitted entry that passed every rule; SECAS allocates its number on merge."""

    entry: Entry
    origin: Origin


@dataclass(frozen=True, slots=True)
class Removal:
    """Mark an entry Removed (a Security Sub-Committee decision, or a correction)."""

    number: str
    reason: str
    decision: str
    origin: Origin


@dataclass(frozen=True, slots=True)
class Reinstatement:
    """Make a Removed entry Current again, keeping its number (as SECAS did for 000067 and
    000068 at 1.44, "original entry valid")."""

    number: str
    reason: str
    decision: str
    origin: Origin


@dataclass(frozen=True, slots=True)
class Correction:
    """Correct one published field of a Current entry in place; the entry keeps its number (a
    model id at 1.24, a DLMS id at 1.87, a hash at 1.113)."""

    number: str
    field: str
    new_value: Value
    reason: str
    origin: Origin


@dataclass(frozen=True, slots=True)
class Rename:
    """Change a value's text on every entry that has it, as SECAS did at 1.23 to match the
    DCC's validation; published with the ruleset that makes the new text valid."""

    field: str
    old_value: str
    new_value: Value
    reason: str
    origin: Origin


@dataclass(frozen=True, slots=True)
class CertificateUpdate:
    """Change a CPA certificate in place on every Current entry that carries it, or on one
    entry only when ``number`` names it (as SECAS corrected 000024's expiry date at 1.15)."""

    certificate: str
    new_certificate: str | None
    new_expiry: dt.date | None
    reason: str | None
    origin: Origin
    number: str | None = None


@dataclass(frozen=True, slots=True)
class ChangeSet:
    new_entries: tuple[NewEntry, ...] = ()
    removals: tuple[Removal, ...] = ()
    updates: tuple[CertificateUpdate, ...] = ()
    reinstatements: tuple[Reinstatement, ...] = ()
    corrections: tuple[Correction, ...] = ()
    renames: tuple[Rename, ...] = ()

    def __bool__(self) -> bool:
        return any(getattr(self, f.name) for f in fields(self))

    def __add__(self, other: ChangeSet) -> ChangeSet:
        """Both change sets' changes, this one's first (the order the files were given)."""
        return ChangeSet(*(getattr(self, f.name) + getattr(other, f.name)
                           for f in fields(self)))
