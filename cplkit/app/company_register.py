"""The names register: which company each manufacturer id belongs to.

The published list carries manufacturer ids only. An import fills the register from SECAS's
history lines; a person corrects or adds a name with ``cplkit names set``, and every change is
kept with when and why in the registry's signed policy (``cplkit.app.policy``), as trust changes
are. This is the library behind ``cplkit names``; it
returns records and never prints.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace
from pathlib import Path

from cplkit.app import policy
from cplkit.app.policy import Changed
from cplkit.core.text import ONE_LINE_HINT, not_one_line, visible
from cplkit.errors import UsageError
from cplkit.registry import Registry
from cplkit.registry.codec import NameRecord, PolicyRecord
from cplkit.signing.signers import Signer

_MANUFACTURER = re.compile(r"[0-9A-F]{2}:?[0-9A-F]{2}")
_LONGEST = 100


def manufacturer_id(text: str) -> str:
    """A manufacturer id as the list writes it (10:6C), from 10:6C, 106c or 10:6c."""
    cleaned = text.strip().upper()
    if not _MANUFACTURER.fullmatch(cleaned):
        raise UsageError(f"'{visible(text)}' is not a manufacturer id",
                         hint="give it as the list writes it: two hex octets, e.g. 10:6C")
    bare = cleaned.replace(":", "")
    return f"{bare[:2]}:{bare[2:]}"


def set_company(registry: Path, manufacturer: str, company: str, reason: str,
                signer: Signer, *, now: dt.datetime) -> tuple[NameRecord | None, Changed]:
    """Name the company of ``manufacturer`` ('' withdraws the name) from ``now``, as a policy
    change signed by ``signer`` (staged for approval under four eyes); the name record is None
    if the register says so already."""
    # the name goes into the history's item lines: a line break in it would be read as a line
    # of its own there (an entry the version never added), so it is refused, not tidied away
    why = not_one_line(company)
    if why is not None:
        raise UsageError(f"the company name cannot be used: it {why}", hint=ONE_LINE_HINT)
    name = " ".join(company.split())
    if len(name) > _LONGEST:
        raise UsageError(f"'{visible(company)}' cannot be a company name",
                         hint=f"give plain text of {_LONGEST} characters or fewer")
    if not reason.strip():
        raise UsageError("say why with --reason: it is recorded with the name")
    ident = manufacturer_id(manufacturer)
    made = NameRecord(ident, name, now.isoformat(timespec="seconds"),
                      reason.strip())

    def named(record: PolicyRecord) -> PolicyRecord:
        if record.companies().get(ident, "") == name:
            return record
        return replace(record, names=(*record.names, made))

    changed = policy.change(registry, named, signer, reason=reason,
                            change=f"names {ident} {name or '(no name)'}", now=now)
    return (made if changed.record is not None else None), changed


def name_changes(registry: Path) -> list[NameRecord]:
    """Every change made to the register, oldest first."""
    return list(policy.record_of(Registry(registry)).names)
