"""JSON parsed strictly: a duplicate key, a number of absurd length, NaN or Infinity, or nesting
deeper than a limit is an error naming the document, never a silent last-value-wins, a
``RecursionError`` or minutes spent converting a 100,000-digit number.

It parses only; what a document must contain is each reader's schema. The caller picks the
exception class, so a registry file that fails is the registry's error and a ruleset a usage
error.
"""

from __future__ import annotations

import json
from typing import Any

from cplkit.errors import CplkitError

#: the longest number (in characters) any cplkit document holds: counts, years, version parts
MAX_NUMBER_CHARS = 40
#: the deepest nesting any cplkit document has is under ten levels; this leaves room
MAX_DEPTH = 64


class _Refused(ValueError):
    pass


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _Refused(f"the key {key!r} appears twice in one object")
        out[key] = value
    return out


def _integer(text: str) -> int:
    if len(text) > MAX_NUMBER_CHARS:
        raise _Refused(f"a number of {len(text)} digits")
    return int(text)


def _real(text: str) -> float:
    if len(text) > MAX_NUMBER_CHARS:
        raise _Refused(f"a number of {len(text)} characters")
    return float(text)


def _constant(name: str) -> Any:
    raise _Refused(f"{name} is not a JSON number")


def _too_deep(doc: Any, limit: int) -> bool:
    """Whether ``doc`` nests deeper than ``limit``; iterative, so depth costs no stack."""
    stack: list[tuple[Any, int]] = [(doc, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            children: Any = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children
                     if isinstance(child, dict | list))
    return False


def loads(data: bytes | str, what: str, error: type[CplkitError], *,
          max_depth: int = MAX_DEPTH, hint: str | None = None) -> Any:
    """The document in ``data`` (``what`` names it in an error), parsed strictly."""
    try:
        doc = json.loads(data, object_pairs_hook=_pairs, parse_int=_integer,
                         parse_float=_real, parse_constant=_constant)
    except _Refused as exc:
        raise error(f"{what} is not valid: {exc}", hint=hint) from None
    except RecursionError:
        raise error(f"{what} is not valid: it nests deeper than {max_depth} levels",
                    hint=hint) from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise error(f"{what} is not valid JSON: {exc}", hint=hint) from None
    if _too_deep(doc, max_depth):
        raise error(f"{what} is not valid: it nests deeper than {max_depth} levels", hint=hint)
    return doc
