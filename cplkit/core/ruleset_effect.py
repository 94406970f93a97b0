"""Which Current entries of a list a new ruleset would refuse that the old one did not.

A version that changes the rules governs every entry already on the list. If the new rules drop
a value or a Device Level Versioning row that Current entries rely on, the list issued under them
would hold entries its own rules refuse, and the history line would say only that the rules
changed. So a rules change is checked against the list it would govern: each Current entry is
judged as a published list's entry under the old rules and under the new, and an error the new
rules give that the old did not is that entry's refusal. Errors both give (a certificate that
has expired since, say) are the audit's business, not the rules change's.

Pure: entries, two rulesets and one date in, records out. It decides nothing about what to do
with a refusal (the publish refuses the version).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from cplkit.core import model as m
from cplkit.core.findings import Code, Finding, Severity
from cplkit.core.ruleset import Ruleset
from cplkit.core.validate import Validator

#: a published list's layout, row by row: the rules judge its entries as SECAS issued them
_PLACEMENT = m.Placement(None, m.Orientation.ROW,
                         {name: i for i, name in enumerate(m.PUBLISHED_FIELDS, start=1)},
                         submission=False)


#: findings that say a value is retired for new entries, not refused for listed ones
_RETIRING = frozenset({Code.R04})


@dataclass(frozen=True, slots=True)
class Refused:
    """A Current entry the new rules refuse, and the first new error that says why."""

    number: str
    finding: Finding


def _errors(entries: Sequence[m.Entry], ruleset: Ruleset,
            as_of: dt.date) -> list[dict[tuple[str, str | None], Finding]]:
    """The rules' own errors on each entry (on a published list every finding is advice, so
    the rules' verdict is asked for, not the list's). A value the rules keep as legacy (R04:
    no longer accepted for new entries) is how SECAS retires a value: the entries already
    listed keep it, so it refuses nothing."""
    validator = Validator(ruleset, as_of, "(the list)", as_published=False)
    raws = [m.RawEntry(i, _PLACEMENT, i, {name: entry.get(name) for name in m.PUBLISHED_FIELDS})
            for i, entry in enumerate(entries, start=1)]
    return [{(f.code, f.field): f for f in checked.findings
             if f.severity is Severity.ERROR and f.code not in _RETIRING}
            for checked in validator.check_all(raws)]


def refused_by_new_rules(entries: Sequence[m.Entry], old: Ruleset | None, new: Ruleset,
                         as_of: dt.date) -> list[Refused]:
    """The Current ``entries`` that ``new`` refuses and ``old`` accepted (with no ``old``, the
    rules are not known and nothing is compared)."""
    if old is None or old.digest == new.digest:
        return []
    current = [e for e in entries if e.status == m.Status.CURRENT]
    if not current:
        return []
    before, after = _errors(current, old, as_of), _errors(current, new, as_of)
    refused = []
    for entry, was, now in zip(current, before, after, strict=True):
        fresh = [f for key, f in now.items() if key not in was]
        if fresh:
            refused.append(Refused(entry.number or "?", fresh[0]))
    return refused
