"""Annealing: sample around good past points with a width that shrinks over time.

The idea is hyperopt's ``anneal``: for each new point pick one of the best
trials so far - its rank drawn from a geometric distribution with mean
``avg_best_idx`` - and perturb it. A parameter observed in ``T`` finished
trials is perturbed within a fraction ``1 / (1 + T * shrink_coef)`` of its
prior's width, so the search starts broad and narrows around what works:

* bounded numeric parameters (uniform, log-uniform, quantised, randint): a
  uniform draw in a window of that fraction of the domain, centred on the
  picked value and shifted to stay inside the domain (in log space for log
  parameters, then rounded);
* normal and lognormal parameters: a normal draw around the picked value,
  its sigma shrunk by the same fraction;
* choices: keep the picked option with probability ``1 - fraction``,
  otherwise redraw from the prior.

A conditional parameter is perturbed around the trial of the same rank
among those where it was active, or drawn from the prior if none was. All
``n`` points are drawn at once, one array operation per parameter.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..space import CompiledSpace, Distribution, Float, Gaussian, Integer
from ._history import OK, History

__all__ = ["suggest"]


def _perturb(
    dist: Distribution, centres: np.ndarray, fraction: float, rng: np.random.Generator
) -> np.ndarray:
    """Draw one value near each of ``centres`` (values of ``dist``), ``fraction`` of the prior's width away at most."""
    size = len(centres)
    if isinstance(dist, Integer):
        low, high, log, q = dist.low - 0.5, dist.high - 0.5, False, None
    elif isinstance(dist, Float):
        low, high, log, q = dist.low, dist.high, dist.log, dist.q
    elif isinstance(dist, Gaussian):
        internal = np.log(np.maximum(centres, 1e-300)) if dist.log else centres
        values = rng.normal(internal, dist.sigma * fraction, size)
        values = np.exp(values) if dist.log else values
        return values if dist.q is None else np.round(values / dist.q) * dist.q
    else:  # Categorical: keep the option, or redraw it from the prior
        keep = rng.random(size) >= fraction
        return np.where(keep, centres, dist.sample(rng, size))
    internal = np.log(np.clip(centres, np.exp(low), np.exp(high))) if log else centres
    half = 0.5 * (high - low) * fraction
    middle = np.clip(internal, low + half, high - half)
    values = rng.uniform(middle - half, middle + half)
    if isinstance(dist, Integer):
        return np.clip(np.round(values), dist.low, dist.high - 1)
    values = np.exp(values) if log else values
    return values if q is None else np.round(values / q) * q


def suggest(
    space: CompiledSpace,
    history: History,
    n: int,
    rng: np.random.Generator,
    *,
    avg_best_idx: float = 2.0,
    shrink_coef: float = 0.1,
) -> list[dict[str, Any]]:
    """Propose ``n`` points by perturbing good past points.

    Parameters
    ----------
    space : CompiledSpace
        The search space.
    history : History
        Past trials; only finished ones are perturbed.
    n : int
        Number of points, drawn independently.
    rng : numpy.random.Generator
        Source of randomness.
    avg_best_idx : float, default=2.0
        Mean rank (0 = best) of the trial perturbed; larger explores more.
    shrink_coef : float, default=0.1
        How fast the perturbation narrows: after ``T`` observations of a
        parameter its window is ``1 / (1 + T * shrink_coef)`` of the prior's.

    Returns
    -------
    list of dict
        ``n`` points, label -> value for the active labels.
    """
    finished = (history.status == OK) & np.isfinite(history.losses)
    if n <= 0 or not space.labels or not finished.any():
        return space.sample(max(n, 0), rng)
    # One rank per new point, shared by all its parameters, so a point stays
    # close to a single good trial rather than mixing several.
    ranks = rng.geometric(1.0 / avg_best_idx, size=n) - 1
    columns: dict[str, np.ndarray] = {}
    for label, dist in space.distributions.items():
        observed = finished & ~np.isnan(history.columns[label])
        rows = np.flatnonzero(observed)
        if len(rows) == 0:
            # Unmasked prior draws: the choices above may activate this label
            # on rows where a prior sample of the whole space would not.
            columns[label] = dist.sample(rng, n).astype(float)
            continue
        ranked = rows[np.argsort(history.losses[rows], kind="stable")]
        centres = history.columns[label][ranked[np.minimum(ranks, len(ranked) - 1)]]
        columns[label] = _perturb(dist, centres, 1.0 / (1.0 + len(rows) * shrink_coef), rng).astype(float)
    for label, active in space.active_masks(columns, n).items():
        columns[label][~active] = np.nan
    return space.to_points(columns)
