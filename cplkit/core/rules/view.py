"""The rules' contract: the frozen view of one entry a rule reads, and what a rule gives back.

A rule is a function from an ``EntryView`` to findings (``Rule``). The view holds what a rule
may read and nothing else: the values of the rules' inputs (``cplkit.core.rules.inputs``), which
fields are filled in at all, which were unusable or refused as written, the codes earlier rules
and normalising reported, the device type and versions, the layout (``Placement``), the ruleset
and the as-of date. The raw entry, the other fields' values and the validator are not attributes
of it, so the type checker refuses a rule that reaches for them, and the view is frozen, so a
rule cannot change what the next one sees. That is what lets the validator judge each
combination of inputs once and place the verdict on every entry that has it.

A rule reports a required field its layout has no column for by yielding a ``ColumnNeeded``;
the validator reports those once for the file. A finding a rule yields names its field only:
the validator places it on the cell of each entry the verdict is for.

This module imports the records it shows and nothing of the validator or of the rules, so
both import it and neither imports the other.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from cplkit.core import model as m
from cplkit.core.findings import Code, Finding, Location, make_finding
from cplkit.core.ruleset import DeviceType, Member, Ruleset


@dataclass(frozen=True, slots=True)
class ColumnNeeded:
    """A required field the entry's layout has no column for, and why the entry needs it."""

    field: str
    why: str


@dataclass(frozen=True, slots=True)
class EntryView:
    """One entry as the rules see it: its inputs' values, which fields are filled in, and the
    context it is judged in."""

    ruleset: Ruleset
    as_of: dt.date
    #: where each field sits, and whether the layout is a submission's
    placement: m.Placement
    #: the usable values of the rules' inputs, normalised; no other field's value is here
    values: Mapping[str, m.Value]
    #: every field something was written in, usable or not, input or not
    filled: frozenset[str]
    #: fields whose value is unusable (wrong format, unknown value...)
    unusable: frozenset[str]
    #: fields whose value SECAS's own check refuses as written (CPL-V12): ``values`` holds the
    #: canonical value, and a rule knows the check would not find it in its lists
    refused: frozenset[str]
    #: the codes reported on the entry so far: by normalising, then by each earlier rule
    fired: frozenset[Code]
    #: the device type and versions, where the entry gives known ones
    device_type: DeviceType | None
    spec: Member | None
    gbcs: Member | None

    @property
    def submission(self) -> bool:
        return self.placement.submission

    def in_layout(self, field: str) -> bool:
        return field in self.placement.positions

    def given(self, field: str) -> bool:
        """Something was written in the field, usable or not."""
        return field in self.filled

    def text(self, field: str) -> str | None:
        value = self.values.get(field)
        return value if isinstance(value, str) else None

    def member(self, field: str, enumeration: str) -> Member | None:
        value = self.text(field)
        # normalised values are canonical, so the exact table answers
        return None if value is None else self.ruleset.exact[enumeration].get(value)

    @property
    def generation(self) -> str:
        """SMETS1 or SMETS2+, from the spec version, else the GBCS version; SMETS2+ if unknown."""
        for member in (self.spec, self.gbcs):
            if member is not None and member.generation:
                return member.generation
        return "SMETS2+"

    def fired_any(self, *codes: Code) -> bool:
        return not self.fired.isdisjoint(codes)

    def finding(self, code: Code, field: str | None, message: str,
                hint: str | None = None) -> Finding:
        """A finding on ``field`` of the entry (None: the entry as a whole); the validator
        places it on the entry's cell."""
        return make_finding(code, message, Location(field=field), hint=hint)


#: a rule: the findings (and the missing columns) one entry's view gives; it never raises on
#: bad content and depends on nothing but the view
Rule = Callable[[EntryView], Iterable[Finding | ColumnNeeded]]
