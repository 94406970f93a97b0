"""What each CPL version changed, tallied per regulatory year, and how the list proliferates.

SECAS's annual report to the SEC Panel gives, per regulatory year (1 April to 31 March), the
CPL versions issued, the SMETS2 and SMETS1 Device Models added and the Device Models removed;
the Panel also asks how many models and firmware versions are on the list. This module works
those figures out from records:

- for versions a registry issued itself, from the versions: what each added, removed,
  reinstated, corrected or changed certificates on, compared with the version before
  (``changes_between``);
- for the history an import carries (SECAS's own lines, before the registry began), from the
  text as SECAS wrote it (``changes_in_history``): the item lines under an 'added' or
  'removed' heading, and the sentences that name entries (``entries 000629, 000630 and
  000631 ... have been removed``, a CPA certificate's new date). So the figures for past
  years are the ones SECAS's own history supports; where a line says what it did without
  naming the entries ('48 current entries have been updated'), the count it gives is kept.

A Device Model's generation is its entry's own SMETS/CHTS version ('SMETS V1.2' is SMETS1;
any other SMETS or CHTS version is SMETS2 and later). Pure: records in, records out; the
reference date is handed in, never read from a clock. It reads no files and decides nothing
about validity.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from cplkit.core import model as m

#: the SMETS/CHTS version every SMETS1 entry carries (domain brief, section 4)
SMETS1_VERSION = "SMETS V1.2"


class Generation(StrEnum):
    SMETS1 = "SMETS1"
    SMETS2 = "SMETS2+"
    UNKNOWN = "unknown"  # an entry the history names that the list does not hold


def generation(entry: m.Entry | None) -> Generation:
    """SMETS1 or SMETS2 and later, from the entry's own SMETS/CHTS version."""
    spec = entry.spec_version if entry is not None else None
    if not spec:
        return Generation.UNKNOWN
    return Generation.SMETS1 if spec == SMETS1_VERSION else Generation.SMETS2


@dataclass(frozen=True, slots=True)
class RegulatoryYear:
    """A regulatory year, 1 April of ``start`` to 31 March of the year after: '2021-22'."""

    start: int

    @staticmethod
    def parse(text: str) -> RegulatoryYear:
        found = re.fullmatch(r"([0-9]{4})-([0-9]{2})", text.strip())
        if found is None or (int(found.group(1)) + 1) % 100 != int(found.group(2)):
            raise ValueError(f"{text!r} is not a regulatory year such as 2021-22")
        return RegulatoryYear(int(found.group(1)))

    @staticmethod
    def of(day: dt.date) -> RegulatoryYear:
        """The regulatory year ``day`` falls in."""
        return RegulatoryYear(day.year if day.month >= 4 else day.year - 1)

    @property
    def first_day(self) -> dt.date:
        return dt.date(self.start, 4, 1)

    @property
    def last_day(self) -> dt.date:
        return dt.date(self.start + 1, 3, 31)

    def holds(self, day: dt.date | None) -> bool:
        return day is not None and self.first_day <= day <= self.last_day

    def __str__(self) -> str:
        return f"{self.start}-{(self.start + 1) % 100:02d}"


@dataclass(frozen=True, slots=True)
class CertificateTally:
    """One change to a CPA certificate made by a version: the entries it names, or only how
    many it says when the history gives a count without the numbers."""

    entries: tuple[str, ...]
    count: int
    subject: str = ""


@dataclass(frozen=True, slots=True)
class VersionChange:
    """What one version did, and whether that was read from the versions or SECAS's text."""

    version: str
    date: dt.date | None
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    reinstated: tuple[str, ...] = ()
    corrected: tuple[str, ...] = ()
    certificates: tuple[CertificateTally, ...] = ()
    from_history: bool = False


# -- from the versions a registry issued ---------------------------------------------------

_CERTIFICATE_FIELDS = frozenset({m.CPA_ID, m.CPA_EXPIRY})


def changes_between(before: m.CplVersion | None, after: m.CplVersion) -> VersionChange:
    """What ``after`` changed from ``before`` (None: it is the first version)."""
    old = before.by_number() if before is not None else {}
    added, removed, reinstated, corrected = [], [], [], []
    by_certificate: dict[str, list[str]] = {}
    for number, entry in after.by_number().items():
        was = old.get(number)
        if was is None:
            added.append(number)
            continue
        if was.status == m.Status.CURRENT and entry.status == m.Status.REMOVED:
            removed.append(number)
        elif was.status == m.Status.REMOVED and entry.status == m.Status.CURRENT:
            reinstated.append(number)
        differs = {f for f in m.PUBLISHED_FIELDS
                   if f != m.ENTRY_STATUS and was.get(f) != entry.get(f)}
        if differs & _CERTIFICATE_FIELDS:
            by_certificate.setdefault(was.text(m.CPA_ID) or "", []).append(number)
        if differs - _CERTIFICATE_FIELDS:
            corrected.append(number)
    certificates = tuple(CertificateTally(tuple(numbers), len(numbers), subject)
                         for subject, numbers in sorted(by_certificate.items()))
    return VersionChange(str(after.number), after.issue_date, tuple(added), tuple(removed),
                         tuple(reinstated), tuple(corrected), certificates)


# -- from SECAS's history text ---------------------------------------------------------------

#: an item line: an entry number (SECAS wrote five to seven digits) then a dash or a space
_ITEM = re.compile(r"([0-9]{5,7})(?![0-9])\s*(?:[-\u2013]|\s|$)")
#: entries a sentence names: 'entry 000139', 'entry numbers 000083 and 000139', 'entries
#: 000629, 000630 and 000631', 'Updated Entry 000001'
_NAMED = re.compile(r"\bentr(?:y|ies)(?:\s+numbers?)?\s*:?\s*([0-9]{5,7}(?:\s*(?:,|and|&)\s*"
                    r"[0-9]{5,7})*)", re.IGNORECASE)
_NUMBER = re.compile(r"[0-9]{5,7}")
#: '48 current entries have been updated'
_COUNTED = re.compile(r"\b([0-9]+)\s+current\s+entr", re.IGNORECASE)
#: SECAS glued item lines onto a heading or onto each other with a run of spaces
_GLUE = re.compile(r"[ \t\u00a0]{3,}")
_SENTENCE = re.compile(r"(?<=[.;])\s+")


class _Verb(StrEnum):
    ADDED = "added"
    REMOVED = "removed"
    REINSTATED = "reinstated"
    CORRECTED = "corrected"
    CERTIFICATE = "certificate"  # 'CPA Certificate details amended for two Device Models'


def _quotes(text: str) -> str:
    return (text.replace("&#39;", "'").replace("\u2018", "'").replace("\u2019", "'")
            .lower())


def _heading_verb(text: str) -> _Verb | None:
    """What the item lines under a heading did: the first of SECAS's verbs it uses."""
    low = _quotes(text)
    if re.search(r"status (?:changed|set) to '?current", low) or "reinstated" in low:
        return _Verb.REINSTATED
    if "cpa certificate" in low and "amended" in low:
        return _Verb.CERTIFICATE
    found = [(low.find(word), verb) for word, verb in (
        ("added", _Verb.ADDED), ("removed", _Verb.REMOVED), ("amended", _Verb.CORRECTED),
        ("altered", _Verb.CORRECTED), ("correct", _Verb.CORRECTED)) if word in low]
    return min(found)[1] if found else None


def _sentence_verb(text: str) -> _Verb | None:
    """What a sentence naming entries says was done to them, if anything."""
    low = _quotes(text)
    if "removed" in low:
        return _Verb.REMOVED
    if re.search(r"status (?:changed|set) to '?current", low) or "reinstated" in low:
        return _Verb.REINSTATED
    if any(w in low for w in ("altered", "amended", "replaced", "incorrect", "corrected")):
        return _Verb.CORRECTED
    return None


def _is_certificate_change(text: str) -> bool:
    low = _quotes(text)
    return "cpa certificate" in low and any(
        w in low for w in ("expir", "replaces", "risk review", "renew"))


def _named(text: str) -> list[str]:
    return [m.EntryNumber.in_history(n) for group in _NAMED.finditer(text)
            for n in _NUMBER.findall(group.group(1))]


def _segments(changes: str) -> Iterable[str]:
    for line in changes.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        for part in _GLUE.split(line):
            if part.strip():
                yield part.strip()


def read_history_line(line: m.HistoryLine) -> VersionChange:
    """What one of SECAS's history lines says its version did, as SECAS wrote it."""
    found: dict[_Verb, list[str]] = {verb: [] for verb in _Verb}
    certificates: list[CertificateTally] = []
    verb: _Verb | None = None
    for segment in _segments(line.changes):
        item = _ITEM.match(segment)
        if item is not None:
            if verb is not None:
                found[verb].append(m.EntryNumber.in_history(item.group(1)))
            continue
        if segment.endswith(":") or segment.startswith("("):
            # a heading: its verb is what the lines under it did; a note in brackets speaks
            # of the lines above it ('the corrected entries are provided as ...')
            verb = _heading_verb(segment) or verb
            continue
        if _is_certificate_change(segment):
            numbers = _named(segment)
            counted = _COUNTED.search(segment)
            many = len(numbers) or (int(counted.group(1)) if counted else 0)
            if many:  # a sentence about certificates that changes no entry tells nothing
                certificates.append(CertificateTally(tuple(numbers), many))
                continue
        said = False
        for sentence in _SENTENCE.split(segment):
            numbers = _named(sentence)
            sentence_verb = _sentence_verb(sentence) if numbers else None
            if sentence_verb is not None:
                found[sentence_verb].extend(numbers)
                said = True
        if not said:
            verb = _heading_verb(segment) or verb
    if found[_Verb.CERTIFICATE]:
        listed = tuple(dict.fromkeys(found[_Verb.CERTIFICATE]))
        certificates.insert(0, CertificateTally(listed, len(listed)))
    date = _date(line.date)

    def unique(numbers: list[str]) -> tuple[str, ...]:
        return tuple(dict.fromkeys(numbers))

    return VersionChange(line.version, date, unique(found[_Verb.ADDED]),
                         unique(found[_Verb.REMOVED]), unique(found[_Verb.REINSTATED]),
                         unique(found[_Verb.CORRECTED]), tuple(certificates),
                         from_history=True)


def _date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def changes_in_history(lines: Sequence[m.HistoryLine]) -> list[VersionChange]:
    """What each of SECAS's history lines says its version did. An entry is added once: a
    later 'added' line naming a number already added (a heading read loosely) adds nothing."""
    seen: set[str] = set()
    out = []
    for line in lines:
        read = read_history_line(line)
        added = tuple(n for n in read.added if n not in seen)
        seen.update(added)
        out.append(VersionChange(read.version, read.date, added, read.removed,
                                 read.reinstated, read.corrected, read.certificates, True))
    return out


# -- per regulatory year -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Made:
    """An entry a figure counts, and the version that made the change."""

    entry: str
    version: str


@dataclass(frozen=True, slots=True)
class YearFigures:
    """The figures of one regulatory year, each with the versions that made them."""

    year: RegulatoryYear
    versions: tuple[tuple[str, dt.date], ...]
    added: Mapping[Generation, tuple[Made, ...]]
    removed: tuple[Made, ...]
    reinstated: tuple[Made, ...]
    corrected: tuple[Made, ...]
    #: (version, the certificate change)
    certificates: tuple[tuple[str, CertificateTally], ...]
    #: versions whose figures were read from SECAS's history text rather than the versions
    from_history: tuple[str, ...] = ()
    #: entries of the list that no history line names as added, so in no year's figures
    unattributed: tuple[str, ...] = field(default=())


def year_figures(changes: Sequence[VersionChange], year: RegulatoryYear,
                 entries: Mapping[str, m.Entry],
                 unattributed: Sequence[str] = ()) -> YearFigures:
    """The figures of ``year`` from what each version did; ``entries`` (every entry by
    number, as the latest version holds it) gives an added entry's generation."""
    inside = [c for c in changes if year.holds(c.date)]
    added: dict[Generation, list[Made]] = {g: [] for g in Generation}
    for change in inside:
        for number in change.added:
            added[generation(entries.get(number))].append(Made(number, change.version))

    def made(pick: str) -> tuple[Made, ...]:
        return tuple(Made(n, c.version) for c in inside for n in getattr(c, pick))

    return YearFigures(
        year, tuple((c.version, c.date) for c in inside if c.date is not None),
        {g: tuple(v) for g, v in added.items()}, made("removed"), made("reinstated"),
        made("corrected"),
        tuple((c.version, cert) for c in inside for cert in c.certificates),
        tuple(c.version for c in inside if c.from_history), tuple(unattributed))


@dataclass(frozen=True, slots=True)
class Figure:
    """One row of the year's table: what is counted, how many, and the versions that made it."""

    what: str
    count: int
    versions: str


def _versions_of(rows: Sequence[Made]) -> str:
    return ", ".join(dict.fromkeys(r.version for r in rows))


def year_rows(figures: YearFigures) -> list[Figure]:
    """The year's figures in the order SECAS's annual report gives them, then the rest."""
    added = figures.added
    rows = [
        Figure("CPL versions issued", len(figures.versions),
               ", ".join(v for v, _ in figures.versions)),
        Figure("SMETS2+ Device Models added", len(added[Generation.SMETS2]),
               _versions_of(added[Generation.SMETS2])),
        Figure("SMETS1 Device Models added", len(added[Generation.SMETS1]),
               _versions_of(added[Generation.SMETS1])),
        Figure("Device Models removed", len(figures.removed), _versions_of(figures.removed)),
        Figure("Certificate updates", len(figures.certificates),
               ", ".join(dict.fromkeys(v for v, _ in figures.certificates))),
        Figure("Entries with a certificate updated",
               sum(c.count for _, c in figures.certificates), ""),
        Figure("Reinstatements", len(figures.reinstated), _versions_of(figures.reinstated)),
        Figure("Corrections", len(figures.corrected), _versions_of(figures.corrected)),
    ]
    if added[Generation.UNKNOWN]:
        rows.append(Figure("Added entries not on the list (generation unknown)",
                           len(added[Generation.UNKNOWN]),
                           _versions_of(added[Generation.UNKNOWN])))
    return rows


def unnamed_entries(changes: Sequence[VersionChange], entries: Iterable[str]) -> list[str]:
    """The entry numbers of the list that no version is found to have added."""
    added = {n for c in changes for n in c.added}
    return sorted(n for n in entries if n not in added)


# -- proliferation ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ModelCount:
    """One Device Model's Current entries: its device types, firmware versions and entries."""

    manufacturer: str
    model: str
    hardware: str  # version and revision, 'VV:RR'
    device_types: tuple[str, ...]
    firmware: tuple[str, ...]
    entries: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Proliferation:
    """How many Current entries each manufacturer, device type and Device Model has."""

    version: str
    current: int
    by_manufacturer: Mapping[str, int]
    by_device_type: Mapping[str, int]
    models: tuple[ModelCount, ...]


def proliferation(version: m.CplVersion) -> Proliferation:
    by_manufacturer: dict[str, int] = {}
    by_type: dict[str, int] = {}
    models: dict[tuple[str, str, str], list[m.Entry]] = {}
    current = [e for e in version.entries if e.status == m.Status.CURRENT and e.number]
    for entry in current:
        manufacturer = entry.text(m.MANUFACTURER_ID) or ""
        by_manufacturer[manufacturer] = by_manufacturer.get(manufacturer, 0) + 1
        device_type = entry.device_type or ""
        by_type[device_type] = by_type.get(device_type, 0) + 1
        hardware = f"{entry.text(m.HARDWARE_VERSION) or ''}:{entry.text(m.HARDWARE_REVISION) or ''}"
        models.setdefault((manufacturer, entry.text(m.MODEL_ID) or "", hardware),
                          []).append(entry)
    counts = tuple(
        ModelCount(man, model, hw, tuple(sorted({e.device_type or "" for e in group})),
                   tuple(sorted({e.firmware_version or "" for e in group})),
                   tuple(sorted(e.number or "" for e in group)))
        for (man, model, hw), group in sorted(models.items()))
    return Proliferation(str(version.number), len(current), dict(sorted(by_manufacturer.items())),
                         dict(sorted(by_type.items())), counts)
