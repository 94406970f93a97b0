"""How SECAS's CPL workbook looks, as data: the one description the published workbook follows.

Column widths, frozen panes, the filter row, the shading of Current rows, header row heights,
the font size, the fills of the history and of the form's input cells, sheet protection and the
print setup of each of the four tabs, as SECAS's v2.051 has them (read with openpyxl; widths in
Excel's character units, heights in points). ``apply`` sets them on an XlsxWriter worksheet
before its first row, which is when a sheet written row by row must have them. What the cells
say, and which cells are left open for input, is ``cplkit.publications.workbook``'s job.

Protection is SECAS's: every tab is protected, and only the form's yellow and green input cells
are unlocked, with what SECAS leaves allowed on each tab (formatting on the form, the filter on
the list). Unlike SECAS's, it has no password. A sheet-protection password is no security: the
workbook is not encrypted, the "password" is a hash stored beside the cells and any tool (or a
text editor on the unzipped file) removes it, so it stops no one who means to edit. It only
stops the honest user who needs to, say, widen a column to print, and who would then have to
ask SECAS for it. Protection here says which cells are meant to be typed into; what proves a
workbook unaltered is the signed manifest of its version.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cplkit.core.secas import CONTROL_SHEET, CSV_SHEET, FORM_SHEET, LIST_SHEET

#: the fill of a Current entry's row on the list (SECAS shades them through a rule)
CURRENT_FILL = "E2EFDA"

#: SECAS's fills: the history rows (light yellow), the form's input cells (light green) and the
#: manufacturer image's hash and descriptor, which only an image's submitter fills (yellow).
#: SECAS gives them as theme colours with a tint (accent 4 and 6 of Office's theme, 80% and 60%
#: lighter); they are written as the colours they show, since the theme the workbook is written
#: with has other accents (Office 2007's: its accent 6 is orange)
HISTORY_FILL = "FFF2CC"
INPUT_FILL = "E2EFDA"
IMAGE_FILL = "FFE699"
IMAGE_INPUT_FIELDS = frozenset({"Manufacturer_Image.hash", "Manufacturer_Image.descriptor"})

#: the height of one line of wrapped text, in points, by font size (Calibri: 11 pt text takes
#: 15 pt lines, as Excel's default row; 8 pt text takes 11)
LINE_HEIGHTS: Mapping[float, float] = {11.0: 15.0, 8.0: 11.0}


@dataclass(frozen=True, slots=True)
class SheetLayout:
    widths: Mapping[str, float]
    freeze: str | None = None
    autofilter: str | None = None
    heights: Mapping[int, float] = field(default_factory=dict)
    #: the rule that shades a row: (first column, last column, first data row, formula)
    shading: tuple[str, str, int, str] | None = None
    landscape: bool = False
    title_rows: str | None = None  # repeated on every printed page
    merged: tuple[str, ...] = ()
    #: pages across that every column is fitted to when printed (more pages down as needed)
    pages_across: int = 1
    #: the size of every cell's font (headers bold; the titles set their own)
    font_size: float = 11.0
    #: what protection still allows on the tab (XlsxWriter's ``protect`` options)
    allowed: frozenset[str] = frozenset()

    @property
    def line_height(self) -> float:
        return LINE_HEIGHTS[self.font_size]

    def characters(self, letter: str) -> int:
        """How many characters of text a line of column ``letter`` surely holds: its width in
        characters of the default 11 pt font, more for a smaller one. Counting a character per
        unit of width leaves room for the words wrapping leaves at the end of each line."""
        width = self.widths.get(letter, 8.43)
        return max(1, int(width * 11.0 / self.font_size))


def _same(width: float, letters: str) -> dict[str, float]:
    return dict.fromkeys(letters, width)


LAYOUTS: Mapping[str, SheetLayout] = {
    CONTROL_SHEET: SheetLayout(
        {"A": 30.63, "B": 12.63, "C": 95.63},
        heights={1: 21.0, 3: 18.0, 5: 38.0, 6: 54.0, 8: 18.0, 10: 44.0},
        merged=("A5:C5", "A6:C6")),
    FORM_SHEET: SheetLayout(
        {"A": 24.63, "B": 21.63, "C": 41.63, "D": 30.63, "E": 28.63, "F": 23.63, "G": 40.63},
        freeze="A7", heights={1: 45.0, 3: 30.0, 4: 30.0}, merged=("A1:B1", "A3:G3", "A4:G4"),
        allowed=frozenset({"format_cells", "format_columns", "format_rows"})),
    LIST_SHEET: SheetLayout(
        {"A": 16.63, **_same(32.63, "BCEFGIJKLMNOPQRS"), "D": 37.63, "H": 37.63, "T": 72.63,
         "U": 72.63},
        freeze="C3", autofilter="A2:U2",
        heights={3: 87.0, 4: 150.0, 5: 30.0, 6: 55.0, 7: 147.0},
        shading=("C", "U", 8, '$C{row}="Current"'), landscape=True, title_rows="1:2",
        pages_across=3, font_size=8.0, allowed=frozenset({"autofilter"})),
    CSV_SHEET: SheetLayout(
        {"A": 16.63, **_same(32.63, "BCEFGIJLM"), "D": 37.63, "H": 37.63, "K": 8.73},
        freeze="C2", landscape=True, title_rows="1:1", pages_across=2, font_size=8.0),
}


#: the pixels of a digit of Calibri 11, by which XlsxWriter turns a column's pixels into the
#: characters it stores (floor(pixels * 256 / 7) / 256)
_DIGIT_PIXELS = 7


def _width_in_pixels(width: float) -> float:
    """A column width in characters as the pixels XlsxWriter stores as that width, to 1/256 of
    a character (Excel's own unit: SECAS's 30.63 is 30.6328125). ``set_column`` rounds to
    whole pixels first, which would store 30.63 as 30.57 or 30.71."""
    return round(width * 256) * _DIGIT_PIXELS / 256


def height_in_pixels(height: float) -> float:
    """A row height in points as XlsxWriter's pixels (0.75 pt each, stored as ``height``):
    ``set_row`` rounds to whole pixels, which would write 11 pt as 11.25."""
    return height / 0.75


def apply(book: Any, ws: Any, layout: SheetLayout, last_row: int) -> None:
    """Give the worksheet ``ws`` of the XlsxWriter workbook ``book`` its layout (before any row
    is written; merged cells are written with their rows); ``last_row`` (1-based) bounds the
    shading of Current rows."""
    for letter, width in layout.widths.items():
        ws.set_column_pixels(f"{letter}:{letter}", _width_in_pixels(width))
    if layout.freeze:
        ws.freeze_panes(layout.freeze)
    if layout.autofilter:
        ws.autofilter(layout.autofilter)
    if layout.shading and last_row >= layout.shading[2]:
        first, last, row, formula = layout.shading
        ws.conditional_format(f"{first}{row}:{last}{last_row}",
                              {"type": "formula", "criteria": "=" + formula.format(row=row),
                               "format": book.add_format(shading_fill())})
    if layout.landscape:
        ws.set_landscape()
    # every column fitted to a few pages' width (one page makes 21 columns unreadably small),
    # as many pages down as it takes
    ws.fit_to_pages(layout.pages_across, 0)
    if layout.title_rows:
        first_title, _, last_title = layout.title_rows.partition(":")
        ws.repeat_rows(int(first_title) - 1, int(last_title or first_title) - 1)
    # protected as SECAS protects it, without a password (see the module's docstring)
    ws.protect("", dict.fromkeys(layout.allowed, True))


def shading_fill() -> dict[str, str]:
    """The format of a Current entry's row, as a conditional format's fill (the background
    colour of a solid fill, as SECAS's workbook and Excel write one)."""
    return {"bg_color": "#" + CURRENT_FILL}


def solid_fill(colour: str) -> dict[str, Any]:
    """A solid fill of ``colour`` (RGB hex), as XlsxWriter format properties."""
    return {"pattern": 1, "bg_color": "#" + colour}
