"""Text cells written with XlsxWriter that stay text: the workbook options that stop XlsxWriter
reading a string as a formula, a number or a link, the one way a text cell is written (so that
no value can add markup to the sheet), and what XlsxWriter's refusal of a cell means.

Used by every workbook cplkit publishes (``workbook``, ``plain_english``); it builds no workbook
itself, and knows no layout.
"""

from __future__ import annotations

from typing import Any

from cplkit.errors import OutputError

#: a string is text, whatever it starts with or looks like: never a formula, number or link
TEXT_STAYS_TEXT = {"strings_to_formulas": False, "strings_to_numbers": False,
                   "strings_to_urls": False}


def write_text(ws: Any, row: int, column: int, value: str, style: Any) -> int:
    """``value`` as a text cell at 0-based ``row``, ``column`` (an empty one as a styled blank
    cell); XlsxWriter's return code (``refused`` says what one means)."""
    if not value:
        return int(ws.write_blank(row, column, None, style))
    if value.startswith("<r>") and value.endswith("</r>"):
        # XlsxWriter takes a string shaped like this for the runs of a rich string and writes
        # it into the sheet unescaped: a value could then add cells, formulas among them. As
        # two runs of the cell's own font it is escaped like any text.
        return int(ws.write_rich_string(row, column, style, value[:1], style, value[1:], style))
    return int(ws.write_string(row, column, value, style))


def refused(code: int, where: str, what: str) -> None:
    """An ``OutputError`` naming cell ``where`` of ``what`` if XlsxWriter's ``code`` says it
    wrote nothing there (it writes the rest and says so only by the code)."""
    if code:
        why = ("longer than a cell holds (32,767 characters)" if code == -2
               else "beyond the last row or column of a sheet")
        raise OutputError(f"cannot write cell {where} of {what}: it is {why}",
                          hint="nothing was written")
