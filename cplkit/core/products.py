"""Product names for entries, found in the history item lines that added them.

The published list carries hex ids only; the item line SECAS (or cplkit) wrote when an entry
was added often names the product people know it by: ``000688 - Aclara SGM1422B Twin ESME 05:01
00:07:08:06`` names ``SGM1422B Twin``. For each entry, this takes the first item line that
names its number, drops the company (the names register's name, or the leading words
``companies`` reads as one), the notes in brackets, the device words (ESME, Gas Meter, Comms
Hub...) and every hex id (the firmware, the hardware version), and keeps what remains, if
anything. An entry whose line leaves nothing has no product name.

Pure: it reads records, not files. It is a reading of free text, not a fact SECAS recorded:
publications that use it say so.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from cplkit.core import model as m
from cplkit.core.companies import company_words

_ITEM = re.compile(r"([0-9]{5,7})(?![0-9])\s*[-\u2013]?\s*(.*)$")
_GLUE = re.compile(r"[ \t\u00a0]{3,}")
#: a hex id as the history writes one: 03:14:B7:00, 03.14.B7.00, 10:E2, 0x0A
_HEX = re.compile(r"(?:0x)?[0-9A-Fa-f]{2}(?:[:.][0-9A-Fa-f]{2}){1,3}[,;]?")
#: the words of a device type, a generation or a company's legal form: never a product name
_GENERIC = frozenset((
    "gsme", "esme", "ppmid", "hcalcs", "ch", "comms", "communications", "hub", "gas",
    "electricity", "eletricity", "meter", "metering", "equipment", "smart", "smets1", "smets2",
    "smets2+", "s1", "pre-payment", "prepayment", "interface", "device", "single", "element",
    "polyphase", "uk", "ltd", "limited", "plc", "corp", "gmbh", "s.r.l.", "(uk)", "solutions",
    "technology", "-", "\u2013", "&", "+", "with", "firmware", "and", "new", "band", "dual",
    "double", "phase", "three", "version", "revision", "hardware",
))

#: words that are part of a product's name beside others ('SGM1422B Twin'), never one alone
_NOT_ALONE = frozenset(("twin", "three-phase", "ihd", "sku"))


def _item_lines(history: Iterable[m.HistoryLine]) -> dict[str, str]:
    """The first item line's description for each entry number the history names."""
    first: dict[str, str] = {}
    for line in history:
        for text in line.changes.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
            for part in _GLUE.split(text.strip()):
                found = _ITEM.match(part.strip())
                if found is not None:
                    first.setdefault(m.EntryNumber.in_history(found.group(1)), found.group(2))
    return first


def _without_company(description: str, company: str | None) -> str:
    squeezed = re.sub(r"\s*\+\s*", "+", description)
    if company:
        name = re.sub(r"\s*\+\s*", "+", company)
        if squeezed.lower().startswith(name.lower()):
            return squeezed[len(name):]
    words = squeezed.split()
    return " ".join(words[len(company_words(squeezed)):])


def product_name(entry: m.Entry, description: str, company: str | None) -> str | None:
    """The product ``description`` (an item line after its number) names for ``entry``."""
    text = re.sub(r"\([^)]*\)", " ", _without_company(description, company))
    firmware = (entry.firmware_version or "").replace(":", "").upper()
    hardware = f"{entry.text(m.HARDWARE_VERSION) or ''}{entry.text(m.HARDWARE_REVISION) or ''}"
    kept = []
    for word in text.split():
        bare = word.strip(",;:")
        plain = bare.replace(":", "").replace(".", "").upper()
        if (not bare or bare.lower() in _GENERIC or _HEX.fullmatch(bare)
                or plain in (firmware, hardware.upper())):
            continue
        kept.append(bare)
    name = " ".join(kept).strip(" -,;:")
    if not name or all(w.lower() in _NOT_ALONE for w in name.split()):
        return None  # 'Twin' left of 'Twin ESME' names the element, not a product
    return name


def product_names(version: m.CplVersion,
                  companies: Mapping[str, str]) -> dict[str, str]:
    """Product name by entry number, for the entries of ``version`` whose first history item
    line names one."""
    lines = _item_lines(version.history)
    out: dict[str, str] = {}
    for entry in version.entries:
        description = lines.get(entry.number or "")
        if description is None:
            continue
        name = product_name(entry, description,
                            companies.get(entry.text(m.MANUFACTURER_ID) or ""))
        if name:
            out[entry.number or ""] = name
    return out
