"""Compiles the checkout's bytecode before a benchmark runs, as ``pip install`` compiles an
installed package: every figure is then that of an installed cplkit, not one that compiles its
modules at every start (which a checkout does when, as on the team's machines,
``PYTHONDONTWRITEBYTECODE`` is set: about 0.15 s a process). Measures nothing itself."""

from __future__ import annotations

import compileall
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parent.parent


def compile_checkout() -> None:
    """Write ``__pycache__`` for every module of the checkout's cplkit (compileall writes
    whatever ``PYTHONDONTWRITEBYTECODE`` says: that setting stops imports writing, not it)."""
    if not compileall.compile_dir(CHECKOUT / "cplkit", quiet=1):
        raise SystemExit("cannot compile the checkout's cplkit")
