"""How SECAS's CPL workbook looks, as data: the one description the published workbook follows.

Column widths, frozen panes, the filter row, the shading of Current rows, header row heights,
the font size, the fills of the history and of the form's input cells, sheet protection and the
print setup of each of the four tabs, as SECAS's v2.051 has them (read with openpyxl; widths in
Excel's character units). ``apply`` sets them on an openpyxl write-only sheet before its first
row, which is when such a sheet must have them. What the cells say, and which cells are left
open for input, is ``cplkit.publications.workbook``'s job.

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
#: lighter); they are written as the colours they show, since the theme openpyxl writes has
#: other accents (its accent 6 is orange)
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
    #: what protection still allows on the tab (openpyxl's SheetProtection flags)
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
        allowed=frozenset({"formatCells", "formatColumns", "formatRows"})),
    LIST_SHEET: SheetLayout(
        {"A": 16.63, **_same(32.63, "BCEFGIJKLMNOPQRS"), "D": 37.63, "H": 37.63, "T": 72.63,
         "U": 72.63},
        freeze="C3", autofilter="A2:U2",
        heights={3: 87.0, 4: 150.0, 5: 30.0, 6: 55.0, 7: 147.0},
        shading=("C", "U", 8, '$C{row}="Current"'), landscape=True, title_rows="1:2",
        pages_across=3, font_size=8.0, allowed=frozenset({"autoFilter"})),
    CSV_SHEET: SheetLayout(
        {"A": 16.63, **_same(32.63, "BCEFGIJLM"), "D": 37.63, "H": 37.63, "K": 8.73},
        freeze="C2", landscape=True, title_rows="1:1", pages_across=2, font_size=8.0),
}


def apply(ws: Any, layout: SheetLayout, last_row: int) -> None:
    """Give the write-only sheet ``ws`` its layout (before any row is written); ``last_row``
    bounds the shading."""
    from openpyxl.formatting.rule import FormulaRule
    from openpyxl.styles import PatternFill

    for letter, width in layout.widths.items():
        ws.column_dimensions[letter].width = width
    for row, height in layout.heights.items():
        ws.row_dimensions[row].height = height
    if layout.freeze:
        ws.freeze_panes = layout.freeze
    for cells in layout.merged:
        ws.merged_cells.add(cells)
    if layout.autofilter:
        ws.auto_filter.ref = layout.autofilter
    if layout.shading and last_row >= layout.shading[2]:
        first, last, row, formula = layout.shading
        ws.conditional_formatting.add(
            f"{first}{row}:{last}{last_row}",
            FormulaRule(formula=[formula.format(row=row)],
                        fill=PatternFill("solid", fgColor=CURRENT_FILL)))
    if layout.landscape:
        ws.page_setup.orientation = "landscape"
    # every column fitted to a few pages' width (one page makes 21 columns unreadably small),
    # as many pages down as it takes
    ws.page_setup.fitToWidth = layout.pages_across
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    if layout.title_rows:
        ws.print_title_rows = layout.title_rows
    # protected as SECAS protects it, without a password (see the module's docstring)
    ws.protection.sheet = True
    ws.protection.objects = True
    ws.protection.scenarios = True
    for flag in layout.allowed:
        setattr(ws.protection, flag, False)


def solid_fill(colour: str) -> Any:
    """A solid fill of ``colour`` (RGB hex)."""
    from openpyxl.styles import PatternFill

    return PatternFill("solid", fgColor=colour)
