"""``fmin``: the ask -> evaluate -> tell loop and its budgets.

The loop asks the algorithm for one point whenever a worker is free (the
trials still running count as pending points, TPE's constant liar), records
it as a running trial, and records each outcome as it comes back. Where the
trials run (this process, joblib's workers, killable worker processes) is
:mod:`hpsk.runners`' job.
"""

from __future__ import annotations

import logging
import numbers
import threading
import time
import warnings
from dataclasses import dataclass
from typing import Any, Callable, Hashable, Mapping

import numpy as np
from joblib import cpu_count

from ._validation import Interval, InstanceOf, validate_params
from .algorithms import History, tpe
from .exceptions import AllTrialsFailed
from .fidelity import Rungs, RungSchedule, rung_of
from .outcome import RUNG, Outcome, Runner
from .runners import make_runner
from .space import CompiledSpace, compile_space
from .trials import STATUS_OK, Trial, Trials

__all__ = ["fmin", "search", "as_generator", "effective_n_jobs"]

logger = logging.getLogger("hpsk")

Algorithm = Callable[[CompiledSpace, History, int, np.random.Generator], list]


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

    def update(self, trials: Trials, trial: Trial) -> None:
        if trial.ok and trial.loss is not None and (self.best is None or trial.loss < self.best):
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
        if isinstance(trial.result, dict) and "rung" in trial.result:  # a multi-fidelity search
            parts.append(f"rung {trial.result['rung']} ({trial.result.get('n_rows')} rows)")
        if self.deadline is not None:
            parts.append(f"{max(0.0, self.deadline - time.monotonic()):.0f}s left")
        self.bar.set_postfix_str(", ".join(parts), refresh=False)
        self.bar.update(1)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


# fmin is over 60 lines only through its docstring, which documents hyperopt's
# signature parameter by parameter; its signature and code are 20 lines.
def fmin(fn: Callable[[Any], Any], space: Any, algo: Algorithm | None = None,
         max_evals: int | None = None, trials: Trials | None = None, rstate: Any = None,
         timeout: float | None = None, show_progressbar: bool = True, *, n_jobs: int | None = None,
         trial_timeout: float | None = None, loss_threshold: float | None = None,
         points_to_evaluate: list[Mapping[str, Any]] | None = None) -> dict[str, Any]:
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
    _check_fmin_arguments({
        "max_evals": max_evals, "timeout": timeout, "trial_timeout": trial_timeout, "n_jobs": n_jobs,
        "loss_threshold": loss_threshold, "algo": algo, "trials": trials,
        "points_to_evaluate": points_to_evaluate})
    compiled = compile_space(space)
    trials = Trials() if trials is None else trials
    rng = as_generator(rstate)
    starting = _completed_points(compiled, points_to_evaluate, rng)
    search(fn, compiled, algo=algo, max_evals=max_evals, trials=trials, rng=rng,
           deadline=None if timeout is None else time.monotonic() + timeout,
           show_progressbar=show_progressbar, n_jobs=effective_n_jobs(n_jobs),
           trial_timeout=trial_timeout, loss_threshold=loss_threshold, points_to_evaluate=starting)
    if trials.n_ok == 0:
        raise AllTrialsFailed(_all_failed_message(trials))
    return trials.argmin


def _check_fmin_arguments(arguments: dict[str, Any]) -> None:
    """``fmin``'s checks: each argument's type and range, and that some budget is set."""
    validate_params(arguments, _FMIN_CONSTRAINTS, "fmin")
    if all(arguments[name] is None for name in ("max_evals", "timeout", "loss_threshold")):
        raise ValueError("fmin needs a budget: set max_evals, timeout or loss_threshold.")


def _completed_points(space: CompiledSpace, points: list[Mapping[str, Any]] | None,
                      rng: np.random.Generator) -> list[dict[str, Any]]:
    """``points_to_evaluate`` made complete: labels they leave out drawn from the prior."""
    try:
        return [space.complete(point, rng) for point in points or []]
    except ValueError as error:
        raise ValueError(f"fmin: points_to_evaluate: {error}") from None


def _all_failed_message(trials: Trials) -> str:
    if len(trials) == 0:
        return "No trial ran: the budget ran out before the first trial finished."
    return f"All {len(trials)} trials failed. The first error was: {trials.first_error()}"


def search(fn: Callable[[Any], Any], space: CompiledSpace, *, algo: Algorithm | None,
           max_evals: int | None, trials: Trials, rng: np.random.Generator,
           deadline: float | None = None, show_progressbar: bool = False, n_jobs: int = 1,
           trial_timeout: float | None = None, loss_threshold: float | None = None,
           progress_as_score: bool = False, on_trial: Callable[[Trial], None] | None = None,
           points_to_evaluate: list[dict[str, Any]] | None = None,
           cost_key: Callable[[dict], Hashable] | None = None, kill_at_deadline: bool = False,
           rungs: Rungs | None = None, reserve: Callable[[Trials], float] | None = None) -> bool:
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

    With ``rungs`` the search is multi-fidelity (see :mod:`hpsk.fidelity`):
    ``fn.at_rung(k)`` evaluates on rung ``k``'s rows, and each trial's
    result records its ``"rung"`` and ``"n_rows"``. ``reserve(trials)``:
    seconds before the ``deadline`` after which no trial starts (the time
    the caller needs afterwards, as the trials so far tell it).
    """
    algo = _default_algo() if algo is None else algo
    runner = make_runner(fn, space.space, n_jobs, trial_timeout, killable=kill_at_deadline and
                         deadline is not None)
    progress = _Progress(show_progressbar, max_evals, len(trials), deadline, progress_as_score)
    loop = _Loop(space, algo, trials, rng, _Budget(max_evals, deadline, loss_threshold, reserve),
                 starting=list(points_to_evaluate or []), progress=progress, on_trial=on_trial,
                 costs=_CostModel(cost_key, trials) if deadline is not None and cost_key is not None else None,
                 schedule=None if rungs is None else RungSchedule(rungs, trials))
    return _run(runner, loop, deadline)


@dataclass(frozen=True)
class _Budget:
    """When a search stops handing out trials: a deadline, a loss reached, a trial count."""

    max_evals: int | None
    deadline: float | None
    loss_threshold: float | None
    reserve: Callable[[Trials], float] | None = None

    def spent(self, trials: Trials) -> bool:
        """Whether to stop: the deadline (less the reserve) passed, a trial reached the
        threshold, or ``max_evals`` ran."""
        if self.deadline is not None:
            kept = 0.0 if self.reserve is None else self.reserve(trials)
            if time.monotonic() >= self.deadline - kept:
                return True
        if (self.loss_threshold is not None and trials.n_ok
                and (trials.best_trial.loss or 0.0) <= self.loss_threshold):
            return True  # (an ok trial always has a loss)
        return self.max_evals is not None and len(trials) >= self.max_evals


class _Loop:
    """One search's ask and tell: the ``source`` and ``record`` a runner calls.

    Both run in this process, but joblib asks for points in its own thread,
    hence the lock.
    """

    def __init__(self, space: CompiledSpace, algo: Algorithm, trials: Trials, rng: np.random.Generator,
                 budget: _Budget, *, starting: list[dict[str, Any]], progress: _Progress,
                 on_trial: Callable[[Trial], None] | None, costs: _CostModel | None,
                 schedule: RungSchedule | None = None) -> None:
        self.space, self.algo, self.trials, self.rng, self.budget = space, algo, trials, rng, budget
        self.starting, self.progress, self.on_trial, self.costs = starting, progress, on_trial, costs
        self.schedule = schedule
        self.lock = threading.RLock()

    def fits(self, point: dict, rung: int | None) -> bool:
        """Whether a trial of ``point``'s kind on ``rung`` is expected to end before the deadline."""
        deadline = self.budget.deadline
        return self.costs is None or deadline is None or self.costs.fits(point, deadline - time.monotonic(), rung)

    def propose(self) -> tuple[dict, int | None] | None:
        """The next point and its rung: a starting point, a promotion (multi-fidelity), else
        the algorithm's point that fits in the time left."""
        rung = None if self.schedule is None else 0
        if len(self.trials) < len(self.starting):
            return self.starting[len(self.trials)], rung
        if self.schedule is not None:
            promoted, higher = self.schedule.next()
            if promoted is not None and self.fits(promoted, higher):
                return promoted, higher
        history = self.trials.history(self.space)
        if self.schedule is not None:
            history = self.schedule.history(history)
        for _ in range(_REDRAWS):
            [point] = self.algo(self.space, history, 1, self.rng)
            if self.fits(point, rung):
                return point, rung
        return None  # every kind of trial proposed would overrun the deadline

    def source(self) -> tuple[int, dict] | None:
        """The next ``(tid, point)``, recorded as running, or ``None`` once the budget is spent."""
        with self.lock:
            if self.budget.spent(self.trials):
                return None
            proposed = self.propose()
            if proposed is None:
                return None
            point, rung = proposed
            [tid] = self.trials.add_pending([point], time.time())
            if self.schedule is None or rung is None:
                return tid, point
            self.schedule.handed(tid, rung)
            return tid, {**point, RUNG: rung}

    def record(self, tid: int, outcome: Outcome) -> None:
        """Record a finished trial, then tell the cost model, the progress bar and ``on_trial``."""
        with self.lock:
            result = outcome.result
            if self.schedule is not None:
                rung = self.schedule.finished(tid)
                result = {**result, "rung": rung, "n_rows": self.schedule.rungs.sizes[rung]}
            trial = self.trials.finish(tid, status=outcome.status, loss=outcome.loss, result=result,
                                       error=outcome.error, duration=outcome.duration)
            if self.costs is not None:
                self.costs.add(trial)
            self.progress.update(self.trials, trial)
            if self.on_trial is not None:
                self.on_trial(trial)


def _run(runner: Runner, loop: _Loop, deadline: float | None) -> bool:
    """Run ``loop`` through ``runner``; ``True`` when interrupted with trials to keep (see :func:`search`)."""
    trials = loop.trials
    try:
        runner.run(loop.source, loop.record, deadline)
    except KeyboardInterrupt:
        runner.close(kill=True)
        trials.drop_running()
        if trials.n_ok == 0:
            raise
        # stacklevel 3: the warning points at search's caller, as when search warned itself.
        warnings.warn(f"Search interrupted after {len(trials)} trials; keeping the best so far.",
                      RuntimeWarning, stacklevel=3)
        return True
    finally:
        runner.close()
        loop.progress.close()
    trials.drop_running()  # proposed but never run: handed out after the deadline
    return False


# Proposals asked of the algorithm before a search whose every proposal would
# overrun its deadline ends.
_REDRAWS = 8


class _CostModel:
    """How long each kind of trial takes, from the trials that finished.

    A trial's kind is ``cost_key(point)`` (the estimators use the learner's
    class) and, in a multi-fidelity search, its rung. The expected cost of a kind is the median duration of its
    finished trials; a kind not seen yet has no estimate and is always
    started (the deadline still stops it).
    """

    def __init__(self, cost_key: Callable[[dict], Hashable], trials: Trials) -> None:
        self.cost_key = cost_key
        self.durations: dict[Hashable, list[float]] = {}
        for trial in trials:
            self.add(trial)

    def _key(self, point: dict, rung: int | None) -> Hashable:
        try:
            return self.cost_key(point), rung
        except Exception:  # noqa: BLE001 - a point the key cannot read: no estimate
            return None

    def add(self, trial: Trial) -> None:
        key = self._key(trial.point, rung_of(trial))
        if trial.status == STATUS_OK and trial.duration is not None and key is not None:
            self.durations.setdefault(key, []).append(float(trial.duration))

    def expected(self, point: dict, rung: int | None = None) -> float | None:
        """The median duration of the finished trials of ``point``'s kind (on ``rung``)."""
        key = self._key(point, rung)
        seen = None if key is None else self.durations.get(key)
        return float(np.median(seen)) if seen else None

    def fits(self, point: dict, time_left: float, rung: int | None = None) -> bool:
        expected = self.expected(point, rung)
        return expected is None or expected <= time_left


def _default_algo() -> Algorithm:
    return tpe.suggest
