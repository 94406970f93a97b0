"""Checks the rows of a table (a bulk sheet, a CSV file, a published list) in batches, with Python
objects only for the rows that have findings.

A bulk sheet of 100,000 rows repeats a few combinations of the values the rules read (device
type, versions, certificate, enumerated fields) and gives distinct values where the rules only
see that a value is there (firmware, image hash). So, per batch of rows, each column's distinct
values are normalised once (by the validator's own normalisers); a row whose every value is
already canonical with nothing to say ("clean") is grouped with the clean rows that give the
same values to the rules and the same fields; each group is judged once, by the validator, on
its first row, and its verdict placed on every other row of it as the validator places a verdict
it has already reached. A row with something to say about a value goes to the validator whole,
as it always did. A group whose verdict is no finding costs its rows nothing more than a tuple.

What the rows are then judged by is the validator itself (``Validator.check_all``), so the
findings are those it gives, row for row, in the same order; a differential test holds the two
paths to that. It does not read files (the rows come from ``cplkit.intake``), render, or decide
what a finding means for a file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import NamedTuple

from cplkit.core import model as m
from cplkit.core.findings import Finding, Location
from cplkit.core.normalise import Normalised, Normaliser, cell_keys, normalised_once
from cplkit.core.rules import inputs
from cplkit.core.ruleset import Ruleset
from cplkit.core.validate import Checked, Validator
from cplkit.core.wording import ITEM_LINE_FIELDS, one_line
from cplkit.intake.columnar import Column, Columns

#: a row as a reader gives it: its number, and its cells at the placement's positions
Row = tuple[int, tuple[m.RawValue, ...]]

#: group verdicts kept per table; the bound keeps memory flat on a table whose every row is its
#: own combination of the rules' inputs
_VERDICT_LIMIT = 8192

#: rows checked together: enough that a column's distinct values are normalised once for many
#: rows, few enough that a batch's Python objects stay small beside the reader's
BATCH_ROWS = 4096



class _Column(NamedTuple):
    """How one position of the placement is read: the field, how (a normaliser, or None for a
    field SECAS allocates on a submission, which only the validator judges), and its cache."""

    name: str
    normaliser: Normaliser | None
    cache: dict[object, Normalised]
    #: whether the rules read the value itself (else only whether it is given)
    shown: bool
    #: where the field sits among the entry key's fields (-1: not one of them)
    key_at: int


@dataclass(slots=True)
class Judged:
    """A batch of rows checked: the rows with findings, as the validator gives them, and the
    others, each by its entry number, row and entry key (``model.entry_key`` of its entry)."""

    checked: list[tuple[m.RawEntry, Checked]] = field(default_factory=list)
    clean: list[tuple[int, int, tuple[str | None, ...]]] = field(default_factory=list)


def applies(ruleset: Ruleset, placement: m.Placement) -> bool:
    """Whether a table of this layout can be checked in groups: a column the layout lacks may
    be needed by some entries, which the validator counts entry by entry (CPL-F04), so only
    a layout with every field of the ruleset (those SECAS allocates aside, on a submission)
    is."""
    positions = placement.positions
    return placement.orientation is m.Orientation.ROW and all(
        name in positions for name, spec in ruleset.fields.items()
        if not (spec.allocated_by_secas and placement.submission))


class TableCheck:
    """The rows of one table of one file, checked batch by batch with ``validator``."""

    def __init__(self, validator: Validator, placement: m.Placement) -> None:
        self.validator = validator
        self.placement = placement
        ruleset = validator.ruleset
        shown = inputs(ruleset)
        held = ITEM_LINE_FIELDS if placement.submission else frozenset()
        key_at = {name: i for i, name in enumerate(m.KEY_FIELDS)}
        self.names = tuple(placement.positions)
        columns: list[_Column | None] = []
        for name in self.names:
            spec = ruleset.fields.get(name)
            if spec is None:
                columns.append(None)  # not a field: the validator does not read it either
                continue
            normaliser: Normaliser | None = None
            if not (spec.allocated_by_secas and placement.submission):
                normaliser = validator.normalisers[name]
                if name in held:
                    normaliser = one_line(normaliser)
            columns.append(_Column(name, normaliser, {}, name in shown, key_at.get(name, -1)))
        self._columns = columns
        #: each combination of what the rules see of a clean row -> the findings on the first
        #: row that had it (empty: none)
        self._verdicts: dict[tuple[object, ...], tuple[Finding, ...]] = {}

    def check(self, rows: Sequence[Row], first: int) -> Judged:
        """Check ``rows``, the first of them entry number ``first`` of the file."""
        cells_of = list(zip(*(cells for _, cells in rows), strict=True)) if rows else []
        normalised = [None if column is None else _normalise(column, list(cells))
                      for column, cells in zip(self._columns, cells_of, strict=False)]
        return self._judge(len(rows), normalised, [number for number, _ in rows],
                           [cells for _, cells in rows].__getitem__, first)

    def check_encoded(self, numbers: Sequence[int], columns: Sequence[Column],
                      first: int) -> Judged:
        """Check rows given column by column (``columnar.Columns.batches``: each column of
        the placement's positions, in order, dictionary-encoded; row ``i`` is sheet row
        ``numbers[i]``), the first of them entry number ``first`` of the file. An empty cell
        is '' (None past the sheet's columns), as the row reader gives it."""
        count = len(numbers)
        normalised = [None if column is None else _normalise_encoded(column, data, count)
                      for column, data in zip(self._columns, columns, strict=True)]

        def cells_at(i: int) -> tuple[m.RawValue, ...]:
            out: list[m.RawValue] = []
            for data in columns:
                if data is None:
                    out.append(None)
                    continue
                at = data[0][i]
                out.append("" if at is None else data[1][at])
            return tuple(out)

        return self._judge(count, normalised, numbers, cells_at, first)

    def _judge(self, count: int,
               normalised: Sequence[tuple[Sequence[object], dict[object, m.Value | None],
                                          set[object]] | None],
               numbers: Sequence[int], cells_at: Callable[[int], tuple[m.RawValue, ...]],
               first: int) -> Judged:
        """The batch's rows judged, from each column's key per row, value per key and keys
        with something to say (``_normalise``); ``cells_at(i)``: row ``i``'s cells."""
        dirty: set[int] = set()
        #: per column, what a clean row's group key takes of it (the value, or whether given)
        seen: list[list[object]] = []
        #: per column, each row's normalised value (for the entry of a row with findings)
        values: list[tuple[str, list[m.Value | None]]] = []
        keys: list[list[str | None] | None] = [None] * len(m.KEY_FIELDS)
        for column, done in zip(self._columns, normalised, strict=True):
            if column is None or done is None:
                continue
            keyed, by_key, noisy = done
            if noisy:
                dirty.update(i for i, k in enumerate(keyed) if k in noisy)
            if column.normaliser is None:
                continue  # allocated by SECAS: not among the entry's values
            column_values = list(map(by_key.__getitem__, keyed))
            values.append((column.name, column_values))
            seen.append(list(column_values) if column.shown else
                        [value is not None for value in column_values])
            if column.key_at >= 0:
                keys[column.key_at] = [v if isinstance(v, str) else None for v in column_values]
        empty: list[str | None] = [None] * count
        entry_keys = list(zip(*(k if k is not None else empty for k in keys), strict=True))
        groups = list(zip(*seen, strict=True)) if seen else [()] * count
        out = Judged()
        validator, placement, names = self.validator, self.placement, self.names
        file = validator.file
        verdicts = self._verdicts
        passed: list[m.RawEntry] = []
        judged: dict[int, tuple[m.RawEntry, Checked]] = {}
        for i, (number, group) in enumerate(zip(numbers, groups, strict=True)):
            if i in dirty:
                passed.append(m.RawEntry(first + i, placement, number,
                                         dict(zip(names, cells_at(i), strict=True))))
                continue
            verdict = verdicts.get(group)
            if verdict is None:
                raw = m.RawEntry(first + i, placement, number, dict(zip(names, cells_at(i),
                                                                        strict=True)))
                checked = validator.check_all((raw,))[0]
                if len(verdicts) >= _VERDICT_LIMIT:
                    verdicts.clear()
                verdicts[group] = checked.findings
                if checked.findings:
                    judged[i] = (raw, checked)
                    continue
            elif verdict:
                raw = m.RawEntry(first + i, placement, number, dict(zip(names, cells_at(i),
                                                                        strict=True)))
                given: dict[str, m.Value] = {}
                for name, column_values in values:
                    value = column_values[i]
                    if value is not None:
                        given[name] = value
                entry = m.Entry(MappingProxyType(given))
                judged[i] = (raw, Checked(entry, tuple(
                    replace(f, at=Location.of(file, raw, f.at.field)) for f in verdict)))
                continue
            out.clean.append((first + i, number, entry_keys[i]))
        if passed:
            # together, as the validator normalises a batch a column at a time
            for raw, checked in zip(passed, validator.check_all(passed), strict=True):
                judged[raw.index - first] = (raw, checked)
        out.checked = [judged[i] for i in sorted(judged)]
        return out


def _normalise(column: _Column, cells: list[m.RawValue]
               ) -> tuple[list[object], dict[object, m.Value | None], set[object]]:
    """One column of a batch: each cell's key (text is its own; another type is part of the
    key, as 1, 1.0 and True are equal keys), each key's normalised value (None: empty), and
    the keys of cells that are not clean (the normaliser has something to say, or the field is
    SECAS's and given)."""
    keyed = cell_keys(cells)
    normalised, noisy = _normalise_values(column, dict(zip(keyed, cells, strict=True)).items())
    return keyed, normalised, noisy


def _normalise_encoded(column: _Column, data: Column, count: int
                       ) -> tuple[Sequence[object], dict[object, m.Value | None], set[object]]:
    """``_normalise`` of a dictionary-encoded column of ``count`` rows: a row's key is its
    index into the distinct values (None: an empty cell, or a column the sheet lacks)."""
    if data is None:
        return [None] * count, {None: None}, set()
    indices, distinct = data
    normalised, noisy = _normalise_values(column, enumerate(distinct))
    normalised[None] = None
    return indices, normalised, noisy


def _normalise_values(column: _Column, pairs: Iterable[tuple[object, m.RawValue]]
                      ) -> tuple[dict[object, m.Value | None], set[object]]:
    """Each key's normalised value, and the keys with something to say, for ``pairs`` of a
    key and its cell's value (text is cached by itself)."""
    normaliser, cache = column.normaliser, column.cache
    normalised: dict[object, m.Value | None] = {}
    noisy: set[object] = set()
    for key, value in pairs:
        if value is None or value == "":
            normalised[key] = None
            continue
        if normaliser is None:
            noisy.add(key)  # SECAS's own field, given: the validator says what of it
            normalised[key] = None
            continue
        result = normalised_once(cache, value if value.__class__ is str else key, value,
                                 normaliser)
        if result.problems or (result.value is None and not result.usable):
            noisy.add(key)
        normalised[key] = result.value
    return normalised, noisy


def check_rows(check: TableCheck, rows: Iterable[Row]) -> Iterable[Judged]:
    """``rows`` checked in batches of ``BATCH_ROWS`` (read at each call), numbered from 1."""
    size = BATCH_ROWS
    batch: list[Row] = []
    first = 1
    append: Callable[[Row], None] = batch.append
    for row in rows:
        append(row)
        if len(batch) >= size:
            yield check.check(batch, first)
            first += len(batch)
            batch = []
            append = batch.append
    if batch:
        yield check.check(batch, first)


def check_columns(check: TableCheck, table: Columns, start: int) -> Iterable[Judged]:
    """The rows of ``table`` from row index ``start`` on (the first after the header),
    checked in batches of ``BATCH_ROWS`` from their columns (``Columns.batches``), numbered
    from 1 as ``check_rows`` numbers them."""
    cols = list(check.placement.positions.values())
    first = 1
    for numbers, columns in table.batches(cols, start, BATCH_ROWS):
        yield check.check_encoded(numbers, columns, first)
        first += len(numbers)
