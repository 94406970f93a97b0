"""Opens one submission file: recognises its type by content, picks the sheet, finds its layout.

The file's first bytes decide how it is read (a zip container is a workbook, an OLE2 container is
an encrypted workbook or a legacy .xls, text is CSV), never its name. In a workbook the sheet is
picked by what it holds: a filled-in New Entry form first, then a Central Products List tab, then
a table with canonical headers, then a blank form. Problems that stop reading become
``Unreadable``; layout problems become findings. Values are not checked here.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from cplkit.base.files import not_regular
from cplkit.core.findings import Code, Finding, Location, make_finding
from cplkit.core.model import Layout
from cplkit.core.ruleset import Ruleset, fold
from cplkit.errors import NotFound
from cplkit.intake.csvfile import read_csv
from cplkit.intake.layouts import BufferedSheet, Recognised, Recogniser
from cplkit.intake.limits import Limits
from cplkit.intake.sheets import SheetData, Unreadable
from cplkit.intake.xlsx import Workbook

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
_SNIFF = 8192


@dataclass(slots=True)
class Opened:
    """A readable file: its layout and entries, plus findings about the file as a whole."""

    recognised: Recognised
    findings: list[Finding]
    #: a CSV file's field separator (None: a workbook)
    delimiter: str | None = None


def sniff_kind(path: Path, head: bytes) -> str:
    if not head:
        raise Unreadable(Code.F01, "the file is empty", "save the submission again and resend it")
    if head.startswith(_ZIP):
        return "xlsx"
    if head.startswith(_OLE2):
        data = path.read_bytes() if path.stat().st_size <= 64 * 2**20 else b""
        if "EncryptedPackage".encode("utf-16-le") in data:
            raise Unreadable(Code.F01, "the workbook is password-protected (encrypted)",
                             "remove the password (File > Info > Protect Workbook > Encrypt with "
                             "Password, clear it), save, and check again")
        raise Unreadable(Code.F01, "a legacy Excel 97-2003 (.xls) or other OLE2 file; cplkit "
                         "reads .xlsx, .xlsm and .csv",
                         "open it in Excel and save it as Excel Workbook (.xlsx)")
    if head.startswith(b"%PDF"):
        raise Unreadable(Code.F01, "a PDF document, not a spreadsheet",
                         "send the CPL submission workbook (.xlsx) itself")
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "csv"  # UTF-16 text, which Excel writes as 'Unicode Text'
    if b"\x00" in head:
        raise Unreadable(Code.F01, "a binary file that is not a spreadsheet cplkit reads",
                         "send the CPL submission as .xlsx, .xlsm or .csv")
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if stripped.startswith((b"<?xml", b"<html", b"<!doctype", b"<")):
        raise Unreadable(Code.F01, "an XML or HTML file, not a workbook (Excel's 'XML "
                         "Spreadsheet 2003' and web pages are not read)",
                         "open it in Excel and save it as Excel Workbook (.xlsx)")
    return "csv"


def _sniffed(path: Path, limits: Limits) -> str:
    """The kind of file ``path`` is ('xlsx' or 'csv'), after the checks that come before
    reading it: raises ``Unreadable`` if they refuse it."""
    problem = not_regular(path)
    if problem is not None:
        raise Unreadable(Code.F01, problem, "name the submission files themselves")
    try:
        size = path.stat().st_size
        with path.open("rb") as stream:
            head = stream.read(_SNIFF)
    except OSError as exc:
        raise Unreadable(Code.F01, f"cannot be opened: {exc.strerror or exc}",
                         "check the path and that the file can be read") from exc
    if size > limits.max_file_bytes:
        raise Unreadable(Code.F02, f"the file is {size // 2**20} MiB, over the limit of "
                         f"{limits.max_file_bytes // 2**20} MiB", "split it into smaller files")
    return sniff_kind(path, head)


def open_workbook(path: Path, limits: Limits, *, read_ahead: bool = False,
                  columns: bool = False) -> Workbook | None:
    """``path`` opened and pre-checked as a workbook (None: a CSV file), for a reader that
    looks at it more than once (is it a change file? then, as a submission); raises
    ``Unreadable`` as ``open_submission`` would. The caller closes it. ``columns``: an
    all-text sheet may be read column by column (``Workbook``)."""
    if _sniffed(path, limits) == "csv":
        return None
    return Workbook(path, limits, read_ahead=read_ahead, columns=columns)


@contextmanager
def open_submission(path: Path, ruleset: Ruleset, limits: Limits, *, file: str,
                    sheet: str | None = None, read_ahead: bool = False,
                    workbook: Workbook | None = None, columns: bool = False
                    ) -> Iterator[Opened]:
    """Open ``path`` for reading; raises ``Unreadable`` when it cannot be read at all.
    ``read_ahead``: a workbook's largest sheet is loaded while its scan goes on (only for a
    reader in a disposable process: see ``Workbook``). ``workbook``: ``path`` already opened
    by ``open_workbook`` (its caller closes it). ``columns``: an all-text sheet may be read
    column by column (``Workbook``)."""
    recogniser = Recogniser(ruleset, limits, file)
    if workbook is not None:
        yield _open_workbook(workbook, recogniser, sheet)
        return
    if _sniffed(path, limits) == "csv":
        data = read_csv(path.read_bytes(), limits, recogniser.labels.known_header)
        candidate = BufferedSheet(data)
        layout = recogniser.classify(candidate)
        if layout is None:
            raise _no_layout(f"the CSV file's first row names no CPL fields (read with "
                             f"{data.delimiter!r} between fields)")
        yield Opened(recogniser.recognise(candidate, layout), [], data.delimiter)
        return
    workbook = Workbook(path, limits, read_ahead=read_ahead and sheet is None, columns=columns)
    try:
        yield _open_workbook(workbook, recogniser, sheet)
    finally:
        workbook.close()


def prescan(path: Path, limits: Limits) -> None:
    """Only the checks that come before any library reads the file: raises ``Unreadable`` if
    they refuse it. For the verdict on a file whose reader died before they had finished."""
    if not_regular(path) is not None:
        return  # swapped for a pipe or a device since: never opened (it could block)
    with path.open("rb") as stream:
        head = stream.read(_SNIFF)
    if sniff_kind(path, head) == "xlsx":
        Workbook(path, limits).close()


def _no_layout(detail: str) -> Unreadable:
    return Unreadable(Code.F03, f"no CPL submission layout recognised: {detail}",
                      "use the SECAS 'CPL - New Entry' form, the 'Central Products List' "
                      "layout, or a table whose first row holds the canonical field names "
                      "(e.g. Device_Type.name); cplkit template writes both")


#: rows a sheet may have and still be looked at as a New Entry form (one has about 45)
_FORM_ROWS = 1_000
_ONE_FORM = ("send each form in its own file, or put further entries in columns H, I... of the "
             "first form")


def _hidden(recogniser: Recogniser, name: str) -> Finding:
    return make_finding(
        Code.F06, f"sheet '{name}' is hidden and holds content that was not read",
        Location(recogniser.file, sheet=name),
        hint="unhide the sheet (right-click a sheet tab > Unhide) if it belongs to the "
             "submission, or delete it")


def _filled_form(recogniser: Recogniser, sheet: BufferedSheet) -> bool:
    return recogniser.classify(sheet) is Layout.NEW_ENTRY_FORM and recogniser.form_is_filled(sheet)


def _second_form(recogniser: Recogniser, sheet: BufferedSheet) -> int | None:
    """The row where a second filled-in form begins below the first on the same sheet (within
    the rows read first), or None."""
    starts = [i for i, row in enumerate(sheet.head)
              if len(row) >= 2 and isinstance(row[0], str) and isinstance(row[1], str)
              and fold(row[0].strip()) == "data group" and fold(row[1].strip()) == "data attribute"]
    for start in starts[1:]:
        below = BufferedSheet(SheetData(sheet.data.name, iter(sheet.head[start:])))
        if recogniser.form_is_filled(below):
            return start + 1
    return None


def _open_workbook(workbook: Workbook, recogniser: Recogniser, wanted: str | None) -> Opened:
    findings: list[Finding] = []
    names = workbook.sheet_names
    if wanted is not None:
        if wanted not in names:
            # the file is fine, the option is wrong: a usage error, not an unreadable file
            raise NotFound(f"{recogniser.file} has no sheet named '{wanted}'",
                           hint="pick one of: " + ", ".join(repr(n) for n in names))
        candidate = BufferedSheet(workbook.sheet(wanted))
        layout = recogniser.classify(candidate)
        if layout is None:
            raise _no_layout(f"sheet '{wanted}' holds none")
        return Opened(recogniser.recognise(candidate, layout), findings)

    ranked: list[tuple[int, BufferedSheet, Layout]] = []
    filled: list[str] = []
    hidden_forms: list[str] = []
    for name, state, part in workbook.sheets:
        if state != "visible":
            if not workbook.sheet_has_content(part):
                continue
            if workbook.sheet_rows(part) <= _FORM_ROWS and _filled_form(
                    recogniser, BufferedSheet(workbook.sheet(name))):
                hidden_forms.append(name)  # a second form, if a visible one is read
                continue
            findings.append(_hidden(recogniser, name))
            continue
        candidate = BufferedSheet(workbook.sheet(name))
        layout = recogniser.classify(candidate)
        if layout is None:
            continue
        if layout is Layout.NEW_ENTRY_FORM:
            rank = 0 if recogniser.form_is_filled(candidate) else 3
            if rank == 0:
                filled.append(name)
                below = _second_form(recogniser, candidate)
                if below is not None:
                    findings.append(make_finding(
                        Code.F07, f"sheet '{name}' holds a second filled-in New Entry form "
                        f"from row {below}, which was not read (the form above it was)",
                        Location(recogniser.file, sheet=name, cell=f"A{below}"), hint=_ONE_FORM))
        else:
            rank = {Layout.CENTRAL_LIST: 1, Layout.TABLE: 2}[layout]
        if rank != 0 or len(filled) == 1:
            ranked.append((rank, candidate, layout))
    if filled:
        filled.extend(hidden_forms)
    else:
        findings.extend(_hidden(recogniser, name) for name in hidden_forms)
    for name in filled[1:]:
        # one form per file: a second one is never read silently, on any sheet
        hidden = " (a hidden sheet)" if name in hidden_forms else ""
        findings.append(make_finding(
            Code.F07, f"sheet '{name}'{hidden} holds a second filled-in New Entry form, which "
            f"was not read (the form on sheet '{filled[0]}' was)",
            Location(recogniser.file, sheet=name), hint=_ONE_FORM))
    if not ranked:
        raise _no_layout("no sheet holds a New Entry form, a Central Products List or a table "
                         "with canonical field names")
    _, chosen, layout = min(ranked, key=lambda item: item[0])
    return Opened(recogniser.recognise(chosen, layout), findings)
