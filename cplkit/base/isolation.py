"""Runs a function in a forked child process and hands back its result: under a memory and a
time limit, so a native abort, a runaway allocation or an endless loop in a library reading an
untrusted file then costs that file's report, never the whole run; or alongside this process,
so a slow job (the workbook of a large list) runs on another core meanwhile.

The child inherits everything already loaded (no start-up cost, nothing to pickle on the way
in); only the result comes back, pickled. Where ``fork`` or resource limits are missing
(Windows), the function runs in this process. It knows nothing about files or CPL content.
"""

from __future__ import annotations

import gc
import os
import signal
from collections.abc import Callable
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class ChildFailed(Exception):
    """The child died (a signal, or the memory limit) or ran out of time."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def can_isolate() -> bool:
    import multiprocessing

    try:
        import resource  # noqa: F401
    except ImportError:
        return False
    return "fork" in multiprocessing.get_all_start_methods()


def run_isolated(function: Callable[[], T], *, memory_bytes: int, seconds: float) -> T:
    """``function()``'s result, computed in a child limited to ``memory_bytes`` of address space
    and ``seconds`` of wall time. An exception it raises is raised here; a death or a time-out
    raises ``ChildFailed``."""
    return InChild(function, memory_bytes).result(seconds)


class InChild(Generic[T]):
    """``function()`` started now in a forked child (limited to ``memory_bytes`` of address
    space, if given), while this process goes on with other work; ``result`` waits for it.
    Where fork is missing, ``result`` runs the function in this process instead."""

    def __init__(self, function: Callable[[], T], memory_bytes: int | None = None) -> None:
        self._function = function
        self._child: Any = None
        self._receiver: Any = None
        self._forked = can_isolate()
        if self._forked:
            import multiprocessing

            context = multiprocessing.get_context("fork")
            self._receiver, sender = context.Pipe(duplex=False)
            self._child = context.Process(target=_child, args=(sender, function, memory_bytes),
                                          daemon=True)
            self._child.start()
            sender.close()

    def result(self, seconds: float | None = None) -> T:
        """The function's result; what it raised is raised here, and a death or a wait longer
        than ``seconds`` (None: no limit) raises ``ChildFailed``."""
        if not self._forked:
            return self._function()
        child, receiver = self._child, self._receiver
        if child is None:
            raise ChildFailed("it was stopped before its result was collected")
        try:
            if not receiver.poll(seconds):
                raise ChildFailed(f"it took longer than {seconds:.0f} seconds")
            try:
                ok, payload = receiver.recv()
            except (EOFError, OSError):
                child.join(5)
                raise ChildFailed(_death(child.exitcode)) from None
        finally:
            self.cancel()
        if ok:
            result: T = payload
            return result
        raise payload

    def cancel(self) -> None:
        """Stop the child if it still runs (its result is no longer wanted)."""
        child, self._child = self._child, None
        if child is not None:
            if child.is_alive():
                child.kill()
            child.join(5)
            self._receiver.close()


#: the collector's thresholds in a child: generation 0 collected every 20,000 net new objects,
#: not every 700 (a check of a bulk sheet spent a sixth of its time collecting)
_CHILD_GC = (20_000, 10, 10)


def _child(sender: Any, function: Callable[[], Any], memory_bytes: int | None) -> None:
    import faulthandler
    import resource

    # a crash in a native library is reported by the parent as a finding; its own dump on
    # the terminal would only look like cplkit failing
    faulthandler.disable()
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    os.close(devnull)
    if memory_bytes is not None:
        # never above the hard limit this process inherited: raising it is refused
        resource.setrlimit(resource.RLIMIT_AS, (_within_hard_limit(memory_bytes),) * 2)
    # what the child inherited lives until it exits: the collector need not walk it again and
    # again while the child makes (and drops) millions of small objects
    gc.freeze()
    gc.set_threshold(*_CHILD_GC)
    try:
        outcome: tuple[bool, Any] = (True, function())
    except MemoryError:
        outcome = (False, ChildFailed("it needed more memory than the limit"))
    except Exception as exc:  # handed to the parent, which raises it as its own
        outcome = (False, exc if _picklable(exc) else ChildFailed(f"{type(exc).__name__}: {exc}"))
    try:
        sender.send(outcome)
    except MemoryError:
        os._exit(70)
    sender.close()
    os._exit(0)  # no atexit handlers or buffered output from the parent's copy


def _within_hard_limit(memory_bytes: int) -> int:
    """``memory_bytes``, or the inherited hard address-space limit where that is lower."""
    import resource

    hard = resource.getrlimit(resource.RLIMIT_AS)[1]
    return memory_bytes if hard == resource.RLIM_INFINITY else min(memory_bytes, hard)


def _picklable(value: object) -> bool:
    import pickle

    try:
        # our own child's bytes, just made: never untrusted data
        pickle.loads(pickle.dumps(value))  # noqa: S301
    except Exception:  # any failure means it cannot cross the pipe
        return False
    return True


def _death(exitcode: int | None) -> str:
    if exitcode is not None and exitcode < 0:
        name = signal.Signals(-exitcode).name if -exitcode in signal.valid_signals() else ""
        return f"its process ended with signal {name or -exitcode} (out of memory, or a crash)"
    return f"its process ended (exit status {exitcode})"
