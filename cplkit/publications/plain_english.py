"""The Plain English Mapping of one CPL version: the names people use for the hex ids on the
list, as SECAS's own mapping spreadsheet gives them.

One row per Current entry: its number, the company (the names register), the device type in
plain words, the model id, the entry's product name as the registry keeps it (the form's
``Product.name``, a correction, or what an import read from SECAS's history: see
``cplkit.core.products``; empty where there is none), the hardware version and the firmware.
Written as a workbook (openpyxl, as the other publications; every cell text, never a formula)
and as CSV (UTF-8, CRLF, formula-like cells neutralised). It signs nothing and reads no files.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence

from cplkit.core import model as m
from cplkit.core.text import safe_csv_cell
from cplkit.errors import OutputError

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
    """The mapping as a one-sheet workbook, every cell text (hex ids must not become
    numbers)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Plain English Mapping")
    ws.append([f"Plain English Mapping of the Central Products List, {version.label}"])
    ws.append([f"{len(rows) - 1} Current entries; the registry names the product of "
               f"{named_count(rows)} of them (from the submission, a correction, or SECAS's "
               "history lines where the entry number, company and firmware pin the name down; "
               "an empty name where there is none)."])
    ws.append([])
    bold = Font(bold=True)
    header = []
    for name in rows[0]:
        cell = WriteOnlyCell(ws, value=name)
        cell.font = bold
        header.append(cell)
    ws.append(header)
    for row in rows[1:]:
        cells = []
        for value in row:
            cell = WriteOnlyCell(ws, value=value)
            cell.data_type = "s"  # never a formula, whatever a name starts with
            cell.number_format = "@"
            cells.append(cell)
        ws.append(cells)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def plain_english_files(version: m.CplVersion,
                        companies: Mapping[str, str]) -> tuple[bytes, bytes]:
    """(workbook, CSV) of the version's Plain English Mapping."""
    from lxml import etree

    rows = mapping_rows(version, companies)
    try:
        workbook = mapping_xlsx(version, rows)
    except (OSError, etree.LxmlError) as exc:
        # a write-only sheet is spooled through a temporary file: a full disk shows up here,
        # as lxml's error when the sheet's writer cannot write it
        raise OutputError(f"cannot build the Plain English Mapping of version "
                          f"{version.number}: {exc}",
                          hint="free some disk space (temporary files) and run it again; "
                               "nothing was written") from None
    return workbook, mapping_csv(rows)
