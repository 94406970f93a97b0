"""What a CPA certificate's date means, decided in one place for check, publish and merge.

An '[E] ' (expiring) certificate's expiry date must lie between the CPL version's issue date and
the ruleset's window (6 years) after it; an '[R] ' (renewal) date may be any real date. The
rule that checks submissions and the merge that applies certificate updates both ask
``cpa_date_problem``, so they give the same verdict in the same words. Pure: dates in, a problem
or None out.
"""

from __future__ import annotations

import datetime as dt

from cplkit.core.normalise import Problem

EXPIRING_PREFIX = "[E] "


def add_years(day: dt.date, years: int) -> dt.date:
    """The same calendar day ``years`` later; 29 February becomes 28 February."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def cpa_date_problem(certificate: str, expiry: dt.date, issue_date: dt.date,
                     years: int) -> Problem | None:
    """CPL-R08 if an '[E] ' certificate's date is before ``issue_date`` or past the window."""
    if not certificate.startswith(EXPIRING_PREFIX):
        return None
    latest = add_years(issue_date, years)
    if expiry < issue_date:
        return Problem("CPL-R08", f"the expiring CPA certificate {certificate} expired on "
                       f"{expiry:%d/%m/%Y}, before {issue_date:%d/%m/%Y}")
    if expiry > latest:
        return Problem("CPL-R08", f"{expiry:%d/%m/%Y} is more than {years} years after "
                       f"{issue_date:%d/%m/%Y}: an '[E] ' certificate's expiry date must be on "
                       f"or before {latest:%d/%m/%Y}",
                       "check the date on the certificate; a lifetime certificate takes the "
                       "prefix '[R] ' and its renewal date")
    return None
