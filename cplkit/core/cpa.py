"""What a CPA certificate's date means, decided in one place for check, publish and audit.

A CPA certificate id starts with '[E] ' (a standard certificate that expires on its date) or
'[R] ' (a lifetime certificate with a renewal date). As of a day (a CPL version's issue date):

* an '[E] ' date before that day: the certificate has expired (CPL-R08, an error; audit proposes
  the entries for removal);
* an '[E] ' date more than the ruleset's window (6 years) after it: not a real expiry date
  (CPL-R08; the form allows no later date);
* an '[E] ' date within the notice period (60 days): it may lapse before SECAS can publish
  (CPL-R10, a warning; audit lists it as due);
* an '[R] ' date before that day: the renewal is overdue (CPL-R10, a warning: a lifetime
  certificate does not lapse on that date; audit lists it, but proposes no removal);
* an '[R] ' date within the notice period: the renewal is due (CPL-R10).

``cpa_date`` returns the verdict; the rule, the merge of certificate updates and the audit all
ask it, so they agree in the same words. Pure: dates in, a verdict out.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from cplkit.core.findings import Code
from cplkit.core.normalise import Problem

EXPIRING_PREFIX = "[E] "
RENEWABLE_PREFIX = "[R] "


class CpaDateState(StrEnum):
    VALID = "valid"
    EXPIRED = "expired"  # an [E] date in the past
    TOO_FAR = "too-far"  # an [E] date past the window
    EXPIRING = "expiring"  # an [E] date within the notice period
    RENEWAL_OVERDUE = "renewal-overdue"  # an [R] date in the past
    RENEWAL_DUE = "renewal-due"  # an [R] date within the notice period


@dataclass(frozen=True, slots=True)
class CpaDate:
    """The verdict on one certificate's date, with the finding it earns (None when valid)."""

    state: CpaDateState
    problem: Problem | None

    @property
    def blocks(self) -> bool:
        """True when the certificate cannot go on a Current entry at all."""
        return self.state in (CpaDateState.EXPIRED, CpaDateState.TOO_FAR)


def add_years(day: dt.date, years: int) -> dt.date:
    """The same calendar day ``years`` later; 29 February becomes 28 February."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


_RENEW_HINT = "ask NCSC for the renewed certificate and send SECAS a certificate update"


def cpa_date(certificate: str, date: dt.date, as_of: dt.date, *, years: int,
             notice_days: int) -> CpaDate:
    """The verdict on ``certificate``'s date as of ``as_of`` (see the module doc)."""
    soon = as_of + dt.timedelta(days=notice_days)
    if certificate.startswith(EXPIRING_PREFIX):
        latest = add_years(as_of, years)
        if date < as_of:
            return CpaDate(CpaDateState.EXPIRED, Problem(
                Code.R08, f"the expiring CPA certificate {certificate} expired on "
                f"{date:%d/%m/%Y}, before {as_of:%d/%m/%Y}"))
        if date > latest:
            return CpaDate(CpaDateState.TOO_FAR, Problem(
                Code.R08, f"{date:%d/%m/%Y} is more than {years} years after "
                f"{as_of:%d/%m/%Y}: an '[E] ' certificate's expiry date must be on or before "
                f"{latest:%d/%m/%Y}",
                "check the date on the certificate; a lifetime certificate takes the prefix "
                "'[R] ' and its renewal date"))
        if date <= soon:
            return CpaDate(CpaDateState.EXPIRING, Problem(
                Code.R10, f"the expiring CPA certificate {certificate} expires on "
                f"{date:%d/%m/%Y}, within {notice_days} days of {as_of:%d/%m/%Y}: it may lapse "
                "before SECAS can publish", _RENEW_HINT))
        return CpaDate(CpaDateState.VALID, None)
    if certificate.startswith(RENEWABLE_PREFIX):
        if date < as_of:
            return CpaDate(CpaDateState.RENEWAL_OVERDUE, Problem(
                Code.R10, f"the lifetime CPA certificate {certificate} was due for renewal on "
                f"{date:%d/%m/%Y}, before {as_of:%d/%m/%Y}", _RENEW_HINT))
        if date <= soon:
            return CpaDate(CpaDateState.RENEWAL_DUE, Problem(
                Code.R10, f"the lifetime CPA certificate {certificate} is due for renewal on "
                f"{date:%d/%m/%Y}, within {notice_days} days of {as_of:%d/%m/%Y}",
                _RENEW_HINT))
    return CpaDate(CpaDateState.VALID, None)
