"""What changed between two rulesets, in words for a version's history line.

SECAS issued versions that changed no entry but the rules themselves (2.000: "Device Level
Versioning updated"; 1.10, 1.81, 1.86, 1.111). This says which accepted values and which Device
Level Versioning rows a new ruleset adds or drops, so such a version's history line tells
readers what changed. Pure: it compares two ``Ruleset`` records; it reads no file and does not
decide whether a change is allowed.
"""

from __future__ import annotations

import datetime as dt

from cplkit.core.ruleset import Combination, Ruleset

#: how a history line names each list of values (SECAS's words where it has them)
_LABELS = {"entry_status": "Entry statuses", "security_characteristics":
           "Security Characteristics versions", "dlms_versions": "DLMS versions",
           "zse_versions": "ZSE versions", "descriptor_bands": "image descriptors",
           "spec_versions": "SMETS/CHTS versions", "gbcs_versions": "GBCS versions",
           "device_types": "device types"}


def _accepted(ruleset: Ruleset) -> dict[str, set[str]]:
    return {name: {m.value for m in members.values() if m.accepted}
            for name, members in ruleset.exact.items()}


def _when(date: dt.date | None) -> str:
    return f"{date:%d/%m/%Y}" if date else "-"


def _row(c: Combination) -> str:
    dates = [f"{what} {_when(date)}" for what, date in (
        ("installation from", c.installation_from), ("installation until",
                                                     c.installation_until),
        ("maintenance until", c.maintenance_until)) if date]
    return (f"{', '.join(sorted(c.device_types))}: {c.spec_version} with "
            f"{', '.join(sorted(c.gbcs_versions))}" + (f" ({', '.join(dates)})" if dates else ""))


def describe_ruleset_change(old: Ruleset | None, new: Ruleset) -> str:
    """A history paragraph for issuing under ``new`` after ``old`` (None: rules not known)."""
    head = f"Rules updated to {new.id} (SHA-256 {new.digest[:12]})"
    if old is None:
        return head + "."
    lines: list[str] = []
    before, after = _accepted(old), _accepted(new)
    for name in sorted(set(before) | set(after)):
        added = sorted(after.get(name, set()) - before.get(name, set()))
        dropped = sorted(before.get(name, set()) - after.get(name, set()))
        label = _LABELS.get(name, name.replace("_", " "))
        if added:
            lines.append(f"{label} now accepted: {', '.join(added)}")
        if dropped:
            lines.append(f"{label} no longer accepted: {', '.join(dropped)}")
    rows_before, rows_after = set(old.combinations), set(new.combinations)
    lines.extend(f"Device Level Versioning row added: {_row(c)}"
                 for c in sorted(rows_after - rows_before, key=_row))
    lines.extend(f"Device Level Versioning row removed: {_row(c)}"
                 for c in sorted(rows_before - rows_after, key=_row))
    if not lines and old.digest != new.digest:
        lines.append("no accepted value or Device Level Versioning row changed; the checks "
                     "themselves did")
    return head + (":\n" + "\n".join(lines) if lines else ".")
