"""Reading the master list, called directly (``cplkit.app.reading``, ``cplkit.app.figures``):
the history, one entry, a filtered listing, a diff, the audit's verdict and the policy, each as
the record the commands render."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from cplkit.app import figures, reading
from cplkit.app.publish import publish
from cplkit.core import model as m
from cplkit.core.audit import AuditItem
from cplkit.errors import NotFound, RegistryError
from tests.conftest import SAMPLES, utc_now


def test_history_and_one_entry(published_registry: Path) -> None:
    (line,) = reading.history(published_registry)
    assert (line.version, line.date) == ("1.0", "2026-11-23")
    entry = reading.entry(published_registry, "3")  # as Excel leaves 000003
    assert entry.number == "000003" and entry.status == m.Status.CURRENT
    assert reading.entry(published_registry, "000003", "1.0") == entry
    with pytest.raises(NotFound, match=r"no entry 000099 in version 1\.0"):
        reading.entry(published_registry, "99")


def test_a_filtered_listing(published_registry: Path) -> None:
    every = reading.entries(published_registry, reading.EntryFilter())
    assert [e.number for e in every] == [f"{n:06}" for n in range(1, 9)]
    hubs = reading.entries(published_registry, reading.EntryFilter(device_type="hub"))
    assert hubs and all(e.device_type == "Communications Hub" for e in hubs)
    # a manufacturer by its id, in either spelling, or by part of its name
    by_id = reading.entries(published_registry, reading.EntryFilter(manufacturer="123e"))
    by_name = reading.entries(published_registry,
                              reading.EntryFilter(manufacturer="example meters"))
    assert by_id == every
    # 000008 (SMETS1) names no image creator, and the names register no company
    assert by_name == every[:7]
    assert reading.entries(published_registry, reading.EntryFilter(status="Removed")) == []


def test_a_diff_between_versions(published_registry: Path, identity: Any) -> None:
    publish(published_registry, [SAMPLES / "valid" / "form-ppmid.xlsx"], None,
            dt.date(2026, 11, 26), identity, now=utc_now())
    change = reading.difference(published_registry, "1.0", "1.1")
    assert (change.old, change.new) == ("1.0", "1.1")
    assert [e.number for e in change.added] == ["000009"] and bool(change)
    assert not reading.difference(published_registry, "1.1", "1.1")
    changes = figures.version_changes(published_registry)
    assert [c.version for c in changes] == ["1.0", "1.1"]
    assert changes[-1].added == ("000009",)


def test_the_audit_and_its_verdict(published_registry: Path, ruleset: Any) -> None:
    assert reading.audit_latest(published_registry, ruleset, dt.date(2026, 11, 23), 90) == []
    # the bulk sample's lifetime certificate is due for renewal by 2031
    later = reading.audit_latest(published_registry, ruleset, dt.date(2031, 1, 1), 90)
    assert later and all(isinstance(i, AuditItem) for i in later)
    assert reading.audit_fails(later, "any")
    assert reading.audit_fails(later, "expired") == any(i.reason in reading.PAST for i in later)
    assert not reading.audit_fails([], "any")


def test_the_policy_and_the_companies(published_registry: Path, identity: Any) -> None:
    record = reading.policy(published_registry)
    assert [s.sha256 for s in record.signers] == [identity.fingerprint]
    assert record.required == 0 and record.approvers == ()
    assert reading.companies(published_registry) == {}


def test_a_year_report_and_the_proliferation(published_registry: Path) -> None:
    report = figures.year_report(published_registry, figures.default_year(dt.date(2026, 11, 23)))
    assert report.latest == "1.0" and report.companies == {}
    proliferation, companies = figures.proliferation(published_registry)
    assert proliferation is not None and companies == {}


def test_an_empty_registry_is_refused_not_read_as_empty(tmp_path: Path, identity: Any) -> None:
    from cplkit.app.trust import init_registry

    init_registry(tmp_path / "empty", identity, now=utc_now())
    with pytest.raises(RegistryError):
        reading.entries(tmp_path / "empty", reading.EntryFilter())
