"""The publish use case called directly: the record it returns says what was checked, merged,
changed and issued, and a dry run or a refused change issues nothing."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from cplkit.app import reading
from cplkit.app.publish import publish
from cplkit.registry import Registry
from tests.conftest import SAMPLES, utc_now

DAY = dt.date(2026, 11, 26)
PPMID = SAMPLES / "valid" / "form-ppmid.xlsx"
BAD = SAMPLES / "invalid" / "V05-unknown-device-type.xlsx"


def test_a_publish_returns_the_version_it_issued(published_registry: Path,
                                                 identity: Any) -> None:
    outcome = publish(published_registry, [PPMID], None, DAY, identity, now=utc_now())
    assert outcome.ok and not outcome.dry_run and outcome.base == "1.0"
    assert outcome.issued is not None
    assert str(outcome.issued.version.number) == "1.1"
    assert outcome.issued.version.issue_date == DAY
    assert outcome.merged is not None and outcome.merged.added == ("000009",)
    assert outcome.merged.version == outcome.issued.version
    assert outcome.diff is not None
    assert [e.number for e in outcome.diff.added] == ["000009"]
    assert not (outcome.diff.removed or outcome.diff.amended or outcome.diff.missing)
    # what the registry now holds is what the record says was issued
    assert [line.version for line in reading.history(published_registry)][-1] == "1.1"
    assert Registry(published_registry).read().version == outcome.issued.version


def test_a_dry_run_returns_the_same_findings_and_issues_nothing(published_registry: Path,
                                                                identity: Any) -> None:
    outcome = publish(published_registry, [PPMID], None, DAY, None, dry_run=True,
                      now=utc_now())
    assert outcome.ok and outcome.dry_run and outcome.issued is None
    assert outcome.merged is not None and outcome.merged.added == ("000009",)
    signed = publish(published_registry, [PPMID], None, DAY, identity, dry_run=True,
                     now=utc_now())
    assert signed.issued is None and signed.merged == outcome.merged
    assert [line.version for line in reading.history(published_registry)] == ["1.0"]


def test_an_error_is_a_record_not_an_issue(published_registry: Path, identity: Any) -> None:
    outcome = publish(published_registry, [BAD], None, DAY, identity, now=utc_now())
    assert not outcome.ok and outcome.issued is None
    found = [(f.code, f.cell) for r in outcome.report.files for f in r.findings]
    assert ("CPL-V05", "G9") in found
    assert outcome.report.errors == 1
    assert [line.version for line in reading.history(published_registry)] == ["1.0"]
