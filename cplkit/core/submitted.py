"""What a submission held, as text: the values a check report shows beside its findings.

Records only; reading files is ``cplkit.intake``'s job and showing them ``cplkit.render``'s.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SubmittedCell:
    """One field of one entry as submitted: where it is and what it holds, as text."""

    field: str
    cell: str | None
    value: str


@dataclass(frozen=True, slots=True)
class SubmittedEntry:
    """An entry's submitted values, for a report that shows each finding beside its cell."""

    index: int
    where: str  # 'column G', 'row 12'
    cells: tuple[SubmittedCell, ...]
