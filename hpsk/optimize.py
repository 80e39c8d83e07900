"""``fmin``: the ask -> evaluate -> tell loop, its budgets and its workers.

The loop asks the algorithm for as many points as there are free workers,
records them as running trials, hands them to a *runner*, and records each
outcome as it comes back. Three runners share one small interface:

* ``_InlineRunner`` evaluates in this process (``n_jobs=1``, no timeout);
* ``_JoblibRunner`` evaluates a batch through ``joblib.Parallel``, so any
  joblib backend (loky, dask, ray, spark) spreads the trials;
* ``_ProcessRunner`` evaluates each trial in its own killable worker process
  (one loky executor per slot), so ``trial_timeout`` stops a trial that
  overruns, even inside C code, and a worker that dies fails only its trial.
"""

from __future__ import annotations

import logging
import math
import numbers
import time
import warnings
from concurrent.futures import FIRST_COMPLETED, Future, wait
from typing import Any, Callable, Iterator, Mapping

import numpy as np
from joblib import Parallel, cpu_count, delayed

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
    if rstate is None or isinstance(rstate, (numbers.Integral, np.random.SeedSequence)):
        return np.random.default_rng(rstate)
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
            loss = float(loss)
        except (TypeError, ValueError):
            error = f"the objective returned a loss that is not a number: {loss!r}"
            return {"status": STATUS_FAIL, "error": error, "result": result, "duration": duration}
        if not math.isfinite(loss):
            error = f"the objective returned a non-finite loss: {loss!r}"
            return {"status": STATUS_FAIL, "error": error, "result": result, "duration": duration}
        result["loss"] = loss
        return {"status": STATUS_OK, "loss": loss, "result": result, "duration": duration}
    error = result.get("error") or f"the objective returned status {status!r}"
    loss = loss if isinstance(loss, (int, float)) and math.isfinite(loss) else None
    status = status if status in (STATUS_FAIL, STATUS_TIMEOUT) else STATUS_FAIL
    return {"status": status, "loss": None, "error": str(error), "result": result,
            "duration": duration}


# --------------------------------------------------------------------------
# Runners: submit(tid, point); collect(timeout) yields (tid, outcome).
# --------------------------------------------------------------------------


class _InlineRunner:
    """Evaluate in this process, one trial at a time."""

    def __init__(self, fn: Callable, space: Any) -> None:
        self.fn, self.space = fn, space
        self.queue: list[tuple[int, dict]] = []
        self.capacity = 1

    @property
    def n_running(self) -> int:
        return len(self.queue)

    def submit(self, tid: int, point: dict) -> None:
        self.queue.append((tid, point))

    def collect(self, timeout: float | None) -> Iterator[tuple[int, Outcome]]:
        queue, self.queue = self.queue, []
        for tid, point in queue:
            yield tid, evaluate_objective(self.fn, self.space, point)

    def close(self, kill: bool = False) -> None:
        self.queue = []


class _JoblibRunner(_InlineRunner):
    """Evaluate a batch in joblib workers (any backend set by ``parallel_config``)."""

    def __init__(self, fn: Callable, space: Any, n_jobs: int) -> None:
        super().__init__(fn, space)
        self.capacity = n_jobs
        self.parallel = Parallel(n_jobs=n_jobs, return_as="generator_unordered")

    def collect(self, timeout: float | None) -> Iterator[tuple[int, Outcome]]:
        queue, self.queue = self.queue, []
        if len(queue) == 1:  # no need to ship one trial to a worker
            tid, point = queue[0]
            yield tid, evaluate_objective(self.fn, self.space, point)
            return
        yield from self.parallel(delayed(_tagged)(self.fn, self.space, tid, p) for tid, p in queue)


def _tagged(fn: Callable, space: Any, tid: int, point: dict) -> tuple[int, Outcome]:
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

        self._make = lambda: ProcessPoolExecutor(
            max_workers=1, initializer=_install_objective, initargs=(fn, space)
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
        starting = [slot.ready for slot in self.running.values() if slot.started is None]
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

    def stop_all(self, status: str, error: str) -> Iterator[tuple[int, Outcome]]:
        for future in list(self.running):
            yield self._stop(future, status, error)

    def close(self, kill: bool = False) -> None:
        for future in list(self.running):
            self._stop(future, STATUS_FAIL, "closed")
        for executor in self.idle:
            executor.shutdown(wait=False, kill_workers=kill)
        self.idle = []


# --------------------------------------------------------------------------
# The loop.
# --------------------------------------------------------------------------

_FMIN_CONSTRAINTS = {
    "max_evals": [Interval(numbers.Integral, 1, None), None],
    "timeout": [Interval(numbers.Real, 0, None, "neither"), None],
    "trial_timeout": [Interval(numbers.Real, 0, None, "neither"), None],
    "n_jobs": [Interval(numbers.Integral, None, None), None],
    "loss_threshold": [Interval(numbers.Real, None, None), None],
    "algo": [callable, None],
    "trials": [InstanceOf((Trials,)), None],
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
                self.bar = tqdm(total=total, initial=initial, unit="trial", dynamic_ncols=True)

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
        Seconds after which no new trial starts (running ones are stopped
        when they run in worker processes, i.e. with ``trial_timeout``).
    show_progressbar : bool, default=True
        Show a tqdm progress bar.
    n_jobs : int, optional
        Trials evaluated at once, through joblib; ``-1`` uses every core.
    trial_timeout : float, optional
        Seconds after which one trial is stopped (its worker process is
        killed) and recorded with status ``"timeout"``.
    loss_threshold : float, optional
        Stop as soon as a trial reaches a loss at or below this.

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
         "n_jobs": n_jobs, "loss_threshold": loss_threshold, "algo": algo, "trials": trials},
        _FMIN_CONSTRAINTS, "fmin",
    )
    if max_evals is None and timeout is None and loss_threshold is None:
        raise ValueError("fmin needs a budget: set max_evals, timeout or loss_threshold.")
    compiled = compile_space(space)
    trials = Trials() if trials is None else trials
    search(fn, compiled, algo=algo, max_evals=max_evals, trials=trials, rng=as_generator(rstate),
           deadline=None if timeout is None else time.monotonic() + timeout,
           show_progressbar=show_progressbar, n_jobs=effective_n_jobs(n_jobs),
           trial_timeout=trial_timeout, loss_threshold=loss_threshold)
    if trials.n_ok == 0:
        raise AllTrialsFailed(_all_failed_message(trials))
    return trials.argmin


def _all_failed_message(trials: Trials) -> str:
    if len(trials) == 0:
        return "No trial ran: the budget ran out before the first trial finished."
    return f"All {len(trials)} trials failed. The first error was: {trials.first_error()}"


def _make_runner(fn: Callable, space: Any, n_jobs: int, trial_timeout: float | None) -> Any:
    if trial_timeout is not None:
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
) -> bool:
    """The loop behind :func:`fmin`, with validated arguments; records into ``trials``.

    ``deadline`` is a ``time.monotonic()`` value. On ``KeyboardInterrupt`` the
    running trials are dropped and, if any trial finished, the search stops
    with a warning and returns ``True``; otherwise the interrupt propagates.
    Returns ``False`` when the search ran to its budget.
    """
    algo = _default_algo() if algo is None else algo
    runner = _make_runner(fn, space.space, n_jobs, trial_timeout)
    progress = _Progress(show_progressbar, max_evals, len(trials), deadline, progress_as_score)

    def time_left() -> float | None:
        return None if deadline is None else deadline - time.monotonic()

    def may_start() -> bool:
        left = time_left()
        if left is not None and left <= 0:
            return False
        if loss_threshold is not None and trials.n_ok and trials.best_trial.loss <= loss_threshold:
            return False
        return max_evals is None or len(trials) < max_evals

    try:
        while True:
            free = runner.capacity - runner.n_running
            if free > 0 and may_start():
                n = free if max_evals is None else min(free, max_evals - len(trials))
                points = algo(space, trials.history(space), n, rng)
                for tid, point in zip(trials.add_pending(points, time.time()), points):
                    runner.submit(tid, point)
            if runner.n_running == 0:
                break
            left = time_left()
            for tid, outcome in runner.collect(None if left is None else max(left, 0.0)):
                progress.update(trials, trials.finish(tid, **outcome))
            if isinstance(runner, _ProcessRunner) and (left := time_left()) is not None and left <= 0:
                for tid, outcome in runner.stop_all(STATUS_TIMEOUT, "stopped at the search's time budget"):
                    progress.update(trials, trials.finish(tid, **outcome))
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
    return False


def _default_algo() -> Algorithm:
    return tpe.suggest
