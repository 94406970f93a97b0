"""SECAS's four-tab CPL workbook, without macros, for one issued version.

Version Control with the full history, a blank CPL - New Entry form (the same rows as
``cplkit template`` writes), the Central Products List and CPL - saveable in CSV. Written by
openpyxl in write-only mode, so a list of 100,000 entries streams out. Every value keeps its
type: text is text that no spreadsheet evaluates as a formula, dates are date cells shown
dd/mm/yyyy, and a number SECAS issued as a number stays one.

The texts are SECAS's own where the registry started from SECAS's workbook
(``cplkit.core.secas_texts``): title and usage notes, the form's instructions and every field
row's notes, conditionality, format and valid values, the list's header rows, and the history
dates SECAS wrote as text, which stay text. A registry that did not start from an import gets
cplkit's texts, written from the ruleset. Every cell sits at the top left of its row, and every
row with wrapped text is as tall as its lines, so LibreOffice and Excel print nothing on top of
the row below. The layout, fills and protection are SECAS's (``secas_layout``). What the
workbook does not do: keep SECAS's macro, or SECAS's sheet-protection password.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cplkit.core import model as m
from cplkit.core.describe import FieldDescription, describe_fields
from cplkit.core.ruleset import FieldKind, Ruleset
from cplkit.core.secas import (
    CONTROL_SHEET,
    CSV_COLUMNS,
    CSV_SHEET,
    FORM_HEADER,
    FORM_HEADER_ROW,
    FORM_SHEET,
    HISTORY_HEADER,
    LIST_HEADER_LABELS,
    LIST_SHEET,
)
from cplkit.core.secas_texts import SecasTexts
from cplkit.errors import OutputError
from cplkit.forms.cells import DATE_FORMAT, TEXT_FORMAT
from cplkit.forms.new_entry import ENTRY_COLUMNS, FORM_TITLE, field_note, form_rows, input_rule
from cplkit.publications.csv_extract import extract_row
from cplkit.publications.secas_layout import (
    HISTORY_FILL,
    IMAGE_FILL,
    IMAGE_INPUT_FIELDS,
    INPUT_FILL,
    LAYOUTS,
    SheetLayout,
    apply,
    solid_fill,
)

LIST_TITLE = "Central Products List (CPL)"
#: every cell's font, as SECAS's
FONT = "Calibri"


def workbook_bytes(version: m.CplVersion, ruleset: Ruleset,
                   secas: SecasTexts | None = None) -> bytes:
    """The workbook of ``version``: with SECAS's own texts where the registry started from an
    import (``secas``), cplkit's texts from the ruleset otherwise."""
    from lxml import etree

    try:
        return _build(version, ruleset, secas)
    except (OSError, etree.LxmlError) as exc:
        # write-only sheets are spooled through temporary files: a full disk shows up here
        raise OutputError(f"cannot build the workbook of version {version.number}: {exc}",
                          hint="free some disk space (temporary files) and run it again; "
                               "nothing was written") from None


#: cplkit's own texts, for a registry that did not start from an import: the usage notes of
#: the Version Control tab and the New Entry tab's instructions, where SECAS's workbook has its
#: own (A5/A6, A3/A4)
USAGE_LIST = ("Only the entries marked Current on the Central Products List tab are on the CPL. "
              "To submit a new entry, fill in the CPL - New Entry tab (or cplkit's template) "
              "and send it to SECAS; check it first with 'cplkit check FILE'.")
USAGE_CSV = ("The CPL - saveable in CSV tab holds every entry in one table under a single "
             "header row, ready to save as CSV. That this workbook is the one issued can be "
             "checked with the signed manifest of its version: cplkit verify manifest-N.xml "
             "--trust CERT.")
FORM_HOW = ("One entry per column, from column G: pick values from the dropdowns and type hex "
            "values as they are (the cells are Text, so leading zeros stay); the grey cells "
            "are for SECAS.")
FORM_CHECK = ("Before sending the form to SECAS, check it: cplkit check FILE lists every "
              "problem with the cell to correct.")


#: the Version Control tab: where the label sits, the history table's header row and its
#: first line (the rows above are SECAS's texts or cplkit's)
LABEL_CELL = "A3"
HISTORY_HEADER_ROW = 10
HISTORY_FIRST_ROW = 11
#: the rows of the tabs' titles and headings, with their font (size, bold) as SECAS has them
CONTROL_FONTS: Mapping[int, tuple[float, bool]] = {
    1: (16.0, True), 3: (14.0, False), 8: (14.0, True), HISTORY_HEADER_ROW: (11.0, True)}
FORM_FONTS: Mapping[int, tuple[float, bool]] = {1: (16.0, True), FORM_HEADER_ROW: (11.0, True)}


def _lines(text: str, width: int) -> int:
    """How many lines ``text`` takes in a wrapped cell ``width`` characters wide."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").strip("\n").split("\n")
    return max(1, sum(max(1, -(-len(line) // width)) for line in lines))


def _height(layout: SheetLayout, texts: Mapping[str, str]) -> float:
    """The height of a row whose wrapped cells hold ``texts`` (by column letter, or letters
    'A:C' of merged columns): the tallest cell's lines, so no text runs into the row below."""
    lines = 1
    for letters, text in texts.items():
        first, _, last = letters.partition(":")
        span = [column_letter(c) for c in range(column_index(first),
                                                 column_index(last or first) + 1)]
        lines = max(lines, _lines(text, sum(layout.characters(c) for c in span)))
    return lines * layout.line_height


def column_index(letter: str) -> int:
    from openpyxl.utils import column_index_from_string

    return int(column_index_from_string(letter))


def column_letter(index: int) -> str:
    return m.column_letter(index)


def _wrapped(entries: Sequence[m.Entry], widths: Mapping[str, float]) -> list[bool]:
    """For each published field (columns B onwards of the list): whether its longest value is
    wider than the column, so its cells wrap and no printed cell is cut."""
    out = []
    for index, name in enumerate(m.PUBLISHED_FIELDS, start=2):
        longest = max((len(m.as_text(e.published(name)) or "") for e in entries), default=0)
        out.append(longest > widths.get(column_letter(index), 8.43))
    return out


def _secas_values(theirs: str, allowed: Sequence[str], ours: str) -> str:
    """SECAS's Valid values text, unless the ruleset now accepts a value it leaves out: a list
    that misses an accepted value would send a submitter astray, so cplkit's list replaces it."""
    return theirs if all(value in theirs for value in allowed) else ours


@dataclass(frozen=True, slots=True)
class _Texts:
    """What the tabs' header cells say: SECAS's own texts, or cplkit's."""

    #: Version Control cells above the history, by cell (the label's cell aside)
    control: Mapping[str, str]
    #: the New Entry tab above its field rows, by cell
    form_top: Mapping[str, str]
    #: the New Entry tab's field rows, columns A-G
    form: Sequence[tuple[FieldDescription, Sequence[str]]]
    #: the list's header rows 1-7 of each published column (B-U)
    columns: Sequence[Sequence[str]]


def _cplkit_texts(ruleset: Ruleset) -> _Texts:
    control = {"A1": LIST_TITLE, "A5": USAGE_LIST, "A6": USAGE_CSV, "A8": "Version History",
               **{f"{column_letter(i)}{HISTORY_HEADER_ROW}": h
                  for i, h in enumerate(HISTORY_HEADER, start=1)}}
    form_top = {"A1": FORM_TITLE, "A3": FORM_HOW, "A4": FORM_CHECK,
                **{f"{column_letter(i)}{FORM_HEADER_ROW}": h
                   for i, h in enumerate(FORM_HEADER, start=1)}}
    described = {d.spec.name: d for d in describe_fields(ruleset)}
    columns = [[d.spec.group, d.spec.attribute, field_note(ruleset, d.spec), d.conditionality,
                "", d.format, "\n".join(d.allowed)]
               for d in (described[name] for name in m.PUBLISHED_FIELDS)]
    return _Texts(control, form_top, form_rows(ruleset), columns)


def _secas_texts(ruleset: Ruleset, secas: SecasTexts) -> _Texts:
    """SECAS's texts where SECAS wrote one; cplkit's for a field SECAS never described. A field
    of cplkit's own (not on SECAS's form) is left off the form, as SECAS's form has it not."""
    ours = _cplkit_texts(ruleset)
    control = {cell: text for cell, text in secas.control.items()
               if cell != LABEL_CELL and _row(cell) < HISTORY_FIRST_ROW}
    form_top = {cell: text for cell, text in secas.form_top.items()
                if _row(cell) <= FORM_HEADER_ROW}
    form = []
    for description, cells in ours.form:
        theirs = secas.form_fields.get((cells[0], cells[1]))
        if theirs is None:
            if not description.spec.extension:
                form.append((description, cells))
            continue
        form.append((description, [cells[0], cells[1], theirs.notes, theirs.conditionality,
                                   theirs.format,
                                   _secas_values(theirs.valid_values, description.allowed,
                                                 cells[5]), cells[6]]))
    described = {d.spec.name: d for d in describe_fields(ruleset)}
    columns = []
    for name, generated in zip(m.PUBLISHED_FIELDS, ours.columns, strict=True):
        column = secas.list_columns.get((generated[0], generated[1]))
        if column is None:
            columns.append(generated)
            continue
        columns.append([generated[0], generated[1], column.notes, column.conditionality,
                        column.source, column.format,
                        _secas_values(column.valid_values, described[name].allowed,
                                      generated[6])])
    return _Texts(control, form_top, form, columns)


def _row(cell: str) -> int:
    return int(cell.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))


def _history_date(line: m.HistoryLine, secas: SecasTexts | None) -> dt.date | str:
    """A history line's date cell: the text SECAS wrote where its cell held text; in a
    registry that started from SECAS's workbook, where every date was text, a later line's
    date as text dd/mm/yyyy too, so the column stays of one kind; a date cell otherwise (and
    the text SECAS wrote where it was not a date)."""
    if secas is not None and line.version in secas.history_dates:
        return secas.history_dates[line.version]
    try:
        day = dt.date.fromisoformat(line.date)
    except ValueError:
        return line.date
    if secas is not None and secas.history_dates:
        return day.strftime("%d/%m/%Y")
    return day


def _build(version: m.CplVersion, ruleset: Ruleset, secas: SecasTexts | None) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font, Protection

    wb = Workbook(write_only=True)
    texts = _cplkit_texts(ruleset) if secas is None else _secas_texts(ruleset, secas)
    # every cell at the top left of its row, as SECAS's: a label beside the first line of the
    # text it names, never beside its last
    top = Alignment(horizontal="left", vertical="top")
    wrapped = Alignment(horizontal="left", vertical="top", wrap_text=True)
    open_cell = Protection(locked=False)

    fonts: dict[tuple[float, bool], Any] = {}

    def font(size: float, bold: bool = False) -> Any:
        # named, or LibreOffice prints a serif font in a cell that has a size of its own
        if (size, bold) not in fonts:
            fonts[size, bold] = Font(name=FONT, size=size, bold=bold)
        return fonts[size, bold]

    def text(ws: Any, value: str, *, size: float = 11.0, bold: bool = False,
             wrap: bool = True) -> Any:
        cell = WriteOnlyCell(ws, value=value or None)
        cell.data_type = "s"  # never a formula, whatever the text starts with
        cell.font = font(size, bold)
        cell.alignment = wrapped if wrap else top
        return cell

    def dated(ws: Any, day: dt.date, size: float = 11.0) -> Any:
        cell = WriteOnlyCell(ws, value=day)
        cell.number_format = DATE_FORMAT
        cell.alignment = top
        cell.font = font(size)
        return cell

    styled: dict[tuple[str, int, str], Any] = {}

    def reused(ws: Any, tab: str, column: int, issued: m.Issued | None, wrap: bool,
               size: float) -> Any:
        """A value of a large table as a cell of its type (text stays text, a number a number,
        a date a date cell shown dd/mm/yyyy), at the top of its row. One styled cell per
        column and kind is filled in row after row: a write-only sheet writes a row's cells as
        it is appended, so the next row may reuse them, and openpyxl then registers the style
        once rather than for each of 300,000 cells."""
        if issued is None or issued == "":
            return None
        kind = "date" if isinstance(issued, dt.date) else "text" if isinstance(
            issued, str) else "number"
        cell = styled.get((tab, column, kind))
        if cell is None:
            if kind == "date":
                cell = dated(ws, dt.date(2000, 1, 1), size)
            else:
                cell = WriteOnlyCell(ws, value=None)
                cell.font = font(size)
                cell.alignment = wrapped if wrap else top
            styled[tab, column, kind] = cell
        cell.value = issued
        if kind == "text":
            cell.data_type = "s"  # never a formula, whatever the text starts with
        return cell

    def header_rows(ws: Any, layout: SheetLayout, cells: Mapping[str, str],
                    fonts: Mapping[int, tuple[float, bool]], last: int,
                    merged: Mapping[str, str]) -> None:
        """Rows 1 to ``last`` of a tab from ``cells`` (by reference), each as tall as its
        wrapped text needs (at least as SECAS has it)."""
        grid: dict[int, dict[int, str]] = {}
        for ref, value in cells.items():
            row, column = _row(ref), column_index(ref.rstrip("0123456789"))
            grid.setdefault(row, {})[column] = value
        for row in range(1, last + 1):
            values = grid.get(row, {})
            size, bold = fonts.get(row, (11.0, False))
            spans = {merged.get(f"{column_letter(c)}{row}", column_letter(c)): v
                     for c, v in values.items()}
            # a title is one line, running on into the empty cells beside it; the rest wrap
            needed = (0.0 if not values else layout.line_height * size / 11.0 if size > 11.0
                      else _height(layout, spans))
            height = max(layout.heights.get(row, 0.0), needed)
            if height:
                ws.row_dimensions[row].height = height
        for row in range(1, last + 1):
            values = grid.get(row, {})
            size, bold = fonts.get(row, (11.0, False))
            width = max(values, default=0)
            ws.append([text(ws, values[c], size=size, bold=bold, wrap=size <= 11.0)
                       if c in values else None for c in range(1, width + 1)])

    # -- Version Control ----------------------------------------------------------------------
    layout = LAYOUTS[CONTROL_SHEET]
    control: Any = wb.create_sheet(CONTROL_SHEET)
    apply(control, layout, 0)
    history_fill = solid_fill(HISTORY_FILL)
    # a write-only sheet cannot be measured after it is written, and spreadsheet programs keep
    # the height of a row they did not measure: each history row gets the height its lines need
    for at, line in enumerate(version.history, start=HISTORY_FIRST_ROW):
        control.row_dimensions[at].height = _height(layout, {"C": line.changes})
    header_rows(control, layout, {**texts.control, LABEL_CELL: version.label}, CONTROL_FONTS,
                HISTORY_HEADER_ROW, {f"A{r}": "A:C" for r in (5, 6)})
    for line in version.history:
        day = _history_date(line, secas)
        history_cells = [text(control, line.version),
                         text(control, day) if isinstance(day, str) else dated(control, day),
                         text(control, line.changes)]  # every line of it shown
        for cell in history_cells:
            cell.fill = history_fill  # SECAS's light yellow
        control.append(history_cells)

    # -- CPL - New Entry ----------------------------------------------------------------------
    layout = LAYOUTS[FORM_SHEET]
    form: Any = wb.create_sheet(FORM_SHEET)
    apply(form, layout, 0)
    first = FORM_HEADER_ROW + 1
    for at, (_, cells) in enumerate(texts.form, start=first):
        form.row_dimensions[at].height = _height(
            layout, {column_letter(i): c for i, c in enumerate(cells, start=1) if c})
    header_rows(form, layout, texts.form_top, FORM_FONTS, FORM_HEADER_ROW,
                {f"A{r}": "A:G" for r in (3, 4)})
    input_fill, image_fill = solid_fill(INPUT_FILL), solid_fill(IMAGE_FILL)
    for description, cells in texts.form:
        spec = description.spec
        # the entry columns from G are ready to fill in, as in the template: Text (or date)
        # cells, so a manufacturer starting from a published workbook keeps leading zeros;
        # unlocked, SECAS's first column filled as SECAS fills it, and the rows SECAS fills
        # itself left locked
        entry_cells = []
        for index in range(ENTRY_COLUMNS):
            cell = WriteOnlyCell(form, value=cells[-1] if index == 0 and cells[-1] else None)
            cell.data_type = "s"
            cell.number_format = DATE_FORMAT if spec.kind is FieldKind.DATE else TEXT_FORMAT
            cell.alignment = wrapped
            cell.font = font(11.0)
            if not spec.allocated_by_secas:
                cell.protection = open_cell
                if index == 0:
                    cell.fill = image_fill if spec.name in IMAGE_INPUT_FIELDS else input_fill
            entry_cells.append(cell)
        form.append([*(text(form, c, bold=i == 0) for i, c in enumerate(cells[:-1])),
                     *entry_cells])
    for at, (description, _) in enumerate(texts.form, start=first):
        rule = input_rule(description, f"G{at}:{column_letter(6 + ENTRY_COLUMNS)}{at}")
        if rule is not None:
            form.data_validations.append(rule)
    form.print_area = f"A1:G{first + len(texts.form) - 1}"

    # -- Central Products List ----------------------------------------------------------------
    layout = LAYOUTS[LIST_SHEET]
    listing: Any = wb.create_sheet(LIST_SHEET)
    apply(listing, layout, len(LIST_HEADER_LABELS) + len(version.entries))
    size = layout.font_size
    for row in range(3, len(LIST_HEADER_LABELS) + 1):
        spans = {column_letter(i): c[row - 1] for i, c in enumerate(texts.columns, start=2)
                 if c[row - 1]}
        listing.row_dimensions[row].height = max(layout.heights.get(row, 0.0),
                                                 _height(layout, spans))
    for row, label in enumerate(LIST_HEADER_LABELS):
        listing.append([text(listing, label, size=size, bold=True),
                        *(text(listing, c[row], size=size, bold=row == 0)
                          for c in texts.columns)])
    wraps = _wrapped(version.entries, layout.widths)
    for entry in version.entries:
        listing.append([None, *(reused(listing, "list", column, entry.published(n), wrap, size)
                                for column, (n, wrap) in enumerate(
                                    zip(m.PUBLISHED_FIELDS, wraps, strict=True)))])

    # -- CPL - saveable in CSV ----------------------------------------------------------------
    layout = LAYOUTS[CSV_SHEET]
    extract: Any = wb.create_sheet(CSV_SHEET)
    apply(extract, layout, 0)
    size = layout.font_size
    extract.row_dimensions[1].height = _height(
        layout, {column_letter(i): c for i, c in enumerate(CSV_COLUMNS, start=1)})
    extract.append([text(extract, c, size=size, bold=True) for c in CSV_COLUMNS])
    for entry in version.entries:
        values = extract_row(version.label, entry.published_values())
        extract.append([reused(extract, "csv", column, v, False, size)
                        for column, v in enumerate(values)])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
