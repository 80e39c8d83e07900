"""What one evaluation gives, and what a runner trades with the search loop.

:func:`evaluate_objective` turns whatever one evaluation does (a loss, a
dict, an exception, NaN) into a frozen :class:`Outcome`, wherever it runs:
in this process, in a joblib worker, or in a killable worker process.

A runner (:mod:`hpsk.runners`, :mod:`hpsk.workers`) has
``run(source, record, deadline)`` and ``close(kill=False)``: ``source()``
returns the next ``(tid, point)`` to evaluate, asked of the algorithm at the
moment a worker is free, or ``None`` once the budget is spent; ``record(tid,
outcome)`` stores a finished trial. Both are called in the search's process
only.
"""

from __future__ import annotations

import ctypes
import functools
import math
import sys
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Protocol

from .space import compile_space
from .trials import STATUS_FAIL, STATUS_OK, STATUS_TIMEOUT

__all__ = ["Outcome", "evaluate_objective", "return_freed_memory", "Source", "Record", "Runner", "RUNG"]

# The key under which a multi-fidelity search (:mod:`hpsk.fidelity`) hands a
# runner the rung of an evaluation, next to the point's labels.
RUNG = "__rung__"


@dataclass(frozen=True)
class Outcome:
    """What one evaluation gave, ready for :meth:`hpsk.Trials.finish`.

    ``status`` is ``"ok"`` (then ``loss`` is a finite float), ``"fail"`` or
    ``"timeout"`` (then ``error`` says why); ``result`` is what the objective
    returned (``{"status": ...}`` when it never returned); ``duration`` is
    the seconds the evaluation took, ``None`` when unknown.
    """

    status: str
    loss: float | None = None
    error: str | None = None
    result: dict[str, Any] = field(default_factory=dict)
    duration: float | None = None

    @classmethod
    def stopped(cls, status: str, error: str, duration: float | None = None) -> "Outcome":
        """A trial that never reported back: stopped, killed, or lost with its worker."""
        return cls(status=status, error=error, result={"status": status}, duration=duration)


def evaluate_objective(fn: Callable[[Any], Any], space: Any, point: Mapping[str, Any]) -> Outcome:
    """Evaluate ``fn`` at ``point`` and turn whatever happens into an outcome.

    ``fn`` may return a float loss or a dict with ``loss`` and ``status``
    (hyperopt's contract). An exception, a missing or non-finite loss or a
    ``"fail"`` status all give ``status="fail"`` with the error text; nothing
    propagates, so one failing trial never kills a search. A point with a
    ``RUNG`` entry is evaluated by ``fn.at_rung(rung)`` (see
    :mod:`hpsk.fidelity`). The memory the trial freed goes back to the
    system (:func:`return_freed_memory`).
    """
    outcome = _evaluate(fn, space, point)
    return_freed_memory()
    return outcome


def return_freed_memory() -> None:
    """Give the heap pages freed so far back to the system (glibc's ``malloc_trim``).

    A worker process runs trial after trial; the arrays of a finished trial
    are freed, but glibc keeps the pages of its heap, so a worker's resident
    memory would stay at the largest trial it ever ran, on top of the next
    one's. Trimming costs microseconds. Elsewhere than glibc, nothing happens.
    """
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@functools.lru_cache(maxsize=1)
def _malloc_trim() -> Callable[[int], int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL("libc.so.6").malloc_trim  # type: ignore[no-any-return]
    except (OSError, AttributeError):  # musl and other C libraries have none
        return None


def _evaluate(fn: Callable[[Any], Any], space: Any, point: Mapping[str, Any]) -> Outcome:
    start = time.perf_counter()
    try:
        if RUNG in point:
            fn = fn.at_rung(point[RUNG])  # type: ignore[attr-defined]  # a multi-fidelity objective
            point = {label: value for label, value in point.items() if label != RUNG}
        value = fn(compile_space(space).evaluate(point))
    except Exception as error:  # noqa: BLE001 - every trial failure is recorded
        return Outcome.stopped(STATUS_FAIL, f"{type(error).__name__}: {error}", time.perf_counter() - start)
    duration = time.perf_counter() - start
    result = dict(value) if isinstance(value, Mapping) else {"loss": value, "status": STATUS_OK}
    status = result.get("status", STATUS_OK)
    loss = result.get("loss")
    if status == STATUS_OK:
        try:
            value = float(loss)  # type: ignore[arg-type]  # anything float() takes is a loss
        except (TypeError, ValueError):
            message = f"the objective returned a loss that is not a number: {loss!r}"
            return Outcome(STATUS_FAIL, error=message, result=result, duration=duration)
        if not math.isfinite(value):
            message = f"the objective returned a non-finite loss: {value!r}"
            return Outcome(STATUS_FAIL, error=message, result=result, duration=duration)
        result["loss"] = value
        return Outcome(STATUS_OK, loss=value, result=result, duration=duration)
    message = result.get("error") or f"the objective returned status {status!r}"
    status = status if status in (STATUS_FAIL, STATUS_TIMEOUT) else STATUS_FAIL
    return Outcome(status, error=str(message), result=result, duration=duration)


Source = Callable[[], "tuple[int, dict] | None"]
Record = Callable[[int, Outcome], None]


class Runner(Protocol):
    """Where a search's trials run (see the module docstring)."""

    def run(self, source: Source, record: Record, deadline: float | None) -> None:
        """Evaluate what ``source`` hands out and ``record`` each outcome, until it hands out ``None``."""

    def close(self, kill: bool = False) -> None:
        """Release the workers; with ``kill``, stop the trials still running."""
