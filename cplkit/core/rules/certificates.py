"""Rule on certificate dates: an expiring ('[E] ') CPA certificate's date inside its window.

The window itself is decided by ``cplkit.core.certificates``, which the merge shares. Removed
entries are history and are not held to the window. Formats are checked earlier.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import TYPE_CHECKING

from cplkit.core import model as m
from cplkit.core.certificates import cpa_date_problem
from cplkit.core.findings import Finding

if TYPE_CHECKING:
    from cplkit.core.validate import Subject


def cpa_expiry_window(s: Subject) -> Iterator[Finding]:
    certificate = s.text(m.CPA_ID)
    expiry = s.values.get(m.CPA_EXPIRY)
    if not certificate or not isinstance(expiry, dt.date):
        return
    if s.text(m.ENTRY_STATUS) == m.Status.REMOVED:
        return
    problem = cpa_date_problem(certificate, expiry, s.as_of,
                               s.ruleset.cpa_expiring_certificate_years)
    if problem is not None:
        yield s.finding(problem.code, m.CPA_EXPIRY, problem.message, problem.hint)
