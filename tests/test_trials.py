"""Trials: records, best trial, columns for the algorithms, table."""

import numpy as np
import pytest

from hpsk import STATUS_FAIL, STATUS_OK, Trials, hp
from hpsk.algorithms import FAILED, OK, PENDING
from hpsk.space import compile_space


def _filled():
    trials = Trials()
    points = [{"x": 0.5, "c": 0}, {"x": 0.1, "c": 1, "y": 3}, {"x": 0.9, "c": 0}, {"x": 0.2, "c": 0}]
    tids = trials.add_pending(points, 0.0)
    trials.finish(tids[0], status=STATUS_OK, loss=2.0, result={"loss": 2.0})
    trials.finish(tids[1], status=STATUS_FAIL, error="ValueError: bad")
    trials.finish(tids[2], status=STATUS_OK, loss=1.0)
    return trials


def test_best_trial_and_reading_api():
    trials = _filled()
    assert len(trials) == 4
    assert trials.losses() == [2.0, None, 1.0, None]
    assert trials.statuses() == ["ok", "fail", "ok", "running"]
    assert trials.best_trial.tid == 2 and trials.argmin == {"x": 0.9, "c": 0}
    assert trials.best_trial["result"] == {} and trials[0]["result"]["loss"] == 2.0
    assert trials[1]["misc"]["vals"] == {"x": [0.1], "c": [1], "y": [3]}
    assert trials.first_error() == "ValueError: bad"


def test_ties_go_to_the_older_trial():
    trials = Trials()
    tids = trials.add_pending([{"x": 1.0}, {"x": 2.0}], 0.0)
    for tid in tids:
        trials.finish(tid, status=STATUS_OK, loss=0.5)
    assert trials.best_trial.tid == 0


def test_history_columns_have_nan_for_inactive_labels():
    space = compile_space({"x": hp.uniform("x", 0, 1),
                           "c": hp.choice("c", [0, {"y": hp.randint("y", 5)}])})
    history = _filled().history(space)
    assert history.n == 4
    np.testing.assert_array_equal(history.status, [OK, FAILED, OK, PENDING])
    np.testing.assert_array_equal(history.columns["y"], [np.nan, 3, np.nan, np.nan])
    assert np.isnan(history.losses[1]) and history.losses[2] == 1.0


def test_history_grows_past_its_initial_capacity():
    space = compile_space({"x": hp.uniform("x", 0, 1)})
    trials = Trials()
    for i in range(100):
        (tid,) = trials.add_pending([{"x": i / 100}], 0.0)
        trials.finish(tid, status=STATUS_OK, loss=float(i))
    history = trials.history(space)
    np.testing.assert_allclose(history.columns["x"], np.arange(100) / 100)
    np.testing.assert_allclose(history.losses, np.arange(100))


def test_best_trial_without_success_is_a_clear_error():
    trials = Trials()
    (tid,) = trials.add_pending([{"x": 1}], 0.0)
    trials.finish(tid, status=STATUS_FAIL, error="boom")
    with pytest.raises(ValueError, match="No trial has finished successfully"):
        trials.best_trial


def test_table_is_a_dataframe_with_one_row_per_trial():
    pd = pytest.importorskip("pandas")
    table = _filled().table()
    assert isinstance(table, pd.DataFrame)
    assert list(table["status"]) == ["ok", "fail", "ok", "running"]
    assert {"tid", "loss", "error", "x", "c", "y"} <= set(table.columns)


def test_drop_running_renumbers():
    trials = _filled()
    trials.drop_running()
    assert len(trials) == 3 and [t.tid for t in trials] == [0, 1, 2]
    assert trials.best_trial.tid == 2
