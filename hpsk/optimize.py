"""``fmin``: the ask -> evaluate -> tell loop, its budgets and its workers.

The loop asks the algorithm for one point whenever a worker is free (the
trials still running count as pending points, TPE's constant liar), records
it as a running trial, and records each outcome as it comes back. Three
runners share one small interface:

* ``_InlineRunner`` evaluates in this process (``n_jobs=1``, no timeout);
* ``_JoblibRunner`` streams trials through one ``joblib.Parallel`` call, so
  any joblib backend (loky, dask, ray, spark) spreads them;
* ``_ProcessRunner`` evaluates each trial in its own killable worker process
  (one loky executor per slot), so ``trial_timeout`` stops a trial that
  overruns, even inside C code, and a worker that dies fails only its trial.
"""

from __future__ import annotations

import logging
import math
import numbers
import os
import queue
import threading
import time
import warnings
from concurrent.futures import FIRST_COMPLETED, Future, wait
from typing import Any, Callable, Hashable, Iterator, Mapping

import numpy as np
import joblib
from joblib import Parallel, cpu_count, delayed

try:  # the states joblib gives its job trackers (see _LostTaskGuard)
    from joblib.parallel import TASK_ERROR as _TASK_ERROR, TASK_PENDING as _TASK_PENDING
except ImportError:  # pragma: no cover - a joblib without them: the guard stays idle
    _TASK_ERROR, _TASK_PENDING = "Error", None

from ._validation import Interval, InstanceOf, validate_params
from .algorithms import tpe
from .exceptions import AllTrialsFailed
from .space import CompiledSpace, compile_space
from .trials import STATUS_FAIL, STATUS_OK, STATUS_TIMEOUT, Trials

__all__ = ["fmin", "evaluate_objective", "as_generator", "effective_n_jobs"]

logger = logging.getLogger("hpsk")

Outcome = dict[str, Any]
Algorithm = Callable[[CompiledSpace, Any, int, np.random.Generator], list]


def as_generator(rstate: Any) -> np.random.Generator:
    """A ``numpy.random.Generator`` from ``None``, an int seed or a generator."""
    if isinstance(rstate, np.random.Generator):
        return rstate
    if rstate is None or isinstance(rstate, np.random.SeedSequence):
        return np.random.default_rng(rstate)
    if isinstance(rstate, numbers.Integral):
        return np.random.default_rng(int(rstate))
    if isinstance(rstate, np.random.RandomState):
        return np.random.default_rng(rstate.randint(0, 2**31 - 1))
    raise TypeError(f"rstate must be None, an int or a numpy Generator, got {rstate!r}")


def effective_n_jobs(n_jobs: int | None) -> int:
    """joblib's convention: ``None`` is 1, ``-1`` all cores, ``-2`` all but one."""
    if n_jobs is None:
        return 1
    if n_jobs < 0:
        return max(1, cpu_count() + 1 + n_jobs)
    return max(1, n_jobs)


def evaluate_objective(fn: Callable[[Any], Any], space: Any, point: Mapping[str, Any]) -> Outcome:
    """Evaluate ``fn`` at ``point`` and turn whatever happens into an outcome.

    ``fn`` may return a float loss or a dict with ``loss`` and ``status``
    (hyperopt's contract). An exception, a missing or non-finite loss or a
    ``"fail"`` status all give ``status="fail"`` with the error text; nothing
    propagates, so one failing trial never kills a search.
    """
    start = time.perf_counter()
    try:
        value = fn(compile_space(space).evaluate(point))
    except Exception as error:  # noqa: BLE001 - every trial failure is recorded
        return {"status": STATUS_FAIL, "error": f"{type(error).__name__}: {error}",
                "result": {"status": STATUS_FAIL}, "duration": time.perf_counter() - start}
    duration = time.perf_counter() - start
    result = dict(value) if isinstance(value, Mapping) else {"loss": value, "status": STATUS_OK}
    status = result.get("status", STATUS_OK)
    loss = result.get("loss")
    if status == STATUS_OK:
        try:
            value = float(loss)  # type: ignore[arg-type]  # anything float() takes is a loss
        except (TypeError, ValueError):
            message = f"the objective returned a loss that is not a number: {loss!r}"
            return {"status": STATUS_FAIL, "error": message, "result": result, "duration": duration}
        if not math.isfinite(value):
            message = f"the objective returned a non-finite loss: {value!r}"
            return {"status": STATUS_FAIL, "error": message, "result": result, "duration": duration}
        result["loss"] = value
        return {"status": STATUS_OK, "loss": value, "result": result, "duration": duration}
    message = result.get("error") or f"the objective returned status {status!r}"
    status = status if status in (STATUS_FAIL, STATUS_TIMEOUT) else STATUS_FAIL
    return {"status": status, "loss": None, "error": str(message), "result": result,
            "duration": duration}


# --------------------------------------------------------------------------
# Runners. Each has ``run(source, record, deadline)``: ``source()`` returns the
# next ``(tid, point)`` to evaluate, asked of the algorithm at the moment a
# worker is free, or ``None`` once the budget is spent; ``record(tid,
# outcome)`` stores a finished trial. Both are called in this process only.
# --------------------------------------------------------------------------

Source = Callable[[], "tuple[int, dict] | None"]
Record = Callable[[int, Outcome], None]


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
        self.parallel: Any = None
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
                    record(tid, {"status": STATUS_TIMEOUT, "error": "stopped at the search's time budget",
                                 "result": {"status": STATUS_TIMEOUT}, "duration": None})
                return
            except Exception as error:  # noqa: BLE001 - a worker died; joblib dropped the call
                if feed.error is not None:
                    raise feed.error from None
                message = (f"the worker process running this trial died or was lost "
                           f"({type(error).__name__}: {error})")
                for tid in list(feed.handed):
                    record(tid, {"status": STATUS_FAIL, "error": message,
                                 "result": {"status": STATUS_FAIL}, "duration": None})
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


def _stream(parallel: Any, feed: _Feed, deadline: float | None) -> Iterator[tuple[int, Any]]:
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

    def __init__(self, parallel: Any, interval: float = 0.5) -> None:
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

    def __init__(self, tid: int, executor: Any, ready: Future | None) -> None:
        self.tid, self.executor, self.ready = tid, executor, ready
        self.started: float | None = None if ready is not None else time.monotonic()
        if ready is not None:
            # A new worker spends its first second or more importing; the
            # trial's clock starts once it is up, not when it was submitted.
            ready.add_done_callback(lambda _: setattr(self, "started", time.monotonic()))


class _ProcessRunner:
    """One single-worker loky executor per slot, killed when its trial overruns."""

    def __init__(self, fn: Callable, space: Any, n_jobs: int, trial_timeout: float | None) -> None:
        from joblib.externals.loky import ProcessPoolExecutor

        env = _thread_limits(n_jobs)
        self._make = lambda: ProcessPoolExecutor(
            max_workers=1, initializer=_install_objective, initargs=(fn, space), env=env
        )
        self.capacity = n_jobs
        self.trial_timeout = trial_timeout
        self.idle: list[Any] = []
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
        return slot.tid, {"status": status, "error": error, "result": {"status": status},
                          "duration": duration}

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
        for future in list(self.running):
            self._stop(future, STATUS_FAIL, "closed")
        for executor in self.idle:
            executor.shutdown(wait=False, kill_workers=kill)
        self.idle = []


# --------------------------------------------------------------------------
# The loop.
# --------------------------------------------------------------------------

_FMIN_CONSTRAINTS: dict[str, list[Any]] = {
    "max_evals": [Interval(numbers.Integral, 1, None), None],
    "timeout": [Interval(numbers.Real, 0, None, "neither"), None],
    "trial_timeout": [Interval(numbers.Real, 0, None, "neither"), None],
    "n_jobs": [Interval(numbers.Integral, None, None), None],
    "loss_threshold": [Interval(numbers.Real, None, None), None],
    "algo": [callable, None],
    "trials": [InstanceOf((Trials,)), None],
    "points_to_evaluate": [InstanceOf((list, tuple), "a list of dicts"), None],
}


class _Progress:
    """A tqdm bar over evaluations: best so far, the last trial's learner, time left.

    ``as_score`` shows ``-loss`` as "best score" (for estimators, whose loss
    is minus a validation score). Each finished trial is also logged at
    DEBUG level on the ``hpsk`` logger.
    """

    def __init__(self, enabled: bool, total: int | None, initial: int, deadline: float | None,
                 as_score: bool = False) -> None:
        self.bar = None
        self.deadline, self.as_score = deadline, as_score
        self.best: float | None = None
        if enabled:
            try:
                from tqdm.auto import tqdm
            except ImportError:
                tqdm = None
            if tqdm is not None:
                # Redrawn after every trial, however fast: a trial costs far more than a redraw.
                self.bar = tqdm(total=total, initial=initial, unit="trial", dynamic_ncols=True,
                                mininterval=0, miniters=1)

    def update(self, trials: Trials, trial: Any) -> None:
        if trial.ok and (self.best is None or trial.loss < self.best):
            self.best = trial.loss
        logger.debug("trial %d %s loss=%s best=%s", trial.tid, trial.status, trial.loss, self.best)
        if self.bar is None:
            return
        parts = []
        if self.best is not None:
            parts.append(f"best score {-self.best:.4g}" if self.as_score else f"best loss {self.best:.4g}")
        learner = trial.result.get("learner") if isinstance(trial.result, dict) else None
        if learner:
            parts.append(f"last {learner}")
        if self.deadline is not None:
            parts.append(f"{max(0.0, self.deadline - time.monotonic()):.0f}s left")
        self.bar.set_postfix_str(", ".join(parts), refresh=False)
        self.bar.update(1)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def fmin(
    fn: Callable[[Any], Any],
    space: Any,
    algo: Algorithm | None = None,
    max_evals: int | None = None,
    trials: Trials | None = None,
    rstate: Any = None,
    timeout: float | None = None,
    show_progressbar: bool = True,
    *,
    n_jobs: int | None = None,
    trial_timeout: float | None = None,
    loss_threshold: float | None = None,
    points_to_evaluate: list[Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """Minimise ``fn`` over ``space``; return the best point.

    Parameters
    ----------
    fn : callable
        Called with the value of ``space`` at a point; returns a float loss or
        a dict with ``"loss"`` and ``"status"`` (``STATUS_OK`` /
        ``STATUS_FAIL``). Exceptions and non-finite losses are recorded as
        failed trials and the search goes on.
    space : search space
        A nested structure of dicts, lists, tuples and ``hp`` nodes.
    algo : callable, default=hpsk.tpe.suggest
        ``algo(space, history, n, rng) -> list of points``, e.g.
        ``hpsk.rand.suggest`` or ``functools.partial(hpsk.tpe.suggest, ...)``.
    max_evals : int, optional
        Total number of trials, counting those already in ``trials``; call
        again with the same ``trials`` and a larger ``max_evals`` to continue.
    trials : Trials, optional
        Where trials are recorded; a new ``Trials`` by default.
    rstate : int or numpy.random.Generator, optional
        Seed of the proposals; the same seed gives the same trials.
    timeout : float, optional
        Seconds after which no new trial starts; trials still running in
        worker processes (``n_jobs > 1`` or ``trial_timeout``) are stopped
        and recorded with status ``"timeout"``. With ``n_jobs=1`` and no
        ``trial_timeout`` the running trial finishes first.
    show_progressbar : bool, default=True
        Show a tqdm progress bar.
    n_jobs : int, optional
        Trials evaluated at once, through joblib; ``-1`` uses every core.
    trial_timeout : float, optional
        Seconds after which one trial is stopped (its worker process is
        killed) and recorded with status ``"timeout"``.
    loss_threshold : float, optional
        Stop as soon as a trial reaches a loss at or below this.
    points_to_evaluate : list of dict, optional
        Points to try first, before ``algo`` proposes any (as in
        hyperopt): label -> value, option indices for choices. A point may
        give only some labels; the others are drawn from the prior (see
        :meth:`CompiledSpace.complete`). Only a search whose ``trials``
        holds fewer trials than points runs them (the first trials of a
        search), so continuing a search does not repeat them.

    Returns
    -------
    dict
        The best point: label -> value, with option indices for choices (use
        :func:`hpsk.space_eval` for the concrete value).

    Raises
    ------
    AllTrialsFailed
        If no trial succeeded; the message quotes the first error.
    """
    validate_params(
        {"max_evals": max_evals, "timeout": timeout, "trial_timeout": trial_timeout,
         "n_jobs": n_jobs, "loss_threshold": loss_threshold, "algo": algo, "trials": trials,
         "points_to_evaluate": points_to_evaluate},
        _FMIN_CONSTRAINTS, "fmin",
    )
    if max_evals is None and timeout is None and loss_threshold is None:
        raise ValueError("fmin needs a budget: set max_evals, timeout or loss_threshold.")
    compiled = compile_space(space)
    trials = Trials() if trials is None else trials
    rng = as_generator(rstate)
    try:
        starting = [compiled.complete(point, rng) for point in points_to_evaluate or []]
    except ValueError as error:
        raise ValueError(f"fmin: points_to_evaluate: {error}") from None
    search(fn, compiled, algo=algo, max_evals=max_evals, trials=trials, rng=rng,
           deadline=None if timeout is None else time.monotonic() + timeout,
           show_progressbar=show_progressbar, n_jobs=effective_n_jobs(n_jobs),
           trial_timeout=trial_timeout, loss_threshold=loss_threshold, points_to_evaluate=starting)
    if trials.n_ok == 0:
        raise AllTrialsFailed(_all_failed_message(trials))
    return trials.argmin


def _all_failed_message(trials: Trials) -> str:
    if len(trials) == 0:
        return "No trial ran: the budget ran out before the first trial finished."
    return f"All {len(trials)} trials failed. The first error was: {trials.first_error()}"


def _make_runner(fn: Callable, space: Any, n_jobs: int, trial_timeout: float | None,
                 killable: bool = False) -> Any:
    if trial_timeout is not None or (killable and n_jobs == 1):
        return _ProcessRunner(fn, space, n_jobs, trial_timeout)
    if n_jobs > 1:
        return _JoblibRunner(fn, space, n_jobs)
    return _InlineRunner(fn, space)


def search(
    fn: Callable[[Any], Any],
    space: CompiledSpace,
    *,
    algo: Algorithm | None,
    max_evals: int | None,
    trials: Trials,
    rng: np.random.Generator,
    deadline: float | None = None,
    show_progressbar: bool = False,
    n_jobs: int = 1,
    trial_timeout: float | None = None,
    loss_threshold: float | None = None,
    progress_as_score: bool = False,
    on_trial: Callable[[Any], None] | None = None,
    points_to_evaluate: list[dict[str, Any]] | None = None,
    cost_key: Callable[[dict], Hashable] | None = None,
    kill_at_deadline: bool = False,
) -> bool:
    """The loop behind :func:`fmin`, with validated arguments; records into ``trials``.

    ``points_to_evaluate`` are complete points proposed before ``algo`` while
    ``trials`` holds fewer trials than them (trial ``i`` takes point ``i``).
    ``deadline`` is a ``time.monotonic()`` value; ``on_trial(trial)`` is
    called (in this process) with each finished trial. On ``KeyboardInterrupt`` the
    running trials are dropped and, if any trial finished, the search stops
    with a warning and returns ``True``; otherwise the interrupt propagates.
    Returns ``False`` when the search ran to its budget.

    With a ``deadline``, ``cost_key(point)`` names what a trial's cost depends
    on (the learner, say): a proposal whose kind of trial has so far taken
    longer than the time left is not started (see :class:`_CostModel`).
    ``kill_at_deadline`` runs even a one-worker search in a worker process,
    so that the trial running at the deadline is stopped, not waited for.
    """
    algo = _default_algo() if algo is None else algo
    runner = _make_runner(fn, space.space, n_jobs, trial_timeout, killable=kill_at_deadline and
                          deadline is not None)
    progress = _Progress(show_progressbar, max_evals, len(trials), deadline, progress_as_score)
    lock = threading.RLock()  # joblib asks for points in its own thread
    starting = list(points_to_evaluate or [])
    costs = _CostModel(cost_key, trials) if deadline is not None and cost_key is not None else None

    def propose() -> dict | None:
        if len(trials) < len(starting):
            return starting[len(trials)]
        for _ in range(_REDRAWS):
            [point] = algo(space, trials.history(space), 1, rng)
            if costs is None or deadline is None or costs.fits(point, deadline - time.monotonic()):
                return point
        return None  # every kind of trial proposed would overrun the deadline

    def source() -> tuple[int, dict] | None:
        with lock:
            if deadline is not None and time.monotonic() >= deadline:
                return None
            if loss_threshold is not None and trials.n_ok and (trials.best_trial.loss or 0.0) <= loss_threshold:
                return None  # (an ok trial always has a loss)
            if max_evals is not None and len(trials) >= max_evals:
                return None
            point = propose()
            if point is None:
                return None
            [tid] = trials.add_pending([point], time.time())
            return tid, point

    def record(tid: int, outcome: Outcome) -> None:
        with lock:
            trial = trials.finish(tid, **outcome)
            if costs is not None:
                costs.add(trial)
            progress.update(trials, trial)
            if on_trial is not None:
                on_trial(trial)

    try:
        runner.run(source, record, deadline)
    except KeyboardInterrupt:
        runner.close(kill=True)
        trials.drop_running()
        if trials.n_ok == 0:
            raise
        warnings.warn(f"Search interrupted after {len(trials)} trials; keeping the best so far.",
                      RuntimeWarning, stacklevel=2)
        return True
    finally:
        runner.close()
        progress.close()
    trials.drop_running()  # proposed but never run: handed out after the deadline
    return False


# Proposals asked of the algorithm before a search whose every proposal would
# overrun its deadline ends.
_REDRAWS = 8


class _CostModel:
    """How long each kind of trial takes, from the trials that finished.

    A trial's kind is ``cost_key(point)`` (the estimators use the learner's
    class). The expected cost of a kind is the median duration of its
    finished trials; a kind not seen yet has no estimate and is always
    started (the deadline still stops it).
    """

    def __init__(self, cost_key: Callable[[dict], Hashable], trials: Trials) -> None:
        self.cost_key = cost_key
        self.durations: dict[Hashable, list[float]] = {}
        for trial in trials:
            self.add(trial)

    def _key(self, point: dict) -> Hashable:
        try:
            return self.cost_key(point)
        except Exception:  # noqa: BLE001 - a point the key cannot read: no estimate
            return None

    def add(self, trial: Any) -> None:
        key = self._key(trial.point)
        if trial.status == STATUS_OK and trial.duration is not None and key is not None:
            self.durations.setdefault(key, []).append(float(trial.duration))

    def expected(self, point: dict) -> float | None:
        key = self._key(point)
        seen = None if key is None else self.durations.get(key)
        return float(np.median(seen)) if seen else None

    def fits(self, point: dict, time_left: float) -> bool:
        expected = self.expected(point)
        return expected is None or expected <= time_left


def _default_algo() -> Algorithm:
    return tpe.suggest
