"""Version numbers count as SECAS counts them, labels read as SECAS writes them, and an entry
number is six digits, 000001 to 999999, wherever it is read."""

from __future__ import annotations

import datetime as dt

import pytest

from cplkit.core.model import EntryNumber, VersionNumber, version_label


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


@pytest.mark.parametrize("text", ["000001", "000733", "999999"])
def test_an_entry_number_reads_back_as_written(text: str) -> None:
    assert str(EntryNumber.parse(text)) == text


@pytest.mark.parametrize("text", ["000000", "733", "0000733", " 000733", "00073a", "\uff10" * 6,
                                  "\u0661" * 6, ""])
def test_not_an_entry_number(text: str) -> None:
    with pytest.raises(ValueError, match="6-digit entry number from 000001 to 999999"):
        EntryNumber.parse(text)
    assert EntryNumber.parse_or_none(text) is None


def test_entry_numbers_order_by_value_and_stay_in_range() -> None:
    assert EntryNumber.parse("000099") < EntryNumber.parse("000100") < EntryNumber(999_999)
    for outside in (0, 1_000_000, -1):
        with pytest.raises(ValueError):
            EntryNumber(outside)


def test_the_zeros_excel_dropped_are_put_back_and_nothing_else() -> None:
    assert EntryNumber.restored("733") == "000733"
    assert EntryNumber.restored("0") == "000000"  # put back, for parse to refuse
    assert [EntryNumber.restored(t) for t in ("000733", "1234567", "7a", "\u0661")] == [None] * 4
    assert EntryNumber.in_history("0000139") == EntryNumber.in_history("00139") == "000139"
