"""Cells and saving shared by every workbook cplkit writes with openpyxl.

A value is always stored as a string cell, whatever it starts with, so no submitted text is ever
evaluated as a formula; a workbook is saved beside its target and renamed, so it is whole or
absent. Nothing here decides what goes into a workbook.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cplkit.base.files import replacing

#: how every workbook cplkit writes shows a date cell
DATE_FORMAT = "dd/mm/yyyy"
#: Excel's Text format: what is typed is kept (leading zeros, 1E10)
TEXT_FORMAT = "@"


def string_cell(cell: Any, text: str) -> Any:
    """Store ``text`` in ``cell`` as a string, never a formula."""
    cell.value = text
    cell.data_type = "s"
    return cell


def date_cell(cell: Any, day: Any) -> Any:
    """Store a date in ``cell`` as a date, shown dd/mm/yyyy."""
    cell.value = day
    cell.number_format = DATE_FORMAT
    return cell


def save(workbook: Any, path: Path) -> None:
    with replacing(path) as temporary:
        workbook.save(temporary)
