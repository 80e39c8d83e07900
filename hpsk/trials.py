"""Records of evaluated points.

:class:`Trials` keeps one immutable :class:`Trial` per evaluation and, beside
them, append-only float columns so that :meth:`Trials.history` hands an
algorithm flat arrays without looping over trials in Python.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any, Iterator, Mapping, Sequence

import numpy as np

from .algorithms import FAILED, OK, PENDING, History
from .space import CompiledSpace

__all__ = [
    "Trial",
    "Trials",
    "STATUS_OK",
    "STATUS_FAIL",
    "STATUS_RUNNING",
    "STATUS_TIMEOUT",
]

STATUS_OK = "ok"
STATUS_FAIL = "fail"
STATUS_RUNNING = "running"
STATUS_TIMEOUT = "timeout"

_STATUS_CODES = {STATUS_OK: OK, STATUS_FAIL: FAILED, STATUS_TIMEOUT: FAILED, STATUS_RUNNING: PENDING}


@dataclass(frozen=True)
class Trial:
    """One evaluation.

    Attributes
    ----------
    tid : int
        Index of the trial, in the order points were proposed.
    point : dict
        The active labels and their values (choice entries are option indices).
    status : str
        ``"ok"``, ``"fail"``, ``"timeout"`` or ``"running"``.
    loss : float or None
        The loss, when the objective returned one.
    result : dict
        Everything the objective returned (``{"loss": ..., "status": ...}``
        for a plain float), or ``{"status": "fail", "error": ...}``.
    error : str or None
        The error text of a failed trial.
    start_time : float
        Wall-clock time (``time.time()``) at which the trial was proposed.
    duration : float or None
        Seconds the evaluation took.
    """

    tid: int
    point: dict[str, Any]
    status: str = STATUS_RUNNING
    loss: float | None = None
    result: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    start_time: float = 0.0
    duration: float | None = None

    @property
    def ok(self) -> bool:
        return self.status == STATUS_OK

    def __getitem__(self, key: str) -> Any:
        # hyperopt's trial documents are dicts; these keys keep the common
        # ``trials.best_trial["result"]["loss"]`` idiom working for switchers.
        if key == "misc":
            return {"vals": {label: [value] for label, value in self.point.items()}, "tid": self.tid}
        if key == "state":
            return self.status
        if key in ("tid", "result"):
            return getattr(self, key)
        raise KeyError(key)


class Trials:
    """All trials of a search, in order.

    Pass the same object to :func:`hpsk.fmin` again with a larger
    ``max_evals`` to continue a search: ``max_evals`` counts the trials
    already here.

    Examples
    --------
    >>> from hpsk import fmin, hp, rand, Trials
    >>> trials = Trials()
    >>> best = fmin(lambda x: x ** 2, hp.uniform("x", -1, 1), algo=rand.suggest,
    ...             max_evals=20, trials=trials, rstate=0, show_progressbar=False)
    >>> len(trials)
    20
    """

    def __init__(self) -> None:
        self._trials: list[Trial] = []
        self._columns: dict[str, np.ndarray] = {}
        self._losses = np.empty(16)
        self._status = np.empty(16, dtype=np.int8)

    # ---- hyperopt's reading API ------------------------------------------

    @property
    def trials(self) -> list[Trial]:
        return list(self._trials)

    def __len__(self) -> int:
        return len(self._trials)

    def __iter__(self) -> Iterator[Trial]:
        return iter(self._trials)

    def __getitem__(self, index: int) -> Trial:
        return self._trials[index]

    @property
    def results(self) -> list[dict[str, Any]]:
        return [t.result for t in self._trials]

    def losses(self) -> list[float | None]:
        """The loss of each trial, ``None`` where there is none."""
        return [t.loss for t in self._trials]

    def statuses(self) -> list[str]:
        return [t.status for t in self._trials]

    @property
    def n_ok(self) -> int:
        return int(np.count_nonzero(self._status[: len(self)] == OK))

    @property
    def best_trial(self) -> Trial:
        """The finished trial with the lowest loss (the older one on ties)."""
        n = len(self)
        losses = np.where(self._status[:n] == OK, self._losses[:n], np.inf)
        if n == 0 or not np.isfinite(losses).any():
            raise ValueError("No trial has finished successfully, so there is no best trial.")
        return self._trials[int(np.argmin(losses))]

    @property
    def argmin(self) -> dict[str, Any]:
        """The point of :attr:`best_trial`."""
        return dict(self.best_trial.point)

    def first_error(self) -> str | None:
        """The error text of the first failed trial, if any."""
        return next((t.error for t in self._trials if t.error), None)

    def table(self) -> Any:
        """One row per trial: ``tid``, ``status``, ``loss``, ``duration``, ``error`` and labels.

        A pandas ``DataFrame`` when pandas is installed, else a list of dicts.
        """
        rows = [
            {"tid": t.tid, "status": t.status, "loss": t.loss, "duration": t.duration,
             "error": t.error, **t.point}
            for t in self._trials
        ]
        try:
            import pandas as pd
        except ImportError:
            return rows
        return pd.DataFrame(rows)

    # ---- the algorithm's view --------------------------------------------

    def history(self, space: CompiledSpace) -> History:
        """Past trials as flat arrays over ``space``'s labels (views, no copy)."""
        n = len(self)
        missing = np.full(n, np.nan)
        columns = {label: self._columns[label][:n] if label in self._columns else missing
                   for label in space.labels}
        return History(columns, self._losses[:n], self._status[:n])

    # ---- writing ---------------------------------------------------------

    def _grow(self, needed: int) -> None:
        capacity = len(self._losses)
        if needed <= capacity:
            return
        new_capacity = max(needed, 2 * capacity)

        def grown(array: np.ndarray, fill: float) -> np.ndarray:
            out = np.full(new_capacity, fill, dtype=array.dtype)
            out[:capacity] = array
            return out

        self._losses = grown(self._losses, np.nan)
        self._status = grown(self._status, PENDING)
        self._columns = {label: grown(column, np.nan) for label, column in self._columns.items()}

    def _set_row(self, trial: Trial) -> None:
        row = trial.tid
        for label, value in trial.point.items():
            column = self._columns.get(label)
            if column is None:
                column = self._columns[label] = np.full(len(self._losses), np.nan)
            column[row] = value
        self._status[row] = _STATUS_CODES[trial.status]
        self._losses[row] = trial.loss if trial.status == STATUS_OK else np.nan

    def add_pending(self, points: Sequence[Mapping[str, Any]], start_time: float) -> list[int]:
        """Record ``points`` as running trials; return their tids."""
        first = len(self)
        self._grow(first + len(points))
        tids = []
        for offset, point in enumerate(points):
            trial = Trial(tid=first + offset, point=dict(point), start_time=start_time)
            self._trials.append(trial)
            self._set_row(trial)
            tids.append(trial.tid)
        return tids

    def finish(
        self,
        tid: int,
        *,
        status: str,
        loss: float | None = None,
        result: Mapping[str, Any] | None = None,
        error: str | None = None,
        duration: float | None = None,
    ) -> Trial:
        """Record the outcome of a running trial."""
        if status == STATUS_OK and (loss is None or not math.isfinite(loss)):
            raise ValueError(f"a trial with status 'ok' needs a finite loss, got {loss!r}")
        trial = replace(
            self._trials[tid], status=status, loss=loss, result=dict(result or {}),
            error=error, duration=duration,
        )
        self._trials[tid] = trial
        self._set_row(trial)
        return trial

    def drop_running(self) -> None:
        """Forget trials still marked running (after an interrupted search)."""
        keep = [t for t in self._trials if t.status != STATUS_RUNNING]
        if len(keep) == len(self._trials):
            return
        old = self._trials
        Trials.__init__(self)
        self.add_pending([t.point for t in keep], 0.0)
        for new_tid, trial in enumerate(keep):
            self._trials[new_tid] = replace(trial, tid=new_tid)
            self._set_row(self._trials[new_tid])
        del old
