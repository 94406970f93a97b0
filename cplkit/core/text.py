"""What leaves cplkit as plain data: an entry or history line as a JSON-ready dict, and a CSV
cell no spreadsheet will evaluate.

Pure functions shared by the publications (JSON export, CSV extract) and the listings, so an
entry reads the same in every file. Dates are ISO here; people's dd/mm/yyyy is
``model.as_text``'s default.
"""

from __future__ import annotations

from cplkit.core import model as m

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_csv_cell(value: str) -> str:
    """A CSV cell no spreadsheet will evaluate as a formula: a leading apostrophe where the text
    starts with =, +, -, @, a tab or a carriage return."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def entry_dict(entry: m.Entry) -> dict[str, str | None]:
    """An entry as JSON: every published field as issued (an imported entry's own spelling),
    dates in ISO form, empty fields null."""
    return {f: m.as_text(entry.get(f) if f in m.DATE_FIELDS else entry.published(f),
                         m.DateStyle.ISO) or None for f in m.PUBLISHED_FIELDS}


def history_dict(line: m.HistoryLine) -> dict[str, str]:
    return {"version": line.version, "date": line.date, "changes": line.changes}
