"""Merge: the current list plus a change set gives the next version, or the reasons it cannot.

Checks the change set against itself and the current list (CPL-M01 to M05; M07: no two changes
set one field of one entry; the window of a new '[E] ' certificate date), allocates entry
numbers after the highest ever given, sets statuses, bumps the version number by exactly one
and writes the history line in SECAS's style. Pure: it takes records and returns records; the
registry transaction does the writing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace

from cplkit.core import model as m
from cplkit.core.changes import (
    CertificateUpdate,
    ChangeSet,
    Correction,
    NewEntry,
    Origin,
    Reinstatement,
    Rename,
)
from cplkit.core.cpa import EXPIRING_PREFIX, cpa_date
from cplkit.core.findings import Code, Finding, Severity, make_finding
from cplkit.core.products import PRODUCT_NAME_HINT, kept_product_name
from cplkit.core.wording import (
    PLAIN,
    PRODUCT_NAME,
    Added,
    CertificateChange,
    Renamed,
    StatusChange,
    Tag,
    VersionChanges,
    Wording,
    history_text,
)
from cplkit.errors import UsageError


@dataclass(frozen=True, slots=True)
class MergeResult:
    version: m.CplVersion | None  # None when an error stops the merge
    findings: tuple[Finding, ...]
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()  # certificate updates and corrections
    reinstated: tuple[str, ...] = ()

    @property
    def errors(self) -> int:
        return sum(1 for f in self.findings if f.severity is Severity.ERROR)


@dataclass(slots=True)
class _Merge:
    current: m.CplVersion | None
    changes: ChangeSet
    issue_date: dt.date
    cpa_years: int
    cpa_notice_days: int
    findings: list[Finding] = field(default_factory=list)
    #: which change set each field of each entry so far: (entry number, field) -> its origin
    claimed: dict[tuple[str, str], Origin] = field(default_factory=dict)

    def claim(self, numbers: list[str], fields: list[str], origin: Origin,
              cell_field: str) -> bool:
        """Whether the change at ``origin``, which sets ``fields`` of the entries ``numbers``,
        is the first of the change set to set any of them; if not, CPL-M07 naming the first.
        Applied in turn, the later change would silently undo the earlier one, and the history
        line would tell of both."""
        taken = [(n, f) for n in numbers for f in fields if (n, f) in self.claimed]
        if taken:
            number, name = taken[0]
            more = f" (and {len(taken) - 1} more)" if len(taken) > 1 else ""
            self.finding(Code.M07, origin, cell_field,
                         f"{name} of entry {number}{more} is already changed by "
                         f"{_where(self.claimed[number, name])} of this change set: which of "
                         "the two holds cannot be told",
                         "give each field of an entry one change in a change set")
            return False
        self.claimed.update(((n, f), origin) for n in numbers for f in fields)
        return True

    def finding(self, code: Code, origin: Origin, cell_field: str | None, message: str,
                hint: str | None = None, value: str | None = None) -> None:
        self.findings.append(make_finding(code, message, origin.location(cell_field, value),
                                          hint=hint))


def _where(origin: Origin) -> str:
    """A change's place for a message: 'row 3 of corrections.csv'."""
    row = "".join(c for c in next(iter(origin.cells.values()), "") if c.isdigit())
    sheet = f" (sheet {origin.sheet})" if origin.sheet else ""
    if row:
        return f"row {row} of {origin.file}{sheet}"
    return f"change {origin.entry} of {origin.file}{sheet}"


def merge(current: m.CplVersion | None, changes: ChangeSet, *, issue_date: dt.date,
          cpa_expiring_years: int = 6, cpa_notice_days: int = 60,
          major: bool = False, rules_note: str = "",
          wording: Wording = PLAIN) -> MergeResult:
    """The next version made from ``current`` and ``changes``, or the findings that stop it;
    ``major`` starts the next major version (2.051 -> 3.000) instead of adding one, and
    ``rules_note`` (what changed in the rules) ends the history line; with it, a version may
    change no entry at all. ``wording`` names companies and device types in the history line."""
    state = _Merge(current, changes, issue_date, cpa_expiring_years, cpa_notice_days)
    entries = list(current.entries) if current else []
    by_number = {e.number: i for i, e in enumerate(entries) if e.number}
    _check_new_entries(state, entries)
    removed = _apply_removals(state, entries, by_number)
    reinstated = _apply_reinstatements(state, entries, by_number, {n for n, _, _ in removed})
    corrected = _apply_corrections(state, entries, by_number, {n for n, _, _ in removed})
    renamed = _apply_renames(state, entries)
    updated = _apply_updates(state, entries, {n for n, _, _ in removed})
    if any(f.severity is Severity.ERROR for f in state.findings):
        return MergeResult(None, tuple(state.findings))
    if not changes and not rules_note:
        raise ValueError("an empty change set makes no new version")
    removed_models = {_model_of(entries[by_number[n]]) for n, _, _ in removed}
    highest = max((n for e in entries if (n := m.EntryNumber.parse_or_none(e.number))),
                  default=None)
    taken = highest.value if highest else 0
    if taken + len(changes.new_entries) > 999_999:
        shown = highest or "000000"
        raise UsageError(f"entry numbers would pass 999999 (the highest given is {shown} and "
                         f"{len(changes.new_entries)} new entries need numbers); nothing was "
                         "written")
    added: list[m.Entry] = []
    for offset, new in enumerate(changes.new_entries, start=1):
        values = dict(new.entry.values)
        values[m.ENTRY_NUMBER] = str(m.EntryNumber(taken + offset))
        values[m.ENTRY_STATUS] = m.Status.CURRENT.value
        # the form's product name becomes the entry's own, kept with it from now on
        product = new.entry.text(PRODUCT_NAME) or new.entry.product_name
        values.pop(PRODUCT_NAME, None)
        added.append(m.Entry.of(values, product_name=product))
    if current is None:
        number = m.VersionNumber(1, 0)
    else:
        number = current.number.next_major() if major else current.number.next()
    firmwares = _firmwares(entries) if added else {}  # those listed before this version
    text = history_text(VersionChanges(
        added=[Added(e, _tag(e, firmwares, removed_models)) for e in added],
        removed=[StatusChange(entries[by_number[n]], reason, decision)
                 for n, reason, decision in removed],
        reinstated=[StatusChange(entries[by_number[r.number]], r.reason, r.decision)
                    for r in reinstated],
        corrected=[(entries[by_number[n]], cs) for n, cs in corrected.items()],
        renamed=[Renamed(r, tuple(numbers)) for r, numbers in renamed],
        certificates=[CertificateChange(u, tuple(numbers)) for u, numbers in updated]),
        wording, rules_note)
    # every version carries the whole history before it, so publications need only the latest
    prior = (*current.prior_history, current.history_line) if current else ()
    version = m.CplVersion(number, issue_date, tuple(entries + added), text, prior)
    return MergeResult(version, tuple(state.findings), tuple(e.number or "" for e in added),
                       tuple(n for n, _, _ in removed),
                       tuple(sorted({n for _, numbers in updated for n in numbers}
                                    | set(corrected)
                                    | {n for _, numbers in renamed for n in numbers})),
                       tuple(r.number for r in reinstated))


def _model_of(entry: m.Entry) -> tuple[str | None, ...]:
    return (entry.device_type, *m.device_model(entry))


def _firmwares(entries: list[m.Entry]) -> dict[tuple[str | None, ...], set[str | None]]:
    """The firmware versions listed for each Device Model (one pass, whatever the list's size)."""
    out: dict[tuple[str | None, ...], set[str | None]] = {}
    for entry in entries:
        out.setdefault(_model_of(entry), set()).add(entry.firmware_version)
    return out


def _tag(entry: m.Entry, firmwares: dict[tuple[str | None, ...], set[str | None]],
         removed_models: set[tuple[str | None, ...]]) -> str:
    """SECAS's note on an added entry: it replaces one removed in the same version (corrected
    details), or it is a new firmware of a Device Model already listed (updated firmware)."""
    model = _model_of(entry)
    if model in removed_models:
        return Tag.CORRECTED_DETAILS
    if firmwares.get(model, set()) - {entry.firmware_version}:
        return Tag.UPDATED_FIRMWARE
    return ""


def _check_new_entries(state: _Merge, entries: list[m.Entry]) -> None:
    by_key: dict[tuple[str | None, ...], list[m.Entry]] = {}
    types_of_model: dict[tuple[str | None, ...], dict[str, str]] = {}
    for entry in entries:
        by_key.setdefault(m.entry_key(entry), []).append(entry)
        if entry.status == m.Status.CURRENT and entry.device_type:
            types_of_model.setdefault(m.device_model(entry), {}).setdefault(
                entry.device_type, entry.number or "")
    seen: dict[tuple[str | None, ...], NewEntry] = {}
    for new in state.changes.new_entries:
        key = m.entry_key(new.entry)
        where = new.origin
        if key in seen:
            first = seen[key].origin
            state.finding(Code.M01, where, m.FIRMWARE_VERSION,
                          f"the same device type, Device Model, firmware and versions as entry "
                          f"{first.entry} of {first.file}",
                          "submit each listing once", new.entry.firmware_version)
            continue
        seen[key] = new
        product = new.entry.text(PRODUCT_NAME)
        problem = kept_product_name(product) if product is not None else None
        if problem is not None:  # only an edited ruleset lets a form's name be this long
            state.finding(Code.V03, where, PRODUCT_NAME, f"the product name {problem}",
                          PRODUCT_NAME_HINT, product)
        listed = by_key.get(key, [])
        current = [e.number for e in listed if e.status == m.Status.CURRENT]
        if current:
            state.finding(Code.M02, where, m.FIRMWARE_VERSION,
                          f"already on the CPL as Current entry {', '.join(map(str, current))}",
                          "nothing to submit: this listing exists; a change of details is a "
                          "removal plus a new entry", new.entry.firmware_version)
        elif listed:
            state.finding(Code.M05, where, m.FIRMWARE_VERSION,
                          "a resubmission: this listing exists only as Removed entry "
                          + ", ".join(str(e.number) for e in listed),
                          "make sure the reason for the removal no longer applies",
                          new.entry.firmware_version)
        others = {t: n for t, n in types_of_model.get(m.device_model(new.entry), {}).items()
                  if t != new.entry.device_type}
        if others:
            state.finding(Code.M03, where, m.MODEL_ID,
                          "this Device Model (manufacturer, model, hardware) is already listed "
                          "under another device type: " + ", ".join(
                              f"{t} (entry {n})" for t, n in sorted(others.items())),
                          "check the model identifier: the DCC once rejected a CPL where two "
                          "device types shared one", new.entry.text(m.MODEL_ID))


def _apply_removals(state: _Merge, entries: list[m.Entry],
                    by_number: dict[str, int]) -> list[tuple[str, str, str]]:
    removed: list[tuple[str, str, str]] = []
    for removal in state.changes.removals:
        index = by_number.get(removal.number)
        if index is None:
            state.finding(Code.M04, removal.origin, m.ENTRY_NUMBER,
                          f"there is no entry {removal.number} on the CPL",
                          "check the entry number", removal.number)
            continue
        entry = entries[index]
        if entry.status != m.Status.CURRENT:
            state.finding(Code.M04, removal.origin, m.ENTRY_NUMBER,
                          f"entry {removal.number} is {entry.status}, not Current",
                          "only a Current entry can be removed", removal.number)
            continue
        entries[index] = entry.changed({m.ENTRY_STATUS: m.Status.REMOVED.value})
        removed.append((removal.number, removal.reason, removal.decision))
    return removed


def _current_keys(entries: list[m.Entry]) -> dict[tuple[str | None, ...], str]:
    return {m.entry_key(e): e.number or "" for e in entries if e.status == m.Status.CURRENT}


def _named_entry(state: _Merge, entries: list[m.Entry], by_number: dict[str, int],
                 removed: set[str], number: str, origin: Origin, status: m.Status,
                 hint: str) -> tuple[int, m.Entry] | None:
    """The entry a change names, if it is in the status the change needs (else CPL-M04); an
    entry removed by the same change set counts as Removed."""
    index = by_number.get(number)
    if index is None:
        state.finding(Code.M04, origin, m.ENTRY_NUMBER, f"there is no entry {number} on the CPL",
                      hint, number)
        return None
    entry = entries[index]
    if number in removed:
        state.finding(Code.M04, origin, m.ENTRY_NUMBER,
                      f"entry {number} is removed by this same change set", hint, number)
        return None
    if entry.status != status:
        state.finding(Code.M04, origin, m.ENTRY_NUMBER,
                      f"entry {number} is {entry.status}, not {status.value}", hint, number)
        return None
    return index, entry


def _apply_reinstatements(state: _Merge, entries: list[m.Entry], by_number: dict[str, int],
                          removed: set[str]) -> list[Reinstatement]:
    done: list[Reinstatement] = []
    for change in state.changes.reinstatements:
        found = _named_entry(state, entries, by_number, removed, change.number, change.origin,
                             m.Status.REMOVED, "only a Removed entry can be reinstated")
        if found is None:
            continue
        index, entry = found
        listed = _current_keys(entries).get(m.entry_key(entry))
        if listed is not None:
            state.finding(Code.M02, change.origin, m.ENTRY_NUMBER,
                          f"entry {listed} is Current with the same key: reinstating "
                          f"{change.number} would list it twice",
                          "remove the other entry in the same change set", change.number)
            continue
        entries[index] = entry.changed({m.ENTRY_STATUS: m.Status.CURRENT.value})
        done.append(change)
    return done


def _apply_corrections(state: _Merge, entries: list[m.Entry], by_number: dict[str, int],
                       removed: set[str]) -> dict[str, list[Correction]]:
    done: dict[str, list[Correction]] = {}
    for change in state.changes.corrections:
        found = _named_entry(state, entries, by_number, removed, change.number, change.origin,
                             m.Status.CURRENT,
                             "only a Current entry is corrected in place; reinstate it first")
        if found is None:
            continue
        index, entry = found
        if change.field == PRODUCT_NAME:
            _correct_product_name(state, entries, index, change, done)
            continue
        # what the files carry is the issued text: a correction that leaves it as it is
        # changes nothing a reader sees
        if _issued_text(entry, change.field) == m.as_text(change.new_value):
            state.finding(Code.M04, change.origin, "new_value",
                          f"entry {change.number} already has {change.field} "
                          f"{m.as_text(change.new_value)}", "leave this row out",
                          m.as_text(change.new_value))
            continue
        corrected = entry.changed({change.field: change.new_value})
        others = {k: n for k, n in _current_keys(entries).items() if n != change.number}
        if m.entry_key(corrected) in others:
            state.finding(Code.M02, change.origin, "new_value",
                          f"the corrected entry {change.number} would have the same key as "
                          f"Current entry {others[m.entry_key(corrected)]}",
                          "check the corrected value", m.as_text(change.new_value))
            continue
        if not state.claim([change.number], [change.field], change.origin, "new_value"):
            continue
        entries[index] = corrected
        done.setdefault(change.number, []).append(change)
    return done


def _correct_product_name(state: _Merge, entries: list[m.Entry], index: int,
                          change: Correction, done: dict[str, list[Correction]]) -> None:
    """A correction of the entry's product name: registry metadata, so no key or issued value
    changes, but the history line tells of it like any correction."""
    entry, name = entries[index], m.as_text(change.new_value) or ""
    problem = kept_product_name(name)
    if problem is not None:
        state.finding(Code.V03, change.origin, "new_value", f"the product name {problem}",
                      PRODUCT_NAME_HINT, name)
        return
    if entry.product_name == name:
        state.finding(Code.M04, change.origin, "new_value",
                      f"entry {change.number} already has {change.field} {name}",
                      "leave this row out", name)
        return
    if state.claim([change.number], [change.field], change.origin, "new_value"):
        entries[index] = replace(entry, product_name=name)
        done.setdefault(change.number, []).append(change)


def _twins(entries: list[m.Entry]) -> int:
    keys = [m.entry_key(e) for e in entries if e.status == m.Status.CURRENT]
    return len(keys) - len(set(keys))


def _issued_text(entry: m.Entry, field: str) -> str | None:
    """A field's text as the files carry it: as SECAS issued it, or the canonical value."""
    value = entry.published(field)
    return None if value is None else m.as_text(value)


def _apply_renames(state: _Merge, entries: list[m.Entry]) -> list[tuple[Rename, list[str]]]:
    """Every entry, Current or Removed, that carries the old text gets the new one: the list
    reads one way throughout, as after SECAS's rename at 1.23. The text matched is the text as
    issued (what the files carry, not its tidied form), so the diff, the history line and the
    files agree on which entries changed."""
    done: list[tuple[Rename, list[str]]] = []
    for rename in state.changes.renames:
        if m.as_text(rename.new_value) == rename.old_value:
            state.finding(Code.M04, rename.origin, "new_value",
                          f"renaming '{rename.old_value}' to itself changes nothing",
                          "leave this row out", rename.old_value)
            continue
        targets = [i for i, e in enumerate(entries)
                   if _issued_text(e, rename.field) == rename.old_value]
        if not targets:
            state.finding(Code.M04, rename.origin, "old_value",
                          f"no entry has {rename.field} '{rename.old_value}'",
                          "give the text exactly as the list carries it", rename.old_value)
            continue
        renamed = {i: entries[i].changed({rename.field: rename.new_value}) for i in targets}
        after = [renamed.get(i, e) for i, e in enumerate(entries)]
        if _twins(after) > _twins(entries):  # an imported list may hold twins already
            state.finding(Code.M02, rename.origin, "new_value",
                          f"renaming '{rename.old_value}' would give two Current entries the "
                          "same key", "check the new text", m.as_text(rename.new_value))
            continue
        if not state.claim([entries[i].number or "" for i in targets], [rename.field],
                           rename.origin, "new_value"):
            continue
        entries[:] = after
        done.append((rename, [entries[i].number or "" for i in targets]))
    return done


def _apply_updates(state: _Merge, entries: list[m.Entry],
                   removed: set[str]) -> list[tuple[CertificateUpdate, list[str]]]:
    done: list[tuple[CertificateUpdate, list[str]]] = []
    for update in state.changes.updates:
        targets = [i for i, e in enumerate(entries)
                   if e.text(m.CPA_ID) == update.certificate
                   and e.status == m.Status.CURRENT and e.number not in removed
                   and update.number in (None, e.number)]
        if not targets and update.number is not None:
            state.finding(Code.M04, update.origin, m.ENTRY_NUMBER,
                          f"entry {update.number} is not a Current entry carrying the CPA "
                          f"certificate {update.certificate}",
                          "check the entry number, or leave it out to update every entry "
                          "with the certificate", update.number)
            continue
        if not targets:
            state.finding(Code.M04, update.origin, m.CPA_ID,
                          f"no Current entry carries the CPA certificate {update.certificate}",
                          "check the certificate id, prefix included", update.certificate)
            continue
        if not _certificate_dates_hold(state, update, [entries[i] for i in targets]):
            continue
        numbers = []
        changes: dict[str, m.Value | None] = {}
        if update.new_certificate:
            changes[m.CPA_ID] = update.new_certificate
        if update.new_expiry:
            changes[m.CPA_EXPIRY] = update.new_expiry
        if not state.claim([entries[i].number or "" for i in targets], list(changes),
                           update.origin, "new_identification_number"
                           if update.new_certificate else "new_expiry_date"):
            continue
        for i in targets:
            entries[i] = entries[i].changed(changes)
            numbers.append(entries[i].number or "")
        done.append((update, numbers))
    return done


def _certificate_dates_hold(state: _Merge, update: CertificateUpdate,
                            targets: list[m.Entry]) -> bool:
    """Whether every Current entry the update touches ends with a certificate date a
    submission could carry (``cplkit.core.cpa``); a warning does not stop it."""
    certificate = update.new_certificate or update.certificate
    warned = False
    for entry in targets:
        date = update.new_expiry or entry.cpa_expiry_date
        if date is None:
            if certificate.startswith(EXPIRING_PREFIX):
                state.finding(Code.V01, update.origin, "new_expiry_date",
                              f"the expiring certificate {certificate} needs its expiry date: "
                              f"entry {entry.number} has none",
                              "give the date printed on the certificate as new_expiry_date")
                return False
            continue
        verdict = cpa_date(certificate, date, state.issue_date, years=state.cpa_years,
                           notice_days=state.cpa_notice_days)
        problem = verdict.problem
        if problem is None or (warned and not verdict.blocks):
            continue
        cell = "new_expiry_date" if update.new_expiry else m.CPA_ID
        state.finding(problem.code, update.origin, cell,
                      f"{problem.message} (entry {entry.number})", problem.hint,
                      value=m.as_text(date, m.DateStyle.ISO))
        if verdict.blocks:
            return False
        warned = True
    return True
