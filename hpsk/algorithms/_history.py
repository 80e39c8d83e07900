"""The history an algorithm sees: flat arrays, one row per trial.

Algorithms are pure functions ``suggest(space, history, n, rng) -> points``.
They never see trial records, only this: one float column per label (NaN
where the label was inactive; choice and randint values as floats), the
losses, and a status code per row. Rows are in trial order, so ties broken by
row index favour the older trial.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import numpy as np

from ..space import CompiledSpace

__all__ = ["History", "OK", "FAILED", "PENDING"]

OK = 0
"""The trial finished and its loss is meaningful."""
FAILED = 1
"""The trial raised, timed out or returned a non-finite loss."""
PENDING = 2
"""The trial was proposed and is still running."""


@dataclass(frozen=True)
class History:
    """Past trials as arrays.

    Attributes
    ----------
    columns : mapping of str to ndarray of float, shape (n,)
        The value of each label per trial, NaN where inactive.
    losses : ndarray of float, shape (n,)
        The loss of each trial; NaN unless its status is ``OK``.
    status : ndarray of int8, shape (n,)
        ``OK``, ``FAILED`` or ``PENDING`` per trial.
    """

    columns: Mapping[str, np.ndarray]
    losses: np.ndarray
    status: np.ndarray

    @property
    def n(self) -> int:
        return len(self.losses)

    @property
    def n_ok(self) -> int:
        return int(np.count_nonzero(self.status == OK))

    @classmethod
    def empty(cls, space: CompiledSpace) -> "History":
        return cls({label: np.empty(0) for label in space.labels}, np.empty(0), np.empty(0, np.int8))

    @classmethod
    def from_points(
        cls,
        space: CompiledSpace,
        points: Sequence[Mapping[str, Any]],
        losses: Sequence[float | None],
        status: Sequence[int] | None = None,
    ) -> "History":
        """Build a history from points and losses (``None`` or non-finite loss = failed)."""
        n = len(points)
        columns = {label: np.full(n, np.nan) for label in space.labels}
        for i, point in enumerate(points):
            for label, value in point.items():
                if label in columns:
                    columns[label][i] = value
        loss_array = np.array([np.nan if v is None else float(v) for v in losses], dtype=float)
        if status is None:
            status_array = np.where(np.isfinite(loss_array), OK, FAILED).astype(np.int8)
        else:
            status_array = np.asarray(status, dtype=np.int8)
        loss_array[status_array != OK] = np.nan
        return cls(columns, loss_array, status_array)

    def with_pending(self, space: CompiledSpace, points: Sequence[Mapping[str, Any]]) -> "History":
        """This history plus ``points`` as pending rows (for batch proposals)."""
        if not points:
            return self
        extra = History.from_points(space, points, [None] * len(points), [PENDING] * len(points))
        columns = {
            label: np.concatenate([self.columns[label], extra.columns[label]]) for label in space.labels
        }
        return History(
            columns,
            np.concatenate([self.losses, extra.losses]),
            np.concatenate([self.status, extra.status]),
        )
