"""Turning a sampled configuration into a loss: pipelines, splits, scores.

The estimator's search space evaluates to a dict ``{"learner": estimator,
"preprocessing": [transformers], "ex_preprocs": [transformers]}`` (or to a
ready estimator / pipeline). :class:`PipelineObjective` builds the
scikit-learn :class:`~sklearn.pipeline.Pipeline`, fits it on each training
split and returns the loss (minus the mean validation score) with the
per-split scores, in the dict form :func:`hpsk.fmin` expects.

Every trial uses the same precomputed splits, so losses are comparable and
the search is not misled by split-to-split noise.
"""

from __future__ import annotations

import numbers
import time
import warnings
from typing import Any, Callable, Sequence

import numpy as np
from sklearn.base import clone, is_classifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import check_scoring
from sklearn.model_selection import (
    KFold,
    ShuffleSplit,
    StratifiedKFold,
    StratifiedShuffleSplit,
    check_cv,
)
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.utils import _safe_indexing
from threadpoolctl import threadpool_limits

__all__ = [
    "PipelineObjective",
    "assemble_pipeline",
    "describe_steps",
    "make_splitter",
    "needs_encoded_labels",
    "seed_pipeline",
]

Splits = Sequence[tuple[np.ndarray, np.ndarray]]


def make_splitter(cv: Any, *, classification: bool, n_samples: int, random_state: int | None) -> Any:
    """A scikit-learn splitter from hpsk's ``cv`` argument.

    ``int`` -> (stratified) shuffled k-fold; ``float`` in (0, 1) -> one
    (stratified) shuffled holdout of that fraction; ``"auto"`` -> 5-fold up to
    1,000 samples, 3-fold up to 5,000, and a 20 % holdout beyond (so one trial
    costs at most about three fits on small data, one on large data); any
    splitter or iterable of splits is used as given.
    """
    if isinstance(cv, str) and cv == "auto":
        if n_samples <= 1000:
            cv = 5
        elif n_samples <= 5000:
            cv = 3
        else:
            cv = 0.2
    if isinstance(cv, numbers.Integral) and not isinstance(cv, bool):
        kind = StratifiedKFold if classification else KFold
        return kind(n_splits=int(cv), shuffle=True, random_state=random_state)
    if isinstance(cv, numbers.Real) and not isinstance(cv, bool):
        kind = StratifiedShuffleSplit if classification else ShuffleSplit
        return kind(n_splits=1, test_size=float(cv), random_state=random_state)
    return check_cv(cv, classifier=classification)


def needs_encoded_labels(estimator: Any) -> bool:
    """Whether ``estimator`` needs class labels 0..K-1 (XGBoost does)."""
    final = estimator.steps[-1][1] if isinstance(estimator, Pipeline) else estimator
    return type(final).__module__.split(".")[0] == "xgboost"


def _as_steps(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        steps = []
        for item in value:
            steps.extend(_as_steps(item))
        return steps
    return [value]


def assemble_pipeline(params: Any) -> Pipeline:
    """The pipeline a sampled configuration describes.

    ``params`` is either an estimator (a :class:`Pipeline` is used as is) or a
    dict with ``"learner"`` and optional ``"preprocessing"`` and
    ``"ex_preprocs"`` (a transformer or a list of them).
    """
    if isinstance(params, Pipeline):
        return params
    if isinstance(params, dict):
        if "learner" not in params:
            raise ValueError(
                f"A custom space must evaluate to an estimator or to a dict with a 'learner' "
                f"key; got a dict with keys {sorted(params)}."
            )
        steps = _as_steps(params.get("ex_preprocs")) + _as_steps(params.get("preprocessing"))
        return make_pipeline(*steps, params["learner"])
    if hasattr(params, "fit"):
        return make_pipeline(params)
    raise ValueError(f"The search space evaluated to {params!r}, which is not an estimator.")


def seed_pipeline(pipeline: Pipeline, seed: int | None) -> Pipeline:
    """Give every step with an unset ``random_state`` the search's seed."""
    if seed is None:
        return pipeline
    updates = {}
    for name, step in pipeline.steps:
        params = step.get_params(deep=False)
        if "random_state" in params and params["random_state"] is None:
            updates[f"{name}__random_state"] = seed
    return pipeline.set_params(**updates) if updates else pipeline


def describe_steps(pipeline: Pipeline) -> tuple[str, list[str]]:
    """The learner's class name and the preprocessing steps' class names."""
    names = [type(step).__name__ for _, step in pipeline.steps]
    return names[-1], names[:-1]


class PipelineObjective:
    """The loss of a configuration: minus its mean validation score.

    Picklable, so it travels to joblib workers once per worker.

    Parameters
    ----------
    X, y : array-like
        Training data; ``y`` as the user gave it.
    y_encoded : ndarray or None
        ``y`` as integer codes, for learners that need them (XGBoost).
    splits : list of (train, validation) index arrays
    scoring : str, callable or None
        A scikit-learn scorer; ignored when ``loss_fn`` is given.
    loss_fn : callable or None
        hyperopt-sklearn's ``loss_fn(y_true, y_pred)``, lower is better.
    seed : int or None
        ``random_state`` for every step that has one.
    """

    def __init__(
        self,
        X: Any,
        y: np.ndarray,
        y_encoded: np.ndarray | None,
        splits: Splits,
        scoring: str | Callable | None,
        loss_fn: Callable | None,
        seed: int | None,
    ) -> None:
        self.X, self.y, self.y_encoded = X, y, y_encoded
        self.splits = splits
        self.scoring, self.loss_fn, self.seed = scoring, loss_fn, seed

    def pipeline(self, params: Any) -> Pipeline:
        return seed_pipeline(clone(assemble_pipeline(params)), self.seed)

    def targets_for(self, pipeline: Pipeline) -> np.ndarray:
        if self.y_encoded is not None and needs_encoded_labels(pipeline):
            return self.y_encoded
        return self.y

    def _score(self, fitted: Pipeline, X: Any, y: np.ndarray) -> float:
        if self.loss_fn is not None:
            return -float(self.loss_fn(y, fitted.predict(X)))
        return float(check_scoring(fitted, scoring=self.scoring)(fitted, X, y))

    def __call__(self, params: Any) -> dict[str, Any]:
        pipeline = self.pipeline(params)
        y = self.targets_for(pipeline)
        scores, fit_times = [], []
        # One native thread per trial: parallelism comes from running trials
        # side by side (n_jobs), and OpenMP pools that spin-wait on a busy
        # machine can make a fit a hundred times slower.
        with warnings.catch_warnings(), threadpool_limits(limits=1):
            warnings.simplefilter("ignore", category=ConvergenceWarning)
            for train, validation in self.splits:
                fold = clone(pipeline)
                start = time.perf_counter()
                fold.fit(_safe_indexing(self.X, train), y[train])
                fit_times.append(time.perf_counter() - start)
                scores.append(self._score(fold, _safe_indexing(self.X, validation), y[validation]))
        mean = float(np.mean(scores))
        learner, preprocessing = describe_steps(pipeline)
        return {
            "loss": -mean,
            "status": "ok" if np.isfinite(mean) else "fail",
            "error": None if np.isfinite(mean) else f"the validation score is {mean!r}",
            "scores": scores,
            "fit_time": float(np.mean(fit_times)),
            "learner": learner,
            "preprocessing": preprocessing,
            "classifier": is_classifier(pipeline),
        }
