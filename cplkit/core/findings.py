"""Findings: what cplkit reports about content, each with a stable code and an exact location.

A finding is data, never an exception: validation collects every finding and goes on. This module
holds the ``Finding`` record, the codes (``Code``, an enumeration, so the type checker knows every
code a module names), their catalogue (severity, title, what to do by default) and the per-file
and whole-run report records. It does not render reports (see ``cplkit.render.reports``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from enum import StrEnum
from types import MappingProxyType

from cplkit.core.model import ENTRY_NUMBER, Layout, RawEntry, as_text


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


class Code(StrEnum):
    """Every finding code. The member is what the code reads as in Python, the value what users
    see in every report (``Code.V01`` is Code.V01); codes are stable: never renumber or reuse
    one. ``CODES`` says what each means."""

    # the file and its layout
    F01 = "CPL-F01"
    F02 = "CPL-F02"
    F03 = "CPL-F03"
    F04 = "CPL-F04"
    F05 = "CPL-F05"
    F06 = "CPL-F06"
    F07 = "CPL-F07"
    F08 = "CPL-F08"
    # one value
    V01 = "CPL-V01"
    V02 = "CPL-V02"
    V03 = "CPL-V03"
    V04 = "CPL-V04"
    V05 = "CPL-V05"
    V06 = "CPL-V06"
    V07 = "CPL-V07"
    V08 = "CPL-V08"
    V09 = "CPL-V09"
    V10 = "CPL-V10"
    V11 = "CPL-V11"
    V12 = "CPL-V12"
    V13 = "CPL-V13"
    V14 = "CPL-V14"
    V15 = "CPL-V15"
    # the cross-field rules
    R01 = "CPL-R01"
    R02 = "CPL-R02"
    R03 = "CPL-R03"
    R04 = "CPL-R04"
    R05 = "CPL-R05"
    R06 = "CPL-R06"
    R07 = "CPL-R07"
    R08 = "CPL-R08"
    R09 = "CPL-R09"
    R10 = "CPL-R10"
    R11 = "CPL-R11"
    # merging a change set into the list
    M01 = "CPL-M01"
    M02 = "CPL-M02"
    M03 = "CPL-M03"
    M04 = "CPL-M04"
    M05 = "CPL-M05"
    M06 = "CPL-M06"
    M07 = "CPL-M07"
    M08 = "CPL-M08"
    M09 = "CPL-M09"
    # importing SECAS's list
    I01 = "CPL-I01"
    I02 = "CPL-I02"
    I03 = "CPL-I03"
    I04 = "CPL-I04"


@dataclass(frozen=True, slots=True)
class CodeEntry:
    """One entry of the code catalogue: what a code means and what to do by default."""

    code: Code
    severity: Severity
    title: str
    hint: str
    #: True for codes meaning the file could not be read at all (exit status 3).
    unreadable: bool = False


def _catalogue(*entries: CodeEntry) -> Mapping[Code, CodeEntry]:
    return MappingProxyType({c.code: c for c in entries})


E, W = Severity.ERROR, Severity.WARNING

CODES: Mapping[Code, CodeEntry] = _catalogue(
    CodeEntry(Code.F01, E,
         "not a readable spreadsheet or CSV: wrong type, corrupt, password-protected",
         "save the file from Excel as .xlsx (Excel Workbook), .xlsm or .csv (UTF-8) and check it "
         "again", unreadable=True),
    CodeEntry(Code.F02, E, "over a safety limit (size, uncompressed size, rows, cells, used range, "
         "cell length), or XML with a DTD or entities",
         "a CPL submission is small: remove what does not belong to it, or split a bulk sheet, "
         "and save it again from Excel", unreadable=True),
    CodeEntry(Code.F03, E, "no submission layout recognised",
         "use the SECAS 'CPL - New Entry' form, the 'Central Products List' layout, or a table "
         "whose first row holds the canonical field names (cplkit template writes one)",
         unreadable=True),
    CodeEntry(Code.F04, E, "a field's row or column is missing from the layout, or a form's row is "
         "labelled so SECAS's check would not find it",
         "restore the missing row or column, or its label as SECAS's form writes it (cplkit "
         "template writes a complete form)"),
    CodeEntry(Code.F05, W, "unknown field or column, ignored",
         "check the spelling of the field name, or remove the row or column"),
    CodeEntry(Code.F06, W, "hidden rows, columns or sheets hold content that was not read",
         "unhide the content and move it into the form if it belongs to the submission, or delete "
         "it"),
    CodeEntry(Code.F07, E, "a second filled-in New Entry form in one workbook, not read",
         "send each form in its own file, or put further entries in columns H, I... of the "
         "first form"),
    CodeEntry(Code.F08, E, "a change file's header names a column twice: which one its rows mean "
         "cannot be told; no row of the file is read",
         "keep one column of each name (cplkit template writes each change file's header)"),
    CodeEntry(Code.V01, E, "required value missing", "fill in the cell"),
    CodeEntry(Code.V02, E, "value must be empty here", "clear the cell"),
    CodeEntry(Code.V03, E, "wrong format: pattern, length, characters, CPA prefix",
         "correct the value to the format the field's Format column gives"),
    CodeEntry(Code.V04, E, "identifier in a reserved range",
         "use the identifier from the device's OTA header; the reserved values are never valid"),
    CodeEntry(Code.V05, E, "not one of the allowed values", "pick one of the allowed values"),
    CodeEntry(Code.V06, E, "a number where text is expected (Excel changed what was typed)",
         "format the cell as Text (Format Cells > Text) and type the value again"),
    CodeEntry(Code.V07, E, "not a real date", "write the date as dd/mm/yyyy, e.g. 30/08/2029"),
    CodeEntry(Code.V08, E, "formula without a cached value",
         "replace the formula by its value (copy, then Paste Special > Values) and save in Excel"),
    CodeEntry(Code.V09, W, "value normalised (trimmed, hex form or case, _x000D_)",
         "nothing to do; cplkit uses the normalised value shown in the message"),
    CodeEntry(Code.V10, W, "field allocated by SECAS was filled in; ignored",
         "leave the cell as the form has it; SECAS allocates this value"),
    CodeEntry(Code.V11, W, "manufacturer image descriptor missing, or names no ZigBee band",
         "say whether the image is complete or a fragment, and end with the band: 'Single Band "
         "(2.4 GHz)', 'Single Band (Sub-GHz)' or 'Dual Band'"),
    CodeEntry(Code.V12, E, "written in a form SECAS's tool refuses (spaces around it, hex without "
         "colons, another date spelling or a time after the date, a lower-case CPA prefix); the "
         "message gives the value to type and the value read",
         "type the value exactly as the message gives it: SECAS's own check refuses it as written"),
    CodeEntry(Code.V13, W,
         "advice on a value SECAS's check accepts: not a telephone number, e-mail "
         "or web address, a link that is not public, a direction mark, not printable ASCII in an "
         "id, over the form's octets though within its characters",
         "check the value; SECAS's check accepts it and passes it on as written"),
    CodeEntry(Code.V14, W, "what SECAS's form asks for, which its check and its published list do "
         "without: a PPMID's security characteristics left empty, a descriptor with no image",
         "give what the form asks for; SECAS's check accepts the entry as it is"),
    CodeEntry(Code.V15, W, "'Not Relevant' written as the CPA certificate id: read as no id, as "
         "SECAS's check accepts it where no certificate applies (a PPMID)",
         "leave the cell empty; on a SMETS1 form SECAS's check refuses it (CPL-V02)"),
    CodeEntry(Code.R01, E, "spec family does not fit the device type",
         "a Communications Hub takes a CHTS version, every other device type a SMETS version"),
    CodeEntry(Code.R02, E, "GBCS family does not fit the spec version",
         "SMETS1 (SMETS V1.2) goes with GBCS Version 0.0; SMETS2+ versions with GBCS 1.1 or later"),
    CodeEntry(Code.R03, E, "combination not in the Device Level Versioning table",
         "use a SMETS/CHTS and GBCS version pair the Device Level Versioning table allows for "
         "this device type (cplkit rules lists them)"),
    CodeEntry(Code.R04, E, "legacy version, no longer accepted for new entries",
         "certify against a current version; legacy values only remain on existing entries"),
    CodeEntry(Code.R05, W, "installation period over; maintenance only",
         "nothing to do if this entry serves devices already installed (e.g. a firmware fix)"),
    CodeEntry(Code.R06, E, "maintenance period over",
         "this combination may no longer be used on the DCC network"),
    CodeEntry(Code.R07, E, "installation period not started",
         "submit once the installation validity period of this combination has started"),
    CodeEntry(Code.R08, E, "CPA [E] expiry date before the as-of date or beyond the window",
         "give the expiry date printed on the CPA certificate; an expired certificate needs "
         "renewing by NCSC first"),
    CodeEntry(Code.R09, E, "manufacturer image fields incomplete: creator and hash together, and a "
         "descriptor with them",
         "give the creator, the hash and the descriptor together, or leave all three empty"),
    CodeEntry(Code.R10, W,
         "CPA certificate date soon or past: an [E] certificate expiring within the "
         "notice period, or an [R] certificate past its renewal date",
         "ask NCSC for the renewed certificate and send SECAS a certificate update"),
    CodeEntry(Code.R11, E, "value not allowed for this device type",
         "use a value the device type allows (the message names them)"),
    CodeEntry(Code.M01, E, "two entries in the change set with the same key (device type, Device "
         "Model, firmware, SMETS/CHTS version, GBCS version)", "submit each listing once"),
    CodeEntry(Code.M02, E, "already on the CPL as a Current entry with that key",
         "nothing to submit: the listing exists"),
    CodeEntry(Code.M03, W, "the Device Model is already listed under another device type",
         "check the model identifier"),
    CodeEntry(Code.M04, E, "a removal, reinstatement, correction or certificate update names an "
         "entry or certificate that does not exist or is not in the status it needs, or a "
         "correction changes nothing", "check the entry number or certificate id"),
    CodeEntry(Code.M05, W, "the key exists only as Removed entries: a resubmission",
         "make sure the reason for the removal no longer applies"),
    CodeEntry(Code.M06, E, "the issue date is before the latest version's",
         "publish with an --as-of date on or after the latest version's issue date"),
    CodeEntry(Code.M07, E, "two changes in one change set set the same field of the same entry "
         "(corrections, renames or certificate updates): which one holds cannot be told",
         "give each field of an entry one change: keep the row that holds, or publish the "
         "changes as two versions"),
    CodeEntry(Code.M08, E, "a rules change would refuse an entry already Current on the list, "
         "which the rules it was issued under accept",
         "keep the value in the rules (as a legacy value), or remove the entry in the same "
         "version"),
    CodeEntry(Code.M09, E, "a change lists an entry under a certificate recorded as withdrawn "
         "(cplkit certificates withdraw): a new entry, a certificate update, a correction or "
         "rename of a certificate id, or a reinstatement",
         "a withdrawn certificate lists no Device Model: give the certificate issued in its "
         "place, or leave the entry out"),
    CodeEntry(Code.I01, W, "imported as SECAS issued it, although it breaks a rule",
         "nothing to do for the import; correct it by a removal plus a new entry if needed"),
    CodeEntry(Code.I02, W, "entry numbers missing from the imported list",
         "nothing to do: numbers are never reused, so the gap stays"),
    CodeEntry(Code.I03, W, "a history line dated before the line above it",
         "nothing to do for the import: the history is kept as SECAS issued it"),
    CodeEntry(Code.I04, W, "a manufacturer id no history line names a company for",
         "name it with 'cplkit names set ID \"Company\" -r REGISTRY --reason ...'"),
)


@dataclass(frozen=True, slots=True)
class Location:
    """Where a finding points: the file, the entry in it, the sheet and cell, the canonical field
    and the value as read. Every finding is built with one, so no caller assembles it by hand."""

    file: str | None = None
    entry: int | None = None
    sheet: str | None = None
    cell: str | None = None
    field: str | None = None
    value: str | None = None
    #: the entry's own number, where the layout carries one (a published list): readers find
    #: an entry by it, and it drifts from the position at every gap in the numbering
    number: str | None = None

    @staticmethod
    def of(file: str | None, raw: RawEntry, field: str | None = None) -> Location:
        """The cell of ``field`` in the entry ``raw`` (or the entry as a whole)."""
        number = raw.values.get(ENTRY_NUMBER) if not raw.placement.submission else None
        shown = as_text(number) if number is not None else None
        if field is None:
            return Location(file, raw.index, raw.placement.sheet, number=shown)
        return Location(file, raw.index, raw.placement.sheet, raw.cell(field), field,
                        as_text(raw.values.get(field)), shown)


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem, at one place. ``cell`` is the A1 reference of the value to change."""

    code: Code
    severity: Severity
    message: str
    hint: str
    at: Location

    # the location's parts, read as the finding's own: every report names them
    @property
    def file(self) -> str | None:
        return self.at.file

    @property
    def entry(self) -> int | None:
        return self.at.entry

    @property
    def sheet(self) -> str | None:
        return self.at.sheet

    @property
    def cell(self) -> str | None:
        return self.at.cell

    @property
    def place(self) -> str:
        """Where in the file, as a spreadsheet user names it: 'Sheet!G14', a cell, a sheet, or
        'file' for the file as a whole."""
        if self.sheet and self.cell:
            return f"{self.sheet}!{self.cell}"
        return self.cell or self.sheet or "file"

    @property
    def field(self) -> str | None:
        return self.at.field

    @property
    def value(self) -> str | None:
        return self.at.value

    @property
    def number(self) -> str | None:
        return self.at.number

    def as_dict(self) -> dict[str, object]:
        at = self.at
        return {"code": self.code.value, "severity": self.severity.value, "file": at.file,
                "entry": at.entry, "number": at.number, "sheet": at.sheet, "cell": at.cell,
                "field": at.field, "value": at.value, "message": self.message,
                "hint": self.hint}


NOWHERE = Location()


def make_finding(code: Code, message: str, at: Location = NOWHERE, *,
                 hint: str | None = None) -> Finding:
    """Build a finding at ``at``; its severity and default hint come from the catalogue."""
    spec = CODES[code]
    return Finding(code, spec.severity, message, hint or spec.hint, at)


@dataclass(frozen=True, slots=True)
class FileReport:
    """What checking one file gave: the layout recognised, how many entries, every finding."""

    path: str
    layout: Layout | None
    entries: int
    findings: tuple[Finding, ...]
    sheet: str | None = None
    #: a CSV file's field separator as read (",", ";" or a tab); None for a workbook
    delimiter: str | None = None
    #: findings left out of ``findings`` by a cap on what is shown (counts stay whole)
    omitted: int = 0
    omitted_errors: int = 0
    omitted_warnings: int = 0

    @property
    def errors(self) -> int:
        return self.omitted_errors + sum(
            1 for f in self.findings if f.severity is Severity.ERROR)

    @property
    def warnings(self) -> int:
        return self.omitted_warnings + sum(
            1 for f in self.findings if f.severity is Severity.WARNING)

    @property
    def unreadable(self) -> bool:
        return any(CODES[f.code].unreadable for f in self.findings)

    def capped(self, limit: int) -> FileReport:
        """The report showing at most ``limit`` findings, errors first; the counts stay whole."""
        if len(self.findings) <= limit:
            return self
        ranked = sorted(self.findings, key=lambda f: f.severity is not Severity.ERROR)
        kept = set(map(id, ranked[:limit]))
        shown = tuple(f for f in self.findings if id(f) in kept)
        left = [f for f in self.findings if id(f) not in kept]
        return replace(self, findings=shown, omitted=self.omitted + len(left),
                       omitted_errors=self.omitted_errors + sum(
                           1 for f in left if f.severity is Severity.ERROR),
                       omitted_warnings=self.omitted_warnings + sum(
                           1 for f in left if f.severity is Severity.WARNING))


@dataclass(frozen=True, slots=True)
class Report:
    """The result of one run over several files."""

    files: tuple[FileReport, ...]
    as_of: str
    ruleset: str
    #: SHA-256 of the ruleset's content: tells an edited copy from the bundled rules
    ruleset_sha256: str = ""

    @property
    def errors(self) -> int:
        return sum(f.errors for f in self.files)

    @property
    def warnings(self) -> int:
        return sum(f.warnings for f in self.files)

    @property
    def entries(self) -> int:
        return sum(f.entries for f in self.files)

    @property
    def unreadable(self) -> int:
        return sum(1 for f in self.files if f.unreadable)

    def capped(self, limit: int | None) -> Report:
        """Each file's report showing at most ``limit`` findings (None: all)."""
        if limit is None:
            return self
        return replace(self, files=tuple(f.capped(limit) for f in self.files))


def sort_key(finding: Finding) -> tuple[int, int, str]:
    """Order findings by entry, then by where the cell sits, so a report reads top to bottom."""
    return (finding.entry or 0, _cell_order(finding.cell), finding.code)


def _cell_order(cell: str | None) -> int:
    if not cell:
        return -1
    letters = "".join(ch for ch in cell if ch.isalpha())
    digits = "".join(ch for ch in cell if ch.isdigit())
    col = 0
    for ch in letters:
        col = col * 26 + (ord(ch.upper()) - 64)
    return int(digits or 0) * 1000 + col


def count_by_code(findings: Iterable[Finding]) -> dict[Code, int]:
    counts: dict[Code, int] = {}
    for f in findings:
        counts[f.code] = counts.get(f.code, 0) + 1
    return counts
