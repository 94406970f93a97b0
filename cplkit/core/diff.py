"""Differences between two CPL versions: entries added, removed, and amended field by field.

An entry is matched by its number. "Removed" means its status became Removed (entries are never
deleted); any other change of a field is an amendment, such as a certificate updated in place.
Pure: versions in, a ``Diff`` record out; rendering is the CLI's.
"""

from __future__ import annotations

from dataclasses import dataclass

from cplkit.core import model as m


@dataclass(frozen=True, slots=True)
class Amendment:
    number: str
    field: str
    old: m.Issued | None
    new: m.Issued | None


@dataclass(frozen=True, slots=True)
class Diff:
    old: str
    new: str
    added: tuple[m.Entry, ...]
    removed: tuple[m.Entry, ...]
    amended: tuple[Amendment, ...]
    #: entries of the old version missing from the new one: never expected, always reported
    missing: tuple[m.Entry, ...]

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.amended or self.missing)


def diff(old: m.CplVersion, new: m.CplVersion) -> Diff:
    before = old.by_number()
    after = new.by_number()
    added = tuple(e for n, e in after.items() if n not in before)
    missing = tuple(e for n, e in before.items() if n not in after)
    removed: list[m.Entry] = []
    amended: list[Amendment] = []
    for number, entry in after.items():
        previous = before.get(number)
        # compared as issued: what the files carry is what a reader sees change
        was_issued, now_issued = previous.published_values() if previous else {}, \
            entry.published_values()
        if previous is None or was_issued == now_issued:
            continue
        if previous.status == m.Status.CURRENT and entry.status == m.Status.REMOVED:
            removed.append(entry)
        for name in sorted(set(was_issued) | set(now_issued)):
            if name == m.ENTRY_STATUS and entry in removed:
                continue
            was, now = was_issued.get(name), now_issued.get(name)
            if was != now and m.as_text(was) != m.as_text(now):
                amended.append(Amendment(number, name, was, now))
    return Diff(str(old.number), str(new.number), added, tuple(removed), tuple(amended), missing)
