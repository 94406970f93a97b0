"""SECAS's 'CPL - saveable in CSV' extract: the DCC-relevant columns, hex without colons.

13 columns in SECAS's order, one header row, the version label repeated on every row, CRLF
lines. The same rows fill the workbook's CSV tab. A cell a spreadsheet would evaluate gets a
leading apostrophe. Signing it is ``cplkit.signing.cms``'s job.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping

from cplkit.core import model as m
from cplkit.core.secas import CONCATENATED_MODEL, CSV_COLUMNS
from cplkit.core.text import safe_csv_cell

_MODEL_PARTS = (m.MODEL_ID, m.HARDWARE_VERSION, m.HARDWARE_REVISION)


def extract_row(label: str, values: Mapping[str, m.Issued]) -> list[str]:
    """One row of the extract, from an entry's published values (as SECAS issued them): hex
    without colons, the label repeated."""
    def text(name: str) -> str:
        return m.as_text(values.get(name)) or ""

    def plain(name: str) -> str:
        return text(name).replace(":", "")

    out = [label]
    for column in CSV_COLUMNS[1:]:
        if column == CONCATENATED_MODEL:
            out.append("".join(plain(part) for part in _MODEL_PARTS))
        elif column.startswith(("Device_Model.", "Manufacturer_Image.")):
            out.append(plain(column))
        else:
            out.append(text(column))
    return out


def extract_csv(version: m.CplVersion) -> bytes:
    """The extract's bytes, UTF-8."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for entry in version.entries:
        row = extract_row(version.label, entry.published_values())
        writer.writerow([safe_csv_cell(c) for c in row])
    return buffer.getvalue().encode("utf-8")
