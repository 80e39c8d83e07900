"""Early-stopped boosting: the rounds a draw asks for become an upper bound.

On a training split of more than :data:`MIN_ROWS` rows, a boosting learner
(HistGradientBoosting, XGBoost, LightGBM) stops adding rounds once its loss
on an internal validation part of that split (:data:`VALIDATION_FRACTION` of
its rows, stratified for classification) has not improved for
:data:`PATIENCE` rounds, so a 1,000-round draw costs only the rounds it
needs. The rounds each split kept are recorded with the trial (``"rounds"``),
and the final model is refitted on every row with their mean, without an
internal split (:func:`with_rounds`): it is a plain model of its library
(``export_code`` writes it as such), trained on all the data.

HistGradientBoosting stops by itself (scikit-learn's ``early_stopping="auto"``
holds out 10 % above 10,000 rows, the same threshold); XGBoost and LightGBM
get the internal split and the validation set here, fitted after the
pipeline's other steps. Below :data:`MIN_ROWS` rows every learner fits the
rounds it was given: holding rows out costs more there than the rounds do.
A user who sets XGBoost's ``early_stopping_rounds`` sets the patience.
"""

from __future__ import annotations

import inspect
import math
import sys
from typing import Any

import numpy as np
from sklearn.base import is_classifier
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.pipeline import Pipeline
from sklearn.utils import _safe_indexing

from ..fidelity import nested_order

__all__ = ["MIN_ROWS", "PATIENCE", "VALIDATION_FRACTION", "fit_early_stopped", "with_rounds"]

MIN_ROWS = 10_000
"""Training rows above which boosting stops early (scikit-learn's threshold for HistGradientBoosting)."""
VALIDATION_FRACTION = 0.1
"""The share of a training split held out to decide when to stop."""
PATIENCE = 20
"""Rounds without improvement of the held-out loss before stopping."""


def _library_model(learner: Any, module: str, base: str) -> bool:
    library = sys.modules.get(module)  # a learner of a library that is not imported cannot be one
    return library is not None and isinstance(learner, getattr(library, base))


def _kind(learner: Any) -> str | None:
    """``"hgb"``, ``"xgboost"``, ``"lightgbm"``, or ``None`` for a learner that does not boost."""
    if isinstance(learner, (HistGradientBoostingClassifier, HistGradientBoostingRegressor)):
        return "hgb"
    if _library_model(learner, "xgboost", "XGBModel"):
        return "xgboost"
    if _library_model(learner, "lightgbm", "LGBMModel"):
        return "lightgbm"
    return None


def _held_out(y: np.ndarray, classification: bool, seed: int | None) -> np.ndarray:
    """A boolean mask of the internal validation rows: the last :data:`VALIDATION_FRACTION`
    of :func:`hpsk.fidelity.nested_order`'s stratified order, whose first rows hold one
    of every class, so that every class stays in the training part."""
    order = nested_order(np.arange(len(y)), y if classification else None, np.random.default_rng(seed))
    n_out = int(round(len(y) * VALIDATION_FRACTION))
    mask = np.zeros(len(y), dtype=bool)
    mask[order[len(y) - n_out:]] = True
    return mask


def fit_early_stopped(pipeline: Pipeline, X: Any, y: np.ndarray, fit_params: dict[str, Any],
                      seed: int | None) -> int | None:
    """Fit ``pipeline`` on ``(X, y)``; the rounds its learner kept, when it stopped early.

    ``fit_params`` are the pipeline's (``{"<learner>__sample_weight": ...}``
    or nothing). Returns ``None`` when the learner is not a booster, the split
    has at most :data:`MIN_ROWS` rows, or it is a HistGradientBoosting told
    not to stop (``early_stopping=False``).
    """
    name, learner = pipeline.steps[-1]
    kind = _kind(learner)
    if kind is None or len(y) <= MIN_ROWS:
        pipeline.fit(X, y, **fit_params)
        return None
    if kind == "hgb":  # scikit-learn's own early stopping ("auto" is on above 10,000 rows)
        pipeline.fit(X, y, **fit_params)
        scores = getattr(learner, "validation_score_", None)
        return None if scores is None or len(scores) == 0 else max(1, int(np.argmax(scores)))
    Xt = pipeline[:-1].fit_transform(X, y) if len(pipeline.steps) > 1 else X
    held_out = _held_out(y, is_classifier(learner), seed)
    fit, stop = ~held_out, held_out
    X_stop, y_stop = _safe_indexing(Xt, stop), y[stop]
    sample_weight = fit_params.get(f"{name}__sample_weight")
    kwargs: dict[str, Any] = {} if sample_weight is None else {"sample_weight": sample_weight[fit]}
    if kind == "xgboost":
        if learner.get_params().get("early_stopping_rounds") is None:
            learner.set_params(early_stopping_rounds=PATIENCE)
        if sample_weight is not None:
            kwargs["sample_weight_eval_set"] = [sample_weight[stop]]
        learner.fit(_safe_indexing(Xt, fit), y[fit], eval_set=[(X_stop, y_stop)], verbose=False, **kwargs)
        return int(learner.best_iteration) + 1
    import lightgbm

    if sample_weight is not None:
        kwargs["eval_sample_weight"] = [sample_weight[stop]]
    if "eval_X" in inspect.signature(learner.fit).parameters:  # LightGBM 4.7's names
        kwargs.update(eval_X=(X_stop,), eval_y=(y_stop,))
    else:
        kwargs["eval_set"] = [(X_stop, y_stop)]
    learner.fit(_safe_indexing(Xt, fit), y[fit],
                callbacks=[lightgbm.early_stopping(PATIENCE, verbose=False)], **kwargs)
    return int(learner.best_iteration_) or None


def with_rounds(pipeline: Pipeline, rounds: float | None) -> Pipeline:
    """``pipeline`` with its booster set to ``rounds`` rounds (rounded up) and no early
    stopping, for the refit on every row; unchanged when ``rounds`` is ``None``."""
    if rounds is None or not math.isfinite(rounds):
        return pipeline
    learner = pipeline.steps[-1][1]
    kind, n = _kind(learner), max(1, math.ceil(rounds))
    if kind == "hgb":
        learner.set_params(max_iter=n, early_stopping=False)
    elif kind == "xgboost":
        learner.set_params(n_estimators=n, early_stopping_rounds=None)
    elif kind == "lightgbm":
        learner.set_params(n_estimators=n)
    return pipeline
