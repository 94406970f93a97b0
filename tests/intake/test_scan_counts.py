"""The scan's folded counts: each equals the sum of the counts of every spelling it stands
for (as the scan counted them one by one before), on generated XML in chunks of any size; and
the scan's text hint (``Workbook.plain_text``) on sheets of each kind of cell.

It does not test the limits the counts are held to (tests/intake/test_bounds.py does)."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from cplkit.intake.limits import DEFAULT_LIMITS
from cplkit.intake.xlsx import Workbook, _Scanner
from tests.intake.workbooks import SHEET_CLOSE, SHEET_OPEN, inline_cell, write_workbook

#: the pieces a sheet's XML is made of here, every spelling the scan looks for among them
_PIECES = ["<row", ":row", "<c ", "<c>", ":c ", ":c>", "<f", ":f>", "hidden", "<", ":", ">",
           " ", "'", '"', "c", "r", "o", "w", "f", " t=\"s\">", " t='s' ", ' t="inlineStr">',
           ' t="n">', "x", "<v>1</v>", "</c>"]


def _one_by_one(xml: bytes) -> tuple[int, int, int]:
    """(rows, cells, formulas) as the scan counted them before folding."""
    return (xml.count(b"<row") + xml.count(b":row"),
            xml.count(b"<c ") + xml.count(b"<c>") + xml.count(b":c ") + xml.count(b":c>"),
            xml.count(b"<f") + xml.count(b":f"))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=200), st.integers(1, 64))
def test_folded_counts_are_the_spellings_counted_one_by_one(pieces: list[str],
                                                           size: int) -> None:
    xml = "".join(pieces).encode()
    scanner = _Scanner(DEFAULT_LIMITS.max_rows)
    for at in range(0, len(xml), size):
        scanner.feed(xml[at:at + size])
    scanner.feed(b"", final=True)
    assert (scanner.rows, scanner.cells, scanner.formulas) == _one_by_one(xml)


def _plain_text(tmp_path: Path, cells: bytes, row: bytes = b'<row r="1">') -> bool:
    path = write_workbook(tmp_path / "book.xlsx", SHEET_OPEN + row + cells + b"</row>"
                          + SHEET_CLOSE)
    book = Workbook(path, DEFAULT_LIMITS)
    try:
        return book.plain_text("Sheet1")
    finally:
        book.close()


def test_a_sheet_of_inline_and_shared_strings_is_plain_text(tmp_path: Path) -> None:
    assert _plain_text(tmp_path, inline_cell("A1", "x") + b'<c r="B1" t="s"><v>0</v></c>')


def test_a_number_a_formula_or_a_hidden_row_is_not_plain_text(tmp_path: Path) -> None:
    text = inline_cell("A1", "x")
    assert not _plain_text(tmp_path, text + b'<c r="B1"><v>1</v></c>')
    assert not _plain_text(tmp_path, text + b'<c r="B1" t="b"><v>1</v></c>')
    assert not _plain_text(tmp_path, text + b'<c r="B1" t="str"><f>A1</f><v>x</v></c>')
    assert not _plain_text(tmp_path, text + b'<c r="B1" t="inlineStr"><f>"x"</f>'
                           b"<is><t>x</t></is></c>")
    assert not _plain_text(tmp_path, text, b'<row r="1" hidden="1">')


def test_the_letters_of_a_formula_or_hidden_in_a_text_are_plain_text(tmp_path: Path) -> None:
    """The scan sees '<f' or 'hidden' and cannot tell: the walk of the sheet then says."""
    assert _plain_text(tmp_path, inline_cell("A1", "ff:ff") + inline_cell("B1", "hidden"))


def test_an_empty_sheet_is_not_plain_text(tmp_path: Path) -> None:
    assert not _plain_text(tmp_path, b"")
