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
from array import array
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import IO, Any

from lxml import etree

from cplkit.base.xmlsafe import hardened_parser
from cplkit.core.findings import Code
from cplkit.core.model import Formula, RawValue, column_letter
from cplkit.intake import columnar
from cplkit.intake.limits import Limits
from cplkit.intake.sheets import SheetData, Unreadable, parse_cell_ref

_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_ROOT_START = re.compile(rb"<([A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)")
_XML_SUFFIXES = (".xml", ".rels", ".vml")
_CHUNK = 1 << 20
#: the parts the reader looks up by name (as ``_key`` spells them)
_WORKBOOK = "xl/workbook.xml"
_WORKBOOK_RELS = "xl/_rels/workbook.xml.rels"
_SHARED_STRINGS = "xl/sharedstrings.xml"
#: column ZZ: the scan refuses a cell beyond it
_LAST_COLUMN = 702

Cell = tuple[int, int]  # (row, column), 1-based

RESAVE_HINT = "open the file in Excel and save it again as .xlsx, then check it again"


@dataclass(slots=True)
class _PartScan:
    rows: int = 0
    cells: int = 0
    may_hide: bool = False
    may_have_formulas: bool = False
    #: every cell opening is spelt as a text cell's (a shared or an inline string): a hint
    #: that errs only towards True for a crafted sheet, so a reader that relies on it checks
    #: the cells' types itself too (``cplkit.intake.columnar`` does)
    all_text: bool = False


def _key(name: str) -> str:
    """A part's name as the reader looks it up: part names ignore case (OPC), and the zip
    library the spreadsheet reader uses takes a backslash for a slash."""
    return name.replace("\\", "/").lower()


def _check_string_count(name: str, head: bytes, limits: Limits) -> None:
    """A shared-strings table declaring more strings than a sheet may have cells is refused:
    a reader may size its table by the declared count before reading one string."""
    for match in _STRING_COUNT.finditer(head):
        if int(match.group(1)) > limits.max_cells:
            raise Unreadable(Code.F02, f"the workbook part {name} declares {int(match.group(1)):,}"
                             f" strings, over the limit of {limits.max_cells:,}", RESAVE_HINT)


_STRING_COUNT = re.compile(rb"""\s(?:unique)?[cC]ount\s*=\s*["']([0-9]{1,20})["']""")


def _check_prolog(name: str, head: bytes, limits: Limits) -> bytes:
    """Refuse DTDs and entities; return the namespace prefix of the root element (b'' if none)."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in head[:64]:
        raise Unreadable(Code.F01, f"the workbook part {name} is not UTF-8 XML", RESAVE_HINT)
    lowered = head.lower()
    if b"<!doctype" in lowered or b"<!entity" in lowered:
        raise Unreadable(
            Code.F02,
            f"the workbook part {name} declares a DTD or entities, which Excel never writes; "
            "refused, as such declarations can expand to exhaust memory or read other files",
            "do not check this file; ask the sender for a workbook saved by Excel")
    # '<?xml' and '<!--' cannot match: the first '<' followed by a name opens the root
    match = _ROOT_START.search(head)
    if match is None:
        if len(head) >= limits.max_prolog_bytes:
            raise Unreadable(Code.F02, f"the workbook part {name} has no root element in its "
                             f"first {limits.max_prolog_bytes} bytes", RESAVE_HINT)
        return b""
    return match.group(1) or b""


class _Scanner:
    """Counts and bounds a worksheet's rows and cells from its raw bytes, chunk by chunk,
    whatever namespace prefix the XML uses: ``<row`` and ``:row`` both count (a trick can only
    make a count larger), and a cell reference beyond what a CPL sheet can hold is refused before
    any library reads the sheet. Only cells count: a range (``<dimension ref=...>``, a
    selection, a validation over whole columns) is a hint the library allocates nothing by.
    Plain byte counts and literal-led patterns keep it at a fraction of the time the
    spreadsheet library then takes: each chunk is first folded (``_FOLD``: a namespace's ':'
    read as '<', a tag's '>' as a space, a single quote as a double one), so that one count
    finds a tag in every spelling the scan looks for, five counts where there were nine.
    One regular expression over the whole sheet instead was measured slower still: CPython's
    engine tries every '<' at about a third of the speed of a byte count."""

    #: a cell reference past column ZZ or row 999,999
    _FAR = re.compile(rb""" r=["']\$?(?:[A-Za-z]{3}|[A-Za-z]{1,2}\$?[0-9]{7})""")
    _ROW_NUMBER = re.compile(rb"""row r=["']([0-9]{1,7})""")
    #: a cell past column AZ, where CPL sheets never reach (theirs end before AF): with a far
    #: row it makes the used range that the spreadsheet library allocates cell by cell huge
    _WIDE = re.compile(rb""" r=["']\$?([B-Zb-z][A-Za-z])\$?([0-9]{1,6})""")

    __slots__ = ("cells", "deep", "formulas", "hidden", "max_column", "max_row", "rows", "tail",
                 "texts", "unusual")

    def __init__(self, max_rows: int) -> None:
        self.rows = self.cells = self.formulas = self.hidden = self.max_row = 0
        #: cell openings spelt as a text cell's: ``t="s"`` or ``t="inlineStr"`` closing the tag
        #: or followed by another attribute (a text can hold the same letters, so this may
        #: count more than there are: see ``_PartScan.all_text``)
        self.texts = 0
        #: the farthest column past AZ a cell is in (0: none)
        self.max_column = 0
        self.tail = b""
        #: a cell whose own reference puts it in a row near or past the row limit, whatever
        #: row element it sits in (the library believes the cell)
        self.deep, self.unusual = _row_patterns(max_rows)

    @property
    def area(self) -> int:
        """Cells from A1 to the farthest row and column seen (0 if no column lies past AZ)."""
        return self.max_row * self.max_column

    def feed(self, chunk: bytes, *, final: bool = False) -> None:
        data = self.tail + chunk
        # every pattern lies inside one tag, and a tag holds no '<': all before the last '<'
        # is complete, and the rest waits for the next chunk
        cut = len(data) if final else data.rfind(b"<")
        overlap = b""
        if cut <= 0:
            if len(data) <= _CHUNK:
                self.tail = data
                return
            # over a chunk with no tag starting in it (a text, or white space inside one tag,
            # far longer than any cell holds): counted now, not copied again with every chunk;
            # its end is looked at again with the next, so no pattern is split unseen (what it
            # holds may count twice: a count can only grow)
            cut = len(data)
            overlap = data[-64:]
        done = data[:cut]
        # folded, each count sums what the counts of its spellings did ('<row' and ':row';
        # '<c ', '<c>', ':c ' and ':c>'; '<f' and ':f'): none of these patterns can overlap
        # itself, so the sums are exactly theirs
        folded = done.translate(_FOLD)
        self.rows += folded.count(b"<row")
        self.cells += folded.count(b"<c ")
        self.formulas += folded.count(b"<f")
        self.texts += folded.count(b' t="s" ') + folded.count(b' t="inlineStr" ')
        self.hidden += done.count(b"hidden")
        # (a reference spelt with other white space than Excel's single space is not looked
        # for: the child process's memory limit still bounds what it can cost)
        if self.unusual.search(done) is not None:
            if self._FAR.search(done):
                raise Unreadable(Code.F02, "a cell lies beyond column ZZ or row 999,999, "
                                 "where no CPL sheet reaches; refused before reading it",
                                 RESAVE_HINT)
            for letters, number in self._WIDE.findall(done):
                # a cell's own row counts too: the row element around it may say otherwise
                self.max_row = max(self.max_row, int(number))
                first, second = letters.upper()
                self.max_column = max(self.max_column, (first - 64) * 26 + second - 64)
            deep = self.deep.findall(done)
            if deep:
                self.max_row = max(self.max_row, *map(int, deep))
        numbers = self._ROW_NUMBER.findall(done)
        if numbers:
            self.max_row = max(self.max_row, *map(int, numbers))
        self.tail = overlap + data[cut:]


#: see ``_Scanner``: ':' as '<', '>' as ' ', "'" as '"'
_FOLD = bytes.maketrans(b":>'", b'< "')


@lru_cache(maxsize=4)
def _row_patterns(max_rows: int) -> tuple[re.Pattern[bytes], re.Pattern[bytes]]:
    """(a cell reference whose row may exceed ``max_rows``, capturing the row; any reference
    the scan must look at more closely). Only rows with as many digits as the limit and a
    leading digit at least its own, or more digits, are caught, so a sheet well within the
    limit never pays for them."""
    digits = str(max_rows)
    width = len(digits)
    if width >= 7:  # seven digits are refused as beyond row 999,999 anyway
        rows = b"(?!)"
    else:
        rows = f"[{digits[0]}-9][0-9]{{{width - 1}}}".encode()
        if width < 6:
            rows += f"|[1-9][0-9]{{{width},5}}".encode()
    deep = rb""" r=["']\$?[A-Za-z]{1,2}\$?(""" + rows + rb""")["']"""
    unusual = (rb""" r=["']\$?(?:[A-Za-z]{3}|[A-Za-z]{1,2}\$?[0-9]{7}|[B-Zb-z][A-Za-z]\$?[0-9]"""
               rb"""|[A-Za-z]{1,2}\$?(?:""" + rows + rb""")["'])""")
    return re.compile(deep), re.compile(unusual)


class _StringsScanner:
    """The byte length of each shared string's XML (``<si>`` to the next), from the raw bytes
    of the shared-strings part, chunk by chunk: what each cell that refers to it will hold, at
    most. Markup counts too, so a count can only be larger than the text."""

    _START = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?si[\s/>]")

    __slots__ = ("lengths", "offset", "start", "tail")

    def __init__(self) -> None:
        self.lengths: array[int] = array("q")
        self.offset = 0  # where ``tail`` begins in the part
        self.start = -1  # where the string being read began (-1: none yet)
        self.tail = b""

    def feed(self, chunk: bytes, *, final: bool = False) -> None:
        data = self.tail + chunk
        # a string's start is a tag, which holds no '<': all before the last '<' is whole
        cut = len(data) if final else data.rfind(b"<")
        if cut <= 0 and not final:
            if len(data) <= _CHUNK:
                self.tail = data
                return
            # one string's text longer than a chunk: no other string starts in it
            cut = len(data) - 64
        append = self.lengths.append
        for match in self._START.finditer(data, 0, cut):
            at = self.offset + match.start()
            if self.start >= 0:
                append(at - self.start)
            self.start = at
        self.offset += cut
        self.tail = data[cut:]
        if final and self.start >= 0:
            append(self.offset - self.start)


class _ReferenceWeigher:
    """Sums the lengths of the shared strings a worksheet's cells refer to, from its raw bytes
    (``<c ... t="s"><v>12</v>``), chunk by chunk."""

    #: a shared-string cell as Excel writes it, and the index in its value
    _PLAIN = re.compile(rb"""t="s"><v>([0-9]{1,10})<""")
    #: any other spelling: other quotes, white space, a namespace prefix, and up to eight other
    #: tags before the value (a value it misses is left to the memory limit)
    _ANY = re.compile(
        rb"""\st\s*=\s*["']s["'][^>]*>(?:[^<]*<(?!(?:[A-Za-z_][\w.-]*:)?v>)[^>]*>){0,8}?"""
        rb"""[^<]*<(?:[A-Za-z_][\w.-]*:)?v>\s*([0-9]{1,10})""")

    __slots__ = ("lengths", "tail", "total")

    def __init__(self, lengths: array[int]) -> None:
        self.lengths = lengths
        self.total = 0
        self.tail = b""

    def feed(self, chunk: bytes, *, final: bool = False) -> None:
        data = self.tail + chunk
        # a reference spans a cell's start tag and its value: all before the last cell's
        # start is whole
        cut = len(data) if final else max(data.rfind(b"<c"), data.rfind(b":c"))
        if cut <= 0:
            if len(data) <= 2 * _CHUNK:
                self.tail = data
                return
            cut = len(data)  # no cell starts in two chunks: none is split here
        done = data[:cut]
        found = self._PLAIN.findall(done)
        if done.count(b'"s"') + done.count(b"'s'") > len(found):
            found = self._ANY.findall(done)  # some are spelt otherwise: the slow way
        lengths, count = self.lengths, len(self.lengths)
        # each index once, however many cells refer to it
        for index, times in Counter(found).items():
            number = int(index)
            if number < count:  # the reader refuses a reference to no string
                self.total += lengths[number] * times
        self.tail = data[cut:]


class Workbook:
    """An opened, pre-checked workbook: sheet names, states, and their rows on demand."""

    def __init__(self, path: Path, limits: Limits, *, read_ahead: bool = False,
                 columns: bool = False) -> None:
        """Open and pre-check ``path``. With ``read_ahead``, calamine starts loading the largest
        visible sheet on a second thread while the scan of that sheet's XML goes on. Only a
        reader in a disposable child process may ask for it: calamine then reads bytes the scan
        has not yet passed, so a hostile sheet can cost that process its life (the caller asks
        ``prescan`` for the verdict then) but never the user's. With ``columns`` (and the
        ``[fast]`` extra: ``columnar.wanted``), a sheet the scan found all text is read column
        by column by fastexcel instead (``SheetData.columns``), ahead too if asked; only a
        disposable reader may ask for that too (pyarrow's threads make a later fork of its
        process unsafe)."""
        self.path = path
        self.limits = limits
        #: whether a sheet may be read by columns (each sheet by ``columnar.wanted``)
        self._columnar = columns
        self._book: Any = None
        self._ahead: _ReadAhead | None = None
        self._scans: dict[str, _PartScan] = {}
        #: the byte length of each shared string's XML, by index (empty: no shared strings)
        self._strings: array[int] = array("q")
        #: text the sheets scanned so far hold once shared strings are expanded
        self._expanded = 0
        #: worksheet parts' hidden rows and columns and formulas, walked once each
        self._walked: dict[str, tuple[frozenset[int], frozenset[int], dict[Cell, str]]] = {}
        #: another name of a sheet whose part an earlier sheet already names -> that sheet
        self._aliases: dict[str, str] = {}
        #: the sheet calamine loaded last, by name: a reader that looks at a sheet's first
        #: rows (is it a change file?) and then reads it whole loads it once
        self._loaded: tuple[str, Any] | None = None
        try:
            self._zip = zipfile.ZipFile(path)
        except OSError as exc:
            raise Unreadable(Code.F01, f"cannot be opened: {exc.strerror or exc}",
                             "check the path and that the file can be read") from exc
        except (zipfile.BadZipFile, ValueError, EOFError) as exc:
            raise Unreadable(Code.F01, f"not a readable workbook: the zip container is corrupt "
                             f"or truncated ({exc})", RESAVE_HINT) from exc
        try:
            self._open(read_ahead)
        except BaseException:
            self.close()
            raise

    def _open(self, read_ahead: bool) -> None:
        """Scan every part the reader may load, workbook first, then the shared strings (the
        sheets' scans need their lengths), then the sheets, the largest last (calamine may load
        it meanwhile)."""
        members = self._container()
        self._members = members
        budget = self.limits.max_uncompressed_bytes
        first = [members[k] for k in (_WORKBOOK, _WORKBOOK_RELS) if k in members]
        budget = self._scan_parts(first, budget)
        xml = [i for k, i in members.items() if k.endswith(_XML_SUFFIXES) and i not in first]
        try:
            self.sheets = self._sheet_parts()
        except Unreadable:
            self._scan_parts(xml, budget)  # a refusal of the content comes first
            raise
        targets = {part for _, _, part in self.sheets if part is not None}
        rest = xml + [members[_key(t)] for t in sorted(targets)
                      if _key(t) in members and members[_key(t)] not in xml]
        sheets = [i for i in rest if self._is_sheet(i.filename, targets)]
        others = [i for i in rest if not self._is_sheet(i.filename, targets)]
        visible = {part for _, state, part in self.sheets if state == "visible"}
        largest = max((i for i in sheets if i.filename in visible), key=lambda i: i.file_size,
                      default=None) if read_ahead else None
        # the shared strings first: a sheet's scan weighs its references by their lengths
        others.sort(key=lambda i: _key(i.filename) != _SHARED_STRINGS)
        budget = self._scan_parts(others, budget)
        budget = self._scan_parts([i for i in sheets if i is not largest], budget)
        if largest is not None:
            name = next(n for n, state, part in self.sheets
                        if part == largest.filename and state == "visible")
            by_columns = self._columnar and columnar.wanted(largest.file_size)
            self._ahead = _ReadAhead(name, self._read_ahead_columns if by_columns
                                     else self._load)
            self._scan_parts([largest], budget)

    @staticmethod
    def _is_sheet(name: str, targets: set[str]) -> bool:
        return name in targets or _key(name).startswith("xl/worksheets/")

    # -- container checks -----------------------------------------------------------------------
    def _container(self) -> dict[str, zipfile.ZipInfo]:
        """The container's checks; every part by the name the reader looks it up by."""
        infos = self._zip.infolist()
        limits = self.limits
        if len(infos) > limits.max_zip_members:
            raise Unreadable(Code.F02, f"the workbook has {len(infos)} parts, over the limit of "
                             f"{limits.max_zip_members}", RESAVE_HINT)
        members: dict[str, zipfile.ZipInfo] = {}
        for info in infos:
            key = _key(info.filename)
            if key in members:
                # which of the two a reader takes is its own choice: the scan could pass one
                # and the reader load the other
                raise Unreadable(Code.F02, f"the workbook holds two parts named "
                                 f"{members[key].filename} (part names ignore case)",
                                 RESAVE_HINT)
            members[key] = info
        if _WORKBOOK not in members and not any(k.endswith("workbook.xml") for k in members):
            raise Unreadable(Code.F01, "a zip file, but not an Excel workbook (no "
                             "xl/workbook.xml: is it a Word or other Office document?)",
                             "save the submission from Excel as .xlsx")
        declared = 0
        for key, info in members.items():
            if info.flag_bits & 0x1:
                raise Unreadable(Code.F01, f"the workbook part {info.filename} is encrypted",
                                 "remove the password protection in Excel and save again")
            if key.endswith(_XML_SUFFIXES):
                declared += info.file_size
            if (info.file_size > 1024 * 1024
                    and info.file_size > limits.max_compression_ratio * max(info.compress_size, 1)):
                raise Unreadable(Code.F02, f"the workbook part {info.filename} expands "
                                 f"{info.file_size // max(info.compress_size, 1)}-fold "
                                 f"(a zip bomb?); refused", "do not check this file")
        if declared > limits.max_uncompressed_bytes:
            raise Unreadable(Code.F02, f"the workbook's XML would take {declared // 2**20} MiB "
                             f"uncompressed, over the limit of "
                             f"{limits.max_uncompressed_bytes // 2**20} MiB",
                             "split the sheet into smaller files")
        return members

    def _scan_parts(self, parts: list[zipfile.ZipInfo], budget: int) -> int:
        """Scan ``parts`` within ``budget`` uncompressed bytes; what is left of the budget."""
        for info in parts:
            if info.filename in self._scans:
                continue  # scanned once, however many sheets name it
            scan, used = self._scan_part(info, budget)
            budget -= used
            self._scans[info.filename] = scan
        return budget

    def _scan_part(self, info: zipfile.ZipInfo, budget: int) -> tuple[_PartScan, int]:
        limits = self.limits
        name = info.filename
        key = _key(name)
        scan = _PartScan()
        total = 0
        scanner: _Scanner | None = None
        strings: _StringsScanner | None = None
        prolog = True
        try:
            with self._zip.open(info) as stream:
                # read(n) returns n bytes unless the part ends, so the first chunk holds the
                # whole prolog (or the whole part)
                while chunk := stream.read(_CHUNK):
                    total += len(chunk)
                    if total > budget:
                        raise Unreadable(Code.F02, "the workbook's XML is larger uncompressed "
                                         "than the limit of "
                                         f"{limits.max_uncompressed_bytes // 2**20} MiB",
                                         "split the sheet into smaller files")
                    if prolog:
                        _check_prolog(name, chunk[: limits.max_prolog_bytes], limits)
                        prolog = False
                        if name in self._sheet_targets() or key.startswith("xl/worksheets/"):
                            scanner = _Scanner(limits.max_rows)
                        elif key == _SHARED_STRINGS:
                            _check_string_count(name, chunk[: limits.max_prolog_bytes], limits)
                            strings = _StringsScanner()
                    if scanner is not None:
                        scanner.feed(chunk)
                        self._check_scan(scanner, name)
                    elif strings is not None:
                        self._check_strings(strings, name, total)
                        strings.feed(chunk)
                if scanner is not None:
                    scanner.feed(b"", final=True)
                    self._check_scan(scanner, name)
                elif strings is not None:
                    strings.feed(b"", final=True)
                    self._check_strings(strings, name, total)
                    self._strings = strings.lengths
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
            raise Unreadable(Code.F01, f"the workbook part {name} is corrupt or truncated "
                             f"({exc})", RESAVE_HINT) from exc
        if scanner is not None:
            scan.rows = scanner.rows
            scan.cells = scanner.cells
            scan.may_hide = scanner.hidden > 0
            scan.may_have_formulas = scanner.formulas > 0
            scan.all_text = 0 < scanner.cells == scanner.texts
            self._weigh(info, scanner.cells)
        return scan, total

    def _sheet_targets(self) -> set[str]:
        return {part for _, _, part in getattr(self, "sheets", ()) if part is not None}

    def _check_strings(self, strings: _StringsScanner, name: str, total: int) -> None:
        limits = self.limits
        if total > limits.max_shared_strings_bytes:
            raise Unreadable(
                Code.F02, f"the workbook's shared strings ({name}) take more than "
                f"{limits.max_shared_strings_bytes // 2**20} MiB, over the safety limit",
                "split the bulk sheet into smaller files")
        if len(strings.lengths) > limits.max_cells:
            raise Unreadable(Code.F02, f"the workbook part {name} holds more than "
                             f"{limits.max_cells:,} strings, over the limit", RESAVE_HINT)

    def _weigh(self, info: zipfile.ZipInfo, cells: int) -> None:
        """Bound the text a sheet's cells hold once each shared-string reference is replaced by
        its string: the reader copies a string into every cell that refers to it, so that text
        is the sum of the references' lengths. A sheet whose cells stay within the bound even
        if each held the longest string costs nothing more (a 100,000-row bulk sheet's do);
        otherwise its references are read again, and weighed one by one."""
        lengths = self._strings
        if not lengths:
            return
        most = cells * max(lengths)
        if self._expanded + most <= self.limits.max_expanded_text_bytes:
            self._expanded += most
            return
        weigher = _ReferenceWeigher(lengths)
        with self._zip.open(info) as stream:
            while chunk := stream.read(_CHUNK):
                weigher.feed(chunk)
                self._check_expanded(weigher.total, info.filename)
            weigher.feed(b"", final=True)
        self._check_expanded(weigher.total, info.filename)
        self._expanded += weigher.total

    def _check_expanded(self, weighed: int, name: str) -> None:
        limit = self.limits.max_expanded_text_bytes
        if self._expanded + weighed > limit:
            raise Unreadable(
                Code.F02, f"the sheets' cells refer to the workbook's shared strings so often "
                f"that they would hold more than {limit // 2**20} MiB of text once read (a long "
                f"string referenced by many cells, in {name} or before it), over the safety "
                "limit", "split the bulk sheet into smaller files; if a long text is repeated "
                "in many cells, delete it")

    def _check_scan(self, scanner: _Scanner, name: str) -> None:
        limits = self.limits
        if scanner.rows > limits.max_rows or scanner.max_row > limits.max_rows:
            raise self._too_many("rows", limits.max_rows, name)
        if scanner.cells > limits.max_cells:
            raise self._too_many("cells", limits.max_cells, name)
        if scanner.area > limits.max_sheet_area:
            raise Unreadable(
                Code.F02, f"a sheet ({name}) reaches column {column_letter(scanner.max_column)}"
                f" and row {scanner.max_row:,}: {scanner.area:,} cells from A1, over the limit "
                f"of {limits.max_sheet_area:,} (the spreadsheet library sets aside every cell "
                "of that range, however few hold a value)",
                "delete what lies far from the table (in Excel, Ctrl+End goes to the last cell "
                "in use), save, and check again")

    @staticmethod
    def _too_many(what: str, limit: int, name: str) -> Unreadable:
        return Unreadable(Code.F02, f"a sheet ({name}) has more than {limit:,} {what}, over the "
                          "safety limit", "split the bulk sheet into files of at most "
                          f"{limit:,} {what}")

    def _read_small_xml(self, key: str) -> Any:
        info = self._members.get(key)
        if info is None:
            return None
        data = self._zip.read(info)
        try:
            return etree.fromstring(data, hardened_parser())
        except etree.XMLSyntaxError as exc:
            raise Unreadable(Code.F01, f"the workbook part {info.filename} is not well-formed "
                             f"XML ({exc})", RESAVE_HINT) from exc

    def _sheet_parts(self) -> list[tuple[str, str, str | None]]:
        """(sheet name, state, worksheet part) for every sheet, in workbook order, each part
        once: a sheet that names a part an earlier sheet already names (Excel never writes
        that) is an alias of the sheet kept, the visible one where there is one."""
        workbook = self._read_small_xml(_WORKBOOK)
        rels = self._read_small_xml(_WORKBOOK_RELS)
        targets: dict[str, str] = {}
        if rels is not None:
            for rel in rels.iter(f"{{{_PKG_REL_NS}}}Relationship"):
                target = rel.get("Target", "")
                path = (target.lstrip("/") if target.startswith("/")
                        else posixpath.normpath(posixpath.join("xl", target)))
                member = self._members.get(_key(path))
                # the part as the zip names it: the reader finds it whatever the case
                targets[rel.get("Id", "")] = member.filename if member is not None else path
        out: list[tuple[str, str, str | None]] = []
        if workbook is None:
            return out
        kept: dict[str, int] = {}
        for sheet in workbook.iter(f"{{{_MAIN_NS}}}sheet"):
            name, state = sheet.get("name", ""), sheet.get("state", "visible")
            part = targets.get(sheet.get(f"{{{_REL_NS}}}id", ""))
            if part is None or part not in kept:
                if part is not None:
                    kept[part] = len(out)
                out.append((name, state, part))
                continue
            first = kept[part]
            if state == "visible" and out[first][1] != "visible":
                self._aliases[out[first][0]] = name
                out[first] = (name, state, part)
            elif name != out[first][0]:
                self._aliases[name] = out[first][0]
        kept_names = {name for name, _, _ in out}
        for alias, target in list(self._aliases.items()):
            # an alias of a sheet that became one in turn: each step is one sheet element
            kept_name, steps = target, len(self._aliases)
            while kept_name not in kept_names and steps:
                kept_name, steps = self._aliases.get(kept_name, kept_name), steps - 1
            if alias in kept_names:
                del self._aliases[alias]  # another sheet of the same name is kept
            else:
                self._aliases[alias] = kept_name
        return out

    @property
    def sheet_names(self) -> list[str]:
        """Every sheet's name, aliases of another sheet's part included."""
        return [name for name, _, _ in self.sheets] + list(self._aliases)

    # -- values ---------------------------------------------------------------------------------
    def _calamine(self) -> Any:
        if self._book is None:
            from python_calamine import CalamineError, CalamineWorkbook, PasswordError

            try:
                self._book = CalamineWorkbook.from_path(str(self.path))
            except PasswordError as exc:
                raise Unreadable(Code.F01, "the workbook is password-protected",
                                 "remove the password in Excel and save again") from exc
            except (CalamineError, OSError, ValueError) as exc:
                raise Unreadable(Code.F01, f"the workbook cannot be read ({exc})",
                                 RESAVE_HINT) from exc
        return self._book

    def sheet_has_content(self, part: str | None) -> bool:
        scan = self._scans.get(part or "")
        return bool(scan and scan.cells)

    def plain_text(self, name: str) -> bool:
        """Whether the scan found sheet ``name``'s every cell spelt as text, and nothing that
        makes its rows more than its cells' values (no formula, nothing hidden: where the scan
        saw the letters of either, the walk that ``sheet`` makes anyway says): a hint that
        errs only for a crafted sheet (see ``_PartScan.all_text``)."""
        name = self._aliases.get(name, name)
        part = next((p for n, _, p in self.sheets if n == name), None)
        scan = self._scans.get(part or "")
        if part is None or scan is None or not scan.all_text:
            return False
        if scan.may_hide or scan.may_have_formulas:
            if part not in self._walked:
                self._walked[part] = self._details(part)
            return not any(self._walked[part])
        return True

    def sheet_rows(self, part: str | None) -> int:
        """The rows the scan counted in a sheet's part (0 if none)."""
        scan = self._scans.get(part or "")
        return scan.rows if scan else 0

    def sheet(self, name: str) -> SheetData:
        """One sheet's rows (a sheet that names another's part reads that sheet)."""
        name = self._aliases.get(name, name)
        part = next((p for n, _, p in self.sheets if n == name), None)
        scan = self._scans.get(part or "", _PartScan())
        hidden_rows: frozenset[int] = frozenset()
        hidden_cols: frozenset[int] = frozenset()
        formulas: dict[tuple[int, int], str] = {}
        if part and (scan.may_hide or scan.may_have_formulas):
            if part not in self._walked:
                self._walked[part] = self._details(part)
            hidden_rows, hidden_cols, formulas = self._walked[part]
        ahead = self._ahead
        ws: Any = None
        if self._loaded is not None and self._loaded[0] == name:
            ws = self._loaded[1]
        elif ahead is not None and ahead.name == name:
            self._ahead = None
            ws = ahead.result()
        elif ahead is not None:
            # calamine's workbook serves one thread at a time; the read-ahead sheet's own
            # outcome waits until that sheet is asked for
            ahead.wait()
        elif self._columnar and part is not None and columnar.wanted(self._part_bytes(part)):
            # after the scan: it has refused a cell past ZZ, which would end this process
            ws = self._load_columns(name)
        if isinstance(ws, columnar.Columns) and not self.plain_text(name):
            ws = None  # read ahead before the scan found a cell that is not text
        if ws is None:
            ws = self._load(name)
        self._loaded = (name, ws)
        if isinstance(ws, columnar.Columns):
            return SheetData(name=name, rows=ws.rows(), columns=ws)
        return SheetData(name=name, rows=_rows(ws, formulas), hidden_rows=hidden_rows,
                         hidden_columns=hidden_cols)

    def _part_bytes(self, part: str) -> int:
        info = self._members.get(_key(part))
        return info.file_size if info is not None else 0

    def _load_columns(self, name: str) -> columnar.Columns | None:
        """Sheet ``name`` read column by column, if the scan found it all text; None
        otherwise, or if fastexcel finds a cell that is not text."""
        return columnar.load(self.path, name) if self.plain_text(name) else None

    def _read_ahead_columns(self, name: str) -> columnar.Columns | None:
        """Sheet ``name`` read column by column while its scan goes on (``sheet`` drops it if
        the scan then finds a cell that is not text)."""
        return columnar.load(self.path, name)

    def _load(self, name: str) -> Any:
        book = self._calamine()
        try:
            return book.get_sheet_by_name(name)
        except Exception as exc:  # calamine raises its own types for broken sheet XML
            raise Unreadable(Code.F01, f"sheet '{name}' cannot be read ({exc})",
                             RESAVE_HINT) from exc

    def _details(self, part: str) -> tuple[frozenset[int], frozenset[int], dict[Cell, str]]:
        """Walk one worksheet's XML with the hardened parser for hidden rows, columns, formulas:
        one pass, linear in the part's size. A cell or row without its reference is where the
        reader puts it: after the one before."""
        rows: set[int] = set()
        spans: list[tuple[int, int]] = []
        formulas: dict[tuple[int, int], str] = {}
        row_number = 0  # the last row ended
        column = 0  # the last cell's column in the row being read
        try:
            with self._zip.open(part) as stream:
                for _, elem in etree.iterparse(_Reader(stream), events=("end",),
                                               resolve_entities=False, no_network=True,
                                               load_dtd=False, huge_tree=False):
                    tag = elem.tag.rpartition("}")[2] if isinstance(elem.tag, str) else ""
                    if tag == "c":
                        column = _formula_without_value(elem, formulas, row_number + 1, column)
                    elif tag == "row":
                        row_number = int(elem.get("r", row_number + 1))
                        column = 0
                        if _truthy(elem.get("hidden")):
                            rows.add(row_number)
                        elem.clear()
                    elif tag == "col" and _truthy(elem.get("hidden")):
                        # no cell lies past ZZ (the scan refuses one): a span to XFD is cut
                        # there, and spans are joined at the end, not column by column
                        lo, hi = int(elem.get("min", "1")), int(elem.get("max", "1"))
                        if max(lo, 1) <= min(hi, _LAST_COLUMN):
                            spans.append((max(lo, 1), min(hi, _LAST_COLUMN)))
        except (etree.XMLSyntaxError, ValueError, zipfile.BadZipFile, zlib.error) as exc:
            raise Unreadable(Code.F01, f"the worksheet {part} is not well-formed ({exc})",
                             RESAVE_HINT) from exc
        return frozenset(rows), _join(spans), formulas

    def close(self) -> None:
        self._loaded = None
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


def _join(spans: list[tuple[int, int]]) -> frozenset[int]:
    """The columns in any of ``spans`` (inclusive), each span's columns added once."""
    out: set[int] = set()
    reach = 0
    for lo, hi in sorted(spans):
        if hi > reach:
            out.update(range(max(lo, reach + 1), hi + 1))
            reach = hi
    return frozenset(out)


def _formula_without_value(cell: Any, formulas: dict[tuple[int, int], str], row: int,
                           column: int) -> int:
    """Note ``cell`` in ``formulas`` if it holds a formula without a cached value; its column
    (``column`` + 1 if it has no reference). ``row``: the row a cell without one is in."""
    ref = parse_cell_ref(cell.get("r", ""))
    if ref is None:
        parent = cell.getparent()
        number = parent.get("r") if parent is not None else None
        ref = (int(number) if number is not None and number.isdigit() else row, column + 1)
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
            formulas[ref] = "=" + (formula.text or "(shared formula)")
    return ref[1]


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
