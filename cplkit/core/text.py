"""What leaves cplkit as plain data: an entry or history line as a JSON-ready dict, a CSV cell
no spreadsheet will evaluate, and text with its invisible characters made visible.

Pure functions shared by the publications (JSON export, CSV extract) and the listings, so an
entry reads the same in every file. Dates are ISO here; people's dd/mm/yyyy is
``model.as_text``'s default.
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
