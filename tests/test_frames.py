"""Frames as users have them in 2026: polars, pyarrow-backed and nullable pandas.

Each backend must give the estimators what a numpy-backed pandas frame gives
them: the same prepared frame, the same column kinds, and so the same search
and the same predictions for the same ``random_state``.
"""

import datetime as dt
import io
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer, load_diabetes

from hpsk import HyperoptClassifier, HyperoptRegressor
from hpsk.tabular import as_pandas_frame, as_target_array, column_kinds, is_frame, prepare_frame

pd = pytest.importorskip("pandas")

N_ROWS = 240
LEVELS = ["low", "mid", "high"]
REGIONS = ["north", "south", "east", "west"]


def _extra_columns(n, seed):
    """Categorical, string, boolean, integer and date columns with nulls (python values)."""
    rng = np.random.default_rng(seed)

    def with_nulls(values, share=0.12):
        return [None if rng.random() < share else v for v in values]

    start = dt.datetime(2021, 1, 1)
    return {
        "grade": with_nulls(rng.choice(LEVELS, n).tolist()),
        "region": with_nulls(rng.choice(REGIONS, n).tolist()),
        "screened": with_nulls(rng.choice([True, False], n).tolist()),
        "visits": with_nulls(rng.integers(0, 12, n).tolist()),
        "seen": with_nulls([start + dt.timedelta(hours=int(h)) for h in rng.integers(0, 20_000, n)]),
    }


def _numpy_backed(numbers, extra):
    """The frame as numpy-backed pandas holds it (pandas' default ``str`` for strings)."""
    frame = numbers.copy()
    frame["grade"] = pd.Categorical(extra["grade"])
    frame["region"] = extra["region"]
    frame["screened"] = pd.Series(extra["screened"], dtype=object)
    frame["visits"] = pd.Series(extra["visits"], dtype=float)
    frame["seen"] = pd.to_datetime(pd.Series(extra["seen"], dtype=object))
    return frame


def _polars(numbers, extra, *, enum=False):
    pl = pytest.importorskip("polars")
    columns = {name: pl.Series(name, numbers[name].to_numpy()) for name in numbers.columns}
    grade = pl.Enum(LEVELS) if enum else pl.Categorical
    columns.update(
        grade=pl.Series("grade", extra["grade"], dtype=pl.String).cast(grade),
        region=pl.Series("region", extra["region"], dtype=pl.String),
        screened=pl.Series("screened", extra["screened"], dtype=pl.Boolean),
        visits=pl.Series("visits", extra["visits"], dtype=pl.Int64),
        seen=pl.Series("seen", extra["seen"], dtype=pl.Datetime("us")),
    )
    return pl.DataFrame(list(columns.values()))


def _pyarrow_backed(numbers, extra):
    pa = pytest.importorskip("pyarrow")
    frame = _numpy_backed(numbers, extra).convert_dtypes(dtype_backend="pyarrow")
    frame["grade"] = pd.Series(pa.array(extra["grade"], pa.string()).dictionary_encode(),
                               dtype=pd.ArrowDtype(pa.dictionary(pa.int32(), pa.string())))
    frame["region"] = pd.Series(extra["region"], dtype=pd.ArrowDtype(pa.string()))
    frame["seen"] = frame["seen"].astype("timestamp[ns][pyarrow]")
    return frame


def _read_csv_pyarrow(frame):
    pytest.importorskip("pyarrow")
    text = frame.to_csv(index=False)
    return pd.read_csv(io.StringIO(text), dtype_backend="pyarrow", parse_dates=["seen"])


def _classification_data(n=N_ROWS, seed=0):
    data = load_breast_cancer(as_frame=True)
    rows = np.random.default_rng(seed).permutation(len(data.frame))[:n]
    numbers = data.data.iloc[rows, :6].reset_index(drop=True)
    numbers.loc[np.random.default_rng(seed + 1).random(n) < 0.1, "mean texture"] = np.nan
    labels = data.target_names[data.target.to_numpy()[rows]]
    return numbers, _extra_columns(n, seed), labels


def _regression_data(n=N_ROWS, seed=0):
    data = load_diabetes(as_frame=True)
    numbers = data.data.iloc[:n, :5].reset_index(drop=True)
    numbers.loc[np.random.default_rng(seed + 1).random(n) < 0.1, "bmi"] = np.nan
    return numbers, _extra_columns(n, seed), data.target.to_numpy()[:n]


def _frame_with(numbers, extra, backend):
    if backend == "numpy":
        return _numpy_backed(numbers, extra)
    if backend == "nullable":
        return _numpy_backed(numbers, extra).convert_dtypes()
    if backend == "pyarrow":
        return _pyarrow_backed(numbers, extra)
    if backend == "read_csv_pyarrow":
        return _read_csv_pyarrow(_numpy_backed(numbers, extra))
    if backend == "polars":
        return _polars(numbers, extra)
    if backend == "polars_enum":
        return _polars(numbers, extra, enum=True)
    raise AssertionError(backend)


BACKENDS = ["nullable", "pyarrow", "read_csv_pyarrow", "polars", "polars_enum"]


def _fit_kwargs():
    return {"max_evals": 4, "random_state": 0, "cv": 3}


@pytest.fixture(scope="module")
def classification():
    numbers, extra, labels = _classification_data()
    reference = _numpy_backed(numbers, extra)
    model = HyperoptClassifier(**_fit_kwargs()).fit(reference, labels)
    return numbers, extra, labels, model


# ---- conversion and column kinds ---------------------------------------------


@pytest.mark.parametrize("backend", BACKENDS)
def test_every_backend_prepares_to_the_numpy_backed_frame(backend):
    numbers, extra, _ = _classification_data()
    reference = prepare_frame(_numpy_backed(numbers, extra), "test")
    frame = _frame_with(numbers, extra, backend)
    assert is_frame(frame)
    prepared = prepare_frame(frame, "test")
    pd.testing.assert_frame_equal(prepared, reference)
    assert column_kinds(prepared) == column_kinds(reference)
    kinds = column_kinds(reference)
    assert {"grade", "region", "screened"} <= set(kinds.categorical)
    assert {"visits", "seen__days", "seen__hour", "mean texture"} <= set(kinds.numeric)
    # What the encoders and learners downstream take: float64 with NaN, object strings with NaN.
    assert prepared["visits"].dtype == np.float64 and prepared["visits"].isna().any()
    assert prepared["region"].dtype == object and prepared["region"].isna().any()
    assert {type(v) for v in prepared["screened"].dropna()} == {str}


def test_plain_string_columns_are_object_strings_whatever_the_default_string_dtype():
    frame = pd.DataFrame({"a": ["x", "y", None], "b": [1, 2, 3]})
    prepared = prepare_frame(frame, "test")
    assert prepared["a"].dtype == object and prepared["a"].tolist()[:2] == ["x", "y"]
    assert np.isnan(prepared["a"].iloc[2]) and prepared["b"].dtype == np.int64
    assert column_kinds(prepared).categorical == ("a",) and column_kinds(prepared).numeric == ("b",)


def test_nullable_and_pyarrow_integers_without_nulls_stay_integers():
    pytest.importorskip("pyarrow")
    frame = pd.DataFrame({"a": pd.array([1, 2, 3], dtype="Int64"),
                          "b": pd.array([1, 2, 3], dtype="int64[pyarrow]"),
                          "c": pd.array([1, None, 3], dtype="int64[pyarrow]")})
    prepared = prepare_frame(frame, "test")
    assert list(prepared.dtypes) == [np.int64, np.int64, np.float64]


def test_time_zones_durations_and_dates_match_across_backends():
    pl = pytest.importorskip("polars")
    pa = pytest.importorskip("pyarrow")
    stamps = [dt.datetime(2021, 3, 28, 1, 30), None, dt.datetime(2021, 10, 31, 23, 0)]
    waits = [dt.timedelta(hours=36), None, dt.timedelta(days=2)]
    days = [dt.date(2020, 2, 29), dt.date(2021, 1, 4), None]
    numpy_backed = pd.DataFrame({
        "at": pd.to_datetime(pd.Series(stamps, dtype=object)).dt.tz_localize("Europe/Paris"),
        "wait": pd.to_timedelta(pd.Series(waits, dtype=object)),
        "day": pd.to_datetime(pd.Series(days, dtype=object)),
    })
    polars = pl.DataFrame([pl.Series("at", stamps).dt.replace_time_zone("Europe/Paris"),
                           pl.Series("wait", waits), pl.Series("day", days, dtype=pl.Date)])
    arrow = pd.DataFrame({
        "at": numpy_backed["at"].astype(pd.ArrowDtype(pa.timestamp("us", tz="Europe/Paris"))),
        "wait": numpy_backed["wait"].astype("duration[ns][pyarrow]"),
        "day": pd.Series(days, dtype=pd.ArrowDtype(pa.date32())),
    })
    reference = prepare_frame(numpy_backed, "test")
    assert reference["at__hour"].tolist()[::2] == [1.0, 23.0]  # local wall time
    np.testing.assert_allclose(reference["wait"], [1.5, np.nan, 2.0])
    for frame in (polars, arrow):
        pd.testing.assert_frame_equal(prepare_frame(frame, "test"), reference)


def test_polars_frames_convert_without_pyarrow():
    pytest.importorskip("polars")
    script = textwrap.dedent("""
        import sys

        class NoPyarrow:  # as if pyarrow were not installed
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] == "pyarrow":
                    raise ModuleNotFoundError("No module named 'pyarrow'")

        sys.meta_path.insert(0, NoPyarrow())
        import polars as pl
        from hpsk.tabular import column_kinds, prepare_frame
        frame = pl.DataFrame({"x": [1.0, None, 3.0, 4.0], "n": [1, None, 3, 4],
                              "s": ["a", None, "b", "a"], "b": [True, None, False, True],
                              "c": pl.Series(["u", "v", None, "u"], dtype=pl.Categorical)})
        prepared = prepare_frame(frame, "test")
        kinds = column_kinds(prepared)
        assert kinds.numeric == ("x", "n") and kinds.categorical == ("s", "b", "c"), kinds
        assert prepared["b"].tolist()[::2] == ["True", "False"], prepared
        assert "pyarrow" not in sys.modules
        print("ok")
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stderr


def test_targets_of_every_backend_become_numpy_arrays():
    pl = pytest.importorskip("polars")
    pytest.importorskip("pyarrow")
    labels = ["yes", "no", "yes"]
    targets = (pl.Series(labels), pl.Series(labels, dtype=pl.Categorical),
               pl.Series(labels, dtype=pl.Enum(["no", "yes"])), pd.Series(labels, dtype="string[pyarrow]"),
               pd.Series(labels, dtype="category"), pd.Series(labels))
    for y in targets:
        values = as_target_array(y)
        assert isinstance(values, np.ndarray) and values.tolist() == labels, type(y)
    assert as_target_array(pd.Series([1, 2], dtype="int64[pyarrow]")).dtype == np.int64
    assert as_target_array(pl.Series([1.5, 2.0])).dtype == np.float64
    assert as_target_array(pd.Series([True, False], dtype="boolean")).dtype == bool
    np.testing.assert_array_equal(as_target_array(pd.Series([1, None], dtype="Int64")), [1.0, np.nan])
    two = as_target_array(pl.DataFrame({"a": [1.0, 2.0], "b": [3, 4]}))
    assert two.shape == (2, 2) and two.dtype == np.float64
    plain = [1, 2, 3]
    assert as_target_array(plain) is plain
    assert as_pandas_frame(plain) is plain


# ---- end to end ------------------------------------------------------------------


@pytest.mark.parametrize("backend", ["polars", "pyarrow"])
def test_classifier_on_another_backend_searches_and_predicts_as_numpy_backed_pandas(backend, classification):
    pytest.importorskip(backend)
    numbers, extra, labels, reference = classification
    frame = _frame_with(numbers, extra, backend)
    if backend == "polars":
        import polars as pl

        y = pl.Series("diagnosis", labels)
    else:
        y = pd.Series(labels, dtype="string[pyarrow]")
    model = HyperoptClassifier(**_fit_kwargs()).fit(frame, y)

    assert model.trials_.n_ok == len(model.trials_), model.trials_.first_error()
    np.testing.assert_array_equal(model.feature_names_in_, reference.feature_names_in_)
    np.testing.assert_array_equal(model.classes_, reference.classes_)
    assert model.best_params_ == reference.best_params_
    np.testing.assert_allclose(model.cv_results_["mean_test_score"], reference.cv_results_["mean_test_score"])
    predictions = model.predict(frame)
    np.testing.assert_array_equal(predictions, reference.predict(_numpy_backed(numbers, extra)))
    np.testing.assert_allclose(model.predict_proba(frame),
                               reference.predict_proba(_numpy_backed(numbers, extra)))
    assert set(predictions) <= set(labels)
    assert model.score(frame, y) == pytest.approx(reference.score(_numpy_backed(numbers, extra), labels))


def test_polars_fit_predicts_pandas_frames_and_pandas_fit_predicts_polars(classification):
    pytest.importorskip("polars")
    pytest.importorskip("pyarrow")
    numbers, extra, labels, reference = classification
    expected = reference.predict(_numpy_backed(numbers, extra))
    for backend in ("polars", "polars_enum", "pyarrow", "nullable", "read_csv_pyarrow"):
        np.testing.assert_array_equal(reference.predict(_frame_with(numbers, extra, backend)), expected)
    model = HyperoptClassifier(**_fit_kwargs()).fit(_frame_with(numbers, extra, "polars"), labels)
    for backend in ("numpy", "pyarrow", "polars_enum"):
        np.testing.assert_array_equal(model.predict(_frame_with(numbers, extra, backend)), expected)
    with pytest.raises(ValueError, match="feature names"):
        model.predict(_frame_with(numbers, extra, "polars").rename({"region": "area"}))


def test_unseen_levels_and_nulls_at_predict_time(classification):
    pl = pytest.importorskip("polars")
    pa = pytest.importorskip("pyarrow")
    numbers, extra, labels, reference = classification
    n = 6
    new_numbers = numbers.head(n).copy()
    new_numbers["mean texture"] = np.nan  # all missing at predict time
    new_extra = {name: values[:n] for name, values in extra.items()}
    new_extra["grade"] = ["extreme", None] * (n // 2)  # a level never seen in fit
    new_extra["region"] = ["mars"] * (n - 1) + [None]
    new_extra["screened"] = [None] * n
    new_extra["visits"] = [None] * n

    expected = reference.predict(_numpy_backed(new_numbers, new_extra))
    assert len(expected) == n and set(expected) <= set(labels)
    polars = _polars(new_numbers, new_extra)
    arrow = _pyarrow_backed(new_numbers, new_extra)
    assert isinstance(polars["grade"].dtype, pl.Categorical)
    assert pa.types.is_dictionary(arrow["grade"].dtype.pyarrow_dtype)
    np.testing.assert_array_equal(reference.predict(polars), expected)
    np.testing.assert_array_equal(reference.predict(arrow), expected)
    np.testing.assert_allclose(reference.predict_proba(polars),
                               reference.predict_proba(_numpy_backed(new_numbers, new_extra)))


def test_regressor_on_pyarrow_and_polars_frames_matches_numpy_backed_pandas(predict_with_export):
    pl = pytest.importorskip("polars")
    pytest.importorskip("pyarrow")
    numbers, extra, target = _regression_data()
    kwargs = {**_fit_kwargs(), "ensemble_size": 0}
    reference = HyperoptRegressor(**kwargs).fit(_numpy_backed(numbers, extra), target)
    expected = reference.predict(_numpy_backed(numbers, extra))
    arrow = _read_csv_pyarrow(_numpy_backed(numbers, extra))
    model = HyperoptRegressor(**kwargs).fit(arrow, pd.Series(target, dtype="double[pyarrow]"))
    np.testing.assert_allclose(model.predict(arrow), expected)
    assert model.best_params_ == reference.best_params_
    polars = _polars(numbers, extra)
    model = HyperoptRegressor(**kwargs).fit(polars, pl.Series("target", target))
    np.testing.assert_allclose(model.predict(polars), expected)
    np.testing.assert_allclose(model.cv_results_["mean_test_score"], reference.cv_results_["mean_test_score"])
    assert model.score(polars, pl.Series(target)) == pytest.approx(
        reference.score(_numpy_backed(numbers, extra), target))
    # The exported script rebuilds the winner: fitted on the prepared frame, it predicts the same.
    exported = predict_with_export(model, prepare_frame(polars, "test"), target)
    np.testing.assert_allclose(exported, expected)


def test_polars_targets_go_with_arrays_and_lazy_frames_are_refused():
    pl = pytest.importorskip("polars")
    numbers, _, labels = _classification_data(n=120)
    X = numbers.fillna(0).to_numpy()
    model = HyperoptClassifier(classifier="k_neighbors_classifier", max_evals=2, random_state=0)
    model.fit(X, pl.Series("diagnosis", labels, dtype=pl.Categorical))
    assert set(model.classes_) == set(labels) and model.score(X, pl.Series(labels)) > 0.7
    with pytest.raises(TypeError, match=r"LazyFrame; pass the DataFrame X.collect\(\)"):
        model.fit(pl.from_numpy(X).lazy(), labels)
