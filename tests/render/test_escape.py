"""The one helper every human output shows outside text through: control, escape, direction and
line-break characters visible, on one line."""

from __future__ import annotations

from cplkit.render.escape import block, one_line

HOSTILE = "evil\x1b[2J\x1b]0;pwned\x07\u202eabc\r\n### forged"


def test_one_line_shows_every_control_and_break() -> None:
    assert one_line(HOSTILE) == ("evil\\u001b[2J\\u001b]0;pwned\\u0007\\u202eabc\\r\\n"
                                 "### forged")
    assert one_line("tab\there\u2028\x85") == "tab\\there\\u2028\\u0085"
    assert one_line("plain text, unchanged") == "plain text, unchanged"


def test_block_keeps_the_lines_and_shows_the_rest() -> None:
    assert block("one\r\ntwo\x1b\rthree") == ["one", "two\\u001b", "three"]
    assert block("") == []
