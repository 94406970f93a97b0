"""Withdrawn certificates: which CPA, DLMS or ZSE certificates have been withdrawn, and the
changes that would list an entry under one.

A withdrawal is recorded in the registry's signed policy (``cplkit certificates withdraw``); this
module holds the record and decides, as of a day, which certificate ids it covers. A CPA
certificate is the same certificate whether an entry writes it '[E] ' or '[R] ', so it is matched
by the id after the prefix; every id is matched without regard to case or surrounding spaces.
``listing_findings`` finds the changes of a change set that would put a Current entry under a
certificate withdrawn by the issue date (CPL-M09): new entries, certificate updates, corrections
and renames of a certificate id, and reinstatements of an entry whose certificate is withdrawn.
The audit of the entries already listed is ``cplkit.core.audit.withdrawn``. Pure: records and a
date in, records out; it reads no file and no clock.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum

from cplkit.core import model as m
from cplkit.core.changes import ChangeSet, Correction, Origin, Rename
from cplkit.core.findings import Code, Finding, make_finding


class CertificateKind(StrEnum):
    """Which certificate a withdrawal is of."""

    CPA = "cpa"
    DLMS = "dlms"
    ZSE = "zse"

    @property
    def field(self) -> str:
        """The published field that carries a certificate of this kind."""
        return _FIELDS[self]

    @property
    def label(self) -> str:
        return self.value.upper()


_FIELDS = {CertificateKind.CPA: m.CPA_ID, CertificateKind.DLMS: m.DLMS_ID,
           CertificateKind.ZSE: m.ZSE_ID}
#: the kind of certificate each certificate id field carries
KIND_OF_FIELD = {field: kind for kind, field in _FIELDS.items()}
#: '[E] ' or '[R] ' (any case, any spaces after it): what an entry writes before a CPA id
_CPA_PREFIX = re.compile(r"^\[[ER]\] *", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Withdrawal:
    """One certificate withdrawn: its kind, its id as given, the day it was withdrawn, why,
    and when the withdrawal was recorded (UTC, ISO 8601)."""

    kind: CertificateKind
    certificate: str
    on: dt.date
    reason: str
    recorded: str

    @property
    def key(self) -> str:
        return certificate_key(self.kind, self.certificate)


def certificate_key(kind: CertificateKind, text: str) -> str:
    """What identifies a certificate id of ``kind``: the id without a CPA prefix, folded."""
    bare = text.strip()
    if kind is CertificateKind.CPA:
        bare = _CPA_PREFIX.sub("", bare, count=1)
    return bare.strip().casefold()


class Withdrawn:
    """The withdrawals in force as of a day, looked up by a certificate id."""

    def __init__(self, withdrawals: Iterable[Withdrawal], as_of: dt.date) -> None:
        self._by_key: dict[tuple[CertificateKind, str], Withdrawal] = {}
        for w in withdrawals:
            if w.on <= as_of:
                # the earliest withdrawal of a certificate is the one that counts
                known = self._by_key.get((w.kind, w.key))
                if known is None or w.on < known.on:
                    self._by_key[w.kind, w.key] = w

    def __bool__(self) -> bool:
        return bool(self._by_key)

    def of(self, kind: CertificateKind, certificate: str | None) -> Withdrawal | None:
        """The withdrawal of ``certificate`` (an id of ``kind``), if it is withdrawn."""
        if not certificate or not certificate.strip():
            return None
        return self._by_key.get((kind, certificate_key(kind, certificate)))

    def of_entry(self, entry: m.Entry) -> Iterator[tuple[Withdrawal, str]]:
        """Each withdrawn certificate ``entry`` is listed under, with its id as written."""
        for kind in CertificateKind:
            text = entry.text(kind.field)
            found = self.of(kind, text)
            if found is not None and text is not None:
                yield found, text


def describe(w: Withdrawal) -> str:
    """'CPA certificate X was withdrawn on dd/mm/yyyy (reason)', for messages."""
    return f"{w.kind.label} certificate {w.certificate} was withdrawn on {w.on:%d/%m/%Y} " \
           f"({w.reason})"


_HINT = ("a withdrawn certificate lists no Device Model: give the certificate issued in its "
         "place, or leave the entry out")


def listing_findings(changes: ChangeSet, current: m.CplVersion | None,
                     withdrawals: Sequence[Withdrawal], as_of: dt.date) -> list[Finding]:
    """CPL-M09 at every change of ``changes`` that would list a Current entry under a
    certificate withdrawn on or before ``as_of`` (the issue date), at the cell that names it."""
    withdrawn = Withdrawn(withdrawals, as_of)
    if not withdrawn:
        return []
    found: list[Finding] = []

    def refuse(w: Withdrawal, origin: Origin, cell: str, value: str, what: str) -> None:
        found.append(make_finding(Code.M09, f"{what}: {describe(w)}",
                                  origin.location(cell, value), hint=_HINT))

    for new in changes.new_entries:
        for w, text in withdrawn.of_entry(new.entry):
            refuse(w, new.origin, w.kind.field, text, "a new entry under a withdrawn "
                                                      "certificate")
    for update in changes.updates:
        to = withdrawn.of(CertificateKind.CPA, update.new_certificate)
        if to is not None and update.new_certificate is not None:
            refuse(to, update.origin, "new_identification_number", update.new_certificate,
                   "a certificate update to a withdrawn certificate")
    setting: list[Correction | Rename] = [*changes.corrections, *changes.renames]
    for change in setting:
        kind = KIND_OF_FIELD.get(change.field)
        value = m.as_text(change.new_value)
        set_to = withdrawn.of(kind, value) if kind is not None else None
        if set_to is not None and value is not None:
            refuse(set_to, change.origin, "new_value", value,
                   f"{change.field} set to a withdrawn certificate")
    listed = current.by_number() if current is not None else {}
    for back in changes.reinstatements:
        entry = listed.get(back.number)
        if entry is None:
            continue  # the merge says the entry does not exist (CPL-M04)
        for w, _ in withdrawn.of_entry(entry):
            if not _moved_off(changes, back.number, w):
                refuse(w, back.origin, m.ENTRY_NUMBER, back.number,
                       f"entry {back.number} reinstated under a withdrawn certificate")
    return found


def newly_listed(before: m.CplVersion | None, after: m.CplVersion,
                 withdrawals: Sequence[Withdrawal], as_of: dt.date) -> list[tuple[str, Withdrawal]]:
    """Each Current entry of ``after`` that it lists under a certificate withdrawn on or before
    ``as_of`` while ``before`` did not (a new entry, a reinstatement, or a certificate changed
    to a withdrawn one), with that withdrawal: what a version made before the withdrawal was
    recorded must not issue after it. Entries ``before`` already listed so are the audit's."""
    withdrawn = Withdrawn(withdrawals, as_of)
    if not withdrawn:
        return []
    listed = before.by_number() if before is not None else {}
    found: list[tuple[str, Withdrawal]] = []
    for entry in after.entries:
        if entry.status != m.Status.CURRENT:
            continue
        number = entry.number or ""
        was = listed.get(number)
        for w, _ in withdrawn.of_entry(entry):
            if was is None or was.status != m.Status.CURRENT or \
                    withdrawn.of(w.kind, was.text(w.kind.field)) is None:
                found.append((number, w))
    return found


def _moved_off(changes: ChangeSet, number: str, w: Withdrawal) -> bool:
    """Whether the change set also gives entry ``number`` another certificate in place of the
    withdrawn one (a correction of the field, or an update of that certificate): then the
    reinstated entry is not listed under it."""
    if any(c.number == number and c.field == w.kind.field for c in changes.corrections):
        return True
    return w.kind is CertificateKind.CPA and any(
        u.new_certificate and certificate_key(CertificateKind.CPA, u.certificate) == w.key
        and u.number in (None, number) for u in changes.updates)
