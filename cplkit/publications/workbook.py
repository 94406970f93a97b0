"""SECAS's four-tab CPL workbook, without macros, for one issued version.

Version Control with the full history, a blank CPL - New Entry form (the same rows as
``cplkit template`` writes), the Central Products List and CPL - saveable in CSV. Written by
XlsxWriter in constant-memory mode, row by row to a file or a file object, so a list of 100,000
entries streams out. Every value keeps its type: text is text that no spreadsheet evaluates as
a formula (whatever it starts with, and whether or not it looks like a number or a link), dates
are date cells shown dd/mm/yyyy, and a number SECAS issued as a number stays one.

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
import os
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import IO, Any

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
    height_in_pixels,
    solid_fill,
)
from cplkit.publications.xlsx_text import TEXT_STAYS_TEXT, refused, write_text

LIST_TITLE = "Central Products List (CPL)"
#: every cell's font, as SECAS's
FONT = "Calibri"


def write_workbook(target: str | os.PathLike[str] | IO[bytes], version: m.CplVersion,
                   ruleset: Ruleset, secas: SecasTexts | None = None) -> None:
    """Write the workbook of ``version`` to ``target`` (a path, or a binary file object open
    for writing): with SECAS's own texts where the registry started from an import
    (``secas``), cplkit's texts from the ruleset otherwise. Rows are spooled through
    temporary files, removed however it ends, and ``target`` is written once they are all
    made; if that fails part way (a full disk), ``target`` holds part of a workbook, so a file
    is best written under a temporary name and renamed."""
    from xlsxwriter.exceptions import XlsxWriterException

    try:
        _build(target, version, ruleset, secas)
    except (OSError, XlsxWriterException) as exc:
        # rows are spooled through temporary files: a full disk shows up here
        raise OutputError(f"cannot build the workbook of version {version.number}: {exc}",
                          hint="free some disk space (temporary files) and run it "
                               "again") from None


def workbook_bytes(version: m.CplVersion, ruleset: Ruleset,
                   secas: SecasTexts | None = None) -> bytes:
    """The workbook of ``version``, as ``write_workbook`` writes it."""
    buffer = io.BytesIO()
    write_workbook(buffer, version, ruleset, secas)
    return buffer.getvalue()


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
    """A -> 1, AA -> 27."""
    from xlsxwriter.utility import xl_cell_to_rowcol

    return int(xl_cell_to_rowcol(f"{letter}1")[1]) + 1


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


class _Sheet:
    """One tab being written, row by row, as XlsxWriter's constant-memory mode needs: each row
    whole (its height first) before the next, never one already passed. Text is only ever
    written as text."""

    def __init__(self, book: Any, name: str, layout: SheetLayout, last_row: int = 0) -> None:
        self.ws = book.add_worksheet(name)
        self.name = name
        self.layout = layout
        apply(book, self.ws, layout, last_row)

    def height(self, row: int, points: float) -> None:
        """Row ``row`` (1-based) as tall as ``points``."""
        self.ws.set_row_pixels(row - 1, height_in_pixels(points))

    def text(self, row: int, column: int, value: str, style: Any) -> None:
        """``value`` as a text cell at ``row``, ``column`` (1-based); an empty one as a styled
        blank cell."""
        self._check(write_text(self.ws, row - 1, column - 1, value, style), row, column)

    def value(self, row: int, column: int, issued: m.Issued, styles: tuple[Any, Any, Any]
              ) -> None:
        """A value of a large table as a cell of its type, in the (text, date, number) style:
        text stays text, a number a number, a date a date cell shown dd/mm/yyyy."""
        if isinstance(issued, str):
            self.text(row, column, issued, styles[0])
        elif isinstance(issued, dt.date):
            self._check(self.ws.write_datetime(row - 1, column - 1, issued, styles[1]),
                        row, column)
        else:
            self._check(self.ws.write_number(row - 1, column - 1, issued, styles[2]),
                        row, column)

    def merge(self, cells: str, value: str, style: Any) -> None:
        self._check(self.ws.merge_range(cells, "", style), 0, 0)
        first_row, _, first_column = _split(cells.partition(":")[0])
        if value:
            self.text(first_row, first_column, value, style)

    def _check(self, code: int, row: int, column: int) -> None:
        if code:  # the cell's name made only for the message: this runs once a cell
            refused(code, f"{self.name}!{column_letter(column)}{row}" if row else self.name,
                    "the workbook")


def _split(ref: str) -> tuple[int, str, int]:
    letters = ref.rstrip("0123456789")
    return int(ref[len(letters):]), letters, column_index(letters)


class _Styles:
    """The cell formats of one workbook, each made once and shared by every cell that has it
    (a format per cell would be one per cell in the file)."""

    def __init__(self, book: Any) -> None:
        self.book = book
        self.made: dict[tuple[Any, ...], Any] = {}

    def __call__(self, size: float = 11.0, *, bold: bool = False, wrap: bool = True,
                 number_format: str | None = None, fill: str | None = None,
                 unlocked: bool = False) -> Any:
        key = (size, bold, wrap, number_format, fill, unlocked)
        if key not in self.made:
            # every cell at the top left of its row, as SECAS's: a label beside the first line
            # of the text it names, never beside its last; the font named, or LibreOffice
            # prints a serif font in a cell that has a size of its own
            properties: dict[str, Any] = {"font_name": FONT, "font_size": size, "bold": bold,
                                          "align": "left", "valign": "top",
                                          "text_wrap": wrap}
            if number_format:
                properties["num_format"] = number_format
            if fill:
                properties.update(solid_fill(fill))
            if unlocked:
                properties["locked"] = False
            self.made[key] = self.book.add_format(properties)
        return self.made[key]

    def values(self, size: float, wrap: bool) -> tuple[Any, Any, Any]:
        """The (text, date, number) styles of a table's column: a date cell never wraps."""
        return (self(size, wrap=wrap), self(size, wrap=False, number_format=DATE_FORMAT),
                self(size, wrap=wrap))


def _build(target: str | os.PathLike[str] | IO[bytes], version: m.CplVersion,
           ruleset: Ruleset, secas: SecasTexts | None) -> None:
    from xlsxwriter import Workbook

    texts = _cplkit_texts(ruleset) if secas is None else _secas_texts(ruleset, secas)
    # the rows are spooled in a directory of the workbook's own, which goes however the
    # writing ends; ``target`` is only written by ``close``, once every row is made
    with tempfile.TemporaryDirectory(prefix="cplkit-workbook-") as spool:
        book = Workbook(target, {"constant_memory": True, "tmpdir": spool, **TEXT_STAYS_TEXT})
        # stamped with the issue day, not the clock: the same version makes the same bytes
        book.set_properties({"created": dt.datetime.combine(version.issue_date, dt.time(),
                                                            dt.UTC)})
        styles = _Styles(book)
        _control_sheet(book, styles, version, texts, secas)
        _form_sheet(book, styles, texts)
        _list_sheet(book, styles, version, texts)
        _csv_sheet(book, styles, version)
        book.close()


def _header_rows(sheet: _Sheet, styles: _Styles, cells: Mapping[str, str],
                 fonts: Mapping[int, tuple[float, bool]], last: int,
                 merged: Mapping[str, str]) -> None:
    """Rows 1 to ``last`` of a tab from ``cells`` (by reference), each as tall as its wrapped
    text needs (at least as SECAS has it); ``merged`` gives the letters ('A:C') a merged cell's
    text spans when its height is worked out."""
    layout = sheet.layout
    grid: dict[int, dict[int, str]] = {}
    for ref, value in cells.items():
        row, _, column = _split(ref)
        grid.setdefault(row, {})[column] = value
    merges = {_split(r.partition(":")[0])[::2]: r for r in layout.merged}
    for row in range(1, last + 1):
        values = grid.get(row, {})
        size, bold = fonts.get(row, (11.0, False))
        spans = {merged.get(f"{column_letter(c)}{row}", column_letter(c)): v
                 for c, v in values.items()}
        # a title is one line, running on into the empty cells beside it; the rest wrap
        needed = (0.0 if not values else layout.line_height * size / 11.0 if size > 11.0
                  else _height(layout, spans))
        height = max(layout.heights.get(row, 0.0), needed)
        style = styles(size, bold=bold, wrap=size <= 11.0)
        if height:
            sheet.height(row, height)
        merging = {c: ref for (r, c), ref in merges.items() if r == row}
        for column in sorted(values.keys() | merging.keys()):
            if column in merging:
                sheet.merge(merging[column], values.get(column, ""), style)
            else:
                sheet.text(row, column, values[column], style)
        if height and not values and not merging:
            # a row is written with its first cell: a row of no cells would lose its height
            sheet.text(row, 1, "", style)


def _control_sheet(book: Any, styles: _Styles, version: m.CplVersion, texts: _Texts,
                   secas: SecasTexts | None) -> None:
    """Version Control: SECAS's texts (or cplkit's) above the full history, in SECAS's light
    yellow, each history row as tall as its lines (spreadsheet programs keep the height of a
    row they did not measure)."""
    sheet = _Sheet(book, CONTROL_SHEET, LAYOUTS[CONTROL_SHEET])
    _header_rows(sheet, styles, {**texts.control, LABEL_CELL: version.label}, CONTROL_FONTS,
                 HISTORY_HEADER_ROW, {f"A{r}": "A:C" for r in (5, 6)})
    text = styles(fill=HISTORY_FILL)
    date = styles(wrap=False, number_format=DATE_FORMAT, fill=HISTORY_FILL)
    for row, line in enumerate(version.history, start=HISTORY_FIRST_ROW):
        sheet.height(row, _height(sheet.layout, {"C": line.changes}))
        sheet.text(row, 1, line.version, text)
        sheet.value(row, 2, _history_date(line, secas), (text, date, text))
        sheet.text(row, 3, line.changes, text)  # every line of it shown


def _form_sheet(book: Any, styles: _Styles, texts: _Texts) -> None:
    """CPL - New Entry: the form's texts, then a row per field whose entry columns from G are
    ready to fill in, as in the template."""
    sheet = _Sheet(book, FORM_SHEET, LAYOUTS[FORM_SHEET])
    _header_rows(sheet, styles, texts.form_top, FORM_FONTS, FORM_HEADER_ROW,
                 {f"A{r}": "A:G" for r in (3, 4)})
    first = FORM_HEADER_ROW + 1
    for row, (description, cells) in enumerate(texts.form, start=first):
        spec = description.spec
        sheet.height(row, _height(sheet.layout, {column_letter(i): c
                                                 for i, c in enumerate(cells, start=1) if c}))
        for column, value in enumerate(cells[:-1], start=1):
            sheet.text(row, column, value, styles(bold=column == 1))
        # Text (or date) cells, so a manufacturer starting from a published workbook keeps
        # leading zeros; unlocked, SECAS's first column filled as SECAS fills it, and the rows
        # SECAS fills itself left locked
        number_format = DATE_FORMAT if spec.kind is FieldKind.DATE else TEXT_FORMAT
        entry, fill = styles(number_format=number_format), None
        if not spec.allocated_by_secas:
            fill = IMAGE_FILL if spec.name in IMAGE_INPUT_FIELDS else INPUT_FILL
            entry = styles(number_format=number_format, unlocked=True)
        sheet.text(row, 7, cells[-1], styles(number_format=number_format, fill=fill,
                                             unlocked=fill is not None))
        for column in range(8, 7 + ENTRY_COLUMNS):
            sheet.text(row, column, "", entry)
        rule = input_rule(description, f"G{row}:{column_letter(6 + ENTRY_COLUMNS)}{row}")
        if rule is not None:
            sheet.ws.data_validation(f"G{row}:{column_letter(6 + ENTRY_COLUMNS)}{row}",
                                     _validation(rule))
    sheet.ws.print_area(f"A1:G{first + len(texts.form) - 1}")


def _validation(rule: Any) -> dict[str, Any]:
    """The form's input rule (``cplkit.forms.new_entry.input_rule``, which the template writes
    with openpyxl) as XlsxWriter's data validation options."""
    options: dict[str, Any] = {
        "validate": rule.type, "ignore_blank": bool(rule.allow_blank),
        "show_input": bool(rule.showInputMessage), "show_error": bool(rule.showErrorMessage)}
    if rule.type == "list":
        # a list of values, in quotes and separated by commas, as XlsxWriter writes it again
        options["source"] = rule.formula1[1:-1].split(",")
    else:
        options["value"] = rule.formula1
    for key, value in (("input_title", rule.promptTitle), ("input_message", rule.prompt),
                       ("error_title", rule.errorTitle), ("error_message", rule.error),
                       ("error_type", rule.errorStyle)):
        if value:
            options[key] = value
    return options


def _list_sheet(book: Any, styles: _Styles, version: m.CplVersion, texts: _Texts) -> None:
    """Central Products List: SECAS's header rows, then a row per entry, its values as SECAS
    issued them; a column whose longest value is wider than the column wraps."""
    layout = LAYOUTS[LIST_SHEET]
    sheet = _Sheet(book, LIST_SHEET, layout, len(LIST_HEADER_LABELS) + len(version.entries))
    size = layout.font_size
    for row, label in enumerate(LIST_HEADER_LABELS, start=1):
        if row >= 3:
            spans = {column_letter(i): c[row - 1] for i, c in enumerate(texts.columns, start=2)
                     if c[row - 1]}
            sheet.height(row, max(layout.heights.get(row, 0.0), _height(layout, spans)))
        sheet.text(row, 1, label, styles(size, bold=True))
        header = styles(size, bold=row == 1)
        for column, texts_of_column in enumerate(texts.columns, start=2):
            sheet.text(row, column, texts_of_column[row - 1], header)
    columns = [(column, name, styles.values(size, wrap))
               for column, (name, wrap) in enumerate(
                   zip(m.PUBLISHED_FIELDS, _wrapped(version.entries, layout.widths),
                       strict=True), start=2)]
    _rows(sheet, len(LIST_HEADER_LABELS) + 1,
          ([(column, entry.published(name), style) for column, name, style in columns]
           for entry in version.entries))


def _csv_sheet(book: Any, styles: _Styles, version: m.CplVersion) -> None:
    """CPL - saveable in CSV: one header row, then the extract's rows (``csv_extract``)."""
    layout = LAYOUTS[CSV_SHEET]
    sheet = _Sheet(book, CSV_SHEET, layout)
    size = layout.font_size
    sheet.height(1, _height(layout, {column_letter(i): c
                                     for i, c in enumerate(CSV_COLUMNS, start=1)}))
    for column, name in enumerate(CSV_COLUMNS, start=1):
        sheet.text(1, column, name, styles(size, bold=True))
    style = styles.values(size, wrap=False)
    _rows(sheet, 2, ([(column, value, style) for column, value in enumerate(
        extract_row(version.label, entry.published_values()), start=1)]
        for entry in version.entries))


def _rows(sheet: _Sheet, first: int,
          rows: Iterable[Sequence[tuple[int, m.Issued | None, tuple[Any, Any, Any]]]]) -> None:
    """A large table's rows from row ``first``: each value as a cell of its type, none for an
    empty one."""
    for row, cells in enumerate(rows, start=first):
        for column, issued, style in cells:
            if issued is not None and issued != "":
                sheet.value(row, column, issued, style)
