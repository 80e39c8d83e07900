"""A mixture of algorithms: each point comes from one drawn at random.

This is hyperopt's ``mix.suggest``. The default mixes 10% random search into
TPE, a cheap guard against TPE locking onto one region.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from ..space import CompiledSpace
from . import rand, tpe
from ._history import History

__all__ = ["suggest"]

Algorithm = Callable[[CompiledSpace, History, int, np.random.Generator], list[dict[str, Any]]]

DEFAULT_P_SUGGEST: tuple[tuple[float, Algorithm], ...] = ((0.1, rand.suggest), (0.9, tpe.suggest))


def suggest(
    space: CompiledSpace,
    history: History,
    n: int,
    rng: np.random.Generator,
    *,
    p_suggest: Sequence[tuple[float, Algorithm]] = DEFAULT_P_SUGGEST,
) -> list[dict[str, Any]]:
    """Propose ``n`` points, each from an algorithm drawn with the given probabilities.

    Parameters
    ----------
    space : CompiledSpace
        The search space.
    history : History
        Past trials, passed on to every algorithm.
    n : int
        Number of points.
    rng : numpy.random.Generator
        Source of randomness, for the draw and for each algorithm.
    p_suggest : sequence of (float, callable)
        ``(probability, suggest)`` pairs; probabilities must sum to 1. Use
        ``functools.partial`` to pass knobs to an algorithm.

    Returns
    -------
    list of dict
        ``n`` points in the order drawn. Each algorithm sees the points
        already proposed in this batch as pending trials, so batches stay
        diverse.
    """
    probabilities = np.asarray([p for p, _ in p_suggest], dtype=float)
    if probabilities.ndim != 1 or len(probabilities) == 0 or np.any(probabilities < 0):
        raise ValueError(f"p_suggest must be (probability >= 0, algorithm) pairs, got {p_suggest!r}")
    if abs(probabilities.sum() - 1.0) > 1e-6:
        raise ValueError(f"the probabilities in p_suggest must sum to 1, got {probabilities.sum():.6g}")
    picks = rng.choice(len(probabilities), size=max(n, 0), p=probabilities / probabilities.sum())
    points: list[dict[str, Any]] = [{} for _ in picks]
    proposed: list[dict[str, Any]] = []
    for index, (_, algorithm) in enumerate(p_suggest):
        slots = np.flatnonzero(picks == index)
        if len(slots) == 0:
            continue
        for slot, point in zip(slots, algorithm(space, history.with_pending(space, proposed), len(slots), rng)):
            points[slot] = point
            proposed.append(point)
    return points
