"""Tree-structured Parzen Estimator: joint (multivariate) TPE over conditional spaces.

Each call splits the finished trials by loss into a *good* set (the best
``gamma(n)``) and a *bad* set (the rest, with failed and pending trials),
fits one Parzen mixture to each, draws candidates from the good mixture
``l(x)`` and proposes the candidate maximising ``log l(x) - log g(x)``, which
maximises expected improvement (Bergstra et al. 2011).

Parameters are modelled jointly within a *group*: the parameters that are
active under exactly the same condition (the same paths in
``space.conditions``). Groups are visited top-down, so a choice is decided
before the groups it activates, and each active group is scored by its own
joint estimator fitted to the trials in which it was active. Python-level
work per call is proportional to the number of groups; everything per trial
is array arithmetic (see :mod:`hpsk.algorithms._parzen`).

Numeric parameters are modelled in an internal space: log parameters in log
space, bounded ones rescaled to ``[0, 1]`` (widened by ``q / 2`` for
quantised and integer ones, rounded back when proposed), unbounded normal
ones standardised by the prior's ``mu`` and ``sigma``.

The settings, their validation and the default size of the good set and
weights of the observations (:class:`TPESettings`, :func:`default_gamma`,
:func:`default_weights`) live in :mod:`hpsk.algorithms._tpe_settings`; this
module re-exports them.
"""

from __future__ import annotations

import functools
import math
import weakref
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

import numpy as np

from ..space import Categorical, CompiledSpace, Condition, Float, Gaussian, Integer
from . import _parzen
from ._history import OK, History
from ._tpe_settings import TPESettings, cached_settings, default_gamma, default_weights

if TYPE_CHECKING:
    from threadpoolctl import ThreadpoolController

__all__ = ["suggest", "TPESettings", "default_gamma", "default_weights"]


# --------------------------------------------------------------------------
# Encoding: how each group's parameters map to the internal space.
# --------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class _Group:
    """Parameters active under the same condition, and their internal encoding.

    Numeric arrays have one entry per numeric parameter. A value ``v`` maps
    to ``(log(max(v, log_floor)) if is_log else v - shift) / scale`` and back
    by the inverse, rounding to ``q`` and clipping to ``[value_low,
    value_high]``.
    """

    paths: tuple[Condition, ...]
    numeric_labels: tuple[str, ...]
    categorical_labels: tuple[str, ...]
    is_log: np.ndarray
    log_floor: np.ndarray
    shift: np.ndarray
    scale: np.ndarray
    low: np.ndarray
    high: np.ndarray
    prior_mus: np.ndarray
    q: np.ndarray
    value_low: np.ndarray
    value_high: np.ndarray
    is_integer: np.ndarray
    n_options: np.ndarray
    offsets: np.ndarray
    prior_probabilities: np.ndarray

    def is_active(self, chosen: dict[str, int]) -> bool:
        return any(all(chosen.get(label) == index for label, index in path) for path in self.paths)


def _numeric_encoding(dist: Float | Gaussian | Integer) -> tuple:
    """``(is_log, log_floor, shift, scale, low, high, prior_mu, q, value_low, value_high)``."""
    if isinstance(dist, Integer):
        return (False, 0.0, dist.low - 0.5, float(dist.high - dist.low), 0.0, 1.0, 0.5, 1.0,
                float(dist.low), float(dist.high - 1))
    q = math.nan if dist.q is None else dist.q
    if isinstance(dist, Gaussian):
        floor = dist.q / 2 if dist.q is not None else 1e-300
        return (dist.log, floor, dist.mu, dist.sigma, -math.inf, math.inf, 0.0, q, -math.inf, math.inf)
    if dist.log:
        low, high = math.exp(dist.low), math.exp(dist.high)
        if dist.q is not None:
            low, high = round(low / dist.q) * dist.q, round(high / dist.q) * dist.q
        return (True, math.exp(dist.low), dist.low, dist.high - dist.low, 0.0, 1.0, 0.5, q, low, high)
    if dist.q is None:
        return (False, 0.0, dist.low, dist.high - dist.low, 0.0, 1.0, 0.5, q, dist.low, dist.high)
    # The values are multiples of q; each owns a cell of width q, so the
    # internal domain covers whole cells and rounding maps it back.
    low, high = round(dist.low / dist.q) * dist.q, round(dist.high / dist.q) * dist.q
    return (False, 0.0, low - dist.q / 2, high - low + dist.q, 0.0, 1.0, 0.5, q, low, high)


def _make_group(space: CompiledSpace, paths: tuple[Condition, ...], labels: list[str]) -> _Group:
    dists = space.distributions
    categorical_dists = {label: dist for label in labels if isinstance(dist := dists[label], Categorical)}
    numeric_dists = {label: dist for label in labels if not isinstance(dist := dists[label], Categorical)}
    categorical, numeric = list(categorical_dists), list(numeric_dists)
    n_options = np.array([dist.n_options for dist in categorical_dists.values()], dtype=np.int64)
    columns = list(zip(*[_numeric_encoding(dist) for dist in numeric_dists.values()])) or [()] * 10
    is_log, log_floor, shift, scale, low, high, prior_mus, q, value_low, value_high = (
        np.array(column, dtype=float) for column in columns
    )
    return _Group(
        paths=paths,
        numeric_labels=tuple(numeric),
        categorical_labels=tuple(categorical),
        is_log=is_log.astype(bool),
        log_floor=log_floor, shift=shift, scale=scale, low=low, high=high, prior_mus=prior_mus,
        q=q, value_low=value_low, value_high=value_high,
        is_integer=np.array([isinstance(dist, Integer) for dist in numeric_dists.values()], dtype=bool),
        n_options=n_options,
        offsets=np.concatenate([[0], np.cumsum(n_options)[:-1]]).astype(np.int64),
        prior_probabilities=np.concatenate(
            [np.asarray(dist.probabilities, dtype=float) for dist in categorical_dists.values()] or [np.empty(0)]
        ),
    )


_GROUP_CACHE: "weakref.WeakKeyDictionary[CompiledSpace, dict[bool, tuple[_Group, ...]]]" = (
    weakref.WeakKeyDictionary()
)


def parameter_groups(space: CompiledSpace, multivariate: bool = True) -> tuple[_Group, ...]:
    """The groups of ``space``, parents before children.

    With ``multivariate=True`` a group holds every parameter with the same
    activation condition; otherwise each parameter is its own group.
    Groups come in depth-first order of their first label, except that a
    group waits until every choice on any of its paths has been placed: a
    node shared by two branches (the same learner reached under two
    preprocessing options, say) can appear in the walk before the choice
    of its second branch.
    """
    cached = _GROUP_CACHE.setdefault(space, {})
    if multivariate not in cached:
        by_key: dict[tuple[Condition, ...] | str, list[str]] = {}
        for label, paths in space.conditions.items():
            by_key.setdefault(paths if multivariate else label, []).append(label)
        groups = [labels for labels in by_key.values()]
        home = {label: i for i, labels in enumerate(groups) for label in labels}
        needs = [{home[choice] for path in space.conditions[labels[0]] for choice, _ in path} - {i}
                 for i, labels in enumerate(groups)]
        placed: list[int] = []
        done: set[int] = set()
        while len(placed) < len(groups):
            ready = next((i for i in range(len(groups)) if i not in done and needs[i] <= done), None)
            if ready is None:  # a cycle cannot come out of a tree; keep the walk order
                ready = next(i for i in range(len(groups)) if i not in done)
            placed.append(ready)
            done.add(ready)
        cached[multivariate] = tuple(
            _make_group(space, space.conditions[groups[i][0]], groups[i]) for i in placed
        )
    return cached[multivariate]


def _to_internal(group: _Group, values: np.ndarray) -> np.ndarray:
    values = values.copy()
    values[:, group.is_log] = np.log(np.maximum(values[:, group.is_log], group.log_floor[group.is_log]))
    return np.clip((values - group.shift) / group.scale, group.low, group.high)


def _to_values(group: _Group, internal: np.ndarray) -> np.ndarray:
    values = internal * group.scale + group.shift
    values[:, group.is_log] = np.exp(values[:, group.is_log])
    quantised = ~np.isnan(group.q)
    values[:, quantised] = np.round(values[:, quantised] / group.q[quantised]) * group.q[quantised]
    return np.clip(values, group.value_low, group.value_high)


# --------------------------------------------------------------------------
# Observations, split and fit.
# --------------------------------------------------------------------------


@dataclass
class _Observations:
    """One group's rows: internal numeric values and option indices, in trial order."""

    numeric: np.ndarray
    categorical: np.ndarray

    def take(self, rows: np.ndarray) -> "_Observations":
        return _Observations(self.numeric[rows], self.categorical[rows])

    def append(self, other: "_Observations") -> "_Observations":
        return _Observations(np.concatenate([self.numeric, other.numeric]),
                             np.concatenate([self.categorical, other.categorical]))


def _observe(group: _Group, history: History) -> tuple[_Observations, np.ndarray]:
    """The group's observations over all history rows, and which rows activate it."""
    n = history.n
    numeric = np.column_stack([history.columns[label] for label in group.numeric_labels] or [np.empty((n, 0))])
    categorical = np.column_stack(
        [history.columns[label] for label in group.categorical_labels] or [np.empty((n, 0))]
    )
    active = ~(np.isnan(numeric).any(axis=1) | np.isnan(categorical).any(axis=1))
    codes = np.nan_to_num(categorical[active]).astype(np.int64)
    codes = np.clip(codes, 0, group.n_options - 1)
    return _Observations(_to_internal(group, numeric[active]), codes), active


def split_good_bad(history: History, n_good_of: Callable[[int], int]) -> tuple[np.ndarray, int]:
    """Mark the good rows: the ``n_good_of(n)`` best of the ``n`` finished trials.

    Ties are broken by row index (older first), so the split is
    deterministic. Every other row - worse, failed, pending or with a
    non-finite loss - belongs to the bad set.

    Returns
    -------
    good : ndarray of bool, shape (history.n,)
    n_finished : int
    """
    finished = np.flatnonzero((history.status == OK) & np.isfinite(history.losses))
    ranked = finished[np.argsort(history.losses[finished], kind="stable")]
    good = np.zeros(history.n, dtype=bool)
    good[ranked[: max(0, int(n_good_of(len(finished))))]] = True
    return good, len(finished)


def fit_parzen(group: _Group, observations: _Observations, settings: TPESettings) -> _parzen.Mixture:
    """One Parzen mixture over the group: a kernel per observation plus the prior kernel.

    Numeric kernels sit on the observations with neighbour-gap bandwidths;
    the prior kernel sits at the domain's centre (or the normal prior's
    ``mu``) with the domain's width (or its ``sigma``). Categorical kernels
    put mass 1 on the observed option plus ``prior_weight / (n + 1)`` spread
    by the prior probabilities, which is optuna's form with pchoice's
    probabilities in place of the uniform. Observations are weighted by
    ``settings.weights``, the prior kernel by ``settings.prior_weight``.

    The bandwidths have no floor beyond the clip ``range / min(100, n + 2)``
    and ignore the gaps to the domain bounds, as in optuna. Both
    alternatives lost on the suite of ``benchmarks/tpe.py`` (30 seeds, 100
    evaluations) and won nowhere: a floor of 3% of the range (tpe.md) was
    significantly worse on Branin, Rosenbrock, Ackley and Styblinski-Tang -
    late in a search the good kernels must be narrower than that to refine
    an optimum; letting the outermost observations reach the bounds widened
    the kernels and was worse on Rosenbrock, Ackley and ``all_kinds``.
    """
    prior_weight = settings.prior_weight
    n = len(observations.numeric)
    ones = np.ones(len(group.numeric_labels))
    sigmas = _parzen.neighbour_bandwidths(observations.numeric, group.low, group.high, ones)
    numeric = _parzen.numeric_kernels(
        np.vstack([observations.numeric, group.prior_mus[None, :]]),
        np.vstack([sigmas, ones[None, :]]),
        group.low,
        group.high,
    )
    smoothing = prior_weight / (n + 1) * np.repeat(group.n_options, group.n_options) * group.prior_probabilities
    table = np.tile(smoothing, (n + 1, 1))
    table[-1] = group.prior_probabilities
    if len(group.n_options):
        table[np.arange(n)[:, None], group.offsets + observations.categorical] += 1.0
        table[:-1] /= np.repeat(prior_weight / (n + 1) * group.n_options + 1.0, group.n_options)
    categorical = _parzen.categorical_kernels(table, group.n_options)
    weights = np.append(settings.weights(n), prior_weight if n else 1.0)
    return _parzen.mixture(weights, numeric, categorical)


# --------------------------------------------------------------------------
# Proposals.
# --------------------------------------------------------------------------


@dataclass
class _GroupState:
    """What one call knows about a group: its good mixture and its bad rows so far."""

    group: _Group
    good: _parzen.Mixture
    bad: _Observations
    batch: _Observations  # rows already proposed in this call


def _propose_in_group(state: _GroupState, settings: TPESettings, rng: np.random.Generator) -> _Observations:
    """The best of ``n_EI_candidates`` draws from ``l``, by ``log l - log g``, as a one-row observation."""
    group = state.group
    bad = fit_parzen(group, state.bad, settings)
    numeric, categorical = _parzen.sample(state.good, settings.n_EI_candidates, rng)
    # Score what would actually be evaluated: quantised values, not the raw draws.
    numeric = _to_internal(group, _to_values(group, numeric))
    scores = _parzen.log_pdf(state.good, numeric, categorical) - _parzen.log_pdf(bad, numeric, categorical)
    if len(state.batch.numeric):
        # Prefer candidates that repeat no point of this batch; only when
        # every candidate repeats one (a tiny discrete space) take the best.
        repeats = (numeric[:, None, :] == state.batch.numeric[None, :, :]).all(axis=2)
        repeats &= (categorical[:, None, :] == state.batch.categorical[None, :, :]).all(axis=2)
        repeated = repeats.any(axis=1)
        if not repeated.all():
            scores = np.where(repeated, -np.inf, scores)
    best = int(np.argmax(scores))
    return _Observations(numeric[best : best + 1], categorical[best : best + 1])


def _point_of(group: _Group, chosen: _Observations, point: dict[str, Any]) -> None:
    values = _to_values(group, chosen.numeric)[0]
    for label, value, is_integer in zip(group.numeric_labels, values.tolist(), group.is_integer.tolist()):
        point[label] = int(value) if is_integer else value
    for label, code in zip(group.categorical_labels, chosen.categorical[0].tolist()):
        point[label] = code


def suggest(
    space: CompiledSpace, history: History, n: int, rng: np.random.Generator, *,
    n_startup_jobs: int = TPESettings.n_startup_jobs,
    gamma: float | Callable[[int], int] | None = TPESettings.gamma,
    n_EI_candidates: int = TPESettings.n_EI_candidates,
    prior_weight: float = TPESettings.prior_weight,
    linear_forgetting: int = TPESettings.linear_forgetting,
    multivariate: bool = TPESettings.multivariate,
) -> list[dict[str, Any]]:
    """Propose ``n`` points with the Tree-structured Parzen Estimator.

    Parameters
    ----------
    space : CompiledSpace
        The search space.
    history : History
        Past trials; failed and pending ones count as bad observations.
    n : int
        Number of points. They are proposed one at a time, each added to the
        bad set as pending before the next (a constant liar), each from its
        own random stream, and retried when it repeats an earlier point of
        the batch, so a batch holds distinct points whenever the space allows.
    rng : numpy.random.Generator
        Source of randomness; the same state gives the same proposals.
    n_startup_jobs : int >= 0, default=10
        Finished trials drawn from the prior before TPE starts modelling.
    gamma : float in (0, 1], callable or None, default=None
        Size of the good set: a fraction of the finished trials, a function
        of their number, or ``None`` for :func:`default_gamma` (15%, at most
        ``linear_forgetting``).
    n_EI_candidates : int >= 1, default=24
        Candidates drawn from the good mixture per group.
    prior_weight : float > 0, default=2.0
        Weight of the prior kernel; also the smoothing of categorical kernels.
    linear_forgetting : int >= 1, default=25
        Observations weighing 1; older ones ramp down (:func:`default_weights`).
    multivariate : bool, default=True
        Model the parameters of a group jointly (``False``: each alone).

    Returns
    -------
    list of dict
        ``n`` points, label -> value for the active labels.

    Raises
    ------
    InvalidParameterError
        When a setting is out of its range: the keywords are validated as
        :class:`TPESettings` (where each is described) at every call, so a bad
        value in ``functools.partial(hpsk.tpe.suggest, ...)`` fails at the first.
    """
    settings = cached_settings(
        n_startup_jobs, gamma, n_EI_candidates, prior_weight, linear_forgetting, multivariate)
    if not space.labels or n <= 0:
        return [{} for _ in range(max(n, 0))]

    good_rows, n_finished = split_good_bad(history, settings.n_good)
    if n_finished < max(settings.n_startup_jobs, 1):
        return space.sample(n, rng)
    return _suggest_points(space, history, n, rng, good_rows, settings)


@functools.lru_cache(maxsize=1)
def _blas_controller() -> ThreadpoolController:
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


def _suggest_points(
    space: CompiledSpace,
    history: History,
    n: int,
    rng: np.random.Generator,
    good_rows: np.ndarray,
    settings: TPESettings,
) -> list[dict[str, Any]]:
    """The TPE proposals of :func:`suggest`, once the good rows are known."""
    # The matrix products are small (candidates x dimensions x kernels): a
    # multi-threaded BLAS only adds synchronisation, and on a busy machine
    # it made one suggestion after 1000 trials 5x slower (10 ms, not 2 ms).
    with _blas_controller().limit(limits=1, user_api="blas"):
        states = []
        for group in parameter_groups(space, settings.multivariate):
            observations, active = _observe(group, history)
            good_of_active = good_rows[active]
            good = fit_parzen(group, observations.take(good_of_active), settings)
            empty = observations.take(np.zeros(len(good_of_active), dtype=bool))
            states.append(_GroupState(group, good, observations.take(~good_of_active), empty))

        points: list[dict[str, Any]] = []
        for seed in rng.integers(0, 2**63 - 1, size=n):
            stream = np.random.default_rng(int(seed))
            for _ in range(5):  # a point repeating one of the batch is drawn again, at most 4 times
                point, chosen = _propose_point(states, settings, stream)
                if point not in points:
                    break
            points.append(point)
            for state, row in chosen:
                state.bad = state.bad.append(row)  # the constant liar: only g changes
                state.batch = state.batch.append(row)
    return points


def _propose_point(
    states: list[_GroupState], settings: TPESettings, rng: np.random.Generator
) -> tuple[dict[str, Any], list[tuple[_GroupState, _Observations]]]:
    """One point, group by group from the top, and each active group's chosen row."""
    point: dict[str, Any] = {}
    chosen_options: dict[str, int] = {}
    chosen_rows = []
    for state in states:
        if not state.group.is_active(chosen_options):
            continue
        row = _propose_in_group(state, settings, rng)
        _point_of(state.group, row, point)
        chosen_options.update(zip(state.group.categorical_labels, row.categorical[0].tolist()))
        chosen_rows.append((state, row))
    return point, chosen_rows
