"""Reading the master list: history, one entry, a filtered listing, a diff, an audit, the trusted
certificates.

The library behind ``cplkit history``, ``show``, ``list``, ``diff``, ``audit`` and ``trust list``:
each reads the registry (checking every file it reads against its recorded digest) and returns
records. Rendering them is ``cplkit.render``'s job.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from cplkit.app.policy import record_of
from cplkit.core import model as m
from cplkit.core.audit import WITHDRAWN_REASONS, AuditItem, Superseded, audit, superseded
from cplkit.core.diff import Diff, diff
from cplkit.core.ruleset import Ruleset
from cplkit.errors import NotFound
from cplkit.registry import Registry
from cplkit.registry.codec import PolicyRecord


def history(registry: Path) -> list[m.HistoryLine]:
    return Registry(registry).history()


def entry(registry: Path, number: str, version: str | None = None) -> m.Entry:
    """One entry by its number (000733, or 733 as Excel leaves it)."""
    stored = Registry(registry).read(version)
    wanted = m.EntryNumber.restored(number) or number
    found = stored.version.by_number().get(wanted)
    if found is None:
        raise NotFound(f"there is no entry {wanted} in version {stored.version.number}")
    return found


@dataclass(frozen=True, slots=True)
class EntryFilter:
    """What ``cplkit list`` keeps; every condition given must hold."""

    manufacturer: str | None = None  # id (10:6C or 106C), or part of the company or creator
    device_type: str | None = None  # part of the device type, any case
    status: str | None = None

    def keeps(self, e: m.Entry, companies: Mapping[str, str] | None = None) -> bool:
        """Whether ``e`` passes; ``companies`` (the names register) lets a company's name
        find its entries."""
        if self.status and (e.status or "").lower() != self.status.lower():
            return False
        if self.device_type and self.device_type.lower() not in (e.device_type or "").lower():
            return False
        if self.manufacturer:
            wanted = self.manufacturer.replace(":", "").upper()
            ident = (e.text(m.MANUFACTURER_ID) or "").replace(":", "")
            names = (e.text(m.IMAGE_CREATOR) or "") + "\n" + (companies or {}).get(
                e.text(m.MANUFACTURER_ID) or "", "")
            if ident != wanted and self.manufacturer.lower() not in names.lower():
                return False
        return True


def entries(registry: Path, keep: EntryFilter, version: str | None = None) -> list[m.Entry]:
    reg = Registry(registry)
    named = record_of(reg).companies()
    return [e for e in reg.read(version).version.entries if keep.keeps(e, named)]


def companies(registry: Path) -> dict[str, str]:
    """The names register: company name by manufacturer id."""
    return record_of(Registry(registry)).companies()


def difference(registry: Path, old: str, new: str) -> Diff:
    reg = Registry(registry)
    head = reg.head()
    return diff(reg.read(old, head=head).version, reg.read(new, head=head).version)


def audit_latest(registry: Path, ruleset: Ruleset, as_of: dt.date,
                 within_days: int) -> list[AuditItem]:
    """The audit of the latest version, with the certificates the policy records as
    withdrawn."""
    reg = Registry(registry)
    return audit(reg.read().version, ruleset, as_of, within_days, record_of(reg).withdrawn)


def superseded_latest(registry: Path) -> list[Superseded]:
    """The latest version's Current entries whose firmware a later entry of the same Device
    Model replaces, each with the version (and date) that added it."""
    from cplkit.app.figures import version_changes

    added = {number: (change.version, change.date)
             for change in version_changes(registry) for number in change.added}
    return superseded(Registry(registry).read().version, added)


#: what past its date means for ``audit --fail-on``; the rest of the reasons are 'expiring'
PAST = frozenset({"cpa-expired", "cpa-renewal-overdue", "maintenance-over",
                  *WITHDRAWN_REASONS.values()})


def audit_fails(items: list[AuditItem], fail_on: str) -> bool:
    """Whether ``audit --fail-on`` (expired, expiring or any) fails on these items."""
    if fail_on == "any":
        return bool(items)
    past = any(i.reason in PAST for i in items)
    return past if fail_on == "expired" else any(i.reason not in PAST for i in items)


def policy(registry: Path) -> PolicyRecord:
    """The policy in force (signers, approvers, threshold), its chain verified."""
    return record_of(Registry(registry))
