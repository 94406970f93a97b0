"""Reads .xlsx and .xlsm workbooks safely: zip and XML checks first, then values via calamine.

Every XML part is stream-decompressed once under hard limits (uncompressed size, compression
ratio, rows, cells) and refused if it declares a DTD or entities, before any library parses it
(except in a disposable reading child that asks calamine to read the largest sheet meanwhile:
see ``Workbook``).
The same pass notes whether a sheet hides rows or columns or holds formulas; only then is that
sheet's XML walked with the hardened lxml parser to find which. Values come from python-calamine,
which is fast and never runs macros: VBA in an .xlsm is neither run nor kept. Layout recognition
is elsewhere (``cplkit.intake.layouts``).
"""

from __future__ import annotations

import posixpath
import re
import threading
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from lxml import etree

from cplkit.base.xmlsafe import hardened_parser
from cplkit.core.model import Formula, RawValue, column_letter
from cplkit.intake.limits import Limits
from cplkit.intake.sheets import SheetData, Unreadable, parse_cell_ref

_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_ROOT_START = re.compile(rb"<([A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)")
_XML_SUFFIXES = (".xml", ".rels", ".vml")
_CHUNK = 1 << 20

Cell = tuple[int, int]  # (row, column), 1-based

RESAVE_HINT = "open the file in Excel and save it again as .xlsx, then check it again"


@dataclass(slots=True)
class _PartScan:
    rows: int = 0
    cells: int = 0
    may_hide: bool = False
    may_have_formulas: bool = False


def _check_string_count(name: str, head: bytes, limits: Limits) -> None:
    """A shared-strings table declaring more strings than a sheet may have cells is refused:
    a reader may size its table by the declared count before reading one string."""
    for match in _STRING_COUNT.finditer(head):
        if int(match.group(1)) > limits.max_cells:
            raise Unreadable("CPL-F02", f"the workbook part {name} declares {int(match.group(1)):,}"
                             f" strings, over the limit of {limits.max_cells:,}", RESAVE_HINT)


_STRING_COUNT = re.compile(rb"""\s(?:unique)?[cC]ount\s*=\s*["']([0-9]{1,20})["']""")


def _check_prolog(name: str, head: bytes, limits: Limits) -> bytes:
    """Refuse DTDs and entities; return the namespace prefix of the root element (b'' if none)."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in head[:64]:
        raise Unreadable("CPL-F01", f"the workbook part {name} is not UTF-8 XML", RESAVE_HINT)
    lowered = head.lower()
    if b"<!doctype" in lowered or b"<!entity" in lowered:
        raise Unreadable(
            "CPL-F02",
            f"the workbook part {name} declares a DTD or entities, which Excel never writes; "
            "refused, as such declarations can expand to exhaust memory or read other files",
            "do not check this file; ask the sender for a workbook saved by Excel")
    # '<?xml' and '<!--' cannot match: the first '<' followed by a name opens the root
    match = _ROOT_START.search(head)
    if match is None:
        if len(head) >= limits.max_prolog_bytes:
            raise Unreadable("CPL-F02", f"the workbook part {name} has no root element in its "
                             f"first {limits.max_prolog_bytes} bytes", RESAVE_HINT)
        return b""
    return match.group(1) or b""


class _Scanner:
    """Counts and bounds a worksheet's rows and cells from its raw bytes, chunk by chunk,
    whatever namespace prefix the XML uses: ``<row`` and ``:row`` both count (a trick can only
    make a count larger), and a cell reference beyond what a CPL sheet can hold is refused before
    any library reads the sheet. Plain byte counts and literal-led patterns keep it at a
    fraction of the time the spreadsheet library then takes."""

    #: a reference past column ZZ or row 999,999, in an r= or ref= attribute (a range's second
    #: cell included)
    _FAR = re.compile(rb""" r=["']\$?(?:[A-Za-z]{3}|[A-Za-z]{1,2}\$?[0-9]{7})""")
    #: a range (ref="A1:XFD1048576", sqref=...) reaching that far
    _FAR_RANGE = re.compile(rb"""ref\s*=\s*["'][^"']*?(?:[A-Za-z]{3}|[0-9]{7})""")
    _ROW_NUMBER = re.compile(rb"""row r=["']([0-9]{1,7})""")
    #: a cell past column AZ, where CPL sheets never reach (theirs end before AF): with a far
    #: row it makes the used range that the spreadsheet library allocates cell by cell huge
    _WIDE = re.compile(rb""" r=["']\$?([B-Zb-z][A-Za-z])\$?([0-9]{1,6})""")
    #: either of the above, so that the common sheet costs one pass for both
    _UNUSUAL = re.compile(
        rb""" r=["']\$?(?:[A-Za-z]{3}|[A-Za-z]{1,2}\$?[0-9]{7}|[B-Zb-z][A-Za-z]\$?[0-9])""")

    __slots__ = ("cells", "formulas", "hidden", "max_column", "max_row", "rows", "tail")

    def __init__(self) -> None:
        self.rows = self.cells = self.formulas = self.hidden = self.max_row = 0
        #: the farthest column past AZ a cell is in (0: none)
        self.max_column = 0
        self.tail = b""

    @property
    def area(self) -> int:
        """Cells from A1 to the farthest row and column seen (0 if no column lies past AZ)."""
        return self.max_row * self.max_column

    def feed(self, chunk: bytes, *, final: bool = False) -> None:
        data = self.tail + chunk
        # every pattern lies inside one tag, and a tag holds no '<': all before the last '<'
        # is complete, and the rest waits for the next chunk
        cut = len(data) if final else data.rfind(b"<")
        if cut <= 0:
            self.tail = data
            return
        done = data[:cut]
        self.rows += done.count(b"<row") + done.count(b":row")
        self.cells += (done.count(b"<c ") + done.count(b"<c>") + done.count(b":c ")
                       + done.count(b":c>"))
        self.formulas += done.count(b"<f") + done.count(b":f")
        self.hidden += done.count(b"hidden")
        # (a reference spelt with other white space than Excel's single space is not looked
        # for: the child process's memory limit still bounds what it can cost)
        unusual = self._UNUSUAL.search(done) is not None
        if (unusual and self._FAR.search(done)) or (
                b"ref" in done and self._FAR_RANGE.search(done)):
            raise Unreadable("CPL-F02", "a cell or range lies beyond column ZZ or row 999,999, "
                             "where no CPL sheet reaches; refused before reading it", RESAVE_HINT)
        numbers = self._ROW_NUMBER.findall(done)
        if numbers:
            self.max_row = max(self.max_row, *map(int, numbers))
        if unusual:
            for letters, number in self._WIDE.findall(done):
                # a cell's own row counts too: the row element around it may say otherwise
                self.max_row = max(self.max_row, int(number))
                first, second = letters.upper()
                self.max_column = max(self.max_column, (first - 64) * 26 + second - 64)
        self.tail = data[cut:]


class Workbook:
    """An opened, pre-checked workbook: sheet names, states, and their rows on demand."""

    def __init__(self, path: Path, limits: Limits, *, read_ahead: bool = False) -> None:
        """Open and pre-check ``path``. With ``read_ahead``, calamine starts loading the largest
        visible sheet on a second thread while the scan of that sheet's XML goes on. Only a
        reader in a disposable child process may ask for it: calamine then reads bytes the scan
        has not yet passed, so a hostile sheet can cost that process its life (the caller asks
        ``prescan`` for the verdict then) but never the user's."""
        self.path = path
        self.limits = limits
        self._book: Any = None
        self._ahead: _ReadAhead | None = None
        try:
            self._zip = zipfile.ZipFile(path)
        except OSError as exc:
            raise Unreadable("CPL-F01", f"cannot be opened: {exc.strerror or exc}",
                             "check the path and that the file can be read") from exc
        except (zipfile.BadZipFile, ValueError, EOFError) as exc:
            raise Unreadable("CPL-F01", f"not a readable workbook: the zip container is corrupt "
                             f"or truncated ({exc})", RESAVE_HINT) from exc
        try:
            parts = self._xml_parts()
            largest = max((i for i in parts if i.filename.startswith("xl/worksheets/")),
                          key=lambda i: i.file_size, default=None) if read_ahead else None
            self._scans: dict[str, _PartScan] = {}
            budget = self._scan_parts([i for i in parts if i is not largest],
                                      limits.max_uncompressed_bytes)
            try:
                self.sheets = self._sheet_parts()
            except Unreadable:
                if largest is not None:  # a refusal of the sheet's content comes first
                    self._scan_parts([largest], budget)
                raise
            if largest is not None:
                name = next((n for n, state, part in self.sheets
                             if part == largest.filename and state == "visible"), None)
                if name is not None:
                    self._ahead = _ReadAhead(name, self._load)
                self._scan_parts([largest], budget)
        except BaseException:
            self.close()
            raise

    # -- container checks -----------------------------------------------------------------------
    def _xml_parts(self) -> list[zipfile.ZipInfo]:
        """The container's checks; the XML parts (the ones the scan reads)."""
        infos = self._zip.infolist()
        limits = self.limits
        if len(infos) > limits.max_zip_members:
            raise Unreadable("CPL-F02", f"the workbook has {len(infos)} parts, over the limit of "
                             f"{limits.max_zip_members}", RESAVE_HINT)
        names = {i.filename for i in infos}
        if "xl/workbook.xml" not in names and not any(n.endswith("workbook.xml") for n in names):
            raise Unreadable("CPL-F01", "a zip file, but not an Excel workbook (no "
                             "xl/workbook.xml: is it a Word or other Office document?)",
                             "save the submission from Excel as .xlsx")
        declared = 0
        for info in infos:
            if info.flag_bits & 0x1:
                raise Unreadable("CPL-F01", f"the workbook part {info.filename} is encrypted",
                                 "remove the password protection in Excel and save again")
            if info.filename.endswith(_XML_SUFFIXES):
                declared += info.file_size
            if (info.file_size > 1024 * 1024
                    and info.file_size > limits.max_compression_ratio * max(info.compress_size, 1)):
                raise Unreadable("CPL-F02", f"the workbook part {info.filename} expands "
                                 f"{info.file_size // max(info.compress_size, 1)}-fold "
                                 f"(a zip bomb?); refused", "do not check this file")
        if declared > limits.max_uncompressed_bytes:
            raise Unreadable("CPL-F02", f"the workbook's XML would take {declared // 2**20} MiB "
                             f"uncompressed, over the limit of "
                             f"{limits.max_uncompressed_bytes // 2**20} MiB",
                             "split the sheet into smaller files")
        return [i for i in infos if i.filename.endswith(_XML_SUFFIXES)]

    def _scan_parts(self, parts: list[zipfile.ZipInfo], budget: int) -> int:
        """Scan ``parts`` within ``budget`` uncompressed bytes; what is left of the budget."""
        for info in parts:
            scan, used = self._scan_part(info, budget)
            budget -= used
            self._scans[info.filename] = scan
        return budget

    def _scan_part(self, info: zipfile.ZipInfo, budget: int) -> tuple[_PartScan, int]:
        limits = self.limits
        name = info.filename
        scan = _PartScan()
        total = 0
        scanner: _Scanner | None = None
        prolog = True
        try:
            with self._zip.open(info) as stream:
                # read(n) returns n bytes unless the part ends, so the first chunk holds the
                # whole prolog (or the whole part)
                while chunk := stream.read(_CHUNK):
                    total += len(chunk)
                    if total > budget:
                        raise Unreadable("CPL-F02", "the workbook's XML is larger uncompressed "
                                         "than the limit of "
                                         f"{limits.max_uncompressed_bytes // 2**20} MiB",
                                         "split the sheet into smaller files")
                    if prolog:
                        _check_prolog(name, chunk[: limits.max_prolog_bytes], limits)
                        prolog = False
                        if name.startswith("xl/worksheets/"):
                            scanner = _Scanner()
                        elif name.endswith("sharedStrings.xml"):
                            _check_string_count(name, chunk[: limits.max_prolog_bytes], limits)
                    if scanner is not None:
                        scanner.feed(chunk)
                        self._check_scan(scanner, name)
                if scanner is not None:
                    scanner.feed(b"", final=True)
                    self._check_scan(scanner, name)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
            raise Unreadable("CPL-F01", f"the workbook part {name} is corrupt or truncated "
                             f"({exc})", RESAVE_HINT) from exc
        if scanner is not None:
            scan.rows = scanner.rows
            scan.cells = scanner.cells
            scan.may_hide = scanner.hidden > 0
            scan.may_have_formulas = scanner.formulas > 0
        return scan, total

    def _check_scan(self, scanner: _Scanner, name: str) -> None:
        limits = self.limits
        if scanner.rows > limits.max_rows or scanner.max_row > limits.max_rows:
            raise self._too_many("rows", limits.max_rows, name)
        if scanner.cells > limits.max_cells:
            raise self._too_many("cells", limits.max_cells, name)
        if scanner.area > limits.max_sheet_area:
            raise Unreadable(
                "CPL-F02", f"a sheet ({name}) reaches column {column_letter(scanner.max_column)}"
                f" and row {scanner.max_row:,}: {scanner.area:,} cells from A1, over the limit "
                f"of {limits.max_sheet_area:,} (the spreadsheet library sets aside every cell "
                "of that range, however few hold a value)",
                "delete what lies far from the table (in Excel, Ctrl+End goes to the last cell "
                "in use), save, and check again")

    @staticmethod
    def _too_many(what: str, limit: int, name: str) -> Unreadable:
        return Unreadable("CPL-F02", f"a sheet ({name}) has more than {limit:,} {what}, over the "
                          "safety limit", "split the bulk sheet into files of at most "
                          f"{limit:,} {what}")

    def _read_small_xml(self, name: str) -> Any:
        try:
            data = self._zip.read(name)
        except KeyError:
            return None
        try:
            return etree.fromstring(data, hardened_parser())
        except etree.XMLSyntaxError as exc:
            raise Unreadable("CPL-F01", f"the workbook part {name} is not well-formed XML "
                             f"({exc})", RESAVE_HINT) from exc

    def _sheet_parts(self) -> list[tuple[str, str, str | None]]:
        """(sheet name, state, worksheet part path) for every sheet, in workbook order."""
        workbook = self._read_small_xml("xl/workbook.xml")
        rels = self._read_small_xml("xl/_rels/workbook.xml.rels")
        targets: dict[str, str] = {}
        if rels is not None:
            for rel in rels.iter(f"{{{_PKG_REL_NS}}}Relationship"):
                target = rel.get("Target", "")
                path = (target.lstrip("/") if target.startswith("/")
                        else posixpath.normpath(posixpath.join("xl", target)))
                targets[rel.get("Id", "")] = path
        out: list[tuple[str, str, str | None]] = []
        if workbook is None:
            return out
        for sheet in workbook.iter(f"{{{_MAIN_NS}}}sheet"):
            rid = sheet.get(f"{{{_REL_NS}}}id", "")
            out.append((sheet.get("name", ""), sheet.get("state", "visible"), targets.get(rid)))
        return out

    # -- values ---------------------------------------------------------------------------------
    def _calamine(self) -> Any:
        if self._book is None:
            from python_calamine import CalamineError, CalamineWorkbook, PasswordError

            try:
                self._book = CalamineWorkbook.from_path(str(self.path))
            except PasswordError as exc:
                raise Unreadable("CPL-F01", "the workbook is password-protected",
                                 "remove the password in Excel and save again") from exc
            except (CalamineError, OSError, ValueError) as exc:
                raise Unreadable("CPL-F01", f"the workbook cannot be read ({exc})",
                                 RESAVE_HINT) from exc
        return self._book

    def sheet_has_content(self, part: str | None) -> bool:
        scan = self._scans.get(part or "")
        return bool(scan and scan.cells)

    def sheet(self, name: str) -> SheetData:
        part = next((p for n, _, p in self.sheets if n == name), None)
        scan = self._scans.get(part or "", _PartScan())
        hidden_rows: frozenset[int] = frozenset()
        hidden_cols: frozenset[int] = frozenset()
        formulas: dict[tuple[int, int], str] = {}
        if part and (scan.may_hide or scan.may_have_formulas):
            hidden_rows, hidden_cols, formulas = self._details(part)
        ahead = self._ahead
        if ahead is not None and ahead.name == name:
            self._ahead = None
            ws = ahead.result()
        else:
            if ahead is not None:
                # calamine's workbook serves one thread at a time; the read-ahead sheet's own
                # outcome waits until that sheet is asked for
                ahead.wait()
            ws = self._load(name)
        return SheetData(name=name, rows=_rows(ws, formulas), hidden_rows=hidden_rows,
                         hidden_columns=hidden_cols)

    def _load(self, name: str) -> Any:
        book = self._calamine()
        try:
            return book.get_sheet_by_name(name)
        except Exception as exc:  # calamine raises its own types for broken sheet XML
            raise Unreadable("CPL-F01", f"sheet '{name}' cannot be read ({exc})",
                             RESAVE_HINT) from exc

    def _details(self, part: str) -> tuple[frozenset[int], frozenset[int], dict[Cell, str]]:
        """Walk one worksheet's XML with the hardened parser for hidden rows, columns, formulas."""
        rows: set[int] = set()
        cols: set[int] = set()
        formulas: dict[tuple[int, int], str] = {}
        row_number = 0
        try:
            with self._zip.open(part) as stream:
                for _, elem in etree.iterparse(_Reader(stream), events=("end",),
                                               resolve_entities=False, no_network=True,
                                               load_dtd=False, huge_tree=False):
                    tag = elem.tag.rpartition("}")[2] if isinstance(elem.tag, str) else ""
                    if tag == "col" and _truthy(elem.get("hidden")):
                        lo, hi = int(elem.get("min", "1")), int(elem.get("max", "1"))
                        cols.update(range(max(lo, 1), min(hi, 16384) + 1))
                    elif tag == "row":
                        row_number = int(elem.get("r", row_number + 1))
                        if _truthy(elem.get("hidden")):
                            rows.add(row_number)
                        elem.clear()
                    elif tag == "c":
                        _formula_without_value(elem, formulas)
        except (etree.XMLSyntaxError, ValueError, zipfile.BadZipFile, zlib.error) as exc:
            raise Unreadable("CPL-F01", f"the worksheet {part} is not well-formed ({exc})",
                             RESAVE_HINT) from exc
        return frozenset(rows), frozenset(cols), formulas

    def close(self) -> None:
        self._zip.close()
        if self._ahead is not None and self._ahead.running:
            # the read-ahead still holds calamine's workbook: it is left to the reading
            # process's end, which is near (the scan refused the file, or the reader stopped)
            return
        if self._book is not None:
            self._book.close()


class _ReadAhead:
    """One sheet loaded by calamine on a second thread (calamine releases the GIL while it
    parses, so the scan on this thread runs on the other core meanwhile)."""

    def __init__(self, name: str, load: Callable[[str], Any]) -> None:
        self.name = name
        self._outcome: tuple[bool, Any] = (False, None)
        self._thread = threading.Thread(target=self._run, args=(load,), daemon=True,
                                        name="calamine read-ahead")
        self._thread.start()

    def _run(self, load: Callable[[str], Any]) -> None:
        try:
            self._outcome = (True, load(self.name))
        except BaseException as exc:  # raised again on the reading thread, by ``result``
            self._outcome = (False, exc)

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def wait(self) -> None:
        self._thread.join()

    def result(self) -> Any:
        self.wait()
        ok, value = self._outcome
        if not ok:
            raise value
        return value


class _Reader:
    """File-like adapter: lxml's iterparse wants ``read(n)``."""

    def __init__(self, stream: IO[bytes]) -> None:
        self.stream = stream

    def read(self, n: int = -1) -> bytes:
        return self.stream.read(n)


def _truthy(value: str | None) -> bool:
    return value in ("1", "true")


def _formula_without_value(cell: Any, formulas: dict[tuple[int, int], str]) -> None:
    formula = value = None
    for child in cell:
        tag = child.tag.rpartition("}")[2] if isinstance(child.tag, str) else ""
        if tag == "f":
            formula = child
        elif tag == "v":
            value = child
    if formula is not None:
        cached = value is not None and (value.text or cell.get("t") == "str")
        if not cached:
            ref = parse_cell_ref(cell.get("r", ""))
            if ref is not None:
                formulas[ref] = "=" + (formula.text or "(shared formula)")


def _rows(ws: Any, formulas: dict[tuple[int, int], str]) -> Iterator[list[RawValue]]:
    # calamine yields rows from row 1 but columns from the first used column: pad on the left
    start = ws.start
    pad: list[RawValue] = [""] * (start[1] if start else 0)
    by_row: dict[int, list[tuple[int, str]]] = {}
    for (r, c), text in formulas.items():
        by_row.setdefault(r, []).append((c, text))
    number = 0
    for row in ws.iter_rows():
        number += 1
        values: list[RawValue] = pad + row if pad else row
        for c, text in by_row.get(number, ()):
            values.extend([""] * (c - len(values)))
            values[c - 1] = _formula(text)
        yield values
    # formula cells with no value may lie past the last row calamine saw (the scan has bounded
    # how far: the row limit)
    for extra in sorted(r for r in by_row if r > number):
        while number < extra - 1:
            number += 1
            yield []
        number += 1
        values = []
        for c, text in by_row[extra]:
            values.extend([""] * (c - len(values)))
            values[c - 1] = _formula(text)
        yield values


def _formula(text: str) -> RawValue:
    return Formula(text)
