"""The cross-field rules, each a small function registered by id, run in registration order.

A rule receives a ``Subject`` (one entry being validated: its normalised values, which fields were
unusable, where each field sits, the ruleset and the as-of date) and yields findings. A rule never
raises on bad content. Rules that depend on an earlier rule's verdict (the versioning table is
not consulted when the spec family is already wrong) ask the subject which codes have fired.
Field-level checks (formats, enumerations) happen before, in ``cplkit.core.normalise``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cplkit.core.findings import Finding
    from cplkit.core.validate import Subject

Rule = Callable[["Subject"], Iterator["Finding"]]

#: rule id -> rule, in the order they run
RULES: dict[str, Rule] = {}


def rule(rule_id: str) -> Callable[[Rule], Rule]:
    def register(fn: Rule) -> Rule:
        if rule_id in RULES:
            raise ValueError(f"rule {rule_id!r} registered twice")
        RULES[rule_id] = fn
        return fn
    return register


def load_all() -> dict[str, Rule]:
    """Import every rule module (registration happens on import) and return the registry."""
    from cplkit.core.rules import certificates, fields, image, versions  # noqa: F401

    return RULES
