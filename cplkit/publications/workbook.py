"""SECAS's four-tab CPL workbook, without macros, for one issued version.

Version Control with the full history, a blank CPL - New Entry form (the same rows as
``cplkit template`` writes), the Central Products List and CPL - saveable in CSV. Written by
openpyxl in write-only mode, so a list of 100,000 entries streams out. Every value keeps its
type: text is text that no spreadsheet evaluates as a formula, dates are date cells shown
dd/mm/yyyy, and a number SECAS issued as a number stays one.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Mapping, Sequence
from typing import Any

from cplkit.core import model as m
from cplkit.core.describe import describe_fields
from cplkit.core.ruleset import Ruleset
from cplkit.core.secas import (
    CONTROL_SHEET,
    CSV_COLUMNS,
    CSV_SHEET,
    FORM_HEADER,
    FORM_SHEET,
    HISTORY_HEADER,
    LIST_HEADER_LABELS,
    LIST_SHEET,
)
from cplkit.core.secas_texts import SecasTexts
from cplkit.errors import OutputError
from cplkit.forms.cells import DATE_FORMAT, TEXT_FORMAT
from cplkit.forms.new_entry import ENTRY_COLUMNS, FORM_TITLE, form_rows, form_rules
from cplkit.publications.csv_extract import extract_row
from cplkit.publications.secas_layout import LAYOUTS, apply

LIST_TITLE = "Central Products List (CPL)"


def _history_date(text: str) -> dt.date | str:
    """A history line's date: a date, or the text SECAS wrote where it was not one."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return text


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


#: the usage notes of the Version Control tab and the New Entry tab's instructions, where
#: SECAS's workbook has its own (A5/A6, A3/A4)
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


#: where the Version Control tab's history starts, the characters a line of its changes
#: column holds, and the height of one line of text (points, the default font)
HISTORY_FIRST_ROW = 11
HISTORY_WIDTH = 95
LINE_HEIGHT = 15.0


def _lines(text: str, width: int) -> int:
    """How many lines ``text`` takes in a wrapped cell ``width`` characters wide."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").strip("\n").split("\n")
    return max(1, sum(max(1, -(-len(line) // width)) for line in lines))


def _wrapped(entries: Sequence[m.Entry], widths: Mapping[str, float]) -> list[bool]:
    """For each published field (columns B onwards of the list): whether its longest value is
    wider than the column, so its cells wrap and no printed cell is cut. The other columns stay
    plain cells, which a 72,900-entry list writes much faster."""
    from openpyxl.utils import get_column_letter

    out = []
    for index, name in enumerate(m.PUBLISHED_FIELDS, start=2):
        longest = max((len(m.as_text(e.published(name)) or "") for e in entries), default=0)
        out.append(longest > widths.get(get_column_letter(index), 8.43))
    return out


def _build(version: m.CplVersion, ruleset: Ruleset, secas: SecasTexts | None) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font

    wb = Workbook(write_only=True)

    wrapped = Alignment(wrap_text=True, vertical="top")

    def text(ws: Any, value: str, bold: bool = False, wrap: bool = False) -> Any:
        # openpyxl takes a plain string as a formula only when it starts with '='; those (and
        # styled headers) get a cell object forced to text, the rest stay plain: 2.5 million
        # cells of a large list write ten times faster that way
        if not (bold or wrap) and not value.startswith("="):
            return value or None
        cell = WriteOnlyCell(ws, value=value or None)
        cell.data_type = "s"  # never a formula, whatever the text starts with
        if bold:
            cell.font = Font(bold=True)
        if wrap:
            cell.alignment = wrapped
        return cell

    def value(ws: Any, issued: m.Issued | None) -> Any:
        """A cell of the type the value has: text stays text, a number a number, and a date a
        date cell shown dd/mm/yyyy, so Excel sorts and filters it."""
        if isinstance(issued, str):
            return text(ws, issued)
        if isinstance(issued, dt.date):
            cell = WriteOnlyCell(ws, value=issued)
            cell.number_format = DATE_FORMAT
            return cell
        return issued

    def reused(ws: Any, column: int, issued: m.Issued | None, wrap: bool) -> Any:
        """``value`` (or wrapped text) in the list's ``column``, for a large list: one styled
        cell per column and kind is filled in row after row. A write-only sheet writes a row's
        cells as it is appended, so the next row may reuse them, and openpyxl then registers
        the style once rather than for each of 300,000 cells."""
        if isinstance(issued, str) and wrap:
            kind = "wrap"
        elif isinstance(issued, dt.date):
            kind = "date"
        else:
            return value(ws, issued)
        cell = styled.get((column, kind))
        if cell is None:
            cell = styled[column, kind] = text(ws, "-", wrap=True) if kind == "wrap" else \
                value(ws, issued)
        cell.value = issued or None
        if kind == "wrap":
            cell.data_type = "s"  # never a formula, whatever the text starts with
        return cell

    styled: dict[tuple[int, str], Any] = {}

    control: Any = wb.create_sheet(CONTROL_SHEET)
    apply(control, LAYOUTS[CONTROL_SHEET], 0)
    # a write-only sheet cannot be measured after it is written, and spreadsheet programs keep
    # the height of a row they did not measure: each history row gets the height its lines need
    for at, line in enumerate(version.history, start=HISTORY_FIRST_ROW):
        control.row_dimensions[at].height = LINE_HEIGHT * _lines(line.changes, HISTORY_WIDTH)
    control.append([text(control, LIST_TITLE, bold=True)])
    control.append([])
    control.append([text(control, version.label, bold=True)])
    control.append([])
    control.append([text(control, USAGE_LIST, wrap=True)])
    control.append([text(control, USAGE_CSV, wrap=True)])
    control.append([])
    control.append([text(control, "Version History", bold=True)])
    control.append([])
    control.append([text(control, h, bold=True, wrap=True) for h in HISTORY_HEADER])
    for line in version.history:
        day = _history_date(line.date)
        issued = text(control, day, wrap=True) if isinstance(day, str) else value(control, day)
        if not isinstance(day, str):
            issued.alignment = wrapped  # at the top of its row, beside the first line
        control.append([text(control, line.version, wrap=True), issued,
                        text(control, line.changes, wrap=True)])  # every line of it shown

    form: Any = wb.create_sheet(FORM_SHEET)
    apply(form, LAYOUTS[FORM_SHEET], 0)
    form.append([text(form, FORM_TITLE, bold=True)])
    form.append([])
    form.append([text(form, FORM_HOW, wrap=True)])
    form.append([text(form, FORM_CHECK, wrap=True)])
    form.append([])
    form.append([text(form, h, bold=True) for h in FORM_HEADER])
    for description, cells in form_rows(ruleset):
        # the entry columns from G are ready to fill in, as in the template: Text (or date)
        # cells, so a manufacturer starting from a published workbook keeps leading zeros
        entry_cells = []
        for index in range(ENTRY_COLUMNS):
            cell = WriteOnlyCell(form, value=cells[-1] if index == 0 and cells[-1] else None)
            cell.data_type = "s"
            cell.number_format = DATE_FORMAT if description.spec.kind == "date" else TEXT_FORMAT
            entry_cells.append(cell)
        form.append([*(text(form, c) for c in cells[:-1]), *entry_cells])
    for rule in form_rules(ruleset):
        form.data_validations.append(rule)

    listing: Any = wb.create_sheet(LIST_SHEET)
    apply(listing, LAYOUTS[LIST_SHEET], len(LIST_HEADER_LABELS) + len(version.entries))
    described = {d.spec.name: d for d in describe_fields(ruleset)}
    columns = [described[name] for name in m.PUBLISHED_FIELDS]
    header_rows: dict[str, list[str]] = {
        "Data Group": [d.spec.group for d in columns],
        "Data Attribute": [d.spec.attribute for d in columns],
        "Conditionality rule": [d.conditionality for d in columns],
        "Format": [d.format for d in columns],
        "Valid values": ["\n".join(d.allowed) for d in columns],
    }
    for header in LIST_HEADER_LABELS:
        values = header_rows.get(header, [""] * len(columns))
        listing.append([text(listing, header, bold=True),
                        *(text(listing, v, wrap=True) for v in values)])
    wraps = _wrapped(version.entries, LAYOUTS[LIST_SHEET].widths)
    for entry in version.entries:
        listing.append([None, *(reused(listing, column, entry.published(n), wrap)
                                for column, (n, wrap) in enumerate(
                                    zip(m.PUBLISHED_FIELDS, wraps, strict=True)))])

    extract: Any = wb.create_sheet(CSV_SHEET)
    apply(extract, LAYOUTS[CSV_SHEET], 0)
    extract.append([text(extract, c) for c in CSV_COLUMNS])
    for entry in version.entries:
        row = extract_row(version.label, entry.published_values())
        extract.append([text(extract, v) for v in row])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
