"""Rules on certificate dates: the window for an expiring ('[E] ') CPA certificate.

An '[E] ' certificate's expiry date must lie between the as-of date (the CPL version's issue
date) and the ruleset's limit (6 years) after it; an '[R] ' (renewal) date may be any real date.
Removed entries are history and are not held to the window. Formats are checked earlier.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import TYPE_CHECKING

from cplkit.core import model as m
from cplkit.core.findings import Finding
from cplkit.core.rules import rule

if TYPE_CHECKING:
    from cplkit.core.validate import Subject


def add_years(day: dt.date, years: int) -> dt.date:
    """The same calendar day ``years`` later; 29 February becomes 28 February."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


@rule("cpa-expiry-window")
def cpa_expiry_window(s: Subject) -> Iterator[Finding]:
    certificate = s.text(m.CPA_ID)
    expiry = s.values.get(m.CPA_EXPIRY)
    if not certificate or not certificate.startswith("[E] ") or not isinstance(expiry, dt.date):
        return
    if s.text(m.ENTRY_STATUS) == m.Status.REMOVED:
        return
    years = s.ruleset.cpa_expiring_certificate_years
    latest = add_years(s.as_of, years)
    if expiry < s.as_of:
        yield s.finding("CPL-R08", m.CPA_EXPIRY,
                        f"the expiring CPA certificate {certificate} expired on "
                        f"{expiry:%d/%m/%Y}, before {s.as_of:%d/%m/%Y}")
    elif expiry > latest:
        yield s.finding("CPL-R08", m.CPA_EXPIRY,
                        f"{expiry:%d/%m/%Y} is more than {years} years after "
                        f"{s.as_of:%d/%m/%Y}: an '[E] ' certificate's expiry date must be on or "
                        f"before {latest:%d/%m/%Y}",
                        "check the date on the certificate; a lifetime certificate takes the "
                        "prefix '[R] ' and its renewal date")
