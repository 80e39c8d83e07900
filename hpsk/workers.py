"""Killable worker processes: the runner behind ``trial_timeout``.

:class:`ProcessRunner` evaluates each trial in its own worker process (one
single-worker loky executor per slot), so ``trial_timeout`` and a one-worker
search's deadline stop a trial that overruns, even inside C code, and a
worker that dies fails only its trial. :func:`hpsk.runners.make_runner`
picks it; it follows the runner contract of :mod:`hpsk.outcome`.
"""

from __future__ import annotations

import os
import time
from concurrent.futures import FIRST_COMPLETED, Future, wait
from typing import TYPE_CHECKING, Any, Callable, Iterator

from joblib import cpu_count

from .outcome import Outcome, Record, Source, evaluate_objective
from .trials import STATUS_FAIL, STATUS_TIMEOUT

if TYPE_CHECKING:
    from joblib.externals.loky import ProcessPoolExecutor

__all__ = ["ProcessRunner"]


_WORKER_OBJECTIVE: dict[str, Any] = {}


def _install_objective(fn: Callable, space: Any) -> None:
    # Runs once per worker process, so the objective (and the data it holds)
    # is pickled once per worker rather than once per trial.
    _WORKER_OBJECTIVE["fn"], _WORKER_OBJECTIVE["space"] = fn, space


def _evaluate_in_worker(point: dict) -> Outcome:
    return evaluate_objective(_WORKER_OBJECTIVE["fn"], _WORKER_OBJECTIVE["space"], point)


def _worker_ready() -> None:
    """A no-op whose completion tells that a new worker has started."""


def _thread_limits(n_jobs: int) -> dict[str, str]:
    """Thread caps for the native pools (OpenMP, BLAS) of ``n_jobs`` workers.

    What joblib's loky backend gives its workers: ``cpu_count // n_jobs``
    threads each, unless the user set the variable. Without a cap, two
    workers on two cores each spin up an OpenMP pool as wide as the machine,
    and OpenMP's busy-waiting threads then slow a hist gradient boosting fit
    down by one or two orders of magnitude.
    """
    from joblib._parallel_backends import ParallelBackendBase

    n_threads = str(max(cpu_count() // max(n_jobs, 1), 1))
    return {var: os.environ.get(var, n_threads) for var in ParallelBackendBase.MAX_NUM_THREADS_VARS}


class _Slot:
    """A trial in flight: its worker, and when it really started running."""

    def __init__(self, tid: int, executor: ProcessPoolExecutor, ready: Future | None) -> None:
        self.tid, self.executor, self.ready = tid, executor, ready
        self.started: float | None = None if ready is not None else time.monotonic()
        if ready is not None:
            # A new worker spends its first second or more importing; the
            # trial's clock starts once it is up, not when it was submitted.
            ready.add_done_callback(lambda _: setattr(self, "started", time.monotonic()))


class ProcessRunner:
    """One single-worker loky executor per slot, killed when its trial overruns."""

    def __init__(self, fn: Callable, space: Any, n_jobs: int, trial_timeout: float | None) -> None:
        from joblib.externals.loky import ProcessPoolExecutor

        env = _thread_limits(n_jobs)
        self._make = lambda: ProcessPoolExecutor(
            max_workers=1, initializer=_install_objective, initargs=(fn, space), env=env
        )
        self.capacity = n_jobs
        self.trial_timeout = trial_timeout
        self.idle: list[ProcessPoolExecutor] = []
        self.running: dict[Future, _Slot] = {}

    @property
    def n_running(self) -> int:
        return len(self.running)

    def submit(self, tid: int, point: dict) -> None:
        ready = None
        if self.idle:
            executor = self.idle.pop()
        else:
            executor = self._make()
            ready = executor.submit(_worker_ready)
        future = executor.submit(_evaluate_in_worker, point)
        self.running[future] = _Slot(tid, executor, ready)

    def _stop(self, future: Future, status: str, error: str) -> tuple[int, Outcome]:
        slot = self.running.pop(future)
        slot.executor.shutdown(wait=False, kill_workers=True)
        duration = 0.0 if slot.started is None else time.monotonic() - slot.started
        return slot.tid, Outcome.stopped(status, error, duration)

    def _overrun(self, now: float) -> list[Future]:
        if self.trial_timeout is None:
            return []
        return [f for f, slot in self.running.items()
                if slot.started is not None and now - slot.started >= self.trial_timeout]

    def collect(self, timeout: float | None) -> Iterator[tuple[int, Outcome]]:
        """Wait until a trial ends, overruns, or a new worker comes up; yield what ended."""
        now = time.monotonic()
        waits = [] if timeout is None else [timeout]
        if self.trial_timeout is not None:
            waits += [slot.started + self.trial_timeout - now
                      for slot in self.running.values() if slot.started is not None]
        starting = [slot.ready for slot in self.running.values()
                    if slot.started is None and slot.ready is not None]
        wait(list(self.running) + starting, timeout=max(0.0, min(waits)) if waits else None,
             return_when=FIRST_COMPLETED)
        for future in [f for f in self.running if f.done()]:
            try:
                outcome = future.result()
            except BaseException as error:  # the worker died: segfault, os._exit, memory
                yield self._stop(future, STATUS_FAIL,
                                 f"the worker running this trial died ({type(error).__name__}: {error})")
                continue
            slot = self.running.pop(future)
            self.idle.append(slot.executor)
            yield slot.tid, outcome
        for future in self._overrun(time.monotonic()):
            yield self._stop(future, STATUS_TIMEOUT,
                             f"the trial ran past trial_timeout={self.trial_timeout:g}s and was stopped")

    def run(self, source: Source, record: Record, deadline: float | None) -> None:
        exhausted = False
        while True:
            while not exhausted and len(self.running) < self.capacity:
                item = source()
                if item is None:
                    exhausted = True
                else:
                    self.submit(*item)
            if not self.running:
                return
            left = None if deadline is None else max(deadline - time.monotonic(), 0.0)
            for tid, outcome in self.collect(left):
                record(tid, outcome)
            if deadline is not None and time.monotonic() >= deadline:
                for future in list(self.running):
                    record(*self._stop(future, STATUS_TIMEOUT, "stopped at the search's time budget"))

    def close(self, kill: bool = False) -> None:
        """Stop the trials still running and release the idle workers (killed with ``kill``)."""
        for future in list(self.running):
            self._stop(future, STATUS_FAIL, "closed")
        for executor in self.idle:
            executor.shutdown(wait=False, kill_workers=kill)
        self.idle = []
