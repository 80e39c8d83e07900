"""DataFrames as users have them: mixed column types, missing values, dates, string labels."""

import pickle

import numpy as np
from threadpoolctl import threadpool_limits
import pytest

from hpsk import HyperoptClassifier, HyperoptRegressor
from hpsk.components import any_classifier, any_regressor
from hpsk.ensembling import member_pipelines
from hpsk.export import export_code
from hpsk.space import compile_space
from hpsk.tabular import column_kinds, frame_space, prepare_frame

pd = pytest.importorskip("pandas")


def _messy_frame(n=240, seed=0):
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({
        "income": rng.normal(50, 10, n),
        "age": rng.integers(18, 90, n).astype(float),
        "city": rng.choice(["paris", "rome", "oslo"], n),
        "plan": pd.Categorical(rng.choice(["basic", "plus", "pro"], n)),
        "active": pd.array(rng.choice([True, False], n), dtype="boolean"),
        "joined": pd.to_datetime("2021-01-01") + pd.to_timedelta(rng.integers(0, 900, n), unit="D"),
        "customer": [f"c{i % 45}" for i in range(n)],
    })
    signal = (frame.income - 50) / 10 + (frame.city == "rome") * 1.5
    labels = np.where(signal + rng.normal(0, 0.3, n) > 0.4, "churn", "stay")
    for column in frame.columns:  # missing values in every column
        frame.loc[frame.sample(frac=0.1, random_state=len(column)).index, column] = None
    return frame, labels


def test_messy_dataframe_fits_and_predicts_with_unseen_levels():
    X, y = _messy_frame()
    model = HyperoptClassifier(max_evals=8, random_state=0).fit(X, y)
    assert model.trials_.statuses().count("fail") == 0, model.trials_.first_error()
    assert model.score(X, y) > 0.75
    np.testing.assert_array_equal(model.feature_names_in_, X.columns)
    new = X.head(6).copy()
    new["city"] = "tokyo"  # a level never seen in fit
    new["plan"] = pd.Categorical(["enterprise"] * 6)
    new["income"] = np.nan  # all missing at predict time
    predictions = model.predict(new)
    assert set(predictions) <= {"churn", "stay"} and len(predictions) == 6
    for pipeline in member_pipelines(model.best_estimator_):  # the winner, or each ensemble member
        assert type(pipeline.steps[0][1]).__name__ == "ColumnTransformer"


def test_regression_on_a_dataframe_with_categoricals():
    X, _ = _messy_frame(seed=1)
    y = X["income"].fillna(50).to_numpy() * 2 + (X["city"] == "oslo").to_numpy() * 5
    X = X.drop(columns=["income"])
    model = HyperoptRegressor(max_evals=6, random_state=0).fit(X, y)
    assert model.trials_.n_ok == 6 and np.isfinite(model.predict(X)).all()


def test_dates_become_numeric_parts_and_kinds_are_found():
    X, _ = _messy_frame()
    prepared = prepare_frame(X, "test")
    assert {"joined__days", "joined__month", "joined__weekday", "joined__hour"} <= set(prepared.columns)
    assert "joined" not in prepared.columns
    kinds = column_kinds(prepared)
    assert "income" in kinds.numeric and "joined__days" in kinds.numeric
    assert {"city", "plan", "active"} <= set(kinds.categorical)
    assert kinds.high_cardinality == ("customer",)


@pytest.mark.parametrize("change, message", [
    (lambda X: X.assign(income=X["income"].replace(X["income"].iloc[0], np.inf)), "column 'income' contains infinity"),
    (lambda X: X.assign(city=[1, "a"] * (len(X) // 2)), "column 'city' mixes value types"),
    (lambda X: X.assign(income=X["income"].astype(complex)), "column 'income' holds complex numbers"),
])
def test_bad_frames_name_the_column(change, message):
    X, y = _messy_frame(n=40)
    with pytest.raises(ValueError, match=message):
        HyperoptClassifier(max_evals=2).fit(change(X), y)


def test_bad_arrays_raise_clear_errors():
    X = np.random.default_rng(0).normal(size=(30, 3))
    y = np.arange(30) % 2
    with pytest.raises(ValueError, match="infinity"):
        HyperoptClassifier(max_evals=2).fit(np.where(X > 1.5, np.inf, X), y)
    with pytest.raises(ValueError, match="[Cc]omplex"):
        HyperoptClassifier(max_evals=2).fit(X + 1j, y)


def test_predict_checks_the_columns():
    X, y = _messy_frame(n=120)
    model = HyperoptClassifier(classifier="random_forest_classifier", max_evals=2, random_state=0).fit(X, y)
    with pytest.raises(ValueError, match="feature names"):
        model.predict(X.rename(columns={"city": "town"}))
    with pytest.raises(ValueError, match="fitted on a DataFrame"):
        model.predict(np.zeros((2, X.shape[1])))


# ---- native categorical handling --------------------------------------------


def _native_only(space, history, n, rng):
    """Random search restricted to the native pairing: forces that branch."""
    points = []
    while len(points) < n:
        points += [p for p in space.sample(8 * n, rng) if p.get("columns.handling") == 1]
    return points[:n]


def _unseen_and_missing(X):
    new = X.head(6).copy()
    new["city"] = "tokyo"  # a level never seen in fit
    new["plan"] = pd.Categorical(["enterprise"] * 6)
    new["income"] = np.nan  # all missing at predict time
    new["customer"] = None
    return new


def test_native_branch_gives_hist_gradient_boosting_the_categorical_columns():
    X, y = _messy_frame()
    model = HyperoptClassifier(classifier="hist_gradient_boosting_classifier", algo=_native_only,
                               max_evals=6, random_state=0).fit(X, y)
    assert model.trials_.statuses().count("fail") == 0, model.trials_.first_error()
    assert model.best_params_["columns.handling"] == "native"
    # every trial is native here, so is the heaviest member of an ensemble
    columns, learner = [step for _, step in member_pipelines(model.best_estimator_)[0].steps]
    assert type(columns).__name__ == "ColumnTransformer"
    assert type(learner).__name__ == "HistGradientBoostingClassifier"
    name, encoder, categorical = columns.transformers[0]
    assert name == "categorical" and type(encoder).__name__ == "OrdinalEncoder"
    assert categorical == ["city", "plan", "active", "customer"]  # customer: 45 levels, under 255
    assert learner.categorical_features == [0, 1, 2, 3]
    assert learner.is_categorical_.tolist() == [True] * 4 + [False] * (learner.n_features_in_ - 4)
    assert model.score(X, y) > 0.75
    predictions = model.predict(_unseen_and_missing(X))
    assert set(predictions) <= {"churn", "stay"} and len(predictions) == 6


def test_native_pipeline_pickles_and_exports_without_hpsk():
    X, y = _messy_frame(n=160)
    model = HyperoptClassifier(classifier="hist_gradient_boosting_classifier", algo=_native_only,
                               max_evals=2, random_state=0).fit(X, y)
    data = pickle.dumps(model.best_estimator_)
    assert b"hpsk" not in data
    prepared = prepare_frame(X, "test")
    np.testing.assert_array_equal(pickle.loads(data).predict(prepared),
                                  model.best_estimator_.predict(prepared))
    code = export_code(model)
    assert "hpsk import" not in code and "categorical_features=[0, 1, 2, 3]" in code
    namespace = {}
    exec(code, namespace)
    np.testing.assert_array_equal(namespace["fit"](prepared, y).predict(prepared), model.predict(X))


def test_default_spaces_offer_the_native_pairing():
    X, _ = _messy_frame(n=60)
    kinds = column_kinds(prepare_frame(X, "test"))
    for family, label, learners in [
        (any_classifier, "classifier", {"HistGradientBoostingClassifier", "XGBClassifier"}),
        (any_regressor, "regressor", {"HistGradientBoostingRegressor", "XGBRegressor"}),
    ]:
        space = compile_space(frame_space(family(label), [], [], kinds, classification=label == "classifier"))
        handling, natives = space.nodes["columns.handling"], space.nodes[f"{label}.native"]
        assert [option.fn.__name__ for option in handling.options] == ["encoded", "native"]
        assert handling.dist.probabilities[1] == pytest.approx(0.25)
        assert space.conditions[f"{label}.native"] == ((("columns.handling", 1),),)
        points = [p for p in space.sample(200, np.random.default_rng(0)) if p["columns.handling"] == 1]
        parts = [space.evaluate(point) for point in points]
        assert all(part["preprocessing"] == [] and len(part["ex_preprocs"]) == 1 for part in parts)
        assert len(natives.options) == 2 and {type(part["learner"]).__name__ for part in parts} == learners


def test_the_native_pairing_only_comes_with_native_learners():
    X, y = _messy_frame(n=80)
    forest = HyperoptClassifier(classifier="random_forest_classifier", max_evals=1, random_state=0).fit(X, y)
    assert "columns.handling" not in forest.search_space_.nodes
    scaled = HyperoptClassifier(classifier="hist_gradient_boosting_classifier",
                                preprocessing=["standard_scaler"], max_evals=1, random_state=0).fit(X, y)
    assert "columns.handling" not in scaled.search_space_.nodes
    boosted = HyperoptClassifier(classifier="hist_gradient_boosting_classifier", max_evals=1,
                                 random_state=0).fit(X, y)
    assert boosted.search_space_.nodes["columns.handling"].dist.probabilities == (0.5, 0.5)


def test_native_xgboost_takes_the_categories():
    X, y = _messy_frame(n=160)
    model = HyperoptClassifier(classifier="xgboost_classification", algo=_native_only, max_evals=2,
                               ensemble_size=0, random_state=0).fit(X, y)
    assert model.trials_.statuses().count("fail") == 0, model.trials_.first_error()
    learner = model.best_estimator_.steps[-1][1]
    assert learner.enable_categorical and learner.feature_types[:5] == ["c", "c", "c", "c", "q"]
    assert len(learner.feature_types) == model.best_estimator_.steps[0][1].transform(
        prepare_frame(X, "test")).shape[1]
    assert set(model.predict(_unseen_and_missing(X))) <= {"churn", "stay"}


def test_columns_with_more_levels_than_max_bins_are_not_declared_categorical():
    X, y = _messy_frame(n=600)
    X["street"] = [f"s{i % 300}" for i in range(len(X))]
    kinds = column_kinds(prepare_frame(X, "test"))
    assert kinds.too_many_levels == ("street",) and "street" in kinds.high_cardinality
    assert "street" not in kinds.native_categorical
    model = HyperoptRegressor(regressor="hist_gradient_boosting_regressor", algo=_native_only, max_evals=2,
                              ensemble_size=0, random_state=0).fit(X, (np.asarray(y) == "churn").astype(float))
    assert model.trials_.statuses().count("fail") == 0, model.trials_.first_error()
    columns, learner = [step for _, step in model.best_estimator_.steps]
    assert "street" not in columns.transformers[0][2] and learner.categorical_features == [0, 1, 2, 3]
    assert ("many_levels", "street") in [(name, cols[0]) for name, _, cols in columns.transformers]


# ---- text columns -----------------------------------------------------------


def _frame_with_text(n=200, seed=0):
    rng = np.random.default_rng(seed)
    filler = ["the", "delivery", "was", "quite", "item", "box", "arrived", "today", "and", "my", "order"]
    good, bad = ["excellent", "great", "lovely"], ["terrible", "broken", "awful"]
    labels = rng.choice(["pos", "neg"], n)
    reviews = [" ".join(rng.choice(filler, 8).tolist() + [rng.choice(good if label == "pos" else bad)])
               for label in labels]
    frame = pd.DataFrame({
        "price": rng.normal(20, 5, n),
        "store": rng.choice(["north", "south", "east"], n),
        "review": reviews,
    })
    frame.loc[::9, "review"] = None
    frame.loc[::11, "store"] = None
    return frame, labels


def test_text_columns_are_found():
    X, _ = _frame_with_text()
    kinds = column_kinds(prepare_frame(X, "test"))
    assert kinds.text == ("review",) and kinds.categorical == ("store",) and kinds.numeric == ("price",)
    messy, _ = _messy_frame()
    assert column_kinds(prepare_frame(messy, "test")).text == ()  # short ids are not text


def test_a_text_column_is_vectorised_in_a_mixed_frame():
    X, y = _frame_with_text()
    model = HyperoptClassifier(max_evals=6, random_state=0).fit(X, y)
    assert model.trials_.statuses().count("fail") == 0, model.trials_.first_error()
    columns = model.best_estimator_.steps[0][1]
    text = [(steps, cols) for name, steps, cols in columns.transformers if name.startswith("text")]
    assert len(text) == 1 and text[0][1] == ["review"]
    assert type(text[0][0].steps[-1][1]).__name__ == "TfidfVectorizer"
    assert model.score(X, y) > 0.8
    new = X.head(5).copy()
    new["review"] = [None, "", "an excellent box", "never seen words here at all", None]
    new["store"] = "west"
    assert set(model.predict(new)) <= {"pos", "neg"}
    code = export_code(model)
    namespace = {}
    exec(code, namespace)
    prepared = prepare_frame(X, "test")
    # One BLAS thread, as in the refit: a large-C SVC can flip near-tie
    # predictions on the last bits of a multi-threaded sum.
    with threadpool_limits(limits=1):
        rebuilt = namespace["fit"](prepared, y)
    np.testing.assert_array_equal(rebuilt.predict(prepared), model.predict(X))


def test_native_pairing_with_a_text_column():
    X, y = _frame_with_text(n=150)
    model = HyperoptClassifier(classifier="hist_gradient_boosting_classifier", algo=_native_only,
                               max_evals=2, random_state=0).fit(X, y)
    assert model.trials_.statuses().count("fail") == 0, model.trials_.first_error()
    learner = model.best_estimator_.steps[-1][1]
    assert learner.categorical_features == [0] and learner.is_categorical_[1:].sum() == 0
    new = X.head(4).copy()
    new["review"] = None
    new["store"] = "west"
    assert set(model.predict(new)) <= {"pos", "neg"}
