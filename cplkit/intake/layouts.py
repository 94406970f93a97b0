"""Recognises which submission layout a sheet holds, by content, and streams its entries.

Three layouts, matched by their labels and never by fixed row or column numbers:

* ``new-entry-form``: SECAS's "CPL - New Entry" form; a header row "Data Group | Data Attribute",
  one field per row, the entry in the column headed "New Entry's Details" (G) and one more entry
  per further filled column;
* ``central-products-list``: the master list tab; header rows labelled in column A ("Data Group",
  "Data Attribute", ...), one field per column, one entry per row;
* ``table``: any sheet or CSV whose first row holds canonical field names, one entry per row.

On the New Entry form a label is also held to how SECAS's check finds it (``FindRangeWithTextH``
in its Sheet1 module: a regular expression, case-sensitive, matching one line of the cell, the
Data Group in the cell left of the Data Attribute). cplkit reads a label with case and spacing
folded, and by any one of its lines, but a row whose labels SECAS's check would not find is
CPL-F04: that check would read the field as empty.

It reports layout problems (CPL-F03 to F06) and turns rows into ``RawEntry`` records; it does
not check values.
"""

from __future__ import annotations

import itertools
import operator
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field

from cplkit.core import model as m
from cplkit.core.describe import form_label
from cplkit.core.findings import Code, Finding, Location, make_finding
from cplkit.core.model import Layout
from cplkit.core.ruleset import Ruleset, fold
from cplkit.core.secas import CONCATENATED_MODEL, CSV_COLUMNS, LIST_HEADER_LABELS
from cplkit.core.text import plural
from cplkit.intake.columnar import Columns
from cplkit.intake.limits import Limits
from cplkit.intake.sheets import SheetData, Unreadable

_HEAD_ROWS = 200
_LIST_HEADER_LABELS = frozenset(fold(x) for x in LIST_HEADER_LABELS)
#: columns of SECAS's CSV extract that repeat or derive published fields: known, not read
_DERIVED_COLUMNS = frozenset(fold(x) for x in (CSV_COLUMNS[0], CONCATENATED_MODEL))


@dataclass(frozen=True, slots=True)
class Column:
    """A header cell of a row layout: the canonical field it names, or None, and its label."""

    field: str | None
    label: str


def _text(value: m.RawValue) -> str:
    return value.strip() if isinstance(value, str) else ""


#: what ends a line for ``^`` and ``$`` of VBScript's RegExp with MultiLine set
_LINE_END = re.compile("[\r\n\u2028\u2029]")


def _lines(value: m.RawValue) -> list[str]:
    """A label cell's text, whole and line by line (a label may carry a note on its next line)."""
    if not isinstance(value, str):
        return []
    whole = value.strip()
    if not whole:
        return []
    lines = [line.strip() for line in _LINE_END.split(value)]
    return [whole, *(line for line in lines if line and line != whole)]


def secas_finds(group_cell: m.RawValue, attribute_cell: m.RawValue,
                label: tuple[str, str]) -> bool:
    """Whether SECAS's check finds ``label`` in these two cells: ``FindRangeWithTextH`` builds
    ``^label$`` (plus the label with ``_&_`` read as ``_and_``), with ``IgnoreCase = False`` and
    ``MultiLine = True``, and tests the group's cell and the cell to its right. So case and
    every space count, and one line of each cell must be the label exactly."""
    def found(cell: m.RawValue, text: str) -> bool:
        if not isinstance(cell, str):
            return False
        wanted = {text, text.replace("_&_", "_and_")}
        return any(line in wanted for line in _LINE_END.split(cell))
    return found(group_cell, label[0]) and found(attribute_cell, label[1])


@dataclass(slots=True)
class Labels:
    """How field names are found: by (Data Group, Data Attribute) pair or by canonical name."""

    by_pair: dict[tuple[str, str], str]
    by_name: dict[str, str]

    @staticmethod
    def of(ruleset: Ruleset) -> Labels:
        by_pair: dict[tuple[str, str], str] = {}
        by_name: dict[str, str] = {}
        for spec in ruleset.fields.values():
            by_name[fold(spec.name)] = spec.name
            for group, attribute in spec.labels:
                by_pair[(fold(group), fold(attribute))] = spec.name
                by_name[fold(f"{group}.{attribute}")] = spec.name
        return Labels(by_pair, by_name)

    def known_header(self, text: str) -> bool:
        return fold(text) in self.by_name


@dataclass(slots=True)
class Recognised:
    layout: Layout
    placement: m.Placement
    entries: Iterator[m.RawEntry]
    #: layout findings; streaming entries may add more (hidden rows), so read it afterwards
    findings: list[Finding] = field(default_factory=list)
    #: of a row layout, the same entries as (row number, the cells at the placement's
    #: positions, in its order): a reader takes either these or ``entries``, never both, as
    #: they share one stream (None: a New Entry form)
    rows: Iterator[tuple[int, tuple[m.RawValue, ...]]] | None = None
    #: of a row layout read column by column (``SheetData.columns``), the same rows again:
    #: the columns, and the index of the first row after the header (None: not read so, or
    #: a cell over the length limit, which the rows' reader names)
    columns: tuple[Columns, int] | None = None


def cell_at(row: list[m.RawValue], col: int) -> m.RawValue:
    """1-based column access; missing cells are empty."""
    return row[col - 1] if 0 < col <= len(row) else None


class BufferedSheet:
    """A sheet with its first rows buffered, so it can be classified and then streamed whole."""

    def __init__(self, data: SheetData) -> None:
        self.data = data
        self.head: list[list[m.RawValue]] = list(itertools.islice(data.rows, _HEAD_ROWS))

    def all_rows(self) -> Iterator[list[m.RawValue]]:
        return itertools.chain(self.head, self.data.rows)



class Recogniser:
    def __init__(self, ruleset: Ruleset, limits: Limits, file: str) -> None:
        self.ruleset = ruleset
        self.labels = Labels.of(ruleset)
        self.limits = limits
        self.file = file

    def finding(self, code: Code, message: str, sheet: str | None = None,
                cell: str | None = None, fld: str | None = None,
                hint: str | None = None, value: str | None = None) -> Finding:
        return make_finding(code, message, Location(self.file, None, sheet, cell, fld, value),
                            hint=hint)

    # -- classification -----------------------------------------------------------------------
    def classify(self, sheet: BufferedSheet) -> Layout | None:
        if self._form_header(sheet) is not None:
            return Layout.NEW_ENTRY_FORM
        if self._list_header(sheet) is not None:
            return Layout.CENTRAL_LIST
        if self._table_header(sheet) is not None:
            return Layout.TABLE
        return None

    def form_is_filled(self, sheet: BufferedSheet) -> bool:
        header = self._form_header(sheet)
        if header is None:
            return False
        row_index, value_col = header
        group: str | None = None
        for row in sheet.head[row_index + 1:]:
            group = _text(cell_at(row, 1)) or group
            name = self._form_field(row, group)
            spec = self.ruleset.fields.get(name or "")
            if spec is None or spec.allocated_by_secas:
                continue
            if any(cell_at(row, c) not in (None, "") for c in range(value_col, len(row) + 1)):
                return True
        return False

    def _form_header(self, sheet: BufferedSheet) -> tuple[int, int] | None:
        for i, row in enumerate(sheet.head):
            if fold(_text(cell_at(row, 1))) == "data group" and \
                    fold(_text(cell_at(row, 2))) == "data attribute":
                value_col = next((c for c in range(3, len(row) + 1)
                                  if "new entry" in fold(_text(row[c - 1]))), 7)
                return i, value_col
        return None

    def _list_header(self, sheet: BufferedSheet) -> tuple[int, int, int] | None:
        """(group row, attribute row, last header row), 0-based."""
        for i, row in enumerate(sheet.head[:-1]):
            if fold(_text(cell_at(row, 1))) == "data group" and \
                    fold(_text(cell_at(sheet.head[i + 1], 1))) == "data attribute":
                last = i + 1
                while last + 1 < len(sheet.head) and \
                        fold(_text(cell_at(sheet.head[last + 1], 1))) in _LIST_HEADER_LABELS:
                    last += 1
                return i, i + 1, last
        return None

    def _table_header(self, sheet: BufferedSheet) -> int | None:
        for i, row in enumerate(sheet.head[:10]):
            texts = [_text(v) for v in row]
            if not any(texts):
                continue
            known = sum(1 for t in texts if t and self.labels.known_header(t))
            return i if known >= 3 else None
        return None

    def _form_field(self, row: list[m.RawValue], group: str | None) -> str | None:
        groups = _lines(cell_at(row, 1)) or [group or ""]
        for group_text, attribute in itertools.product(groups, _lines(cell_at(row, 2))):
            name = self.labels.by_pair.get((fold(group_text), fold(attribute)))
            if name is not None:
                return name
        return None

    def _unfound_label(self, row: list[m.RawValue], number: int, name: str,
                       sheet: str | None) -> Finding | None:
        """CPL-F04 when SECAS's check would not find the row cplkit read ``name`` from."""
        spec = self.ruleset.fields[name]
        if spec.allocated_by_secas or spec.extension:
            return None  # SECAS's check reads neither
        group, attribute = form_label(spec)
        if secas_finds(cell_at(row, 1), cell_at(row, 2), (group, attribute)):
            return None
        written = f"'{_text(cell_at(row, 1))}' / '{_text(cell_at(row, 2))}'"
        return self.finding(
            Code.F04, f"SECAS's check would not find the row for {name}: row {number} is "
            f"labelled {written}, and it looks for '{group}' / '{attribute}' as written (case "
            "and spaces count, on one line of each cell), so it would read the field as empty; "
            "cplkit read the row", sheet, f"A{number}", name,
            hint=f"label the row '{group}' (column A) / '{attribute}' (column B) exactly, or "
                 "start from cplkit template")

    # -- layouts --------------------------------------------------------------------------------
    def recognise(self, sheet: BufferedSheet, layout: Layout) -> Recognised:
        if layout is Layout.NEW_ENTRY_FORM:
            return self._form(sheet)
        if layout is Layout.CENTRAL_LIST:
            header = self._list_header(sheet)
            assert header is not None
            group_row, attribute_row, last = header
            columns = self._columns_by_pairs(sheet, group_row, attribute_row)
            return self._rows_layout(sheet, Layout.CENTRAL_LIST, columns, last,
                                     submission=False)
        header_row = self._table_header(sheet)
        assert header_row is not None
        columns = self._columns_by_names(sheet, header_row)
        named = {c.field for c in columns.values()}
        submission = not {m.ENTRY_NUMBER, m.ENTRY_STATUS} <= named
        return self._rows_layout(sheet, Layout.TABLE, columns, header_row, submission=submission)

    def _expected(self, layout: Layout, submission: bool) -> list[str]:
        fields = [f for f in self.ruleset.fields.values() if not f.extension]
        if layout is Layout.NEW_ENTRY_FORM:
            return [f.name for f in fields if not f.allocated_by_secas]
        return [f.name for f in fields
                if f.published and not (submission and f.allocated_by_secas)]

    def _form(self, sheet: BufferedSheet) -> Recognised:
        data = sheet.data
        header = self._form_header(sheet)
        assert header is not None
        header_index, value_col = header
        findings: list[Finding] = []
        positions: dict[str, int] = {}
        group: str | None = None
        rows = list(itertools.chain(sheet.head[header_index + 1:], data.rows))
        if len(rows) > _HEAD_ROWS * 5:
            raise Unreadable(Code.F02, "the New Entry form runs to more than "
                             f"{_HEAD_ROWS * 5} rows; a form has about 40",
                             "use one form per submission, or a bulk table")
        skipped: set[str] = set()
        for offset, row in enumerate(rows):
            number = header_index + 2 + offset
            group = _text(cell_at(row, 1)) or group
            attribute = _text(cell_at(row, 2))
            if not attribute:
                continue
            name = self._form_field(row, group)
            ref = f"B{number}"
            if name is None:
                findings.append(self.finding(
                    Code.F05, f"row {number} ({group} / {attribute}) is not a CPL field; "
                    "ignored", data.name, ref, value=attribute))
                continue
            if number in data.hidden_rows:
                skipped.add(name)
                findings.append(self.finding(
                    Code.F06, f"row {number} ({name}) is hidden and was not read", data.name,
                    ref, name, hint="unhide the row (Format > Hide & Unhide) and check again"))
                continue
            if name in positions:
                findings.append(self.finding(
                    Code.F05, f"row {number} repeats {name} (first on row {positions[name]}); "
                    "ignored", data.name, ref, name))
                continue
            positions[name] = number
            unfound = self._unfound_label(row, number, name, data.name)
            if unfound is not None:
                findings.append(unfound)
        for name in self._expected(Layout.NEW_ENTRY_FORM, True):
            if name not in positions and name not in skipped:
                findings.append(self.finding(
                    Code.F04, f"the form has no row for {name}", data.name, None, name,
                    hint=f"add the row (Data Group / Data Attribute "
                         f"'{self.ruleset.fields[name].group}' / "
                         f"'{self.ruleset.fields[name].attribute}'), or start from cplkit "
                         "template"))
        width = max((len(r) for r in rows), default=0)
        columns = [value_col] + [
            c for c in range(value_col + 1, width + 1)
            if any(cell_at(rows[p - header_index - 2], c) not in (None, "")
                   for p in positions.values())
        ]
        placement = m.Placement(data.name, m.Orientation.COLUMN, positions, submission=True)
        entries: list[m.RawEntry] = []
        for col in columns:
            letter = m.column_letter(col)
            if col in data.hidden_columns:
                findings.append(self.finding(
                    Code.F06, f"column {letter} is hidden and holds an entry that was not read",
                    data.name, f"{letter}{header_index + 1}",
                    hint="unhide the column and check again"))
                continue
            values = {name: self._value(data, rows[p - header_index - 2], p, col)
                      for name, p in positions.items()}
            entries.append(m.RawEntry(len(entries) + 1, placement, col, values))
        return Recognised(Layout.NEW_ENTRY_FORM, placement, iter(entries), findings)

    def _value(self, data: SheetData, row: list[m.RawValue], row_number: int,
               col: int) -> m.RawValue:
        value = cell_at(row, col)
        if isinstance(value, str) and len(value) > self.limits.max_cell_chars:
            raise Unreadable(Code.F02, f"cell {m.column_letter(col)}{row_number}"
                             f"{' of sheet ' + repr(data.name) if data.name else ''} holds "
                             f"{len(value):,} characters, over the limit of "
                             f"{self.limits.max_cell_chars:,}",
                             "no CPL field is longer than 500 characters: remove the value")
        return value

    def _columns_by_pairs(self, sheet: BufferedSheet, group_row: int,
                          attribute_row: int) -> dict[int, Column]:
        groups, attributes = sheet.head[group_row], sheet.head[attribute_row]
        columns: dict[int, Column] = {}
        group = ""
        for col in range(2, max(len(groups), len(attributes)) + 1):
            group = _text(cell_at(groups, col)) or group
            attribute = _text(cell_at(attributes, col))
            if not attribute:
                continue
            name = self.labels.by_pair.get((fold(group), fold(attribute)))
            columns[col] = Column(name, f"{group} / {attribute}")
        return columns

    def _columns_by_names(self, sheet: BufferedSheet, header_row: int) -> dict[int, Column]:
        columns: dict[int, Column] = {}
        for col, value in enumerate(sheet.head[header_row], start=1):
            text = _text(value)
            if not text:
                continue
            if fold(text) in _DERIVED_COLUMNS:
                continue
            columns[col] = Column(self.labels.by_name.get(fold(text)), text)
        return columns

    def _rows_layout(self, sheet: BufferedSheet, layout: Layout, columns: Mapping[int, Column],
                     header_end: int, *, submission: bool) -> Recognised:
        data = sheet.data
        findings: list[Finding] = []
        header_row = header_end + 1  # 1-based number of the last header row
        positions: dict[str, int] = {}
        hidden_with_content: list[tuple[int, str]] = []
        for col, column in columns.items():
            letter = m.column_letter(col)
            name = column.field
            if name is None:
                findings.append(self.finding(
                    Code.F05, f"column {letter} ({column.label}) is not a CPL field; ignored",
                    data.name, f"{letter}{header_row}", value=column.label))
            elif col in data.hidden_columns:
                hidden_with_content.append((col, name))
            elif name in positions:
                findings.append(self.finding(
                    Code.F05, f"column {letter} repeats {name} (first in column "
                    f"{m.column_letter(positions[name])}); ignored", data.name,
                    f"{letter}{header_row}", name))
            else:
                positions[name] = col
        hidden_fields = {name for _, name in hidden_with_content}
        for col, name in hidden_with_content:
            letter = m.column_letter(col)
            findings.append(self.finding(
                Code.F06, f"column {letter} ({name}) is hidden and was not read",
                data.name, f"{letter}{header_row}", name,
                hint="unhide the column (Format > Hide & Unhide) and check again"))
        for name in self._expected(layout, submission):
            if name not in positions and name not in hidden_fields:
                findings.append(self.finding(
                    Code.F04, f"no column for {name}", data.name, None, name,
                    hint=f"add a column headed {name}"))
        placement = m.Placement(data.name, m.Orientation.ROW, positions, submission=submission)
        rows = self._stream_rows(sheet, placement, header_end + 1, findings)
        table = data.columns
        by_columns = None
        if table is not None and table.longest(list(positions.values()), header_end + 1
                                               ) <= self.limits.max_cell_chars:
            by_columns = (table, header_end + 1)
        return Recognised(layout, placement, _entries(placement, rows), findings, rows,
                          by_columns)

    def _stream_rows(self, sheet: BufferedSheet, placement: m.Placement, first: int,
                     findings: list[Finding]) -> Iterator[tuple[int, tuple[m.RawValue, ...]]]:
        """Each row that holds an entry: its number and its cells at the placement's
        positions; blank rows are skipped, and hidden ones noted in ``findings`` at the end."""
        data = sheet.data
        columns = [col - 1 for col in placement.positions.values()]
        reach = max(columns, default=-1) + 1
        pick = _picker(columns)
        limit = self.limits.max_cell_chars
        hidden = data.hidden_rows
        hidden_rows: list[int] = []
        # the hot loop of a bulk sheet's walk: list methods over each row, not a test per cell
        for number, row in enumerate(itertools.islice(sheet.all_rows(), first, None),
                                     start=first + 1):
            width = len(row)
            cells = (pick(row) if width >= reach
                     else tuple([row[c] if c < width else None for c in columns]))
            if cells.count("") + cells.count(None) == len(cells):
                if number in hidden and any(v not in (None, "") for v in row):
                    hidden_rows.append(number)
                continue
            if number in hidden:
                hidden_rows.append(number)
                continue
            for col, value in zip(columns, cells, strict=True):
                if isinstance(value, str) and len(value) > limit:
                    self._value(data, row, number, col + 1)  # raises, naming the cell
            yield number, cells
        if hidden_rows:
            shown = ", ".join(str(r) for r in hidden_rows[:10])
            more = f" and {len(hidden_rows) - 10} more" if len(hidden_rows) > 10 else ""
            findings.append(self.finding(
                Code.F06, f"{plural(len(hidden_rows), 'hidden row')} with content "
                f"{'was' if len(hidden_rows) == 1 else 'were'} not read: "
                f"{shown}{more}", data.name, f"A{hidden_rows[0]}",
                hint="unhide the rows (Format > Hide & Unhide) and check again, or delete them"))


def _entries(placement: m.Placement,
             rows: Iterator[tuple[int, tuple[m.RawValue, ...]]]) -> Iterator[m.RawEntry]:
    """The rows of a row layout as entries, numbered from 1."""
    names = list(placement.positions)
    for index, (number, cells) in enumerate(rows, start=1):
        yield m.RawEntry(index, placement, number, dict(zip(names, cells, strict=True)))


def _picker(columns: list[int]) -> Callable[[list[m.RawValue]], tuple[m.RawValue, ...]]:
    """The cells at ``columns`` (0-based) of a row wide enough to hold them all, as a tuple,
    taken in C: a bulk sheet's walk does this for every row."""
    if len(columns) == 1:  # itemgetter of one index gives the cell, not a tuple of it
        only = columns[0]
        return lambda row: (row[only],)
    if not columns:
        return lambda row: ()
    picked: Callable[[list[m.RawValue]], tuple[m.RawValue, ...]] = operator.itemgetter(*columns)
    return picked
