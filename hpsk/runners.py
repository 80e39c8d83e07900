"""Where trials run: in this process, through joblib, or in killable worker processes.

A runner has ``run(source, record, deadline)`` and ``close(kill=False)``
(the contract of :mod:`hpsk.outcome`); :func:`make_runner` picks one for
:func:`hpsk.optimize.search`:

* ``_InlineRunner`` evaluates in this process (``n_jobs=1``, no deadline to
  enforce);
* ``_JoblibRunner`` streams trials through one ``joblib.Parallel`` call, so
  any joblib backend (loky, dask, ray, spark) spreads them;
* :class:`hpsk.workers.ProcessRunner` evaluates each trial in its own
  killable worker process (one loky executor per slot), so ``trial_timeout``
  and a one-worker search's deadline stop a trial that overruns, even inside
  C code, and a worker that dies fails only its trial.

:func:`evaluate_objective` and :class:`Outcome` (from :mod:`hpsk.outcome`)
turn whatever one evaluation does (a loss, a dict, an exception, NaN) into
an outcome, wherever it runs.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
import warnings
from typing import Any, Callable, Iterator, Mapping

import joblib
from joblib import Parallel, delayed

try:  # the states joblib gives its job trackers (see _LostTaskGuard)
    from joblib.parallel import TASK_ERROR as _TASK_ERROR, TASK_PENDING as _TASK_PENDING
except ImportError:  # pragma: no cover - a joblib without them: the guard stays idle
    _TASK_ERROR, _TASK_PENDING = "Error", None

from .outcome import Outcome, Record, Runner, Source, evaluate_objective
from .trials import STATUS_FAIL, STATUS_TIMEOUT
from .workers import ProcessRunner

__all__ = ["Outcome", "evaluate_objective", "make_runner", "release_idle_workers"]

logger = logging.getLogger("hpsk")


class _InlineRunner:
    """Evaluate in this process, one trial at a time."""

    def __init__(self, fn: Callable, space: Any) -> None:
        self.fn, self.space = fn, space

    def run(self, source: Source, record: Record, deadline: float | None) -> None:
        while (item := source()) is not None:
            tid, point = item
            record(tid, evaluate_objective(self.fn, self.space, point))

    def close(self, kill: bool = False) -> None:
        """Nothing to release: trials ran in this process."""


class _Feed:
    """The task iterator of a streaming ``joblib.Parallel`` call.

    joblib pulls tasks from it in its dispatch thread: at the start, then
    after each finished task. It hands out a new trial only while fewer than
    ``capacity`` are in flight, and otherwise pauses (a ``StopIteration``
    joblib takes as "nothing more for now"), so every point is asked of the
    algorithm when a worker frees up, with the trials still running as
    pending points (constant liars), never in a batch ahead of time.
    """

    def __init__(self, make_task: Callable[[int, dict], Any], source: Source, capacity: int,
                 retry: list[tuple[int, dict]] | None = None) -> None:
        self.make_task, self.source, self.capacity = make_task, source, capacity
        self.retry = list(retry or [])  # trials handed out before but never run
        self.parallel: Parallel | None = None
        self.handed: dict[int, dict] = {}  # tid -> point, not yet returned
        self.n_handed = 0
        self.error: BaseException | None = None
        self.exhausted = False

    def __iter__(self) -> "_Feed":
        return self

    def __next__(self) -> Any:
        completed = getattr(self.parallel, "n_completed_tasks", None)
        if (self.exhausted and not self.retry) or (
                completed is not None and self.n_handed - completed >= self.capacity):
            raise StopIteration
        item: tuple[int, dict] | None
        if self.retry:
            item = self.retry.pop(0)
        else:
            try:
                item = self.source()
            except BaseException as error:  # noqa: BLE001 - re-raised by the driver thread
                self.error, item = error, None
        if item is None:
            self.exhausted = True
            raise StopIteration
        tid, point = item
        self.handed[tid] = point
        self.n_handed += 1
        return self.make_task(tid, point)


class _JoblibRunner:
    """Stream trials through one ``joblib.Parallel`` call (any joblib backend).

    Results come back as they finish (``return_as="generator_unordered"``) and
    each freed worker gets a point asked for it right then (see
    :class:`_Feed`). The objective is an argument of every task of one call,
    so joblib ships its data once: loky memory-maps large arrays, dask
    scatters large arguments once per call. Backends that cannot stream
    (multiprocessing, ray, spark) evaluate mini-batches of ``n_jobs`` trials.
    A worker that dies (segfault, ``os._exit``, out of memory, a dask
    ``KilledWorker``) fails the trials it was running; the search goes on
    with a new call.
    """

    def __init__(self, fn: Callable, space: Any, n_jobs: int) -> None:
        self.fn, self.space, self.capacity = fn, space, n_jobs

    def _task(self, deadline: float | None, driver_pid: int | None = None) -> Callable[[int, dict], Any]:
        config = _sklearn_config()
        wall_deadline = None if deadline is None else time.time() + (deadline - time.monotonic())
        return lambda tid, point: delayed(_tagged)(self.fn, self.space, tid, point, config,
                                                   wall_deadline, driver_pid)

    def run(self, source: Source, record: Record, deadline: float | None) -> None:
        backend, _ = joblib.parallel.get_active_backend()
        if not backend.supports_return_generator:  # multiprocessing, ray, spark
            self._run_batches(source, record, deadline)
            return
        workers = joblib.effective_n_jobs(self.capacity)
        # joblib runs a call in this process when it counts one worker (a dask
        # cluster whose workers are restarting); a process backend's trials
        # must not, since one that kills its worker would end the search.
        driver_pid = None if getattr(backend, "uses_threads", False) or workers < 2 else os.getpid()
        retry: list[tuple[int, dict]] = []
        while True:
            parallel = Parallel(n_jobs=self.capacity, return_as="generator_unordered", batch_size=1,
                                pre_dispatch=self.capacity)
            feed = _Feed(self._task(deadline, driver_pid), source, self.capacity, retry)
            feed.parallel = parallel
            guard = _LostTaskGuard(parallel)
            lost_workers = False
            try:
                for tid, outcome in _stream(parallel, feed, deadline):
                    if outcome is _IN_DRIVER:
                        lost_workers = True
                        break
                    feed.handed.pop(tid, None)
                    if outcome is not None:  # None: dispatched after the deadline, never ran
                        record(tid, outcome)
            except _BudgetSpent:
                for tid in list(feed.handed):
                    record(tid, Outcome.stopped(STATUS_TIMEOUT, "stopped at the search's time budget"))
                return
            except Exception as error:  # noqa: BLE001 - a worker died; joblib dropped the call
                if feed.error is not None:
                    raise feed.error from None
                message = (f"the worker process running this trial died or was lost "
                           f"({type(error).__name__}: {error})")
                for tid in list(feed.handed):
                    record(tid, Outcome.stopped(STATUS_FAIL, message))
                feed.handed.clear()
                lost_workers = True
            finally:
                guard.stop()
            if feed.error is not None:
                raise feed.error
            retry = list(feed.handed.items())  # stopped before they ran: run them again
            if (lost_workers and not _wait_for_workers(workers, deadline)
                    and (deadline is None or time.monotonic() < deadline)):
                warnings.warn(f"joblib's backend has fewer than {workers} workers; running trials "
                              "where joblib puts them, this process included.", RuntimeWarning)
                driver_pid = None
            if feed.exhausted and not retry:
                return

    def _run_batches(self, source: Source, record: Record, deadline: float | None) -> None:
        make_task = self._task(deadline)
        parallel = Parallel(n_jobs=self.capacity, batch_size=1)
        while True:
            items: list[tuple[int, dict]] = []
            while len(items) < self.capacity and (item := source()) is not None:
                items.append(item)
            if not items:
                return
            for tid, outcome in parallel(make_task(tid, point) for tid, point in items):
                if outcome is not None:
                    record(tid, outcome)

    def close(self, kill: bool = False) -> None:
        """Nothing to release: each joblib call ends (or is aborted) inside :meth:`run`."""


class _BudgetSpent(Exception):
    """The search's deadline passed while trials were still running."""


def _stream(parallel: Parallel, feed: _Feed, deadline: float | None) -> Iterator[tuple[int, Any]]:
    """``parallel(feed)``'s results, cut off at ``deadline``.

    With a deadline, a thread consumes joblib's generator and this one waits
    on a queue no later than the deadline; then the call is aborted (loky
    kills its workers) and :class:`_BudgetSpent` tells the runner that the
    trials still running were stopped.
    """
    if deadline is None:
        yield from parallel(feed)
        return
    results: queue.Queue = queue.Queue()

    def consume() -> None:
        try:
            for item in parallel(feed):
                results.put((True, item))
        except BaseException as error:  # noqa: BLE001 - handed to the driver thread
            results.put((False, error))
        results.put((True, None))

    thread = threading.Thread(target=consume, name="hpsk-joblib-results", daemon=True)
    thread.start()
    try:
        while True:
            try:
                ok, value = results.get(timeout=max(deadline - time.monotonic(), 0.0))
            except queue.Empty:
                raise _BudgetSpent from None
            if not ok:
                raise value
            if value is None:
                return
            yield value
    finally:
        if thread.is_alive():
            abort = getattr(parallel, "_abort", None)
            if abort is not None:
                try:
                    abort()
                except Exception:  # noqa: BLE001 - best effort: the workers may already be gone
                    logger.debug("could not abort joblib's call", exc_info=True)


class _LostTaskGuard(threading.Thread):
    """Surface tasks that failed without telling ``joblib.Parallel``.

    joblib's dask backend sets the error of a task whose workers died
    (``KilledWorker``) on its future but never calls the completion
    callback, so a streaming call would wait for it forever. This thread
    looks for such futures twice a second and registers their error the way
    the callback would; the call then raises and the runner records the lost
    trials as failed. It only reads what joblib keeps on its job trackers
    and does nothing where those are missing.
    """

    def __init__(self, parallel: Parallel, interval: float = 0.5) -> None:
        super().__init__(name="hpsk-lost-task-guard", daemon=True)
        self.parallel, self.interval = parallel, interval
        self.stopped = threading.Event()
        self.start()

    def run(self) -> None:
        while not self.stopped.wait(self.interval):
            for tracker in list(getattr(self.parallel, "_jobs_set", ())):
                future = getattr(tracker, "job", None)
                if future is None or not hasattr(future, "done") or not future.done():
                    continue
                error = future.exception() if not future.cancelled() else RuntimeError("cancelled")
                if error is not None and getattr(tracker, "status", None) == _TASK_PENDING:
                    tracker._register_outcome({"result": error, "status": _TASK_ERROR})

    def stop(self) -> None:
        self.stopped.set()


def _wait_for_workers(n_workers: int, deadline: float | None, patience: float = 30.0) -> bool:
    """After a worker died, give the backend time to bring back ``n_workers``.

    A dask nanny restarts a dead worker within seconds; meanwhile joblib
    counts fewer workers and, at one, would run trials in this process.
    """
    give_up = time.monotonic() + patience
    if deadline is not None:
        give_up = min(give_up, deadline)
    while time.monotonic() < give_up:
        try:
            if joblib.effective_n_jobs(n_workers) >= n_workers:
                return True
        except Exception:  # noqa: BLE001 - e.g. dask's "no worker after 10 seconds": ask again
            logger.debug("waiting for joblib's workers", exc_info=True)
        time.sleep(0.2)
    return False


def _sklearn_config() -> dict[str, Any]:
    try:
        import sklearn
    except ImportError:  # fmin works without scikit-learn
        return {}
    return sklearn.get_config()


_IN_DRIVER = "not run: joblib placed it in the driver process"


def _tagged(fn: Callable, space: Any, tid: int, point: dict, config: Mapping[str, Any],
            wall_deadline: float | None, driver_pid: int | None = None) -> tuple[int, Any]:
    """Run one trial in a joblib worker, with the driver's scikit-learn config."""
    if driver_pid is not None and os.getpid() == driver_pid:
        return tid, _IN_DRIVER
    if wall_deadline is not None and time.time() > wall_deadline:
        return tid, None
    if not config:
        return tid, evaluate_objective(fn, space, point)
    import sklearn

    with sklearn.config_context(**config):
        return tid, evaluate_objective(fn, space, point)


def make_runner(fn: Callable, space: Any, n_jobs: int, trial_timeout: float | None,
                killable: bool = False) -> Runner:
    """The runner for ``n_jobs`` workers: killable processes with a ``trial_timeout``
    (or, with ``killable``, for one worker), joblib for several, else this process."""
    if trial_timeout is not None or (killable and n_jobs == 1):
        return ProcessRunner(fn, space, n_jobs, trial_timeout)
    if n_jobs > 1:
        return _JoblibRunner(fn, space, n_jobs)
    return _InlineRunner(fn, space)


def release_idle_workers() -> None:
    """Shut down joblib's idle loky workers, so that their memory goes back now.

    joblib keeps its worker processes for the next call (for minutes); on a
    large table each holds the libraries, its copy of the trial's data and
    what its largest trial left, hundreds of MB that would sit beside the
    refit's. The next parallel call starts fresh workers (about a second).
    Workers of other backends (dask, ray, spark) are not this process's to stop.
    """
    from joblib.externals.loky import reusable_executor

    executor = getattr(reusable_executor, "_executor", None)  # None: no loky call made yet
    if executor is not None:
        executor.shutdown(wait=True)
