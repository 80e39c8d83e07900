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

import copy
import numbers
import time
import warnings
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import numpy as np
import sklearn
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, clone, is_classifier
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import ColumnTransformer
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import check_scoring
from sklearn.model_selection import (
    GroupKFold,
    GroupShuffleSplit,
    KFold,
    ShuffleSplit,
    StratifiedGroupKFold,
    StratifiedKFold,
    StratifiedShuffleSplit,
    check_cv,
)
from sklearn.multioutput import MultiOutputRegressor
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.utils import _safe_indexing, get_tags
from sklearn.utils.fixes import parse_version
from sklearn.utils.validation import has_fit_parameter
from threadpoolctl import threadpool_limits

__all__ = [
    "auto_cv",
    "PipelineObjective",
    "ValidationScorer",
    "assemble_pipeline",
    "cv_results",
    "nested_cross_validate",
    "describe_steps",
    "describe_model",
    "make_splitter",
    "group_folds",
    "exogenous_columns",
    "reshuffled",
    "needs_encoded_labels",
    "seed_pipeline",
    "with_probabilities",
    "for_targets",
]

Splits = Sequence[tuple[np.ndarray, np.ndarray]]


_AUTO_LEVELS = (5, 3, 0.2)


def auto_cv(n_samples: int, n_evals: int | None = None, time_budget: float | None = None) -> int | float:
    """``cv="auto"``: folds by data size, more of them for a long search.

    By size: 5-fold up to 1,000 samples, 3-fold up to 20,000, a 20 % holdout
    beyond, so a trial costs a few fits on small data and one on large data.
    A long search (``n_evals >= 100``, or a ``time_budget``, which on small
    data buys hundreds of trials) gets 5-fold up to 3,000 samples.

    Why: the more candidates a search compares, the more its best validation
    score flatters the winner, and one holdout flatters most.
    ``benchmarks/optimization_bias.py`` measured twice the optimism for a
    20 % holdout as for 5-fold at equal evaluations (+0.054 against +0.026
    accuracy, 11 datasets) and a lower test score; on ``benchmarks/automl.py``
    a 30 s search selecting on a holdout (125 trials on 3,750 rows) scored
    0.299 R^2 in validation and 0.131 on the test set, where 3-fold searches
    reached 0.22.
    """
    long_search = time_budget is not None or (n_evals is not None and n_evals >= 100)
    if n_samples <= 1000 or (long_search and n_samples <= 3000):
        return 5
    return 3 if n_samples <= 20000 else 0.2


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


def group_folds(n_folds: int, n_groups: int | None) -> int:
    """``n_folds``, or the number of groups when there are fewer (with a warning).

    hyperopt-sklearn runs such a search; one group per fold is the most a
    grouped k-fold can do.
    """
    if n_groups is not None and 2 <= n_groups < n_folds:
        warnings.warn(f"{n_folds} folds asked for, but there are only {n_groups} groups; "
                      f"using {n_groups} folds, one group each.", UserWarning, stacklevel=3)
        return n_groups
    return n_folds


def make_splitter(
    cv: Any,
    *,
    classification: bool,
    n_samples: int,
    random_state: int | None,
    groups: bool = False,
    n_groups: int | None = None,
    min_class_count: int | None = None,
    n_evals: int | None = None,
    time_budget: float | None = None,
) -> Any:
    """A scikit-learn splitter from hpsk's ``cv`` argument.

    ``int`` -> shuffled k-fold (stratified for classification; grouped when
    ``groups``); ``float`` in (0, 1) -> one shuffled holdout of that fraction
    (stratified or grouped likewise); ``"auto"`` -> see :func:`auto_cv`; any
    splitter or iterable of splits is used as given. Grouped k-fold with
    fewer groups (``n_groups``) than folds uses one fold per group, with a
    warning.

    Raises
    ------
    ValueError
        When stratified k-fold asks for more folds than the smallest class has
        members.
    """
    if isinstance(cv, str) and cv == "auto":
        cv = auto_cv(n_samples, n_evals, time_budget)
        if isinstance(cv, int) and classification and min_class_count is not None:
            if min_class_count < 2 and not groups:
                # No stratified split can hold a class of one sample out and in: plain k-fold.
                warnings.warn(f"a class has a single sample, so the {cv}-fold validation cannot be "
                              "stratified; some folds train without that class.", UserWarning, stacklevel=3)
                return KFold(n_splits=max(2, min(cv, n_samples)), shuffle=True, random_state=random_state)
            cv = max(2, min(cv, min_class_count))
    if isinstance(cv, numbers.Integral) and not isinstance(cv, bool):
        if groups:
            cv = group_folds(int(cv), n_groups)
            kind = StratifiedGroupKFold if classification else GroupKFold
            return kind(n_splits=int(cv), shuffle=True, random_state=random_state)
        if classification and min_class_count is not None and int(cv) > min_class_count:
            raise ValueError(
                f"cv={cv} asks for more folds than the smallest class has samples "
                f"({min_class_count}); use cv <= {min_class_count}, a holdout fraction, "
                "or merge rare classes."
            )
        kind = StratifiedKFold if classification else KFold
        return kind(n_splits=int(cv), shuffle=True, random_state=random_state)
    if isinstance(cv, numbers.Real) and not isinstance(cv, bool):
        if groups:
            return GroupShuffleSplit(n_splits=1, test_size=float(cv), random_state=random_state)
        kind = StratifiedShuffleSplit if classification else ShuffleSplit
        return kind(n_splits=1, test_size=float(cv), random_state=random_state)
    return check_cv(cv, classifier=classification)


def reshuffled(splitter: Any, random_state: int | None) -> Any | None:
    """The same splitter with another shuffle, or ``None`` if it does not shuffle."""
    if not hasattr(splitter, "random_state") or getattr(splitter, "shuffle", True) is False:
        return None
    fresh = copy.copy(splitter)
    fresh.random_state = random_state
    return fresh


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
    members = getattr(model, "estimators", None)
    if isinstance(members, list) and all(isinstance(m, tuple) for m in members):
        weights = np.asarray(model.weights if model.weights is not None else [1.0] * len(members), float)
        parts = [f"{w / weights.sum():.2f} {describe_model(m)}" for (_, m), w in zip(members, weights)]
        return f"{type(model).__name__}[" + ", ".join(parts) + "]"
    return type(model).__name__


class _Predicted(BaseEstimator):
    """A stand-in "fitted estimator" that returns fixed predictions, so that
    any scikit-learn scorer can score predictions made earlier."""

    def __init__(self, predictions: np.ndarray, classes: np.ndarray | None = None) -> None:
        self.predictions = predictions
        self.classes = classes

    def fit(self, X: Any, y: Any = None) -> "_Predicted":
        return self

    def predict(self, X: Any) -> np.ndarray:
        return self.predictions


class _PredictedClassifier(ClassifierMixin, _Predicted):
    """Fixed class probabilities (columns in ``classes`` order), scored as a classifier's."""

    @property
    def classes_(self) -> np.ndarray:
        if self.classes is None:
            raise AttributeError("a stand-in classifier made without classes")
        return self.classes

    def predict(self, X: Any) -> np.ndarray:
        return self.classes_[np.argmax(self.predictions, axis=1)]

    def predict_proba(self, X: Any) -> np.ndarray:
        return self.predictions


class _PredictedRegressor(RegressorMixin, _Predicted):
    """Fixed values, scored as a regressor's."""


@dataclass(frozen=True)
class ValidationScorer:
    """How a fitted pipeline is scored on held-out data (higher is better).

    A scikit-learn ``scoring`` (name or callable), or hyperopt-sklearn's
    ``loss_fn(y_true, y_pred)`` (lower is better; the score is its negative),
    given probabilities instead of labels when ``continuous_loss_fn``.
    """

    scoring: str | Callable | None = None
    loss_fn: Callable | None = None
    continuous_loss_fn: bool = False

    def __call__(self, fitted: Pipeline, X: Any, y: np.ndarray, sample_weight: np.ndarray | None) -> float:
        if self.loss_fn is not None:
            if self.continuous_loss_fn:
                if not hasattr(fitted, "predict_proba"):
                    raise ValueError(f"continuous_loss_fn=True needs predict_proba, which "
                                     f"{type(fitted.steps[-1][1]).__name__} does not have.")
                predictions = fitted.predict_proba(X)
            else:
                predictions = fitted.predict(X)
            return -float(self.loss_fn(y, predictions))
        scorer = check_scoring(fitted, scoring=self.scoring)
        if sample_weight is None:
            return float(scorer(fitted, X, y))
        return float(scorer(fitted, X, y, sample_weight=sample_weight))

    def score_predictions(self, y: np.ndarray, predictions: np.ndarray, classes: np.ndarray | None,
                          sample_weight: np.ndarray | None = None) -> float:
        """The score of predictions made earlier: class probabilities (columns in
        ``classes`` order) for a classifier, values for a regressor (``classes=None``)."""
        fixed = (_PredictedRegressor(predictions) if classes is None
                 else _PredictedClassifier(predictions, classes))
        X = np.empty((len(y), 0))
        if self.loss_fn is not None:
            continuous = self.continuous_loss_fn and classes is not None
            return -float(self.loss_fn(y, predictions if continuous else fixed.predict(X)))
        scorer = check_scoring(fixed, scoring=self.scoring)
        if sample_weight is None:
            return float(scorer(fixed, X, y))
        return float(scorer(fixed, X, y, sample_weight=sample_weight))


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
    scorer : ValidationScorer
    seed : int or None
        ``random_state`` for every step that has one.
    sample_weight : ndarray or None
        Passed to the learner's ``fit`` when it accepts one, and to the scorer.
    keep_predictions : bool, default=False
        Add ``"predictions"`` to the result: the validation predictions of
        every split, stacked in split order (class probabilities in
        ``classes`` order for a classifier, ``None`` when the learner has no
        ``predict_proba``), for ensemble selection.
    """

    def __init__(
        self,
        X: Any,
        y: np.ndarray,
        y_encoded: np.ndarray | None,
        splits: Splits,
        scorer: ValidationScorer,
        seed: int | None,
        sample_weight: np.ndarray | None = None,
        keep_predictions: bool = False,
    ) -> None:
        self.X, self.y, self.y_encoded = X, y, y_encoded
        self.splits = splits
        self.scorer, self.seed, self.sample_weight = scorer, seed, sample_weight
        self.keep_predictions = keep_predictions

    def with_splits(self, splits: Splits) -> "PipelineObjective":
        """The same objective on other splits (for re-evaluating candidates)."""
        return PipelineObjective(self.X, self.y, self.y_encoded, splits, self.scorer, self.seed,
                                 self.sample_weight)

    def pipeline(self, params: Any) -> Pipeline:
        """The seeded pipeline ``params`` describe, ready for this objective's targets."""
        n_outputs = 1 if self.y.ndim == 1 else self.y.shape[1]
        return for_targets(seed_pipeline(clone(assemble_pipeline(params)), self.seed), n_outputs)

    def targets_for(self, pipeline: Pipeline) -> np.ndarray:
        if self.y_encoded is not None and needs_encoded_labels(pipeline):
            return self.y_encoded
        return self.y

    def fit_params(self, pipeline: Pipeline, rows: np.ndarray | None = None) -> dict[str, Any]:
        """``sample_weight`` routed to the learner, when it takes one."""
        if self.sample_weight is None:
            return {}
        name, learner = pipeline.steps[-1]
        if not has_fit_parameter(learner, "sample_weight"):
            return {}
        weights = self.sample_weight if rows is None else self.sample_weight[rows]
        return {f"{name}__sample_weight": weights}

    def __call__(self, params: Any) -> dict[str, Any]:
        pipeline = self.pipeline(params)
        y = self.targets_for(pipeline)
        weights = self.sample_weight
        scores, fit_times, score_times, predictions = [], [], [], []
        # One native thread per trial: parallelism comes from running trials
        # side by side (n_jobs), and OpenMP pools that spin-wait on a busy
        # machine can make a fit a hundred times slower.
        with warnings.catch_warnings(), threadpool_limits(limits=1):
            warnings.simplefilter("ignore", category=ConvergenceWarning)
            for train, validation in self.splits:
                fold = clone(pipeline)
                start = time.perf_counter()
                fold.fit(_safe_indexing(self.X, train), y[train], **self.fit_params(fold, train))
                fit_times.append(time.perf_counter() - start)
                X_validation = _safe_indexing(self.X, validation)
                start = time.perf_counter()
                scores.append(self.scorer(fold, X_validation, y[validation],
                                          None if weights is None else weights[validation]))
                score_times.append(time.perf_counter() - start)
                if self.keep_predictions:
                    predictions.append(self._predictions(fold, X_validation))
        mean = float(np.mean(scores))
        learner, preprocessing = describe_steps(pipeline)
        return {
            "loss": -mean,
            "status": "ok" if np.isfinite(mean) else "fail",
            "error": None if np.isfinite(mean) else f"non-finite validation score ({mean!r})",
            "scores": scores,
            # Mean and standard deviation over the splits, as ``cv_results_``'s
            # ``mean_fit_time``, ``std_fit_time``, ``mean_score_time`` and ``std_score_time``.
            "fit_time": float(np.mean(fit_times)),
            "fit_time_std": float(np.std(fit_times)),
            "score_time": float(np.mean(score_times)),
            "score_time_std": float(np.std(score_times)),
            "learner": learner,
            "preprocessing": preprocessing,
            **({"predictions": None if any(p is None for p in predictions)
                else np.concatenate([p for p in predictions if p is not None]).astype(np.float32)}
               if self.keep_predictions else {}),
        }

    def validation_targets(self) -> np.ndarray:
        """``y`` on the validation rows of every split, in ``"predictions"`` order."""
        return np.concatenate([self.y[validation] for _, validation in self.splits])

    def validation_weights(self) -> np.ndarray | None:
        if self.sample_weight is None:
            return None
        return np.concatenate([self.sample_weight[validation] for _, validation in self.splits])

    def _predictions(self, fitted: Pipeline, X: Any) -> np.ndarray | None:
        if self.y_encoded is None:
            return np.asarray(fitted.predict(X), dtype=float)
        n_classes = int(self.y_encoded.max()) + 1
        if not hasattr(fitted, "predict_proba") or len(fitted.classes_) != n_classes:
            return None  # no probabilities, or a class missing from this training split
        return np.asarray(fitted.predict_proba(X), dtype=float)


def cv_results(trials: Any, readable_params: Callable[[dict], dict] | None = None,
               build: Callable[[dict], Any] | None = None) -> dict[str, Any]:
    """The results table of a search: scikit-learn's ``cv_results_`` layout, one entry per trial.

    This one table is the estimator's ``cv_results_`` and, sorted by rank,
    :func:`hpsk.leaderboard.leaderboard`. Entries are in trial order (entry
    ``i`` is ``trials[i]``, whose ``tid`` is ``i``).

    Keys, as in :class:`~sklearn.model_selection.GridSearchCV`:

    - ``mean_fit_time``, ``std_fit_time``, ``mean_score_time``,
      ``std_score_time``: seconds to fit the pipeline on one split and to score
      it on its validation rows, mean and standard deviation over the splits
      (NaN where the trial did not record them: a failed trial, a plain
      :func:`hpsk.fmin` objective);
    - ``param_<label>``: one masked array per hyperparameter label, masked
      where the label was inactive in the trial (a conditional
      hyperparameter), with the values of ``params``;
    - ``params``: each trial's hyperparameters, as ``readable_params(point)``
      gives them (the estimator passes the names of ``best_params_``: option
      names for choices); the point itself when ``readable_params`` is None;
    - ``split{k}_test_score``, ``mean_test_score``, ``std_test_score``: the
      validation score of each split (higher is better), their mean and
      standard deviation; for a plain objective the mean is minus its loss
      and there are no splits; NaN for a trial that did not succeed;
    - ``rank_test_score``: ``scipy.stats.rankdata(-mean_test_score,
      method="min")`` over the successful trials (ties share the smaller
      rank); as scikit-learn ranks NaN scores, every trial that did not
      succeed shares the rank after the last successful one;

    plus ``status`` (``"ok"``, ``"fail"``, ``"timeout"``), ``learner`` and
    ``preprocessing`` (the class names of the pipeline's steps, joined by
    ``" -> "``, ``"none"`` without preprocessing; ``None`` when unknown),
    ``error`` (why the trial failed) and ``duration`` (seconds the whole
    trial took). ``pandas.DataFrame(cv_results_)`` is a leaderboard. A trial
    whose worker never reported back (stopped at a timeout, or killed) is
    described from its point with ``build(point) -> pipeline`` when given.
    """
    from scipy.stats import rankdata

    rows = list(trials)
    n = len(rows)
    described = {}
    for trial in rows:
        if build is not None and "learner" not in trial.result:
            try:
                learner, preprocessing = describe_steps(build(trial.point))
            except Exception:  # noqa: BLE001 - a point that cannot be built stays undescribed
                continue
            described[trial.tid] = {"learner": learner, "preprocessing": preprocessing}

    def steps(trial: Any) -> Any:
        value = described.get(trial.tid, trial.result).get("preprocessing")
        if isinstance(value, (list, tuple)):
            return " -> ".join(value) if value else "none"
        return value

    def seconds(key: str) -> np.ndarray:
        values = [t.result.get(key) for t in rows]
        return np.array([np.nan if v is None else v for v in values], dtype=float)

    def masked_columns(candidates: list[dict]) -> dict[str, np.ma.MaskedArray]:
        # As GridSearchCV: one masked array per label, in order of first appearance.
        by_label: dict[str, dict[int, Any]] = {}
        for i, params in enumerate(candidates):
            for label, value in params.items():
                by_label.setdefault(f"param_{label}", {})[i] = value
        columns = {}
        for key, values in by_label.items():
            try:
                inferred = np.array(list(values.values()))
            except ValueError:  # sequences of different lengths
                dtype = np.dtype(object)
            else:  # strings and sequences stay Python objects
                plain = inferred.dtype.kind != "U" and inferred.ndim == 1
                dtype = inferred.dtype if plain else np.dtype(object)
            column = np.ma.MaskedArray(np.empty(n, dtype=dtype), mask=True)
            for i, value in values.items():
                column[i] = value  # unmasks entry i
            columns[key] = column
        return columns

    n_splits = max((len(t.result.get("scores", [])) for t in rows), default=0)
    splits = np.full((n, n_splits), np.nan)
    for i, trial in enumerate(rows):
        scores = trial.result.get("scores", []) if trial.ok else []
        splits[i, : len(scores)] = scores
    ok = np.array([t.ok for t in rows], dtype=bool)
    mean = np.array([-t.loss if t.ok else np.nan for t in rows], dtype=float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=RuntimeWarning)
        std = np.nanstd(splits, axis=1) if n_splits else np.full(n, np.nan)
    # scikit-learn's rule: ties share the smaller rank, NaN scores rank after every other.
    rank = np.full(n, int(ok.sum()) + 1, dtype=np.int32)
    rank[ok] = rankdata(-mean[ok], method="min").astype(np.int32)
    params = [dict(t.point) if readable_params is None else readable_params(t.point) for t in rows]
    results: dict[str, Any] = {
        "mean_fit_time": seconds("fit_time"),
        "std_fit_time": seconds("fit_time_std"),
        "mean_score_time": seconds("score_time"),
        "std_score_time": seconds("score_time_std"),
        **masked_columns(params),
        "params": params,
    }
    for k in range(n_splits):
        results[f"split{k}_test_score"] = splits[:, k]
    results.update({
        "mean_test_score": mean,
        "std_test_score": np.where(ok, std, np.nan),
        "rank_test_score": rank,
        "status": np.array([t.status for t in rows], dtype=object),
        "learner": np.array([described.get(t.tid, t.result).get("learner") for t in rows], dtype=object),
        "preprocessing": np.array([steps(t) for t in rows], dtype=object),
        "error": np.array([t.error for t in rows], dtype=object),
        "duration": np.array([np.nan if t.duration is None else t.duration for t in rows], dtype=float),
    })
    return results


def nested_cross_validate(
    estimator: Any,
    X: Any,
    y: Any,
    *,
    cv: Any = 5,
    groups: Any = None,
    scoring: str | Callable | None = None,
    random_state: int | None = None,
) -> dict[str, Any]:
    """An honest estimate of the whole search: the search runs inside each outer fold.

    The best inner score of a search is optimistic: the more configurations
    it tries, the more one of them looks good by chance. Scoring the refitted
    winner on an outer fold it never saw measures what the procedure really
    delivers; ``optimism`` is the gap.

    Parameters
    ----------
    estimator : HyperoptEstimator
        Cloned for each outer fold.
    X, y : array-like
    cv : int or splitter, default=5
        Outer folds ((stratified) shuffled k-fold for an int).
    groups : array-like, optional
        Groups for the outer and (through ``fit``) the inner splits.
    scoring : str or callable, optional
        Outer score; default the estimator's ``score`` (accuracy or R^2).
    random_state : int, optional
        Shuffles the outer folds.

    Returns
    -------
    dict
        ``test_score`` (outer scores), ``inner_best_score`` (each search's
        ``best_score_``), ``pipelines`` (each winner described), ``fit_time``,
        ``optimism`` (mean inner best minus mean outer score), and the means.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from hpsk import HyperoptClassifier, nested_cross_validate
    >>> X, y = load_iris(return_X_y=True)
    >>> result = nested_cross_validate(HyperoptClassifier(max_evals=3, random_state=0), X, y, cv=3)
    >>> len(result["test_score"])
    3
    """
    y_array = np.asarray(y)
    splitter = make_splitter(cv, classification=is_classifier(estimator), n_samples=len(y_array),
                             random_state=random_state)
    outer_scores, inner_scores, pipelines, fit_times = [], [], [], []
    for train, test in splitter.split(X, y_array, groups):
        model = clone(estimator)
        start = time.perf_counter()
        fit_kwargs = {} if groups is None else {"groups": _safe_indexing(np.asarray(groups), train)}
        model.fit(_safe_indexing(X, train), y_array[train], **fit_kwargs)
        fit_times.append(time.perf_counter() - start)
        X_test, y_test = _safe_indexing(X, test), y_array[test]
        if scoring is None:
            outer_scores.append(float(model.score(X_test, y_test)))
        else:
            outer_scores.append(float(check_scoring(model, scoring=scoring)(model, X_test, y_test)))
        inner_scores.append(float(model.best_score_))
        pipelines.append(describe_model(model.best_estimator_))
    outer, inner = np.array(outer_scores), np.array(inner_scores)
    return {
        "test_score": outer,
        "inner_best_score": inner,
        "pipelines": pipelines,
        "fit_time": np.array(fit_times),
        "mean_test_score": float(outer.mean()),
        "mean_inner_best_score": float(inner.mean()),
        "optimism": float(inner.mean() - outer.mean()),
    }
