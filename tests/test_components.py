"""Tests for hpsk.components: every prior yields configurations that fit cleanly."""

from __future__ import annotations

import inspect
import warnings
from typing import Any, Callable

import numpy as np
import pytest
from sklearn.base import is_classifier, is_regressor
from sklearn.datasets import load_diabetes, load_wine
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import KBinsDiscretizer, MinMaxScaler, StandardScaler
from threadpoolctl import threadpool_limits

import hpsk.components as components
from hpsk import hp
from hpsk.components.lightgbm import lightgbm_available
from hpsk.exceptions import InvalidParameterError
from hpsk.space import Build, compile_space, construct, option_name, space_eval

# Every component function hyperopt-sklearn 1.1.1 exposes: the names
# imported into hpsklearn/components/__init__.py and hpsklearn/__init__.py of
# the hyperopt-sklearn 1.1.1 wheel on PyPI (plus the family functions defined
# in hpsklearn/components/__init__.py), in that order. Each takes `name` first.
HYPEROPT_SKLEARN_1_1_1_NAMES = [
    "random_forest_classifier", "random_forest_regressor", "extra_trees_classifier",
    "extra_trees_regressor", "bagging_classifier", "bagging_regressor", "isolation_forest",
    "ada_boost_classifier", "ada_boost_regressor", "gradient_boosting_classifier",
    "gradient_boosting_regressor", "hist_gradient_boosting_classifier",
    "hist_gradient_boosting_regressor", "binarizer", "min_max_scaler", "max_abs_scaler",
    "normalizer", "robust_scaler", "standard_scaler", "quantile_transformer",
    "power_transformer", "one_hot_encoder", "ordinal_encoder", "polynomial_features",
    "spline_transformer", "k_bins_discretizer", "bernoulli_nb", "categorical_nb",
    "complement_nb", "gaussian_nb", "multinomial_nb", "linear_regression", "bayesian_ridge",
    "ard_regression", "lars", "lasso_lars", "lars_cv", "lasso_lars_cv", "lasso_lars_ic",
    "lasso", "elastic_net", "lasso_cv", "elastic_net_cv", "multi_task_lasso",
    "multi_task_elastic_net", "multi_task_lasso_cv", "multi_task_elastic_net_cv",
    "poisson_regressor", "gamma_regressor", "tweedie_regressor", "huber_regressor",
    "sgd_classifier", "sgd_regressor", "sgd_one_class_svm", "ridge", "ridge_cv",
    "ridge_classifier", "ridge_classifier_cv", "logistic_regression", "logistic_regression_cv",
    "orthogonal_matching_pursuit", "orthogonal_matching_pursuit_cv",
    "passive_aggressive_classifier", "passive_aggressive_regressor", "perceptron",
    "quantile_regression", "ransac_regression", "theil_sen_regressor", "dummy_classifier",
    "dummy_regressor", "gaussian_process_classifier", "gaussian_process_regressor",
    "mlp_classifier", "mlp_regressor", "cca", "pls_canonical", "pls_regression", "linear_svc",
    "linear_svr", "nu_svc", "nu_svr", "one_class_svm", "svc", "svr", "decision_tree_classifier",
    "decision_tree_regressor", "extra_tree_classifier", "extra_tree_regressor",
    "label_propagation", "label_spreading", "transformed_target_regressor", "elliptic_envelope",
    "linear_discriminant_analysis", "quadratic_discriminant_analysis",
    "hp_sklearn_kernel_ridge", "bayesian_gaussian_mixture", "gaussian_mixture",
    "k_neighbors_classifier", "radius_neighbors_classifier", "nearest_centroid",
    "k_neighbors_regressor", "radius_neighbors_regressor", "k_means", "mini_batch_k_means",
    "xgboost_classification", "xgboost_regression", "lightgbm_classification",
    "lightgbm_regression", "tfidf_vectorizer", "hashing_vectorizer", "count_vectorizer", "pca",
    "ts_lagselector", "colkmeans", "forest_classifiers", "forest_regressors", "any_classifier",
    "any_sparse_classifier", "any_regressor", "any_sparse_regressor", "any_text_preprocessing",
    "any_preprocessing", "any_sparse_preprocessing", "all_classifiers", "all_regressors",
    "all_preprocessing", "one_vs_rest_classifier", "one_vs_one_classifier",
    "output_code_classifier",
]

FAMILIES = [
    "any_classifier", "any_regressor", "any_preprocessing", "any_sparse_classifier",
    "any_sparse_regressor", "any_sparse_preprocessing", "any_text_preprocessing",
    "all_classifiers", "all_regressors", "all_preprocessing", "forest_classifiers",
    "forest_regressors",
]
LIGHTGBM = ["lightgbm_classification", "lightgbm_regression"]

# The data each component is fitted on, when it is not the default for its
# type (classifiers: scaled wine; regressors: scaled diabetes; transformers:
# scaled wine).
NON_NEGATIVE = {"multinomial_nb", "complement_nb"}
CATEGORICAL = {"categorical_nb", "one_hot_encoder", "ordinal_encoder"}
MULTI_TARGET = {"multi_task_lasso", "multi_task_elastic_net", "multi_task_lasso_cv",
                "multi_task_elastic_net_cv"}
TEXT = {"tfidf_vectorizer", "count_vectorizer", "hashing_vectorizer"}
UNSUPERVISED = {"isolation_forest", "one_class_svm", "sgd_one_class_svm", "elliptic_envelope",
                "gaussian_mixture", "bayesian_gaussian_mixture", "k_means", "mini_batch_k_means"}

# The prior on the number of members is kept (sampled but unused); a fixed
# small count keeps the suite fast, since what is tested is the validity of
# the other sampled parameters.
FAST = {
    "random_forest_classifier": {"n_estimators": 8},
    "random_forest_regressor": {"n_estimators": 8},
    "extra_trees_classifier": {"n_estimators": 8},
    "extra_trees_regressor": {"n_estimators": 8},
    "bagging_classifier": {"n_estimators": 5},
    "bagging_regressor": {"n_estimators": 5},
    "isolation_forest": {"n_estimators": 10},
    "ada_boost_classifier": {"n_estimators": 10},
    "ada_boost_regressor": {"n_estimators": 10},
    "gradient_boosting_classifier": {"n_estimators": 10},
    "gradient_boosting_regressor": {"n_estimators": 10},
    "hist_gradient_boosting_classifier": {"max_iter": 10},
    "hist_gradient_boosting_regressor": {"max_iter": 10},
    "xgboost_classification": {"n_estimators": 10},
    "xgboost_regression": {"n_estimators": 10},
    "lightgbm_classification": {"n_estimators": 10},
    "lightgbm_regression": {"n_estimators": 10},
}

# Gaussian processes cost the cube of the training size: fit them on fewer rows.
TRAINING_ROWS = {"gaussian_process_classifier": 60, "gaussian_process_regressor": 60}

TEXTS = [
    "the cat sat on the mat", "the dog sat on the log", "cats and dogs are pets",
    "a stock market rally lifted shares", "shares fell as the market slid",
    "investors bought shares in the rally", "the cat chased the dog",
    "the dog chased the cat up a tree", "markets rose and investors cheered",
    "my pet cat sleeps all day", "bond yields fell as stocks rose",
    "the log was wet and the dog was muddy", "a cat and a dog can be friends",
    "the market closed higher on strong earnings", "earnings beat forecasts, shares jumped",
    "pets need food, water and walks", "the dog barked at the market stall",
    "strong earnings lifted the stock market", "my dog sleeps on the mat",
    "investors sold bonds and bought stocks",
] * 2


def _data() -> dict[str, Any]:
    rng = np.random.default_rng(0)
    X, y = load_wine(return_X_y=True)
    order = rng.permutation(len(y))[:150]
    X_wine = StandardScaler().fit_transform(X[order])
    y_wine = y[order]
    X, y = load_diabetes(return_X_y=True)
    X_diabetes = StandardScaler().fit_transform(X[:150])
    y_diabetes = y[:150]
    codes = KBinsDiscretizer(n_bins=4, encode="ordinal", strategy="quantile").fit_transform(X_wine)
    return {
        "classification": (X_wine, y_wine),
        "non_negative": (MinMaxScaler().fit_transform(X_wine), y_wine),
        "categorical": (codes.astype(int), y_wine),
        "regression": (X_diabetes, y_diabetes),
        "multi_target": (X_diabetes, np.column_stack([y_diabetes, np.log(y_diabetes)])),
    }


DATA = _data()
COMPONENTS = sorted(set(components.__all__) - set(FAMILIES))


def _fit_and_use(function_name: str, estimator: Any) -> None:
    """Fit on (up to) 120 rows and predict (or transform) the 30 held out."""
    if function_name in TEXT:
        estimator.fit(TEXTS[:30])
        assert estimator.transform(TEXTS[30:]).shape[0] == 10
        return
    if function_name in NON_NEGATIVE:
        X, y = DATA["non_negative"]
    elif function_name in CATEGORICAL:
        X, y = DATA["categorical"]
    elif function_name in MULTI_TARGET:
        X, y = DATA["multi_target"]
    elif is_classifier(estimator):
        X, y = DATA["classification"]
    elif is_regressor(estimator):
        X, y = DATA["regression"]
    else:
        X, y = DATA["classification"]
    n_train = TRAINING_ROWS.get(function_name, 120)
    X_train, X_test, y_train = X[:n_train], X[120:], y[:n_train]
    if function_name in UNSUPERVISED:
        estimator.fit(X_train)
        assert len(estimator.predict(X_test)) == len(X_test)
    elif hasattr(estimator, "predict"):
        estimator.fit(X_train, y_train)
        prediction = estimator.predict(X_test)
        assert len(prediction) == len(X_test)
        assert np.all(np.isfinite(np.asarray(prediction, dtype=float)))
    else:
        estimator.fit(X_train, y_train)
        assert estimator.transform(X_test).shape[0] == len(X_test)


@pytest.mark.parametrize("function_name", COMPONENTS)
def test_prior_samples_fit_without_errors_or_warnings(function_name: str) -> None:
    node = getattr(components, function_name)("c", **FAST.get(function_name, {}))
    space = compile_space(node)
    for point in space.sample(25, np.random.default_rng(0)):
        estimator = space.evaluate(point)
        # One thread, as in a search: OpenMP learners crawl on busy cores.
        with warnings.catch_warnings(), threadpool_limits(1):
            warnings.simplefilter("error")
            warnings.simplefilter("ignore", ConvergenceWarning)
            try:
                _fit_and_use(function_name, estimator)
            except Exception as error:
                raise AssertionError(f"{function_name} failed at {point}: {error!r}") from error


def test_lightgbm_missing_names_the_package(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "lightgbm", None)  # as if it were not installed
    assert not lightgbm_available()
    for function_name in LIGHTGBM:
        with pytest.raises(ImportError, match="lightgbm"):
            getattr(components, function_name)("c")


@pytest.mark.parametrize("function_name", FAMILIES)
def test_families_sample_and_build(function_name: str) -> None:
    space = compile_space(getattr(components, function_name)("family"))
    assert all(label.startswith("family") for label in space.labels)
    for point in space.sample(25, np.random.default_rng(1)):
        value = space.evaluate(point)
        if "preprocessing" in function_name:
            assert isinstance(value, list)
        else:
            assert hasattr(value, "fit")


def test_any_classifier_covers_several_learner_families() -> None:
    space = compile_space(components.any_classifier("clf"))
    kinds = {type(space.evaluate(p)).__name__ for p in space.sample(200, np.random.default_rng(0))}
    assert {"HistGradientBoostingClassifier", "RandomForestClassifier", "LogisticRegression",
            "SVC", "KNeighborsClassifier"} <= kinds


def test_any_regressor_covers_several_learner_families() -> None:
    space = compile_space(components.any_regressor("reg"))
    kinds = {type(space.evaluate(p)).__name__ for p in space.sample(200, np.random.default_rng(0))}
    assert {"HistGradientBoostingRegressor", "RandomForestRegressor", "Ridge", "SVR",
            "KNeighborsRegressor"} <= kinds


def test_any_preprocessing_can_yield_no_preprocessing() -> None:
    space = compile_space(components.any_preprocessing("pre"))
    values = [space.evaluate(p) for p in space.sample(50, np.random.default_rng(0))]
    assert all(isinstance(v, list) for v in values)
    assert [] in values
    assert any(len(v) == 2 for v in values)  # standardise, then PCA


def test_override_fixes_a_hyperparameter() -> None:
    space = compile_space(components.random_forest_classifier("rf", n_estimators=7))
    assert "rf.n_estimators" not in space.labels
    assert "rf.max_depth" in space.labels
    for point in space.sample(10, np.random.default_rng(0)):
        assert space.evaluate(point).n_estimators == 7


def test_override_of_a_branch_parameter_keeps_compatible_branches() -> None:
    space = compile_space(components.svc("svc", kernel="linear"))
    assert not any("gamma" in label or "degree" in label for label in space.labels)
    assert {space.evaluate(p).kernel for p in space.sample(10, np.random.default_rng(0))} == {"linear"}
    space = compile_space(components.logistic_regression("lr", solver="saga"))
    estimators = [space.evaluate(p) for p in space.sample(30, np.random.default_rng(0))]
    assert {e.solver for e in estimators} == {"saga"}
    assert {e.l1_ratio == 1.0 for e in estimators} == {True, False}


def test_incompatible_overrides_raise() -> None:
    with pytest.raises(InvalidParameterError, match="no valid configuration"):
        components.linear_svc("svm", penalty="l1", loss="hinge")


def test_hp_node_replaces_the_prior() -> None:
    space = compile_space(components.svc("svc", C=hp.uniform("my_c", 2.0, 3.0)))
    assert "my_c" in space.labels and "svc.C" not in space.labels
    for point in space.sample(20, np.random.default_rng(0)):
        assert 2.0 <= space.evaluate(point).C <= 3.0


@pytest.mark.parametrize("factory, keyword", [
    (components.random_forest_classifier, "n_estimator"),
    (components.logistic_regression, "penalty_type"),
    (components.xgboost_classification, "num_rounds"),
    (components.ts_lagselector, "lags"),
])
def test_unknown_keyword_raises_naming_it(factory: Callable[..., Any], keyword: str) -> None:
    with pytest.raises(InvalidParameterError, match=keyword):
        factory("c", **{keyword: 3})


def test_passive_aggressive_accepts_c_alias() -> None:
    space = compile_space(components.passive_aggressive_classifier("pa", C=0.5))
    estimator = space.evaluate(space.sample(1, np.random.default_rng(0))[0])
    assert estimator.get_params().get("eta0", estimator.get_params().get("C")) == 0.5


@pytest.mark.parametrize("function_name", COMPONENTS)
def test_labels_are_namespaced_by_the_component_name(function_name: str) -> None:
    space = compile_space(getattr(components, function_name)("my_name"))
    assert all(label.startswith("my_name.") for label in space.labels)


def test_every_public_name_imports() -> None:
    assert len(set(components.__all__)) == len(components.__all__)
    for public_name in components.__all__:
        assert callable(getattr(components, public_name)), public_name


@pytest.mark.parametrize("function_name", HYPEROPT_SKLEARN_1_1_1_NAMES)
def test_hyperopt_sklearn_names_exist_with_name_first(function_name: str) -> None:
    function = getattr(components, function_name)
    assert function_name in components.__all__
    assert next(iter(inspect.signature(function).parameters)) == "name"


def test_the_package_re_exports_every_component_of_every_module():
    import importlib
    import pkgutil

    helpers = {"scaled_kernel", "lightgbm_available", "lag_selector", "ColumnKMeans"}
    exported = []
    for info in pkgutil.iter_modules(components.__path__):
        if info.name.startswith("_") and info.name != "_any":
            continue
        module = importlib.import_module(f"hpsk.components.{info.name}")
        exported += [name for name in getattr(module, "__all__", []) if name not in helpers]
    assert sorted(exported) == sorted(components.__all__)


def test_every_component_node_names_the_class_it_builds():
    rng = np.random.default_rng(0)
    checked = 0
    for name in components.__all__:
        node = getattr(components, name)(name)
        if not isinstance(node, Build) or not isinstance(node.target, type):
            continue  # the families (choices) and ts_lagselector's function
        point = compile_space(node).sample(1, rng)[0]
        assert type(space_eval(node, point)) is node.target, name
        assert option_name(node) == node.target.__name__
        checked += 1
    assert checked > 100
    assert components.svc("svc").fn is construct  # its kernels are branches
    assert components.svc("svc").target.__name__ == "SVC"


def test_files_naming_the_former_construct_still_find_it():
    # Pickles and skops files of models fitted before ``construct`` moved to
    # hpsk.space name it ``hpsk.components._base._construct``.
    import importlib

    assert importlib.import_module("hpsk.components._base")._construct is construct
