"""Stage 4 of ``fit``: the trials so far, the seeds, the clock, and the search.

:func:`open_history` gathers what a search continues from (the trials of
``warm_start`` or of an SQLite ``storage``), the seed of the splits and the
stream of proposals, and the starting points; :func:`run_search` runs
:func:`hpsk.optimize.search` with the objective, recording each finished
trial in the storage and its predictions in the ensemble's pool.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import joblib
import numpy as np

from ..ensembling import PredictionPool
from ..evaluation import PipelineObjective
from ..fidelity import Rungs, affordable_trials, refit_seconds, rung_of
from ..optimize import as_generator, effective_n_jobs, search
from ..runners import release_idle_workers
from ..space import CompiledSpace
from ..storage import SQLiteStorage, space_digest
from ..trials import Trial, Trials
from .inputs import Inputs
from .search_space import learner_of, starting_points

__all__ = ["Clock", "History", "open_history", "trials_to_run", "run_search"]

# Share of ``time_budget`` kept back from the search for the final refit.
REFIT_RESERVE = 0.1
# Share of ``time_budget`` kept back for re-evaluating the top candidates.
REEVALUATE_RESERVE = 0.1


@dataclass(frozen=True)
class Clock:
    """``fit``'s ``time_budget`` from its ``start`` (``time.monotonic()`` seconds)."""

    start: float = field(default_factory=time.monotonic)
    budget: float | None = None

    def deadline(self, reserve: float = 0.0) -> float | None:
        """When the budget less its ``reserve`` share runs out; ``None`` without a budget."""
        return None if self.budget is None else self.start + self.budget * (1 - reserve)

    def search_deadline(self, refit: bool, reevaluate: bool) -> float | None:
        """The search's end: room is left for the refit and the re-evaluation that follow."""
        return self.deadline((REFIT_RESERVE if refit else 0.0) + (REEVALUATE_RESERVE if reevaluate else 0.0))

    def selection_deadline(self) -> float | None:
        """The end of the re-evaluation: room is left for the refit."""
        return self.deadline(REFIT_RESERVE)

    def left(self) -> float | None:
        """Seconds left of the whole budget; ``None`` without one."""
        return None if self.budget is None else self.start + self.budget - time.monotonic()


@dataclass
class History:
    """What a search starts from.

    ``trials`` holds the earlier trials (``warm_start``, ``fit_iter``'s
    steps, or the ``storage`` file's), ``seed`` the seed of the splits (the
    stored one when resuming, so old and new trials are scored alike) and
    ``rng`` the stream of proposals.
    """

    trials: Trials
    storage: SQLiteStorage | None
    seed: int | None
    rng: np.random.Generator
    starting: list[dict[str, Any]]


def open_history(space: CompiledSpace, inputs: Inputs, cv: Any, *, previous: Trials | None,
                 storage: str | os.PathLike | None, random_state: int | None,
                 points: str | Sequence[dict[str, Any]] | None, scoring: Any, loss_fn: Callable | None,
                 continuous_loss_fn: bool, owner: str) -> History:
    """The :class:`History` of this search.

    A ``storage`` file resumes only a search of the same space, data, ``cv``
    and ``scoring`` / ``loss_fn`` / ``continuous_loss_fn``: the things its
    losses depend on.
    """
    trials = previous if previous is not None else Trials()
    meaning = (_name(scoring), _name(loss_fn), continuous_loss_fn)
    opened = _open_storage(storage, space, inputs, cv, meaning, owner)
    rng = as_generator(random_state)
    seed = None if random_state is None else int(rng.integers(2**31 - 1))
    if opened is not None:
        # Resumed trials were scored on the splits of the stored seed.
        fresh_seed = int(np.random.SeedSequence().entropy) % 2**31  # type: ignore[arg-type]
        seed = int(opened.claim(split_seed=str(fresh_seed if seed is None else seed))["split_seed"])
        if not len(trials):
            opened.load_into(trials)
    starting = starting_points(space, points, rng, owner, inputs.task)
    if len(trials):
        # A fresh stream of proposals: the seeded one would repeat the first trials' points.
        rng = np.random.default_rng([int(rng.integers(2**31 - 1)), len(trials)])
    return History(trials, opened, seed, rng, starting)


def _open_storage(path: str | os.PathLike | None, space: CompiledSpace, inputs: Inputs, cv: Any,
                  meaning: tuple[str, str, bool], owner: str) -> SQLiteStorage | None:
    """The storage, checked against this search's space and data (see :mod:`hpsk.storage`)."""
    if path is None:
        return None
    # What a loss means: the data, the task, the validation and the scoring.
    data = joblib.hash((inputs.X, inputs.y, inputs.groups, inputs.weights, inputs.task, repr(cv), *meaning))
    storage = SQLiteStorage(os.fspath(path))
    try:
        storage.claim(space=space_digest(space), data=data)
    except ValueError as error:
        storage.close()
        raise ValueError(f"{owner}: {error}") from None
    return storage


def _name(value: Any) -> str:
    """A function by its qualified name, anything else by its repr."""
    return getattr(value, "__qualname__", None) or repr(value)


# The most of ``time_budget`` a multi-fidelity search keeps back for the refit.
REFIT_SHARE_MAX = 0.25
# From this many rows on, the search's idle joblib workers are shut down when it
# ends (see runners.release_idle_workers): their memory is worth more to the
# refit than the second it takes the next search to start new ones.
RELEASE_WORKERS_ROWS = 20_000


def _refit_reserve(n_rows: int, budget: float) -> Callable[[Trials], float]:
    """Seconds to keep for refitting, on ``n_rows``, the trial the selection would take now:
    the best of the highest rung among those whose refit takes at most a quarter of the budget."""
    def reserve(trials: Trials) -> float:
        if not trials.n_ok:
            return 0.0
        best = min(affordable_trials(trials, n_rows, REFIT_SHARE_MAX * budget), key=lambda t: (t.loss, t.tid))
        return min(refit_seconds(best, n_rows), REFIT_SHARE_MAX * budget)

    return reserve


def trials_to_run(max_evals: int | None, n_new: int | None, warm_start: bool, history: History) -> int | None:
    """How many trials this ``fit`` runs; ``None``: until the clock.

    The storage's trials count towards ``max_evals`` (a resumed search ends
    where the first would have); ``warm_start`` runs ``max_evals`` more;
    ``fit_iter`` asks for ``n_new``.
    """
    if n_new is not None or max_evals is None:
        return n_new
    return max_evals if warm_start or history.storage is None else max_evals - len(history.trials)


def run_search(objective: PipelineObjective, space: CompiledSpace, history: History, *,
               n_new: int | None, algo: Callable | None, deadline: float | None,
               pool: PredictionPool | None, verbose: bool, n_jobs: int | None,
               trial_timeout: float | None, rungs: Rungs | None = None,
               refit_rows: int | None = None, budget: float | None = None) -> bool:
    """Run ``n_new`` more trials (``None``: until ``deadline``) into ``history.trials``.

    With ``rungs`` the search is multi-fidelity (:mod:`hpsk.fidelity`); only
    the last rung's predictions go to the ``pool``, since only its models
    are fitted on every row, and with ``refit_rows`` the search stops early
    enough to refit its best trial on that many rows (its expected refit
    time, at most a quarter of the ``budget``). Returns whether Ctrl-C stopped the
    search. The storage is closed at the end.
    """
    storage = history.storage

    def on_trial(trial: Trial) -> None:
        if pool is not None and (rungs is None or rung_of(trial) == rungs.top):
            pool.take(trial)  # takes the predictions out of the result before it is stored
        elif isinstance(trial.result, dict):
            trial.result.pop("predictions", None)
        if storage is not None:
            storage.append(trial)

    try:
        if n_new is not None and n_new <= 0:
            return False
        trials = history.trials
        return search(objective, space, algo=algo, max_evals=None if n_new is None else len(trials) + n_new,
                      trials=trials, rng=history.rng, deadline=deadline, show_progressbar=verbose,
                      n_jobs=effective_n_jobs(n_jobs), trial_timeout=trial_timeout, progress_as_score=True,
                      on_trial=on_trial, points_to_evaluate=history.starting,
                      cost_key=lambda point: learner_of(space, point), kill_at_deadline=True, rungs=rungs,
                      reserve=None if refit_rows is None or budget is None else _refit_reserve(refit_rows, budget))
    finally:
        if storage is not None:
            storage.close()
        if objective.X.shape[0] >= RELEASE_WORKERS_ROWS and effective_n_jobs(n_jobs) > 1:
            release_idle_workers()  # before the ensemble's and the refit's memory
