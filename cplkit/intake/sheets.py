"""What every reader hands to layout recognition: a sheet's rows plus what is hidden or unset.

``SheetData`` is the common shape of an xlsx worksheet and a CSV file: rows of raw cell values
(streamed, not held) and the hidden rows and columns; a formula cell without a cached value is
a ``Formula`` among the values. ``Unreadable`` is how a reader says the whole file cannot be
read (CPL-F01/F02); the caller turns it into a finding. Nothing here parses a file format.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from cplkit.core.findings import Code
from cplkit.core.model import RawValue

if TYPE_CHECKING:
    from cplkit.intake.columnar import Columns


class Unreadable(Exception):
    """The file cannot be read at all; carries the finding code, message and hint to report."""

    def __init__(self, code: Code, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.hint = hint

    def __reduce__(self) -> tuple[type[Unreadable], tuple[str, str, str | None]]:
        # crosses from the reading child to its parent whole
        return Unreadable, (self.code, self.message, self.hint)


@dataclass(slots=True)
class SheetData:
    """One sheet (or CSV file) as rows of raw values; row i of ``rows`` is sheet row i + 1."""

    name: str | None
    rows: Iterator[list[RawValue]]
    hidden_rows: frozenset[int] = frozenset()
    hidden_columns: frozenset[int] = frozenset()
    #: a CSV file's field separator (None: a workbook's sheet)
    delimiter: str | None = None
    #: the same rows read column by column (``cplkit.intake.columnar``; None: not read so)
    columns: Columns | None = None


_CELL_REF = re.compile(r"([A-Za-z]{1,3})([0-9]{1,7})")


def parse_cell_ref(ref: str) -> tuple[int, int] | None:
    """'D5' -> (5, 4); None for anything else."""
    match = _CELL_REF.fullmatch(ref)
    if match is None:
        return None
    col = 0
    for ch in match.group(1).upper():
        col = col * 26 + ord(ch) - 64
    return int(match.group(2)), col
