"""HyperoptEstimator / HyperoptClassifier / HyperoptRegressor on real sklearn data."""

import subprocess
import sys
import textwrap

import joblib
import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_breast_cancer, load_diabetes, load_digits, load_iris, load_wine
from sklearn.ensemble import VotingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_score, train_test_split
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from hpsk import (AllTrialsFailed, HyperoptClassifier, HyperoptEstimator, HyperoptRegressor,
                  InvalidParameterError, hp, rand)
from hpsk.components import (any_classifier, k_neighbors_classifier, logistic_regression,
                             pls_regression, random_forest_classifier, standard_scaler,
                             xgboost_classification)
from hpsk.ensembling import member_pipelines
from hpsk.space import Build


def _split(loader):
    X, y = loader(return_X_y=True)
    return train_test_split(X, y, test_size=0.25, random_state=0)


@pytest.fixture(scope="module")
def iris():
    return load_iris(return_X_y=True)


@pytest.mark.slow
@pytest.mark.parametrize("loader, threshold", [(load_digits, 0.95), (load_breast_cancer, 0.94)])
def test_classifier_reaches_the_target_accuracy(loader, threshold):
    X_train, X_test, y_train, y_test = _split(loader)
    model = HyperoptClassifier(max_evals=30, random_state=0).fit(X_train, y_train)
    assert model.score(X_test, y_test) >= threshold
    assert isinstance(model.best_estimator_, (Pipeline, VotingClassifier))
    assert len(model.trials_) == 30


@pytest.mark.slow
@pytest.mark.parametrize("split_seed, threshold", [(0, 0.33), (1, 0.40)])
def test_regressor_reaches_the_target_r2(split_seed, threshold):
    # On the split_seed=0 split no model we tried passes R^2 0.37 on the test
    # quarter (RidgeCV 0.369, LinearRegression 0.359, kernel ridge 0.367), so
    # there the bar is "close to that ceiling"; on split_seed=1 RidgeCV gets
    # 0.438 and the search must reach 0.40. Which of 30 candidates wins on
    # 331 rows is itself noisy (one seed picked a boosted model at 0.306 on
    # split 0, against 0.36 for the others), so the bar is for the median of
    # three seeds. This is the single winner's bar (ensemble_size=0): on the
    # split_seed=1 test quarter the forests and boosted models an ensemble
    # adds score 0.14-0.34 while the linear members score 0.42-0.43, so
    # blends that raise 5-fold validation R^2 from 0.49 to 0.52 there test at
    # 0.396-0.411 (test_ensembling.py covers the ensembles).
    X, y = load_diabetes(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=split_seed)
    models = [HyperoptRegressor(max_evals=30, ensemble_size=0, random_state=seed).fit(X_train, y_train)
              for seed in range(3)]
    assert np.median([model.score(X_test, y_test) for model in models]) >= threshold
    assert not hasattr(models[0], "classes_")


def test_fitted_attributes_and_delegation(iris):
    X, y = iris
    model = HyperoptClassifier(max_evals=6, random_state=0).fit(X, y)
    assert model.n_features_in_ == 4
    np.testing.assert_array_equal(model.classes_, [0, 1, 2])
    assert set(model.best_params_) <= set(model.search_space_.labels)
    assert model.best_score_ == -model.trials_.best_trial.loss
    assert model.best_index_ == model.trials_.best_trial.tid
    np.testing.assert_array_equal(model.predict(X), model.best_estimator_.predict(X))
    if hasattr(model.best_estimator_, "predict_proba"):
        proba = model.predict_proba(X)
        assert proba.shape == (150, 3) and np.allclose(proba.sum(axis=1), 1)
    best = model.best_model()
    assert set(best) == {"learner", "preprocs", "ex_preprocs"}
    assert best["learner"] is model.best_estimator_.steps[-1][1]


def test_same_random_state_same_trials_and_predictions(iris):
    X, y = iris
    first = HyperoptClassifier(max_evals=8, random_state=3).fit(X, y)
    second = HyperoptClassifier(max_evals=8, random_state=3).fit(X, y)
    assert [t.point for t in first.trials_] == [t.point for t in second.trials_]
    assert first.trials_.losses() == second.trials_.losses()
    np.testing.assert_array_equal(first.predict(X), second.predict(X))


def test_joblib_round_trip_predicts_identically(tmp_path, iris):
    X, y = iris
    model = HyperoptClassifier(max_evals=5, random_state=0).fit(X, y)
    path = tmp_path / "model.joblib"
    joblib.dump(model, path)
    np.testing.assert_array_equal(joblib.load(path).predict(X), model.predict(X))


def test_best_estimator_loads_where_hpsk_is_not_importable(tmp_path):
    X, y = load_wine(return_X_y=True)
    model = HyperoptClassifier(max_evals=5, random_state=0).fit(X, y)
    path = tmp_path / "pipeline.joblib"
    joblib.dump(model.best_estimator_, path)
    np.save(tmp_path / "X.npy", X)
    np.save(tmp_path / "expected.npy", model.predict(X))
    script = textwrap.dedent(f"""
        import sys
        sys.modules["hpsk"] = None  # any import of hpsk now raises ImportError
        import joblib, numpy as np
        pipeline = joblib.load({str(path)!r})
        predictions = pipeline.predict(np.load({str(tmp_path / 'X.npy')!r}))
        assert (predictions == np.load({str(tmp_path / 'expected.npy')!r})).all()
        print("ok")
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


@pytest.mark.parametrize("labels", [
    np.array(["setosa", "versicolor", "virginica"]),
    np.array([10, 20, 30]),
], ids=["strings", "ints"])
def test_string_and_int_labels_with_xgboost_and_sklearn(iris, labels):
    X, y = iris
    y = labels[y]
    for learner in (xgboost_classification("xgb", n_estimators=20), logistic_regression("lr")):
        model = HyperoptEstimator(classifier=learner, max_evals=3, random_state=0).fit(X, y)
        np.testing.assert_array_equal(model.classes_, labels)
        predictions = model.predict(X)
        assert set(predictions) <= set(labels) and model.score(X, y) > 0.8


def test_bool_labels():
    X, y = load_breast_cancer(return_X_y=True)
    model = HyperoptClassifier(classifier=xgboost_classification("xgb", n_estimators=10),
                               max_evals=2, random_state=0).fit(X, y.astype(bool))
    assert model.predict(X[:5]).dtype == bool


def test_task_is_inferred_from_y(iris):
    X, y = iris
    assert HyperoptEstimator(max_evals=2, random_state=0).fit(X, y)._task_ == "classification"
    Xd, yd = load_diabetes(return_X_y=True)
    model = HyperoptEstimator(max_evals=2, random_state=0).fit(Xd, yd)
    assert model._task_ == "regression" and not hasattr(model, "classes_")


def test_failing_configurations_are_recorded_and_the_search_completes(iris):
    X, y = iris
    # lbfgs does not support the l1 penalty: half of this space raises in fit.
    space = hp.choice("solver", [
        Build(LogisticRegression, kwargs={"solver": "lbfgs", "l1_ratio": 1.0, "C": 1.0}),
        Build(LogisticRegression, kwargs={"C": hp.loguniform("C", -3, 3), "max_iter": 500}),
    ])
    model = HyperoptEstimator(classifier=space, algo=rand.suggest, max_evals=12, random_state=0).fit(X, y)
    statuses = model.trials_.statuses()
    assert "fail" in statuses and "ok" in statuses
    failed = [t for t in model.trials_ if t.status == "fail"]
    assert all(t.point["solver"] == 0 and "l1" in t.error.lower() or "lbfgs" in t.error for t in failed)
    assert isinstance(model.best_estimator_.steps[-1][1], LogisticRegression)


def test_every_trial_failing_raises_quoting_the_first_error(iris):
    X, y = iris
    broken = Build(LogisticRegression, kwargs={"solver": "lbfgs", "l1_ratio": 1.0})
    with pytest.raises(AllTrialsFailed, match=r"all 3 trials failed.*first error was: \w+Error"):
        HyperoptEstimator(classifier=broken, max_evals=3).fit(X, y)


def test_custom_space_and_component_overrides(iris):
    X, y = iris
    model = HyperoptEstimator(
        classifier=random_forest_classifier("rf", n_estimators=15, max_depth=3),
        preprocessing=[standard_scaler("scale")], max_evals=4, random_state=0,
    ).fit(X, y)
    for pipeline in member_pipelines(model.best_estimator_):  # every member of an ensemble
        forest = pipeline.steps[-1][1]
        assert forest.n_estimators == 15 and forest.max_depth == 3
        assert isinstance(pipeline.steps[0][1], StandardScaler)
    whole = HyperoptEstimator(space={"learner": k_neighbors_classifier("knn")}, max_evals=3,
                              random_state=0).fit(X, y)
    for pipeline in member_pipelines(whole.best_estimator_):
        assert type(pipeline.steps[-1][1]).__name__ == "KNeighborsClassifier"


def test_components_by_name(iris):
    X, y = iris
    model = HyperoptEstimator(classifier="k_neighbors_classifier", preprocessing=["standard_scaler"],
                              max_evals=3, random_state=0).fit(X, y)
    assert [type(s).__name__ for _, s in model.best_estimator_.steps] == [
        "StandardScaler", "KNeighborsClassifier"]


def test_works_in_pipeline_clone_and_cross_val_score(iris):
    X, y = iris
    model = HyperoptClassifier(classifier=any_classifier("clf"), max_evals=3, random_state=0)
    assert clone(model).get_params()["max_evals"] == 3
    pipeline = make_pipeline(StandardScaler(), model).fit(X, y)
    assert pipeline.score(X, y) > 0.8
    scores = cross_val_score(model, X, y, cv=3)
    assert scores.shape == (3,) and scores.mean() > 0.8


def test_dataframe_gives_feature_names(iris):
    pd = pytest.importorskip("pandas")
    X, y = iris
    frame = pd.DataFrame(X, columns=["sl", "sw", "pl", "pw"])
    model = HyperoptClassifier(max_evals=3, random_state=0).fit(frame, y)
    np.testing.assert_array_equal(model.feature_names_in_, ["sl", "sw", "pl", "pw"])
    assert model.score(frame, y) > 0.8


def test_nan_in_x_is_imputed(iris):
    X, y = iris
    X = X.copy()
    X[::7, 1] = np.nan
    model = HyperoptClassifier(classifier="logistic_regression", max_evals=3, ensemble_size=0,
                               random_state=0).fit(X, y)
    assert type(model.best_estimator_.steps[0][1]).__name__ == "SimpleImputer"
    assert model.score(X, y) > 0.8


def test_parallel_trials(iris):
    X, y = iris
    model = HyperoptClassifier(max_evals=6, n_jobs=2, random_state=0).fit(X, y)
    assert len(model.trials_) == 6 and model.score(X, y) > 0.8


@pytest.mark.parametrize("make, error, message", [
    (lambda X, y: (HyperoptClassifier(max_evals=2), X, y[:-1]), ValueError, "inconsistent numbers of samples"),
    (lambda X, y: (HyperoptRegressor(max_evals=2), X, np.where(np.arange(len(y)) == 3, np.nan, y)),
     ValueError, "y contains NaN"),
    (lambda X, y: (HyperoptClassifier(max_evals=2), X, np.array([None] + ["a"] * (len(y) - 1), dtype=object)),
     ValueError, "missing values"),
    (lambda X, y: (HyperoptClassifier(max_evals=2), X[:0], y[:0]), ValueError, "0 sample"),
    (lambda X, y: (HyperoptRegressor(max_evals=2), X, np.array(["a", "b", "c"])[y]),
     ValueError, "needs numeric targets"),
    (lambda X, y: (HyperoptClassifier(max_evals=2), X, np.zeros(len(y))), ValueError, "only one class"),
    (lambda X, y: (HyperoptClassifier(max_evals=0), X, y), InvalidParameterError,
     r"'max_evals' parameter of HyperoptClassifier must be an int in the range \[1, inf\) or None. Got 0"),
    (lambda X, y: (HyperoptClassifier(cv=1), X, y), InvalidParameterError, "'cv' parameter"),
    (lambda X, y: (HyperoptClassifier(classifier="random_forrest_classifier"), X, y), ValueError,
     "Unknown classification component 'random_forrest_classifier'. Did you mean 'random_forest_classifier'"),
    (lambda X, y: (HyperoptEstimator(classifier="svc", regressor="svr"), X, y), ValueError, "not both"),
])
def test_bad_input_gives_clear_errors(iris, make, error, message):
    X, y = iris
    model, X_bad, y_bad = make(X, y)
    with pytest.raises(error, match=message):
        model.fit(X_bad, y_bad)


def test_unknown_component_parameter_is_named():
    with pytest.raises(InvalidParameterError, match="no parameter 'n_estimatorz'"):
        random_forest_classifier("rf", n_estimatorz=10)


def test_predict_before_fit_raises():
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        HyperoptClassifier().predict(np.zeros((2, 3)))


@pytest.mark.parametrize("make", [
    lambda: "multi_task_lasso",
    lambda: "multi_task_elastic_net",
    # linnerud has 3 features; the PLS prior reaches 5 components
    lambda: pls_regression("pls", n_components=2),
], ids=["multi_task_lasso", "multi_task_elastic_net", "pls_regression"])
def test_multi_output_regression_with_a_two_dimensional_target(make):
    from sklearn.datasets import load_linnerud

    component = make()
    X, Y = load_linnerud(return_X_y=True)
    model = HyperoptRegressor(regressor=component, preprocessing=[], max_evals=4, cv=3,
                              random_state=0).fit(X, Y)
    assert model.trials_.statuses() == ["ok"] * 4, model.trials_.first_error()
    assert model.predict(X).shape == Y.shape
    assert model.score(X, Y) > 0


def test_verbose_shows_a_progress_bar_and_quiet_prints_nothing(iris, capfd):
    X, y = iris
    # The bar is the same for any learner: k-nearest neighbours are quick to search.
    HyperoptClassifier(classifier="k_neighbors_classifier", max_evals=4, time_budget=60, verbose=1,
                       random_state=0).fit(X, y)
    err = capfd.readouterr().err
    assert "4/4" in err and "best score 0." in err and "last " in err and "s left" in err
    # the bar redraws once per finished trial
    assert all(f"{k}/4" in err for k in range(1, 5))
    HyperoptClassifier(classifier="k_neighbors_classifier", max_evals=4, verbose=0, random_state=0).fit(X, y)
    captured = capfd.readouterr()
    assert captured.out == "" and captured.err == ""


class _InterruptAfter:
    """A scoring callable that presses Ctrl-C once it has scored ``n`` folds."""

    def __init__(self, n):
        self.n, self.calls = n, 0

    def __call__(self, estimator, X, y):
        self.calls += 1
        if self.calls > self.n:
            raise KeyboardInterrupt
        return float((estimator.predict(X) == y).mean())


def test_ctrl_c_keeps_the_best_so_far(iris):
    X, y = iris
    model = HyperoptClassifier(classifier="k_neighbors_classifier", scoring=_InterruptAfter(9),
                               cv=3, max_evals=20, random_state=0)
    with pytest.warns(RuntimeWarning, match="interrupted after 3 trials"):
        model.fit(X, y)
    assert model.interrupted_ and len(model.trials_) == 3 and model.trials_.n_ok == 3
    assert model.score(X, y) > 0.9
    finished = HyperoptClassifier(classifier="k_neighbors_classifier", max_evals=2, random_state=0).fit(X, y)
    assert finished.interrupted_ is False


def test_ctrl_c_before_any_trial_finishes_propagates(iris):
    X, y = iris
    with pytest.raises(KeyboardInterrupt):
        HyperoptClassifier(classifier="k_neighbors_classifier", scoring=_InterruptAfter(0),
                           max_evals=5).fit(X, y)


# ---- starting points ------------------------------------------------------------------

_DEFAULTS = {
    "HistGradientBoostingClassifier": ("learning_rate", "max_iter", "max_leaf_nodes", "min_samples_leaf",
                                       "l2_regularization", "max_features", "class_weight"),
    "LogisticRegression": ("C", "l1_ratio", "solver", "class_weight"),
    "RandomForestClassifier": ("n_estimators", "max_features", "max_depth", "min_samples_leaf", "criterion",
                               "bootstrap"),
    "ExtraTreesClassifier": ("n_estimators", "max_features", "max_depth", "min_samples_leaf", "criterion",
                             "bootstrap"),
    "SVC": ("C", "kernel", "gamma", "class_weight"),
}


def _trial_pipelines(est):
    return [est.search_space_.evaluate(trial.point) for trial in est.trials_]


def test_the_first_trials_are_the_learners_defaults():
    from sklearn import ensemble, linear_model, svm

    X, y = load_breast_cancer(return_X_y=True)
    # What is checked is the points tried, which neither the folds nor the
    # ensemble change: three folds and no ensemble make the eight trials quicker.
    est = HyperoptClassifier(max_evals=8, cv=3, ensemble_size=0, random_state=0).fit(X, y)
    parts = _trial_pipelines(est)
    names = [type(p["learner"]).__name__ for p in parts[:7]]
    assert names == ["HistGradientBoostingClassifier", "LogisticRegression", "RandomForestClassifier",
                     "XGBClassifier", "ExtraTreesClassifier", "SVC"] + names[6:]
    for p in parts[:6]:
        learner = p["learner"]
        name = type(learner).__name__
        if name in _DEFAULTS:
            default = getattr(ensemble, name, None) or getattr(linear_model, name, None) or getattr(svm, name)
            keys = _DEFAULTS[name]
            assert {k: learner.get_params()[k] for k in keys} == {k: default().get_params()[k] for k in keys}
        scaled = name in ("LogisticRegression", "SVC")
        assert [type(step).__name__ for step in p["preprocessing"]] == (["StandardScaler"] if scaled else [])
    assert parts[3]["learner"].get_params()["max_depth"] == 6
    # The search goes on from there: the eighth trial is TPE's (a draw from the prior).
    assert len(est.trials_) == 8


def test_starting_points_on_a_frame_pair_boosting_with_native_columns_and_ridge_with_one_hot():
    pd = pytest.importorskip("pandas")
    X, y = load_diabetes(return_X_y=True, as_frame=True)
    X["sex"] = np.where(X["sex"] > 0, "m", "f")
    X.loc[::7, "bmi"] = np.nan
    est = HyperoptRegressor(max_evals=3, random_state=0).fit(X, y)
    hgb, ridge = _trial_pipelines(est)[:2]
    assert type(hgb["learner"]).__name__ == "HistGradientBoostingRegressor"
    assert hgb["learner"].get_params()["categorical_features"] == [0] and hgb["preprocessing"] == []
    assert type(ridge["learner"]).__name__ == "Ridge" and ridge["learner"].alpha == 1.0
    columns = ridge["ex_preprocs"][0]
    encoder = columns.transformers[1][1].steps[-1][1]
    assert type(encoder).__name__ == "OneHotEncoder" and encoder.min_frequency == 1
    assert [type(step).__name__ for step in ridge["preprocessing"]] == ["StandardScaler"]
    assert isinstance(pd.DataFrame(est.cv_results_), pd.DataFrame)


def _entry_values(entry, point):
    """The values ``point`` gives the keys (label endings) of a STARTING_POINTS-form ``entry``."""
    values = {}
    for key in entry:
        label = next((label for label in point if label == key or label.endswith("." + key)), None)
        if label is not None:
            values[key] = point[label]
    return values


@pytest.mark.parametrize("task", ["classification", "regression"])
def test_the_portfolio_starting_points_are_the_learned_portfolio_in_its_order(task):
    from hpsk.components import learned_portfolio

    portfolio = learned_portfolio(task)
    assert 8 <= len(portfolio) <= 32
    n = len(portfolio)
    if task == "classification":
        X, y = load_breast_cancer(return_X_y=True)
        est = HyperoptClassifier(max_evals=n, cv=2, ensemble_size=0, refit=False, random_state=0,
                                 starting_points="portfolio")
    else:
        X, y = load_diabetes(return_X_y=True)
        est = HyperoptRegressor(max_evals=n, cv=2, ensemble_size=0, refit=False, random_state=0,
                                starting_points="portfolio")
    est.fit(X, y)
    # On numeric arrays every entry's learner is in the default space, so the
    # trials are the entries in order, with each setting the space has.
    assert len(est.trials_) == n
    for entry, trial in zip(portfolio, est.trials_):
        anchor = next(iter(entry))
        assert _entry_values(entry, trial.point)[anchor] == entry[anchor]
        given = _entry_values(entry, trial.point)
        assert given == {key: entry[key] for key in given}
        assert len(given) >= 2


@pytest.mark.parametrize("task", ["classification", "regression"])
def test_the_shipped_portfolio_fits_the_current_priors(task):
    # A change of the priors that moves an option, removes a label or narrows
    # a range makes the learned entries mean something else: rerun
    # benchmarks/portfolio.py then. Every key must still name a label of the
    # default space of a frame with every column kind, inside its prior, and
    # each choice must still pick the option it picked when it was learned.
    import json
    from importlib import resources

    pd = pytest.importorskip("pandas")
    from hpsk.components import learned_portfolio
    from hpsk.space import Choice, compile_space
    from hpsk.stages.inputs import read_inputs
    from hpsk.stages.search_space import portfolio_points, search_space

    rng = np.random.default_rng(0)
    X = pd.DataFrame({"x": rng.normal(size=200), "gaps": np.where(rng.random(200) < 0.2, np.nan, 1.0),
                      "level": pd.Categorical(rng.choice(list("abc"), 200)),
                      "many": pd.Categorical(rng.choice([f"l{i}" for i in range(120)], 200))})
    y = rng.integers(0, 2, 200) if task == "classification" else rng.normal(size=200)
    owner = HyperoptClassifier() if task == "classification" else HyperoptRegressor()
    inputs = read_inputs(owner, X, y, None, None, task)
    space = compile_space(search_space(inputs, space=None, learner=None, preprocessing=None, ex_preprocs=[],
                                       preprocess_by_default=True, exogenous_widths=None, owner="Est"))
    shipped = json.loads(resources.files("hpsk.components").joinpath("portfolio.json").read_text())[task]
    assert [item["point"] for item in shipped] == learned_portfolio(task)
    for item in shipped:
        entry = item["point"]
        [point] = portfolio_points(space, [entry], rng)
        assert _entry_values(entry, point) == entry, entry
        for key, value in entry.items():
            label = next(label for label in point if label == key or label.endswith("." + key))
            node = space.nodes[label]
            assert (repr(node.options[value]) if isinstance(node, Choice) else value) == item["names"][key], key


def test_the_portfolio_comes_with_the_defaults_of_learners_it_leaves_out():
    from hpsk.components import learned_portfolio, ridge_classifier

    entries = learned_portfolio("classification")
    assert not any(next(iter(entry)).startswith("ridge.") for entry in entries)
    logistic = [e for e in entries if next(iter(e)).startswith("logistic_regression.")]
    X, y = load_iris(return_X_y=True)
    learner = hp.choice("clf", [ridge_classifier("clf.ridge"), logistic_regression("clf.logistic_regression")])
    est = HyperoptClassifier(classifier=learner, max_evals=len(logistic) + 1, ensemble_size=0,
                             refit=False, random_state=0, starting_points="portfolio").fit(X, y)
    # The portfolio's logistic regressions first, then the hand-written ridge
    # default (alpha=1 on standardised columns), which the portfolio has no entry for.
    points = [trial.point for trial in est.trials_]
    assert [p["clf.logistic_regression.C"] for p in points[:-1]] == [e["logistic_regression.C"] for e in logistic]
    assert points[-1]["clf.ridge.alpha"] == 1.0 and points[-1]["preprocessing.standard_scaler.with_mean"] == 0


def test_starting_points_can_be_given_or_turned_off():
    X, y = load_iris(return_X_y=True)
    given = HyperoptClassifier(max_evals=2, random_state=0,
                               starting_points=[{"classifier.logistic_regression.C": 0.5}]).fit(X, y)
    first = _trial_pipelines(given)[0]["learner"]
    assert type(first).__name__ == "LogisticRegression" and first.C == 0.5
    auto = HyperoptClassifier(max_evals=1, random_state=0).fit(X, y)
    off = HyperoptClassifier(max_evals=1, random_state=0, starting_points=None).fit(X, y)
    assert auto.trials_[0].point != off.trials_[0].point
    with pytest.raises(ValueError, match=r"starting_points: unknown label\(s\) \['C'\]"):
        HyperoptClassifier(max_evals=1, starting_points=[{"C": 1.0}]).fit(X, y)


def test_starting_points_keep_inside_a_narrowed_prior():
    import math

    from hpsk.components import hist_gradient_boosting_classifier

    X, y = load_iris(return_X_y=True)
    name = "clf.hist_gradient_boosting"
    learner = hist_gradient_boosting_classifier(name, max_leaf_nodes=15,
                                                max_iter=hp.randint(f"{name}.max_iter", 10, 51))
    est = HyperoptClassifier(classifier=learner, max_evals=1, random_state=0)
    params = est.fit(X, y).best_estimator_[-1].get_params()
    # The default learning rate is in the prior and used; 100 rounds are not, so they are drawn.
    assert params["learning_rate"] == 0.1 and params["max_leaf_nodes"] == 15 and 10 <= params["max_iter"] <= 50
    assert not math.isnan(est.best_score_)
    # The learned portfolio's boosting entries are tried, inside the narrowed prior.
    from hpsk.components import learned_portfolio

    boosting = [e for e in learned_portfolio("classification") if next(iter(e)).startswith("hist_gradient")]
    est = HyperoptClassifier(classifier=learner, max_evals=2, ensemble_size=0, random_state=0,
                             starting_points="portfolio").fit(X, y)
    for entry, trial in zip(boosting, est.trials_):
        assert trial.point[f"{name}.learning_rate"] == entry["hist_gradient_boosting.learning_rate"]
        assert 10 <= trial.point[f"{name}.max_iter"] <= 50 and f"{name}.max_leaf_nodes" not in trial.point


def test_default_classifier_search_always_has_predict_proba(iris):
    # The issue's probe: the winner here is an SVC, which has no probabilities of its own.
    X, y = iris
    model = HyperoptClassifier(max_evals=6, random_state=0, ensemble_size=0).fit(X, y)
    assert "(calibrated)" in model.describe()
    proba = model.predict_proba(X)
    assert proba.shape == (150, 3) and np.allclose(proba.sum(axis=1), 1)
    # Calibration keeps the learner's own predictions (temperature scaling keeps the argmax).
    learner = model.best_estimator_.steps[-1][1]
    raw = make_pipeline(*[clone(step) for _, step in model.best_estimator_.steps[:-1]],
                        clone(learner.estimator)).fit(X, y)
    assert (model.predict(X) == raw.predict(X)).mean() == 1.0


def test_a_user_space_without_probabilities_says_so(iris):
    from hpsk import linear_svc

    X, y = iris
    model = HyperoptEstimator(classifier=linear_svc("svm"), max_evals=2, random_state=0).fit(X, y)
    assert not hasattr(model, "predict_proba") and hasattr(model, "decision_function")
    with pytest.raises(AttributeError, match=r"LinearSVC\) has no predict_proba.*CalibratedClassifierCV"):
        model.predict_proba(X)


def test_max_evals_none_searches_until_the_time_budget(iris):
    import time

    X, y = iris
    start = time.monotonic()
    model = HyperoptClassifier(classifier="k_neighbors_classifier", max_evals=None, time_budget=3,
                               random_state=0).fit(X, y)
    assert 2.0 < time.monotonic() - start < 4.0  # the search ran until the clock, then stopped
    assert len(model.trials_) > 10
    assert HyperoptClassifier().get_params()["max_evals"] is None
    small = HyperoptClassifier(classifier="k_neighbors_classifier", random_state=0).fit(X, y)
    assert len(small.trials_) == 50  # no budget at all: 50 trials


def test_multi_output_regression_searches_learners_for_several_targets():
    from sklearn.datasets import make_regression

    X, Y = make_regression(300, 6, n_targets=3, noise=5.0, random_state=0)
    X_train, X_test, Y_train, Y_test = train_test_split(X, Y, random_state=0)
    model = HyperoptRegressor(max_evals=8, random_state=0).fit(X_train, Y_train)
    assert model.trials_.n_ok == 8  # single-target learners run once per target
    learners = set(model.cv_results_["learner"])
    assert any(name.endswith("(per target)") for name in learners)
    assert model.predict(X_test).shape == (len(X_test), 3)
    assert model.score(X_test, Y_test) > 0.8


def test_labels_encoded_says_whether_the_winner_predicts_class_codes(iris):
    import pickle

    X, y = iris
    labels = np.array(["setosa", "versicolor", "virginica"])[y]
    xgb = HyperoptEstimator(classifier=xgboost_classification("xgb", n_estimators=10), max_evals=2,
                            ensemble_size=0, random_state=0).fit(X, labels)
    assert xgb.labels_encoded_ is True  # XGBoost takes codes 0..n_classes-1 only
    codes = xgb.best_estimator_.predict(X)
    assert set(codes) <= {0, 1, 2}
    np.testing.assert_array_equal(xgb.classes_[codes], xgb.predict(X))
    lr = HyperoptEstimator(classifier=logistic_regression("lr"), max_evals=2, ensemble_size=0,
                           random_state=0).fit(X, labels)
    assert lr.labels_encoded_ is False
    np.testing.assert_array_equal(lr.best_estimator_.predict(X), lr.predict(X))
    X_reg, y_reg = load_diabetes(return_X_y=True)
    assert HyperoptRegressor(max_evals=2, random_state=0).fit(X_reg[:100], y_reg[:100]).labels_encoded_ is False
    # A model pickled before the attribute was public kept it as ``_encoded_labels_``.
    state = dict(vars(xgb))
    state["_encoded_labels_"] = state.pop("labels_encoded_")
    old = HyperoptEstimator.__new__(HyperoptEstimator)
    old.__dict__.update(state)
    loaded = pickle.loads(pickle.dumps(old))
    assert loaded.labels_encoded_ is True and not hasattr(loaded, "_encoded_labels_")
    np.testing.assert_array_equal(loaded.predict(X), xgb.predict(X))


@pytest.mark.timeout(120)
def test_time_budget_stops_the_trial_running_at_the_deadline_with_one_worker():
    # A Gaussian process on digits takes a minute per trial; with n_jobs=1 and no
    # trial_timeout the search used to wait for it. Now its worker is stopped at the
    # deadline and the k-nearest-neighbours model that finished first is refitted.
    import time

    from hpsk import gaussian_process_classifier

    X, y = load_digits(return_X_y=True)
    space = hp.choice("clf", [k_neighbors_classifier("knn"), gaussian_process_classifier("gpc")])
    start = time.monotonic()
    model = HyperoptEstimator(classifier=space, preprocessing=[], time_budget=8, max_evals=None,
                              n_jobs=1, starting_points=[{"clf": 0}, {"clf": 1}], random_state=0)
    model.fit(X, y)
    assert time.monotonic() - start < 20  # the Gaussian process alone needs far longer
    assert model.trials_.trials[1].status == "timeout"
    assert "KNeighborsClassifier" in model.describe()
