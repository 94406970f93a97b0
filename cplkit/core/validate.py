"""Validation: raw entries plus a ruleset and an as-of date in; normalised entries and findings out.

``Validator`` normalises every field (``cplkit.core.normalise``), then runs every rule of the
table ``cplkit.core.rules.RULES`` on the entry, and never stops at the first problem. It takes
entries in batches (the caller picks their size, so a 100,000-row sheet streams through in
constant memory) and normalises a batch a column at a time, each distinct value once, as bulk
sheets repeat most values. The rules see one entry at a time through its ``EntryView``
(``cplkit.core.rules.view``), which holds the values of their inputs only
(``cplkit.core.rules.inputs``), so their verdict is worked out once per combination of those
values: that verdict cache is the one cache the rules rely on. It reads no files and does not
know about spreadsheets beyond the positions a reader recorded on each ``RawEntry``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from operator import attrgetter
from types import MappingProxyType
from typing import NamedTuple

from cplkit.core import model as m
from cplkit.core.findings import Code, Finding, Location, Severity, make_finding
from cplkit.core.model import as_text
from cplkit.core.normalise import (
    Normalised,
    Normaliser,
    cell_keys,
    compile_normalisers,
    normalised_once,
    vba_text,
)
from cplkit.core.rules import RULES, inputs
from cplkit.core.rules.view import ColumnNeeded, EntryView, Rule
from cplkit.core.ruleset import Ruleset, fold
from cplkit.core.secas import SECAS_PLACEHOLDER
from cplkit.core.wording import ITEM_LINE_FIELDS, one_line

#: What SECAS's form has in the cells it fills itself; not a submitter's value.
_SECAS_PLACEHOLDERS = frozenset({fold(SECAS_PLACEHOLDER)})


@dataclass(frozen=True, slots=True)
class Checked:
    entry: m.Entry
    findings: tuple[Finding, ...]


@dataclass(slots=True)
class _Notes:
    """What normalising found on one entry: the findings, and what the rules are told of it."""

    findings: list[Finding] = dataclasses.field(default_factory=list)
    #: the codes reported, which the rules may ask about
    fired: set[Code] = dataclasses.field(default_factory=set)
    unusable: set[str] = dataclasses.field(default_factory=set)
    #: fields whose value SECAS's own check refuses as written (CPL-V12)
    refused: set[str] = dataclasses.field(default_factory=set)

    def add(self, finding: Finding) -> None:
        self.findings.append(finding)
        self.fired.add(finding.code)


class _FieldPlan(NamedTuple):
    """How to read one field of a layout: its name, whether SECAS allocates it, the cache of
    its normalised values and its normaliser."""

    name: str
    allocated: bool
    cache: dict[object, Normalised]
    normaliser: Normaliser


#: how many of the entries that need a missing column a finding names
_ROWS_SHOWN = 5

#: rule verdicts kept per file: one per combination of the rules' inputs (ten in a 100,000-row
#: bulk sheet, 169 in the whole published list); the bound keeps memory flat on a hostile file
#: where every row is its own combination
_VERDICT_LIMIT = 4096

_NONE: frozenset[str] = frozenset()
_NO_CODES: frozenset[Code] = frozenset()


@dataclass(frozen=True, slots=True)
class _Verdict:
    """What the rules found on one combination of their inputs: the findings (each naming its
    field, placed on each entry with the combination) and the columns it needs."""

    findings: tuple[Finding, ...]
    needed: tuple[ColumnNeeded, ...]


class Validator:
    """Validates entries of one file against one ruleset as of one date."""

    def __init__(self, ruleset: Ruleset, as_of: dt.date, file: str,
                 rules: Sequence[Rule] = RULES, *, as_published: bool = True) -> None:
        self.ruleset = ruleset
        #: a published list's entries are judged as published (every finding advice); False
        #: asks the rules' own verdict of them (what a rules change would refuse)
        self.as_published = as_published
        self.as_of = as_of
        self.file = file
        self.normalisers = compile_normalisers(ruleset)
        self._cache: dict[str, dict[object, Normalised]] = {
            name: {} for name in ruleset.fields}
        #: a submission's item-line fields are held to one line (a list as issued is not): their
        #: results are cached apart
        self._one_line: dict[str, tuple[dict[object, Normalised], Normaliser]] = {
            name: ({}, one_line(self.normalisers[name]))
            for name in ITEM_LINE_FIELDS if name in ruleset.fields}
        self.rules = tuple(rules)
        #: the fields whose values the rules read, in a fixed order, and the rules' verdict on
        #: each combination of them seen so far (see ``_rules``)
        self._shown = inputs(ruleset)
        self._inputs = tuple(sorted(self._shown))
        self._verdicts: dict[tuple[object, ...], _Verdict] = {}
        #: required fields the layout has no column for: field -> why, and where it was needed
        self._absent: dict[str, tuple[str, list[m.RawEntry]]] = {}
        self._absent_counts: dict[str, int] = {}

    def column_needed(self, field: str, why: str, raw: m.RawEntry) -> None:
        """Note that the entry ``raw`` needs ``field``, which its layout has no column for."""
        count = self._absent_counts.get(field, 0)
        self._absent_counts[field] = count + 1
        if count < _ROWS_SHOWN:
            self._absent.setdefault(field, (why, []))[1].append(raw)

    def file_findings(self, already: frozenset[str] = frozenset()) -> list[Finding]:
        """What the file as a whole lacks, once every entry is checked: one CPL-F04 per column
        some entries need (``already``: fields the layout reported missing itself)."""
        out = []
        for field, (why, entries) in self._absent.items():
            if field in already:
                continue
            count = self._absent_counts[field]
            where = ", ".join(e.where for e in entries)
            more = f" and {count - len(entries)} more" if count > len(entries) else ""
            first = entries[0]
            out.append(make_finding(
                Code.F04, f"no column for {field}, which {count} entr"
                f"{'y' if count == 1 else 'ies'} need{'s' if count == 1 else ''} ({why}): "
                f"{where}{more}", Location(self.file, None, first.placement.sheet, None, field),
                hint=f"add a column headed {field} and fill it in for those entries (cplkit "
                     "template --bulk writes every column)"))
        return out

    def _plan(self, placement: m.Placement) -> list[_FieldPlan]:
        """How to read every ruleset field the layout has."""
        fields, held = self.ruleset.fields, self._one_line if placement.submission else {}
        return [_FieldPlan(name, fields[name].allocated_by_secas and placement.submission,
                           *held.get(name, (self._cache[name], self.normalisers[name])))
                for name in placement.positions if name in fields]

    def check(self, raw: m.RawEntry) -> Checked:
        """Check one entry."""
        return self.check_all((raw,))[0]

    def check_all(self, raws: Sequence[m.RawEntry]) -> list[Checked]:
        """Check entries, in order. Entries of one layout (a sheet's rows) are normalised a
        column at a time, each distinct value of a field once; the rules then see each entry
        whole. The findings are the ones entry-by-entry checking makes, in the same order."""
        out: list[Checked] = []
        for placement, run in itertools.groupby(raws, key=attrgetter("placement")):
            out.extend(self._check_run(placement, list(run)))
        return out

    def _check_run(self, placement: m.Placement, raws: list[m.RawEntry]) -> list[Checked]:
        given = [raw.values for raw in raws]
        strict = placement.submission
        #: the entries normalising had something to say about, by position in the run
        noted: dict[int, _Notes] = {}

        def notes(row: int) -> _Notes:
            found = noted.get(row)
            if found is None:
                found = noted[row] = _Notes()
            return found

        names: list[str] = []
        columns: list[list[m.Value | None]] = []
        for plan in self._plan(placement):
            name = plan.name
            column = [values.get(name) for values in given]
            if plan.allocated:
                for row, value in enumerate(column):
                    if value is not None and value != "":
                        self._allocated(notes(row), raws[row], name, value)
                continue
            normalised, flagged = _normalise_column(plan, column)
            names.append(name)
            columns.append(normalised)
            for row, result in flagged:
                self._noted(notes(row), raws[row], name, result, column[row], strict=strict)
        # the rows of the columns, as each entry's values (in layout order, as read)
        rows: Iterable[tuple[m.Value | None, ...]] = (
            zip(*columns, strict=True) if columns else [()] * len(raws))
        checked = [self._rules(raw, {name: value for name, value in zip(names, cells,
                                                                        strict=True)
                                     if value is not None}, noted.get(row))
                   for row, (raw, cells) in enumerate(zip(raws, rows, strict=True))]
        if strict or not self.as_published:
            return checked
        return [_as_published(c) for c in checked]

    def _rules(self, raw: m.RawEntry, values: dict[str, m.Value],
               before: _Notes | None) -> Checked:
        """The entry ``raw`` with its normalised ``values``, and every finding on it: what
        normalising found (``before``, None if nothing), then the rules' findings.

        The rules' verdict depends on the layout, which fields are given or unusable, what
        normalising found and the values of the rules' inputs, and on nothing else (their
        ``EntryView`` shows no other value), so each such combination is judged once and its
        verdict placed on every entry that has it."""
        unusable, fired, refused = (
            frozenset(before.unusable), frozenset(before.fired), frozenset(before.refused)
        ) if before else (_NONE, _NO_CODES, _NONE)
        key = (raw.placement, tuple(values), tuple(map(values.get, self._inputs)), unusable,
               fired, refused)
        verdict = self._verdicts.get(key)
        if verdict is None:
            verdict = self._verdicts[key] = self._judge(raw.placement, values, unusable, fired,
                                                        refused)
            if len(self._verdicts) > _VERDICT_LIMIT:
                self._verdicts.clear()
        findings = before.findings if before else []
        if verdict.findings:
            file = self.file
            findings.extend(replace(f, at=Location.of(file, raw, f.at.field))
                            for f in verdict.findings)
        for needed in verdict.needed:
            self.column_needed(needed.field, needed.why, raw)
        return Checked(m.Entry(MappingProxyType(values)), tuple(findings))

    def _judge(self, placement: m.Placement, values: dict[str, m.Value],
               unusable: frozenset[str], fired: frozenset[Code],
               refused: frozenset[str]) -> _Verdict:
        """Every rule, in order, on the view of an entry with these ``values``; each rule is
        shown the codes the earlier ones reported."""
        shown, ruleset = self._shown, self.ruleset
        device_type, spec, gbcs = (values.get(m.DEVICE_TYPE), values.get(m.SPEC_VERSION),
                                   values.get(m.GBCS_VERSION))
        view = EntryView(
            ruleset, self.as_of, placement,
            MappingProxyType({name: value for name, value in values.items() if name in shown}),
            frozenset(values.keys() | unusable), unusable, refused, fired,
            ruleset.device_types.get(device_type) if isinstance(device_type, str) else None,
            ruleset.exact["spec_versions"].get(spec) if isinstance(spec, str) else None,
            ruleset.exact["gbcs_versions"].get(gbcs) if isinstance(gbcs, str) else None)
        found: list[Finding] = []
        needed: list[ColumnNeeded] = []
        for rule in self.rules:
            codes: set[Code] = set()
            for item in rule(view):
                if isinstance(item, ColumnNeeded):
                    needed.append(item)
                else:
                    found.append(item)
                    codes.add(item.code)
            if not codes <= view.fired:
                view = replace(view, fired=view.fired | codes)
        return _Verdict(tuple(found), tuple(needed))

    def _allocated(self, notes: _Notes, raw: m.RawEntry, name: str, value: m.RawValue) -> None:
        if isinstance(value, str) and (not value.strip() or fold(value) in _SECAS_PLACEHOLDERS):
            return
        notes.add(make_finding(Code.V10, f"{name} is allocated by SECAS; the value given is "
                               "ignored", Location.of(self.file, raw, name)))

    def _noted(self, notes: _Notes, raw: m.RawEntry, name: str, result: Normalised,
               value: m.RawValue | None, *, strict: bool) -> None:
        """What normalising the field ``name`` of ``raw`` found: unusable, and its problems. On
        a submission, what SECAS's own check refuses as written is one error (CPL-V12) giving
        the value to type and the value read, in place of the notes on each change."""
        if result.value is None and not result.usable:
            notes.unusable.add(name)
        at = Location.of(self.file, raw, name)
        problems = result.problems
        refused = [p for p in problems if p.refused_as_written] if strict else []
        if refused:
            notes.refused.add(name)
            wanted = result.value if isinstance(result.value, str) else as_text(result.value)
            read = vba_text(value) if isinstance(value, dt.date) else as_text(value)
            notes.add(make_finding(
                Code.V12, f"{name}: type {_quoted(wanted)} (SECAS's check refuses "
                f"{_quoted(read)})", at, hint="; ".join(p.message for p in refused)
                + ": type the value exactly as given, SECAS's own check refuses it as written"))
            problems = tuple(p for p in problems if p.code != Code.V09)
        for problem in problems:
            notes.add(make_finding(problem.code, f"{name}: {problem.message}", at,
                                   hint=problem.hint))


def _as_published(checked: Checked) -> Checked:
    """An entry of a published list, judged as published: SECAS issued it, so what the rules
    say of it now (a legacy value, a certificate expired since, a field SECAS accepted empty at
    the time) is advice, never an error; acting on it is the audit's job."""
    if not any(f.severity is Severity.ERROR for f in checked.findings):
        return checked
    return Checked(checked.entry, tuple(
        replace(f, severity=Severity.WARNING) if f.severity is Severity.ERROR else f
        for f in checked.findings))


def _quoted(text: str | None) -> str:
    """A value in quotes, with line breaks and tabs shown rather than written."""
    shown = (text or "").replace("\r", "\\r").replace("\n", "\\n").replace("\t", "\\t")
    return f"'{shown}'"


def _normalise_column(plan: _FieldPlan, column: list[m.RawValue | None]
                      ) -> tuple[list[m.Value | None], list[tuple[int, Normalised]]]:
    """One field of a run of entries: each cell's normalised value (None: nothing usable), and
    the rows whose result says more (problems, or unusable), with that result. Each distinct
    value is normalised once; the cells are then looked up through C-level maps, since a bulk
    sheet has millions of cells and few distinct values in most columns."""
    cache, normaliser = plan.cache, plan.normaliser
    keys = cell_keys(column)
    # reversed, so each key keeps the value of its first cell, the one normalised in order
    distinct = dict(zip(reversed(keys), reversed(column), strict=True))
    results: dict[object, Normalised | None] = {}
    for key, value in distinct.items():
        if value is None or value == "":
            results[key] = None
            continue
        results[key] = normalised_once(cache, key, value, normaliser)
    values = {key: None if result is None else result.value for key, result in results.items()}
    noted = {key: result for key, result in results.items() if result is not None
             and (result.problems or (result.value is None and not result.usable))}
    flagged = [(row, noted[key]) for row, key in enumerate(keys) if key in noted] if noted else []
    return list(map(values.__getitem__, keys)), flagged
