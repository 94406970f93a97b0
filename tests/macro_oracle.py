"""SECAS's check, ported to Python as a test oracle: the validators of the Sheet1 module of its
CPL workbook v2.051 (read with oletools' olevba, never run), so tests can hold cplkit to its
verdicts without Windows or Excel. Line numbers are the module's as olevba prints it.

It is a port of behaviour, not of code: each validator returns None (the macro's "OK") or the
row whose message it writes. What it keeps on purpose: ``Option Compare Text`` (line 11: every
comparison of text ignores case), the device type validator whose list check is overwritten by
its default answer (lines 637-660), the GBCS validator that writes the SMETS/CHTS validator's
message on its own row (lines 958-963), and the type mismatch that stops the macro when a
device type is not in its list (``If False = ValidationDataLookup(...)`` against "" at lines
1023, 1105, 1951...). What it leaves out: VBA's lenient ``IsDate`` (a dd/mm/yyyy text that is no
date either way round is refused here as there).

The tables are ``SetValidationData``'s (lines 4164-4400); tests/test_macro_parity.py checks them
against the bundled ruleset and, when the workbook is at hand, against its drop-down lists.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass

# -- SetValidationData (lines 4164-4400) ---------------------------------------------------------
#: name, spec family, has CPA, has DLMS, has FIR, id (lines 4168-4181)
DEVICE_TYPES = (
    ("Communications Hub", "CHTS", True, False, False, 1),
    ("Gas Smart Meter", "SMETS", True, False, True, 5),
    ("HAN Connected Auxiliary Load Control Switch", "SMETS", True, False, False, 6),
    ("Polyphase Electricity Metering Equipment", "SMETS", True, True, True, 4),
    ("Pre-Payment Interface Device", "SMETS", False, False, False, 7),
    ("Single Element Electricity Metering Equipment", "SMETS", True, True, True, 2),
    ("Twin Element Electricity Metering Equipment", "SMETS", True, True, True, 3),
)
#: value, generation, id (lines 4189-4215)
SPEC_VERSIONS = (
    ("CHTS V1.0", "CHTS", 1), ("CHTS V1.1", "CHTS", 2), ("CHTS V1.3", "CHTS", 7),
    ("CHTS V1.4", "CHTS", 10), ("CHTS V1.5", "CHTS", 11), ("SMETS V1.2", "SMETS1", 3),
    ("SMETS V2.0", "SMETS2+", 4), ("SMETS V3.1", "SMETS2+", 5), ("SMETS V4.2", "SMETS2+", 6),
    ("SMETS V4.3", "SMETS2+", 9), ("SMETS V4.4", "SMETS2+", 12), ("SMETS V5.0", "SMETS2+", 8),
    ("SMETS V5.1", "SMETS2+", 13),
)
#: value, generation, id (lines 4217-4231)
GBCS_VERSIONS = (
    ("GBCS Version 0.0", "SMETS1", 1), ("GBCS Version 1.1", "SMETS2+", 3),
    ("GBCS Version 2.0", "SMETS2+", 4), ("GBCS Version 2.1", "SMETS2+", 5),
    ("GBCS Version 3.2", "SMETS2+", 6), ("GBCS Version 4.0", "SMETS2+", 9),
    ("GBCS Version 4.1", "SMETS2+", 10),
)
ZSE_VERSIONS = ("ZigBee Smart Energy Standard 1.2a", "ZigBee Smart Energy Standard 1.2b",
                "ZigBee Smart Energy Standard 1.4")  # lines 4233-4240
SECURITY_CHARACTERISTICS = ("Not Relevant", "Security Characteristics version 1.2",
                            "Security Characteristics version 1.3")  # lines 4242-4249
DLMS_VERSIONS = ("CTT 3.1", "CTT 4.0", "CTT 4.1", "CTT 4.2")  # lines 4251-4260
#: (device type id, SMETS/CHTS id, GBCS id), the Device Level Versioning list (lines 4291-4390)
DEVICE_LEVEL_VERSIONS = frozenset({
    (1, 11, 10), (1, 10, 9), (1, 7, 6), (1, 2, 5), (1, 2, 4), (1, 1, 3), (1, 3, 1),
    (2, 13, 10), (2, 4, 3), (2, 5, 4), (2, 5, 5), (2, 6, 6), (2, 3, 1), (2, 8, 9),
    (3, 5, 4), (3, 13, 10), (3, 4, 3), (3, 5, 5), (3, 6, 6), (3, 8, 9), (3, 3, 1),
    (4, 5, 4), (4, 4, 3), (4, 6, 6), (4, 8, 9), (4, 13, 10), (4, 5, 5),
    (5, 4, 3), (5, 9, 10), (5, 3, 1), (5, 5, 4), (5, 5, 5), (5, 9, 6), (5, 9, 9), (5, 6, 6),
    (6, 4, 3), (6, 5, 4), (6, 8, 9), (6, 6, 6), (6, 13, 10), (6, 5, 5),
    (7, 5, 4), (7, 12, 10), (7, 9, 9), (7, 9, 6), (7, 3, 1), (7, 5, 5), (7, 4, 3), (7, 6, 6),
})

#: the form's rows, in the order of CreateCPLNewEntryArray (lines 384-444): index i is row i + 8
ROWS = {name: row for row, name in enumerate((
    "Device_Type.name", "Device_Model.manufacturer_identifier",
    "Device_Model.model_identifier", "Device_Model.hardware_version.version",
    "Device_Model.hardware_version.revision", "Device_Model.firmware_version",
    "SMETS_CHTS Version.Version_number_and_effective_date", "GBCS Version.version_number",
    "CPA_Certificate.identification_number", "CPA_Certificate.security_characteristics_version",
    "CPA_Certificate.expiry_date", "DLMS_Certificate.identification_number",
    "DLMS_Certificate.DLMS_version", "ZSE_Certificate.identification_number",
    "ZSE_Certificate.ZSE_version", "Manufacturer_Image.creator", "Manufacturer_Image.hash",
    "Manufacturer_Image.descriptor", "Contact-CPA.Contact.contact name",
    "Contact-CPA.Contact.contact telephone", "Contact-CPA.Contact.contact email",
    "Manufacturer Contact FIR.Company Name", "Manufacturer Contact FIR.House Number",
    "Manufacturer Contact FIR.Street", "Manufacturer Contact FIR.City",
    "Manufacturer Contact FIR.Post Code", "Manufacturer Contact FIR.Country",
    "Manufacturer Contact FIR.Telephone Number", "Manufacturer Contact FIR.Website",
    "Manufacturer Contact FIR.Email Address", "FIR Release Notes.Description"), start=9)}
#: the FIR fields' length limits (lines 1935-2518), by row
FIR_LIMITS = {30: 45, 31: 45, 32: 45, 33: 45, 34: 8, 35: 45, 36: 45, 37: 100, 38: 100, 39: 500}


class Stopped(Exception):
    """VBA's run-time error 13 (type mismatch): the macro stops and reports nothing."""


def _eq(a: str, b: str) -> bool:
    """``=`` under Option Compare Text (line 11)."""
    return a.lower() == b.lower()


def _length(text: str) -> int:
    """VBA's Len: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def _device(name: str) -> tuple[str, str, bool, bool, bool, int] | None:
    found = None
    for row in DEVICE_TYPES:  # ValidationDataLookup keeps the last match (lines 3325-3380)
        if _eq(row[0], name):
            found = row
    return found


def _spec(value: str) -> tuple[str, str, int] | None:
    return next((row for row in SPEC_VERSIONS if _eq(row[0], value)), None)


def _gbcs(value: str) -> tuple[str, str, int] | None:
    return next((row for row in GBCS_VERSIONS if _eq(row[0], value)), None)


def _in(value: str, values: tuple[str, ...]) -> bool:
    return any(_eq(v, value) for v in values)


def _has(device_type: str, column: int) -> bool:
    """``If False = ValidationDataLookup(DeviceType, name, column, "")``: "" for a device type
    not in the list, which VBA cannot compare with False."""
    row = _device(device_type)
    if row is None:
        raise Stopped(device_type)
    return bool(row[column - 1])


def _smets1(spec: str) -> bool:
    row = _spec(spec)
    return spec != "" and row is not None and row[1] == "SMETS1"


_HEX2 = re.compile(r"[0-9A-F]{2}", re.IGNORECASE)  # Is2DigitHex, line 3692
_HEX5 = re.compile(r"[0-9A-F]{2}:[0-9A-F]{2}", re.IGNORECASE)  # line 3859
_HEX11 = re.compile(r"([0-9A-F]{2}:){3}[0-9A-F]{2}", re.IGNORECASE)  # line 3884
_HEX95 = re.compile(r"([0-9A-F]{2}:){31}[0-9A-F]{2}", re.IGNORECASE)  # line 3909
_WHITE_BUT_SPACE = re.compile(r"[\t\n\v\f\r]")  # [^\S ] in VBScript, line 3806
_CERTIFICATE = re.compile(r"[^ \t\n\v\f\r][^\t\n\v\f\r]+[^ \t\n\v\f\r]")  # line 3790
_CPA_PREFIX = re.compile(r"\[[ER]\] ")  # IgnoreCase = False, line 3833
_LONG_DATE = re.compile(r"[0-9]{2}/[0-9]{2}/[0-9]{4}")  # line 3934
_EMAIL = re.compile(r"[a-zA-Z0-9_.+-]+@[a-zA-Z0-9-]+\.[a-zA-Z0-9-.]+")  # line 4031


def _certificate(value: str) -> bool:
    """IsCertificateIdentificationNumber (lines 3768-3800): empty, or 3 characters and more
    with no whitespace but spaces, and none at either end."""
    if value == "":
        return True
    return not _WHITE_BUT_SPACE.search(value) and bool(_CERTIFICATE.fullmatch(value))


def _long_date(value: str) -> bool:
    """IsValidLongDate (line 3959): dd/mm/yyyy and a date."""
    if not _LONG_DATE.fullmatch(value):
        return False
    day, month, year = map(int, value.split("/"))
    try:
        dt.date(year, month, day)
    except ValueError:
        return False
    return True


def _emails(value: str) -> bool:
    """IsMultipleEmailFormat (lines 3984-4028): split on ';' and trimmed, or matched whole."""
    if ";" in value:
        return all(_EMAIL.fullmatch(part.strip(" ")) for part in value.split(";"))
    return bool(_EMAIL.fullmatch(value))


@dataclass(frozen=True)
class Verdict:
    """What the macro writes: the rows whose message is their own (a message another row's
    validator wrote, repeated on this row, is not counted), or that it stopped."""

    rows: frozenset[int]
    stopped: bool = False
    #: rows that repeat another row's message (the GBCS row echoing the SMETS/CHTS row's)
    echoes: frozenset[int] = frozenset()

    @property
    def refused(self) -> bool:
        return self.stopped or bool(self.rows)

    @property
    def cells(self) -> frozenset[str]:
        # when it stops, the value to change is the device type its lookups could not find
        return frozenset({"G9"}) if self.stopped else frozenset(f"G{r}" for r in self.rows)


def _device_type_row(name: str, spec: str) -> int | None:
    """dsDevice_TypeName_Validate (lines 618-660): the list check's answer is overwritten by
    the default at line 660, so only empty, long and HCALCS with SMETS1 are refused."""
    if name == "" or _length(name) > 50:
        return 9
    if _eq(name, "HAN Connected Auxiliary Load Control Switch") and spec != "" \
            and _smets1(spec):
        return 9
    return None


def _spec_row(spec: str, name: str, gbcs: str) -> int | None:
    """dsSMETS_CHTSVersion..._Validate (lines 834-930): the row of the message it writes."""
    if spec == "" or _spec(spec) is None:
        return 15
    echoed = _device_type_row(name, "")
    if echoed is not None:
        return echoed
    device, row = _device(name), _spec(spec)
    assert row is not None
    if (device[1] if device else "")[:4].lower() == row[1][:4].lower():
        return None
    if _eq(name, "Communications Hub") and _eq(spec, "SMETS V1.2") \
            and _eq(gbcs, "GBCS Version 0.0"):
        return None
    return 15


def _gbcs_row(gbcs: str, spec: str, name: str) -> int | None:
    """dsGBCSVersionVersion_Number_Validate (lines 943-985): on failure of the SMETS/CHTS check
    it writes that check's message on its own row (line 961)."""
    if gbcs == "" or _gbcs(gbcs) is None:
        return 16
    echoed = _spec_row(spec, name, gbcs)
    if echoed is not None:
        return -echoed  # an echo: another row's message
    spec_generation = _spec(spec)[1]  # type: ignore[index]
    if _eq(_gbcs(gbcs)[1], spec_generation):  # type: ignore[index]
        return None
    return None if _eq(spec_generation, "CHTS") else 16


def _dlv(name: str, spec: str, gbcs: str) -> bool:
    """checkDeviceLevelVersion (lines 507-603): True when it writes a message (on row 9)."""
    if name == "" or spec == "" or gbcs == "":
        return True
    device, spec_row, gbcs_row = _device(name), _spec(spec), _gbcs(gbcs)
    if device is None or spec_row is None or gbcs_row is None:
        return True
    return (device[5], spec_row[2], gbcs_row[2]) not in DEVICE_LEVEL_VERSIONS


def check(values: Mapping[str, str]) -> Verdict:
    """The macro's verdict on a form whose column G holds ``values`` (field name -> the text
    VBA reads; absent fields are empty)."""
    v = {row: values.get(name, "") for name, row in ROWS.items()}
    name, spec, gbcs = v[9], v[15], v[16]
    rows: set[int] = set()
    echoes: set[int] = set()

    def flag(row: int | None) -> None:
        if row is None:
            return
        if row < 0:
            echoes.add(16)
        else:
            rows.add(row)

    try:
        # performCPLNewEntryValidation (lines 447-489), row by row
        flag(_device_type_row(name, spec))
        flag(None if _HEX5.fullmatch(v[10]) and int(v[10].replace(":", ""), 16) <= 0xFFFE
             else 10)
        flag(None if _HEX5.fullmatch(v[11]) and int(v[11].replace(":", ""), 16) <= 0xFFBF
             else 11)
        flag(None if _HEX2.fullmatch(v[12]) else 12)
        flag(None if _HEX2.fullmatch(v[13]) else 13)
        flag(None if _HEX11.fullmatch(v[14]) else 14)
        flag(_spec_row(spec, name, gbcs))
        flag(_gbcs_row(gbcs, spec, name))
        flag(_cpa_id(v[17], name, spec))
        flag(_security_characteristics(v[18], name, spec))
        flag(_expiry(v[19], name, spec))
        flag(_dlms_id(v[20], name, spec))
        flag(_dlms_version(v[21], name, spec))
        flag(_zse(v[22], spec, _certificate(v[22]), 40, None))
        flag(_zse(v[23], spec, True, 40, ZSE_VERSIONS))
        rows.update(_image(v[24], v[25], v[26]))
        for row in (27, 28, 29):
            flag(_cpa_contact(row, v[row], name, spec))
        for row, limit in FIR_LIMITS.items():
            flag(_fir(row, v[row], name, limit))
    except Stopped:
        return Verdict(frozenset(), stopped=True)
    # the Device Level Versioning result joins row 1's (lines 247-256)
    if _dlv(name, spec, gbcs):
        rows.add(9)
    return Verdict(frozenset(rows), echoes=frozenset(echoes))


def _cpa_id(value: str, name: str, spec: str) -> int | None:
    """lines 990-1063"""
    if not _certificate(value):
        return 17
    if spec != "" and _smets1(spec):
        return None if value == "" else 17
    if not _has(name, 3):
        return None if value == "" or _eq(value, "Not Relevant") else 17
    if value == "" or _length(value) > 24 or not _CPA_PREFIX.fullmatch(value[:4]):
        return 17
    return None


def _security_characteristics(value: str, name: str, spec: str) -> int | None:
    """lines 1078-1158"""
    if spec != "" and _smets1(spec):
        return None if value == "" else 18
    if not _has(name, 3):
        return None if value == "" or _eq(value, "Not Relevant") else 18
    if value == "" or _eq(value, "Not Relevant") or _length(value) > 40:
        return 18
    return None if _in(value, SECURITY_CHARACTERISTICS) else 18


def _expiry(value: str, name: str, spec: str) -> int | None:
    """lines 1170-1235"""
    if spec != "" and _smets1(spec):
        return None if value == "" else 19
    if not _has(name, 3):
        return None if value == "" else 19
    return None if value != "" and _long_date(value) else 19


def _dlms_id(value: str, name: str, spec: str) -> int | None:
    """lines 1247-1307"""
    if not _certificate(value):
        return 20
    if spec != "" and _smets1(spec):
        return None if value == "" else 20
    if not _has(name, 4):
        return None if value == "" else 20
    return None if value != "" and _length(value) <= 10 else 20


def _dlms_version(value: str, name: str, spec: str) -> int | None:
    """lines 1323-1395"""
    if spec != "" and _smets1(spec):
        return None if value == "" else 21
    if not _has(name, 4):
        return None if value == "" else 21
    if value == "" or _length(value) > 10:
        return 21
    return None if _in(value, DLMS_VERSIONS) else 21


def _zse(value: str, spec: str, well_formed: bool, limit: int,
         values: tuple[str, ...] | None) -> int | None:
    """lines 1411-1460 (the id, row 22) and 1472-1530 (the version, row 23, with ``values``)."""
    row = 22 if values is None else 23
    if not well_formed:
        return row
    if spec != "" and _smets1(spec):
        return None if value == "" else row
    if value == "" or _length(value) > limit:
        return row
    return None if values is None or _in(value, values) else row


def _image(creator: str, image_hash: str, descriptor: str) -> set[int]:
    """lines 1540-1693: creator (row 24), hash (25) and descriptor (26)."""
    rows = set()
    if (image_hash == "" and creator != "") or _length(creator) > 100:  # lines 1556-1575
        rows.add(24)
    if creator == "":  # lines 1608-1615
        if image_hash != "":
            rows.add(25)
    elif image_hash == "" or _length(image_hash) > 95 or not _HEX95.fullmatch(image_hash):
        rows.add(25)  # lines 1617-1631
    if (image_hash != "" and descriptor == "") or _length(descriptor) > 100:  # lines 1680-1688
        rows.add(26)
    return rows


def _cpa_contact(row: int, value: str, name: str, spec: str) -> int | None:
    """lines 1705-1923: name (400), telephone (100), e-mail (400, IsMultipleEmailFormat)"""
    limit = {27: 400, 28: 100, 29: 400}[row]
    if spec != "" and _smets1(spec):
        return None if value == "" else row
    if not _has(name, 3):
        return None if value == "" else row
    if value == "" or _length(value) > limit:
        return row
    return row if row == 29 and not _emails(value) else None


def _fir(row: int, value: str, name: str, limit: int) -> int | None:
    """lines 1935-2518: by length only; no SMETS1 exception"""
    if not _has(name, 5):
        return None if value == "" else row
    return None if value != "" and _length(value) <= limit else row
