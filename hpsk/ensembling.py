"""Ensemble selection: a weighted vote of the search's best pipelines.

The search scores every pipeline on the same validation splits, so the
out-of-fold predictions of its trials line up row for row. Ensemble
selection (Caruana et al., 2004, as in auto-sklearn) grows a blend from
them: each round adds, with replacement, the candidate whose predictions
most raise the blend's validation score; a member's weight is the number of
rounds that chose it. Averaging a boosted model with a forest or a linear
model often beats both, and when no blend beats the best single pipeline
the rounds keep choosing it, so the ensemble is that pipeline alone.

The refitted ensemble is a plain :class:`~sklearn.ensemble.VotingClassifier`
(soft voting on the members' probabilities) or
:class:`~sklearn.ensemble.VotingRegressor` of the member pipelines.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Sequence

import numpy as np
from sklearn.ensemble import VotingClassifier, VotingRegressor
from sklearn.frozen import FrozenEstimator
from sklearn.pipeline import Pipeline

if TYPE_CHECKING:
    from .trials import Trial

__all__ = ["PredictionPool", "greedy_selection", "voting_ensemble", "bagged_ensemble", "member_pipelines"]


class PredictionPool:
    """The out-of-fold predictions of the best trials, kept while a search runs.

    :meth:`take` removes ``"predictions"`` from each finished trial's result
    (so trials, ``cv_results_`` and storage never carry them) and keeps them
    for the ``size`` best trials and for the best trial of every learner, so
    that a family which never made the top still has its best member on hand.
    On large data fewer are kept, so that they hold about ``max_bytes``.
    """

    def __init__(self, size: int, max_bytes: int = 256 * 2**20) -> None:
        self.size = size
        self.max_bytes = max_bytes
        self._kept: dict[int, tuple[float, str, np.ndarray]] = {}

    def take(self, trial: Trial) -> None:
        predictions = trial.result.pop("predictions", None) if isinstance(trial.result, dict) else None
        if not trial.ok or trial.loss is None or predictions is None:  # (an ok trial has a loss)
            return
        self._kept[trial.tid] = (float(trial.loss), str(trial.result.get("learner")), predictions)
        self.size = max(2, min(self.size, self.max_bytes // max(predictions.nbytes, 1)))
        if len(self._kept) > 2 * self.size:
            self._prune()

    def _prune(self) -> None:
        ranked = sorted(self._kept.items(), key=lambda item: (item[1][0], item[0]))
        keep = {tid for tid, _ in ranked[:self.size]}
        seen: set[str] = set()
        for tid, (_, learner, _) in ranked:
            if learner not in seen:
                seen.add(learner)
                keep.add(tid)
        self._kept = {tid: entry for tid, entry in self._kept.items() if tid in keep}

    def candidates(self) -> list[tuple[int, np.ndarray]]:
        """``(tid, predictions)`` of the kept trials, best loss first."""
        self._prune()
        ranked = sorted(self._kept.items(), key=lambda item: (item[1][0], item[0]))
        return [(tid, entry[2]) for tid, entry in ranked]


def greedy_selection(predictions: Sequence[np.ndarray], score: Callable[[np.ndarray], float],
                     rounds: int) -> np.ndarray:
    """How many times each candidate is chosen in ``rounds`` of greedy forward selection.

    Each round adds the candidate that gives the highest ``score`` of the
    blend (the mean of the chosen predictions, repeats counted); ties go to
    the earlier candidate, so list them best first.
    """
    counts = np.zeros(len(predictions), dtype=int)
    total = np.zeros_like(np.asarray(predictions[0], dtype=float))
    for round_ in range(rounds):
        best, best_score = 0, -np.inf
        for i, candidate in enumerate(predictions):
            value = score((total + candidate) / (round_ + 1))
            if value > best_score:
                best, best_score = i, value
        counts[best] += 1
        total += predictions[best]
    return counts


def member_pipelines(ensemble: Pipeline | VotingClassifier | VotingRegressor) -> list[Pipeline]:
    """The pipelines of a fitted voting ensemble, heaviest first (or ``[pipeline]``)."""
    if not isinstance(ensemble, (VotingClassifier, VotingRegressor)):
        return [ensemble]
    weights = ensemble.weights if ensemble.weights is not None else [1] * len(ensemble.estimators_)
    order = np.argsort(-np.asarray(weights, dtype=float), kind="stable")
    # A bagged model's members are frozen fold fits (see bagged_ensemble).
    members = [ensemble.estimators_[i] for i in order]
    return [m.estimator if isinstance(m, FrozenEstimator) else m for m in members]


def bagged_ensemble(members: list[tuple[str, Pipeline]], weights: Sequence[float], classification: bool,
                    X: Any, y: np.ndarray) -> VotingClassifier | VotingRegressor:
    """A fitted soft vote (or average) of ``members``, pipelines already fitted.

    Each member is wrapped in scikit-learn's :class:`~sklearn.frozen.FrozenEstimator`,
    so the vote's ``fit`` (on ``X, y``, the labels as given) sets its own
    fitted attributes and leaves the members as they are. A classifier's
    members predict class codes (their ``predict_proba`` columns in the order
    of ``y``'s sorted labels), as a vote's own members do.
    """
    frozen = [(name, FrozenEstimator(member)) for name, member in members]
    return voting_ensemble(frozen, weights, classification).fit(X, y)


def voting_ensemble(members: list[tuple[str, Pipeline]], weights: Sequence[float],
                    classification: bool) -> VotingClassifier | VotingRegressor:
    """An unfitted soft-voting classifier or averaging regressor of ``members``."""
    weights = [float(w) for w in weights]
    if classification:
        return VotingClassifier(members, voting="soft", weights=weights)
    return VotingRegressor(members, weights=weights)
