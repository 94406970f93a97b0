"""Company names for manufacturer ids, found in SECAS's own history lines.

The published list carries manufacturer ids (10:6C), never company names; SECAS's history item
lines do (``000731 - George Wilson Industries GSME FVI 01:CA:00:D1``). For every manufacturer
id of the list, this reads the item lines of its entries, takes the words before the first
product or device word (one with a digit, a dash, or a device word such as GSME or Hub), and
keeps the longest run of those words that more than half of the lines give alike: ``Aclara
SGM1412`` and ``Aclara Single ESME`` give ``Aclara``. An id whose lines give no such words
stays unnamed.

Pure: it reads records, not files; the import stores what it finds in the names register, and
a person corrects a name with ``cplkit names set``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from cplkit.core import model as m

#: an item line: an entry number (SECAS sometimes wrote seven digits), a dash, the description
_ITEM = re.compile(r"^\s*(\d{5,7})\s*[-\u2013]\s*(\S.*)$")

#: words that start the product or device part of a description, never a company's name
_DEVICE_WORDS = frozenset((
    "gsme", "esme", "ppmid", "hcalcs", "ch", "ihd", "comms", "communications", "hub", "gas",
    "electricity", "eletricity", "meter", "smart", "single", "twin", "polyphase", "dual",
    "double", "band", "pre-payment", "prepayment", "in-home", "display", "smip", "fw",
))


@dataclass(frozen=True, slots=True)
class CompaniesFound:
    """What the history names: company by manufacturer id, and the ids it could not name."""

    named: Mapping[str, str]
    unnamed: tuple[str, ...]


def company_words(description: str) -> tuple[str, ...]:
    """The leading words of an item line's description that can be a company's name."""
    words = []
    for word in description.split():
        bare = word.strip(",.;:()").lower()
        if not bare or bare in _DEVICE_WORDS or word.startswith(("(", "-", "\u2013")) or \
                any(c.isdigit() for c in word):
            break
        words.append(word.strip(",;:"))
    return tuple(words)


def _name(candidates: list[tuple[str, ...]]) -> str | None:
    """The longest run of leading words that most lines give alike ('Landis + Gyr' over one
    'Landis & Gyr'), spelt as the first of them; None when no line starts with a company
    word."""
    lines = [words for words in candidates if words]
    if not lines:
        return None
    best: tuple[str, ...] = ()
    for n in range(1, max(map(len, lines)) + 1):
        counts: dict[tuple[str, ...], list[tuple[str, ...]]] = {}
        for words in lines:
            if len(words) >= n:
                counts.setdefault(tuple(w.lower() for w in words[:n]), []).append(words)
        if not counts:
            break
        alike = max(counts.values(), key=len)  # the first of equals: the oldest spelling
        if n > 1 and 2 * len(alike) <= len(lines):
            break
        best = alike[0][:n]
    return " ".join(best)


def companies_in_history(entries: Iterable[m.Entry],
                         history: Iterable[m.HistoryLine]) -> CompaniesFound:
    """The company name of every manufacturer id of ``entries`` that the history's item
    lines name."""
    manufacturer_of = {e.number: e.text(m.MANUFACTURER_ID) for e in entries if e.number}
    candidates: dict[str, list[tuple[str, ...]]] = {}
    for line in history:
        for text in line.changes.splitlines():
            item = _ITEM.match(text)
            if item is None:
                continue
            manufacturer = manufacturer_of.get(m.EntryNumber.in_history(item.group(1)))
            if manufacturer:
                candidates.setdefault(manufacturer, []).append(company_words(item.group(2)))
    named: dict[str, str] = {}
    for manufacturer, found in candidates.items():
        name = _name(found)
        if name:
            named[manufacturer] = name
    every = sorted({i for i in manufacturer_of.values() if i})
    return CompaniesFound(dict(sorted(named.items())),
                          tuple(i for i in every if i not in named))
