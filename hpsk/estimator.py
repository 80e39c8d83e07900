"""The scikit-learn face of hpsk: search, choose, refit, then behave like the winner."""

from __future__ import annotations

import difflib
import numbers
import os
import time
import warnings
from typing import Any, Callable

import numpy as np
from scipy.sparse import issparse
from threadpoolctl import threadpool_limits
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, is_classifier, is_regressor
from sklearn.exceptions import ConvergenceWarning
from sklearn.impute import SimpleImputer
from sklearn.metrics import accuracy_score, get_scorer, get_scorer_names, r2_score
from sklearn.model_selection import GroupKFold, KFold
from sklearn.preprocessing import LabelEncoder
from sklearn.utils import ClassifierTags
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import check_consistent_length, check_is_fitted, column_or_1d, validate_data

from ._validation import HasMethods, InstanceOf, Interval, Options, validate_params
from .evaluation import (
    PipelineObjective,
    ValidationScorer,
    assemble_pipeline,
    cv_results,
    describe_model,
    describe_steps,
    exogenous_columns,
    group_folds,
    make_splitter,
    reshuffled,
    with_probabilities,
)
from .ensembling import PredictionPool, greedy_selection, member_pipelines, voting_ensemble
from .exceptions import AllTrialsFailed
from .optimize import as_generator, effective_n_jobs, search
from .runners import evaluate_objective
from .components import STARTING_POINTS
from .space import Build, Choice, compile_space, option_name
from .storage import SQLiteStorage, space_digest
from .tabular import column_kinds, frame_space, is_frame, prepare_frame
from .trials import Trial, Trials

__all__ = ["HyperoptEstimator", "HyperoptClassifier", "HyperoptRegressor"]

# Trials run when neither max_evals nor time_budget is set.
DEFAULT_MAX_EVALS = 50
# Share of ``time_budget`` kept back from the search for the final refit.
_REFIT_RESERVE = 0.1
# Share of ``time_budget`` kept back for re-evaluating the top candidates.
_REEVALUATE_RESERVE = 0.1
# Re-evaluation costs at most this share of the search's fits.
_REEVALUATE_SHARE = 0.2
# Ensemble selection chooses among the out-of-fold predictions of this many
# best trials (and the best trial of every learner).
_ENSEMBLE_POOL = 30


def _refit_threads(n_jobs: int | None) -> int:
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


class _IfWinnerHas:
    """A method of the estimator that exists only when the fitted winner has it.

    Like scikit-learn's ``available_if``, so ``hasattr(est, "predict_proba")``
    tells the truth, but the ``AttributeError`` says why the method is
    missing and what to do, rather than only that it is.
    """

    def __init__(self, fn: Callable) -> None:
        self.fn, self.name = fn, fn.__name__
        self.__doc__ = fn.__doc__

    def __get__(self, obj: Any, owner: type | None = None) -> Any:
        if obj is None:
            return self
        if hasattr(obj, "best_estimator_"):
            if not hasattr(obj.best_estimator_, self.name):
                raise AttributeError(
                    f"This {type(obj).__name__!r} has no attribute {self.name!r}: the chosen model "
                    f"({describe_model(obj.best_estimator_)}) has no {self.name}. Search learners "
                    "that have it (the default classifier search always gives probabilities), or "
                    "wrap yours in sklearn.calibration.CalibratedClassifierCV.")
        elif self.name != "predict" and isinstance(obj, RegressorMixin):
            # Before fit: a regressor's winner never has probabilities or decisions.
            raise AttributeError(f"This {type(obj).__name__!r} has no attribute {self.name!r}")
        return self.fn.__get__(obj, owner)


def _score_of(trial: Trial) -> float:
    """The validation score of a finished ``ok`` trial: minus its loss."""
    if trial.loss is None:
        raise ValueError(f"trial {trial.tid} has no loss (status {trial.status!r})")
    return -trial.loss


def _learner_of(space: Any, point: dict[str, Any]) -> str:
    """The class name of the learner at ``point``: what a trial's cost depends on most."""
    return describe_steps(assemble_pipeline(space.evaluate(point)))[0]


def _readable_point(space: Any, point: dict[str, Any]) -> dict[str, Any]:
    """The point with each choice index replaced by a readable option name."""
    compiled = compile_space(space)
    readable = {}
    for label, value in point.items():
        node = compiled.nodes.get(label)
        readable[label] = option_name(node.options[value], point) if isinstance(node, Choice) else value
    return readable


def _resolve_component(value: Any, role: str) -> Any:
    """Let users name components: ``classifier="random_forest_classifier"``.

    A string is looked up among :mod:`hpsk.components` and called with itself
    as the label prefix; lists are resolved item by item.
    """
    if isinstance(value, (list, tuple)):
        return [_resolve_component(item, role) for item in value]
    if not isinstance(value, str):
        return value
    from . import components

    function = getattr(components, value, None) if value in components.__all__ else None
    if function is None:
        close = difflib.get_close_matches(value, components.__all__, n=3)
        hint = f" Did you mean {', '.join(map(repr, close))}?" if close else ""
        raise ValueError(f"Unknown {role} component {value!r}.{hint} "
                         "See hpsk.components.__all__ for every name.")
    return function(value)


def _is_documents(X: Any) -> bool:
    """Whether ``X`` is a 1-D sequence of strings (documents for a text vectoriser)."""
    if isinstance(X, (str, bytes)) or issparse(X) or is_frame(X):
        return False
    if isinstance(X, np.ndarray):
        return X.ndim == 1 and X.size > 0 and X.dtype.kind in "OUS" and isinstance(X.flat[0], (str, bytes))
    if isinstance(X, (list, tuple)) or type(X).__name__ == "Series":
        values = list(X)
        return bool(values) and all(isinstance(v, (str, bytes)) for v in values)
    return False


def _small_indices(X: Any) -> Any:
    """A sparse matrix as CSR with 32-bit indices when they fit (liblinear and
    others reject 64-bit ones); anything else unchanged."""
    if not issparse(X):
        return X
    X = X.tocsr()
    if X.indices.dtype != np.int32 and X.nnz < 2**31 and X.shape[1] < 2**31:
        X = X.copy()
        X.indices = X.indices.astype(np.int32)
        X.indptr = X.indptr.astype(np.int32)
    return X


def _check_sample_weight(sample_weight: Any, n_samples: int, owner: str) -> np.ndarray | None:
    if sample_weight is None:
        return None
    weights = np.asarray(sample_weight, dtype=float)
    if weights.ndim != 1 or len(weights) != n_samples:
        raise ValueError(f"{owner}: sample_weight has shape {weights.shape} but X has {n_samples} "
                         "samples; it needs one weight per sample.")
    if not np.all(np.isfinite(weights)) or np.any(weights < 0):
        raise ValueError(f"{owner}: sample_weight must be finite and >= 0.")
    if not np.any(weights > 0):
        raise ValueError(f"{owner}: Sample weights must contain at least one non-zero number.")
    return weights


def _label_ending(space: Any, suffix: str) -> str | None:
    """The first label of ``space`` that is ``suffix`` or ends with ``"." + suffix``."""
    return next((label for label in space.labels if label == suffix or label.endswith("." + suffix)), None)


def _check_groups(groups: Any, n_samples: int, owner: str) -> np.ndarray | None:
    if groups is None:
        return None
    groups = np.asarray(groups)
    if groups.ndim != 1 or len(groups) != n_samples:
        raise ValueError(f"{owner}: groups has shape {groups.shape} but X has {n_samples} samples.")
    return groups


def _check_target(y: np.ndarray, owner: str) -> None:
    """Clear errors for targets no learner can use."""
    if y.dtype.kind in "fc" and not np.all(np.isfinite(y)):
        raise ValueError(f"{owner}: y contains NaN or infinity; remove or impute those rows first.")
    if y.dtype.kind == "O":
        missing = [v for v in y if v is None or (isinstance(v, float) and v != v)]
        if missing:
            raise ValueError(f"{owner}: y contains missing values ({missing[0]!r}); "
                             "remove those rows first.")
    if y.dtype.kind == "c":
        raise ValueError(f"{owner}: y contains complex numbers.")


class HyperoptEstimator(BaseEstimator):
    """Search pipelines with TPE, refit the best one, then act as it.

    A drop-in for hyperopt-sklearn's ``hyperopt_estimator``: the search
    space is made of a learner (``classifier`` or ``regressor``), optional
    ``preprocessing`` and optional fixed ``ex_preprocs``; each trial is
    scored by cross-validation; the best pipeline is refitted on all data.

    Parameters
    ----------
    classifier, regressor : search space, optional
        The learner's space, e.g. ``any_classifier("clf")`` or
        ``random_forest_classifier("rf")``. Give at most one. With neither,
        the task is read from ``y``: continuous targets (floats with more than
        20 distinct values, or that are not integral) are regression, the rest
        classification.
    preprocessing : search space, optional
        Transformers tried before the learner: a component, a list of them,
        or a family such as ``any_preprocessing("pre")``. Default: nothing
        for :class:`HyperoptEstimator` given a learner; ``any_preprocessing``
        in :class:`HyperoptClassifier` and :class:`HyperoptRegressor`.
    ex_preprocs : list of transformers, optional
        Fixed transformers applied before ``preprocessing``.
    space : search space, optional
        A whole custom space that evaluates to an estimator, a pipeline or a
        dict with ``"learner"``, ``"preprocessing"`` and ``"ex_preprocs"``.
        Replaces ``classifier``/``regressor``/``preprocessing``.
    algo : callable, default=None
        The search algorithm, ``algo(space, history, n, rng)``: ``None`` is
        ``hpsk.tpe.suggest``; ``hpsk.rand.suggest`` is random search.
    max_evals : int or None, default=None
        Number of configurations tried. ``None``: as many as ``time_budget``
        allows, or 50 when no ``time_budget`` is set.
    time_budget : float, optional
        Seconds for the whole ``fit``, refit included; the search stops early
        enough to leave time for the refit.
    trial_timeout : float, optional
        Seconds after which one trial is stopped (its worker process is
        killed) and recorded as ``"timeout"``.
    loss_fn : callable, optional
        hyperopt-sklearn's ``loss_fn(y_true, y_pred)``, lower is better;
        replaces ``scoring``.
    continuous_loss_fn : bool, default=False
        Give ``loss_fn`` the predicted probabilities instead of labels.
    scoring : str or callable, optional
        A scikit-learn scorer; default accuracy (classification) or R^2
        (regression), i.e. what :meth:`score` reports.
    cv : int, float, "auto" or splitter, default="auto"
        Validation of each trial: ``k`` for (stratified) k-fold, a float for a
        (stratified) holdout fraction, any scikit-learn splitter, or "auto"
        (5-fold up to 1,000 samples, 3-fold up to 20,000, a 20 % holdout
        above; 5-fold up to 3,000 for a long search, ``max_evals >= 100`` or a
        ``time_budget``; see :func:`hpsk.evaluation.auto_cv`).
    reevaluate_top : int, default=0
        After the search, this many best candidates are re-scored on fresh
        shuffles of the same validation scheme and the winner is chosen on all
        its scores, a guard against a lucky split. The extra cost is at most a
        fifth of the search's fits and a tenth of ``time_budget``. Off by
        default: on ``benchmarks/optimization_bias.py`` (11 datasets, 30
        evaluations) it left optimism and test scores unchanged, while k-fold
        instead of a holdout halved the optimism; ``cv="auto"`` gives k-fold.
    ensemble_size : int, default=20
        Rounds of ensemble selection (Caruana et al., 2004) over the
        out-of-fold predictions of the best trials: each round adds, with
        replacement, the pipeline that most raises the blend's validation
        score, and the refitted model is a weighted
        :class:`~sklearn.ensemble.VotingClassifier` (soft voting) or
        :class:`~sklearn.ensemble.VotingRegressor` of the chosen pipelines.
        The ensemble is kept only when its blend scores above the best
        single pipeline and only with the members whose refit fits in what
        is left of ``time_budget``; otherwise the single winner is refitted.
        It helps most on regression (the README's AutoML benchmark).
        ``0`` refits the single winner (hyperopt-sklearn's behaviour).
        Classifiers without ``predict_proba`` (SVC without probabilities)
        take no part; with ``sample_weight`` no ensemble is built, since a
        voting ensemble cannot route the weights into its pipelines.
    refit : bool, default=True
        Refit the best pipeline (or the ensemble) on the whole data.
    n_jobs : int, optional
        Trials evaluated in parallel through joblib (``-1``: every core).
    random_state : int, optional
        Seeds the search, the splits and every learner; the same value gives
        the same trials and the same predictions.
    verbose : int, default=0
        ``0`` prints nothing; ``1`` shows a progress bar.
    storage : str or path-like, optional
        An SQLite file that receives every trial as it finishes (see
        :mod:`hpsk.storage`). Fitting again with the same file resumes the
        search: its trials count towards ``max_evals`` and are not run again
        (with ``warm_start=True``, ``max_evals`` more run). A file made for
        another search space or other data raises ``ValueError``.
    starting_points : "auto", list of dict or None, default="auto"
        Points tried before the search proposes any. ``"auto"`` tries the
        scikit-learn defaults of the learners in the space that most often
        win on tabular data (hist gradient boosting, logistic or ridge
        regression on standardised, one-hot encoded columns, random forest,
        XGBoost, extra trees, SVC), the ones whose labels the space has; see
        ``hpsk.components.STARTING_POINTS``. A list gives points as in
        :func:`hpsk.fmin`'s ``points_to_evaluate`` (labels of the searched
        space, option indices for choices; labels left out are drawn from
        the prior). ``None`` starts with the prior's draws. They count
        towards ``max_evals``; a resumed search does not repeat them.
    fit_increment : int, default=1
        Trials run by each step of :meth:`fit_iter` (hyperopt-sklearn's
        name); ``fit`` runs ``max_evals`` whatever it is.

    Attributes
    ----------
    best_estimator_ : sklearn.pipeline.Pipeline or voting ensemble
        The winning pipeline (or, with ``ensemble_size``, the voting ensemble
        of pipelines), refitted on all data; plain scikit-learn (and XGBoost)
        objects that unpickle without hpsk. For an XGBoost winner on a
        classification task the pipeline predicts codes into ``classes_``
        (see ``labels_encoded_``); use this estimator's ``predict`` for the
        original labels.
    labels_encoded_ : bool
        Whether ``best_estimator_`` was fitted on class codes
        ``0..n_classes-1`` instead of the labels, so that it predicts codes
        into ``classes_`` (``classes_[best_estimator_.predict(X)]`` are the
        labels): true for a single winner whose learner needs codes (XGBoost;
        k-nearest neighbours before scikit-learn 1.9), false for any other
        winner, a voting ensemble (it encodes labels itself) and regression.
        Set with ``best_estimator_`` (``refit=True``).
    best_params_ : dict
        The winner's hyperparameters by label, choices shown by option name.
    best_score_ : float
        Mean validation score of the single best pipeline over all its
        splits (search and re-evaluation); an ensemble's blend score is in
        ``ensemble_``.
    best_index_ : int
        Index of the winning trial in ``trials_``.
    trials_ : Trials
        Every trial, with its point, loss, status and error.
    cv_results_ : dict of arrays
        scikit-learn's layout (``mean_fit_time``, ``std_fit_time``,
        ``mean_score_time``, ``std_score_time``, ``param_<label>`` masked
        where the label was inactive, ``params``, ``split{k}_test_score``,
        ``mean_test_score``, ``std_test_score``, ``rank_test_score`` with
        ties sharing the smallest rank and failed trials last) plus
        ``status``, ``learner``, ``preprocessing``, ``error`` and
        ``duration``: ``pandas.DataFrame(est.cv_results_)`` is a leaderboard,
        and :meth:`leaderboard` is that table sorted by rank.
    interrupted_ : bool
        Whether Ctrl-C stopped the search early; the best trial so far was
        then refitted.
    search_space_ : CompiledSpace
        The space that was searched (labels, distributions, conditions).
    ensemble_ : dict or None
        The ensemble refitted as ``best_estimator_``: member ``tid`` and
        ``weight`` (heaviest first) and the blend's validation ``score``;
        ``None`` when the single winner was refitted.
    reevaluation_ : dict of arrays or None
        The re-evaluated candidates: ``tid``, ``search_score``,
        ``fresh_score`` and ``combined_score``.
    classes_ : ndarray
        Class labels (classification only).
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Column names, when ``X`` was a DataFrame with string column names.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from hpsk import HyperoptEstimator
    >>> from hpsk.components import any_classifier
    >>> X, y = load_iris(return_X_y=True)
    >>> est = HyperoptEstimator(classifier=any_classifier("clf"), max_evals=5,
    ...                         random_state=0).fit(X, y)
    >>> est.score(X, y) > 0.8
    True
    """

    _parameter_constraints: dict[str, list[Any]] = {
        "algo": [callable, None],
        "max_evals": [Interval(numbers.Integral, 1, None), None],
        "time_budget": [Interval(numbers.Real, 0, None, "neither"), None],
        "trial_timeout": [Interval(numbers.Real, 0, None, "neither"), None],
        "loss_fn": [callable, None],
        "continuous_loss_fn": [InstanceOf((bool,), "a bool")],
        "reevaluate_top": [Interval(numbers.Integral, 0, None)],
        "ensemble_size": [Interval(numbers.Integral, 0, None)],
        "scoring": [InstanceOf((str,), "a str"), callable, None],
        "cv": [Interval(numbers.Integral, 2, None), Interval(numbers.Real, 0, 1, "neither"),
               Options(("auto",)), HasMethods(("split", "get_n_splits")),
               InstanceOf((list, tuple), "an iterable of splits")],
        "refit": [InstanceOf((bool,), "a bool")],
        "n_jobs": [Interval(numbers.Integral, None, None), None],
        "random_state": [Interval(numbers.Integral, 0, 2**32 - 1), None],
        "verbose": [Interval(numbers.Integral, 0, None), InstanceOf((bool,), "a bool")],
        "storage": [InstanceOf((str, os.PathLike), "a path"), None],
        "starting_points": [Options(("auto",)), InstanceOf((list, tuple), "a list of dicts"), None],
        "fit_increment": [Interval(numbers.Integral, 1, None)],
    }

    def __init__(
        self,
        classifier: Any = None,
        regressor: Any = None,
        preprocessing: Any = None,
        ex_preprocs: Any = None,
        space: Any = None,
        *,
        algo: Callable | None = None,
        max_evals: int | None = None,
        time_budget: float | None = None,
        trial_timeout: float | None = None,
        loss_fn: Callable | None = None,
        continuous_loss_fn: bool = False,
        scoring: Any = None,
        cv: Any = "auto",
        reevaluate_top: int = 0,
        ensemble_size: int = 20,
        refit: bool = True,
        n_jobs: int | None = None,
        random_state: int | None = None,
        verbose: int = 0,
        storage: str | os.PathLike | None = None,
        starting_points: Any = "auto",
        fit_increment: int = 1,
    ) -> None:
        self.classifier = classifier
        self.regressor = regressor
        self.preprocessing = preprocessing
        self.ex_preprocs = ex_preprocs
        self.space = space
        self.algo = algo
        self.max_evals = max_evals
        self.time_budget = time_budget
        self.trial_timeout = trial_timeout
        self.loss_fn = loss_fn
        self.continuous_loss_fn = continuous_loss_fn
        self.scoring = scoring
        self.cv = cv
        self.reevaluate_top = reevaluate_top
        self.ensemble_size = ensemble_size
        self.refit = refit
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.verbose = verbose
        self.storage = storage
        self.starting_points = starting_points
        self.fit_increment = fit_increment

    def __setstate__(self, state: dict[str, Any]) -> None:
        # Estimators fitted before labels_encoded_ was public kept it as
        # ``_encoded_labels_``; pickle and skops both load through here.
        if "_encoded_labels_" in state and "labels_encoded_" not in state:
            state = dict(state)
            state["labels_encoded_"] = state.pop("_encoded_labels_")
        super().__setstate__(state)

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True  # imputed inside the searched pipelines
        tags.input_tags.sparse = True
        tags.non_deterministic = self.random_state is None
        if tags.classifier_tags is None and self.regressor is None and not isinstance(self, RegressorMixin):
            # It becomes a classifier when y holds classes (predict_proba and all).
            tags.classifier_tags = ClassifierTags()
        return tags

    # ---- what the subclasses change ---------------------------------------

    def _task(self, y: np.ndarray) -> str:
        """``"classification"`` or ``"regression"``."""
        if self.classifier is not None:
            return "classification"
        if self.regressor is not None:
            return "regression"
        if y.dtype.kind not in "iufb":
            return "classification"
        target = type_of_target(y)
        if target == "continuous":
            return "regression"
        if target in ("binary", "multiclass") and (y.dtype.kind != "f" or len(np.unique(y)) <= 20):
            return "classification"
        return "regression"

    def _default_learner(self, task: str, sparse: bool) -> Any:
        from . import components

        family = {("classification", False): components.any_classifier,
                  ("classification", True): components.any_sparse_classifier,
                  ("regression", False): components.any_regressor,
                  ("regression", True): components.any_sparse_regressor}[task, sparse]
        return family("classifier" if task == "classification" else "regressor")

    def _default_preprocessing(self, sparse: bool) -> Any:
        return None

    # ---- fit ------------------------------------------------------------

    def _searches_default_learners(self) -> bool:
        """Whether the learners searched are the default family (the user chose none)."""
        return self.space is None and self.classifier is None and self.regressor is None

    def _max_evals(self) -> int | None:
        """The number of trials to run; ``None`` runs until ``time_budget``."""
        if self.max_evals is None and self.time_budget is None:
            return DEFAULT_MAX_EVALS
        return self.max_evals

    def _validate(self) -> None:
        validate_params(self.get_params(deep=False), self._parameter_constraints, type(self).__name__)
        if self.classifier is not None and self.regressor is not None:
            raise ValueError(f"{type(self).__name__}: give either 'classifier' or 'regressor', not both.")

    def _validate_input(self, X: Any, y: Any) -> tuple[Any, Any]:
        """Check ``X`` and ``y``; DataFrames keep their columns (see :mod:`hpsk.tabular`).

        A polars DataFrame is converted to pandas once, here (and again at
        predict time); pandas and polars Series targets, nullable and pyarrow
        dtypes included, become numpy arrays.
        """
        from .tabular import as_pandas_frame, as_target_array

        owner = type(self).__name__
        self._frame_input_ = is_frame(X)
        X, y = as_pandas_frame(X, owner), as_target_array(y)
        self._documents_input_ = not self._frame_input_ and _is_documents(X)
        if self._documents_input_:  # raw text, one string per sample, for a vectoriser
            X = np.asarray(X, dtype=object)
            if X.shape[0] == 0:
                raise ValueError(f"{owner}: X holds no documents; it needs at least one sample.")
            check_consistent_length(X, y)
            return X, y
        if not self._frame_input_:
            X, y = validate_data(self, X, y, accept_sparse=("csr", "csc"), ensure_all_finite="allow-nan",
                                 dtype="numeric", multi_output=True, y_numeric=False)
            return _small_indices(X), y
        validate_data(self, X, y, skip_check_array=True)
        if X.shape[0] == 0 or X.shape[1] == 0:
            raise ValueError(f"{owner}: X has shape {X.shape}; it needs at least one sample and one column.")
        check_consistent_length(X, y)
        return prepare_frame(X, owner), y

    def _exogenous_space(self, learner: Any, preprocessing: Any) -> dict[str, Any]:
        """The space for ``fit(..., EX_list=...)``: one column step over ``X`` and each ``EX``."""
        widths: list[int] = list(self._exogenous_widths_ or [])
        n_ex = len(widths) - 1
        ex_lists = list(self.ex_preprocs) if isinstance(self.ex_preprocs, (list, tuple)) else []
        if not ex_lists:
            ex_lists = [[]] * n_ex
        if len(ex_lists) != n_ex:
            raise ValueError(f"{type(self).__name__}: with EX_list, ex_preprocs holds one list of "
                             f"transformers per exogenous data set: {n_ex} expected, got {len(ex_lists)}.")
        columns = Build(exogenous_columns, (widths, preprocessing, ex_lists))
        return {"learner": learner, "preprocessing": [columns], "ex_preprocs": []}

    def _search_space(self, task: str, X: Any) -> Any:
        if self.space is not None:
            return self.space
        learner = self.classifier if task == "classification" else self.regressor
        documents = getattr(self, "_documents_input_", False)
        sparse = issparse(X) or documents  # the vectorisers give sparse matrices
        learner = self._default_learner(task, sparse) if learner is None else _resolve_component(learner, task)
        if self.preprocessing is not None:
            preprocessing = _resolve_component(self.preprocessing, "preprocessing")
        elif documents:
            from .components import any_text_preprocessing

            preprocessing = any_text_preprocessing("preprocessing")
        else:
            preprocessing = self._default_preprocessing(sparse)
        if getattr(self, "_exogenous_widths_", None) is not None:
            return self._exogenous_space(learner, preprocessing)
        ex_preprocs = list(self.ex_preprocs) if isinstance(self.ex_preprocs, (list, tuple)) else (
            [] if self.ex_preprocs is None else [self.ex_preprocs])
        if self._frame_input_:
            kinds = column_kinds(X)
            if kinds.needs_columns or X.isna().to_numpy().any():
                # The native pairing (categories and NaN straight to HistGradientBoosting or
                # XGBoost) skips the preprocessing, so only when the user fixed none.
                no_preprocessing = self.preprocessing is None or (
                    isinstance(self.preprocessing, (list, tuple)) and not self.preprocessing)
                return frame_space(learner, preprocessing, ex_preprocs, kinds,
                                   classification=task == "classification", allow_native=no_preprocessing)
        elif not documents and np.isnan(X.data if issparse(X) else X).any():
            # Most learners reject NaN; a median imputer first keeps every trial valid.
            ex_preprocs = [SimpleImputer(strategy="median")] + ex_preprocs
        return {"learner": learner, "preprocessing": preprocessing, "ex_preprocs": ex_preprocs}

    def _prepare_targets(self, y: Any, task: str) -> tuple[np.ndarray, np.ndarray | None]:
        owner = type(self).__name__
        y = np.asarray(y)
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        _check_target(y, owner)
        if task == "regression":
            if y.dtype.kind not in "iufb":
                example = y.ravel()[0] if y.size else None
                raise ValueError(f"{owner} needs numeric targets for regression (Unknown label type: "
                                 f"y has dtype {y.dtype}, e.g. {example!r}). Use a classifier for labels.")
            return y.astype(float), None
        if y.ndim != 1:
            raise ValueError(f"{owner}: y must be 1-D for classification, got shape {y.shape}.")
        if y.dtype.kind == "f" and type_of_target(y) == "continuous":
            raise ValueError(f"{owner}: Unknown label type: continuous. y holds non-integer floats "
                             f"(e.g. {y[0]!r}); use a regressor, or round them into classes.")
        encoder = LabelEncoder().fit(y)
        if len(encoder.classes_) < 2:
            raise ValueError(f"{owner}: y has only one class ({encoder.classes_[0]!r}); "
                             "classification needs at least two.")
        self.classes_ = encoder.classes_
        return y, encoder.transform(y)

    def _resolve_cv(self, groups: Any, valid_size: float | None, n_folds: int | None,
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
        return self.cv

    def _open_storage(self, space: Any, X: Any, y: Any, groups: Any, weights: Any, cv: Any,
                      task: str) -> SQLiteStorage | None:
        """The storage, checked against this search's space and data (see :mod:`hpsk.storage`)."""
        if self.storage is None:
            return None
        import joblib

        def name(value: Any) -> str:
            return getattr(value, "__qualname__", None) or repr(value)

        # What a loss means: the data, the task, the validation and the scoring.
        data = joblib.hash((X, y, groups, weights, task, repr(cv), name(self.scoring),
                            name(self.loss_fn), self.continuous_loss_fn))
        storage = SQLiteStorage(os.fspath(self.storage))
        try:
            storage.claim(space=space_digest(space), data=data)
        except ValueError as error:
            storage.close()
            raise ValueError(f"{type(self).__name__}: {error}") from None
        return storage

    def _splits(self, cv: Any, X: Any, y: np.ndarray, groups: Any, task: str,
                seed: int | None) -> tuple[Any, list]:
        classification = task == "classification"
        min_class_count = int(np.bincount(y).min()) if classification else None
        splitter = make_splitter(cv, classification=classification, n_samples=X.shape[0],
                                 random_state=seed, groups=groups is not None,
                                 n_groups=None if groups is None else len(np.unique(groups)),
                                 min_class_count=min_class_count, n_evals=self._max_evals(),
                                 time_budget=self.time_budget)
        try:
            return splitter, list(splitter.split(X, y, groups))
        except ValueError as error:
            raise ValueError(f"{type(self).__name__}: cannot split the data with cv={cv!r}: "
                             f"{error}") from None

    def _scorer(self, task: str) -> ValidationScorer:
        scoring = self.scoring
        if isinstance(scoring, str):
            try:
                get_scorer(scoring)
            except ValueError:
                close = difflib.get_close_matches(scoring, get_scorer_names(), n=3)
                hint = f" Did you mean {', '.join(map(repr, close))}?" if close else ""
                raise ValueError(f"{type(self).__name__}: unknown scoring {scoring!r}.{hint} "
                                 "See sklearn.metrics.get_scorer_names().") from None
        if scoring is None and self.loss_fn is None:
            scoring = "accuracy" if task == "classification" else "r2"
        return ValidationScorer(scoring, self.loss_fn, self.continuous_loss_fn)

    def fit(
        self,
        X: Any,
        y: Any,
        groups: Any = None,
        sample_weight: Any = None,
        *,
        valid_size: float | None = None,
        n_folds: int | None = None,
        cv_shuffle: bool | None = None,
        kfolds_group: Any = None,
        warm_start: bool = False,
        EX_list: Any = None,
    ) -> "HyperoptEstimator":
        """Search for the best pipeline on ``X, y`` and refit it.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        groups : array-like of shape (n_samples,), optional
            Group labels: no group is split between training and validation
            (grouped k-fold or holdout unless ``cv`` is a splitter).
        sample_weight : array-like of shape (n_samples,), optional
            Passed to every learner whose ``fit`` takes it, and to the scorer.
        valid_size, n_folds, cv_shuffle, kfolds_group : optional
            hyperopt-sklearn's keywords, mapped onto ``cv`` and ``groups``:
            ``n_folds`` -> k-fold (unshuffled if ``cv_shuffle=False``),
            ``valid_size`` -> a holdout of that fraction (shuffled and
            stratified, unlike hyperopt-sklearn's last-rows holdout),
            ``kfolds_group`` -> ``groups`` (honoured for classifiers too).
        warm_start : bool, default=False
            Continue the previous search: keep its trials and run
            ``max_evals`` more.
        EX_list : list of arrays, optional
            hyperopt-sklearn's exogenous data sets, one row per row of ``X``:
            ``X`` goes through the searched ``preprocessing``, each ``EX``
            through its list in ``ex_preprocs`` (none by default), and the
            learner sees them side by side. ``predict`` and ``score`` then
            need the same ``EX_list``.

        Returns
        -------
        self : HyperoptEstimator
        """
        X = self._join_exogenous(X, EX_list, fitting=True)
        return self._fit(X, y, groups, sample_weight, valid_size=valid_size, n_folds=n_folds,
                         cv_shuffle=cv_shuffle, kfolds_group=kfolds_group, warm_start=warm_start,
                         n_new=None)

    def _join_exogenous(self, X: Any, EX_list: Any, fitting: bool = False) -> Any:
        """``X`` and hyperopt-sklearn's exogenous data sets side by side (see ``fit``)."""
        owner = type(self).__name__
        if fitting:
            self._exogenous_widths_ = None
        elif (fitted_widths := getattr(self, "_exogenous_widths_", None)) is not None and EX_list is None:
            raise ValueError(f"{owner} was fitted with EX_list ({len(fitted_widths) - 1} "
                             "exogenous data sets); pass the same EX_list to predict and score.")
        if EX_list is None:
            return X
        if not isinstance(EX_list, (list, tuple)) or not EX_list:
            raise ValueError(f"{owner}: EX_list must be a non-empty list of arrays, got {type(EX_list).__name__}.")
        parts = [X, *EX_list]
        dense = [p.toarray() if issparse(p) else np.asarray(p) for p in parts]
        dense = [p.reshape(-1, 1) if p.ndim == 1 else p for p in dense]
        rows = {p.shape[0] for p in dense}
        if len(rows) != 1 or any(p.ndim != 2 for p in dense):
            raise ValueError(f"{owner}: X and every array of EX_list need the same number of rows; got "
                             f"shapes {[p.shape for p in dense]}.")
        widths = [p.shape[1] for p in dense]
        if fitting:
            self._exogenous_widths_ = widths
        elif widths != self._exogenous_widths_:
            raise ValueError(f"{owner}: X and EX_list have {widths} columns; fit saw {self._exogenous_widths_}.")
        return np.hstack(dense)

    def fit_iter(self, X: Any, y: Any, groups: Any = None, sample_weight: Any = None, *,
                 increment: int | None = None, warm_start: bool = False, **fit_params: Any) -> Any:
        """Search step by step: hyperopt-sklearn's ``fit_iter`` generator.

        The first ``next()`` yields the trials so far (none, or the previous
        search's with ``warm_start=True``) without running any. Each further
        ``next()`` runs ``increment`` (default ``fit_increment``) more trials,
        ``send(n)`` runs ``n``; after
        each step the best pipeline so far is refitted (with ``refit=True``),
        so the estimator can predict between steps, and ``trials_`` is
        yielded. ``fit_params`` are :meth:`fit`'s other keywords.

        Examples
        --------
        >>> from sklearn.datasets import load_iris
        >>> from hpsk import HyperoptClassifier
        >>> X, y = load_iris(return_X_y=True)
        >>> model = HyperoptClassifier(classifier="k_neighbors_classifier", random_state=0)
        >>> steps = model.fit_iter(X, y, increment=2)
        >>> len(next(steps)), len(next(steps)), len(steps.send(3))
        (0, 2, 5)
        """
        unknown = set(fit_params) - {"valid_size", "n_folds", "cv_shuffle", "kfolds_group", "EX_list"}
        if unknown:
            raise TypeError(f"fit_iter() got unexpected keyword arguments {sorted(unknown)}")
        X = self._join_exogenous(X, fit_params.pop("EX_list", None), fitting=True)
        keywords = {"valid_size": None, "n_folds": None, "cv_shuffle": None, "kfolds_group": None,
                    **fit_params}
        warm = warm_start and hasattr(self, "trials_")
        if not warm:
            self.trials_ = Trials()
        increment = self.fit_increment if increment is None else increment
        n = yield self.trials_
        warm = True  # the steps add to self.trials_
        while True:
            n = increment if n is None else n
            if not isinstance(n, numbers.Integral) or n < 1:
                raise ValueError(f"fit_iter: the number of trials to run must be a positive int, got {n!r}")
            self._fit(X, y, groups, sample_weight, warm_start=warm, n_new=int(n), **keywords)
            n = yield self.trials_

    def _fit(self, X: Any, y: Any, groups: Any, sample_weight: Any, *, valid_size: float | None,
             n_folds: int | None, cv_shuffle: bool | None, kfolds_group: Any, warm_start: bool,
             n_new: int | None) -> "HyperoptEstimator":
        """:meth:`fit`, running ``n_new`` more trials when given (for :meth:`fit_iter`)."""
        start = time.monotonic()
        self._validate()
        self.__dict__.pop("training_info_", None)  # the CLI's record of an earlier fit
        groups = kfolds_group if groups is None else groups
        X, y = self._validate_input(X, y)
        weights = _check_sample_weight(sample_weight, X.shape[0], type(self).__name__)
        groups = _check_groups(groups, X.shape[0], type(self).__name__)
        task = self._task(np.asarray(y))
        y, y_encoded = self._prepare_targets(y, task)
        if task == "regression" and hasattr(self, "classes_"):
            del self.classes_
        self._task_ = task
        space = compile_space(self._search_space(task, X))
        cv = self._resolve_cv(groups, valid_size, n_folds, cv_shuffle)

        trials = self.trials_ if warm_start and hasattr(self, "trials_") else Trials()
        storage = self._open_storage(space, X, y, groups, weights, cv, task)
        rng = as_generator(self.random_state)
        seed = None if self.random_state is None else int(rng.integers(2**31 - 1))
        if storage is not None:
            # Resumed trials were scored on the splits of the stored seed.
            fresh_seed = int(np.random.SeedSequence().entropy) % 2**31  # type: ignore[arg-type]
            seed = int(storage.claim(split_seed=str(fresh_seed if seed is None else seed))["split_seed"])
            if not (warm_start and len(trials)):
                trials = Trials()
                storage.load_into(trials)
        starting = self._starting_points(space, rng)
        if len(trials):
            # A fresh stream of proposals: the seeded one would repeat the first trials' points.
            rng = np.random.default_rng([int(rng.integers(2**31 - 1)), len(trials)])
        splitter, splits = self._splits(cv, X, y_encoded if y_encoded is not None else y, groups,
                                        task, seed)
        # No ensemble with sample weights or several targets: the voting ensembles take neither.
        pool = (PredictionPool(_ENSEMBLE_POOL) if self.ensemble_size and self.refit and weights is None
                and np.ndim(y) == 1 else None)
        objective = PipelineObjective(X, y, y_encoded, splits, self._scorer(task), seed, weights,
                                      keep_predictions=pool is not None)

        def on_trial(trial: Any) -> None:
            if pool is not None:
                pool.take(trial)  # takes the predictions out of the result before it is stored
            if storage is not None:
                storage.append(trial)

        max_evals = self._max_evals()
        if n_new is None and max_evals is not None:  # (None: until the clock)
            # The storage's trials count towards max_evals (a resumed search ends
            # where the first would have); warm_start runs max_evals more.
            n_new = max_evals if warm_start or storage is None else max_evals - len(trials)
        reserve = (_REFIT_RESERVE if self.refit else 0.0) + (_REEVALUATE_RESERVE if self.reevaluate_top else 0.0)
        deadline = None if self.time_budget is None else start + self.time_budget * (1 - reserve)
        try:
            if n_new is None or n_new > 0:
                self.interrupted_ = search(
                    objective, space, algo=self.algo,
                    max_evals=None if n_new is None else len(trials) + n_new, trials=trials,
                    rng=rng, deadline=deadline, show_progressbar=bool(self.verbose),
                    n_jobs=effective_n_jobs(self.n_jobs), trial_timeout=self.trial_timeout,
                    progress_as_score=True, on_trial=on_trial,
                    points_to_evaluate=starting, cost_key=lambda point: _learner_of(space, point),
                    kill_at_deadline=True)
            else:
                self.interrupted_ = False
        finally:
            if storage is not None:
                storage.close()
        self.trials_ = trials
        if trials.n_ok == 0:
            raise AllTrialsFailed(
                f"{type(self).__name__}: all {len(trials)} trials failed. "
                f"The first error was: {trials.first_error()}"
            )
        self.search_space_ = space
        self.cv_results_ = cv_results(trials, lambda point: _readable_point(space, point),
                                      lambda point: assemble_pipeline(space.evaluate(point)))
        final_deadline = None if self.time_budget is None else start + self.time_budget * (1 - _REFIT_RESERVE)
        best, best_score = self._select(trials, space, objective, splitter, groups, seed, final_deadline)
        self.best_index_ = best.tid
        self.best_score_ = best_score
        self.best_params_ = _readable_point(space, best.point)
        self._best_point_ = dict(best.point)
        # After Ctrl-C the user wants the best so far, now: no ensemble selection.
        self.ensemble_ = (None if pool is None or self.interrupted_
                          else self._select_ensemble(pool, best_score, trials, objective, space, start))
        if self.refit:
            def build(point: dict[str, Any]) -> Any:
                return objective.pipeline(space.evaluate(point))

            if self.ensemble_ is None:
                model = build(best.point)
                if task == "classification" and self._searches_default_learners():
                    # The default search promises predict_proba; the calibration keeps predict.
                    model = with_probabilities(model, int(np.bincount(np.asarray(y_encoded)).min()))
                targets = objective.targets_for(model)
                self.labels_encoded_ = targets is y_encoded and y_encoded is not None
                fit_params = objective.fit_params(model)
            else:  # the voting ensemble encodes labels itself; it takes no weights
                by_tid = {trial.tid: trial for trial in trials}
                members = [(f"trial{tid}", build(by_tid[tid].point)) for tid in self.ensemble_["tid"]]
                model = voting_ensemble(members, self.ensemble_["weight"], task == "classification")
                targets, fit_params = y, {}
                self.labels_encoded_ = False
            with warnings.catch_warnings(), threadpool_limits(limits=_refit_threads(self.n_jobs)):
                warnings.simplefilter("ignore", category=ConvergenceWarning)
                self.best_estimator_ = model.fit(X, targets, **fit_params)
        return self

    def _select_ensemble(self, pool: PredictionPool, winner_score: float, trials: Trials,
                         objective: PipelineObjective, space: Any, start: float) -> dict[str, Any] | None:
        """Ensemble selection over the pool (see ``ensemble_size``); ``None`` keeps one pipeline.

        The blend must validate above every pooled pipeline and above the
        single winner, which may be missing from the pool: a learner without
        probabilities, or a trial from before this fit (a resumed search,
        ``fit_iter``'s earlier steps), whose predictions were not kept.
        """
        by_tid = {trial.tid: trial for trial in trials}
        # Only classifiers (regressors) can vote: a k-means or outlier detector in a user's space cannot.
        votes = is_classifier if self._task_ == "classification" else is_regressor
        candidates = [(tid, p) for tid, p in pool.candidates()
                      if votes(objective.pipeline(space.evaluate(by_tid[tid].point)))]
        if len(candidates) < 2:
            return None
        classes = self.classes_ if self._task_ == "classification" else None
        targets, weights = objective.validation_targets(), objective.validation_weights()

        def score(predictions: np.ndarray) -> float:
            return objective.scorer.score_predictions(targets, predictions, classes, weights)

        predictions = [p for _, p in candidates]
        counts = greedy_selection(predictions, score, self.ensemble_size)
        order = np.argsort(-counts, kind="stable")  # heaviest first, then the better loss
        chosen = [i for i in order if counts[i] > 0]
        if self.time_budget is not None:
            # Refit the heaviest members that fit in the time left (a refit on
            # all rows takes about a fold's fit time scaled by the row count).
            n_rows = objective.X.shape[0]
            scale = n_rows / np.mean([len(train) for train, _ in objective.splits])
            left = start + self.time_budget - time.monotonic()
            kept: list[int] = []
            cost = 0.0
            for i in chosen:
                cost += scale * by_tid[candidates[i][0]].result.get("fit_time", 0.0)
                if kept and cost > left:
                    break
                kept.append(i)
            chosen = kept
        if len(chosen) < 2:
            return None
        blend = sum(counts[i] * predictions[i] for i in chosen) / counts[chosen].sum()
        blend_score = score(blend)
        if blend_score <= max([winner_score] + [score(p) for p in predictions]):
            return None
        return {"tid": np.array([candidates[i][0] for i in chosen]),
                "weight": counts[chosen] / counts[chosen].sum(), "score": blend_score}

    def _starting_points(self, space: Any, rng: np.random.Generator) -> list[dict[str, Any]]:
        """Complete points for ``starting_points`` (see the class docstring)."""
        if self.starting_points is None:
            return []
        if self.starting_points != "auto":
            try:
                return [space.complete(point, rng) for point in self.starting_points]
            except ValueError as error:
                raise ValueError(f"{type(self).__name__}: starting_points: {error}") from None
        points = []
        for entry in STARTING_POINTS:
            partial: dict[str, Any] = {}
            for i, (key, value) in enumerate(entry.items()):
                label = _label_ending(space, key)
                usable = label is not None and label not in partial and space.within_prior(label, value)
                if usable and label is not None:
                    try:
                        space.complete({**partial, label: value}, rng)
                    except ValueError:  # inactive next to the others (no scaler for native columns, say)
                        usable = False
                if usable and label is not None:
                    partial[label] = value
                elif i == 0:  # the anchor: this learner is not in the space, or not as expected
                    break
            if partial:
                points.append(space.complete(partial, rng))
        return points

    def _select(self, trials: Trials, space: Any, objective: PipelineObjective, splitter: Any,
                groups: Any, seed: int | None, deadline: float | None) -> tuple[Any, float]:
        """Choose the winner, re-evaluating the top candidates on fresh splits.

        The best of many noisy validation scores is biased upwards, and more so
        the more trials there are; re-scoring the few best on new shuffles and
        choosing on all their scores picks a candidate that is good rather
        than lucky. The re-evaluation costs at most ``_REEVALUATE_SHARE`` of
        the search's fits (at most three fresh repeats).
        """
        ranked = sorted((t for t in trials if t.ok), key=lambda t: (-_score_of(t), t.tid))
        n_top = min(self.reevaluate_top, int(_REEVALUATE_SHARE * len(trials)), len(ranked))
        self.reevaluation_ = None
        if n_top < 2:
            return ranked[0], _score_of(ranked[0])
        repeats = max(1, min(3, int(_REEVALUATE_SHARE * len(trials) / n_top)))
        fresh_splits = []
        for repeat in range(repeats):
            fresh = reshuffled(splitter, None if seed is None else seed + 1 + repeat)
            if fresh is None:  # a splitter that does not shuffle: nothing new to learn
                return ranked[0], _score_of(ranked[0])
            fresh_splits += list(fresh.split(objective.X, objective.y_encoded if objective.y_encoded
                                             is not None else objective.y, groups))
        fresh_objective = objective.with_splits(fresh_splits)
        records = []
        for trial in ranked[:n_top]:
            if deadline is not None and time.monotonic() > deadline:
                break
            outcome = evaluate_objective(fresh_objective, space.space, trial.point)
            if outcome.status != "ok" or outcome.loss is None:
                continue
            scores = list(trial.result["scores"]) + list(outcome.result["scores"])
            records.append((trial, _score_of(trial), -outcome.loss, float(np.mean(scores))))
        if not records:
            return ranked[0], _score_of(ranked[0])
        self.reevaluation_ = {
            "tid": np.array([r[0].tid for r in records]),
            "search_score": np.array([r[1] for r in records]),
            "fresh_score": np.array([r[2] for r in records]),
            "combined_score": np.array([r[3] for r in records]),
        }
        winner = max(records, key=lambda r: (r[3], -r[0].tid))
        return winner[0], winner[3]

    # ---- hyperopt-sklearn's reading API ---------------------------------

    @property
    def trials(self) -> Trials:
        """hyperopt-sklearn's name for :attr:`trials_`."""
        check_is_fitted(self, "trials_")
        return self.trials_

    def best_model(self) -> dict[str, Any]:
        """``{"learner", "preprocs", "ex_preprocs"}`` of the refitted winner (of an
        ensemble's heaviest member)."""
        check_is_fitted(self, "best_estimator_")
        point = self._best_point_
        ensemble = getattr(self, "ensemble_", None)
        if ensemble is not None:  # the heaviest member
            heaviest = int(ensemble["tid"][0])
            point = next(trial.point for trial in self.trials_ if trial.tid == heaviest)
        params = self.search_space_.evaluate(point)
        steps = [step for _, step in member_pipelines(self.best_estimator_)[0].steps]
        n_ex = len(params.get("ex_preprocs") or []) if isinstance(params, dict) else 0
        return {"learner": steps[-1], "preprocs": tuple(steps[n_ex:-1]), "ex_preprocs": tuple(steps[:n_ex])}

    def leaderboard(self, *, top: int | None = None) -> Any:
        """Every trial, best first: see :func:`hpsk.leaderboard.leaderboard`."""
        check_is_fitted(self, "trials_")
        from .leaderboard import leaderboard

        return leaderboard(self, top=top)

    def describe(self) -> str:
        """One line: the winning pipeline's steps and its validation score."""
        check_is_fitted(self, "best_estimator_")
        ensemble = getattr(self, "ensemble_", None)
        score = self.best_score_ if ensemble is None else ensemble["score"]
        return describe_model(self.best_estimator_) + f" (validation score {score:.4f})"

    # ---- behave like the winner ------------------------------------------

    def _decode(self, codes: np.ndarray) -> np.ndarray:
        return self.classes_[np.asarray(codes, dtype=int)] if self.labels_encoded_ else codes

    def _winner(self) -> Any:
        check_is_fitted(self, "best_estimator_")
        return self.best_estimator_

    def _checked(self, X: Any) -> Any:
        if getattr(self, "_documents_input_", False):
            if not _is_documents(X):
                raise ValueError(f"{type(self).__name__} was fitted on documents (a 1-D array of "
                                 "strings); pass documents to predict.")
            return np.asarray(X, dtype=object)
        if getattr(self, "_frame_input_", False):
            if not is_frame(X):
                raise ValueError(f"{type(self).__name__} was fitted on a DataFrame; pass a DataFrame "
                                 f"with the columns {list(self.feature_names_in_)} to predict.")
            from .tabular import as_pandas_frame

            X = as_pandas_frame(X, type(self).__name__)  # as in fit; either backend fits the other
            validate_data(self, X, reset=False, skip_check_array=True)
            return prepare_frame(X, type(self).__name__)
        return _small_indices(validate_data(self, X, reset=False, accept_sparse=("csr", "csc"),
                                            ensure_all_finite="allow-nan", dtype="numeric"))

    @_IfWinnerHas
    def predict(self, X: Any, EX_list: Any = None) -> np.ndarray:
        """Predict with the refitted winner (labels as given to ``fit``).

        ``EX_list``: the exogenous data sets, when ``fit`` was given them.
        """
        predictions = self._winner().predict(self._checked(self._join_exogenous(X, EX_list)))
        return self._decode(predictions) if getattr(self, "_task_", None) == "classification" else predictions

    @_IfWinnerHas
    def predict_proba(self, X: Any, EX_list: Any = None) -> np.ndarray:
        """Class probabilities from the winner, columns in ``classes_`` order."""
        return self._winner().predict_proba(self._checked(self._join_exogenous(X, EX_list)))

    @_IfWinnerHas
    def predict_log_proba(self, X: Any) -> np.ndarray:
        return self._winner().predict_log_proba(self._checked(X))

    @_IfWinnerHas
    def decision_function(self, X: Any) -> np.ndarray:
        return self._winner().decision_function(self._checked(X))

    def score(self, X: Any, y: Any, sample_weight: Any = None, EX_list: Any = None) -> float:
        """Accuracy (classification) or R^2 (regression) of the winner."""
        check_is_fitted(self, "best_estimator_")
        predictions = self.predict(X, EX_list)
        if self._task_ == "classification":
            return float(accuracy_score(y, predictions, sample_weight=sample_weight))
        return float(r2_score(y, predictions, sample_weight=sample_weight))


class HyperoptClassifier(ClassifierMixin, HyperoptEstimator):
    """:class:`HyperoptEstimator` for classification.

    Searches ``any_classifier`` with ``any_preprocessing`` unless told
    otherwise; ``score`` is accuracy.
    """

    def _task(self, y: np.ndarray) -> str:
        return "classification"

    def _default_preprocessing(self, sparse: bool) -> Any:
        from .components import any_preprocessing, any_sparse_preprocessing

        return (any_sparse_preprocessing if sparse else any_preprocessing)("preprocessing")


class HyperoptRegressor(RegressorMixin, HyperoptEstimator):
    """:class:`HyperoptEstimator` for regression.

    Searches ``any_regressor`` with ``any_preprocessing`` unless told
    otherwise; ``score`` is R^2.
    """

    def _task(self, y: np.ndarray) -> str:
        return "regression"

    def _default_preprocessing(self, sparse: bool) -> Any:
        from .components import any_preprocessing, any_sparse_preprocessing

        return (any_sparse_preprocessing if sparse else any_preprocessing)("preprocessing")
