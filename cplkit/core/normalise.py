"""Normalisation: a raw cell value in, the canonical value plus what was wrong or changed out.

Every field kind of the ruleset (hex, enum, date, text...) has one normaliser here. They are
lenient about form (colon or plain hex, any case, stray spaces, Excel's ``_x000D_`` escapes,
``dd-mm-yyyy`` dates) and report each change as CPL-V09, and strict about content (wrong length,
characters, unknown values) which they report as errors. They never raise on bad content and do
not know where a value sits: ``cplkit.core.validate`` adds the location. The cache of
normalised cells every caller keeps is keyed and bounded here too (``cell_keys``,
``normalised_once``), one way for all.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import re
from collections.abc import Callable, Mapping, Sequence
from typing import NamedTuple, assert_never

from cplkit.core.findings import Code
from cplkit.core.model import EntryNumber, Formula, RawValue, Value, as_text
from cplkit.core.ruleset import FieldKind, FieldSpec, Ruleset, fold


class Problem(NamedTuple):
    code: Code
    message: str
    hint: str | None = None
    #: a CPL-V09 normalisation of a value SECAS's own tool refuses as written (surrounding
    #: spaces where it checks a format, hex without colons, another case, another date
    #: spelling): on a submission the validator makes it an error (CPL-V12)
    refused_as_written: bool = False


class Normalised(NamedTuple):
    """``value`` is None for an empty field; ``usable`` is False when an error makes it unusable."""

    value: Value | None
    usable: bool
    problems: tuple[Problem, ...]


Normaliser = Callable[[RawValue], Normalised]

EMPTY = Normalised(None, True, ())

#: normalisation results a cache keeps per field; bulk sheets repeat most values (device types,
#: versions, certificates, contacts) on every row, and the bound keeps memory flat on a column
#: of distinct values, each of which is normalised once anyway
CACHE_LIMIT = 4096

#: the types of a column that is all text or empty: its values are their own cache keys
_TEXT_OR_EMPTY = frozenset({str, type(None)})


def cell_keys(cells: Sequence[RawValue | None]) -> list[object]:
    """A cache key per cell: text is its own key; a value of another type is keyed with its
    type, as 1, 1.0 and True are equal dict keys but not equal cells."""
    if set(map(type, cells)) <= _TEXT_OR_EMPTY:
        return list(cells)
    return [v if v.__class__ is str else (v.__class__, v) for v in cells]


def normalised_once(cache: dict[object, Normalised], key: object, value: RawValue,
                    normaliser: Normaliser) -> Normalised:
    """``normaliser(value)``, taken from ``cache`` under ``key`` when it is there; a full
    cache (``CACHE_LIMIT``) is emptied rather than grown."""
    result = cache.get(key)
    if result is None:
        result = normaliser(value)
        if len(cache) >= CACHE_LIMIT:
            cache.clear()
        cache[key] = result
    return result


_NO_PROBLEMS: tuple[Problem, ...] = ()
_EXCEL_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")
_EXCEL_EPOCH = dt.date(1899, 12, 30)


def vba_text(value: dt.date) -> str:
    """A date cell as SECAS's check reads it (VBA's CStr in a UK locale): dd/mm/yyyy, and the
    time after it when there is one."""
    if isinstance(value, dt.datetime) and value.time() != dt.time():
        return f"{value:%d/%m/%Y %H:%M:%S}"
    return f"{value:%d/%m/%Y}"


def _excel_number_hint(raw: int | float) -> str:
    shown = as_text(raw)
    base = "format the cell as Text (Format Cells > Text), then type the value again"
    if isinstance(raw, float) and abs(raw) >= 1e10:
        return (f"Excel turned what was typed into the number {shown} (scientific notation such "
                f"as 1E10 becomes 1E+10): {base}")
    return f"Excel stored the number {shown} and dropped any leading zeros: {base}"


def _not_text(raw: RawValue) -> Normalised | None:
    """The V06/V08 answer for a cell that does not hold text, or None if it holds text."""
    if isinstance(raw, str):
        return None
    if isinstance(raw, Formula):
        return Normalised(None, False, (Problem(
            Code.V08, f"the cell holds the formula {raw.text} but no value computed by Excel"),))
    if isinstance(raw, bool):
        return Normalised(None, False, (Problem(
            Code.V06, f"Excel stored the logical value {as_text(raw)} where text is expected",
            "format the cell as Text and type the value again"),))
    if isinstance(raw, int | float):
        return Normalised(None, False, (Problem(
            Code.V06, f"the cell holds the number {as_text(raw)}, not text",
            _excel_number_hint(raw)),))
    return Normalised(None, False, (Problem(
        Code.V06, f"Excel stored {as_text(raw)} as a date or time where text is expected",
        "format the cell as Text and type the value again"),))


def clean_text(raw: str, *, strict: bool = False) -> tuple[str, tuple[Problem, ...]]:
    """Decode Excel's ``_xHHHH_`` escapes and trim; report each change. ``strict``: SECAS's tool
    checks this field's format, so it refuses the spaces a trim removes."""
    text = raw
    notes: list[Problem] = []
    if "_x" in text and _EXCEL_ESCAPE.search(text):
        text = _EXCEL_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)
        notes.append(Problem(Code.V09, "Excel escapes such as _x000D_ decoded"))
    stripped = text.strip()
    if stripped != text:
        text = stripped
        notes.append(Problem(
            Code.V09,
            f"spaces or line breaks around the value removed: '{text}'" if text else
            "the cell holds only spaces; treated as empty",
            refused_as_written=strict and bool(text),
        ))
    return text, tuple(notes)


#: characters no CPL value holds: control characters (tab and line breaks aside), unpaired
#: surrogates and non-characters; XML, which every issued file but the workbook is, cannot carry
#: most of them, so they stay errors although SECAS's check measures free text by length only
_NOT_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
                       "\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]")
#: the invisible marks that reorder text (a bidi override can make 'exe.fdp' read 'pdf.exe'):
#: SECAS's check accepts them in free text, so there they are advice (CPL-V13); in a value it
#: matches against a list or a pattern they make the value unknown, which is reported as such
_DIRECTION_MARK = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_INVISIBLE_HINT = ("type the value again: control characters and direction marks do not belong "
                   "in it (they come from copying out of other programs)")


def invisible_character(text: str) -> Problem | None:
    match = _NOT_TEXT.search(text) or _DIRECTION_MARK.search(text)
    if match is None:
        return None
    return Problem(Code.V03, f"holds the invisible character U+{ord(match.group()):04X} at "
                   f"position {match.start() + 1}", _INVISIBLE_HINT)


def _direction_mark(text: str) -> Problem | None:
    """Advice on a direction mark in free text, which SECAS's check accepts."""
    match = _DIRECTION_MARK.search(text)
    if match is None:
        return None
    return Problem(Code.V13, f"holds the invisible direction mark U+{ord(match.group()):04X} "
                   f"at position {match.start() + 1}; SECAS's check accepts it, but it is "
                   "published as written", _INVISIBLE_HINT)


def _text_prelude(raw: RawValue, *, strict: bool = False, free: bool = False
                  ) -> tuple[str | None, Normalised | None, tuple[Problem, ...]]:
    """Common first step of text kinds: (text, early answer, notes so far). ``free``: text
    SECAS's check measures by length only, where a direction mark is advice."""
    if raw is None or raw == "":
        return None, EMPTY, _NO_PROBLEMS
    bad = _not_text(raw)
    if bad is not None:
        return None, bad, _NO_PROBLEMS
    assert isinstance(raw, str)
    if not raw[0].isspace() and not raw[-1].isspace() and "_x" not in raw:
        text, notes = raw, _NO_PROBLEMS  # the common, clean case
    else:
        text, notes = clean_text(raw, strict=strict)
        if not text:
            return None, Normalised(None, True, notes), notes
    if free and _NOT_TEXT.search(text) is None:
        mark = _direction_mark(text)
        if mark is not None:
            notes = (*notes, mark)
    else:
        invisible = invisible_character(text)
        if invisible is not None:
            return None, Normalised(None, False, (*notes, invisible)), notes
    return text, None, notes


def _length_problem(text: str, spec: FieldSpec) -> Problem | None:
    """SECAS's check measures a value with VBA's ``Len``, in UTF-16 code units: over the limit
    there, an error; within it but over the form's limit in UTF-8 octets (accented letters take
    two), advice."""
    if spec.max_octets is None:
        return None
    if text.isascii():
        size = len(text)
    else:
        units = len(text.encode("utf-16-le")) // 2
        if units > spec.max_octets:
            return Problem(Code.V03, f"{units} characters long; at most {spec.max_octets} are "
                           "allowed", f"shorten the value to {spec.max_octets} characters")
        size = len(text.encode("utf-8"))
        if size > spec.max_octets:
            return Problem(Code.V13, f"{size} octets long in UTF-8, over the form's "
                           f"{spec.max_octets}; SECAS's check counts {units} characters and "
                           "accepts it", f"SECAS's form asks for at most {spec.max_octets} "
                           "octets: shorten the value or write it without accents")
    if size > spec.max_octets:
        return Problem(Code.V03, f"{size} octets long; at most {spec.max_octets} are allowed",
                       f"shorten the value to {spec.max_octets} octets (UTF-8 bytes)")
    return None


def _printable_problem(text: str) -> Problem | None:
    """Advice: SECAS's form asks for printable ASCII in a certificate id, its check accepts any
    character but tabs and line breaks."""
    for ch in text:
        if not " " <= ch <= "~":
            return Problem(Code.V13, f"the character {ch!r} is not printable ASCII, which "
                           "SECAS's form asks for here; its check accepts it",
                           "use printable ASCII only (space to tilde), no accents, exactly as "
                           "the certificate prints the id")
    return None


def _whole_number(raw: RawValue) -> int | None:
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        return None
    if isinstance(raw, float) and not (raw.is_integer() and abs(raw) < 1e15):
        return None
    return int(raw)


def _text(spec: FieldSpec, *, strict: bool | None = None) -> Normaliser:
    # SECAS's tool refuses surrounding spaces where it checks a format: certificate ids (other
    # free text it only measures; the CPA contact's e-mail list is trimmed address by address)
    strict = spec.identifier if strict is None else strict

    def normalise(raw: RawValue) -> Normalised:
        number = _whole_number(raw)
        if number is not None or isinstance(raw, dt.date):
            # SECAS's check reads a number or a date as Excel shows it (CStr), and measures that:
            # a House Number typed 1/2 that Excel made a date is read as the date. Read it the
            # same way, and say so
            text: str | None = (str(number) if number is not None
                                else vba_text(raw))  # type: ignore[arg-type]
            notes: tuple[Problem, ...] = (Problem(
                Code.V09, f"Excel stored this as the {'number' if number is not None else 'date'}"
                f" {text}; read as the text '{text}', as SECAS's check reads it",
                "if that is not what was typed (leading zeros lost, or a value such as 1/2 "
                "turned into a date), format the cell as Text and type it again"),)
        else:
            text, early, notes = _text_prelude(raw, strict=strict, free=True)
            if early is not None:
                return early
        assert text is not None
        identifier = _identifier_problem(text) if spec.identifier else None
        problems = [p for p in (identifier, _length_problem(text, spec),
                                _printable_problem(text) if spec.printable_ascii and not identifier
                                and not any(n.code == Code.V13 for n in notes) else None) if p]
        errors = any(p.code != Code.V13 for p in problems)
        return Normalised(text if not errors else None, not errors, (*notes, *problems))
    return normalise


#: VBScript's whitespace but the space: what SECAS's check refuses inside an id
_LINE_BREAK_OR_TAB = re.compile("[\t\n\v\f\r]")


def _identifier_problem(text: str) -> Problem | None:
    """SECAS's rule for certificate ids: 3 characters or more, no tab or line break inside."""
    if _LINE_BREAK_OR_TAB.search(text):
        return Problem(Code.V03, "a certificate id holds no tab or line break",
                       "type the certificate id on one line, exactly as the certificate gives it")
    if len(text) < 3:
        return Problem(Code.V03, f"'{text}' is too short for a certificate id (3 characters "
                       "or more)", "give the certificate id as the certificate prints it")
    return None


def _hex(spec: FieldSpec) -> Normaliser:
    octets = spec.octets or 1
    colon_form = re.compile(rf"[0-9A-F]{{2}}(?::[0-9A-F]{{2}}){{{octets - 1}}}", re.IGNORECASE)
    plain_form = re.compile(rf"[0-9A-F]{{{2 * octets}}}", re.IGNORECASE)
    limit = int(spec.max_value.replace(":", ""), 16) if spec.max_value else None
    example = ":".join(["0A"] * octets) if octets <= 4 else "XX:XX:...:XX"
    #: what the steps below leave unchanged and find nothing in: bulk sheets are mostly this,
    #: and distinct on every row (firmware versions, image hashes), so it is answered at once
    canonical_form = re.compile(rf"[0-9A-F]{{2}}(?::[0-9A-F]{{2}}){{{octets - 1}}}")

    def normalise(raw: RawValue) -> Normalised:
        if (type(raw) is str and canonical_form.fullmatch(raw)
                and (limit is None or int(raw.replace(":", ""), 16) <= limit)):
            return Normalised(raw, True, _NO_PROBLEMS)
        number = _whole_number(raw)
        if number is not None and octets == 1 and 10 <= number <= 99:
            # one byte typed as two digits survives Excel's number format whole: SECAS's tool
            # reads it back as those digits, and so does cplkit
            return Normalised(str(number), True, (Problem(
                Code.V09, f"Excel stored this as the number {number}; read as the text "
                f"'{number}'", "format the cell as Text so Excel keeps what is typed"),))
        text, early, notes = _text_prelude(raw, strict=True)
        if early is not None:
            return early
        assert text is not None
        if _EXCEL_MANGLED.fullmatch(text) and not plain_form.fullmatch(text):
            return Normalised(None, False, (*notes, Problem(
                Code.V06, f"'{text}' looks like a number Excel reformatted, not "
                f"{octets} hex byte{'s' if octets > 1 else ''}",
                "Excel drops leading zeros (0012 becomes 12) and reads 1E10 as 1E+10: format "
                "the column as Text before typing or importing, then enter the value again")))
        if colon_form.fullmatch(text):
            canonical = text.upper()
        elif plain_form.fullmatch(text):
            canonical = ":".join(text[i:i + 2] for i in range(0, len(text), 2)).upper()
        else:
            return Normalised(None, False, (*notes, Problem(
                Code.V03, f"not {octets} hex byte{'s' if octets > 1 else ''} (format "
                f"{':'.join(['XX'] * octets) if octets <= 4 else 'XX:XX:...:XX, 32 bytes'})",
                f"write it as {example}: digits 0-9 and letters A-F, two per byte"
                + (", separated by colons" if octets > 1 else ""),
            )))
        if canonical != text:
            # SECAS's tool upper-cases hex itself, but needs the colons
            notes = (*notes, Problem(Code.V09, f"written as {canonical}",
                                     refused_as_written=canonical != text.upper()))
        if limit is not None and int(canonical.replace(":", ""), 16) > limit:
            return Normalised(None, False, (*notes, Problem(
                Code.V04, f"{canonical} is in the reserved range above {spec.max_value}",
                f"valid values run from {':'.join(['00'] * octets)} to {spec.max_value}; use the "
                "value in the device's OTA header",
            )))
        return Normalised(canonical, True, notes)
    return normalise


def _entry_number(spec: FieldSpec) -> Normaliser:
    def normalise(raw: RawValue) -> Normalised:
        text, early, notes = _text_prelude(raw, strict=True)
        if early is not None:
            return early
        assert text is not None
        restored = EntryNumber.restored(text)
        if restored is not None:
            return Normalised(None, False, (*notes, Problem(
                Code.V06, f"'{text}' has lost its leading zeros (Excel's number format?)",
                f"write the entry number with 6 digits, e.g. {restored}, in a cell "
                "formatted as Text")))
        try:
            number = EntryNumber.parse(text)
        except ValueError:
            return Normalised(None, False, (*notes, Problem(
                Code.V03, "not a 6-digit entry number from 000001 to 999999",
                "write the number with its leading zeros, e.g. 000733")))
        return Normalised(str(number), True, notes)
    return normalise


def _enum(spec: FieldSpec, ruleset: Ruleset) -> Normaliser:
    assert spec.enumeration is not None
    members = ruleset.members(spec.enumeration)
    exact = {m.value: m for m in members.values()}
    accepted = [m.value for m in members.values() if m.accepted]

    def normalise(raw: RawValue) -> Normalised:
        text, early, notes = _text_prelude(raw, strict=True)
        if early is not None:
            return early
        assert text is not None
        if text in exact:
            return Normalised(text, True, notes)
        member = members.get(fold(text))
        if member is None:
            return Normalised(None, False, (*notes, Problem(
                Code.V05, "not one of the allowed values",
                "use one of: " + "; ".join(accepted))))
        # SECAS's macro compares text with Option Compare Text: another case passes its check
        # (so does Excel's list validation); other spacing, or '&' for 'and', does not
        case_only = text.lower() == member.value.lower()
        return Normalised(member.value, True, (*notes, Problem(
            Code.V09, f"written as '{member.value}'"
            + (", the list's own spelling" if case_only else ""),
            refused_as_written=not case_only)))
    return normalise


#: what Excel leaves of a hex value it took for a number: dropped zeros or scientific notation
_EXCEL_MANGLED = re.compile(r"[0-9]+|[0-9](?:\.[0-9]+)?E\+?[0-9]+", re.IGNORECASE)

#: the date spellings read: day first (30/08/2030, 30-08-2030, 30.08.2030, 1/8/2030) or year
#: first (2030-08-30, 2030/08/30, 2030.08.30); only dd/mm/yyyy is SECAS's own (docs/findings.md)
_DATE_TEXT = re.compile(r"([0-9]{1,2})([/.-])([0-9]{1,2})\2([0-9]{4})")
_YEAR_FIRST = re.compile(r"([0-9]{4})([/.-])([0-9]{1,2})\2([0-9]{1,2})")


def _date(spec: FieldSpec) -> Normaliser:
    def normalise(raw: RawValue) -> Normalised:
        if raw is None or raw == "":
            return EMPTY
        if isinstance(raw, dt.datetime):
            if raw.time() == dt.time():
                return Normalised(raw.date(), True, _NO_PROBLEMS)
            # SECAS's check reads the cell as 'dd/mm/yyyy hh:mm:ss', which is no dd/mm/yyyy date
            return Normalised(raw.date(), True, (Problem(
                Code.V09, f"the cell holds the time {raw:%H:%M:%S} after the date; read as "
                f"{raw:%d/%m/%Y}", refused_as_written=True),))
        if isinstance(raw, dt.date):
            return Normalised(raw, True, _NO_PROBLEMS)
        if isinstance(raw, int | float) and not isinstance(raw, bool):
            hint = "write the date as dd/mm/yyyy, e.g. 30/08/2029"
            if 1 <= raw < 2958466:
                serial = _EXCEL_EPOCH + dt.timedelta(days=int(raw))
                hint = (f"the cell lost its date format ({as_text(raw)} is Excel's serial number "
                        f"for {serial:%d/%m/%Y}): format it as a date or write dd/mm/yyyy")
            return Normalised(None, False, (Problem(
                Code.V07, f"the number {as_text(raw)} is not a date", hint),))
        text, early, notes = _text_prelude(raw, strict=True)
        if early is not None:
            if early.problems and early.problems[0].code == Code.V06:
                return Normalised(None, False, (Problem(
                    Code.V07, f"{as_text(raw)} is not a date"),))
            return early
        assert text is not None
        match = _DATE_TEXT.fullmatch(text)
        year_first = None if match else _YEAR_FIRST.fullmatch(text)
        try:
            if match:
                day, _, month, year = match.groups()
                value = dt.date(int(year), int(month), int(day))
            elif year_first:
                year, _, month, day = year_first.groups()
                value = dt.date(int(year), int(month), int(day))
            else:
                raise ValueError(text)
        except ValueError:
            return Normalised(None, False, (*notes, Problem(
                Code.V07, "not a real date in the form dd/mm/yyyy")))
        canonical = value.strftime("%d/%m/%Y")
        if canonical != text:
            notes = (*notes, Problem(Code.V09, f"date written as {canonical}",
                                     refused_as_written=True))
        return Normalised(value, True, notes)
    return normalise


#: SECAS's check looks at the first four characters only ('[E] ' or '[R] ', upper case), so
#: more spaces after the prefix pass it
_CPA_PREFIX = re.compile(r"\[([ER])\] ( *)(\S.*)", re.IGNORECASE | re.DOTALL)
#: what SECAS's check accepts in place of a CPA certificate id where none applies, folded
_NOT_RELEVANT = "not relevant"


def _cpa_certificate(spec: FieldSpec) -> Normaliser:
    base = _text(spec)

    def normalise(raw: RawValue) -> Normalised:
        result = base(raw)
        if not result.usable or result.value is None:
            return result
        assert isinstance(result.value, str)
        if result.value.casefold() == _NOT_RELEVANT:
            # SECAS's check lets a device type without a CPA certificate (a PPMID) write 'Not
            # Relevant' in any case (lines 1037-1040 of its Sheet1 module, under Option Compare
            # Text), and its published list leaves the id empty there: read it as empty, so a
            # PPMID passes and a type that needs a certificate is told it is missing
            return Normalised(None, True, (*result.problems, Problem(
                Code.V15, f"'{result.value}' read as no certificate id (the list leaves it "
                "empty where no CPA certificate applies)",
                "leave the cell empty: SECAS's check refuses 'Not Relevant' on a SMETS1 form")))
        match = _CPA_PREFIX.fullmatch(result.value)
        if match is None:
            return Normalised(None, False, (*result.problems, Problem(
                Code.V03, "a CPA certificate id starts with '[E] ' (expiring certificate) or "
                "'[R] ' (lifetime certificate with a renewal date)",
                "write the prefix, a space, then the certificate number, e.g. "
                "'[R] NCSC-1433053936-3918'")))
        prefix, spaces, rest = match.groups()
        canonical = f"[{prefix.upper()}] {rest}"
        if canonical != result.value:
            return Normalised(canonical, True, (*result.problems, Problem(
                Code.V09, f"written as '{canonical}'"
                + (", one space after the prefix" if spaces else ""),
                refused_as_written=not prefix.isupper())))
        return result
    return normalise


def _descriptor(spec: FieldSpec, ruleset: Ruleset) -> Normaliser:
    base = _text(spec)
    bands = [m.value for m in ruleset.members("descriptor_bands").values() if m.accepted]
    folded = [fold(b) for b in bands]

    def normalise(raw: RawValue) -> Normalised:
        result = base(raw)
        if not result.usable or not isinstance(result.value, str):
            return result
        text = fold(result.value)
        if not any(b in text for b in folded):
            return Normalised(result.value, True, (*result.problems, Problem(
                Code.V11, "the descriptor names no ZigBee band",
                "end it with one of: " + "; ".join(bands))))
        return result
    return normalise


_EMAIL = re.compile(
    r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_PHONE_CHARS = re.compile(r"\+?[0-9 ()./-]+(?: ?(?:ext|x)\.? ?[0-9]{1,6})?", re.IGNORECASE)
_URL = re.compile(r"(?:(https?)://)?([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::(\d{1,5}))?(?:[/?#]\S*)?",
                  re.IGNORECASE)
_URL_IN_TEXT = re.compile(r"\b([A-Za-z][A-Za-z0-9+.-]*)://([^\s/?#]+)\S*")
_PRIVATE_SUFFIXES = (".local", ".localhost", ".internal", ".lan", ".intranet", ".corp", ".home",
                     ".invalid", ".test", ".example")


def public_host_problem(host: str) -> str | None:
    """Why ``host`` is not reachable by the public, or None if it looks public."""
    host = host.strip("[]").rstrip(".").lower()
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        if host == "localhost" or host.endswith(_PRIVATE_SUFFIXES):
            return f"{host} is not a public host name"
        if "." not in host:
            return f"{host} is not a full host name (no domain)"
        return None
    return None if address.is_global else f"{host} is not a public address"


#: SECAS's pattern for one e-mail address (its IsEmailFormat, matched ignoring case)
_SECAS_EMAIL = re.compile(r"[a-zA-Z0-9_.+-]+@[a-zA-Z0-9-]+\.[a-zA-Z0-9.-]+")


def _secas_email_list(spec: FieldSpec) -> Normaliser:
    """The CPA contact's e-mail list as SECAS's check reads it (IsMultipleEmailFormat): a value
    holding ';' is split there and each address trimmed before it is matched, so spaces around
    the list pass; a single address is matched as written, so spaces around it do not."""
    listed, single = _text(spec, strict=False), _text(spec, strict=True)

    def normalise(raw: RawValue) -> Normalised:
        several = isinstance(raw, str) and ";" in raw
        result = (listed if several else single)(raw)
        if not result.usable or not isinstance(result.value, str):
            return result
        items = [item.strip() for item in result.value.split(";")] if several \
            else [result.value]
        bad = next((item for item in items if not _SECAS_EMAIL.fullmatch(item)), None)
        if bad is not None:
            what = f"{bad!r} is not an e-mail address" if bad else "an empty address between ';'"
            return _format_problem(spec, result, f"{what} as SECAS's check reads one (letters, "
                                   "digits and _.+- before the @, a domain with a dot after it)",
                                   "give each e-mail address in full, separated by ';', e.g. "
                                   "jo.bloggs@example.co.uk; team@example.co.uk")
        return result
    return normalise


def _list_of(spec: FieldSpec, what: str, check: Callable[[str], bool], example: str) -> Normaliser:
    base = _text(spec)

    def normalise(raw: RawValue) -> Normalised:
        result = base(raw)
        if not result.usable or not isinstance(result.value, str):
            return result
        items = [item.strip() for item in result.value.split(";")]
        bad = [item for item in items if not check(item)]
        if bad:
            return _format_problem(spec, result, f"{bad[0]!r} is not a valid {what}",
                                   f"give each {what} in full, separated by ';', e.g. {example}")
        return result
    return normalise


def _format_problem(spec: FieldSpec, result: Normalised, message: str,
                    hint: str) -> Normalised:
    """A value whose format is wrong: an error (CPL-V03), or a warning (CPL-V13) that keeps the
    value where the format is advice only (the form asks for any text)."""
    if spec.format_advisory:
        return Normalised(result.value, True, (*result.problems, Problem(
            Code.V13, f"{message}; SECAS's form accepts any text here", hint)))
    return Normalised(None, False, (*result.problems, Problem(Code.V03, message, hint)))


def _is_phone(item: str) -> bool:
    if not _PHONE_CHARS.fullmatch(item):
        return False
    digits = sum(ch.isdigit() for ch in item)
    return 7 <= digits <= 20


def _url(spec: FieldSpec) -> Normaliser:
    base = _text(spec)

    def normalise(raw: RawValue) -> Normalised:
        result = base(raw)
        if not result.usable or not isinstance(result.value, str):
            return result
        match = _URL.fullmatch(result.value)
        reason = public_host_problem(match.group(2)) if match else "not a web address"
        if reason:
            return _format_problem(spec, result, f"{reason}; a public web address is needed",
                                   "give the manufacturer's public website, e.g. "
                                   "https://www.example.co.uk")
        return result
    return normalise


def _release_notes(spec: FieldSpec) -> Normaliser:
    base = _text(spec)

    def normalise(raw: RawValue) -> Normalised:
        result = base(raw)
        if not result.usable or not isinstance(result.value, str):
            return result
        for match in _URL_IN_TEXT.finditer(result.value):
            scheme, host = match.group(1).lower(), match.group(2).rsplit("@", 1)[-1]
            host = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
            reason = (f"{scheme}:// links cannot be opened by the public"
                      if scheme not in ("http", "https") else public_host_problem(host))
            if reason:
                # the form says links must be public; SECAS's check measures the text only
                return Normalised(result.value, True, (*result.problems, Problem(
                    Code.V13, f"the link {match.group(0)} is not public: {reason}",
                    "release notes are published on the Firmware Information Repository: link "
                    "only to public http(s) pages")))
        return result
    return normalise


def compile_normalisers(ruleset: Ruleset) -> Mapping[str, Normaliser]:
    """One normaliser per field of the ruleset, built once per run."""
    return {name: _normaliser(spec, ruleset) for name, spec in ruleset.fields.items()}


def _normaliser(spec: FieldSpec, ruleset: Ruleset) -> Normaliser:
    # one case per kind: the type checker refuses a kind left out (assert_never)
    match spec.kind:
        case FieldKind.HEX:
            return _hex(spec)
        case FieldKind.ENUM:
            return _enum(spec, ruleset)
        case FieldKind.DATE:
            return _date(spec)
        case FieldKind.ENTRY_NUMBER:
            return _entry_number(spec)
        case FieldKind.CPA_CERTIFICATE:
            return _cpa_certificate(spec)
        case FieldKind.DESCRIPTOR:
            return _descriptor(spec, ruleset)
        case FieldKind.EMAIL_LIST:
            return _secas_email_list(spec) if not spec.format_advisory else _list_of(
                spec, "e-mail address", lambda s: bool(_EMAIL.fullmatch(s)),
                "jo.bloggs@example.co.uk")
        case FieldKind.TELEPHONE_LIST:
            return _list_of(spec, "telephone number", _is_phone, "+44 20 7946 0000")
        case FieldKind.URL:
            return _url(spec)
        case FieldKind.RELEASE_NOTES:
            return _release_notes(spec)
        case FieldKind.TEXT:
            return _text(spec)
        case _:
            assert_never(spec.kind)
