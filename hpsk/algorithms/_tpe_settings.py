"""The settings of TPE: :class:`TPESettings`, their validation, and the default rules.

:func:`hpsk.algorithms.tpe.suggest` takes every setting as a keyword and
builds a :class:`TPESettings` from them at each call (:func:`cached_settings`),
so a bad value fails at the first call, naming the setting. The size of the
good set (:func:`default_gamma`) and the observation weights
(:func:`default_weights`) are the two rules the settings parameterise.
:mod:`hpsk.algorithms.tpe` re-exports the public names.
"""

from __future__ import annotations

import functools
import math
import numbers
from dataclasses import dataclass
from typing import Any, Callable, ClassVar

import numpy as np

from .._validation import InstanceOf, Interval, validate_params
from ..exceptions import InvalidParameterError

__all__ = ["TPESettings", "default_gamma", "default_weights", "cached_settings"]


def default_gamma(n_finished: int, max_good: int = 25) -> int:
    """Size of the good set: 15% of the finished trials (rounded up), at most ``max_good``.

    Linear in ``n`` as in optuna (10%) rather than hyperopt's
    ``ceil(0.25 * sqrt(n))``, which keeps the good set so small that ``l(x)``
    collapses onto a few points and over-exploits multimodal functions.
    15% rather than 10% gives ``l(x)`` half as many kernels again, so it
    covers the good region instead of its few best points: on the suite of
    ``benchmarks/tpe.py`` (11 problems, 30 seeds, 100 evaluations) it was
    significantly better than 10% on Branin, Goldstein-Price, Shekel and
    Ackley (with prior weight 1); on the two mixed/conditional problems it
    explored too little unless the prior weighs 2 (see
    :attr:`TPESettings.prior_weight`). Together (the defaults) on 30 fresh
    seeds they beat 10% / weight 1 on 5 of the 11 problems after 50
    evaluations and on 2 after 100, and lost on none. Integer arithmetic
    equals ``ceil(0.15 * n)``.
    """
    return min((15 * n_finished + 99) // 100, max_good)


def default_weights(n_observations: int, n_recent: int = 25) -> np.ndarray:
    """Observation weights in trial order: the newest ``n_recent`` weigh 1, older ones ramp down to ``1/n``.

    Old trials were proposed by a less informed model, so they describe the
    region of interest less well than recent ones. Dropping the ramp (all
    weights 1) was significantly worse on the conditional ``branches`` and the
    mixed ``all_kinds`` problems of ``benchmarks/tpe.py``.
    """
    if n_observations <= n_recent:
        return np.ones(n_observations)
    ramp = np.linspace(1.0 / n_observations, 1.0, n_observations - n_recent)
    return np.concatenate([ramp, np.ones(n_recent)])





@dataclass(frozen=True)
class TPESettings:
    """The settings of :func:`~hpsk.algorithms.tpe.suggest`, validated when the object is made.

    ``suggest`` takes the same names as keywords and builds this object
    from them, so ``functools.partial(hpsk.tpe.suggest, gamma=0.3)`` is
    checked by the same rules at its first call. The object is immutable;
    :func:`dataclasses.replace` gives a modified copy, validated again.

    Parameters
    ----------
    n_startup_jobs : int >= 0, default=10
        Until this many trials have finished, points are drawn from the
        prior (at least one finished trial is always needed, so 0 acts as
        1). ``suggest`` does not know the budget, so tpe.md's ``max(10, 5%
        of budget)`` cannot be applied; 10 is that rule for every budget up
        to 200 (and optuna's default). Against hyperopt's 20 on the 11
        problems of ``benchmarks/tpe.py`` (30 seeds, 100 evaluations), 10
        had the lower mean regret on 7. For long searches pass e.g.
        ``max(10, budget // 20)``.
    gamma : float in (0, 1], callable or None, default=None
        Size of the good set. A callable maps the number of finished trials
        to a count; a float is the fraction ``ceil(gamma * n)``, capped at
        ``linear_forgetting``; ``None`` is :func:`default_gamma` (15%), also
        capped at ``linear_forgetting``. Unlike hyperopt's ``gamma``, a float
        scales ``n``, not ``sqrt(n)``.
    n_EI_candidates : int >= 1, default=24
        Candidates drawn from the good mixture per group; the one with the
        highest ``log l - log g`` is proposed. More exploits harder: 64 was
        no better than 24 on the benchmark suite and worse on the mixed space.
    prior_weight : float > 0, default=2.0
        Weight of the prior kernel in each mixture, relative to an
        observation of weight 1; also the smoothing of categorical kernels.
        Twice the references' 1: with the larger good set of
        :func:`default_gamma` it keeps exploring mixed and conditional
        spaces (with weight 1 the 15% good set was significantly worse than
        optuna's 10% on the benchmark's ``branches`` and ``all_kinds``; with
        weight 2 it is worse nowhere and better on Branin).
    linear_forgetting : int >= 1, default=25
        The newest ``linear_forgetting`` observations of each set weigh 1,
        older ones ramp down linearly (:func:`default_weights`).
    multivariate : bool, default=True
        Model the parameters of a group jointly. ``False`` scores each
        parameter alone, as hyperopt does; on ``benchmarks/tpe.py`` (30
        seeds, 100 evaluations) that was significantly worse on 6 of the 11
        problems (Branin, Hartmann6, Goldstein-Price, Shekel, Rosenbrock,
        Ackley) and better on none.

    Raises
    ------
    InvalidParameterError
        Naming the setting, what is allowed and the value given.

    Examples
    --------
    >>> from hpsk.algorithms.tpe import TPESettings
    >>> TPESettings(gamma=0.3).n_good(40)
    12
    >>> TPESettings(n_EI_candidates=0)
    Traceback (most recent call last):
        ...
    hpsk.exceptions.InvalidParameterError: The 'n_EI_candidates' parameter of TPESettings must be an int in the range [1, inf). Got 0 instead.
    """

    n_startup_jobs: int = 10
    gamma: float | Callable[[int], int] | None = None
    n_EI_candidates: int = 24
    prior_weight: float = 2.0
    linear_forgetting: int = 25
    multivariate: bool = True

    _constraints: ClassVar[dict[str, list[Any]]] = {
        "n_startup_jobs": [Interval(numbers.Integral, 0, None, "left")],
        "gamma": [Interval(numbers.Real, 0, 1, "right"), callable, None],
        "n_EI_candidates": [Interval(numbers.Integral, 1, None, "left")],
        "prior_weight": [Interval(numbers.Real, 0, math.inf, "neither")],
        "linear_forgetting": [Interval(numbers.Integral, 1, None, "left")],
        "multivariate": [InstanceOf((bool, np.bool_), "a bool")],
    }

    def __post_init__(self) -> None:
        validate_params(self.__dict__, self._constraints, "TPESettings")

    def n_good(self, n_finished: int) -> int:
        """The size of the good set among ``n_finished`` trials (``gamma``)."""
        if self.gamma is None:
            return default_gamma(n_finished, max_good=self.linear_forgetting)
        if callable(self.gamma):
            return self.gamma(n_finished)
        return min(math.ceil(self.gamma * n_finished), self.linear_forgetting)

    def weights(self, n_observations: int) -> np.ndarray:
        """The weights of ``n_observations`` observations in trial order (``linear_forgetting``)."""
        return default_weights(n_observations, n_recent=self.linear_forgetting)


@functools.lru_cache(maxsize=64, typed=True)
def _cached(*values: Any) -> TPESettings:
    return TPESettings(*values)


def cached_settings(*values: Any) -> TPESettings:
    """``TPESettings(*values)``, cached: :func:`~hpsk.algorithms.tpe.suggest` builds one per call."""
    try:
        return _cached(*values)
    except InvalidParameterError:
        raise
    except TypeError:  # an unhashable value: validate it uncached
        return TPESettings(*values)
