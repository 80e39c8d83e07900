"""Stage 6 of ``fit``: the chosen pipeline, or the ensemble, refitted on every row.

:func:`final_model` builds the winner's pipeline (calibrated to give
probabilities in the default classifier search) or the weighted voting
ensemble of the chosen members, and fits it on all of ``X``; with
``bag=True`` (``refit="bag"``) it fits each of them on every training split
of the validation instead and averages the fold fits (k-fold bagging).
"""

from __future__ import annotations

import os
import warnings
from typing import Any

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from threadpoolctl import threadpool_limits

from sklearn.base import clone
from sklearn.pipeline import Pipeline
from sklearn.utils import _safe_indexing

from ..ensembling import bagged_ensemble, voting_ensemble
from ..evaluation import PipelineObjective, with_probabilities
from ..fidelity import refit_seconds
from ..optimize import effective_n_jobs
from ..space import CompiledSpace
from ..trials import Trial, Trials
from .inputs import Inputs

__all__ = ["final_model", "bagging_seconds", "refit_threads"]

# The bagged model is fitted only when its expected cost (the chosen trials'
# fit time per split, times the splits) fits this many times over in the
# time left; otherwise the plain refit is done.
BAG_MARGIN = 1.5


def final_model(inputs: Inputs, objective: PipelineObjective, space: CompiledSpace, trials: Trials,
                best: Trial, ensemble: dict[str, Any] | None, *, calibrate: bool,
                n_jobs: int | None, bag: bool = False, time_left: float | None = None) -> tuple[Any, bool]:
    """``(fitted model, labels_encoded)``: the model refitted on every row of ``inputs``.

    ``ensemble`` (from :func:`~hpsk.stages.selection.select_ensemble`) gives
    a voting ensemble, which encodes labels itself and takes no weights;
    otherwise ``best``'s pipeline is refitted, inside a temperature
    calibration when ``calibrate`` (the default classifier search promises
    ``predict_proba``; the calibration keeps ``predict``). ``labels_encoded``
    tells whether the model predicts class codes (see ``labels_encoded_``).

    With ``bag``, the pipeline (or each member) is instead fitted on the
    training rows of every split of ``objective`` and the fold fits are
    averaged (:func:`bagged_model`), when the expected cost
    (:func:`bagging_seconds`) fits in ``time_left`` (seconds; ``None``: no
    limit) and the splits and fold fits allow it; otherwise a warning says
    why and the plain refit follows.
    """
    def build(trial: Trial) -> Any:  # with the rounds its early-stopped booster kept
        return objective.refit_pipeline(space.evaluate(trial.point), trial.result)

    if bag:
        by_tid = {trial.tid: trial for trial in trials}
        chosen = [best] if ensemble is None else [by_tid[tid] for tid in ensemble["tid"]]
        weights = [1.0] if ensemble is None else list(ensemble["weight"])
        seconds = bagging_seconds(chosen, objective)
        if time_left is not None and BAG_MARGIN * seconds > time_left:
            bagged, why = None, f"its {len(objective.splits)} fits per pipeline (about {seconds:.0f} s) " \
                                f"do not fit in the {max(time_left, 0):.0f} s left of time_budget"
        else:
            bagged, why = bagged_model(inputs, objective, [(f"trial{t.tid}", build(t)) for t in chosen],
                                       weights, calibrate=calibrate, n_jobs=n_jobs)
        if bagged is not None:
            return bagged, False
        warnings.warn(f"refit='bag' refitted on every row instead: {why}.", UserWarning, stacklevel=3)
    y_encoded = inputs.y_encoded
    if ensemble is None:
        model = build(best)
        if calibrate and y_encoded is not None:
            model = with_probabilities(model, int(np.bincount(np.asarray(y_encoded)).min()))
        targets = objective.targets_for(model)
        labels_encoded = targets is y_encoded and y_encoded is not None
        fit_params = objective.fit_params(model)
    else:
        by_tid = {trial.tid: trial for trial in trials}
        members = [(f"trial{tid}", build(by_tid[tid])) for tid in ensemble["tid"]]
        model = voting_ensemble(members, ensemble["weight"], inputs.task == "classification")
        targets, fit_params, labels_encoded = inputs.y, {}, False
    with warnings.catch_warnings(), threadpool_limits(limits=refit_threads(n_jobs)):
        warnings.simplefilter("ignore", category=ConvergenceWarning)
        return model.fit(inputs.X, targets, **fit_params), labels_encoded


def bagging_seconds(chosen: list[Trial], objective: PipelineObjective) -> float:
    """The expected seconds of :func:`bagged_model`: each trial's fit time per split, as
    its search measured it on one thread (scaled to a full training split when it was
    fitted on a rung's fewer rows), times the splits."""
    n_train = int(np.mean([len(train) for train, _ in objective.splits]))
    per_split = [refit_seconds(trial, n_train) or float(trial.result.get("fit_time") or 0.0) for trial in chosen]
    return sum(per_split) * len(objective.splits)


def _cannot_bag(inputs: Inputs, objective: PipelineObjective) -> str | None:
    """Why the splits cannot be bagged, or ``None``."""
    if np.ndim(inputs.y) != 1:
        return "bagging takes one target"
    splits = objective.splits
    validated = np.sort(np.concatenate([validation for _, validation in splits]))
    if len(splits) < 2 or not np.array_equal(validated, np.arange(len(inputs.y))):
        # A holdout, or splits such as TimeSeriesSplit's whose fold fits never see some rows.
        return "the validation does not score every row exactly once (k-fold), so its fold fits would miss rows"
    return None


def bagged_model(inputs: Inputs, objective: PipelineObjective, members: list[tuple[str, Pipeline]],
                 weights: list[float], *, calibrate: bool, n_jobs: int | None) -> tuple[Any, str]:
    """The members fitted on each training split of ``objective`` and averaged.

    A soft-voting :class:`~sklearn.ensemble.VotingClassifier` (or a
    :class:`~sklearn.ensemble.VotingRegressor`) of the fold fits, named
    ``"<member>.fold<i>"``, each member's weight shared by its folds; a
    classifier's fold fits predict class codes, as a vote's members do.
    ``(None, why)`` (the caller refits instead) for splits that are not a
    k-fold partition of the rows, several targets, or a classifier's fold
    fit that missed a class or has no probabilities to average.
    """
    why = _cannot_bag(inputs, objective)
    if why is not None:
        return None, why
    classification = inputs.task == "classification"
    y = inputs.y_encoded if classification and inputs.y_encoded is not None else inputs.y
    n_classes = 0 if inputs.classes is None else len(inputs.classes)
    fitted, fold_weights = [], []
    with warnings.catch_warnings(), threadpool_limits(limits=refit_threads(n_jobs)):
        warnings.simplefilter("ignore", category=ConvergenceWarning)
        for (name, pipeline), weight in zip(members, weights):
            for i, (train, _) in enumerate(objective.splits):
                fold = clone(pipeline)
                if classification and calibrate:
                    fold = with_probabilities(fold, int(np.bincount(np.asarray(y[train])).min()))
                fold.fit(_safe_indexing(inputs.X, train), y[train], **objective.fit_params(fold, train))
                if classification and len(fold.classes_) != n_classes:
                    return None, f"a training split lacks a class, so {name}'s fold fit could not vote"
                if classification and not hasattr(fold, "predict_proba"):
                    return None, f"{name}'s learner has no predict_proba to average"
                fitted.append((f"{name}.fold{i}", fold))
                fold_weights.append(weight / len(objective.splits))
    return bagged_ensemble(fitted, fold_weights, classification, inputs.X, inputs.y), ""


def refit_threads(n_jobs: int | None) -> int:
    """Native threads for the final refit: up to ``n_jobs``, but only on idle cores.

    OpenMP learners whose threads must wait for busy cores slow down many
    times over (a HistGradientBoosting refit took 1.8 s on 2 threads against
    0.1 s on one while other work held the 2 cores), and the refit counts in
    ``time_budget``; so the refit takes as many threads as the load average
    leaves free, at least one.
    """
    wanted = effective_n_jobs(n_jobs)
    try:
        idle = (os.cpu_count() or 1) - os.getloadavg()[0]
    except (AttributeError, OSError):  # no load average on this platform
        return wanted
    return max(1, min(wanted, int(idle)))
