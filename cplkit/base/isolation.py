"""Runs a function in a forked child process and hands back its result: under a memory and a
time limit, so a native abort, a runaway allocation or an endless loop in a library reading an
untrusted file then costs that file's report, never the whole run; or alongside this process,
so a slow job (the workbook of a large list) runs on another core meanwhile.

The child inherits everything already loaded (no start-up cost, nothing to pickle on the way
in); only the result comes back, pickled. The memory limit is never above the address-space
hard limit this process inherited (``ulimit -v``, systemd's ``LimitAS=``): a failure says which
of the two the child ran under, and whether it ran out of memory (a ``MemoryError``, or a native
library's own "memory allocation ... failed" on the child's standard error, which the parent
reads). Where ``fork`` or resource limits are missing (Windows), the function runs in this
process. It knows nothing about files or CPL content.
"""

from __future__ import annotations

import gc
import os
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

T = TypeVar("T")

_MiB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class MemoryLimit:
    """The address-space limit a child runs under: the budget asked for, or the hard limit this
    process inherited where that is lower (raising it is refused)."""

    #: what the child may have, in bytes
    bytes: int
    #: the budget the caller asked for
    asked: int

    @property
    def inherited(self) -> bool:
        """Whether the inherited hard limit, not the budget, is what bounds the child."""
        return self.bytes < self.asked

    def __str__(self) -> str:
        if self.inherited:
            return (f"the address-space limit of {self.bytes // _MiB:,} MiB this process "
                    "inherited (ulimit -v, or systemd's LimitAS=)")
        return f"cplkit's own limit of {self.bytes // _MiB:,} MiB"


def memory_limit(budget: int) -> MemoryLimit:
    """The limit a child asked to stay within ``budget`` bytes runs under: the budget scaled
    down to the inherited hard address-space limit where that is lower."""
    return MemoryLimit(_within_hard_limit(budget), budget)


class ChildFailed(Exception):
    """The child died (a signal, or the memory limit) or ran out of time."""

    def __init__(self, reason: str, *, limit: MemoryLimit | None = None,
                 out_of_memory: bool = False, timed_out: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        #: the memory limit the child ran under (None: none was set)
        self.limit = limit
        #: known to have run out of memory (not a crash of some other kind, nor slowness)
        self.out_of_memory = out_of_memory
        #: it was still at work when its time was up (and not known to be out of memory)
        self.timed_out = timed_out

    def __reduce__(self) -> tuple[Any, ...]:
        # crosses from the child to its parent whole
        return _child_failed, (self.reason, self.limit, self.out_of_memory, self.timed_out)


def _child_failed(reason: str, limit: MemoryLimit | None, out_of_memory: bool,
                  timed_out: bool) -> ChildFailed:
    return ChildFailed(reason, limit=limit, out_of_memory=out_of_memory, timed_out=timed_out)


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
    space, if given, or the inherited hard limit where that is lower), while this process goes
    on with other work; ``result`` waits for it. Where fork is missing, ``result`` runs the
    function in this process instead."""

    def __init__(self, function: Callable[[], T], memory_bytes: int | None = None) -> None:
        self._function = function
        self._child: Any = None
        self._receiver: Any = None
        self._errors: _ErrorTail | None = None
        self._forked = can_isolate()
        #: what the child runs under (None: no memory limit asked for)
        self.limit = memory_limit(memory_bytes) if memory_bytes is not None and self._forked \
            else None
        if self._forked:
            import multiprocessing

            context = multiprocessing.get_context("fork")
            self._receiver, sender = context.Pipe(duplex=False)
            self._errors, error_fd = _ErrorTail.open()
            self._child = context.Process(
                target=_child, args=(sender, function, self.limit, error_fd), daemon=True)
            try:
                self._child.start()
            finally:
                sender.close()
                if error_fd is not None:
                    os.close(error_fd)

    def result(self, seconds: float | None = None) -> T:
        """The function's result; what it raised is raised here, and a death or a wait longer
        than ``seconds`` (None: no limit) raises ``ChildFailed``."""
        if not self._forked:
            return self._function()
        child, receiver, errors = self._child, self._receiver, self._errors
        if child is None:
            raise ChildFailed("it was stopped before its result was collected", limit=self.limit)
        try:
            if not _wait(receiver, errors, seconds):
                if errors is not None and errors.out_of_memory():
                    raise ChildFailed(f"it ran out of memory under {self.limit} and stopped "
                                      "answering", limit=self.limit, out_of_memory=True)
                raise ChildFailed(f"it took longer than {seconds:.0f} seconds", limit=self.limit,
                                  timed_out=True)
            try:
                ok, payload = receiver.recv()
            except (EOFError, OSError):
                child.join(5)
                if errors is not None:
                    errors.drain()
                raise _death(child.exitcode, self.limit,
                             errors is not None and errors.out_of_memory()) from None
        finally:
            self.cancel()
        if ok:
            result: T = payload
            return result
        if isinstance(payload, ChildFailed) and payload.out_of_memory:
            # the child says only that it ran out; this process knows of what
            raise ChildFailed(f"it needed more memory than {self.limit}", limit=self.limit,
                              out_of_memory=True)
        raise payload

    def cancel(self) -> None:
        """Stop the child if it still runs (its result is no longer wanted)."""
        child, self._child = self._child, None
        if child is not None:
            if child.is_alive():
                child.kill()
            child.join(5)
            self._receiver.close()
        errors, self._errors = self._errors, None
        if errors is not None:
            errors.close()


def _wait(receiver: Any, errors: _ErrorTail | None, seconds: float | None) -> bool:
    """Wait for the child's result (or its death) for at most ``seconds``, reading what it
    writes to its standard error meanwhile (so it never blocks on a full pipe); whether it
    came in time."""
    if errors is None:
        return bool(receiver.poll(seconds))
    from multiprocessing.connection import wait

    deadline = None if seconds is None else time.monotonic() + seconds
    while True:
        left = None if deadline is None else max(0.0, deadline - time.monotonic())
        watched: list[Any] = [receiver] if errors.closed else [receiver, errors.fd]
        ready = wait(watched, left)
        if receiver in ready:
            return True
        if not ready:
            return False
        errors.drain()


class _ErrorTail:
    """The read end of a pipe that is a child's standard error: its last few kilobytes kept,
    so that a native library's last words ("memory allocation of 512 bytes failed", which Rust
    writes before it aborts) tell an exhausted memory from another crash."""

    _KEEP = 8192
    #: what the libraries a child runs write when an allocation fails
    _OUT_OF_MEMORY = (b"memory allocation of", b"MemoryError", b"Cannot allocate memory",
                      b"std::bad_alloc", b"out of memory")

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.closed = False
        self.tail = b""

    @staticmethod
    def open() -> tuple[_ErrorTail | None, int | None]:
        """A tail and the write end for the child (None, None where no pipe can be made)."""
        try:
            read_fd, write_fd = os.pipe()
        except OSError:
            return None, None
        os.set_blocking(read_fd, False)
        return _ErrorTail(read_fd), write_fd

    def drain(self) -> None:
        """Read what is there now, without waiting."""
        while not self.closed:
            try:
                data = os.read(self.fd, 65536)
            except BlockingIOError:
                return
            except OSError:
                data = b""
            if not data:
                self.close()
                return
            self.tail = (self.tail + data)[-self._KEEP:]

    def out_of_memory(self) -> bool:
        return any(sign in self.tail for sign in self._OUT_OF_MEMORY)

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            os.close(self.fd)


#: the collector's thresholds in a child: generation 0 collected every 20,000 net new objects,
#: not every 700 (a check of a bulk sheet spent a sixth of its time collecting)
_CHILD_GC = (20_000, 10, 10)


def _child(sender: Any, function: Callable[[], Any], limit: MemoryLimit | None,
           error_fd: int | None) -> None:
    import faulthandler
    import resource

    # a crash in a native library is reported by the parent as a finding; its own dump on
    # the terminal would only look like cplkit failing. What it writes goes to the parent,
    # which reads it for signs of an exhausted memory
    faulthandler.disable()
    if error_fd is None:
        error_fd = os.open(os.devnull, os.O_WRONLY)
    os.dup2(error_fd, 2)
    os.close(error_fd)
    if limit is not None:
        # never above the hard limit this process inherited: raising it is refused
        resource.setrlimit(resource.RLIMIT_AS, (limit.bytes, limit.bytes))
    # what the child inherited lives until it exits: the collector need not walk it again and
    # again while the child makes (and drops) millions of small objects
    gc.freeze()
    gc.set_threshold(*_CHILD_GC)
    try:
        outcome: tuple[bool, Any] = (True, function())
    except MemoryError:
        outcome = (False, ChildFailed("it needed more memory than its limit", limit=limit,
                                      out_of_memory=True))
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


def _death(exitcode: int | None, limit: MemoryLimit | None, out_of_memory: bool) -> ChildFailed:
    """Why a child that sent nothing back ended."""
    if out_of_memory:
        # a native library said so on its standard error before it aborted
        return ChildFailed(f"it needed more memory than {limit}" if limit is not None
                           else "it ran out of memory", limit=limit, out_of_memory=True)
    if exitcode is not None and exitcode < 0:
        name = signal.Signals(-exitcode).name if -exitcode in signal.valid_signals() else ""
        cause = f"out of memory under {limit}, or a crash" if limit is not None \
            else "out of memory, or a crash"
        return ChildFailed(f"its process ended with signal {name or -exitcode} ({cause})",
                           limit=limit)
    return ChildFailed(f"its process ended (exit status {exitcode})", limit=limit)
