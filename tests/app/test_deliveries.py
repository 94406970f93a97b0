"""Deliveries to the DCC, called directly (``cplkit.app.deliveries``): the records a delivery
and its acknowledgement make, each version's state, and what is overdue."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import pytest

from cplkit.app import deliveries
from cplkit.core.tracking import DeliveryState
from cplkit.errors import NotFound, UsageError

SENT = dt.datetime(2026, 11, 24, 16, 0, tzinfo=dt.UTC)


def test_a_delivery_names_the_dcc_file_as_issued(published_registry: Path) -> None:
    made = deliveries.record(published_registry, "1.0", "DCC", "DEL-1", "SFTP", SENT)
    issued = published_registry / "versions" / "1.0" / "cpl-1.0.xml"
    assert (made.version, made.file, made.to, made.reference, made.via) == (
        "1.0", "cpl-1.0.xml", "DCC", "DEL-1", "SFTP")
    assert made.sha256 == hashlib.sha256(issued.read_bytes()).hexdigest()
    assert made.sent.startswith("2026-11-24T16:00") and made.acknowledgement is None
    (state,) = deliveries.deliveries(published_registry)
    assert state.delivery == made and state.state is DeliveryState.DELIVERED
    with pytest.raises(UsageError, match="delivered already"):
        deliveries.record(published_registry, "1.0", "DCC", "again", None, SENT)


def test_an_acknowledgement_completes_the_delivery(published_registry: Path) -> None:
    with pytest.raises(NotFound, match="no delivery recorded"):
        deliveries.acknowledge(published_registry, "1.0", "ACK-1", None, SENT)
    deliveries.record(published_registry, "1.0", "DCC", "DEL-1", None, SENT)
    with pytest.raises(UsageError, match="before the file was sent"):
        deliveries.acknowledge(published_registry, "1.0", "ACK-1", dt.date(2026, 11, 23), SENT)
    done = deliveries.acknowledge(published_registry, "1.0", "ACK-1", dt.date(2026, 11, 25),
                                  SENT + dt.timedelta(days=1))
    assert done.acknowledgement is not None
    assert (done.acknowledgement.reference, done.acknowledgement.loaded_on) == (
        "ACK-1", "2026-11-25")
    (state,) = deliveries.deliveries(published_registry)
    assert state.state is DeliveryState.ACKNOWLEDGED


def test_a_delivery_is_refused_before_the_issue_and_with_a_two_line_reference(
        published_registry: Path) -> None:
    with pytest.raises(UsageError, match=r"before version 1\.0 was issued"):
        deliveries.record(published_registry, "1.0", "DCC", "DEL-1", None,
                          dt.datetime(2026, 11, 22, tzinfo=dt.UTC))
    with pytest.raises(UsageError, match="--reference must be one line"):
        deliveries.record(published_registry, "1.0", "DCC", "DEL\n1", None, SENT)
    assert deliveries.deliveries(published_registry)[0].delivery is None


def test_overdue_lists_what_is_not_delivered_or_not_acknowledged(
        published_registry: Path) -> None:
    # issued 23/11/2026
    assert deliveries.overdue_versions(published_registry, dt.date(2026, 11, 25), 3) == []
    (late,) = deliveries.overdue_versions(published_registry, dt.date(2026, 11, 30), 3)
    assert (late.version, late.issue_date, late.state) == (
        "1.0", dt.date(2026, 11, 23), DeliveryState.NOT_DELIVERED)
    deliveries.record(published_registry, "1.0", "DCC", "DEL-1", None, SENT)
    (late,) = deliveries.overdue_versions(published_registry, dt.date(2026, 11, 30), 3)
    assert late.state is DeliveryState.DELIVERED  # sent, never acknowledged
    deliveries.acknowledge(published_registry, "1.0", "ACK-1", None, SENT)
    assert deliveries.overdue_versions(published_registry, dt.date(2026, 11, 30), 3) == []
