"""Rules on SMETS/CHTS and GBCS versions: families, legacy values, Device Level Versioning.

The spec family must fit the device type (R01), the GBCS version's generation the spec version's
(R02); legacy values are refused on new entries (R04); the (device type, SMETS/CHTS, GBCS)
combination must be in the ruleset's table (R03) and inside its applicability dates as of the
as-of date (R05-R07). The table and dates are data in the ruleset, never code here.

Where: SECAS's macro reports every combination its Device Level Versioning check refuses on the
device type row (G9 on the form; ``checkDeviceLevelVersion``, appended to row 1's result), so
R01, R02 and R03 name the device type's cell, one finding for the combination. Where the macro
also refuses a version on its own row (a spec family that is not the device type's, a GBCS
generation that is not a SMETS version's), a second finding names that cell too.
"""

from __future__ import annotations

from collections.abc import Iterator

from cplkit.core import model as m
from cplkit.core.findings import Code, Finding
from cplkit.core.rules.view import EntryView


def spec_family(s: EntryView) -> Iterator[Finding]:
    device_type, spec = s.device_type, s.spec
    if device_type is None or spec is None:
        return
    if spec.generation == "SMETS1":
        if device_type.spec_family != spec.family and device_type.smets1_allowed and (
                s.gbcs is None or m.GBCS_VERSION in s.refused):
            # the macro's SMETS/CHTS check passes a SMETS1 hub only beside GBCS Version 0.0 as
            # written (lines 913-925); another GBCS version is R02's, none at all is here
            what = (f"{spec.value} on a {device_type.name} is a SMETS1 hub, which SECAS's "
                    "check accepts only beside GBCS Version 0.0 as written")
            yield s.finding(Code.R01, m.DEVICE_TYPE,
                            f"{what}: its Device Level Versioning check refuses the combination "
                            f"here ({_where(s, m.GBCS_VERSION)} is the GBCS version)")
            yield s.finding(Code.R01, m.SPEC_VERSION,
                            f"{what}; otherwise a {device_type.spec_family} version")
            return
        if not device_type.smets1_allowed:
            # the macro: HCALCS with SMETS1 on the device type row, a polyphase meter by its
            # Device Level Versioning check, on the same row
            yield s.finding(Code.R01, m.DEVICE_TYPE,
                            f"{spec.value} is a SMETS1 version, and there is no SMETS1 "
                            f"{device_type.name}",
                            "use the SMETS2+ version the device was certified against")
    elif spec.family != device_type.spec_family:
        what = (f"{spec.value} is a {spec.family} version, but a {device_type.name} is "
                f"certified against {device_type.spec_family}")
        yield s.finding(Code.R01, m.DEVICE_TYPE,
                        f"{what}: SECAS's Device Level Versioning check refuses the combination "
                        "here; the SMETS/CHTS version is the one to change "
                        f"({_where(s, m.SPEC_VERSION)})")
        yield s.finding(Code.R01, m.SPEC_VERSION, what)


def gbcs_family(s: EntryView) -> Iterator[Finding]:
    spec, gbcs, device_type = s.spec, s.gbcs, s.device_type
    if spec is None or gbcs is None or spec.generation == gbcs.generation:
        return
    what = (f"{gbcs.value} belongs to {gbcs.generation} device models, but {spec.value} is "
            f"{spec.generation}")
    if device_type is not None and not s.fired_any(Code.R01):
        yield s.finding(Code.R02, m.DEVICE_TYPE,
                        f"{what}: SECAS's Device Level Versioning check refuses the combination "
                        f"here; change the SMETS/CHTS version ({_where(s, m.SPEC_VERSION)}) or "
                        f"the GBCS version ({_where(s, m.GBCS_VERSION)})")
    # the macro's own row check: a SMETS1 hub's version is wrong unless its GBCS is 0.0 (its
    # SMETS/CHTS check); a SMETS version's GBCS generation (its GBCS check, which skips CHTS)
    if device_type is not None and device_type.spec_family != spec.family \
            and spec.generation == "SMETS1":
        yield s.finding(Code.R02, m.SPEC_VERSION,
                        f"{spec.value} on a {device_type.name} is a SMETS1 hub, which goes with "
                        f"GBCS Version 0.0 only; otherwise a {device_type.spec_family} version")
    elif spec.family != "CHTS":
        yield s.finding(Code.R02, m.GBCS_VERSION, what)


def _where(s: EntryView, field: str) -> str:
    """Where ``field`` sits in the layout, the same for every entry it holds: a form's row or a
    table's column (a verdict is placed on every entry with the same inputs)."""
    position = s.placement.positions.get(field)
    if position is None:
        return "not in this layout"
    if s.placement.orientation is m.Orientation.ROW:
        return f"column {m.column_letter(position)}"
    return f"row {position}"


def legacy_values(s: EntryView) -> Iterator[Finding]:
    for name, spec in s.ruleset.fields.items():
        member = None if spec.enumeration is None else s.member(name, spec.enumeration)
        if member is not None and not member.accepted:
            note = f" ({member.note})" if member.note else ""
            yield s.finding(Code.R04, name,
                            f"{member.value} is a legacy value, no longer accepted for new "
                            f"entries{note}")


def device_level_versioning(s: EntryView) -> Iterator[Finding]:
    device_type, spec, gbcs = s.device_type, s.spec, s.gbcs
    if device_type is None:
        return
    if s.fired_any(Code.R01, Code.R02):
        return  # the device type's cell already has the reason
    if s.submission:
        # SECAS's check looks the versions up as written, in its lists of accepted values:
        # one it cannot find (empty, unknown, legacy or refused as written) fails its Device
        # Level Versioning check too, on the device type row
        for field, member, what in ((m.SPEC_VERSION, spec, "SMETS/CHTS"),
                                    (m.GBCS_VERSION, gbcs, "GBCS")):
            if not s.in_layout(field):
                return  # the missing row or column is reported for the file (CPL-F04)
            if member is None or not member.accepted or field in s.refused:
                shown = "none" if member is None and not s.given(field) else (
                    "one it does not accept" if member is None or not member.accepted
                    else f"'{member.value}' not as written")
                yield s.finding(Code.R03, m.DEVICE_TYPE,
                                f"SECAS's Device Level Versioning check needs a {what} version "
                                f"from its list for a {device_type.name}, and finds {shown} "
                                f"({_where(s, field)})",
                                f"give the {what} version ({_where(s, field)}) as its own "
                                f"finding says; a {device_type.name} may use: "
                                f"{_allowed_pairs(s, device_type.name)}")
                return
    elif s.fired_any(Code.R04):
        return  # a published entry's legacy value is explained on its own cell
    if spec is None or gbcs is None:
        return
    rows = s.ruleset.combinations_for(device_type.name, spec.value)
    match = next((c for c in rows if gbcs.value in c.gbcs_versions), None)
    if match is None:
        allowed = sorted({g for c in rows for g in c.gbcs_versions})
        hint = (f"for a {device_type.name} with {spec.value} use " + " or ".join(allowed)
                if allowed else f"the table has no row for a {device_type.name} with "
                f"{spec.value}")
        hint += f"; a {device_type.name} may use: {_allowed_pairs(s, device_type.name)}"
        yield s.finding(Code.R03, m.DEVICE_TYPE,
                        f"{device_type.name} with {spec.value} and {gbcs.value} is not in the "
                        "Device Level Versioning table", hint)
        return
    as_of = s.as_of
    what = f"{spec.value} with {gbcs.value} for a {device_type.name}"
    if match.installation_from and as_of < match.installation_from:
        yield s.finding(Code.R07, m.SPEC_VERSION,
                        f"installations of {what} start on {match.installation_from:%d/%m/%Y}, "
                        f"after {as_of:%d/%m/%Y}")
    elif match.maintenance_until and as_of > match.maintenance_until:
        yield s.finding(Code.R06, m.SPEC_VERSION,
                        f"the maintenance period of {what} ended on "
                        f"{match.maintenance_until:%d/%m/%Y}")
    elif match.installation_until and as_of > match.installation_until:
        yield s.finding(Code.R05, m.SPEC_VERSION,
                        f"installations of {what} ended on {match.installation_until:%d/%m/%Y}; "
                        "the entry can only serve devices already installed")


def _allowed_pairs(s: EntryView, device_type: str) -> str:
    """Every SMETS/CHTS and GBCS version pair the table allows for ``device_type``."""
    pairs = [f"{c.spec_version} with {' or '.join(sorted(c.gbcs_versions))}"
             for c in s.ruleset.combinations if device_type in c.device_types]
    return "; ".join(pairs) or "no combination (the table has no row for it)"
