"""hpsk.export: the exported script rebuilds the winner without hpsk, predictions exactly equal."""

import os
import subprocess
import sys
import textwrap

import joblib
import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_diabetes, load_iris
from sklearn.ensemble import BaggingClassifier
from sklearn.exceptions import NotFittedError
from sklearn.feature_selection import SelectKBest, f_classif
from sklearn.gaussian_process import GaussianProcessClassifier
from sklearn.gaussian_process.kernels import RBF, ConstantKernel
from sklearn.pipeline import make_pipeline, make_union
from sklearn.preprocessing import FunctionTransformer, StandardScaler
from sklearn.tree import DecisionTreeClassifier
from threadpoolctl import threadpool_limits

from hpsk import HyperoptClassifier, HyperoptEstimator, HyperoptRegressor, rand
from hpsk.components import xgboost_classification
from hpsk.components.vkmeans import ColumnKMeans
from hpsk.export import export_code
from hpsk.persistence import load, save

# One native thread everywhere: OpenMP pools that spin on a busy machine are
# slow, and the comparison must not depend on thread counts.
ENV = {**os.environ, "OMP_NUM_THREADS": "1"}

# Runs in a fresh interpreter where ``import hpsk`` fails: each exported
# script is executed, its ``fit`` called on the same data, and the
# predictions saved for the test to compare.
DRIVER = textwrap.dedent("""
    import sys
    sys.modules["hpsk"] = None
    import numpy as np

    folder = sys.argv[1]
    data = np.load(folder + "/data.npz", allow_pickle=False)
    out = {}
    for case in sys.argv[2:]:
        namespace = {"__name__": "exported"}
        with open(f"{folder}/{case}.py") as f:
            exec(compile(f.read(), f"{case}.py", "exec"), namespace)
        X, y = data[case + "_X"], data[case + "_y"]
        pipeline = namespace["fit"](X, y)
        predictions = pipeline.predict(X)
        if "CLASSES" in namespace:
            predictions = namespace["CLASSES"][predictions]
        out[case + "_predict"] = predictions
        if hasattr(pipeline, "predict_proba"):
            out[case + "_proba"] = pipeline.predict_proba(X)
    np.savez(folder + "/predictions.npz", **out)
""")


def _fit(estimator, X, y):
    with threadpool_limits(limits=1):
        return estimator.fit(X, y)


@pytest.fixture(scope="module")
def searches():
    X_iris, y_iris = load_iris(return_X_y=True)
    X_diabetes, y_diabetes = load_diabetes(return_X_y=True)
    X_diabetes, y_diabetes = X_diabetes[:200], y_diabetes[:200]
    labels = np.array(["setosa", "versicolor", "virginica"])[y_iris]
    return {
        "classifier": (_fit(HyperoptClassifier(max_evals=6, algo=rand.suggest, random_state=0),
                            X_iris, y_iris), X_iris, y_iris),
        "xgboost_labels": (_fit(HyperoptEstimator(classifier=xgboost_classification("xgb"),
                                                  max_evals=2, algo=rand.suggest, random_state=1),
                                X_iris, labels), X_iris, labels),
        "regressor": (_fit(HyperoptRegressor(max_evals=6, algo=rand.suggest, random_state=0),
                           X_diabetes, y_diabetes), X_diabetes, y_diabetes),
    }


def test_exported_scripts_reproduce_the_predictions_without_hpsk(searches, tmp_path):
    arrays = {}
    for case, (estimator, X, y) in searches.items():
        code = export_code(estimator)
        assert "hpsk import" not in code and "import hpsk" not in code
        (tmp_path / f"{case}.py").write_text(code)
        arrays[f"{case}_X"], arrays[f"{case}_y"] = X, y
    np.savez(tmp_path / "data.npz", **arrays)
    result = subprocess.run([sys.executable, "-c", DRIVER, str(tmp_path), *searches],
                            capture_output=True, text=True, env=ENV, timeout=120)
    assert result.returncode == 0, result.stderr
    predictions = np.load(tmp_path / "predictions.npz")
    for case, (estimator, X, _) in searches.items():
        np.testing.assert_array_equal(predictions[f"{case}_predict"], estimator.predict(X))
        if hasattr(estimator, "predict_proba"):
            np.testing.assert_array_equal(predictions[f"{case}_proba"], estimator.predict_proba(X))


def test_the_script_fits_a_csv_from_the_command_line(searches, tmp_path):
    estimator, X, y = searches["classifier"]
    script = tmp_path / "winner.py"
    script.write_text(export_code(estimator))
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])]).assign(label=y)
    frame.to_csv(tmp_path / "train.csv", index=False)
    runner = ("import runpy, sys; sys.modules['hpsk'] = None; sys.argv = sys.argv[1:]; "
              "runpy.run_path(sys.argv[0], run_name='__main__')")
    result = subprocess.run(
        [sys.executable, "-c", runner, str(script), str(tmp_path / "train.csv"), "label",
         str(tmp_path / "model.joblib")],
        capture_output=True, text=True, env=ENV, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "saved the fitted pipeline" in result.stdout
    pipeline = joblib.load(tmp_path / "model.joblib")
    np.testing.assert_array_equal(pipeline.predict(frame.drop(columns="label")), estimator.predict(X))


def test_only_non_default_hyperparameters_are_written(searches):
    estimator, _, _ = searches["classifier"]
    code = export_code(estimator)
    learner = estimator.best_estimator_.steps[-1][1]
    if type(learner).__name__ == "CalibratedClassifierCV":  # the default search's SVC gets probabilities
        assert "CalibratedClassifierCV(" in code
        learner = learner.estimator
    assert f"{type(learner).__name__}(" in code
    assert f"random_state={learner.random_state!r}" in code
    defaults = type(learner)().get_params(deep=False)
    for name, value in learner.get_params(deep=False).items():
        if value == defaults[name] and name != "random_state":
            assert f"{name}=" not in code
    assert f"chose this one (trial {estimator.best_index_}" in code


def test_nested_estimators_functions_and_arrays_round_trip():
    pipelines = [
        make_pipeline(make_union(StandardScaler(), SelectKBest(f_classif, k=2)),
                      BaggingClassifier(DecisionTreeClassifier(max_depth=3), random_state=1)),
        GaussianProcessClassifier(ConstantKernel(2.0) * RBF(np.array([1.0, 2.0])), random_state=0),
    ]
    for pipeline in pipelines:
        code = export_code(pipeline)
        namespace = {}
        exec(code, namespace)
        assert repr(namespace["make_pipeline_"]()) == repr(pipeline)
        assert "from sklearn.gaussian_process.kernels import" in code or "SelectKBest(k=2)" in code


def test_unexportable_pipelines_say_why():
    with pytest.raises(NotFittedError, match="fit it first"):
        export_code(HyperoptClassifier())
    with pytest.raises(ValueError, match="hpsk's own ColumnKMeans"):
        export_code(make_pipeline(ColumnKMeans(), DecisionTreeClassifier()))
    with pytest.raises(ValueError, match="not a module-level name"):
        export_code(make_pipeline(FunctionTransformer(lambda X: X), DecisionTreeClassifier()))


def test_saved_models_export_whatever_file_they_come_from(searches, tmp_path):
    estimator, _, _ = searches["classifier"]
    for suffix in (".joblib", ".skops") if _has_skops() else (".joblib",):
        save(estimator, tmp_path / f"model{suffix}")
        assert export_code(load(tmp_path / f"model{suffix}")) == export_code(estimator)
    # The dict bundle that 'hpsk fit' saved before it saved the estimator itself.
    bundle = {"format": "hpsk-model", "format_version": 1, "estimator": estimator, "target": "y"}
    assert export_code(bundle) == export_code(estimator)
    with pytest.raises(TypeError, match="got dict"):
        export_code({"estimator": estimator})


def _has_skops():
    import importlib.util

    return importlib.util.find_spec("skops") is not None


def test_the_script_encodes_labels_when_the_estimator_says_so_and_names_the_versions(searches):
    from hpsk.versions import library_versions

    X, y = load_iris(return_X_y=True)
    labels = np.array(["setosa", "versicolor", "virginica"])[y]
    single_xgboost = _fit(HyperoptEstimator(classifier=xgboost_classification("xgb", n_estimators=10),
                                            max_evals=1, ensemble_size=0, random_state=0), X, labels)
    versions = library_versions(["scikit-learn", "xgboost"])
    for estimator, encoded in [(single_xgboost, True), (searches["classifier"][0], False)]:
        assert estimator.labels_encoded_ is encoded
        code = export_code(estimator)
        assert ("CLASSES = " in code) is encoded
        written = " ".join(code.split("Use ``pipeline")[0].split())  # the docstring's summary
        assert f"hpsk {versions['hpsk']}, scikit-learn {versions['scikit-learn']}, " in written
        assert f"Python {versions['python']}." in written
        # XGBoost's version when the script imports it (an ensemble may, without codes).
        imports_xgboost = "from xgboost import" in code
        assert imports_xgboost or not encoded
        assert (f"xgboost {versions['xgboost']}" in written) is imports_xgboost
    namespace = {}
    exec(export_code(single_xgboost), namespace)
    pipeline = namespace["fit"](X, labels)
    np.testing.assert_array_equal(namespace["CLASSES"][pipeline.predict(X)], single_xgboost.predict(X))
