"""DataFrames as users have them: mixed column types, missing values, dates, string labels."""

import numpy as np
import pytest

from hpsk import HyperoptClassifier, HyperoptRegressor
from hpsk.tabular import column_kinds, prepare_frame

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
    assert type(model.best_estimator_.steps[0][1]).__name__ == "ColumnTransformer"


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
