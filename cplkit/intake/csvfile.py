"""Reads a CSV file as a sheet of text cells, under the same safety limits as workbooks.

Decodes UTF-8 (with or without BOM), UTF-16 (with its BOM, Excel's "Unicode Text") and falls
back to Windows-1252, the encoding Excel uses when it saves "CSV" on Windows. The delimiter is
the one Excel's own first line names (``sep=;``), else whichever of comma, semicolon (what
Excel writes where the comma is the decimal mark) or tab makes a row among the first ten name
the most known fields, else the one that splits those rows alike; the sheet says which. A row,
the header first, is at most ``Limits.max_columns`` wide once its trailing empty fields are
dropped. A file of nothing but blank lines and separators is unreadable (CPL-F01), as an empty
one is. Every cell is text: what Excel did to a value before it saved the CSV (dropped zeros,
1E+10) is for the normalisers to spot.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
from collections.abc import Callable, Iterator

from cplkit.core.findings import Code
from cplkit.core.model import RawValue, column_letter
from cplkit.intake.limits import Limits
from cplkit.intake.sheets import SheetData, Unreadable

_DELIMITERS = (",", ";", "\t")
#: the rows, and the characters, the delimiter is judged from
_SNIFF_ROWS = 10
_SNIFF_CHARS = 1 << 20
#: Excel's first line naming the separator, which Excel itself reads and does not show
_SEPARATOR_LINE = re.compile(r'\ufeff?"?sep=([,;\t])"?[ \t]*(?:\r\n|\r|\n|$)')
#: any character that is not white space, a separator or a byte-order mark
_CONTENT = re.compile(r"[^\s,;\ufeff]")


def _too_many_rows(limits: Limits) -> Unreadable:
    return Unreadable(Code.F02, f"the CSV file has more than {limits.max_rows:,} rows, over the "
                      "safety limit", f"split it into files of at most {limits.max_rows:,} rows")


def read_csv(data: bytes, limits: Limits, known: Callable[[str], bool]) -> SheetData:
    # a line may end in LF, CRLF or CR alone: whichever count is larger bounds the rows
    if max(data.count(b"\n"), data.count(b"\r")) > limits.max_rows:
        raise _too_many_rows(limits)
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise Unreadable(Code.F01, "a UTF-16 text file that does not decode",
                             "save it from Excel as 'CSV UTF-8 (Comma delimited)'") from exc
        return _sheet(text, limits, known)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError as exc:
            raise Unreadable(Code.F01, "not a text file in UTF-8 or Windows-1252",
                             "save it from Excel as 'CSV UTF-8 (Comma delimited)'") from exc
    return _sheet(text, limits, known)


def _sheet(text: str, limits: Limits, known: Callable[[str], bool]) -> SheetData:
    if _CONTENT.search(text) is None:
        raise Unreadable(Code.F01, "the file holds no text: only blank lines or separators",
                         "save the submission again and resend it")
    declared = _SEPARATOR_LINE.match(text)
    delimiter = declared.group(1) if declared else _detect(text, limits, known)
    return SheetData(name=None, rows=_rows(text, delimiter, limits, skip_first=bool(declared)),
                     delimiter=delimiter)


def _detect(text: str, limits: Limits, known: Callable[[str], bool]) -> str:
    """The delimiter that makes a row among the first ones name the most known fields; if
    none names one, the one that splits those rows into the same number of fields (more than
    one); else the comma. Only the first rows, and their first columns, are looked at."""
    head = text[:_SNIFF_CHARS]
    best, best_known, best_alike = ",", 0, 0
    previous = csv.field_size_limit()
    csv.field_size_limit(_SNIFF_CHARS)
    try:
        for delimiter in _DELIMITERS:
            rows: list[list[str]] = []
            try:
                reader = csv.reader(io.StringIO(head, newline=""), delimiter=delimiter)
                for row in itertools.islice(reader, _SNIFF_ROWS):
                    rows.append(row[: limits.max_columns + 1])
            except csv.Error:
                pass  # judged on the rows read before it
            named = max((sum(1 for c in row if known(c.strip())) for row in rows), default=0)
            widths = [len(row) for row in rows if any(c.strip() for c in row)]
            alike = widths.count(widths[0]) if widths and widths[0] > 1 else 0
            if (named, alike) > (best_known, best_alike):
                best, best_known, best_alike = delimiter, named, alike
    finally:
        csv.field_size_limit(previous)
    return best


def _too_wide(line: int, width: int, limits: Limits) -> Unreadable:
    return Unreadable(
        Code.F02, f"line {line} has {width:,} fields, over the limit of {limits.max_columns:,} "
        f"(column {column_letter(limits.max_columns)}; a CPL table has about 32)",
        "delete the columns that do not belong to the submission, and check that the file's "
        "separator is a comma, a semicolon or a tab")


_QUOTED = re.compile(r'"[^"]*"')


def _lines(text: str, delimiter: str, limits: Limits) -> Iterator[str]:
    """The lines of ``text`` as the CSV reader takes them, a line far wider than a row may be
    refused before the reader splits it (a line of a million separators would be a million
    fields first): its separators outside quotes, trailing ones aside, are counted."""
    for number, line in enumerate(io.StringIO(text, newline=""), start=1):
        if line.count(delimiter) >= limits.max_columns:
            outside = _QUOTED.sub("", line) if '"' in line else line
            width = outside.rstrip("\r\n").rstrip(delimiter).count(delimiter) + 1
            if width > limits.max_columns:
                raise _too_wide(number, width, limits)
        yield line


def _rows(text: str, delimiter: str, limits: Limits, *,
          skip_first: bool = False) -> Iterator[list[RawValue]]:
    previous = csv.field_size_limit()
    # csv's limit is process-wide: raise it to ours only while this reader runs
    csv.field_size_limit(limits.max_cell_chars)
    try:
        reader = csv.reader(_lines(text, delimiter, limits), delimiter=delimiter)
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                if "field larger than field limit" in str(exc):
                    raise Unreadable(
                        Code.F02, f"line {reader.line_num} holds a value longer than "
                        f"{limits.max_cell_chars:,} characters, over the safety limit",
                        "a CPL field is at most 500 characters: remove the long value") from exc
                raise Unreadable(Code.F01, f"line {reader.line_num} is not valid CSV ({exc})",
                                 "save the file again from Excel as CSV") from exc
            if reader.line_num > limits.max_rows + 1:
                raise _too_many_rows(limits)
            if skip_first:
                # Excel's 'sep=' line: an empty row, so that the lines keep their numbers
                skip_first = False
                yield []
                continue
            if len(row) > limits.max_columns:
                # Excel writes empty fields up to the last column it has formatted: only
                # those that hold something count
                while len(row) > limits.max_columns and not row[-1]:
                    row.pop()
                if len(row) > limits.max_columns:
                    raise _too_wide(reader.line_num, len(row), limits)
            yield list(row)
    finally:
        csv.field_size_limit(previous)
