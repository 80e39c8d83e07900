"""hpsk.persistence: save and load whole searches and their pipelines, as skops or joblib files."""

import contextlib
import copy
import os
import sys
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.datasets import load_breast_cancer, load_diabetes, load_iris
from sklearn.ensemble import VotingClassifier
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, MinMaxScaler
from sklearn.svm import LinearSVC
from threadpoolctl import threadpool_limits
from xgboost import XGBClassifier

from hpsk import HyperoptClassifier, HyperoptEstimator, HyperoptRegressor
from hpsk.components import (
    all_classifiers,
    all_preprocessing,
    all_regressors,
    any_sparse_preprocessing,
    any_text_preprocessing,
    xgboost_classification,
)
from hpsk.ensembling import member_pipelines
from hpsk.evaluation import assemble_pipeline
from hpsk.persistence import UntrustedTypesError, check_format, load, save, trusted_types
from hpsk.space import Choice, compile_space, construct, option_name

skops_io = pytest.importorskip("skops.io")

FORMATS = [".skops", ".joblib"]


@pytest.fixture(autouse=True)
def one_thread():
    # OpenMP pools that spin on a busy machine are slow.
    with threadpool_limits(limits=1):
        yield


def frame_data():
    """Iris as a DataFrame with a string column, a categorical column, free text and NaN;
    text labels."""
    rng = np.random.default_rng(0)
    data = load_iris(as_frame=True)
    X = data.data.copy()
    X["colour"] = rng.choice(["red", "green", "blue"], len(X))
    X.loc[::9, "colour"] = None
    X["size"] = pd.Categorical(np.where(X["sepal length (cm)"] > 5.8, "large", "small"))
    X.loc[::7, "petal width (cm)"] = np.nan
    words = np.array(["long", "short", "wide", "narrow", "petal", "sepal", "bright", "pale"])
    X["note"] = [" ".join(rng.choice(words, 6)) + f" flower number {i}" for i in range(len(X))]
    y = np.array(["setosa", "versicolor", "virginica"])[data.target]
    return X, y


@pytest.fixture(scope="module")
def cancer_ensemble():
    X, y = load_breast_cancer(return_X_y=True)
    with threadpool_limits(limits=1):
        model = HyperoptClassifier(max_evals=4, random_state=0).fit(X, y)
    assert isinstance(model.best_estimator_, VotingClassifier)  # ensemble_size's default
    return model, X, y


@pytest.fixture(scope="module")
def frame_model():
    X, y = frame_data()
    with threadpool_limits(limits=1):
        model = HyperoptClassifier(max_evals=4, random_state=0).fit(X, y)
    return model, X, y


@pytest.fixture(scope="module")
def xgboost_model():
    X, y = frame_data()
    with threadpool_limits(limits=1):
        model = HyperoptEstimator(classifier=xgboost_classification("xgb"), max_evals=3,
                                  ensemble_size=0, random_state=0).fit(X, y)
    assert isinstance(model.best_estimator_.steps[-1][1], XGBClassifier)
    return model, X, y


@pytest.fixture(scope="module")
def regressor():
    X, y = load_diabetes(return_X_y=True)
    with threadpool_limits(limits=1):
        model = HyperoptRegressor(max_evals=4, random_state=0).fit(X[:200], y[:200])
    return model, X[:200], y[:200]


MODELS = ["cancer_ensemble", "frame_model", "xgboost_model", "regressor"]


@pytest.mark.parametrize("suffix", FORMATS)
@pytest.mark.parametrize("fixture", MODELS)
def test_the_whole_estimator_round_trips(fixture, suffix, request, tmp_path):
    model, X, y = request.getfixturevalue(fixture)
    path = tmp_path / f"model{suffix}"
    save(model, path)
    loaded = load(path)
    assert type(loaded) is type(model)
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    assert loaded.score(X, y) == model.score(X, y)
    if hasattr(model, "classes_"):
        np.testing.assert_array_equal(loaded.classes_, model.classes_)
        np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))
    assert loaded.describe() == model.describe()
    pd.testing.assert_frame_equal(loaded.leaderboard(), model.leaderboard())
    assert loaded.best_params_ == model.best_params_
    assert loaded.trials_.losses() == model.trials_.losses()
    assert loaded.trials_.statuses() == model.trials_.statuses()
    assert loaded.search_space_.labels == model.search_space_.labels
    assert type(loaded.best_model()["learner"]) is type(model.best_model()["learner"])
    assert loaded.get_params(deep=False).keys() == model.get_params(deep=False).keys()


@pytest.mark.parametrize("suffix", FORMATS)
@pytest.mark.parametrize("fixture", MODELS)
def test_best_estimator_round_trips(fixture, suffix, request, tmp_path):
    model, X, _ = request.getfixturevalue(fixture)
    pipeline = model.best_estimator_
    path = tmp_path / f"pipeline{suffix}"
    save(pipeline, path)
    loaded = load(path)
    assert type(loaded) is type(pipeline)
    assert [type(p.steps[-1][1]) for p in member_pipelines(loaded)] == \
        [type(p.steps[-1][1]) for p in member_pipelines(pipeline)]
    np.testing.assert_array_equal(loaded.predict(X), pipeline.predict(X))


def test_an_xgboost_winner_on_a_frame_predicts_the_labels_after_loading(xgboost_model, tmp_path):
    model, X, y = xgboost_model
    save(model, tmp_path / "model.skops")
    loaded = load(tmp_path / "model.skops")
    assert isinstance(loaded.best_estimator_.steps[-1][1], XGBClassifier)
    predictions = loaded.predict(X)
    assert set(predictions) <= set(y)  # labels, not the codes the XGBoost pipeline predicts
    np.testing.assert_array_equal(predictions, model.predict(X))
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))


def test_a_loaded_search_continues_with_warm_start(regressor, tmp_path):
    model, X, y = regressor
    save(model, tmp_path / "model.skops")
    loaded = load(tmp_path / "model.skops")
    loaded.fit(X, y, warm_start=True)
    assert len(loaded.trials_) == 2 * len(model.trials_)
    assert loaded.trials_.losses()[:len(model.trials_)] == model.trials_.losses()


def test_a_model_saved_by_hpsk_needs_no_extra_types(cancer_ensemble, frame_model, tmp_path):
    for name, (model, _, _) in {"cancer": cancer_ensemble, "frame": frame_model}.items():
        path = tmp_path / f"{name}.skops"
        save(model, path)
        assert set(skops_io.get_untrusted_types(file=path)) <= set(trusted_types())


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_every_component_fits_into_trusted_types():
    """What any component learns (trees, HistGradientBoosting predictors, k-NN trees and
    metrics, kernels, MLP optimisers, calibrators, XGBoost and LightGBM boosters) is trusted."""
    X, y = load_iris(return_X_y=True)
    X, y = MinMaxScaler().fit_transform(X)[::3], y[::3]  # non-negative for the naive Bayes
    X_reg, y_reg = load_diabetes(return_X_y=True)
    X_reg, y_reg = X_reg[:60], y_reg[:60] - y_reg.min() + 1  # positive for the gamma regressor
    texts = np.array([f"word{i % 7} other{i % 3} text number {i}" for i in range(50)])
    rng = np.random.default_rng(0)
    fitted = []
    for family, data, target in [(all_classifiers, X, y), (all_regressors, X_reg, y_reg),
                                 (all_preprocessing, X, y), (any_sparse_preprocessing, X, y),
                                 (any_text_preprocessing, texts, np.arange(50) % 2)]:
        space = compile_space(family("m"))
        for option in range(space.nodes["m"].dist.n_options):
            model = space.evaluate(space.complete({"m": option}, rng))
            for step in (model if isinstance(model, list) else [model]):
                try:
                    fitted.append(step.fit(data, target))
                except Exception:  # noqa: BLE001 - a learner that rejects these data has no state
                    continue
    assert len(fitted) > 90
    for method in ("sigmoid", "isotonic", "temperature"):  # hpsk calibrates some learners
        fitted.append(CalibratedClassifierCV(LinearSVC(), method=method, cv=2).fit(X, y))
    untrusted = set(skops_io.get_untrusted_types(data=skops_io.dumps(fitted)))
    assert untrusted <= set(trusted_types()), sorted(untrusted - set(trusted_types()))


def test_every_component_space_names_only_trusted_types():
    """The search space is stored with the estimator: its build nodes name classes and functions."""
    import hpsk.components as components

    spaces = []
    for name in components.__all__:
        function = getattr(components, name)
        if not callable(function):
            continue
        try:
            spaces.append(compile_space(function(name)))
        except Exception:  # noqa: BLE001 - a component that needs arguments
            continue
    assert len(spaces) > 100
    untrusted = set(skops_io.get_untrusted_types(data=skops_io.dumps(spaces)))
    assert untrusted <= set(trusted_types()), sorted(untrusted - set(trusted_types()))


def test_trusted_types_hold_only_the_trusted_libraries():
    roots = {name.split(".")[0] for name in trusted_types()}
    assert roots <= {"sklearn", "numpy", "scipy", "xgboost", "lightgbm", "hpsk",
                     "functools", "collections", "pathlib"}
    assert "hpsk.estimator.HyperoptClassifier" in trusted_types()
    assert not any(name.startswith(("hpsk.cli", "hpsk.storage", "hpsk.persistence"))
                   for name in trusted_types())


class Doubler(TransformerMixin, BaseEstimator):
    """A user's own transformer: not among the types hpsk trusts."""

    def fit(self, X, y=None):
        return self

    def transform(self, X):
        return 2 * np.asarray(X)


def test_an_untrusted_type_is_refused_with_its_name(tmp_path):
    X, y = load_iris(return_X_y=True)
    pipeline = make_pipeline(Doubler(), LogisticRegression(max_iter=500)).fit(X, y)
    path = tmp_path / "custom.skops"
    name = f"{Doubler.__module__}.Doubler"
    with pytest.warns(UserWarning, match=name):
        save(pipeline, path)
    with pytest.raises(UntrustedTypesError, match=f"hpsk does not trust: {name}") as error:
        load(path)
    assert error.value.types == [name]
    assert isinstance(error.value, TypeError)
    for trusted in ([Doubler], [name], name):
        np.testing.assert_array_equal(load(path, trusted=trusted).predict(X), pipeline.predict(X))


def test_a_function_outside_the_list_is_refused_before_anything_is_built(tmp_path):
    # A file that would call a function of the standard library on the data.
    step = FunctionTransformer(func=os.getcwd)
    skops_io.dump(make_pipeline(step, LogisticRegression()), tmp_path / "bad.skops")
    with pytest.raises(UntrustedTypesError, match="getcwd"):
        load(tmp_path / "bad.skops")


@pytest.mark.parametrize("suffix", FORMATS)
def test_a_lambda_or_a_local_class_is_refused_before_writing(suffix, tmp_path):
    pipeline = make_pipeline(FunctionTransformer(lambda X: X), LogisticRegression())
    path = tmp_path / f"model{suffix}"
    with pytest.raises(ValueError, match=r"model\.steps\[0\]\[1\]\.func is .*<lambda>"):
        save(pipeline, path)

    class Local(Doubler):
        pass

    with pytest.raises(ValueError, match=r"model\.steps\[0\]\[1\] is an instance of .*<locals>\.Local"):
        save(make_pipeline(Local(), LogisticRegression()), path)
    assert not path.exists()


def test_trusted_is_for_skops_files_only(regressor, tmp_path):
    save(regressor[0], tmp_path / "model.joblib")
    with pytest.raises(ValueError, match="trusted= applies to .skops files only"):
        load(tmp_path / "model.joblib", trusted=["x.Y"])


def test_without_skops_a_skops_path_says_what_to_install(monkeypatch, regressor, tmp_path):
    monkeypatch.setitem(sys.modules, "skops", None)
    monkeypatch.setitem(sys.modules, "skops.io", None)
    with pytest.raises(ImportError, match=r'pip install "hpsk\[skops\]"'):
        save(regressor[0], tmp_path / "model.skops")
    with pytest.raises(ImportError, match=r'pip install "hpsk\[skops\]"'):
        load(tmp_path / "model.skops")
    save(regressor[0], tmp_path / "model.joblib")  # joblib needs no skops
    assert isinstance(load(tmp_path / "model.joblib"), HyperoptRegressor)
    check_format(tmp_path / "model.joblib")
    with pytest.raises(ImportError, match=r'pip install "hpsk\[skops\]"'):
        check_format(tmp_path / "model.skops")


@contextlib.contextmanager
def _named_as_before_construct_moved():
    """Have pickle and skops name ``construct`` as the files of earlier versions do."""
    saved = construct.__module__, construct.__name__, construct.__qualname__
    construct.__module__, construct.__name__, construct.__qualname__ = (
        "hpsk.components._base", "_construct", "_construct")
    try:
        yield
    finally:
        construct.__module__, construct.__name__, construct.__qualname__ = saved


@pytest.mark.parametrize("suffix", FORMATS)
def test_files_of_earlier_versions_load_and_predict_the_labels(xgboost_model, suffix, tmp_path):
    # Before hpsk.space.construct and labels_encoded_ were public, build nodes named
    # hpsk.components._base._construct and the estimator kept ``_encoded_labels_``.
    model, X, _ = xgboost_model
    old = copy.copy(model)
    old.__dict__["_encoded_labels_"] = old.__dict__.pop("labels_encoded_")
    path = tmp_path / f"earlier{suffix}"
    with _named_as_before_construct_moved(), warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*hpsk does not trust")  # the former name is trusted
        save(old, path)
    if suffix == ".skops":
        assert "hpsk.components._base._construct" in skops_io.get_untrusted_types(file=path)
    else:
        assert b"_construct" in path.read_bytes()
    loaded = load(path)
    assert loaded.labels_encoded_ is True and "_encoded_labels_" not in vars(loaded)
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    assert loaded.best_params_ == model.best_params_
    # The build nodes call (and name) what they did: the text column's tf-idf is built by construct.
    point = model.trials_.best_trial.point
    rebuilt = assemble_pipeline(loaded.search_space_.evaluate(point))
    assert rebuilt.__repr__(N_CHAR_MAX=100_000) == \
        assemble_pipeline(model.search_space_.evaluate(point)).__repr__(N_CHAR_MAX=100_000)
    assert any(isinstance(value, TfidfVectorizer) for value in rebuilt.get_params(deep=True).values())
    choices = [label for label, node in model.search_space_.nodes.items() if isinstance(node, Choice)]
    assert [option_name(o) for label in choices for o in loaded.search_space_.nodes[label].options] == \
        [option_name(o) for label in choices for o in model.search_space_.nodes[label].options]
