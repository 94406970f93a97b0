"""The cross-field rules, as an explicit table run in order.

A rule is a small function: it receives an ``EntryView`` (``cplkit.core.rules.view``: one entry
as the rules see it: the values of their inputs, which fields are filled in or unusable, the
layout, the ruleset and the as-of date) and yields findings. A rule never raises on bad content.
A rule that depends on earlier verdicts (the versioning table is not consulted when the spec
family is already wrong) comes after the rules it depends on in ``RULES`` and asks the view which
codes have fired. Nothing is registered as a side effect of an import. Field-level checks
(formats, enumerations) happen before, in ``cplkit.core.normalise``.

A rule reads the values of its inputs only (``inputs``: the device type, the versions, the
status, the CPA certificate, every enumerated field and every field a device type fixes); of the
other fields (model, firmware, hashes and the like) it sees whether they are filled in, never
what they say: their values are not in the view. So the verdict on an entry depends on those
inputs alone, and the validator works it out once for each combination a file holds: a bulk
sheet whose firmware differs on every row still repeats its device types and versions. That is
the only cache: a rule computes what it needs each time it runs.
"""

from __future__ import annotations

from cplkit.core import model as m
from cplkit.core.rules import cpa_dates, fields, image, versions
from cplkit.core.rules.view import Rule
from cplkit.core.ruleset import Ruleset

#: every rule, in the order it runs
RULES: tuple[Rule, ...] = (
    fields.required_fields,
    fields.device_type_requirements,
    fields.values_for_device_type,
    image.manufacturer_image_complete,
    versions.spec_family,
    versions.gbcs_family,
    versions.legacy_values,
    versions.device_level_versioning,  # after R01, R02 and R04, whose verdicts it reads
    cpa_dates.cpa_date_rule,
)


def inputs(ruleset: Ruleset) -> frozenset[str]:
    """The fields whose values the rules read under ``ruleset``."""
    enumerated = (name for name, spec in ruleset.fields.items() if spec.enumeration is not None)
    fixed = (name for device_type in ruleset.device_types.values()
             for name in device_type.fixed_values)
    return frozenset((m.DEVICE_TYPE, m.SPEC_VERSION, m.GBCS_VERSION, m.ENTRY_STATUS, m.CPA_ID,
                      m.CPA_EXPIRY, *enumerated, *fixed))
