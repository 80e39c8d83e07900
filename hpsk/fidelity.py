"""Multi-fidelity search: successive halving on nested row subsamples.

On a large table most configurations show that they are poor long before
they see every row. A multi-fidelity search first fits each configuration on
a small subsample of every training split (rung 0), and only the best third
(``1 / eta``) of a rung goes on to ``eta`` times as many rows, up to the last
rung, which is every training row. Every rung is scored on the same
validation rows, so scores compare across configurations of one rung.

The schedule is asynchronous (ASHA, Li et al., 2020): whenever a worker is
free, :class:`RungSchedule` promotes the best configuration of the highest
rung that has one to promote, and otherwise starts a new configuration on
rung 0, proposed by the search algorithm from the trials of the highest rung
that has enough of them (as BOHB does with TPE). No worker waits for a rung
to fill.

Each evaluation is one trial; its result records ``"rung"`` and
``"n_rows"`` (training rows per split), so a resumed search (``storage=``)
and ``fit_iter`` rebuild the schedule from the trials alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import numpy as np

from .algorithms import OK, PENDING, History
from .trials import Trial, Trials

__all__ = ["Rungs", "rung_sizes", "nested_order", "rung_splits", "RungSchedule", "rung_of", "top_rung_trials",
           "refit_seconds", "affordable_trials"]

# Rung 0's rows per training split, and the growth from one rung to the next,
# unless the user sets them.
MIN_ROWS = 2000
ETA = 3
# Unless the user sets rung 0's rows, they grow with the data so that there
# are at most this many rungs.
MAX_RUNGS = 5
# fidelity="auto" turns the schedule on when the training splits hold at
# least this many times rung 0's rows (and fit has a time_budget).
AUTO_FACTOR = 10
# The algorithm proposes from the highest rung with at least this many
# finished trials (fewer, and its model of the losses is mostly noise).
MIN_HISTORY = 8


@dataclass(frozen=True)
class Rungs:
    """The training rows per split at each rung (the last: all of them), and ``eta``."""

    sizes: tuple[int, ...]
    eta: int

    @property
    def top(self) -> int:
        return len(self.sizes) - 1


def rung_sizes(n_train: int, min_rows: int = MIN_ROWS, eta: int = ETA) -> tuple[int, ...]:
    """Rows per rung: ``min_rows``, ``eta`` times more, ..., then ``n_train``.

    A rung within a factor ``sqrt(eta)`` of ``n_train`` is dropped, so that
    the last step is worth its cost.

    >>> rung_sizes(100_000, 2000, 3)
    (2000, 6000, 18000, 54000, 100000)
    >>> rung_sizes(1500, 2000, 3)
    (1500,)
    """
    sizes = []
    size = min_rows
    while size * np.sqrt(eta) < n_train:
        sizes.append(int(size))
        size *= eta
    return tuple(sizes) + (int(n_train),)


def nested_order(rows: np.ndarray, classes: np.ndarray | None, rng: np.random.Generator) -> np.ndarray:
    """``rows`` reordered so that every prefix is a random subsample, stratified by ``classes``.

    Each class's rows are spread evenly over the order (a row's key is its
    rank within its class over the class's size, plus jitter), so any prefix
    holds about the classes' shares; one row of every class comes first, so
    even the smallest prefix holds every class. Prefixes nest, which is what
    makes rung ``k + 1`` contain rung ``k``.
    """
    rows = rng.permutation(rows)
    if classes is None:
        return rows
    labels = classes[rows]
    keys = np.empty(len(rows))
    for label in np.unique(labels):
        members = np.flatnonzero(labels == label)
        keys[members] = (np.arange(len(members)) + rng.uniform(size=len(members))) / len(members)
        keys[members[0]] = -1.0  # every class in the first rows
    return rows[np.argsort(keys, kind="stable")]


def rung_splits(splits: Sequence[tuple[np.ndarray, np.ndarray]], rungs: Rungs, classes: np.ndarray | None,
                seed: int | None) -> list[list[tuple[np.ndarray, np.ndarray]]]:
    """Per rung, the splits with each training part cut to the rung's rows (validation unchanged).

    The last rung is the splits themselves. Rows are kept in their original
    order within a rung's subsample.
    """
    rng = np.random.default_rng(seed)
    orders = [nested_order(np.asarray(train), classes, rng) for train, _ in splits]
    out = [[(np.sort(order[:size]), validation) for order, (_, validation) in zip(orders, splits)]
           for size in rungs.sizes[:-1]]
    return out + [[(train, validation) for train, validation in splits]]


def rung_of(trial: Trial) -> int | None:
    """The rung a trial was evaluated on; ``None`` for a search without rungs."""
    rung = trial.result.get("rung") if isinstance(trial.result, Mapping) else None
    return None if rung is None else int(rung)


def top_rung_trials(trials: Trials) -> list[Trial]:
    """The ``ok`` trials whose scores compare: those of the highest rung any ``ok`` trial reached.

    Without rungs, every ``ok`` trial.
    """
    ok = [trial for trial in trials if trial.ok]
    rungs = [rung_of(trial) for trial in ok]
    if all(rung is None for rung in rungs):
        return ok
    top = max(rung for rung in rungs if rung is not None)
    return [trial for trial, rung in zip(ok, rungs) if rung == top or rung is None]


def refit_seconds(trial: Trial, n_rows: int) -> float:
    """The expected seconds to refit ``trial``'s pipeline on ``n_rows``: its fit time per
    split scaled linearly from the rows it was fitted on (0 when it did not say)."""
    fit_time = trial.result.get("fit_time") if isinstance(trial.result, Mapping) else None
    rows = trial.result.get("n_rows") if isinstance(trial.result, Mapping) else None
    if fit_time is None or not rows:
        return 0.0
    return float(fit_time) * n_rows / float(rows)


def affordable_trials(trials: Trials, n_rows: int, seconds: float) -> list[Trial]:
    """The ``ok`` trials of the highest rung whose refit on ``n_rows`` is expected within
    ``seconds``; when there is none, the cheapest trial."""
    by_rung: dict[int, list[Trial]] = {}
    for trial in trials:
        if trial.ok:
            rung = rung_of(trial)
            by_rung.setdefault(-1 if rung is None else rung, []).append(trial)
    for rung in sorted(by_rung, reverse=True):
        fitting = [t for t in by_rung[rung] if refit_seconds(t, n_rows) <= seconds]
        if fitting:
            return fitting
    return [min((t for t in trials if t.ok), key=lambda t: refit_seconds(t, n_rows))]


def _key(point: Mapping[str, Any]) -> tuple:
    """A configuration's identity: its point (promotions copy the point exactly)."""
    return tuple(sorted((label, repr(value)) for label, value in point.items()))


class RungSchedule:
    """Asynchronous successive halving over the trials of one search.

    :meth:`next` says what the free worker evaluates: ``(point, rung)`` to
    promote a configuration, or ``(None, 0)`` for a new one, whose point the
    caller asks of the algorithm with :meth:`history`. :meth:`handed` records
    an evaluation handed out (the trial is pending until it finishes).
    """

    def __init__(self, rungs: Rungs, trials: Trials) -> None:
        self.rungs = rungs
        self.pending: dict[int, int] = {}  # tid -> rung, of trials handed out and not finished
        self.trials = trials

    def rung(self, trial: Trial) -> int | None:
        rung = rung_of(trial)
        return self.pending.get(trial.tid) if rung is None else rung

    def next(self) -> tuple[dict[str, Any] | None, int]:
        """The configuration to promote and its new rung, or ``(None, 0)``: start a new one."""
        by_rung: dict[int, list[Trial]] = {}
        for trial in self.trials:
            rung = self.rung(trial)
            if rung is not None:
                by_rung.setdefault(rung, []).append(trial)
        for rung in range(self.rungs.top - 1, -1, -1):
            finished = sorted((t for t in by_rung.get(rung, []) if t.ok and t.loss is not None),
                              key=lambda t: (t.loss, t.tid))
            above = {_key(t.point) for t in by_rung.get(rung + 1, [])}
            for trial in finished[: len(finished) // self.rungs.eta]:
                if _key(trial.point) not in above:
                    return dict(trial.point), rung + 1
        return None, 0

    def handed(self, tid: int, rung: int) -> None:
        self.pending[tid] = rung

    def finished(self, tid: int) -> int:
        """Forget a finished trial's pending entry; return its rung."""
        return self.pending.pop(tid)

    def history(self, history: History) -> History:
        """The algorithm's view: the trials of the highest rung with enough finished ones.

        Pending trials of rung 0 stay in, so that parallel proposals spread
        out as they do without rungs.
        """
        rungs = np.array([-1 if (r := self.rung(t)) is None else r for t in self.trials], dtype=int)
        rungs = rungs[: len(history.losses)]
        finished = history.status == OK
        chosen = 0
        for rung in range(self.rungs.top, 0, -1):
            if np.count_nonzero(finished & (rungs == rung)) >= MIN_HISTORY:
                chosen = rung
                break
        keep = (rungs == chosen) & ((history.status != PENDING) | (chosen == 0))
        return History({label: column[keep] for label, column in history.columns.items()},
                       history.losses[keep], history.status[keep])
