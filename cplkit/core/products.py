"""Product names for entries, recovered from SECAS's history item lines, and the one rule for
what a registry keeps as a product name.

The published list carries hex ids only; the item lines of SECAS's history often name the
product people know an entry by: ``000688 - Aclara SGM1422B Twin ESME 05:01 00:07:08:06``
names ``SGM1422B Twin``. A line names the product of an entry only where three things pin the
text down:

* the **entry number**: the line starts with the entry's number (SECAS sometimes wrote seven
  digits, and sometimes glued lines together with runs of spaces, which are split here);
* the **company**: the description starts with the company the names register gives the
  entry's manufacturer id (case, spacing and ``&`` for ``+`` aside), or with its first words
  where the line's company words end (``Chameleon IHD3-PPMID`` for Chameleon Technology), so
  the product text starts right after it;
* the **firmware**: the description writes the entry's own firmware (``00:07:08:06`` or
  ``03.14.B7.00``) and no other four-byte id, so the product text ends right before it.

Between the two, notes in brackets go, and device and company words (ESME, Gas Meter, Comms
Hub, UK Limited...), ids (``05:01``, the hardware as ``0102`` or ``HW 02 03``) and dashes are
trimmed from both ends; what remains, kept as SECAS wrote it, is the product name, if it has a
letter beyond those words. Every line that names the entry and passes must give the same text;
an entry whose lines give two (added as one thing, removed as another) is named by none. A line
that misses one of the three (no firmware, another maker's name first) names nothing: a missing
name is better than a wrong one.

Pure: records in, records out. It reads free text and never turns it into structure: a name is
one line of plain text, at most ``PRODUCT_NAME_LIMIT`` characters (``kept_product_name``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from cplkit.core import model as m
from cplkit.core.companies import company_words
from cplkit.core.text import not_one_line

#: the longest product name a registry keeps (the form's own field allows 50 octets)
PRODUCT_NAME_LIMIT = 100
#: what to do about a product name ``kept_product_name`` refuses
PRODUCT_NAME_HINT = (f"give the product name as one line of plain text of at most "
                     f"{PRODUCT_NAME_LIMIT} characters")

#: an item line: an entry number of five to seven digits, an optional dash, the description
_ITEM = re.compile(r"([0-9]{5,7})(?![0-9])\s*[-\u2013]?\s*(.*)$")
#: SECAS glued some item lines onto the line above with a run of spaces
_GLUE = re.compile(r"[ \t\u00a0]{3,}")
#: a four-byte id (a firmware version) as the history writes one: 03:14:B7:00, 03.14.B7.00
_FOUR_BYTES = re.compile(r"(?<![0-9A-Za-z])([0-9A-Fa-f]{2})([:.])([0-9A-Fa-f]{2})\2"
                         r"([0-9A-Fa-f]{2})\2([0-9A-Fa-f]{2})(?![0-9A-Za-z]|[:.][0-9A-Za-z])")
#: another id: a model id or the hardware as 05:01, 02_01 or 0x0A, a hardware byte as 02, the
#: hardware as HW0101, the model and hardware run together as A0A10200
_OTHER_ID = re.compile(r"(?:0x)?[0-9A-Fa-f]{2}[:._][0-9A-Fa-f]{2}|0x[0-9A-Fa-f]{2}|[0-9]{2}"
                       r"|[Hh][Ww][0-9A-Fa-f]{4}|[0-9A-Fa-f]{8}")
#: a version number: never a product's name on its own ('2.19', 'v1.0')
_VERSION = re.compile(r"[Vv]?[0-9]+(?:[._][0-9]+)*")
#: the words of a device type, a generation or a company's legal form: never a product name,
#: trimmed from the ends of one
_GENERIC = frozenset((
    "gsme", "esme", "ppmid", "hcalcs", "ch", "comms", "communications", "hub", "gas",
    "electricity", "eletricity", "meter", "meters", "metering", "equipment", "smart", "smets1",
    "smets2", "smets2+", "s1", "pre-payment", "prepayment", "interface", "device", "single",
    "element", "polyphase", "uk", "ltd", "limited", "plc", "corp", "gmbh", "s.r.l.",
    "solutions", "technology", "-", "\u2013", "&", "+", "with", "firmware", "fw", "hw", "and",
    "new", "band", "dual", "double", "phase", "three", "version", "revision", "hardware",
    "smip",
))
#: words that are part of a product's name beside others ('SGM1422B Twin'), never one alone
_NOT_ALONE = frozenset(("twin", "three-phase", "ihd", "sku"))


@dataclass(frozen=True, slots=True)
class ProductsFound:
    """What the history names: product name by entry number, and the entries whose lines
    name two different products (named by none)."""

    named: Mapping[str, str]
    conflicting: tuple[str, ...] = ()


def kept_product_name(text: str) -> str | None:
    """Why ``text`` cannot be kept as a product name (it is not one line of plain text, or is
    empty or longer than ``PRODUCT_NAME_LIMIT``), or None if it can."""
    if not text.strip():
        return "is empty"
    if len(text) > PRODUCT_NAME_LIMIT:
        return f"is {len(text)} characters long; at most {PRODUCT_NAME_LIMIT} are kept"
    return not_one_line(text)


def item_lines(history: Iterable[m.HistoryLine]) -> dict[str, list[str]]:
    """Every item line's description, by the entry number it starts with, oldest first."""
    found: dict[str, list[str]] = {}
    for line in history:
        for text in line.changes.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
            for part in _GLUE.split(text.strip()):
                item = _ITEM.match(part.strip())
                if item is not None:
                    number = m.EntryNumber.in_history(item.group(1))
                    found.setdefault(number, []).append(item.group(2))
    return found


def _squeezed(text: str) -> str:
    """``text`` for comparing a company's name: one space between words, none around ``+``
    (``&`` read as ``+``: 'Landis & Gyr' is 'Landis + Gyr'), case folded."""
    text = re.sub(r"\s*[+&]\s*", "+", " ".join(text.split()))
    return text.casefold()


def _after_company(description: str, company: str) -> str | None:
    """What follows the company at the start of ``description``: ``company`` itself, or the
    first words of it as a line shortened it ('Chameleon' for 'Chameleon Technology'); None
    when the line starts with neither."""
    want = _squeezed(company)
    words = description.split()
    for n in range(1, len(words) + 1):
        said = _squeezed(" ".join(words[:n]))
        if said == want:
            return " ".join(words[n:])
        if not want.startswith(said):
            break
    leading = company_words(description)
    shortened = _squeezed(" ".join(leading))
    if leading and want.startswith(shortened + " "):
        return " ".join(words[len(leading):])
    return None


def _is_trimmed(word: str, hardware: str) -> bool:
    bare = word.strip(",;:()-\u2013")
    return (not bare or bare.casefold() in _GENERIC or _OTHER_ID.fullmatch(bare) is not None
            or bare.upper() == hardware)


def product_name(entry: m.Entry, description: str, company: str) -> str | None:
    """The product ``description`` (an item line after its number) names for ``entry`` made by
    ``company``, or None when the line does not pin one down (see the module's rule)."""
    rest = _after_company(description, company)
    firmware = (entry.firmware_version or "").replace(":", "").upper()
    if rest is None or len(firmware) != 8:
        return None
    ids = list(_FOUR_BYTES.finditer(rest))
    if not ids or any("".join(i.group(1, 3, 4, 5)).upper() != firmware for i in ids):
        return None  # no firmware, or another four-byte id: the line is not this entry's alone
    # a note in brackets goes, and so does one the firmware itself stands in ('(updated
    # firmware 12:70:B8:CC)')
    text = re.sub(r"\([^)]*\)|\([^)]*$", " ", rest[:ids[0].start()])
    words = text.split()
    hardware = f"{entry.text(m.HARDWARE_VERSION) or ''}{entry.text(m.HARDWARE_REVISION) or ''}"
    while words and _is_trimmed(words[0], hardware.upper()) and not (
            words[0].casefold() == "smart" and len(words) > 1
            and not _is_trimmed(words[1], hardware.upper())):
        words.pop(0)  # 'Smart Gas Meter' goes, 'Smart View 2' stays
    while words and _is_trimmed(words[-1], hardware.upper()):
        words.pop()
    name = " ".join(words).strip(" ,;:-\u2013")
    meaningful = [w for w in name.split() if w.casefold() not in _GENERIC | _NOT_ALONE
                  and _VERSION.fullmatch(w) is None]
    if not any(c.isalpha() for w in meaningful for c in w):
        return None  # a version number alone ('2.19', 'v1.0'), or 'Twin' of 'Twin ESME'
    return name if kept_product_name(name) is None else None


def products_in_history(entries: Iterable[m.Entry], history: Iterable[m.HistoryLine],
                        companies: Mapping[str, str]) -> ProductsFound:
    """The product name of every entry of ``entries`` whose item lines name one (the company
    from ``companies``, the names register by manufacturer id)."""
    lines = item_lines(history)
    named: dict[str, str] = {}
    conflicting: list[str] = []
    for entry in entries:
        number = entry.number or ""
        company = companies.get(entry.text(m.MANUFACTURER_ID) or "")
        if not company or number not in lines:
            continue
        names = {name for description in lines[number]
                 if (name := product_name(entry, description, company)) is not None}
        if len(names) == 1:
            named[number] = names.pop()
        elif names:
            conflicting.append(number)
    return ProductsFound(named, tuple(conflicting))
