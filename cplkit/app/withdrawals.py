"""Withdrawn certificates: recording that a CPA, DLMS or ZSE certificate was withdrawn, taking a
withdrawal back (recorded by mistake, or the certificate restored by its issuer), and listing
what is recorded.

A withdrawal is part of the registry's signed policy (``cplkit.app.policy``), as the names
register is: a key the registry trusts signs it, under four eyes it is staged for approval, and
an edit by hand breaks the chain's signature (exit 4). Once recorded, ``audit`` lists the Current
entries under the certificate and ``check --registry`` and ``publish`` refuse a change that lists
one under it (CPL-M09; both decided in ``cplkit.core.withdrawn``). Taking one back is a signed
change of its own: the chain keeps both. This is the library behind
``cplkit certificates``; it returns records and never prints.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, replace
from pathlib import Path

from cplkit.app import policy
from cplkit.app.policy import Changed
from cplkit.core import model as m
from cplkit.core.text import ONE_LINE_HINT, not_one_line, visible
from cplkit.core.withdrawn import CertificateKind, Withdrawal, Withdrawn, certificate_key
from cplkit.errors import UsageError
from cplkit.registry import Registry
from cplkit.registry.codec import PolicyRecord
from cplkit.signing.signers import Signer

#: a certificate id as a record keeps it: printable ASCII, as every id on the list is
_PRINTABLE = re.compile(r"[ -~]+")
_LONGEST_ID = 60
_LONGEST_REASON = 1000


def withdraw(registry: Path, certificate: str, kind: CertificateKind, reason: str,
             on: dt.date, signer: Signer, *, now: dt.datetime) -> tuple[Withdrawal | None, Changed]:
    """Record at ``now`` that ``certificate`` (of ``kind``) was withdrawn on ``on`` (a day no
    later than ``now``'s), as a policy change signed by ``signer`` (staged for approval under
    four eyes); the withdrawal is None if the certificate is recorded as withdrawn already."""
    text = _certificate_id(certificate, kind)
    said = _reason(reason)
    if on > now.date():
        raise UsageError(f"--on {on} is a day still to come: a withdrawal is recorded once the "
                         "certificate is withdrawn", hint="record it on the day, or give the "
                                                          "day it was withdrawn")
    made = Withdrawal(kind, text, on, said, now.isoformat(timespec="seconds"))

    def withdrawn(record: PolicyRecord) -> PolicyRecord:
        if any(w.kind is kind and w.key == made.key for w in record.withdrawn):
            return record
        return replace(record, withdrawn=(*record.withdrawn, made))

    changed = policy.change(registry, withdrawn, signer, reason=said,
                            change=f"withdraws {kind.label} certificate {text} as of {on}",
                            now=now)
    return (made if changed.record is not None else None), changed


def take_back(registry: Path, certificate: str, kind: CertificateKind, reason: str,
              signer: Signer, *, now: dt.datetime) -> tuple[Withdrawal, Changed]:
    """Take back at ``now`` the withdrawal recorded of ``certificate`` (of ``kind``): a policy
    change signed by ``signer`` (staged for approval under four eyes); the withdrawal taken
    back. A ``UsageError`` if the policy in force records none."""
    key = certificate_key(kind, _certificate_id(certificate, kind))
    said = _reason(reason)
    not_recorded = UsageError(f"{kind.label} certificate '{visible(certificate.strip())}' is "
                              "not recorded as withdrawn; nothing changed",
                              hint=f"'cplkit certificates list -r {registry}' lists the ones "
                                   "that are (a withdrawal waiting for approval is not yet)")
    recorded = [w for w in policy.record_of(Registry(registry)).withdrawn
                if w.kind is kind and w.key == key]
    if not recorded:
        raise not_recorded

    def taken_back(record: PolicyRecord) -> PolicyRecord:
        return replace(record, withdrawn=tuple(w for w in record.withdrawn
                                               if not (w.kind is kind and w.key == key)))

    first = recorded[0]
    changed = policy.change(registry, taken_back, signer, reason=said,
                            change=f"takes back the withdrawal of {kind.label} certificate "
                                   f"{first.certificate} recorded {first.recorded}", now=now)
    if changed.record is None and changed.staged is None:
        raise not_recorded  # another cplkit took it back since it was looked up
    return first, changed


def _reason(reason: str) -> str:
    """The reason as a record keeps it: one line, spaces collapsed, not empty, not long."""
    why = not_one_line(reason)
    if why is not None:
        raise UsageError(f"the reason cannot be recorded: it {why}", hint=ONE_LINE_HINT)
    said = " ".join(reason.split())
    if not said:
        raise UsageError("say why with --reason: it is recorded in the signed policy")
    if len(said) > _LONGEST_REASON:
        raise UsageError(f"the reason is longer than {_LONGEST_REASON} characters",
                         hint="say it in short; the letter from NCSC stays on file")
    return said


def _certificate_id(certificate: str, kind: CertificateKind) -> str:
    """The id as a record keeps it: one line of printable text, with something after a CPA
    id's prefix."""
    text = certificate.strip()
    if not_one_line(text) is not None or not _PRINTABLE.fullmatch(text) or \
            len(text) > _LONGEST_ID or not certificate_key(kind, text):
        raise UsageError(f"'{visible(certificate)}' is not a {kind.label} certificate id",
                         hint="give the id as the list writes it, e.g. "
                              "'[R] NCSC-1433053936-3918' (for a CPA certificate the prefix "
                              "may be left out)")
    prefix = re.match(r"\[([ER])\] *", text, re.IGNORECASE)
    if kind is CertificateKind.CPA and prefix:
        # as the list writes it: '[R] ' in capitals, one space (the prefix is matched anyway)
        return f"[{prefix.group(1).upper()}] {text[prefix.end():]}"
    return text


@dataclass(frozen=True, slots=True)
class Recorded:
    """A withdrawal as ``certificates list`` shows it: with the Current entries of the latest
    version listed under the certificate (the ones the audit proposes for removal)."""

    withdrawal: Withdrawal
    entries: tuple[str, ...]


def recorded(registry: Path) -> list[Recorded]:
    """Every withdrawal recorded, oldest first, each with the latest version's Current entries
    under the certificate."""
    reg = Registry(registry)
    withdrawals = policy.record_of(reg).withdrawn
    head = reg.head()
    entries = reg.read(head=head).version.entries if head.latest is not None else ()
    out = []
    for w in withdrawals:
        # every entry under the certificate, whatever the day: the list shows what it covers
        one = Withdrawn([w], dt.date.max)
        out.append(Recorded(w, tuple(e.number for e in entries
                                     if e.status == m.Status.CURRENT and e.number
                                     and any(True for _ in one.of_entry(e)))))
    return out
