"""Text from outside cplkit (a certificate's subject, a reason, a company name, a file name, a
value) made safe to show on one line of human output: a terminal, a GitHub step summary or
annotation, Markdown, plain text.

Every control and escape character is written as a visible escape (``core.text.visible``: ESC
is ``\\u001b``, a right-to-left override ``\\u202e``), and so are the line breaks and tabs
``visible`` leaves alone, as ``\\n``, ``\\r`` and ``\\t``: in a one-line field a line break
would start a line of its own (a heading in a step summary, a forged line in a listing). The
reader still sees that the character is there. It never changes what is stored or issued, and
HTML has its own escaping on top (autoescaped templates).
"""

from __future__ import annotations

from cplkit.core.text import visible

#: the line breaks and tab, written as a reader knows them; ``visible`` keeps LF and tab as
#: themselves (a block of text may hold them), and one line may not
_BREAKS = str.maketrans({"\n": "\\n", "\r": "\\r", "\t": "\\t",
                         "\u2028": "\\u2028", "\u2029": "\\u2029"})


def one_line(value: object) -> str:
    """``value`` as text on one line, every control, escape, direction or line-break character
    shown as an escape."""
    # the breaks first, so CR reads as \r rather than visible's \u000d
    return visible(str(value).translate(_BREAKS))


def block(text: str) -> list[str]:
    """A text of several lines (a history line's changes) as its lines, each made safe as
    ``one_line`` makes it: the breaks between lines are kept, nothing else."""
    if not text:
        return []
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return [one_line(line) for line in lines]
