"""Validation: raw entries plus a ruleset and an as-of date in; normalised entries and findings out.

``Validator`` normalises every field (``cplkit.core.normalise``), then runs every registered rule
(``cplkit.core.rules``) on the entry, and never stops at the first problem. It works one entry at
a time so a 100,000-row sheet streams through in constant memory. It reads no files and does not
know about spreadsheets beyond the positions a reader recorded on each ``RawEntry``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from cplkit.core import model as m
from cplkit.core.findings import Finding, make_finding
from cplkit.core.normalise import compile_normalisers, render
from cplkit.core.rules import load_all
from cplkit.core.ruleset import DeviceType, Member, Ruleset, fold

#: What SECAS's form has in the cells it fills itself; not a submitter's value.
_SECAS_PLACEHOLDERS = frozenset({fold("This value is allocated by SECAS")})


@dataclass(frozen=True, slots=True)
class Checked:
    entry: m.Entry
    findings: tuple[Finding, ...]


class Subject:
    """One entry under validation, as the rules see it."""

    __slots__ = ("findings", "fired", "raw", "unusable", "validator", "values")

    def __init__(self, raw: m.RawEntry, validator: Validator) -> None:
        self.raw = raw
        self.validator = validator
        self.values: dict[str, m.Value] = {}
        self.unusable: set[str] = set()
        self.findings: list[Finding] = []
        self.fired: set[str] = set()

    # -- what the rules ask -------------------------------------------------------------------
    @property
    def ruleset(self) -> Ruleset:
        return self.validator.ruleset

    @property
    def as_of(self) -> dt.date:
        return self.validator.as_of

    @property
    def submission(self) -> bool:
        return self.raw.placement.submission

    def in_layout(self, field: str) -> bool:
        return field in self.raw.placement.positions

    def given(self, field: str) -> bool:
        """Something was written in the field, usable or not."""
        return field in self.values or field in self.unusable

    def text(self, field: str) -> str | None:
        value = self.values.get(field)
        return value if isinstance(value, str) else None

    def member(self, field: str, enumeration: str) -> Member | None:
        value = self.text(field)
        return None if value is None else self.ruleset.member(enumeration, value)

    @property
    def device_type(self) -> DeviceType | None:
        name = self.text(m.DEVICE_TYPE)
        return None if name is None else self.ruleset.device_types.get(name)

    @property
    def spec(self) -> Member | None:
        return self.member(m.SPEC_VERSION, "spec_versions")

    @property
    def gbcs(self) -> Member | None:
        return self.member(m.GBCS_VERSION, "gbcs_versions")

    @property
    def generation(self) -> str:
        """SMETS1 or SMETS2+, from the spec version, else the GBCS version; SMETS2+ if unknown."""
        for member in (self.spec, self.gbcs):
            if member is not None and member.generation:
                return member.generation
        return "SMETS2+"

    def fired_any(self, *codes: str) -> bool:
        return any(code in self.fired for code in codes)

    def finding(self, code: str, field: str | None, message: str,
                hint: str | None = None) -> Finding:
        raw = self.raw
        return make_finding(
            code,
            message,
            hint=hint,
            file=self.validator.file,
            entry=raw.index,
            sheet=raw.placement.sheet,
            cell=raw.cell(field) if field else None,
            field=field,
            value=render(raw.values.get(field)) if field else None,
        )


class Validator:
    """Validates entries of one file against one ruleset as of one date."""

    def __init__(self, ruleset: Ruleset, as_of: dt.date, file: str) -> None:
        self.ruleset = ruleset
        self.as_of = as_of
        self.file = file
        self.normalisers = compile_normalisers(ruleset)
        self.rules = tuple(load_all().values())

    def check(self, raw: m.RawEntry) -> Checked:
        subject = Subject(raw, self)
        fields = self.ruleset.fields
        for name, value in raw.values.items():
            spec = fields.get(name)
            if spec is None:
                continue
            if spec.allocated_by_secas and raw.placement.submission:
                self._allocated(subject, name, value)
                continue
            result = self.normalisers[name](value)
            if result.value is not None:
                subject.values[name] = result.value
            elif not result.usable:
                subject.unusable.add(name)
            for problem in result.problems:
                subject.fired.add(problem.code)
                subject.findings.append(subject.finding(
                    problem.code, name, f"{name}: {problem.message}", problem.hint))
        for rule in self.rules:
            for finding in rule(subject):
                subject.fired.add(finding.code)
                subject.findings.append(finding)
        return Checked(m.Entry.of(subject.values), tuple(subject.findings))

    def check_all(self, raws: Iterable[m.RawEntry]) -> Iterator[Checked]:
        for raw in raws:
            yield self.check(raw)

    def _allocated(self, subject: Subject, name: str, value: m.RawValue) -> None:
        if value is None or (isinstance(value, str) and
                             (not value.strip() or fold(value) in _SECAS_PLACEHOLDERS)):
            return
        subject.findings.append(subject.finding(
            "CPL-V10", name,
            f"{name} is allocated by SECAS; the value given is ignored"))
        subject.fired.add("CPL-V10")
