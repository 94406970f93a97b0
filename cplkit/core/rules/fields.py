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
from dataclasses import dataclass

from cplkit.core.findings import Code, Finding
from cplkit.core.model import CPA_ID
from cplkit.core.rules.view import ColumnNeeded, EntryView
from cplkit.core.ruleset import DeviceType


def required_fields(s: EntryView) -> Iterator[Finding]:
    for name, spec in s.ruleset.fields.items():
        if spec.required and not s.given(name) and s.in_layout(name) and not (
                spec.allocated_by_secas and s.submission):
            yield s.finding(Code.V01, name, f"{name} is required on every entry")


@dataclass(frozen=True, slots=True)
class _Asks:
    """What one device type and generation ask of the fields one layout has, by name: the
    messages are written only for the fields that break them."""

    #: field, and the group the device type wants empty (None: a SMETS1 group)
    empty: tuple[tuple[str, str | None], ...]
    required: tuple[tuple[str, str], ...]  # field, its group
    all_or_nothing: tuple[tuple[str, tuple[str, ...]], ...]  # group, its fields
    fixed: tuple[tuple[str, str], ...]  # field, the only value allowed
    #: required fields a submission's layout has no column for, and their group
    absent: tuple[tuple[str, str], ...]


_SMETS1_HINT = ("clear the cell: SMETS1 entries carry no CPA, DLMS or ZSE certificate and no CPA "
                "contact")


def _asks(s: EntryView, device_type: DeviceType, smets1: bool) -> _Asks:
    empty: list[tuple[str, str | None]] = []
    required: list[tuple[str, str]] = []
    all_or_nothing: list[tuple[str, tuple[str, ...]]] = []
    absent: list[tuple[str, str]] = []
    smets1_groups = set(s.ruleset.smets1_empty_groups) if smets1 else set()
    fixed = {} if smets1 else dict(device_type.fixed_values)
    laid_out = s.placement.positions
    for group_name, group in s.ruleset.groups.items():
        if group_name in smets1_groups:
            empty.extend((name, None) for name in group.all_fields if name in laid_out)
            continue
        requirement = device_type.requirements.get(group_name)
        if requirement == "required" and s.submission:
            absent.extend((f, group_name) for f in group.fields
                          if f not in fixed and f not in laid_out)
        fields = tuple(f for f in group.fields if f not in fixed and f in laid_out)
        optional = tuple(f for f in group.optional_fields if f not in fixed and f in laid_out)
        if requirement == "empty":
            empty.extend((name, group_name) for name in fields + optional)
        elif requirement == "required":
            required.extend((name, group_name) for name in fields)
        elif requirement == "optional" and fields:
            all_or_nothing.append((group_name, fields))
    return _Asks(tuple(empty), tuple(required), tuple(all_or_nothing),
                 tuple((f, v) for f, v in fixed.items() if f in laid_out), tuple(absent))


def device_type_requirements(s: EntryView) -> Iterator[Finding | ColumnNeeded]:
    device_type = s.device_type
    if device_type is None:
        return
    smets1 = s.generation == "SMETS1"
    asks = _asks(s, device_type, smets1)
    for name, group_name in asks.absent:
        yield ColumnNeeded(name, f"a {device_type.name} needs the {group_name}")
    given = s.filled
    # 'Not Relevant' as the CPA id is read as no id (CPL-V15); SECAS's check accepts it where
    # the device type has no certificate (a PPMID), but on a SMETS1 form, where it wants the
    # cell empty, it sees it written and refuses it
    seen = given | ({CPA_ID} if smets1 and s.fired_any(Code.V15) else set())
    for name, empty_group in asks.empty:
        if name not in seen:
            continue
        if empty_group is None:
            yield s.finding(Code.V02, name, f"{name} must be empty for a SMETS1 device model",
                            _SMETS1_HINT)
        else:
            yield s.finding(Code.V02, name, f"{name} must be empty for a {device_type.name} "
                            f"({empty_group} not applicable)")
    for name, group_name in asks.required:
        if name not in given:
            yield s.finding(Code.V01, name,
                            f"{name} is required for a {device_type.name} ({group_name})")
    for group_name, fields in asks.all_or_nothing:
        if not given.isdisjoint(fields):
            for name in fields:
                if name not in given:
                    yield s.finding(Code.V01, name,
                                    f"{name} is required once any of the {group_name} is given "
                                    f"(it is optional for a {device_type.name}, but all or "
                                    "nothing)")
    for name, value in asks.fixed:
        if name in s.unusable:
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

