"""Rules on which fields must be given and which must stay empty.

Always-required fields; per device type the field groups (CPA, DLMS and ZSE certificates, CPA
contact, FIR contact) that are required, optional (all or nothing) or must be empty; the SMETS1
exceptions; and values fixed for a device type (a PPMID's security characteristics). Fields a
layout does not have are not checked here: a missing row or column is the reader's CPL-F04.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from cplkit.core.findings import Finding
from cplkit.core.rules import rule

if TYPE_CHECKING:
    from cplkit.core.validate import Subject


@rule("required-fields")
def required_fields(s: Subject) -> Iterator[Finding]:
    for name, spec in s.ruleset.fields.items():
        if not spec.required or (spec.allocated_by_secas and s.submission):
            continue
        if s.in_layout(name) and not s.given(name):
            yield s.finding("CPL-V01", name, f"{name} is required on every entry")


@rule("device-type-requirements")
def device_type_requirements(s: Subject) -> Iterator[Finding]:
    device_type = s.device_type
    if device_type is None:
        return
    smets1 = s.generation == "SMETS1"
    smets1_groups = set(s.ruleset.smets1_empty_groups) if smets1 else set()
    fixed = {} if smets1 else device_type.fixed_values
    for group_name, group in s.ruleset.groups.items():
        if group_name in smets1_groups:
            for name in group.all_fields:
                if s.given(name):
                    yield s.finding("CPL-V02", name,
                                    f"{name} must be empty for a SMETS1 device model",
                                    "clear the cell: SMETS1 entries carry no CPA, DLMS or ZSE "
                                    "certificate and no CPA contact")
            continue
        requirement = device_type.requirements.get(group_name)
        if requirement is None:
            continue
        fields = [f for f in group.fields if f not in fixed and s.in_layout(f)]
        optional = [f for f in group.optional_fields if f not in fixed and s.in_layout(f)]
        if requirement == "empty":
            for name in fields + optional:
                if s.given(name):
                    yield s.finding("CPL-V02", name,
                                    f"{name} must be empty for a {device_type.name} "
                                    f"({group_name} not applicable)")
        elif requirement == "required":
            for name in fields:
                if not s.given(name):
                    yield s.finding("CPL-V01", name,
                                    f"{name} is required for a {device_type.name} "
                                    f"({group_name})")
        elif any(s.given(name) for name in fields):
            for name in fields:
                if not s.given(name):
                    yield s.finding("CPL-V01", name,
                                    f"{name} is required once any of the {group_name} is given "
                                    f"(it is optional for a {device_type.name}, but all or "
                                    "nothing)")
    for name, value in fixed.items():
        if not s.in_layout(name) or name in s.unusable:
            continue
        given = s.text(name)
        if given is None:
            yield s.finding("CPL-V01", name,
                            f"{name} must be '{value}' for a {device_type.name}",
                            f"write '{value}'")
        elif given != value:
            yield s.finding("CPL-V05", name,
                            f"{name} must be '{value}' for a {device_type.name}",
                            f"write '{value}'")
