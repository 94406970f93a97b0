"""The typed, read-only view of a ruleset (``schemas/ruleset.json`` or an edited copy).

``Ruleset.from_dict`` takes the already schema-checked JSON object and checks what a JSON Schema
cannot: that every name a part refers to exists (a combination's device type, a group's field).
It collects every such problem and raises one ``DataFileError`` naming each bad part. It does not
read files (``cplkit.intake.rulesets`` does) and holds no rule logic.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from types import MappingProxyType
from typing import Any, Literal

from cplkit.errors import DataFileError

Requirement = Literal["required", "optional", "empty"]


def fold(text: str) -> str:
    """The key a label or an enumerated value is matched by: case, runs of spaces and '&' for
    'and' do not matter (SECAS's own tool reads ``Version_number_&_effective_date`` and
    ``Version_number_and_effective_date`` as one label)."""
    return " ".join(text.split()).casefold().replace("&", "and")


class FieldKind(StrEnum):
    """What a field holds, which decides how it is normalised and described (the ruleset
    schema's ``kind``, whose strings the values are)."""

    ENTRY_NUMBER = "entry_number"
    ENUM = "enum"
    HEX = "hex"
    TEXT = "text"
    DATE = "date"
    CPA_CERTIFICATE = "cpa_certificate"
    DESCRIPTOR = "descriptor"
    EMAIL_LIST = "email_list"
    TELEPHONE_LIST = "telephone_list"
    URL = "url"
    RELEASE_NOTES = "release_notes"


@dataclass(frozen=True, slots=True)
class FieldSpec:
    name: str
    group: str
    attribute: str
    kind: FieldKind
    labels: tuple[tuple[str, str], ...]  # every (Data Group, Data Attribute) pair it goes by
    enumeration: str | None
    octets: int | None
    max_value: str | None
    max_octets: int | None
    printable_ascii: bool
    required: bool
    allocated_by_secas: bool
    published: bool
    #: a certificate identifier: 3 characters or more, never trimmed, no tab or line break
    identifier: bool = False
    #: the format check is advice (a warning): the form asks for any text here
    format_advisory: bool = False
    #: cplkit's own field, not on SECAS's form: a form or table may leave it out
    extension: bool = False


@dataclass(frozen=True, slots=True)
class Member:
    """One allowed value of an enumeration; legacy values are known but not accepted."""

    value: str
    accepted: bool
    note: str | None = None
    family: str | None = None  # SMETS or CHTS, for SMETS/CHTS versions
    generation: str | None = None  # SMETS1 or SMETS2+, for SMETS/CHTS and GBCS versions
    #: the only device types the value may be given for; None: any
    device_types: frozenset[str] | None = None


@dataclass(frozen=True, slots=True)
class FieldGroup:
    name: str
    fields: tuple[str, ...]
    optional_fields: tuple[str, ...]

    @property
    def all_fields(self) -> tuple[str, ...]:
        return self.fields + self.optional_fields


@dataclass(frozen=True, slots=True)
class DeviceType:
    name: str
    spec_family: str
    smets1_allowed: bool
    requirements: Mapping[str, Requirement]
    fixed_values: Mapping[str, str]
    #: SECAS's short name in history lines: GSME, ESME, PPMID...
    short_name: str = ""


@dataclass(frozen=True, slots=True)
class Combination:
    """One row of the Device Level Versioning table, with its applicability dates."""

    device_types: frozenset[str]
    spec_version: str
    gbcs_versions: frozenset[str]
    installation_from: dt.date | None
    installation_until: dt.date | None
    maintenance_until: dt.date | None
    source: str


@dataclass(frozen=True, slots=True)
class Ruleset:
    id: str
    title: str
    fields: Mapping[str, FieldSpec]
    groups: Mapping[str, FieldGroup]
    device_types: Mapping[str, DeviceType]
    enumerations: Mapping[str, Mapping[str, Member]]  # name -> fold(value) -> member
    exact: Mapping[str, Mapping[str, Member]]  # name -> canonical value -> member
    smets1_empty_groups: tuple[str, ...]
    combinations: tuple[Combination, ...]
    cpa_expiring_certificate_years: int
    #: a CPA date this close to the as-of date earns a warning
    cpa_notice_days: int
    #: SHA-256 of the ruleset's content, so a report shows which rules were used even when an
    #: edited copy keeps the bundled id ('' when built from a bare dict)
    digest: str = ""
    #: the content itself as canonical JSON (what ``digest`` hashes): each issued version keeps
    #: it, so a list can be checked again with the rules it was issued under
    canonical: str = dataclasses.field(default="", repr=False, compare=False)

    def members(self, enumeration: str) -> Mapping[str, Member]:
        return self.enumerations[enumeration]

    def member(self, enumeration: str, value: str) -> Member | None:
        return self.enumerations[enumeration].get(fold(value))

    @property
    def short_types(self) -> Mapping[str, str]:
        """Device type to SECAS's short name in history lines."""
        return {name: t.short_name or name for name, t in self.device_types.items()}

    def combinations_for(self, device_type: str, spec_version: str) -> list[Combination]:
        return [
            c
            for c in self.combinations
            if device_type in c.device_types and c.spec_version == spec_version
        ]

    @staticmethod
    def from_dict(data: Mapping[str, Any], *, origin: str = "ruleset",
                  digest: str = "", canonical: str = "") -> Ruleset:
        return replace(_Builder(data, origin).build(), digest=digest, canonical=canonical)


class _Builder:
    """Turns the JSON object into records, collecting every dangling reference on the way."""

    def __init__(self, data: Mapping[str, Any], origin: str) -> None:
        self.data = data
        self.origin = origin
        self.problems: list[str] = []

    def build(self) -> Ruleset:
        d = self.data
        fields = self._fields(d["fields"])
        groups = self._groups(d["field_groups"], fields)
        enumerations = self._enumerations(d)
        device_types = self._device_types(d["device_types"], groups, fields, enumerations)
        enumerations["device_types"] = MappingProxyType(
            {fold(name): Member(name, True) for name in device_types}
        )
        for spec in fields.values():
            if spec.enumeration is not None and spec.enumeration not in enumerations:
                self.problems.append(
                    f"fields/{spec.name}: enumeration '{spec.enumeration}' is not defined"
                )
        for name, members in enumerations.items():
            for member in members.values():
                for device_type in sorted(member.device_types or ()):
                    if device_type not in device_types:
                        self.problems.append(
                            f"enumerations/{name} ({member.value}): device_types names unknown "
                            f"device type '{device_type}'")
        for i, name in enumerate(d["smets1"]["empty_groups"]):
            if name not in groups:
                self.problems.append(f"smets1/empty_groups/{i}: unknown field group '{name}'")
        combinations = self._combinations(d["combinations"], device_types, enumerations)
        if self.problems:
            raise DataFileError(
                f"{self.origin} is not a valid cplkit ruleset:\n  - "
                + "\n  - ".join(self.problems),
                hint="fix the parts named above ('cplkit rules' prints the bundled ruleset to "
                     "start from)",
            )
        return Ruleset(
            id=d["id"],
            title=d["title"],
            fields=MappingProxyType(fields),
            groups=MappingProxyType(groups),
            device_types=MappingProxyType(device_types),
            enumerations=MappingProxyType(enumerations),
            exact=MappingProxyType({name: MappingProxyType({m.value: m for m in members.values()})
                                    for name, members in enumerations.items()}),
            smets1_empty_groups=tuple(d["smets1"]["empty_groups"]),
            combinations=tuple(combinations),
            cpa_expiring_certificate_years=d["limits"]["cpa_expiring_certificate_years"],
            cpa_notice_days=d["limits"].get("cpa_notice_days", 60),
        )

    def _fields(self, items: Sequence[Mapping[str, Any]]) -> dict[str, FieldSpec]:
        fields: dict[str, FieldSpec] = {}
        seen_labels: dict[tuple[str, str], str] = {}
        for i, f in enumerate(items):
            if f["name"] in fields:
                self.problems.append(f"fields/{i}: field '{f['name']}' is defined twice")
                continue
            labels = ((f["group"], f["attribute"]), *(tuple(p) for p in f.get("labels", ())))
            for label in labels:
                key = (fold(label[0]), fold(label[1]))
                if key in seen_labels:
                    self.problems.append(
                        f"fields/{i}: label {label[0]} / {label[1]} is already used by "
                        f"'{seen_labels[key]}'"
                    )
                seen_labels[key] = f["name"]
            if f.get("max_value") is not None and f["kind"] != FieldKind.HEX:
                self.problems.append(f"fields/{i}: max_value only applies to hex fields")
            fields[f["name"]] = FieldSpec(
                name=f["name"],
                group=f["group"],
                attribute=f["attribute"],
                kind=FieldKind(f["kind"]),
                labels=labels,
                enumeration=f.get("enumeration"),
                octets=f.get("octets"),
                max_value=f.get("max_value"),
                max_octets=f.get("max_octets"),
                printable_ascii=bool(f.get("printable_ascii", False)),
                required=bool(f.get("required", False)),
                allocated_by_secas=bool(f.get("allocated_by_secas", False)),
                published=bool(f["published"]),
                identifier=bool(f.get("identifier", False)),
                format_advisory=bool(f.get("format_advisory", False)),
                extension=bool(f.get("extension", False)),
            )
        return fields

    def _groups(
        self, items: Mapping[str, Mapping[str, Any]], fields: Mapping[str, FieldSpec]
    ) -> dict[str, FieldGroup]:
        groups: dict[str, FieldGroup] = {}
        for name, g in items.items():
            for key in ("fields", "optional_fields"):
                for j, field in enumerate(g.get(key, ())):
                    if field not in fields:
                        self.problems.append(
                            f"field_groups/{name}/{key}/{j}: unknown field '{field}'")
            groups[name] = FieldGroup(name, tuple(g["fields"]), tuple(g.get("optional_fields", ())))
        return groups

    def _enumerations(self, d: Mapping[str, Any]) -> dict[str, Mapping[str, Member]]:
        out: dict[str, Mapping[str, Member]] = {}
        for name, members in d["enumerations"].items():
            out[name] = self._members(
                f"enumerations/{name}",
                [Member(m["value"], m["accepted"], m.get("note"),
                        device_types=frozenset(m["device_types"]) if "device_types" in m
                        else None) for m in members],
            )
        out["spec_versions"] = self._members(
            "spec_versions",
            [
                Member(m["value"], m["accepted"], m.get("note"), m["family"], m["generation"])
                for m in d["spec_versions"]
            ],
        )
        out["gbcs_versions"] = self._members(
            "gbcs_versions",
            [
                Member(m["value"], m["accepted"], m.get("note"), None, m["generation"])
                for m in d["gbcs_versions"]
            ],
        )
        return out

    def _members(self, where: str, members: list[Member]) -> Mapping[str, Member]:
        table: dict[str, Member] = {}
        for i, m in enumerate(members):
            key = fold(m.value)
            if key in table:
                self.problems.append(f"{where}/{i}: value '{m.value}' is listed twice")
            table[key] = m
        return MappingProxyType(table)

    def _device_types(
        self,
        items: Sequence[Mapping[str, Any]],
        groups: Mapping[str, FieldGroup],
        fields: Mapping[str, FieldSpec],
        enumerations: Mapping[str, Mapping[str, Member]],
    ) -> dict[str, DeviceType]:
        out: dict[str, DeviceType] = {}
        for i, t in enumerate(items):
            if t["name"] in out:
                self.problems.append(
                    f"device_types/{i}: device type '{t['name']}' is defined twice")
            for group in t["requirements"]:
                if group not in groups:
                    self.problems.append(
                        f"device_types/{i} ({t['name']}): requirements name unknown field group "
                        f"'{group}'"
                    )
            for field, value in t.get("fixed_values", {}).items():
                spec = fields.get(field)
                if spec is None:
                    self.problems.append(
                        f"device_types/{i} ({t['name']}): fixed_values names unknown field "
                        f"'{field}'"
                    )
                elif spec.enumeration and fold(value) not in enumerations.get(spec.enumeration, {}):
                    self.problems.append(
                        f"device_types/{i} ({t['name']}): fixed value '{value}' is not one of "
                        f"{spec.enumeration}"
                    )
            out[t["name"]] = DeviceType(
                name=t["name"],
                short_name=t.get("short_name", t["name"]),
                spec_family=t["spec_family"],
                smets1_allowed=t["smets1_allowed"],
                requirements=MappingProxyType(dict(t["requirements"])),
                fixed_values=MappingProxyType(dict(t.get("fixed_values", {}))),
            )
        return out

    def _combinations(
        self,
        items: Sequence[Mapping[str, Any]],
        device_types: Mapping[str, DeviceType],
        enumerations: Mapping[str, Mapping[str, Member]],
    ) -> list[Combination]:
        out: list[Combination] = []
        for i, c in enumerate(items):
            where = f"combinations/{i} ({c['spec_version']})"
            for name in c["device_types"]:
                if name not in device_types:
                    self.problems.append(f"{where}: unknown device type '{name}'")
            spec = enumerations["spec_versions"].get(fold(c["spec_version"]))
            if spec is None or spec.value != c["spec_version"]:
                self.problems.append(f"{where}: unknown SMETS/CHTS version '{c['spec_version']}'")
            for g in c["gbcs_versions"]:
                member = enumerations["gbcs_versions"].get(fold(g))
                if member is None or member.value != g:
                    self.problems.append(f"{where}: unknown GBCS version '{g}'")
            dates = {k: self._date(where, k, c.get(k)) for k in
                     ("installation_from", "installation_until", "maintenance_until")}
            start, end, maint = (dates["installation_from"], dates["installation_until"],
                                 dates["maintenance_until"])
            if start and end and end < start:
                self.problems.append(f"{where}: installation_until is before installation_from")
            if end and maint and maint < end:
                self.problems.append(f"{where}: maintenance_until is before installation_until")
            out.append(
                Combination(
                    device_types=frozenset(c["device_types"]),
                    spec_version=c["spec_version"],
                    gbcs_versions=frozenset(c["gbcs_versions"]),
                    installation_from=start,
                    installation_until=end,
                    maintenance_until=maint,
                    source=c["source"],
                )
            )
        return out

    def _date(self, where: str, key: str, value: str | None) -> dt.date | None:
        if value is None:
            return None
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            self.problems.append(f"{where}: {key} '{value}' is not a real date (YYYY-MM-DD)")
            return None
