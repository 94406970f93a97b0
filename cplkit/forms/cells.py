"""Cells and saving shared by every workbook cplkit writes with openpyxl.

A value is always stored as a string cell, whatever it starts with, so no submitted text is ever
evaluated as a formula; a workbook is saved beside its target and renamed, so it is whole or
absent. Nothing here decides what goes into a workbook.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cplkit.base.files import replacing


def string_cell(cell: Any, text: str) -> Any:
    """Store ``text`` in ``cell`` as a string, never a formula."""
    cell.value = text
    cell.data_type = "s"
    return cell


def save(workbook: Any, path: Path) -> None:
    with replacing(path) as temporary:
        workbook.save(temporary)
