"""Rules on which fields must be given and which must stay empty.

Always-required fields; per device type the field groups (CPA, DLMS and ZSE certificates, CPA
contact, FIR contact) that are required, optional (all or nothing) or must be empty; the SMETS1
exceptions; values fixed for a device type (a PPMID's security characteristics); and values only
some device types may give. A required field a submission's layout has no column for is tallied
on the validator, which reports it once for the file (CPL-F04, with the entries that need it):
a bulk sheet of 100,000 Gas meters without FIR columns gets ten findings, not a million. What
applies depends only on the device type, the generation and the layout, so the validator's one
verdict per combination of inputs covers it.
"""

from __future__ import annotations

from collections.abc import Iterator

from cplkit.core.findings import Code, Finding
from cplkit.core.model import CPA_ID
from cplkit.core.rules.view import ColumnNeeded, EntryView


def required_fields(s: EntryView) -> Iterator[Finding]:
    for name, spec in s.ruleset.fields.items():
        if spec.required and not s.given(name) and s.in_layout(name) and not (
                spec.allocated_by_secas and s.submission):
            yield s.finding(Code.V01, name, f"{name} is required on every entry")


_SMETS1_HINT = ("clear the cell: SMETS1 entries carry no CPA, DLMS or ZSE certificate and no CPA "
                "contact")


def device_type_requirements(s: EntryView) -> Iterator[Finding | ColumnNeeded]:
    device_type = s.device_type
    if device_type is None:
        return
    smets1 = s.generation == "SMETS1"
    fixed = {} if smets1 else device_type.fixed_values
    laid_out, given, kind = s.placement.positions, s.filled, device_type.name
    # 'Not Relevant' as the CPA id is read as no id (CPL-V15); SECAS's check accepts it where
    # the device type has no certificate (a PPMID), but on a SMETS1 form, where it wants the
    # cell empty, it sees it written and refuses it
    seen = given | {CPA_ID} if smets1 and s.fired_any(Code.V15) else given
    # reported group by group, fields to clear first, then missing ones, then incomplete groups
    empty: list[Finding] = []
    required: list[Finding] = []
    incomplete: list[Finding] = []
    for group_name, group in s.ruleset.groups.items():
        if smets1 and group_name in s.ruleset.smets1_empty_groups:
            empty.extend(s.finding(Code.V02, name, f"{name} must be empty for a SMETS1 device "
                                   "model", _SMETS1_HINT)
                         for name in group.all_fields if name in laid_out and name in seen)
            continue
        requirement = device_type.requirements.get(group_name)
        fields = [f for f in group.fields if f not in fixed and f in laid_out]
        if requirement == "required":
            if s.submission:
                yield from (ColumnNeeded(f, f"a {kind} needs the {group_name}")
                            for f in group.fields if f not in fixed and f not in laid_out)
            required.extend(s.finding(Code.V01, name, f"{name} is required for a {kind} "
                                      f"({group_name})") for name in fields if name not in given)
        elif requirement == "empty":
            fields += (f for f in group.optional_fields if f not in fixed and f in laid_out)
            empty.extend(s.finding(Code.V02, name, f"{name} must be empty for a {kind} "
                                   f"({group_name} not applicable)")
                         for name in fields if name in seen)
        elif requirement == "optional" and not given.isdisjoint(fields):
            incomplete.extend(s.finding(Code.V01, name, f"{name} is required once any of the "
                                        f"{group_name} is given (it is optional for a {kind}, "
                                        "but all or nothing)")
                              for name in fields if name not in given)
    yield from empty
    yield from required
    yield from incomplete
    for name, value in fixed.items():
        if name not in laid_out or name in s.unusable:
            continue
        written = s.text(name)
        if written is None:
            # the form asks for it; SECAS's check accepts the cell empty, and so did SECAS on
            # published entries (four SMETS2 PPMIDs in 2022): advice, not an error
            yield s.finding(Code.V14, name, f"{name} is empty; SECAS's form asks for "
                            f"'{value}' for a {device_type.name}, its check accepts it empty",
                            f"write '{value}'")
        elif written != value:
            yield s.finding(Code.V05, name, f"{name} must be '{value}' for a {device_type.name}",
                            f"write '{value}'")


def values_for_device_type(s: EntryView) -> Iterator[Finding]:
    """A value some device types alone may give (a PPMID's 'Not Relevant' security
    characteristics) given for another device type; new entries only."""
    device_type = s.device_type
    if device_type is None or not s.submission:
        return
    for name, spec in s.ruleset.fields.items():
        enumeration = spec.enumeration
        if enumeration is None:
            continue
        member = s.member(name, enumeration)
        if member is None or member.device_types is None:
            continue
        if device_type.name not in member.device_types:
            allowed = [v.value for v in s.ruleset.exact[enumeration].values() if v.accepted
                       and (v.device_types is None or device_type.name in v.device_types)]
            yield s.finding(
                Code.R11, name,
                f"'{member.value}' is only for a {' or a '.join(sorted(member.device_types))}"
                + (f" ({member.note})" if member.note else ""),
                f"for a {device_type.name} use one of: {'; '.join(allowed)}")

