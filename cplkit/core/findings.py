"""Findings: what cplkit reports about content, each with a stable code and an exact location.

A finding is data, never an exception: validation collects every finding and goes on. This module
holds the ``Finding`` record, the catalogue of codes (severity, title, what to do by default) and
the per-file and whole-run report records. It does not render reports (see
``cplkit.render.reports``).
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


@dataclass(frozen=True, slots=True)
class Code:
    """One entry of the code catalogue. Codes are stable: never renumber or reuse one."""

    code: str
    severity: Severity
    title: str
    hint: str
    #: True for codes meaning the file could not be read at all (exit status 3).
    unreadable: bool = False


def _catalogue(*codes: Code) -> Mapping[str, Code]:
    return MappingProxyType({c.code: c for c in codes})


E, W = Severity.ERROR, Severity.WARNING

CODES: Mapping[str, Code] = _catalogue(
    Code("CPL-F01", E, "not a readable spreadsheet or CSV: wrong type, corrupt, password-protected",
         "save the file from Excel as .xlsx (Excel Workbook), .xlsm or .csv (UTF-8) and check it "
         "again", unreadable=True),
    Code("CPL-F02", E, "over a safety limit (size, uncompressed size, rows, cells, used range, "
         "cell length), or XML with a DTD or entities",
         "a CPL submission is small: remove what does not belong to it, or split a bulk sheet, "
         "and save it again from Excel", unreadable=True),
    Code("CPL-F03", E, "no submission layout recognised",
         "use the SECAS 'CPL - New Entry' form, the 'Central Products List' layout, or a table "
         "whose first row holds the canonical field names (cplkit template writes one)",
         unreadable=True),
    Code("CPL-F04", E, "a field's row or column is missing from the layout, or a form's row is "
         "labelled so SECAS's check would not find it",
         "restore the missing row or column, or its label as SECAS's form writes it (cplkit "
         "template writes a complete form)"),
    Code("CPL-F05", W, "unknown field or column, ignored",
         "check the spelling of the field name, or remove the row or column"),
    Code("CPL-F06", W, "hidden rows, columns or sheets hold content that was not read",
         "unhide the content and move it into the form if it belongs to the submission, or delete "
         "it"),
    Code("CPL-F07", E, "a second filled-in New Entry form in one workbook, not read",
         "send each form in its own file, or put further entries in columns H, I... of the "
         "first form"),
    Code("CPL-F08", E, "a change file's header names a column twice: which one its rows mean "
         "cannot be told; no row of the file is read",
         "keep one column of each name (cplkit template writes each change file's header)"),
    Code("CPL-V01", E, "required value missing", "fill in the cell"),
    Code("CPL-V02", E, "value must be empty here", "clear the cell"),
    Code("CPL-V03", E, "wrong format: pattern, length, characters, CPA prefix",
         "correct the value to the format the field's Format column gives"),
    Code("CPL-V04", E, "identifier in a reserved range",
         "use the identifier from the device's OTA header; the reserved values are never valid"),
    Code("CPL-V05", E, "not one of the allowed values", "pick one of the allowed values"),
    Code("CPL-V06", E, "a number where text is expected (Excel changed what was typed)",
         "format the cell as Text (Format Cells > Text) and type the value again"),
    Code("CPL-V07", E, "not a real date", "write the date as dd/mm/yyyy, e.g. 30/08/2029"),
    Code("CPL-V08", E, "formula without a cached value",
         "replace the formula by its value (copy, then Paste Special > Values) and save in Excel"),
    Code("CPL-V09", W, "value normalised (trimmed, hex form or case, _x000D_)",
         "nothing to do; cplkit uses the normalised value shown in the message"),
    Code("CPL-V10", W, "field allocated by SECAS was filled in; ignored",
         "leave the cell as the form has it; SECAS allocates this value"),
    Code("CPL-V11", W, "manufacturer image descriptor missing, or names no ZigBee band",
         "say whether the image is complete or a fragment, and end with the band: 'Single Band "
         "(2.4 GHz)', 'Single Band (Sub-GHz)' or 'Dual Band'"),
    Code("CPL-V12", E, "written in a form SECAS's tool refuses (spaces around it, hex without "
         "colons, another date spelling or a time after the date, a lower-case CPA prefix); the "
         "message gives the value to type and the value read",
         "type the value exactly as the message gives it: SECAS's own check refuses it as written"),
    Code("CPL-V13", W, "advice on a value SECAS's check accepts: not a telephone number, e-mail "
         "or web address, a link that is not public, a direction mark, not printable ASCII in an "
         "id, over the form's octets though within its characters",
         "check the value; SECAS's check accepts it and passes it on as written"),
    Code("CPL-V14", W, "what SECAS's form asks for, which its check and its published list do "
         "without: a PPMID's security characteristics left empty, a descriptor with no image",
         "give what the form asks for; SECAS's check accepts the entry as it is"),
    Code("CPL-V15", W, "'Not Relevant' written as the CPA certificate id: read as no id, as "
         "SECAS's check accepts it where no certificate applies (a PPMID)",
         "leave the cell empty; on a SMETS1 form SECAS's check refuses it (CPL-V02)"),
    Code("CPL-R01", E, "spec family does not fit the device type",
         "a Communications Hub takes a CHTS version, every other device type a SMETS version"),
    Code("CPL-R02", E, "GBCS family does not fit the spec version",
         "SMETS1 (SMETS V1.2) goes with GBCS Version 0.0; SMETS2+ versions with GBCS 1.1 or later"),
    Code("CPL-R03", E, "combination not in the Device Level Versioning table",
         "use a SMETS/CHTS and GBCS version pair the Device Level Versioning table allows for "
         "this device type (cplkit rules lists them)"),
    Code("CPL-R04", E, "legacy version, no longer accepted for new entries",
         "certify against a current version; legacy values only remain on existing entries"),
    Code("CPL-R05", W, "installation period over; maintenance only",
         "nothing to do if this entry serves devices already installed (e.g. a firmware fix)"),
    Code("CPL-R06", E, "maintenance period over",
         "this combination may no longer be used on the DCC network"),
    Code("CPL-R07", E, "installation period not started",
         "submit once the installation validity period of this combination has started"),
    Code("CPL-R08", E, "CPA [E] expiry date before the as-of date or beyond the window",
         "give the expiry date printed on the CPA certificate; an expired certificate needs "
         "renewing by NCSC first"),
    Code("CPL-R09", E, "manufacturer image fields incomplete: creator and hash together, and a "
         "descriptor with them",
         "give the creator, the hash and the descriptor together, or leave all three empty"),
    Code("CPL-R10", W, "CPA certificate date soon or past: an [E] certificate expiring within the "
         "notice period, or an [R] certificate past its renewal date",
         "ask NCSC for the renewed certificate and send SECAS a certificate update"),
    Code("CPL-R11", E, "value not allowed for this device type",
         "use a value the device type allows (the message names them)"),
    Code("CPL-M01", E, "two entries in the change set with the same key (device type, Device "
         "Model, firmware, SMETS/CHTS version, GBCS version)", "submit each listing once"),
    Code("CPL-M02", E, "already on the CPL as a Current entry with that key",
         "nothing to submit: the listing exists"),
    Code("CPL-M03", W, "the Device Model is already listed under another device type",
         "check the model identifier"),
    Code("CPL-M04", E, "a removal, reinstatement, correction or certificate update names an "
         "entry or certificate that does not exist or is not in the status it needs, or a "
         "correction changes nothing", "check the entry number or certificate id"),
    Code("CPL-M05", W, "the key exists only as Removed entries: a resubmission",
         "make sure the reason for the removal no longer applies"),
    Code("CPL-M06", E, "the issue date is before the latest version's",
         "publish with an --as-of date on or after the latest version's issue date"),
    Code("CPL-M07", E, "two changes in one change set set the same field of the same entry "
         "(corrections, renames or certificate updates): which one holds cannot be told",
         "give each field of an entry one change: keep the row that holds, or publish the "
         "changes as two versions"),
    Code("CPL-M08", E, "a rules change would refuse an entry already Current on the list, "
         "which the rules it was issued under accept",
         "keep the value in the rules (as a legacy value), or remove the entry in the same "
         "version"),
    Code("CPL-M09", E, "a change lists an entry under a certificate recorded as withdrawn "
         "(cplkit certificates withdraw): a new entry, a certificate update, a correction or "
         "rename of a certificate id, or a reinstatement",
         "a withdrawn certificate lists no Device Model: give the certificate issued in its "
         "place, or leave the entry out"),
    Code("CPL-I01", W, "imported as SECAS issued it, although it breaks a rule",
         "nothing to do for the import; correct it by a removal plus a new entry if needed"),
    Code("CPL-I02", W, "entry numbers missing from the imported list",
         "nothing to do: numbers are never reused, so the gap stays"),
    Code("CPL-I03", W, "a history line dated before the line above it",
         "nothing to do for the import: the history is kept as SECAS issued it"),
    Code("CPL-I04", W, "a manufacturer id no history line names a company for",
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

    code: str
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
        return {"code": self.code, "severity": self.severity.value, "file": at.file,
                "entry": at.entry, "number": at.number, "sheet": at.sheet, "cell": at.cell,
                "field": at.field, "value": at.value, "message": self.message,
                "hint": self.hint}


NOWHERE = Location()


def make_finding(code: str, message: str, at: Location = NOWHERE, *,
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


def count_by_code(findings: Iterable[Finding]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for f in findings:
        counts[f.code] = counts.get(f.code, 0) + 1
    return counts
