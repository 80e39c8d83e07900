"""The stages of ``fit`` (hpsk/stages/) on their own: plain values in, plain values out."""

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_iris, make_regression

from hpsk import HyperoptClassifier, HyperoptEstimator
from hpsk.space import Choice, compile_space
from hpsk.stages import final_model as final_stage
from hpsk.stages.inputs import join_exogenous, read_inputs
from hpsk.stages.search_space import readable_point, search_space, starting_points
from hpsk.stages.searching import Clock, History, trials_to_run
from hpsk.trials import Trials


def test_the_refit_takes_threads_only_from_idle_cores(monkeypatch):
    monkeypatch.setattr(final_stage.os, "cpu_count", lambda: 16)
    monkeypatch.setattr(final_stage.os, "getloadavg", lambda: (0.5, 0.5, 0.5))
    assert final_stage.refit_threads(8) == 8 and final_stage.refit_threads(None) == 1
    monkeypatch.setattr(final_stage.os, "getloadavg", lambda: (14.2, 14.0, 13.0))
    assert final_stage.refit_threads(8) == 1


def test_inputs_are_returned_and_the_estimator_is_left_as_it_was():
    X, y = load_iris(return_X_y=True, as_frame=True)
    labels = np.array(["setosa", "versicolor", "virginica"])[y]
    estimator = HyperoptEstimator(max_evals=2)
    inputs = read_inputs(estimator, X, labels, None, None, None)
    assert inputs.kind == "frame" and inputs.task == "classification"
    assert list(inputs.feature_names_in) == list(X.columns) and inputs.n_features_in == 4
    assert list(inputs.classes) == ["setosa", "versicolor", "virginica"]
    assert np.array_equal(inputs.split_targets, y.to_numpy())
    assert not hasattr(estimator, "n_features_in_") and not hasattr(estimator, "classes_")


def test_inputs_read_regression_and_check_weights_and_groups():
    X, y = make_regression(n_samples=40, n_features=3, random_state=0)
    inputs = read_inputs(HyperoptEstimator(), X, y, np.arange(40) % 4, np.ones(40), None)
    assert inputs.task == "regression" and inputs.classes is None and inputs.y_encoded is None
    assert inputs.kind == "array" and inputs.feature_names_in is None and inputs.n_features_in == 3
    with pytest.raises(ValueError, match="sample_weight has shape"):
        read_inputs(HyperoptEstimator(), X, y, None, np.ones(39), None)
    with pytest.raises(ValueError, match="groups has shape"):
        read_inputs(HyperoptEstimator(), X, y, np.ones(3), None, None)


def test_exogenous_data_sets_join_at_fit_and_must_match_at_predict():
    X, ex = np.ones((5, 2)), np.zeros(5)
    joined, widths = join_exogenous(X, [ex], "Est")
    assert joined.shape == (5, 3) and widths == [2, 1]
    assert join_exogenous(X, None, "Est") == (X, None)
    with pytest.raises(ValueError, match="fitted with EX_list"):
        join_exogenous(X, None, "Est", fitting=False, fitted_widths=widths)
    with pytest.raises(ValueError, match="fit saw"):
        join_exogenous(X, [np.zeros((5, 2))], "Est", fitting=False, fitted_widths=widths)


def test_the_space_stage_adds_an_imputer_for_arrays_with_nan_and_names_options():
    X, y = load_iris(return_X_y=True)
    X = X.copy()
    X[0, 0] = np.nan
    inputs = read_inputs(HyperoptEstimator(), X, y, None, None, None)
    space = search_space(inputs, space=None, learner="k_neighbors_classifier", preprocessing=None,
                         ex_preprocs=None, preprocess_by_default=False, exogenous_widths=None, owner="Est")
    assert type(space["ex_preprocs"][0]).__name__ == "SimpleImputer"
    compiled = compile_space(space)
    for points in ("auto", "portfolio"):  # no learner of STARTING_POINTS or of the portfolio here
        assert starting_points(compiled, points, np.random.default_rng(0), "Est", "classification") == []
    point = compiled.sample(1, np.random.default_rng(0))[0]
    readable = readable_point(compiled, point)
    assert readable.keys() == point.keys()
    assert isinstance(compiled.nodes["k_neighbors_classifier.weights"], Choice)
    assert readable["k_neighbors_classifier.weights"] in ("uniform", "distance")  # not an index


def test_the_clock_keeps_room_for_what_follows_the_search():
    clock = Clock(start=100.0, budget=50.0)
    assert clock.search_deadline(refit=True, reevaluate=True) == pytest.approx(140.0)
    assert clock.search_deadline(refit=False, reevaluate=False) == pytest.approx(150.0)
    assert clock.selection_deadline() == pytest.approx(145.0)
    unlimited = Clock(start=100.0)
    assert unlimited.search_deadline(True, True) is None and unlimited.left() is None


def test_stored_trials_count_towards_max_evals_and_warm_start_adds_more():
    trials = Trials()
    trials.add_pending([{}] * 3, 0.0)
    stored = History(trials, storage=object(), seed=0, rng=np.random.default_rng(0), starting=[])  # type: ignore[arg-type]
    fresh = History(trials, storage=None, seed=0, rng=np.random.default_rng(0), starting=[])
    assert trials_to_run(10, None, False, stored) == 7
    assert trials_to_run(10, None, True, stored) == 10
    assert trials_to_run(10, None, False, fresh) == 10
    assert trials_to_run(None, None, False, fresh) is None  # until the clock
    assert trials_to_run(10, 2, False, stored) == 2  # fit_iter's step


def test_fit_sets_the_attributes_of_the_stages():
    X, y = load_iris(return_X_y=True)
    model = HyperoptClassifier(classifier="k_neighbors_classifier", max_evals=3, ensemble_size=0,
                               random_state=0).fit(X, y)
    assert model.n_features_in_ == 4 and list(model.classes_) == [0, 1, 2]
    assert model.best_index_ in [t.tid for t in model.trials_] and model.ensemble_ is None
    refitless = HyperoptClassifier(classifier="k_neighbors_classifier", max_evals=3, refit=False,
                                   random_state=0).fit(X, y)
    assert not hasattr(refitless, "best_estimator_") and refitless.best_params_


def test_a_search_on_a_large_table_shuts_its_idle_workers_down():
    """Their memory goes back before the refit; a small table's search keeps them for the next."""
    from joblib.externals.loky import reusable_executor

    from hpsk import HyperoptRegressor
    from hpsk.components import ridge
    from hpsk.stages.searching import RELEASE_WORKERS_ROWS

    X, y = make_regression(n_samples=RELEASE_WORKERS_ROWS, n_features=5, noise=1.0, random_state=0)
    search = dict(regressor=ridge("ridge"), preprocessing=[], max_evals=2, n_jobs=2, random_state=0,
                  ensemble_size=0)
    HyperoptRegressor(**search).fit(X[:500], y[:500])
    assert not reusable_executor._executor._flags.shutdown
    model = HyperoptRegressor(**search).fit(X, y)
    assert reusable_executor._executor._flags.shutdown
    assert len(model.trials_) == 2 and model.score(X, y) > 0.99
