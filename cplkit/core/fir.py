"""What the Firmware Information Repository gets: each entry's FIR contact and release notes.

SECAS passes these to the Firmware Information Repository, which SEC parties read after logging
in; they are never part of the public DCC file, page or workbook. A submission carries them; the
list does not, so each version's records are the previous version's plus those of the entries it
adds, with every entry's status as of this version. Pure: records in, records out; the fields are
the ruleset's 'FIR contact' group, handed in.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from cplkit.core import model as m

#: the ruleset's field group that holds the FIR contact and release notes
FIR_GROUP = "FIR contact"


@dataclass(frozen=True, slots=True)
class FirRecord:
    """One entry's FIR details: the entry it belongs to and its non-empty FIR fields."""

    number: str
    status: str
    values: Mapping[str, str]


def fir_records(version: m.CplVersion, fields: Sequence[str],
                before: Iterable[FirRecord]) -> tuple[FirRecord, ...]:
    """The FIR records of ``version``: those ``before`` holds, or, for an entry without one, its
    own FIR fields (a new entry); entries with none are left out. In entry order."""
    kept = {r.number: r for r in before}
    out = []
    for entry in version.entries:
        number = entry.number or ""
        old = kept.get(number)
        values = dict(old.values) if old else {
            f: text for f in fields if (text := m.as_text(entry.get(f)))}
        if values:
            out.append(FirRecord(number, entry.status or "", values))
    return tuple(out)
