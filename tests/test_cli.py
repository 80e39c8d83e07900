"""The command line through its real entry point: ``python -m hpsk fit / predict / show``."""

import io
import os
import subprocess
import sys

import joblib
import numpy as np
import pandas as pd
import pytest
import sklearn
from sklearn.datasets import load_diabetes, load_iris
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from hpsk.ensembling import member_pipelines
from hpsk.export import export_code
from hpsk.persistence import load, save

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


def test_fit_prints_progress_and_the_leaderboard_and_saves_the_estimator(fitted, workdir):
    assert "5/5" in fitted.stderr  # the progress bar reached the end
    out = fitted.stdout
    assert "target 'species' (classification)" in out
    assert "1 non-numeric" in out
    header = next(line for line in out.splitlines() if line.strip().startswith("rank"))
    assert header.split() == ["rank", "learner", "preprocessing", "mean_test_score",
                              "std_test_score", "mean_fit_time", "status"]
    assert "saved to model.joblib" in out
    estimator = joblib.load(workdir / "model.joblib")
    assert type(estimator).__name__ == "HyperoptClassifier"
    info = estimator.training_info_
    assert info["target"] == "species" and info["task"] == "classification"
    assert info["input_columns"] == [c for c in pd.read_csv(workdir / "test.csv").columns]
    assert info["train_file"] == str(workdir / "train.csv") and info["n_rows"] == 150
    assert info["fit_seconds"] > 0 and info["created"].endswith("+00:00")
    assert info["versions"]["scikit-learn"] == sklearn.__version__
    assert list(info["versions"]) == ["hpsk", "scikit-learn", "numpy", "xgboost", "pandas", "python"]
    for pipeline in member_pipelines(estimator.best_estimator_):
        assert type(pipeline.steps[0][1]).__name__ == "ColumnTransformer"
    assert len(estimator.trials_) == 5


def test_joblib_load_of_the_fit_output_predicts_and_exports(fitted, workdir):
    estimator = joblib.load(workdir / "model.joblib")
    test = pd.read_csv(workdir / "test.csv")
    predictions = estimator.predict(test)
    truth = pd.read_csv(workdir / "train.csv")["species"]
    assert (predictions == truth).mean() > 0.9
    assert estimator.predict_proba(test).shape == (150, 3)
    assert "def make_pipeline_()" in export_code(estimator)


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
    estimator = joblib.load(workdir / "model.joblib")
    expected = estimator.predict(test[estimator.training_info_["input_columns"]])
    assert list(from_stdout.columns) == ["species"]
    np.testing.assert_array_equal(from_stdout["species"].to_numpy(), expected)


def test_show_prints_the_pipeline_scores_and_versions(fitted, workdir):
    result = hpsk("show", "model.joblib", cwd=workdir)
    assert result.returncode == 0, result.stderr
    estimator = joblib.load(workdir / "model.joblib")
    out = result.stdout
    assert f"(saved {estimator.training_info_['created']})" in out
    assert "task: classification, target 'species'; trained on " in out
    assert "(150 rows, 5 feature columns)" in out
    heaviest = member_pipelines(estimator.best_estimator_)[0]
    learner = type(heaviest.steps[-1][1]).__name__
    assert f"chosen: {estimator.describe()}" in out
    assert f"'{heaviest.steps[-1][0]}'" in out and learner in out
    assert f"validation accuracy {estimator.best_score_:.4f}" in out
    assert "5 trials (0 failed)" in out
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
    estimator = joblib.load(tmp_path / "model.joblib")
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


def test_skops_output_then_predict_and_show(workdir):
    pytest.importorskip("skops")
    result = hpsk("fit", "train.csv", "--target", "species", "--max-evals", 3, "--algo", "rand",
                  "--random-state", 1, "--ensemble-size", 0, "--quiet", "--output", "model.skops",
                  cwd=workdir)
    assert result.returncode == 0, result.stderr
    assert "saved to model.skops" in result.stdout
    estimator = load(workdir / "model.skops")  # no trusted= needed
    assert estimator.training_info_["target"] == "species"
    predicted = hpsk("predict", "model.skops", "test.csv", cwd=workdir)
    assert predicted.returncode == 0, predicted.stderr
    from_stdout = pd.read_csv(io.StringIO(predicted.stdout))["species"].to_numpy()
    np.testing.assert_array_equal(from_stdout, estimator.predict(pd.read_csv(workdir / "test.csv")))
    shown = hpsk("show", "model.skops", cwd=workdir)
    assert shown.returncode == 0, shown.stderr
    assert f"chosen: {estimator.describe()}" in shown.stdout
    assert "3 trials (0 failed)" in shown.stdout


def test_an_old_dict_bundle_still_predicts_shows_and_exports(fitted, workdir):
    # What 'hpsk fit' saved before it saved the estimator itself (bundle format 1).
    estimator = joblib.load(workdir / "model.joblib")
    info = estimator.__dict__.pop("training_info_")
    bundle = {"format": "hpsk-model", "format_version": 1, "estimator": estimator, **info}
    joblib.dump(bundle, workdir / "old.joblib")
    result = hpsk("predict", "old.joblib", "test.csv", cwd=workdir)
    assert result.returncode == 0, result.stderr
    from_stdout = pd.read_csv(io.StringIO(result.stdout))
    assert list(from_stdout.columns) == ["species"]
    test = pd.read_csv(workdir / "test.csv")
    np.testing.assert_array_equal(from_stdout["species"].to_numpy(), estimator.predict(test))
    shown = hpsk("show", "old.joblib", cwd=workdir)
    assert shown.returncode == 0, shown.stderr
    assert f"(saved {info['created']})" in shown.stdout and "target 'species'" in shown.stdout
    assert export_code(bundle) == export_code(estimator)
    joblib.dump({**bundle, "format_version": 7}, workdir / "future.joblib")
    result = hpsk("predict", "future.joblib", "test.csv", cwd=workdir)
    assert result.returncode == 2
    assert result.stderr.strip() == ("hpsk: error: 'future.joblib' was saved in bundle format 7; "
                                     "this hpsk reads format 1")


def test_a_model_saved_from_python_without_training_info_predicts(fitted, workdir):
    estimator = joblib.load(workdir / "model.joblib")
    del estimator.training_info_
    save(estimator, workdir / "python.joblib")
    result = hpsk("predict", "python.joblib", "test.csv", cwd=workdir)
    assert result.returncode == 0, result.stderr
    predictions = pd.read_csv(io.StringIO(result.stdout))
    assert list(predictions.columns) == ["prediction"]
    np.testing.assert_array_equal(predictions["prediction"].to_numpy(),
                                  estimator.predict(pd.read_csv(workdir / "test.csv")))
    shown = hpsk("show", "python.joblib", cwd=workdir)
    assert shown.returncode == 0, shown.stderr
    assert "task: classification\n" in shown.stdout
    assert "versions (running; the file does not record its own):" in shown.stdout


def test_model_files_that_are_not_hpsk_models_are_one_line_errors(workdir):
    skops_io = pytest.importorskip("skops.io")
    # A skops file whose pipeline would call a function hpsk does not trust.
    skops_io.dump(make_pipeline(FunctionTransformer(func=os.getcwd), LogisticRegression()),
                  workdir / "untrusted.skops")
    joblib.dump(["not", "a", "model"], workdir / "list.joblib")
    for command, message in [
        (["predict", "untrusted.skops", "test.csv"], "cannot load 'untrusted.skops': it names types "
                                                     f"hpsk does not trust ({os.getcwd.__module__}.getcwd)"),
        (["show", "list.joblib"], "'list.joblib' is not a model saved by 'hpsk fit' (it holds a list"),
    ]:
        result = hpsk(*command, cwd=workdir)
        assert result.returncode == 2
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and message in lines[0], result.stderr


def test_a_skops_output_without_skops_fails_before_the_search(workdir, tmp_path):
    # A 'skops' package that cannot be imported, first on the path.
    (tmp_path / "skops").mkdir()
    (tmp_path / "skops" / "__init__.py").write_text("raise ImportError('no skops here')\n")
    env = {**ENV, "PYTHONPATH": os.pathsep.join([str(tmp_path), ENV.get("PYTHONPATH", "")])}
    result = subprocess.run([sys.executable, "-m", "hpsk", "fit", "train.csv", "--target", "species",
                             "--output", "model.skops"], cwd=workdir, capture_output=True, text=True,
                            env=env, timeout=300)
    assert result.returncode == 2
    assert result.stderr.strip() == ("hpsk: error: cannot save to 'model.skops': saving or loading a "
                                     '.skops file needs skops: pip install "hpsk[skops]" '
                                     "(or pip install skops)")
    assert result.stdout == ""
