"""Stage 3 of ``fit``: how each trial is scored.

:func:`resolve_cv` maps hyperopt-sklearn's ``fit`` keywords onto ``cv``;
:func:`validation_scorer` checks ``scoring`` / ``loss_fn``; :func:`validate_with`
splits the rows and builds the picklable :class:`~hpsk.evaluation.PipelineObjective`
that fits a point's pipeline on every split and returns its loss.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
from sklearn.metrics import get_scorer, get_scorer_names
from sklearn.model_selection import GroupKFold, KFold

from ..evaluation import PipelineObjective, ValidationScorer, group_folds, make_splitter
from ..fidelity import AUTO_FACTOR, ETA, MAX_RUNGS, MIN_ROWS, Rungs, rung_sizes, rung_splits
from .inputs import Inputs

__all__ = ["Validation", "resolve_cv", "validation_scorer", "validate_with", "resolve_rungs"]


@dataclass(frozen=True)
class Validation:
    """The splitter, its splits of the rows, the objective scored on them, and the rungs
    of a multi-fidelity search (``None``: every trial fits on every training row)."""

    splitter: Any
    splits: list[tuple[np.ndarray, np.ndarray]]
    objective: PipelineObjective
    rungs: Rungs | None = None


def resolve_cv(cv: Any, groups: np.ndarray | None, valid_size: float | None, n_folds: int | None,
               cv_shuffle: bool | None) -> Any:
    """``cv``, or hyperopt-sklearn's ``fit`` keywords mapped onto it."""
    if n_folds is not None:
        if cv_shuffle is False:
            if groups is None:
                return KFold(n_folds)
            return GroupKFold(group_folds(n_folds, len(np.unique(groups))))
        return n_folds
    if valid_size is not None:
        return valid_size
    return cv


def validation_scorer(scoring: str | Callable | None, loss_fn: Callable | None, continuous_loss_fn: bool,
                      task: str, owner: str) -> ValidationScorer:
    """The scorer of every trial: ``scoring``, ``loss_fn``, or accuracy / R^2."""
    if isinstance(scoring, str):
        try:
            get_scorer(scoring)
        except ValueError:
            close = difflib.get_close_matches(scoring, get_scorer_names(), n=3)
            hint = f" Did you mean {', '.join(map(repr, close))}?" if close else ""
            raise ValueError(f"{owner}: unknown scoring {scoring!r}.{hint} "
                             "See sklearn.metrics.get_scorer_names().") from None
    if scoring is None and loss_fn is None:
        scoring = "accuracy" if task == "classification" else "r2"
    return ValidationScorer(scoring, loss_fn, continuous_loss_fn)


def resolve_rungs(fidelity: str | dict[str, int] | None, n_train: int, time_budget: float | None) -> Rungs | None:
    """The rungs of a multi-fidelity search, or ``None`` to fit every trial on every row.

    ``"auto"`` turns rungs on with a ``time_budget`` when the training
    splits hold at least ``AUTO_FACTOR`` times rung 0's rows: then many
    configurations can be tried on few rows first. A dict (``min_rows``,
    ``eta``) turns them on whatever the data and budget.

    Unless ``min_rows`` is given, rung 0 grows with the data so that there
    are at most ``MAX_RUNGS``: a configuration reaches the last rung only
    after about ``eta ** (rungs - 1)`` first looks, and on a million rows
    2,000-row looks would take the whole budget.
    """
    if fidelity is None:
        return None
    settings = {} if fidelity == "auto" else dict(fidelity)  # type: ignore[arg-type]
    eta = int(settings.get("eta", ETA))
    min_rows = int(settings.get("min_rows", max(MIN_ROWS, np.ceil(n_train / eta ** (MAX_RUNGS - 1)))))
    if fidelity == "auto" and (time_budget is None or n_train < AUTO_FACTOR * MIN_ROWS):
        return None
    sizes = rung_sizes(n_train, min_rows, eta)
    return Rungs(sizes, eta) if len(sizes) > 1 else None


def validate_with(cv: Any, inputs: Inputs, scorer: ValidationScorer, *, seed: int | None,
                  n_evals: int | None, time_budget: float | None, keep_predictions: bool,
                  owner: str, fidelity: str | dict[str, int] | None = None) -> Validation:
    """Split ``inputs``' rows with ``cv`` (see :func:`hpsk.evaluation.make_splitter`) and
    build the objective; ``keep_predictions`` keeps each trial's out-of-fold predictions
    for ensemble selection; ``fidelity`` (see :func:`resolve_rungs`) adds the rungs'
    nested, stratified subsamples of every training split."""
    classification = inputs.task == "classification"
    targets = inputs.split_targets
    groups = inputs.groups
    splitter = make_splitter(cv, classification=classification, n_samples=inputs.X.shape[0],
                             random_state=seed, groups=groups is not None,
                             n_groups=None if groups is None else len(np.unique(groups)),
                             min_class_count=int(np.bincount(targets).min()) if classification else None,
                             n_evals=n_evals, time_budget=time_budget)
    try:
        splits = list(splitter.split(inputs.X, targets, groups))
    except ValueError as error:
        raise ValueError(f"{owner}: cannot split the data with cv={cv!r}: {error}") from None
    rungs = resolve_rungs(fidelity, min(len(train) for train, _ in splits), time_budget)
    per_rung = None if rungs is None else rung_splits(
        splits, rungs, inputs.y_encoded, None if seed is None else seed + 7919)
    objective = PipelineObjective(inputs.X, inputs.y, inputs.y_encoded, splits, scorer, seed,
                                  inputs.weights, keep_predictions=keep_predictions, rungs=per_rung)
    return Validation(splitter, splits, objective, rungs)
