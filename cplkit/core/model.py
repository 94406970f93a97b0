"""The records cplkit works with: raw entries as read, and normalised CPL entries.

``RawEntry`` carries the values exactly as a reader found them (text, numbers, dates, formulas)
with the position of every field, so any finding can name its cell. ``Entry`` is the normalised,
frozen result of validation, keyed by the workbook's own canonical field names. This module does
not read files and does not apply rules.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Any, Final

# Canonical field names: the workbook's own ``Group.attribute`` names (domain brief, section 3).
ENTRY_NUMBER: Final = "Entry.number"
ENTRY_STATUS: Final = "Entry.status"
DEVICE_TYPE: Final = "Device_Type.name"
MANUFACTURER_ID: Final = "Device_Model.manufacturer_identifier"
MODEL_ID: Final = "Device_Model.model_identifier"
HARDWARE_VERSION: Final = "Device_Model.hardware_version.version"
HARDWARE_REVISION: Final = "Device_Model.hardware_version.revision"
FIRMWARE_VERSION: Final = "Device_Model.firmware_version"
SPEC_VERSION: Final = "SMETS_CHTS Version.Version_number_and_effective_date"
GBCS_VERSION: Final = "GBCS Version.version_number"
CPA_ID: Final = "CPA_Certificate.identification_number"
CPA_SECURITY_CHARACTERISTICS: Final = "CPA_Certificate.security_characteristics_version"
CPA_EXPIRY: Final = "CPA_Certificate.expiry_date"
DLMS_ID: Final = "DLMS_Certificate.identification_number"
DLMS_VERSION: Final = "DLMS_Certificate.DLMS_version"
ZSE_ID: Final = "ZSE_Certificate.identification_number"
ZSE_VERSION: Final = "ZSE_Certificate.ZSE_version"
IMAGE_CREATOR: Final = "Manufacturer_Image.creator"
IMAGE_HASH: Final = "Manufacturer_Image.hash"
IMAGE_DESCRIPTOR: Final = "Manufacturer_Image.descriptor"

#: The 20 fields published on the Central Products List, in the workbook's column order (B-U).
PUBLISHED_FIELDS: Final = (
    ENTRY_NUMBER, ENTRY_STATUS, DEVICE_TYPE, MANUFACTURER_ID, MODEL_ID, HARDWARE_VERSION,
    HARDWARE_REVISION, FIRMWARE_VERSION, SPEC_VERSION, GBCS_VERSION, CPA_ID,
    CPA_SECURITY_CHARACTERISTICS, CPA_EXPIRY, DLMS_ID, DLMS_VERSION, ZSE_ID, ZSE_VERSION,
    IMAGE_CREATOR, IMAGE_HASH, IMAGE_DESCRIPTOR,
)


#: published fields whose values are dates
DATE_FIELDS: Final = frozenset({CPA_EXPIRY})


class Status(StrEnum):
    CURRENT = "Current"
    REMOVED = "Removed"


@dataclass(frozen=True, slots=True)
class Formula:
    """A cell holding a formula that has no cached value: there is nothing to check."""

    text: str


#: What a reader may hand over for one cell.
RawValue = (
    str | int | float | bool | dt.date | dt.datetime | dt.time | dt.timedelta | Formula | None
)


class Orientation(StrEnum):
    """Whether an entry runs along a row (bulk tables) or down a column (the New Entry form)."""

    ROW = "row"
    COLUMN = "column"


class Layout(StrEnum):
    """What a file was recognised as: one of the submission layouts, or a kind of change file."""

    NEW_ENTRY_FORM = "new-entry-form"
    CENTRAL_LIST = "central-products-list"
    TABLE = "table"
    REMOVALS = "removals"
    CERTIFICATE_UPDATES = "certificate-updates"
    REINSTATEMENTS = "reinstatements"
    CORRECTIONS = "corrections"
    RENAMES = "renames"


# eq=False: a placement is one layout found in one file, so it is equal only to itself. That
# makes it a safe key for per-layout plans (an ``id()`` could be reused once it is freed).
@dataclass(frozen=True, slots=True, eq=False)
class Placement:
    """Where a layout puts its fields: shared by every entry read with that layout."""

    sheet: str | None
    orientation: Orientation
    #: field name -> 1-based column (row-oriented) or row (column-oriented)
    positions: Mapping[str, int]
    #: True when the layout is a submission (the New Entry form, a bulk submission); False for
    #: a published list, where SECAS's own fields (entry number, status) belong.
    submission: bool


def column_letter(index: int) -> str:
    """1 -> A, 27 -> AA."""
    letters = ""
    while index > 0:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


@dataclass(frozen=True, slots=True)
class RawEntry:
    """One entry exactly as read: its raw values and where each field sits."""

    index: int  # 1-based position of the entry in its file
    placement: Placement
    at: int  # the 1-based row (row-oriented) or column (column-oriented) holding the entry
    values: Mapping[str, RawValue]

    def cell(self, field: str) -> str | None:
        """The A1 reference of ``field`` for this entry, or None if the layout lacks it."""
        pos = self.placement.positions.get(field)
        if pos is None:
            return None
        if self.placement.orientation is Orientation.ROW:
            return f"{column_letter(pos)}{self.at}"
        return f"{column_letter(self.at)}{pos}"

    @property
    def where(self) -> str:
        if self.placement.orientation is Orientation.ROW:
            return f"row {self.at}"
        return f"column {column_letter(self.at)}"


#: A normalised field value: text in canonical form, or a date for date fields.
Value = str | dt.date
#: A value as SECAS issued it on a published list: text as written, a number, or a date.
Issued = str | int | float | dt.date
_NOTHING_ISSUED: Mapping[str, Issued] = MappingProxyType({})


class DateStyle(StrEnum):
    """How a date is written: ISO for machines (JSON, XML), SECAS's dd/mm/yyyy for people."""

    ISO = "iso"
    SECAS = "dd/mm/yyyy"


def as_text(value: RawValue, dates: DateStyle = DateStyle.SECAS) -> str | None:
    """The one way a value becomes text: as a person typed it or Excel shows it (a finding, a
    workbook cell, a web page) or, with ``DateStyle.ISO``, as a machine reads it. None stays
    None, so an empty field is never confused with an empty string."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, Formula):
        return value.text
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat() if dates is DateStyle.ISO else value.strftime("%d/%m/%Y")
    return str(value)


@dataclass(frozen=True, slots=True)
class Entry:
    """A CPL entry. ``values`` are canonical (text or dates; absent keys are empty fields): the
    rules, keys and merges read them. ``issued`` records, for an entry imported from a list SECAS
    published, each value exactly as SECAS issued it where that differs from the canonical one
    (trailing spaces, 'Zigbee', a number, a date written as text): publications write those, so
    an import changes nothing SECAS issued. New entries have none.

    ``product_name`` is the registry's own note of what people call the product (from the
    form's ``Product.name``, a correction, or the history an import read): never a published
    field, so no rule, key or issued file reads it; history lines and the Plain English Mapping
    do."""

    values: Mapping[str, Value]
    issued: Mapping[str, Issued] = field(default_factory=lambda: _NOTHING_ISSUED)
    product_name: str | None = None

    @staticmethod
    def of(values: Mapping[str, Value], issued: Mapping[str, Issued] | None = None,
           product_name: str | None = None) -> Entry:
        return Entry(MappingProxyType(dict(values)),
                     MappingProxyType(dict(issued)) if issued else _NOTHING_ISSUED,
                     product_name)

    def __reduce__(self) -> tuple[Any, tuple[dict[str, Value], dict[str, Issued], str | None]]:
        # a read-only mapping cannot be pickled: an entry crosses processes as plain dicts
        return Entry.of, (dict(self.values), dict(self.issued), self.product_name)

    def published(self, field: str) -> Issued | None:
        """The value publications write: as SECAS issued it, or the canonical one."""
        issued = self.issued.get(field)
        return issued if issued is not None else self.values.get(field)

    def published_values(self) -> Mapping[str, Issued]:
        if not self.issued:
            return self.values
        return {**self.values, **self.issued}

    def changed(self, changes: Mapping[str, Value | None]) -> Entry:
        """This entry with ``changes`` made (None empties a field); a changed field's issued
        form goes, since the new value replaces what was issued. The product name stays."""
        values = {k: v for k, v in {**self.values, **changes}.items() if v is not None}
        issued = {k: v for k, v in self.issued.items() if k not in changes}
        return Entry.of(values, issued, self.product_name)

    def get(self, field: str) -> Value | None:
        return self.values.get(field)

    def text(self, field: str) -> str | None:
        value = self.values.get(field)
        return value if isinstance(value, str) else None

    @property
    def number(self) -> str | None:
        return self.text(ENTRY_NUMBER)

    @property
    def status(self) -> str | None:
        return self.text(ENTRY_STATUS)

    @property
    def device_type(self) -> str | None:
        return self.text(DEVICE_TYPE)

    @property
    def firmware_version(self) -> str | None:
        return self.text(FIRMWARE_VERSION)

    @property
    def spec_version(self) -> str | None:
        return self.text(SPEC_VERSION)

    @property
    def gbcs_version(self) -> str | None:
        return self.text(GBCS_VERSION)

    @property
    def cpa_expiry_date(self) -> dt.date | None:
        value = self.values.get(CPA_EXPIRY)
        return value if isinstance(value, dt.date) else None


#: exactly six ASCII digits: the only way an entry number is written
_SIX_DIGITS = re.compile(r"[0-9]{6}")
#: one to five ASCII digits: an entry number whose leading zeros Excel's number format dropped
_SHORTENED = re.compile(r"[0-9]{1,5}")


@dataclass(frozen=True, slots=True, order=True)
class EntryNumber:
    """A CPL entry number, 000001 to 999999, always written with six digits.

    ``parse`` is the one check of the written form and ``str`` the one way to write it; entries
    and files keep the six-digit text. Two lenient readings sit beside them, for numbers a
    person or SECAS wrote another way: ``restored`` puts back the zeros Excel dropped (733 is
    000733), ``in_history`` writes a number SECAS's history gave with five to seven digits.
    """

    value: int

    def __post_init__(self) -> None:
        if not 1 <= self.value <= 999_999:
            raise ValueError(f"{self.value} is not an entry number: they run from 1 to 999999")

    @staticmethod
    def parse(text: str) -> EntryNumber:
        """The entry number ``text`` writes; ValueError unless it is six ASCII digits, 000001
        to 999999."""
        if _SIX_DIGITS.fullmatch(text) is None or text == "000000":
            raise ValueError(f"{text!r} is not a 6-digit entry number from 000001 to 999999")
        return EntryNumber(int(text))

    @staticmethod
    def parse_or_none(text: str | None) -> EntryNumber | None:
        """The entry number ``text`` writes, or None where ``parse`` refuses it."""
        try:
            return EntryNumber.parse(text) if text is not None else None
        except ValueError:
            return None

    @staticmethod
    def restored(text: str) -> str | None:
        """The six-digit text of a number Excel saved without its leading zeros ('733' ->
        '000733'); None unless ``text`` is one to five ASCII digits. The result is not checked:
        '0' gives '000000', which ``parse`` then refuses with the rest."""
        return text.zfill(6) if _SHORTENED.fullmatch(text) else None

    @staticmethod
    def in_history(digits: str) -> str:
        """The six-digit text of a number SECAS's history wrote with five to seven digits
        ('00139' and '0000139' are 000139); the history is free text, so nothing is refused."""
        return f"{int(digits):06d}"

    def __str__(self) -> str:
        return f"{self.value:06d}"


@dataclass(frozen=True, slots=True, order=True)
class VersionNumber:
    """A CPL version number as SECAS writes it: '1.9', '1.10', '2.000', '2.051'.

    The part after the dot is a counter, not a decimal fraction: 1.10 follows 1.9. Each issued
    version adds exactly one, keeping the counter's written width (2.051 -> 2.052), or starts the
    next major version at zero in the same width, as SECAS did at 1.293 -> 2.000.
    """

    major: int
    minor: int
    width: int = 1

    @staticmethod
    def parse(text: str) -> VersionNumber:
        major, dot, minor = text.strip().partition(".")
        digits = major + minor
        if not dot or not major or not minor or not digits.isascii() or not digits.isdigit():
            raise ValueError(f"{text!r} is not a CPL version number such as 2.051")
        return VersionNumber(int(major), int(minor), len(minor))

    def next(self) -> VersionNumber:
        return VersionNumber(self.major, self.minor + 1, self.width)

    def next_major(self) -> VersionNumber:
        return VersionNumber(self.major + 1, 0, self.width)

    def follows(self, before: VersionNumber) -> bool:
        """Whether this is a version SECAS could issue right after ``before``."""
        return str(self) in (str(before.next()), str(before.next_major()))

    def __str__(self) -> str:
        return f"{self.major}.{self.minor:0{self.width}d}"


def version_label(number: VersionNumber, issued: dt.date) -> str:
    """'Version 2.052 Issued on 23-11-2026', as SECAS labels a version."""
    return f"Version {number} Issued on {issued:%d-%m-%Y}"


@dataclass(frozen=True, slots=True)
class HistoryLine:
    """One row of the Version Control history: version, date of issue, changes incorporated."""

    version: str
    date: str  # ISO date, or the text as SECAS wrote it when it is not a date
    changes: str


@dataclass(frozen=True, slots=True)
class CplVersion:
    """One issued version of the Central Products List: what was issued, exactly."""

    number: VersionNumber
    issue_date: dt.date
    entries: tuple[Entry, ...]
    changes: str
    #: every history line before this version, oldest first (an imported workbook's included)
    prior_history: tuple[HistoryLine, ...] = ()

    @property
    def history(self) -> tuple[HistoryLine, ...]:
        """The whole history up to and including this version."""
        return (*self.prior_history, self.history_line)

    @property
    def label(self) -> str:
        return version_label(self.number, self.issue_date)

    @property
    def history_line(self) -> HistoryLine:
        return HistoryLine(str(self.number), self.issue_date.isoformat(), self.changes)

    def by_number(self) -> dict[str, Entry]:
        return {e.number: e for e in self.entries if e.number}

    @property
    def current_count(self) -> int:
        """How many entries are Current: on the CPL, as opposed to kept as Removed."""
        return sum(1 for e in self.entries if e.status == Status.CURRENT)


#: what makes two entries the same listing: a Device Model and firmware may appear under several
#: SMETS/CHTS and GBCS versions, so those are part of the key
KEY_FIELDS: Final = (DEVICE_TYPE, MANUFACTURER_ID, MODEL_ID, HARDWARE_VERSION, HARDWARE_REVISION,
                     FIRMWARE_VERSION, SPEC_VERSION, GBCS_VERSION)
DEVICE_MODEL_FIELDS: Final = (MANUFACTURER_ID, MODEL_ID, HARDWARE_VERSION, HARDWARE_REVISION)


def entry_key(entry: Entry) -> tuple[str | None, ...]:
    return tuple(entry.text(f) for f in KEY_FIELDS)


def device_model(entry: Entry) -> tuple[str | None, ...]:
    return tuple(entry.text(f) for f in DEVICE_MODEL_FIELDS)
