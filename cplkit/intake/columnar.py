"""Reads an all-text sheet column by column with fastexcel into Arrow (the optional ``[fast]``
extra: ``pip install 'cplkit[fast]'``), and hands a table's columns over in batches, each
column dictionary-encoded, so a check can look at each distinct value once and make Python
objects only for what it must.

Used only where three things hold: the extra is installed and the sheet large enough
(``wanted``: ``CPLKIT_COLUMNAR`` forces either way);
the scan of the sheet's XML has run and found every cell spelt as text, with no formula and
nothing hidden (``Workbook.plain_text``); and fastexcel, reading every row with strict types,
agrees that each column holds text only. fastexcel turns a number, date or boolean in a text
column into text without a word, which the check would then judge as text: hence the scan
first and the strict read as well. It also ends the process on a cell in column XFD, which the
scan refuses beforehand (past ZZ); a read-ahead that starts before the scan ends runs only in
the disposable reading child (see ``Workbook``). Nothing here is imported on a check of a form
or by a default install; it does not recognise layouts or judge values.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from functools import cache
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from cplkit.core.model import RawValue

#: ``0``: never read columns (the row path only); ``1``: read every sheet allowed so, however
#: small (for tests); unset: the sheets of at least ``MIN_PART_BYTES`` of XML
ENV = "CPLKIT_COLUMNAR"

#: the XML of a sheet worth reading by columns (about 2,000 rows of a bulk sheet): below it the
#: row reader is as quick, and a form's check never loads pyarrow (a second's import or so)
MIN_PART_BYTES = 4 << 20

#: a batch's column: each row's index into the distinct values (None: empty cell), and those
#: values; None for a column the sheet does not reach
Column = tuple[list[int | None], list[str]] | None


def wanted(part_bytes: int) -> bool:
    """Whether a sheet of ``part_bytes`` of XML is to be read column by column (if it proves
    all text): the extra is installed (looked for, not imported), and ``ENV`` says so or the
    sheet is large enough."""
    switch = os.environ.get(ENV, "")
    if switch == "0" or not _installed():
        return False
    return switch == "1" or part_bytes >= MIN_PART_BYTES


@cache
def _installed() -> bool:
    return all(find_spec(name) is not None for name in ("fastexcel", "pyarrow"))


class Columns:
    """A sheet read into Arrow string columns: row ``i`` of each is sheet row ``i + 1``, and
    the first column is sheet column ``start + 1``."""

    def __init__(self, arrays: Sequence[Any], start: int, height: int) -> None:
        self.arrays = list(arrays)
        self.start = start
        self.height = height

    def column(self, col: int) -> Any | None:
        """Sheet column ``col`` (1-based); None past the columns read."""
        at = col - 1 - self.start
        return self.arrays[at] if 0 <= at < len(self.arrays) else None

    def rows(self, size: int = 4096) -> Iterator[list[RawValue]]:
        """The rows as the calamine reader gives them: from row 1, padded on the left to the
        first column read, an empty cell as ''."""
        pad: list[RawValue] = [""] * self.start
        for at in range(0, self.height, size):
            cut = [array.slice(at, size).to_pylist() for array in self.arrays]
            for row in zip(*cut, strict=True):
                yield pad + ["" if v is None else v for v in row]

    def longest(self, cols: Sequence[int], first: int) -> int:
        """The most characters a cell of sheet columns ``cols`` holds from row ``first + 1``
        on (0: none)."""
        import pyarrow.compute as pc

        most = 0
        for col in cols:
            array = self.column(col)
            if array is None or first >= self.height:
                continue
            longest = pc.max(pc.utf8_length(array.slice(first))).as_py()
            most = max(most, longest or 0)
        return most

    def batches(self, cols: Sequence[int], first: int, size: int
                ) -> Iterator[tuple[list[int], list[Column]]]:
        """From row ``first + 1`` on, ``size`` rows at a time: the sheet row number of each row
        that holds a value in ``cols`` (the others are skipped, as the row reader skips blank
        rows), and each of ``cols`` for those rows, dictionary-encoded."""
        import pyarrow as pa
        import pyarrow.compute as pc

        for at in range(first, self.height, size):
            arrays = [self.column(col) for col in cols]
            sliced = [None if a is None else a.slice(at, size) for a in arrays]
            length = min(size, self.height - at)
            given = None
            for array in sliced:
                if array is None:
                    continue
                filled = pc.fill_null(pc.not_equal(array, ""), False)
                given = filled if given is None else pc.or_(given, filled)
            if given is None:
                continue
            kept = pc.indices_nonzero(given)
            numbers = [at + 1 + i for i in kept.to_pylist()]
            if not numbers:
                continue
            out: list[Column] = []
            for array in sliced:
                if array is None:
                    out.append(None)
                    continue
                picked = array if len(kept) == length else array.take(kept)
                encoded = picked.dictionary_encode()
                if isinstance(encoded, pa.ChunkedArray):  # pragma: no cover - one chunk
                    encoded = encoded.combine_chunks()
                out.append((encoded.indices.to_pylist(), encoded.dictionary.to_pylist()))
            yield numbers, out


def load(path: Path, sheet: str) -> Columns | None:
    """Sheet ``sheet`` of ``path`` read by fastexcel, every row sampled for its columns' types
    with mixing refused; None when a column holds anything but text (or fastexcel cannot read
    it: the calamine reader then reads it and says why)."""
    import fastexcel
    import pyarrow as pa

    try:
        reader = fastexcel.read_excel(str(path))
        loaded = reader.load_sheet(sheet, header_row=None, skip_rows=0,
                                   schema_sample_rows=None, dtype_coercion="strict")
        infos = loaded.available_columns()
        batch = loaded.to_arrow()
    except Exception:  # fastexcel raises its own types; the calamine reader says what is wrong
        return None
    text = (pa.string(), pa.large_string(), pa.null())
    if any(field.type not in text for field in batch.schema):
        return None
    starts = [info.absolute_index for info in infos]
    if starts != list(range(starts[0] if starts else 0, (starts[0] if starts else 0)
                            + len(starts))):
        return None  # columns not side by side: not a shape this reader pads for
    arrays = [column if column.type != pa.null() else column.cast(pa.string())
              for column in batch.columns]
    return Columns(arrays, starts[0] if starts else 0, batch.num_rows)
