"""A version's history line, written in SECAS's words.

Suppliers and the DCC read the 'Changes incorporated' text, so it reads as SECAS writes it in
the 2.x history: a count in words, one item line per entry ``000731 - George Wilson Industries
GSME FVI 01:CA:00:D1`` (company, SECAS's short device type, product name, firmware), the
"(updated firmware)" and "(corrected details)" tags, and sentences for removals, reinstatements,
corrections, renames and certificate updates. Lines end in CRLF, as SECAS's 2.x lines do.

Pure: it takes entries and changes and returns text. The company names come from the
registry's names register and the short device types from the ruleset, both handed in as a
``Wording``. It decides nothing about validity but one thing: which submitted fields an item
line carries, and so must be one line each (``ITEM_LINE_FIELDS``, held to it by
``one_line``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

from cplkit.core import model as m
from cplkit.core.changes import CertificateUpdate, Correction, Rename
from cplkit.core.cpa import RENEWABLE_PREFIX
from cplkit.core.findings import Code
from cplkit.core.normalise import Normalised, Normaliser, Problem
from cplkit.core.text import ONE_LINE_HINT, not_one_line

#: SECAS's line break in the 2.x history lines
CRLF = "\r\n"

#: the optional product name a submission may carry for its history line (not published); a
#: merge makes it the entry's own ``Entry.product_name``, which every later item line names
PRODUCT_NAME = "Product.name"

#: the FIR contact's company name: the manufacturer's own name for a company the register lacks
FIR_COMPANY = "Manufacturer Contact FIR.Company Name"

#: the submitted fields an item line may carry (``Wording.describe``): the product name, and
#: the company when the names register lacks one. A line break in one would start a line of its
#: own in the history, one that can read as an entry the version never added
ITEM_LINE_FIELDS = frozenset({PRODUCT_NAME, FIR_COMPANY, m.IMAGE_CREATOR})

_EMPTY: Mapping[str, str] = MappingProxyType({})


def one_line(normaliser: Normaliser) -> Normaliser:
    """``normaliser``, and a value it accepts that cannot be one line of the history refused
    (CPL-V03): for the fields an item line carries."""
    def normalise(raw: m.RawValue) -> Normalised:
        result = normaliser(raw)
        why = not_one_line(result.value) if isinstance(result.value, str) else None
        if why is None:
            return result
        return Normalised(None, False, (*result.problems,
                                        Problem(Code.V03, why, ONE_LINE_HINT)))
    return normalise


class Tag:
    """SECAS's notes after an added entry's line."""

    UPDATED_FIRMWARE = "(updated firmware)"
    CORRECTED_DETAILS = "(corrected details)"


@dataclass(frozen=True, slots=True)
class Wording:
    """How a history line names things: ``companies`` maps manufacturer id to company name (the
    registry's names register); ``short_types`` maps device type to SECAS's short name (GSME,
    ESME, PPMID...; from the ruleset)."""

    companies: Mapping[str, str] = field(default_factory=lambda: _EMPTY)
    short_types: Mapping[str, str] = field(default_factory=lambda: _EMPTY)

    def company(self, entry: m.Entry) -> str:
        """Who makes ``entry``: the registered name, else the FIR contact's company, else the
        image creator, else the manufacturer id itself."""
        manufacturer = entry.text(m.MANUFACTURER_ID) or ""
        return (self.companies.get(manufacturer) or entry.text(FIR_COMPANY)
                or entry.text(m.IMAGE_CREATOR) or f"manufacturer {manufacturer}")

    def describe(self, entry: m.Entry, tag: str = "") -> str:
        """One item line: ``000731 - George Wilson Industries GSME FVI 01:CA:00:D1``."""
        device_type = entry.device_type or ""
        short = self.short_types.get(device_type, device_type)
        product = entry.product_name or ""
        # SECAS writes the short type once: a product name that starts with it ("GSME FVI 2")
        # stands for both, not "GSME GSME FVI 2"
        named = product.split(maxsplit=1)[0].casefold() == short.casefold() if product else False
        words = [self.company(entry), "" if named else short, product, entry.firmware_version,
                 tag]
        return f"{entry.number} - " + " ".join(w for w in words if w)


@dataclass(frozen=True, slots=True)
class Added:
    entry: m.Entry
    tag: str = ""


@dataclass(frozen=True, slots=True)
class StatusChange:
    """A removal or reinstatement as the history tells it."""

    entry: m.Entry
    reason: str
    decision: str


@dataclass(frozen=True, slots=True)
class CertificateChange:
    update: CertificateUpdate
    numbers: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Renamed:
    rename: Rename
    numbers: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class VersionChanges:
    """Everything a merge did, for the history line."""

    added: Sequence[Added] = ()
    removed: Sequence[StatusChange] = ()
    reinstated: Sequence[StatusChange] = ()
    corrected: Sequence[tuple[m.Entry, Sequence[Correction]]] = ()
    renamed: Sequence[Renamed] = ()
    certificates: Sequence[CertificateChange] = ()


_WORDS = ("No", "One", "Two", "Three", "Four", "Five", "Six", "Seven", "Eight", "Nine", "Ten",
          "Eleven", "Twelve", "Thirteen", "Fourteen", "Fifteen", "Sixteen", "Seventeen",
          "Eighteen", "Nineteen", "Twenty")


def count(n: int) -> str:
    """A count as SECAS writes it: in words up to twenty."""
    return _WORDS[n] if n < len(_WORDS) else str(n)


def _models(n: int) -> str:
    return f"{count(n)} device model{'s' if n != 1 else ''}"


def _sentence(text: str) -> str:
    text = text.strip()
    if not text:
        return ""
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


def _long_date(date: dt.date) -> str:
    return f"{date.day} {date:%B %Y}"  # '30 August 2023', as in SECAS's certificate sentences


def _numbers(numbers: Sequence[str]) -> str:
    if len(numbers) == 1:
        return numbers[0]
    return ", ".join(numbers[:-1]) + " and " + numbers[-1]


def _added(wording: Wording, added: Sequence[Added]) -> list[str]:
    by_generation: dict[str, list[Added]] = {}
    for item in added:
        generation = "SMETS1" if item.entry.spec_version == "SMETS V1.2" else "SMETS2"
        by_generation.setdefault(generation, []).append(item)
    return [f"{count(len(items))} new {generation} device model{'s' if len(items) > 1 else ''} "
            "added:" + CRLF + CRLF.join(wording.describe(i.entry, i.tag) for i in items)
            for generation, items in by_generation.items()]  # in the order the numbers run


def _removed(wording: Wording, removed: Sequence[StatusChange]) -> list[str]:
    """One paragraph per reason and decision, as SECAS explains a removal after its list."""
    groups: dict[tuple[str, str], list[m.Entry]] = {}
    for item in removed:
        groups.setdefault((item.reason, item.decision), []).append(item.entry)
    blocks = []
    for (reason, decision), entries in groups.items():
        these = "This device model was" if len(entries) == 1 else "These device models were"
        why = f" {these} removed: {reason.strip().rstrip('.')}." if reason.strip() else ""
        by = f" Decision: {_sentence(decision)}" if decision.strip() else ""
        blocks.append(f"{_models(len(entries))} removed:" + CRLF
                      + CRLF.join(wording.describe(e) for e in entries) + CRLF
                      + (why + by).strip())
    return blocks


def _reinstated(wording: Wording, reinstated: Sequence[StatusChange]) -> list[str]:
    if not reinstated:
        return []
    return [f"{_models(len(reinstated))}, status changed to 'Current':" + CRLF + CRLF.join(
        f"{wording.describe(i.entry)} ({i.reason}; decision: {i.decision})" for i in reinstated)]


def _corrected(wording: Wording,
               corrected: Sequence[tuple[m.Entry, Sequence[Correction]]]) -> list[str]:
    if not corrected:
        return []
    lines = []
    for entry, corrections in corrected:
        said = "; ".join(f"{c.field} altered to {m.as_text(c.new_value)} ({c.reason})"
                         for c in corrections)
        lines.append(f"{wording.describe(entry, Tag.CORRECTED_DETAILS)}: {said}")
    return [f"{_models(len(corrected))} amended:" + CRLF + CRLF.join(lines)]


def _renamed(renamed: Sequence[Renamed]) -> list[str]:
    return [f"All {r.rename.field} values listed as '{r.rename.old_value}' on the CPL have been "
            f"amended to '{m.as_text(r.rename.new_value)}': {r.rename.reason.strip().rstrip('.')}"
            f". {count(len(r.numbers))} entr{'y' if len(r.numbers) == 1 else 'ies'} updated: "
            f"{_numbers(r.numbers)}." for r in renamed]


def _certificate(change: CertificateChange) -> str:
    """As SECAS wrote 2.039 and 2.047: the reason, what replaces what, the new date, and how
    many current entries were updated ('Updated Entry 000001: ' when one entry is named)."""
    update, numbers = change.update, change.numbers
    certificate = update.new_certificate or update.certificate
    parts = [_sentence(update.reason or "")]
    if update.new_certificate:
        parts.append(f"The new CPA Certificate, {update.new_certificate}, replaces "
                     f"{update.certificate}.")
    if update.new_expiry:
        if certificate.startswith(RENEWABLE_PREFIX):
            which = ("the new CPA Certificate" if update.new_certificate
                     else f"CPA Certificate {certificate}")
            parts.append(f"A Risk Review for {which} will need to be completed by "
                         f"{_long_date(update.new_expiry)}.")
        else:
            parts.append(f"CPA Certificate {certificate} expires on "
                         f"{_long_date(update.new_expiry)}.")
    if update.number is not None:
        return f"Updated Entry {update.number}: " + " ".join(p for p in parts if p)
    n = len(numbers)
    parts.append(f"{count(n)} current entr{'y has' if n == 1 else 'ies have'} been updated to "
                 f"reflect this change: {_numbers(numbers)}.")
    return " ".join(p for p in parts if p)


#: the wording with no names register and the ruleset's long device type names
PLAIN = Wording()


def history_text(changes: VersionChanges, wording: Wording = PLAIN,
                 rules_note: str = "") -> str:
    """The 'Changes incorporated' text for ``changes``, paragraphs apart, CRLF line ends;
    ``rules_note`` (what changed in the rules) comes last."""
    blocks = [*_added(wording, changes.added), *_removed(wording, changes.removed),
              *_reinstated(wording, changes.reinstated), *_corrected(wording, changes.corrected),
              *_renamed(changes.renamed), *map(_certificate, changes.certificates)]
    if rules_note:
        blocks.append(rules_note)
    return with_crlf((CRLF + CRLF).join(blocks))


def with_crlf(text: str) -> str:
    """``text`` with every line break a CRLF, as SECAS's 2.x history lines have."""
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", CRLF)
