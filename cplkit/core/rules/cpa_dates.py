"""Rule on certificate dates: what a CPA certificate's date means as of the as-of date.

The verdict itself is ``cplkit.core.cpa.cpa_date``, which the merge of certificate
updates and the audit share. Removed entries are history and are not held to it. Formats are
checked earlier.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from cplkit.core import model as m
from cplkit.core.cpa import cpa_date
from cplkit.core.findings import Finding
from cplkit.core.rules.view import EntryView


def cpa_date_rule(s: EntryView) -> Iterator[Finding]:
    certificate = s.text(m.CPA_ID)
    expiry = s.values.get(m.CPA_EXPIRY)
    if not certificate or not isinstance(expiry, dt.date):
        return
    if s.text(m.ENTRY_STATUS) == m.Status.REMOVED:
        return
    verdict = cpa_date(certificate, expiry, s.as_of,
                       years=s.ruleset.cpa_expiring_certificate_years,
                       notice_days=s.ruleset.cpa_notice_days)
    if verdict.problem is not None:
        problem = verdict.problem
        yield s.finding(problem.code, m.CPA_EXPIRY, problem.message, problem.hint)
