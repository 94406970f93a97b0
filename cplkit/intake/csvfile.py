"""Reads a CSV file as a sheet of text cells, under the same safety limits as workbooks.

Decodes UTF-8 (with or without BOM), UTF-16 (with its BOM, Excel's "Unicode Text") and falls
back to Windows-1252, the encoding Excel uses when it saves "CSV" on Windows. The delimiter is
whichever of comma, semicolon or tab makes the header row name the most known fields. Every
cell is text: what Excel did to a value before it saved the CSV (dropped zeros, 1E+10) is for
the normalisers to spot.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator

from cplkit.core.model import RawValue
from cplkit.intake.limits import Limits
from cplkit.intake.sheets import SheetData, Unreadable

_DELIMITERS = (",", ";", "\t")


def _too_many_rows(limits: Limits) -> Unreadable:
    return Unreadable("CPL-F02", f"the CSV file has more than {limits.max_rows:,} rows, over the "
                      "safety limit", f"split it into files of at most {limits.max_rows:,} rows")


def read_csv(data: bytes, limits: Limits, known: Callable[[str], bool]) -> SheetData:
    # a line may end in LF, CRLF or CR alone: whichever count is larger bounds the rows
    if max(data.count(b"\n"), data.count(b"\r")) > limits.max_rows:
        raise _too_many_rows(limits)
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise Unreadable("CPL-F01", "a UTF-16 text file that does not decode",
                             "save it from Excel as 'CSV UTF-8 (Comma delimited)'") from exc
        return _sheet(text, limits, known)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError as exc:
            raise Unreadable("CPL-F01", "not a text file in UTF-8 or Windows-1252",
                             "save it from Excel as 'CSV UTF-8 (Comma delimited)'") from exc
    return _sheet(text, limits, known)


def _sheet(text: str, limits: Limits, known: Callable[[str], bool]) -> SheetData:
    first_line = text.splitlines()[0] if text else ""
    delimiter = max(_DELIMITERS, key=lambda d: sum(known(c) for c in first_line.split(d)))
    return SheetData(name=None, rows=_rows(text, delimiter, limits))


def _rows(text: str, delimiter: str, limits: Limits) -> Iterator[list[RawValue]]:
    previous = csv.field_size_limit()
    # csv's limit is process-wide: raise it to ours only while this reader runs
    csv.field_size_limit(limits.max_cell_chars)
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                if "field larger than field limit" in str(exc):
                    raise Unreadable(
                        "CPL-F02", f"line {reader.line_num} holds a value longer than "
                        f"{limits.max_cell_chars:,} characters, over the safety limit",
                        "a CPL field is at most 500 characters: remove the long value") from exc
                raise Unreadable("CPL-F01", f"line {reader.line_num} is not valid CSV ({exc})",
                                 "save the file again from Excel as CSV") from exc
            if reader.line_num > limits.max_rows + 1:
                raise _too_many_rows(limits)
            yield list(row)
    finally:
        csv.field_size_limit(previous)
