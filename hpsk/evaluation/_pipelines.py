"""Pipelines: the scikit-learn pipeline a sampled configuration describes.

:func:`assemble_pipeline` builds it, :func:`seed_pipeline`,
:func:`for_targets` and :func:`with_probabilities` adapt it (a seed, several
regression targets, class probabilities), :func:`exogenous_columns` is the
column step of hyperopt-sklearn's exogenous data sets, and
:func:`describe_steps` / :func:`describe_model` name its steps.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import sklearn
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import ColumnTransformer
from sklearn.frozen import FrozenEstimator
from sklearn.multioutput import MultiOutputRegressor
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.utils import get_tags
from sklearn.utils.fixes import parse_version

__all__ = [
    "assemble_pipeline",
    "describe_model",
    "describe_steps",
    "exogenous_columns",
    "for_targets",
    "needs_encoded_labels",
    "seed_pipeline",
    "with_probabilities",
]


def exogenous_columns(widths: Sequence[int], endogenous: Any, exogenous: Sequence[Any]) -> ColumnTransformer:
    """hyperopt-sklearn's exogenous data sets (``fit(X, y, EX_list=[EX, ...])``) as one step.

    ``X`` and each ``EX`` are stacked side by side (``widths`` columns each);
    ``X`` goes through the searched ``endogenous`` preprocessing, each ``EX``
    through its own list of ``exogenous`` transformers (hyperopt-sklearn's
    ``ex_preprocs``, one list per data set), and the outputs are joined in
    that order, as hyperopt-sklearn joins them.
    """
    parts, start = [], 0
    for i, (width, steps) in enumerate(zip(widths, [endogenous, *exogenous])):
        steps = _as_steps(steps)
        parts.append(("X" if i == 0 else f"EX{i - 1}", make_pipeline(*steps) if steps else "passthrough",
                      list(range(start, start + width))))
        start += width
    return ColumnTransformer(parts)


# Before scikit-learn 1.9, KNeighborsClassifier's brute-force Manhattan path
# (p=1, uniform weights, which "auto" picks above 15 features) reads the class
# labels as integers, so string labels fail (scikit-learn#33034).
_KNN_NEEDS_CODES = parse_version(sklearn.__version__).release < (1, 9)


def needs_encoded_labels(estimator: Any) -> bool:
    """Whether ``estimator`` needs class labels 0..K-1 (XGBoost does, and
    k-nearest neighbours before scikit-learn 1.9)."""
    final = estimator.steps[-1][1] if isinstance(estimator, Pipeline) else estimator
    if type(final).__module__.split(".")[0] == "xgboost":
        return True
    return _KNN_NEEDS_CODES and isinstance(final, KNeighborsClassifier)


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
    ``"ex_preprocs"`` (a transformer or a list of them). hyperopt-sklearn's
    layout, ``"classifier"`` and ``"regressor"`` (one of them ``None``) in
    place of ``"learner"``, is read too.
    """
    if isinstance(params, Pipeline):
        return params
    if isinstance(params, dict):
        learners = [params[key] for key in ("learner", "classifier", "regressor")
                    if params.get(key) is not None]
        if len(learners) != 1:
            raise ValueError(
                "A custom space must evaluate to an estimator or to a dict with one learner: a "
                "'learner' key, or hyperopt-sklearn's 'classifier' or 'regressor' (the other None); "
                f"got a dict with keys {sorted(params)} and {len(learners)} learners."
            )
        steps = _as_steps(params.get("ex_preprocs")) + _as_steps(params.get("preprocessing"))
        return make_pipeline(*steps, learners[0])
    if hasattr(params, "fit"):
        return make_pipeline(params)
    raise ValueError(f"The search space evaluated to {params!r}, which is not an estimator.")


# Calibration that keeps every prediction: temperature scaling (scikit-learn
# 1.8+) divides the decision values by one positive number, so their argmax,
# and with it ``predict``, is the uncalibrated learner's; Platt's sigmoid
# before that (it can move the binary threshold a little).
_ARGMAX_KEEPING_CALIBRATION = ("temperature" if parse_version(sklearn.__version__).release >= (1, 8)
                               else "sigmoid")
# Folds of the calibration's cross-validation (each class needs this many rows).
_CALIBRATION_FOLDS = 3


def with_probabilities(pipeline: Pipeline, min_class_count: int) -> Pipeline:
    """``pipeline`` with class probabilities, its predictions unchanged where possible.

    A learner without ``predict_proba`` (SVC, LinearSVC, RidgeClassifier,
    SGD with the hinge loss, ...) is wrapped in
    :class:`~sklearn.calibration.CalibratedClassifierCV` (``ensemble=False``:
    the learner itself is fitted on all rows, and its decision values are
    calibrated on out-of-fold ones). A pipeline that has probabilities, a
    learner without ``decision_function``, or a class with fewer rows than
    the calibration's folds is returned unchanged.
    """
    name, learner = pipeline.steps[-1]
    if hasattr(learner, "predict_proba") or not hasattr(learner, "decision_function"):
        return pipeline
    if min_class_count < _CALIBRATION_FOLDS:
        return pipeline
    calibrated = CalibratedClassifierCV(learner, method=_ARGMAX_KEEPING_CALIBRATION,
                                        cv=_CALIBRATION_FOLDS, ensemble=False)
    return Pipeline(pipeline.steps[:-1] + [(name, calibrated)], memory=pipeline.memory)


def _takes_several_targets(learner: Any) -> bool:
    try:
        return bool(get_tags(learner).target_tags.multi_output)
    except Exception:  # noqa: BLE001 - a third-party learner without scikit-learn's tags
        return False


def for_targets(pipeline: Pipeline, n_outputs: int) -> Pipeline:
    """``pipeline`` for ``n_outputs`` regression targets.

    A learner that takes one target only (HistGradientBoosting, SVR, ...) is
    wrapped in :class:`~sklearn.multioutput.MultiOutputRegressor`: one
    model per target. Learners that take several (forests, linear models,
    k-NN, XGBoost) are left as they are.
    """
    name, learner = pipeline.steps[-1]
    if n_outputs < 2 or _takes_several_targets(learner):
        return pipeline
    return Pipeline(pipeline.steps[:-1] + [(name, MultiOutputRegressor(learner))], memory=pipeline.memory)


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


def _step_name(step: Any) -> str:
    wrapped = getattr(step, "estimator", None)
    if isinstance(step, CalibratedClassifierCV) and wrapped is not None:
        return f"{type(wrapped).__name__} (calibrated)"
    if isinstance(step, MultiOutputRegressor):
        return f"{type(wrapped).__name__} (per target)"
    return type(step).__name__


def describe_steps(pipeline: Pipeline) -> tuple[str, list[str]]:
    """The learner's class name and the preprocessing steps' class names."""
    names = [_step_name(step) for _, step in pipeline.steps]
    return names[-1], names[:-1]


def describe_model(model: Any) -> str:
    """``"Scaler -> Learner"``, or for a voting ensemble its weighted members."""
    if isinstance(model, Pipeline):
        learner, preprocessing = describe_steps(model)
        return " -> ".join(preprocessing + [learner])
    if isinstance(model, FrozenEstimator):
        return describe_model(model.estimator)
    members = getattr(model, "estimators", None)
    if isinstance(members, list) and all(isinstance(m, tuple) for m in members):
        weights = np.asarray(model.weights if model.weights is not None else [1.0] * len(members), float)
        # A bagged model's fold fits ("<member>.fold<i>") are named once, with their folds.
        grouped: dict[str, list[Any]] = {}
        for (name, member), weight in zip(members, weights):
            entry = grouped.setdefault(name.split(".fold")[0], [0.0, member, 0])
            entry[0], entry[2] = entry[0] + weight, entry[2] + 1
        parts = [f"{w / weights.sum():.2f} {describe_model(m)}" + (f" ({n} folds)" if n > 1 else "")
                 for w, m, n in grouped.values()]
        return f"{type(model).__name__}[" + ", ".join(parts) + "]"
    return type(model).__name__
