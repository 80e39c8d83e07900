"""The command line through its real entry point: ``python -m hpsk fit / predict / show``."""

import io
import os
import subprocess
import sys

import joblib
import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_diabetes, load_iris

from hpsk.ensembling import member_pipelines

# One native thread: OpenMP pools that spin on a busy machine are slow.
ENV = {**os.environ, "OMP_NUM_THREADS": "1"}
SPECIES = np.array(["setosa", "versicolor", "virginica"])


def hpsk(*args, cwd):
    return subprocess.run([sys.executable, "-m", "hpsk", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, env=ENV, timeout=300)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    """iris as CSV, with a text target, a text feature and a missing value."""
    folder = tmp_path_factory.mktemp("cli")
    data = load_iris(as_frame=True).frame
    data["species"] = SPECIES[data.pop("target")]
    data["size"] = np.where(data["sepal length (cm)"] > 5.8, "large", "small")
    data.loc[3, "petal width (cm)"] = np.nan
    data.to_csv(folder / "train.csv", index=False)
    data.drop(columns="species").to_csv(folder / "test.csv", index=False)
    return folder


@pytest.fixture(scope="module")
def fitted(workdir):
    result = hpsk("fit", "train.csv", "--target", "species", "--max-evals", 5, "--algo", "rand",
                  "--random-state", 0, "--output", "model.joblib", cwd=workdir)
    assert result.returncode == 0, result.stderr
    return result


def test_fit_prints_progress_and_the_leaderboard_and_saves_a_bundle(fitted, workdir):
    assert "5/5" in fitted.stderr  # the progress bar reached the end
    out = fitted.stdout
    assert "target 'species' (classification)" in out
    assert "1 non-numeric" in out
    header = next(line for line in out.splitlines() if line.strip().startswith("rank"))
    assert header.split() == ["rank", "learner", "preprocessing", "mean_test_score",
                              "std_test_score", "mean_fit_time", "status"]
    assert "saved to model.joblib" in out
    bundle = joblib.load(workdir / "model.joblib")
    assert bundle["target"] == "species" and bundle["task"] == "classification"
    assert "size" in bundle["input_columns"]
    for pipeline in member_pipelines(bundle["estimator"].best_estimator_):
        assert type(pipeline.steps[0][1]).__name__ == "ColumnTransformer"
    assert len(bundle["estimator"].trials_) == 5


def test_predict_writes_one_prediction_per_row(fitted, workdir):
    result = hpsk("predict", "model.joblib", "test.csv", "--output", "preds.csv", cwd=workdir)
    assert result.returncode == 0, result.stderr
    assert "wrote 150 predictions to preds.csv" in result.stderr
    predictions = pd.read_csv(workdir / "preds.csv")
    assert list(predictions.columns) == ["species"]
    truth = pd.read_csv(workdir / "train.csv")["species"]
    assert set(predictions["species"]) <= set(SPECIES)
    assert (predictions["species"] == truth).mean() > 0.9


def test_predict_reads_a_new_file_like_the_training_file(fitted, workdir):
    # Reordered columns, an extra column and a category never seen in training.
    test = pd.read_csv(workdir / "test.csv")
    test = test[test.columns[::-1]].assign(note="x")
    test.loc[0, "size"] = "huge"
    test.to_csv(workdir / "shuffled.csv", index=False)
    result = hpsk("predict", "model.joblib", "shuffled.csv", cwd=workdir)
    assert result.returncode == 0, result.stderr
    from_stdout = pd.read_csv(io.StringIO(result.stdout))
    # The training columns in training order, whatever the file's order and extras.
    bundle = joblib.load(workdir / "model.joblib")
    expected = bundle["estimator"].predict(test[bundle["input_columns"]])
    assert list(from_stdout.columns) == ["species"]
    np.testing.assert_array_equal(from_stdout["species"].to_numpy(), expected)


def test_show_prints_the_pipeline_scores_and_versions(fitted, workdir):
    result = hpsk("show", "model.joblib", cwd=workdir)
    assert result.returncode == 0, result.stderr
    estimator = joblib.load(workdir / "model.joblib")["estimator"]
    out = result.stdout
    heaviest = member_pipelines(estimator.best_estimator_)[0]
    learner = type(heaviest.steps[-1][1]).__name__
    assert f"chosen: {estimator.describe()}" in out
    assert f"'{heaviest.steps[-1][0]}'" in out and learner in out
    assert f"validation accuracy {estimator.best_score_:.4f}" in out
    assert "5 trials (0 failed)" in out
    import sklearn

    assert f"scikit-learn: {sklearn.__version__} / {sklearn.__version__}" in out


def test_fit_infers_regression_for_a_continuous_target(tmp_path):
    X, y = load_diabetes(return_X_y=True, as_frame=True)
    X.assign(progression=y + 0.5).iloc[:120].to_csv(tmp_path / "diabetes.csv", index=False)
    result = hpsk("fit", "diabetes.csv", "--target", "progression", "--max-evals", 3,
                  "--algo", "rand", "--random-state", 0, "--time-budget", 120, "--quiet",
                  "--ensemble-size", 0, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "(regression)" in result.stdout
    assert result.stderr == ""  # --quiet: no progress bar
    estimator = joblib.load(tmp_path / "model.joblib")["estimator"]
    assert type(estimator).__name__ == "HyperoptRegressor"
    assert estimator.ensemble_size == 0 and type(estimator.best_estimator_).__name__ == "Pipeline"


@pytest.mark.parametrize("args, message", [
    (("fit", "missing.csv", "--target", "species"), "no such file: 'missing.csv'"),
    (("fit", "train.csv", "--target", "specie"), "no column 'specie'; did you mean 'species'"),
    (("fit", "train.csv", "--target", "species", "--max-evals", "ten"),
     "--max-evals: expected a positive integer, got 'ten'"),
    (("fit", "train.csv", "--target", "species", "--ensemble-size", "-1"),
     "--ensemble-size: expected a non-negative integer, got '-1'"),
    (("fit", "train.csv", "--target", "species", "--time-budget", "-5"),
     "--time-budget: expected a positive, finite number of seconds"),
    (("predict", "train.csv", "test.csv"), "cannot load 'train.csv' as a model"),
])
def test_errors_are_one_line_with_exit_status_2(workdir, args, message):
    result = hpsk(*args, cwd=workdir)
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("hpsk") and message in lines[0]


def test_predict_reports_missing_columns(fitted, workdir):
    pd.read_csv(workdir / "test.csv").drop(columns=["size"]).to_csv(workdir / "short.csv", index=False)
    result = hpsk("predict", "model.joblib", "short.csv", cwd=workdir)
    assert result.returncode == 2
    assert result.stderr.strip() == ("hpsk: error: 'short.csv' lacks 1 feature column(s) the model "
                                     "was trained on: 'size'")
