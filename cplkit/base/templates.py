"""The one template engine for documents people read: Jinja2, with autoescaping on.

Templates are files in ``cplkit/templates/`` (a designer changes a page there without touching
Python). Every value a template prints is escaped unless the template says otherwise, and an
undefined name is an error, never an empty string. HTML documents extend ``layout.html.j2``,
the self-contained shell of ``cplkit.base.html`` (its Content-Security-Policy forbids every
network request). Plain-text templates (``.txt.j2``) are not escaped: they are not markup.
"""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from cplkit.base.html import CSP, STYLE

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


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
