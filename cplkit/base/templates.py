"""The one template engine for documents people read: Jinja2, with autoescaping on.

Templates are files in ``cplkit/templates/`` (a designer changes a page there without touching
Python). Every value a template prints is escaped unless the template says otherwise, and an
undefined name is an error, never an empty string. HTML documents extend ``layout.html.j2``,
the self-contained shell of ``cplkit.base.html`` (its Content-Security-Policy forbids every
network request). Plain-text templates (``.txt.j2``) are not escaped: they are not markup.
One filter, ``hex_breaks``, lets a long hex value wrap between its bytes.
"""

from __future__ import annotations

import io
import re
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from cplkit.base.html import CSP, STYLE

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


#: colon-separated hex longer than 8 bytes (a 32-byte image hash): a firmware version or an id
#: is short enough to stay on one line, and a browser breaks at a <wbr> even where white-space
#: says not to
_LONG_HEX = re.compile("[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){8,}")


def hex_breaks(value: str) -> Markup:
    """``value`` escaped; if it is a long colon-separated hex value (a 32-byte hash), with a
    line-break opportunity after each colon, so it wraps between bytes, never inside one.
    Anything else is left as it is."""
    if not _LONG_HEX.fullmatch(value):
        return escape(value)
    return Markup(":<wbr>").join(value.split(":"))


@cache
def _environment() -> Environment:
    environment = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(enabled_extensions=("html", "html.j2"),
                                     default_for_string=True, default=False),
        undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
        keep_trailing_newline=True)
    # the style sheet is cplkit's own constant, never input: it goes in as markup
    environment.globals.update(csp=CSP, style=Markup(STYLE))  # noqa: S704
    environment.filters["hex_breaks"] = hex_breaks
    return environment


def render(name: str, **values: Any) -> str:
    """The template ``name`` filled in with ``values``."""
    return _environment().get_template(name).render(**values)


def render_bytes(name: str, **values: Any) -> bytes:
    """The template ``name`` filled in with ``values``, as UTF-8, streamed out in batches:
    a page of 72,900 entries is some 15 million pieces, which ``render`` would hold all at
    once before joining them."""
    buffer = io.BytesIO()
    stream = _environment().get_template(name).stream(**values)
    stream.enable_buffering(size=4096)
    stream.dump(buffer, encoding="utf-8")
    return buffer.getvalue()
