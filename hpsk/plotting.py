"""Plots of a search: history, learner families, one hyperparameter, importance.

Every function takes a fitted :class:`~hpsk.HyperoptEstimator` (or the
:class:`~hpsk.Trials` of any search) and an optional matplotlib ``Axes``, draws
on it and returns it. Given an estimator they plot the validation *score*
(minus the loss, higher is better); given ``Trials`` they plot the *loss*
(lower is better), since an arbitrary objective's loss has no score. Pass
``score=True`` or ``score=False`` to choose explicitly.

Only successful trials are drawn; titles say how many failed.

matplotlib is an optional dependency: ``pip install "hpsk[plot]"``.

Examples
--------
>>> import matplotlib
>>> matplotlib.use("Agg")
>>> from sklearn.datasets import load_iris
>>> from hpsk import HyperoptClassifier, rand
>>> from hpsk.plotting import plot_history
>>> X, y = load_iris(return_X_y=True)
>>> est = HyperoptClassifier(max_evals=5, algo=rand.suggest, random_state=0).fit(X, y)
>>> ax = plot_history(est)
>>> ax.get_xlabel()
'trial'
"""

from __future__ import annotations

import difflib
import math
from typing import TYPE_CHECKING, Any, Mapping

import numpy as np

from .fidelity import rung_of
from .leaderboard import trials_of
from .space import Choice, compile_space, option_name
from .trials import Trial, Trials

if TYPE_CHECKING:  # matplotlib is optional
    from matplotlib.axes import Axes

__all__ = [
    "hyperparameter_importance",
    "plot_history",
    "plot_importance",
    "plot_learners",
    "plot_parameter",
]

_SCORE_LABEL = "validation score (= -loss, higher is better)"
_LOSS_LABEL = "loss (lower is better)"


# --------------------------------------------------------------------------
# Shared helpers.
# --------------------------------------------------------------------------


def _pyplot() -> Any:
    try:
        import matplotlib.pyplot as plt
    except ImportError as error:
        raise ImportError(
            'hpsk.plotting needs matplotlib, which is not installed: pip install "hpsk[plot]"'
        ) from error
    return plt


def _axes(ax: Axes | None) -> Axes:
    if ax is not None:
        return ax
    _, ax = _pyplot().subplots()
    return ax


def _values(source: Any, score: bool | None) -> tuple[list[Trial], np.ndarray, str, bool]:
    """Successful trials, their plotted values, the axis label and whether higher is better."""
    trials = trials_of(source)
    # An estimator's trials are scored (higher is better); bare Trials have losses.
    as_score = not isinstance(source, Trials) if score is None else bool(score)
    ok = [t for t in trials if t.ok]
    if not ok:
        raise ValueError(f"None of the {len(trials)} trials finished successfully; nothing to plot.")
    losses = np.array([t.loss for t in ok], dtype=float)
    values = -losses if as_score else losses
    return ok, values, _SCORE_LABEL if as_score else _LOSS_LABEL, as_score


def _failed_note(source: Any) -> str:
    trials = trials_of(source)
    failed = len(trials) - trials.n_ok
    return f", {failed} failed" if failed else ""


# --------------------------------------------------------------------------
# History.
# --------------------------------------------------------------------------


def plot_history(source: Any, *, ax: Axes | None = None, score: bool | None = None) -> Axes:
    """Score (or loss) of each trial and the best so far.

    Parameters
    ----------
    source : HyperoptEstimator or Trials
        A fitted estimator, or the trials of a search.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure when omitted.
    score : bool, optional
        Plot the score (``-loss``, higher is better) instead of the loss.
        Default: the score for an estimator, the loss for ``Trials``.

    Returns
    -------
    ax : matplotlib.axes.Axes
        One scatter point per successful trial (x: trial id), a step line
        "best so far" and, for an estimator, a star on the "chosen" trial
        (``best_index_``). In a multi-fidelity search each rung has its own
        colour (labelled with its rows) and "best so far" follows the last
        rung reached, whose trials saw every row.
    """
    ok, values, ylabel, higher_is_better = _values(source, score)
    ax = _axes(ax)
    tids = np.array([t.tid for t in ok])
    rungs = np.array([-1 if rung_of(t) is None else rung_of(t) for t in ok], dtype=int)
    top = rungs == (rungs.max() if len(rungs) else -1)  # a multi-fidelity search: the last rung reached
    if (rungs >= 0).any():
        for rung in np.unique(rungs):
            rows = ok[int(np.flatnonzero(rungs == rung)[0])].result.get("n_rows")
            ax.scatter(tids[rungs == rung], values[rungs == rung], s=10 + 8 * rung, alpha=0.7,
                       label=f"rung {rung} ({rows:,} rows)" if rows else f"rung {rung}")
    else:
        ax.scatter(tids, values, s=18, alpha=0.7, label="trial")
    accumulate = np.maximum.accumulate if higher_is_better else np.minimum.accumulate
    if top.any():
        ax.step(tids[top], accumulate(values[top]), where="post", color="C3", label="best so far")
    chosen = getattr(source, "best_index_", None)
    if chosen is not None and chosen in set(tids.tolist()):
        # The estimator may choose a trial other than the best search score
        # (it re-scores the top candidates on fresh splits).
        row = int(np.flatnonzero(tids == chosen)[0])
        ax.scatter([chosen], [values[row]], marker="*", s=160, color="C3", zorder=3, label="chosen")
    ax.set_xlabel("trial")
    ax.set_ylabel(ylabel)
    ax.set_title(f"Search history ({len(trials_of(source))} trials{_failed_note(source)})")
    ax.legend(loc="best")
    return ax


# --------------------------------------------------------------------------
# Learner families.
# --------------------------------------------------------------------------


# plot_learners is over 60 lines only through its numpydoc docstring.
def plot_learners(
    source: Any,
    *,
    ax: Axes | None = None,
    score: bool | None = None,
    jitter: float = 0.15,
    random_state: int = 0,
) -> Axes:
    """A strip plot of the score (or loss) of each trial, one column per learner family.

    Columns are ordered best family first. A family is the learner's class
    name, as recorded by the estimator's objective in ``result["learner"]``.

    Parameters
    ----------
    source : HyperoptEstimator or Trials
        A fitted estimator, or the trials of an estimator's search.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure when omitted.
    score : bool, optional
        Plot the score instead of the loss; default as in :func:`plot_history`.
    jitter : float, default=0.15
        Half-width of the random horizontal spread of the points in a column.
    random_state : int, default=0
        Seed of the jitter.

    Returns
    -------
    ax : matplotlib.axes.Axes
        One scatter collection per family (labelled with the family name),
        one point per successful trial; the x tick labels name the families.

    Raises
    ------
    ValueError
        If the trials do not record a learner (a plain :func:`hpsk.fmin`
        objective).
    """
    ok, values, ylabel, higher_is_better = _values(source, score)
    families: list[Any] = [t.result.get("learner") for t in ok]
    if all(family is None for family in families):
        raise ValueError("plot_learners needs trials from an estimator's search: "
                         "no trial records a 'learner' in its result.")
    families = [family if family is not None else "unknown" for family in families]
    by_family: dict[str, list[float]] = {}
    for family, value in zip(families, values):
        by_family.setdefault(family, []).append(float(value))
    pick = max if higher_is_better else min
    order = sorted(by_family, key=lambda f: pick(by_family[f]), reverse=higher_is_better)

    ax = _axes(ax)
    rng = np.random.default_rng(random_state)
    for column, family in enumerate(order):
        family_values = by_family[family]
        x = column + rng.uniform(-jitter, jitter, len(family_values))
        ax.scatter(x, family_values, s=22, alpha=0.75, label=family)
    ax.set_xticks(range(len(order)))
    ax.set_xticklabels(order, rotation=30, ha="right")
    ax.set_xlim(-0.5, len(order) - 0.5)
    ax.set_xlabel("learner")
    ax.set_ylabel(ylabel)
    ax.set_title(f"Trials by learner family ({len(ok)} successful{_failed_note(source)})")
    return ax


# --------------------------------------------------------------------------
# One hyperparameter.
# --------------------------------------------------------------------------


# plot_parameter is over 60 lines only through its numpydoc docstring.
def plot_parameter(
    source: Any,
    label: str,
    *,
    ax: Axes | None = None,
    score: bool | None = None,
    space: Any = None,
    log: bool | None = None,
) -> Axes:
    """Score (or loss) against the value of one hyperparameter.

    Only trials in which ``label`` was active are drawn. The best of them is
    marked with a star.

    Parameters
    ----------
    source : HyperoptEstimator or Trials
        A fitted estimator, or the trials of a search.
    label : str
        The hyperparameter's label, e.g. ``"classifier.random_forest.n_estimators"``
        (the keys of ``best_params_`` and of each trial's ``point``).
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure when omitted.
    score : bool, optional
        Plot the score instead of the loss; default as in :func:`plot_history`.
    space : search space, optional
        The space searched. When ``label`` is a choice in it, the x axis names
        the options instead of showing their indices.
    log : bool, optional
        Log-scale x axis. Default: when every value is positive and they span
        at least two orders of magnitude.

    Returns
    -------
    ax : matplotlib.axes.Axes
        A scatter collection "trial" with one point per trial where ``label``
        was active, and a one-point collection "best".

    Raises
    ------
    ValueError
        If no successful trial has ``label``.
    """
    ok, values, ylabel, higher_is_better = _values(source, score)
    rows = [(t.point[label], value) for t, value in zip(ok, values) if label in t.point]
    if not rows:
        seen = sorted({key for t in ok for key in t.point})
        close = difflib.get_close_matches(label, seen, n=3)
        hint = f" Did you mean {', '.join(map(repr, close))}?" if close else ""
        raise ValueError(f"No successful trial has the hyperparameter {label!r}.{hint}")
    x = np.array([float(r[0]) for r in rows])
    y = np.array([r[1] for r in rows])

    if space is None:
        space = getattr(source, "search_space_", None)
    choice = compile_space(space).nodes.get(label) if space is not None else None
    ax = _axes(ax)
    ax.scatter(x, y, s=22, alpha=0.75, label="trial")
    best = int(np.argmax(y) if higher_is_better else np.argmin(y))
    ax.scatter([x[best]], [y[best]], marker="*", s=160, color="C3", label="best", zorder=3)
    if isinstance(choice, Choice):
        ax.set_xticks(range(len(choice.options)))
        ax.set_xticklabels([option_name(o) for o in choice.options], rotation=30, ha="right")
    else:
        if log is None:
            log = bool(np.all(x > 0)) and x.max() / x.min() >= 100
        if log:
            ax.set_xscale("log")
    ax.set_xlabel(label)
    ax.set_ylabel(ylabel)
    ax.set_title(f"{label} ({len(rows)} trials)")
    ax.legend(loc="best")
    return ax


# --------------------------------------------------------------------------
# Importance.
# --------------------------------------------------------------------------


def _design_matrix(points: list[Mapping[str, Any]]) -> tuple[list[str], np.ndarray]:
    """One column per label; an inactive (conditional) value sits below the column's range.

    A tree then separates "inactive" from every active value with one split,
    which is how SMAC and optuna encode conditional parameters for forests.
    """
    labels: list[str] = []
    for point in points:
        labels.extend(label for label in point if label not in labels)
    matrix = np.full((len(points), len(labels)), np.nan)
    for row, point in enumerate(points):
        for column, label in enumerate(labels):
            if label in point:
                matrix[row, column] = float(point[label])
    for column in range(matrix.shape[1]):
        values = matrix[:, column]
        active = ~np.isnan(values)
        if active.any():
            low, high = values[active].min(), values[active].max()
            values[~active] = low - 1.0 - (high - low)
        else:
            values[:] = 0.0
    return labels, matrix


# hyperparameter_importance is over 60 lines only through its numpydoc docstring.
def hyperparameter_importance(
    source: Any, *, n_estimators: int = 100, random_state: int = 0
) -> dict[str, tuple[float, float]]:
    """How much each hyperparameter explains the loss, from the trials alone.

    A random forest regressor is fitted to the successful trials, mapping
    each point (one column per label, choices as option indices, inactive
    conditional parameters encoded below the parameter's range) to the rank
    of its loss. A label's importance is its mean decrease in impurity in
    that forest (as optuna's ``MeanDecreaseImpurityImportanceEvaluator``),
    normalised to sum to 1.

    Ranks rather than raw losses keep one disastrous trial (a diverged
    model scoring near chance) from deciding the whole ranking. Tree splits
    do not depend on monotone transforms, so log-scaled parameters need no
    special care. A conditional parameter also carries the importance of
    the choice that activates it. With few trials the estimate is rough:
    read the order, not the digits.

    Parameters
    ----------
    source : HyperoptEstimator or Trials
        A fitted estimator, or the trials of a search.
    n_estimators : int, default=100
        Trees in the forest.
    random_state : int, default=0
        Seed of the forest.

    Returns
    -------
    importance : dict of str to (float, float)
        Label -> (importance, standard deviation over the trees), most
        important first.

    Raises
    ------
    ValueError
        If fewer than two trials succeeded or they all have the same loss.
    """
    from scipy.stats import rankdata
    from sklearn.ensemble import RandomForestRegressor

    trials = trials_of(source)
    ok = [t for t in trials if t.ok]
    if len(ok) < 2:
        raise ValueError(f"Importance needs at least two successful trials, got {len(ok)}.")
    losses = np.array([t.loss for t in ok], dtype=float)
    if np.ptp(losses) == 0:
        raise ValueError(f"All {len(ok)} successful trials have the same loss ({losses[0]!r}); "
                         "no hyperparameter explains anything.")
    labels, matrix = _design_matrix([t.point for t in ok])
    if not labels:
        raise ValueError("The trials have no hyperparameters.")
    forest = RandomForestRegressor(n_estimators=n_estimators, random_state=random_state, n_jobs=1)
    forest.fit(matrix, rankdata(losses))
    per_tree = np.array([tree.feature_importances_ for tree in forest.estimators_])
    total = per_tree.mean(axis=0).sum()
    if not math.isfinite(total) or total <= 0:
        raise ValueError("The forest found no split that reduces the loss's variance.")
    mean = per_tree.mean(axis=0) / total
    std = per_tree.std(axis=0) / total
    order = np.argsort(-mean, kind="stable")
    return {labels[i]: (float(mean[i]), float(std[i])) for i in order}


def plot_importance(
    source: Any,
    *,
    ax: Axes | None = None,
    max_params: int = 10,
    n_estimators: int = 100,
    random_state: int = 0,
) -> Axes:
    """Horizontal bars of hyperparameter importance, most important on top.

    The importance is estimated by :func:`hyperparameter_importance`: the
    mean decrease in impurity of a random forest fitted to the trials'
    points and the ranks of their losses.

    Parameters
    ----------
    source : HyperoptEstimator or Trials
        A fitted estimator, or the trials of a search.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure when omitted.
    max_params : int, default=10
        Show at most this many hyperparameters.
    n_estimators : int, default=100
        Trees in the forest.
    random_state : int, default=0
        Seed of the forest.

    Returns
    -------
    ax : matplotlib.axes.Axes
        One bar per shown hyperparameter; the y tick labels are their labels.
    """
    if max_params < 1:
        raise ValueError(f"max_params must be >= 1, got {max_params!r}.")
    importance = hyperparameter_importance(source, n_estimators=n_estimators,
                                           random_state=random_state)
    shown = list(importance.items())[:max_params]
    labels = [label for label, _ in shown][::-1]
    means = [value for _, (value, _) in shown][::-1]
    ax = _axes(ax)
    ax.barh(range(len(labels)), means, color="C0", alpha=0.8)
    ax.set_yticks(range(len(labels)))
    ax.set_yticklabels(labels)
    ax.set_xlabel("importance (mean decrease in impurity)")
    n_ok = trials_of(source).n_ok
    ax.set_title(f"Hyperparameter importance ({n_ok} trials)")
    return ax
