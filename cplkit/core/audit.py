"""Audit: Current entries whose CPA certificate date or combination's maintenance end has passed
or is near, grouped by manufacturer and subject, and the removals that would follow.

A certificate's date means what ``cplkit.core.cpa.cpa_date`` says, as for ``check`` and
``publish``: an expired '[E] ' certificate is proposed for removal; an '[R] ' certificate past its
renewal date is listed as overdue but not proposed, since a lifetime certificate does not lapse
on that date. Pure: a version, the ruleset and a date in; records out. It decides nothing: the
Security Sub-Committee decides removals, so ``proposed_removals`` only drafts them.

A certificate recorded as withdrawn (``cplkit.core.withdrawn``) on or before the audit's date puts
every Current entry under it on the audit ('cpa-withdrawn', 'dlms-withdrawn' or 'zse-withdrawn',
dated the day it was withdrawn), and ``proposed_removals`` drafts their removal: a withdrawn
certificate vouches for nothing, whatever its date says.

``superseded`` finds the Current entries whose Device Model (manufacturer, model, hardware
version and revision) has a later Current entry with other firmware: the models the SSC asks to
move on from older firmware. Later means allocated later: SECAS numbers entries in the order it
adds them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from cplkit.core import model as m
from cplkit.core.cpa import CpaDateState, cpa_date
from cplkit.core.ruleset import Ruleset
from cplkit.core.withdrawn import CertificateKind, Withdrawal, Withdrawn

#: the audit reason for each certificate-date verdict that needs attention
_CPA_REASONS = {
    CpaDateState.EXPIRED: "cpa-expired",
    CpaDateState.EXPIRING: "cpa-due",
    CpaDateState.RENEWAL_OVERDUE: "cpa-renewal-overdue",
    CpaDateState.RENEWAL_DUE: "cpa-renewal-due",
}
#: the audit reason for an entry under a withdrawn certificate, by the certificate's kind
WITHDRAWN_REASONS = {kind: f"{kind.value}-withdrawn" for kind in CertificateKind}


@dataclass(frozen=True, slots=True)
class AuditItem:
    #: cpa-expired, cpa-due, cpa-renewal-overdue, cpa-renewal-due, maintenance-over,
    #: maintenance-due, or cpa-withdrawn, dlms-withdrawn, zse-withdrawn
    reason: str
    manufacturer: str
    subject: str  # the certificate, or the SMETS/CHTS and GBCS versions
    date: dt.date
    entries: tuple[str, ...]


def audit(version: m.CplVersion, ruleset: Ruleset, as_of: dt.date,
          within_days: int, withdrawals: Sequence[Withdrawal] = ()) -> list[AuditItem]:
    """Current entries whose CPA date or combination's maintenance end has passed or is near,
    and those under a certificate of ``withdrawals`` withdrawn by ``as_of``."""
    horizon = as_of + dt.timedelta(days=within_days)
    withdrawn = Withdrawn(withdrawals, as_of)
    groups: dict[tuple[str, str, str, dt.date], list[str]] = {}
    for entry in version.entries:
        if entry.status != m.Status.CURRENT or not entry.number:
            continue
        manufacturer = entry.text(m.MANUFACTURER_ID) or "?"
        expiry = entry.cpa_expiry_date
        certificate = entry.text(m.CPA_ID)
        if expiry and certificate:
            state = cpa_date(certificate, expiry, as_of,
                             years=ruleset.cpa_expiring_certificate_years,
                             notice_days=within_days).state
            reason = _CPA_REASONS.get(state)
            if reason is not None:
                groups.setdefault((reason, manufacturer, certificate, expiry), []).append(
                    entry.number)
        if entry.device_type and entry.spec_version and entry.gbcs_version:
            for row in ruleset.combinations_for(entry.device_type, entry.spec_version):
                end = row.maintenance_until
                if end and entry.gbcs_version in row.gbcs_versions and end <= horizon:
                    reason = "maintenance-over" if end < as_of else "maintenance-due"
                    subject = f"{entry.spec_version} with {entry.gbcs_version}"
                    groups.setdefault((reason, manufacturer, subject, end), []).append(
                        entry.number)
        for withdrawal, certificate in withdrawn.of_entry(entry):
            groups.setdefault((WITHDRAWN_REASONS[withdrawal.kind], manufacturer, certificate,
                               withdrawal.on), []).append(entry.number)
    return [AuditItem(r, man, subject, day, tuple(numbers))
            for (r, man, subject, day), numbers in sorted(groups.items(),
                                                          key=lambda kv: (kv[0][1], kv[0][3]))]


@dataclass(frozen=True, slots=True)
class Listed:
    """An entry as the superseded-firmware audit shows it: its firmware and when it was
    added (the version and its date, where the registry's versions or history tell)."""

    number: str
    firmware: str
    version: str | None = None
    added: dt.date | None = None


@dataclass(frozen=True, slots=True)
class Superseded:
    """One Device Model with Current entries whose firmware a later Current entry replaces:
    ``latest`` is the model's latest Current entry, ``older`` those with other firmware."""

    manufacturer: str
    model: str
    hardware: str  # version and revision, 'VV:RR'
    latest: Listed
    older: tuple[Listed, ...]


def superseded(version: m.CplVersion,
               added: Mapping[str, tuple[str, dt.date | None]] | None = None
               ) -> list[Superseded]:
    """Each Device Model with Current entries whose firmware a later Current entry of the same
    model replaces; ``added`` gives, by entry number, the version that added it and its date."""
    known = added or {}
    models: dict[tuple[str, str, str], list[m.Entry]] = {}
    for entry in version.entries:
        if entry.status != m.Status.CURRENT or not entry.number:
            continue
        hardware = (f"{entry.text(m.HARDWARE_VERSION) or ''}:"
                    f"{entry.text(m.HARDWARE_REVISION) or ''}")
        models.setdefault((entry.text(m.MANUFACTURER_ID) or "", entry.text(m.MODEL_ID) or "",
                           hardware), []).append(entry)

    def listed(entry: m.Entry) -> Listed:
        number = entry.number or ""
        made, day = known.get(number, (None, None))
        return Listed(number, entry.firmware_version or "", made, day)

    out = []
    for (manufacturer, model, hardware), entries in sorted(models.items()):
        entries.sort(key=lambda e: e.number or "")
        newest = entries[-1]
        older = tuple(listed(e) for e in entries[:-1]
                      if e.firmware_version != newest.firmware_version)
        if older:
            out.append(Superseded(manufacturer, model, hardware, listed(newest), older))
    return out


def proposed_removals(items: Sequence[AuditItem],
                      replaced: Sequence[Superseded] = ()) -> list[tuple[str, str]]:
    """(entry number, reason) for every entry an audit found past its date, and for every
    entry ``replaced`` names as superseded by later firmware (when the audit was asked for
    them)."""
    out: dict[str, str] = {}
    for item in items:
        if item.reason == "cpa-expired":
            why = f"CPA certificate {item.subject} expired on {item.date:%d/%m/%Y}"
        elif item.reason == "maintenance-over":
            why = f"maintenance period of {item.subject} ended on {item.date:%d/%m/%Y}"
        elif item.reason in WITHDRAWN_REASONS.values():
            kind = item.reason.removesuffix("-withdrawn").upper()
            why = f"{kind} certificate {item.subject} withdrawn on {item.date:%d/%m/%Y}"
        else:
            continue
        for number in item.entries:
            out.setdefault(number, why)
    for group in replaced:
        for old in group.older:
            out.setdefault(old.number, f"firmware {old.firmware} superseded by entry "
                                       f"{group.latest.number} (firmware "
                                       f"{group.latest.firmware}) of the same Device Model")
    return sorted(out.items())

