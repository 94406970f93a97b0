"""The Plain English Mapping of one CPL version: the names people use for the hex ids on the
list, as SECAS's own mapping spreadsheet gives them.

One row per Current entry: its number, the company (the names register), the device type in
plain words, the model id, the entry's product name as the registry keeps it (the form's
``Product.name``, a correction, or what an import read from SECAS's history: see
``cplkit.core.products``; empty where there is none), the hardware version and the firmware.
Written as a workbook (XlsxWriter, rows spooled to a temporary folder, text as ``xlsx_text``
writes it: every cell text, never a formula) and as CSV (UTF-8, CRLF, formula-like cells
neutralised). It signs nothing and reads no files.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import tempfile
from collections.abc import Mapping, Sequence
from typing import Any

from cplkit.core import model as m
from cplkit.core.model import column_letter
from cplkit.core.text import safe_csv_cell
from cplkit.errors import OutputError
from cplkit.publications.xlsx_text import TEXT_STAYS_TEXT, refused, write_text

#: what each device type is called in plain words
PLAIN_DEVICE_TYPES: Mapping[str, str] = {
    "Communications Hub": "Communications hub",
    "Gas Smart Meter": "Gas meter",
    "Single Element Electricity Metering Equipment": "Electricity meter (single element)",
    "Twin Element Electricity Metering Equipment": "Electricity meter (twin element)",
    "Polyphase Electricity Metering Equipment": "Electricity meter (three-phase)",
    "HAN Connected Auxiliary Load Control Switch": "Load control switch",
    "Pre-Payment Interface Device": "Prepayment display (in-home display with prepayment "
                                    "controls)",
}

SHEET = "Plain English Mapping"
COLUMNS = ("Entry number", "Company", "Manufacturer id", "Device type", "Model id",
           "Product name", "Hardware version", "Firmware version", "SMETS/CHTS version")


def mapping_rows(version: m.CplVersion, companies: Mapping[str, str]) -> list[list[str]]:
    """The mapping's rows, header first, one per Current entry in entry-number order."""
    rows = [list(COLUMNS)]
    for entry in sorted(version.entries, key=lambda e: e.number or ""):
        if entry.status != m.Status.CURRENT or not entry.number:
            continue
        device_type = entry.device_type or ""
        manufacturer = entry.text(m.MANUFACTURER_ID) or ""
        rows.append([
            entry.number, companies.get(manufacturer, ""), manufacturer,
            PLAIN_DEVICE_TYPES.get(device_type, device_type), entry.text(m.MODEL_ID) or "",
            entry.product_name or "",
            f"{entry.text(m.HARDWARE_VERSION) or ''}:{entry.text(m.HARDWARE_REVISION) or ''}",
            entry.firmware_version or "", entry.spec_version or ""])
    return rows


def mapping_csv(rows: Sequence[Sequence[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in rows:
        writer.writerow([safe_csv_cell(c) for c in row])
    return buffer.getvalue().encode("utf-8")


def named_count(rows: Sequence[Sequence[str]]) -> int:
    """How many of the mapping's entries have a product name."""
    at = COLUMNS.index("Product name")
    return sum(1 for row in rows[1:] if row[at])


def mapping_xlsx(version: m.CplVersion, rows: Sequence[Sequence[str]]) -> bytes:
    """The mapping as a one-sheet workbook, every cell text (hex ids must not become numbers,
    nor a name a formula), stamped with the issue day so a version's mapping is the same
    bytes every build. Rows are spooled through a temporary folder, as the workbook's are, so
    a list of 100,000 entries costs its compressed file in memory, not its sheet."""
    from xlsxwriter import Workbook
    from xlsxwriter.exceptions import XlsxWriterException

    buffer = io.BytesIO()
    try:
        with tempfile.TemporaryDirectory(prefix="cplkit-mapping-") as spool:
            book = Workbook(buffer, {"constant_memory": True, "tmpdir": spool,
                                     **TEXT_STAYS_TEXT})
            book.set_properties({"created": dt.datetime.combine(version.issue_date, dt.time(),
                                                                dt.UTC)})
            _write_rows(book, version, rows)
            book.close()
    except (OSError, XlsxWriterException) as exc:
        # a full disk: while rows are spooled (OSError), or when they are gathered into the
        # workbook, which XlsxWriter reports as its own FileCreateError
        raise OutputError(f"cannot build the Plain English Mapping of version "
                          f"{version.number}: {exc}",
                          hint="free some disk space (temporary files) and run it again; "
                               "nothing was written") from None
    return buffer.getvalue()


#: the header's row (0-based), below the title, the note and a blank row
_HEADER_ROW = 3
#: the widest a column is made, in characters
_WIDEST = 60


def _write_rows(book: Any, version: m.CplVersion, rows: Sequence[Sequence[str]]) -> None:
    ws = book.add_worksheet(SHEET)
    plain = book.add_format()
    bold = book.add_format({"bold": True})
    text = book.add_format({"num_format": "@"})
    title = f"Plain English Mapping of the Central Products List, {version.label}"
    note = (f"{len(rows) - 1} Current entries; the registry names the product of "
            f"{named_count(rows)} of them (from the submission, a correction, or SECAS's "
            "history lines where the entry number, company and firmware pin the name down; "
            "an empty name where there is none).")
    # each column as wide as its longest value (up to a limit), the header row kept in view,
    # printed across the page: read on screen or paper, no value is cut
    for column in range(len(rows[0])):
        longest = max(len(row[column]) for row in rows)
        ws.set_column(column, column, min(longest, _WIDEST) + 2)
    ws.freeze_panes(_HEADER_ROW + 1, 1)
    ws.repeat_rows(_HEADER_ROW)
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    lines: list[tuple[Sequence[str], Any]] = [([title], plain), ([note], plain), ([], plain),
                                              (rows[0], bold)]
    for at, (cells, style) in enumerate([*lines, *((row, text) for row in rows[1:])]):
        for column, value in enumerate(cells):
            code = write_text(ws, at, column, value, style)
            if code:
                refused(code, f"{SHEET}!{column_letter(column + 1)}{at + 1}",
                        "the Plain English Mapping")


def plain_english_files(version: m.CplVersion,
                        companies: Mapping[str, str]) -> tuple[bytes, bytes]:
    """(workbook, CSV) of the version's Plain English Mapping."""
    rows = mapping_rows(version, companies)
    return mapping_xlsx(version, rows), mapping_csv(rows)
