"""Audit: Current entries whose CPA certificate date or combination's maintenance end has passed
or is near, grouped by manufacturer and subject, and the removals that would follow.

A certificate's date means what ``cplkit.core.certificates.cpa_date`` says, as for ``check`` and
``publish``: an expired '[E] ' certificate is proposed for removal; an '[R] ' certificate past its
renewal date is listed as overdue but not proposed, since a lifetime certificate does not lapse
on that date. Pure: a version, the ruleset and a date in; records out. It decides nothing: the
Security Sub-Committee decides removals, so ``proposed_removals`` only drafts them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from cplkit.core import model as m
from cplkit.core.certificates import CpaDateState, cpa_date
from cplkit.core.ruleset import Ruleset

#: the audit reason for each certificate-date verdict that needs attention
_CPA_REASONS = {
    CpaDateState.EXPIRED: "cpa-expired",
    CpaDateState.EXPIRING: "cpa-due",
    CpaDateState.RENEWAL_OVERDUE: "cpa-renewal-overdue",
    CpaDateState.RENEWAL_DUE: "cpa-renewal-due",
}


@dataclass(frozen=True, slots=True)
class AuditItem:
    #: cpa-expired, cpa-due, cpa-renewal-overdue, cpa-renewal-due, maintenance-over or
    #: maintenance-due
    reason: str
    manufacturer: str
    subject: str  # the certificate, or the SMETS/CHTS and GBCS versions
    date: dt.date
    entries: tuple[str, ...]


def audit(version: m.CplVersion, ruleset: Ruleset, as_of: dt.date,
          within_days: int) -> list[AuditItem]:
    """Current entries whose CPA date or combination's maintenance end has passed or is near."""
    horizon = as_of + dt.timedelta(days=within_days)
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
    return [AuditItem(r, man, subject, day, tuple(numbers))
            for (r, man, subject, day), numbers in sorted(groups.items(),
                                                          key=lambda kv: (kv[0][1], kv[0][3]))]


def proposed_removals(items: Sequence[AuditItem]) -> list[tuple[str, str]]:
    """(entry number, reason) for every entry an audit found past its date."""
    out: dict[str, str] = {}
    for item in items:
        if item.reason == "cpa-expired":
            why = f"CPA certificate {item.subject} expired on {item.date:%d/%m/%Y}"
        elif item.reason == "maintenance-over":
            why = f"maintenance period of {item.subject} ended on {item.date:%d/%m/%Y}"
        else:
            continue
        for number in item.entries:
            out.setdefault(number, why)
    return sorted(out.items())

