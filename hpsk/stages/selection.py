"""Stage 5 of ``fit``: choose what is refitted.

:func:`select_winner` picks the best trial, re-scoring the top candidates on
fresh shuffles when ``reevaluate_top`` asks for it (a guard against a lucky
split); :func:`select_ensemble` runs ensemble selection over the out-of-fold
predictions that :func:`prediction_pool` kept during the search.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.base import is_classifier, is_regressor

from ..ensembling import PredictionPool, greedy_selection
from ..evaluation import PipelineObjective, reshuffled
from ..fidelity import affordable_trials, top_rung_trials
from ..outcome import evaluate_objective
from ..space import CompiledSpace
from ..trials import Trial, Trials
from .inputs import Inputs
from .searching import Clock

__all__ = ["Selection", "prediction_pool", "select_winner", "select_ensemble", "score_of"]

# Re-evaluation costs at most this share of the search's fits.
REEVALUATE_SHARE = 0.2
# Ensemble selection chooses among the out-of-fold predictions of this many
# best trials (and the best trial of every learner).
ENSEMBLE_POOL = 30


@dataclass(frozen=True)
class Selection:
    """The winning trial, its score, and the re-evaluated candidates (``None``: none were)."""

    best: Trial
    score: float
    reevaluation: dict[str, np.ndarray] | None = None


def score_of(trial: Trial) -> float:
    """The validation score of a finished ``ok`` trial: minus its loss."""
    if trial.loss is None:
        raise ValueError(f"trial {trial.tid} has no loss (status {trial.status!r})")
    return -trial.loss


def prediction_pool(inputs: Inputs, ensemble_size: int, refit: bool) -> PredictionPool | None:
    """The pool of out-of-fold predictions for ensemble selection, or ``None`` when no
    ensemble can be built: none asked for, no refit, sample weights or several targets
    (the voting ensembles take neither)."""
    if not (ensemble_size and refit and inputs.weights is None and np.ndim(inputs.y) == 1):
        return None
    return PredictionPool(ENSEMBLE_POOL)


def select_winner(trials: Trials, space: CompiledSpace, objective: PipelineObjective, splitter: Any,
                  groups: np.ndarray | None, seed: int | None, deadline: float | None,
                  reevaluate_top: int, refit_within: float | None = None) -> Selection:
    """Choose the winner, re-evaluating the top ``reevaluate_top`` candidates on fresh splits.

    The best of many noisy validation scores is biased upwards, and more so
    the more trials there are; re-scoring the few best on new shuffles and
    choosing on all their scores picks a candidate that is good rather
    than lucky. The re-evaluation costs at most ``REEVALUATE_SHARE`` of
    the search's fits (at most three fresh repeats). In a multi-fidelity
    search only the trials of the highest rung reached compete: the others
    were fitted on fewer rows. With ``refit_within`` (seconds), only
    candidates whose refit on every row is expected to take no longer compete
    (the cheapest, when none is): a search that stopped on a low rung must
    not pick a model it cannot refit in its budget: they come from the highest
    rung that has one, else the cheapest trial is refitted.
    """
    candidates = top_rung_trials(trials) if refit_within is None else affordable_trials(
        trials, objective.X.shape[0], refit_within)
    ranked = sorted(candidates, key=lambda t: (-score_of(t), t.tid))
    first = Selection(ranked[0], score_of(ranked[0]))
    n_top = min(reevaluate_top, int(REEVALUATE_SHARE * len(trials)), len(ranked))
    if n_top < 2:
        return first
    repeats = max(1, min(3, int(REEVALUATE_SHARE * len(trials) / n_top)))
    fresh_splits = []
    for repeat in range(repeats):
        fresh = reshuffled(splitter, None if seed is None else seed + 1 + repeat)
        if fresh is None:  # a splitter that does not shuffle: nothing new to learn
            return first
        targets = objective.y if objective.y_encoded is None else objective.y_encoded
        fresh_splits += list(fresh.split(objective.X, targets, groups))
    records = _rescore(ranked[:n_top], space, objective.with_splits(fresh_splits), deadline)
    if not records:
        return first
    reevaluation = {
        "tid": np.array([r[0].tid for r in records]),
        "search_score": np.array([r[1] for r in records]),
        "fresh_score": np.array([r[2] for r in records]),
        "combined_score": np.array([r[3] for r in records]),
    }
    winner = max(records, key=lambda r: (r[3], -r[0].tid))
    return Selection(winner[0], winner[3], reevaluation)


def _rescore(candidates: list[Trial], space: CompiledSpace, fresh: PipelineObjective,
             deadline: float | None) -> list[tuple[Trial, float, float, float]]:
    """``(trial, search score, fresh score, mean of all its split scores)`` per candidate
    re-scored before ``deadline``."""
    records = []
    for trial in candidates:
        if deadline is not None and time.monotonic() > deadline:
            break
        outcome = evaluate_objective(fresh, space.space, trial.point)
        if outcome.status != "ok" or outcome.loss is None:
            continue
        scores = list(trial.result["scores"]) + list(outcome.result["scores"])
        records.append((trial, score_of(trial), -outcome.loss, float(np.mean(scores))))
    return records


def select_ensemble(pool: PredictionPool, winner_score: float, trials: Trials, objective: PipelineObjective,
                    space: CompiledSpace, *, classes: np.ndarray | None, ensemble_size: int,
                    clock: Clock) -> dict[str, Any] | None:
    """Ensemble selection over the pool (see ``ensemble_size``); ``None`` keeps one pipeline.

    The blend must validate above every pooled pipeline and above the
    single winner, which may be missing from the pool: a learner without
    probabilities, or a trial from before this fit (a resumed search,
    ``fit_iter``'s earlier steps), whose predictions were not kept. With a
    ``time_budget`` on the ``clock``, only the heaviest members whose refit
    fits in the time left are kept.
    """
    by_tid = {trial.tid: trial for trial in top_rung_trials(trials)}
    # Only classifiers (regressors) can vote: a k-means or outlier detector in a user's space cannot.
    votes = is_classifier if classes is not None else is_regressor
    candidates = [(tid, p) for tid, p in pool.candidates()
                  if tid in by_tid and votes(objective.pipeline(space.evaluate(by_tid[tid].point)))]
    if len(candidates) < 2:
        return None
    targets, weights = objective.validation_targets(), objective.validation_weights()

    def score(predictions: np.ndarray) -> float:
        return objective.scorer.score_predictions(targets, predictions, classes, weights)

    predictions = [p for _, p in candidates]
    counts = greedy_selection(predictions, score, ensemble_size)
    order = np.argsort(-counts, kind="stable")  # heaviest first, then the better loss
    chosen = [int(i) for i in order if counts[i] > 0]
    time_left = clock.left()
    if time_left is not None:
        fit_times = [by_tid[candidates[i][0]].result.get("fit_time", 0.0) for i in chosen]
        chosen = chosen[:_members_in_time(fit_times, objective, time_left)]
    if len(chosen) < 2:
        return None
    blend = sum(counts[i] * predictions[i] for i in chosen) / counts[chosen].sum()
    blend_score = score(blend)
    if blend_score <= max([winner_score] + [score(p) for p in predictions]):
        return None
    return {"tid": np.array([candidates[i][0] for i in chosen]),
            "weight": counts[chosen] / counts[chosen].sum(), "score": blend_score}


def _members_in_time(fit_times: list[float], objective: PipelineObjective, time_left: float) -> int:
    """How many of the heaviest members (at least one) can be refitted in ``time_left``:
    a refit on all rows takes about a fold's fit time scaled by the row count."""
    scale = objective.X.shape[0] / np.mean([len(train) for train, _ in objective.splits])
    cost, kept = 0.0, 0
    for fit_time in fit_times:
        cost += scale * fit_time
        if kept and cost > time_left:
            break
        kept += 1
    return kept
