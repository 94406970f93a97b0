"""Typed memo tables for rules whose verdict depends on a few values only.

A bulk sheet repeats the same device types, versions and layout on every row, so some rules work
a plan out once and reuse it. Each such rule names its table with a ``Slot``, which carries the
key and value types, and a ``Validator`` keeps one ``Memo`` per file, so nothing is shared
between files or rulesets. This module knows nothing about rules or entries.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Slot(Generic[K, V]):
    """One memo table: keys of type ``K`` to values of type ``V``, named for error messages."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"Slot({self.name!r})"


class Memo:
    """The memo tables of one validation run."""

    __slots__ = ("_tables",)

    def __init__(self) -> None:
        self._tables: dict[Slot[Any, Any], dict[Any, Any]] = {}

    def get(self, slot: Slot[K, V], key: K, make: Callable[[], V]) -> V:
        """The value memoised for ``key``, made (once) by ``make`` if there is none yet."""
        table = self._tables.get(slot)
        if table is None:
            table = self._tables[slot] = {}
        if key in table:
            value: V = table[key]
            return value
        value = table[key] = make()
        return value
