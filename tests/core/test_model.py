"""Version numbers count as SECAS counts them, and labels read as SECAS writes them."""

from __future__ import annotations

import datetime as dt

import pytest

from cplkit.core.model import VersionNumber, version_label


@pytest.mark.parametrize(("now", "after"), [
    ("1.0", "1.1"), ("1.9", "1.10"), ("1.10", "1.11"), ("2.000", "2.001"), ("2.051", "2.052"),
    ("2.099", "2.100"), ("2.999", "2.1000"),
])
def test_each_version_adds_exactly_one(now: str, after: str) -> None:
    assert str(VersionNumber.parse(now).next()) == after


@pytest.mark.parametrize(("now", "major"), [("1.293", "2.000"), ("2.051", "3.000"), ("1.9", "2.0")])
def test_a_major_version_starts_at_zero_in_the_same_width(now: str, major: str) -> None:
    before = VersionNumber.parse(now)
    assert str(before.next_major()) == major
    assert before.next_major().follows(before) and before.next().follows(before)
    # a skipped version, a second major step, or going back never follows
    for other in (before.next().next(), before.next_major().next_major(), before):
        assert not other.follows(before)


def test_the_counter_is_not_a_decimal() -> None:
    assert VersionNumber.parse("1.10") > VersionNumber.parse("1.9")
    assert VersionNumber.parse("2.000") > VersionNumber.parse("1.99")


FULLWIDTH_TWO = "\uff12"


@pytest.mark.parametrize("text", ["2", "2.", ".051", "2.05a", "v2.051", "2.051.1",
                                  f"{FULLWIDTH_TWO}.051"])
def test_not_a_version_number(text: str) -> None:
    with pytest.raises(ValueError, match="not a CPL version number"):
        VersionNumber.parse(text)


def test_label() -> None:
    assert version_label(VersionNumber.parse("2.052"), dt.date(2026, 11, 23)) == \
        "Version 2.052 Issued on 23-11-2026"
