"""What leaves cplkit as plain data: an entry or history line as a JSON-ready dict, a CSV cell
no spreadsheet will evaluate, text with its invisible characters made visible, and why a free
text cannot be one line of an issued file.

Pure functions shared by the publications (JSON export, CSV extract), the listings, the change
files' readers and the names register, so an entry reads the same in every file and a free
text is judged by one rule wherever it enters. Dates are ISO here; people's dd/mm/yyyy is
``model.as_text``'s default. Nothing here decides what a field's format is (``core.normalise``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from cplkit.core import model as m

#: the key an entry's company name goes by beside its published fields
COMPANY = "company"

#: what must never reach a terminal, an XML report or a page as itself: control characters
#: (ESC starts terminal sequences; most are illegal in XML), surrogates, non-characters and the
#: marks that reorder text on screen
_INVISIBLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e"
                        "\u2066-\u2069\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]")


def visible(text: str) -> str:
    """``text`` with every invisible or control character written as a visible escape
    (``\\u001b``): safe to print on a terminal, in XML or in a page, and a reader sees it."""
    if not _INVISIBLE.search(text):
        return text
    return _INVISIBLE.sub(lambda match: f"\\u{ord(match.group()):04x}", text)


#: what cannot stand in one line of an issued file (a history item line, a reason, a company
#: name): every control character, line breaks (CR, LF, NEL and Unicode's line and paragraph
#: separators) among them, the marks that reorder text on screen, surrogates and non-characters
_NOT_ONE_LINE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e"
                           "\u2066-\u2069\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]")
_LINE_BREAKS = frozenset("\n\r\x0b\x0c\x85\u2028\u2029")

#: Excel's escape of a character in a cell: a workbook cell holding ``_x000D_`` reads as a
#: carriage return in Excel, so the text would show a line break where the issued file has none
_EXCEL_ESCAPE = re.compile("_x[0-9A-Fa-f]{4}_")

#: what to do about text ``not_one_line`` refuses, for a finding's or an error's hint
ONE_LINE_HINT = ("type it again as one line of plain text: no line breaks, tabs, other control "
                 "characters or direction marks (they come from copying out of other programs)")


def not_one_line(text: str) -> str | None:
    """Why ``text`` cannot be one line of an issued file, or None if it can.

    A free text (a removal's reason, a product or company name) is written into the history
    line, the workbook, the web page, the notice and the feed. A line break in it would start
    a line of its own there, one that can read as an entry the version never added; a control
    character cannot be written to a workbook or an XML file at all."""
    match = _NOT_ONE_LINE.search(text)
    if match is not None:
        character = match.group()
        what = "a line break" if character in _LINE_BREAKS else (
            "a tab" if character == "\t" else "the invisible character")
        return (f"holds {what} (U+{ord(character):04X}) at position {match.start() + 1}, "
                "which no line of an issued file may hold")
    escape = _EXCEL_ESCAPE.search(text)
    if escape is not None:
        return (f"holds '{escape.group()}' at position {escape.start() + 1}, which Excel reads "
                f"as the character U+{escape.group()[2:6].upper()}")
    return None


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_csv_cell(value: str) -> str:
    """A CSV cell no spreadsheet will evaluate as a formula: a leading apostrophe where the text
    starts with =, +, -, @, a tab or a carriage return."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def entry_dict(entry: m.Entry,
               companies: Mapping[str, str] | None = None) -> dict[str, str | None]:
    """An entry as JSON: every published field as issued (an imported entry's own spelling),
    dates in ISO form, empty fields null; with ``companies`` (the names register), also the
    company its manufacturer id names (null if none)."""
    out = {f: m.as_text(entry.get(f) if f in m.DATE_FIELDS else entry.published(f),
                        m.DateStyle.ISO) or None for f in m.PUBLISHED_FIELDS}
    if companies is not None:
        out[COMPANY] = company_of(entry, companies) or None
    return out


def company_of(entry: m.Entry, companies: Mapping[str, str]) -> str:
    """The company the names register gives the entry's manufacturer id ('' if none)."""
    return companies.get(entry.text(m.MANUFACTURER_ID) or "", "")


def company_label(manufacturer: str, companies: Mapping[str, str]) -> str:
    """'10:6C (EDMI)', or the id alone when the register names no company for it."""
    name = companies.get(manufacturer)
    return f"{manufacturer} ({name})" if name else manufacturer


def history_dict(line: m.HistoryLine) -> dict[str, str]:
    return {"version": line.version, "date": line.date, "changes": line.changes}


def plural(n: int, word: str, words: str | None = None) -> str:
    """'1 entry', '2 entries': a count with its noun."""
    return f"{n:,} {word if n == 1 else (words or word + 's')}"
