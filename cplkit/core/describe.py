"""What each field of the ruleset asks for, in words: its label on the form, its format, its
allowed values and the conditional rules that apply to it.

The New Entry form, the bulk template and the published workbook all write these texts, so they
are made in one place, from the ruleset. Pure: ruleset in, text out.
"""

from __future__ import annotations

from dataclasses import dataclass

from cplkit.core.ruleset import FieldKind, FieldSpec, Ruleset


def form_label(spec: FieldSpec) -> tuple[str, str]:
    """The (Data Group, Data Attribute) pair the New Entry form uses: its own label if any."""
    return spec.labels[-1] if len(spec.labels) > 1 else (spec.group, spec.attribute)


def format_text(spec: FieldSpec) -> str:
    """The Format column: what shape a value of the field takes."""
    if spec.kind is FieldKind.HEX:
        octets = spec.octets or 1
        shape = ":".join(["XX"] * octets) if octets <= 4 else "XX:XX:...:XX (32 bytes)"
        upto = f"; at most {spec.max_value}" if spec.max_value else ""
        return f"hex, {shape}, digits 0-9 and A-F{upto}"
    if spec.kind is FieldKind.DATE:
        return "date, dd/mm/yyyy"
    if spec.kind is FieldKind.ENTRY_NUMBER:
        return "6 digits, 000001 to 999999"
    if spec.kind is FieldKind.CPA_CERTIFICATE:
        return (f"up to {spec.max_octets} printable ASCII characters, starting '[E] ' (expiring "
                "certificate) or '[R] ' (lifetime certificate)")
    size = f"up to {spec.max_octets} octets" if spec.max_octets else "text"
    extra = {FieldKind.EMAIL_LIST: "; e-mail addresses separated by ';'",
             FieldKind.TELEPHONE_LIST: "; telephone numbers separated by ';'",
             FieldKind.URL: "; a public web address",
             FieldKind.RELEASE_NOTES: "; links must be public http(s) pages"}.get(spec.kind, "")
    printable = ", printable ASCII only" if spec.printable_ascii else ""
    return f"{size}{printable}{extra}"


def allowed_values(ruleset: Ruleset, spec: FieldSpec) -> list[str]:
    """The Valid values column: the accepted members of the field's enumeration, if any."""
    if spec.enumeration is None:
        return []
    return [m.value for m in ruleset.members(spec.enumeration).values() if m.accepted]


def conditionality(ruleset: Ruleset, spec: FieldSpec) -> str:
    """The conditional rules that apply to a field, written out from the ruleset."""
    if spec.allocated_by_secas:
        return "Allocated by SECAS; leave as it is."
    if spec.required:
        return "Must be given for every entry."
    for group_name, group in ruleset.groups.items():
        if spec.name not in group.all_fields:
            continue
        by_requirement: dict[str, list[str]] = {}
        for device_type in ruleset.device_types.values():
            if spec.name in device_type.fixed_values:
                by_requirement.setdefault(
                    f"must be '{device_type.fixed_values[spec.name]}'", []).append(device_type.name)
                continue
            requirement = device_type.requirements.get(group_name)
            if requirement == "required" and spec.name in group.optional_fields:
                requirement = "optional"
            if requirement:
                by_requirement.setdefault(requirement, []).append(device_type.name)
        parts = [f"{req.capitalize() if req[0].islower() else req} for: {', '.join(types)}."
                 for req, types in by_requirement.items()]
        if group_name in ruleset.smets1_empty_groups:
            parts.append("Must be empty for SMETS1 device models.")
        if "optional" in by_requirement:
            parts.append(f"Where optional, give all of the {group_name} or none of it.")
        return " ".join(parts)
    if spec.name.startswith("Manufacturer_Image."):
        return ("Creator and hash are given together or not at all; the descriptor should be "
                "given with them.")
    return "Optional."


@dataclass(frozen=True, slots=True)
class FieldDescription:
    """One row of the New Entry form: a field with every text the form shows for it."""

    spec: FieldSpec
    group: str
    attribute: str
    conditionality: str
    format: str
    allowed: tuple[str, ...]


def describe_fields(ruleset: Ruleset) -> tuple[FieldDescription, ...]:
    """Every field of the ruleset, in form order, as the New Entry form describes it."""
    out = []
    for spec in ruleset.fields.values():
        group, attribute = form_label(spec)
        out.append(FieldDescription(spec, group, attribute, conditionality(ruleset, spec),
                                    format_text(spec), tuple(allowed_values(ruleset, spec))))
    return tuple(out)
