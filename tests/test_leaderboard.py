"""hpsk.leaderboard: the ranked table of a search's trials."""

import sys

import numpy as np
import pytest
from sklearn.datasets import load_iris
from threadpoolctl import threadpool_limits

from hpsk import HyperoptClassifier, Trials, fmin, hp, rand
from hpsk.leaderboard import LEADERBOARD_COLUMNS, leaderboard


@pytest.fixture(scope="module")
def search():
    X, y = load_iris(return_X_y=True)
    # One native thread: OpenMP pools that spin on a busy machine slow the refit.
    with threadpool_limits(limits=1):
        return HyperoptClassifier(max_evals=10, algo=rand.suggest, random_state=0).fit(X, y)


@pytest.fixture(scope="module")
def failing_trials():
    """A plain fmin search in which every x < 0.4 fails."""

    def objective(x):
        if x < 0.4:
            raise RuntimeError("x is too small")
        return (x - 0.7) ** 2

    trials = Trials()
    fmin(objective, hp.uniform("x", 0, 1), algo=rand.suggest, max_evals=12, trials=trials,
         rstate=0, show_progressbar=False)
    return trials


def test_one_row_per_trial_with_the_documented_columns(search):
    board = leaderboard(search)
    assert list(board.columns) == list(LEADERBOARD_COLUMNS)
    assert len(board) == len(search.trials_)
    assert sorted(board["tid"]) == list(range(len(search.trials_)))


def test_rows_are_sorted_by_rank_and_scores_come_from_the_splits(search):
    board = leaderboard(search)
    assert list(board["rank"]) == sorted(board["rank"])
    assert board["rank"].iloc[0] == 1
    assert np.all(np.diff(board["mean_test_score"].to_numpy()) <= 0)
    for row in board.itertuples():
        trial = search.trials_[row.tid]
        assert row.mean_test_score == pytest.approx(np.mean(trial.result["scores"]))
        assert row.mean_test_score == pytest.approx(-trial.loss)
        assert row.std_test_score == pytest.approx(np.std(trial.result["scores"]))
        assert row.mean_fit_time == pytest.approx(trial.result["fit_time"])
        assert row.learner == trial.result["learner"]
        steps = trial.result["preprocessing"]
        assert row.preprocessing == (" -> ".join(steps) if steps else "none")
        assert row.status == "ok"


def test_the_chosen_trial_is_flagged(search):
    board = leaderboard(search)
    assert board["chosen"].sum() == 1
    assert board.loc[board["chosen"], "tid"].item() == search.best_index_


def test_failed_trials_come_last_without_rank(failing_trials):
    board = leaderboard(failing_trials)
    statuses = list(board["status"])
    n_ok = failing_trials.n_ok
    assert 0 < n_ok < len(failing_trials)
    assert statuses == ["ok"] * n_ok + ["fail"] * (len(failing_trials) - n_ok)
    failed = board[board["status"] == "fail"]
    assert failed["rank"].isna().all()
    assert failed["mean_test_score"].isna().all()
    assert failed["error"].str.contains("x is too small").all()
    # a plain objective: the score is minus the loss, there are no splits
    ok = board[board["status"] == "ok"]
    losses = [failing_trials[tid].loss for tid in ok["tid"]]
    np.testing.assert_allclose(ok["mean_test_score"], -np.array(losses))
    assert ok["std_test_score"].isna().all()
    assert ok["learner"].isna().all()
    assert not board["chosen"].any()


def test_ties_share_the_smaller_rank():
    trials = Trials()
    tids = trials.add_pending([{"x": 0.0}, {"x": 1.0}, {"x": 2.0}, {"x": 3.0}], start_time=0.0)
    for tid, loss in zip(tids, [0.5, 0.2, 0.5, 0.1]):
        trials.finish(tid, status="ok", loss=loss)
    board = leaderboard(trials)
    assert list(board["tid"]) == [3, 1, 0, 2]
    assert list(board["rank"]) == [1, 2, 3, 3]


def test_top_keeps_the_best_rows(search):
    board = leaderboard(search, top=3)
    assert list(board["rank"]) == list(leaderboard(search)["rank"][:3])
    with pytest.raises(ValueError, match="top must be >= 1"):
        leaderboard(search, top=0)


def test_without_pandas_it_is_a_list_of_dicts(search, monkeypatch):
    expected = leaderboard(search)
    monkeypatch.setitem(sys.modules, "pandas", None)
    rows = leaderboard(search)
    assert isinstance(rows, list)
    assert [list(row) for row in rows] == [list(LEADERBOARD_COLUMNS)] * len(expected)
    assert [row["tid"] for row in rows] == list(expected["tid"])
    assert [row["rank"] for row in rows] == list(expected["rank"])


def test_an_unfitted_estimator_is_rejected():
    with pytest.raises(TypeError, match="Call fit first"):
        leaderboard(HyperoptClassifier())


def test_trials_of_is_the_one_public_way_to_get_the_trials(search, failing_trials):
    from hpsk.leaderboard import trials_of

    assert trials_of(search) is search.trials_
    assert trials_of(failing_trials) is failing_trials
    with pytest.raises(TypeError, match="Call fit first"):
        trials_of(HyperoptClassifier())


def test_leaderboard_and_cv_results_agree_row_by_row(search):
    results = search.cv_results_
    board = leaderboard(search)
    # the board is the table sorted by rank (ties in trial order)
    assert list(board["tid"]) == list(np.lexsort((np.arange(len(board)), results["rank_test_score"])))
    for row in board.itertuples():
        assert row.rank == results["rank_test_score"][row.tid]
        for column in ("mean_test_score", "std_test_score", "mean_fit_time", "std_fit_time",
                       "mean_score_time", "std_score_time", "duration"):
            np.testing.assert_equal(getattr(row, column), results[column][row.tid], err_msg=column)
        for column in ("learner", "preprocessing", "status", "error"):
            assert getattr(row, column) == results[column][row.tid], column


def test_ties_and_failures_are_ranked_as_scikit_learn_ranks_them(failing_trials):
    from scipy.stats import rankdata

    from hpsk.evaluation import cv_results

    results = cv_results(failing_trials)
    ok = results["status"] == "ok"
    expected = rankdata(-results["mean_test_score"][ok], method="min")
    np.testing.assert_array_equal(results["rank_test_score"][ok], expected)
    # every failed trial shares the rank after the last successful one
    assert set(results["rank_test_score"][~ok]) == {ok.sum() + 1}
    board = leaderboard(failing_trials)
    assert list(board["rank"].dropna()) == sorted(expected)


def test_score_and_fit_times_are_recorded_per_split(search):
    results = search.cv_results_
    for key in ("mean_fit_time", "std_fit_time", "mean_score_time", "std_score_time"):
        assert np.all(np.isfinite(results[key])), key
    assert np.all(results["mean_score_time"] > 0) and np.all(results["std_score_time"] >= 0)
    for tid, trial in enumerate(search.trials_):
        assert results["mean_score_time"][tid] == trial.result["score_time"]
        assert results["std_fit_time"][tid] == trial.result["fit_time_std"]
    board = leaderboard(search)
    assert (board["mean_score_time"] > 0).all()


def test_param_columns_are_masked_where_a_label_is_inactive(search):
    results = search.cv_results_
    params = results["params"]
    keys = [key for key in results if key.startswith("param_")]
    assert {key[len("param_"):] for key in keys} == {label for p in params for label in p}
    masked_somewhere = False
    for key in keys:
        column, label = results[key], key[len("param_"):]
        assert isinstance(column, np.ma.MaskedArray) and len(column) == len(params)
        for i, p in enumerate(params):
            assert bool(np.ma.getmaskarray(column)[i]) == (label not in p), (key, i)
            if label in p:
                assert column[i] == p[label], (key, i)
        masked_somewhere |= bool(np.ma.getmaskarray(column).any())
    assert masked_somewhere, "the default space has conditional labels"
    # values read as in best_params_: choices by option name
    best = search.best_index_
    assert params[best] == search.best_params_
    assert {key[len("param_"):]: results[key][best] for key in keys
            if not np.ma.getmaskarray(results[key])[best]} == search.best_params_
    assert any(isinstance(value, str) for value in search.best_params_.values())


def test_param_columns_of_trials_hold_the_points():
    from hpsk.evaluation import cv_results

    trials = Trials()
    tids = trials.add_pending([{"kind": 0, "a": 1.5}, {"kind": 1, "b": 3}, {"kind": 0, "a": 0.5}],
                             start_time=0.0)
    for tid, loss in zip(tids, [0.3, 0.1, 0.3]):
        trials.finish(tid, status="ok", loss=loss, duration=0.25)
    results = cv_results(trials)
    np.testing.assert_array_equal(results["param_kind"], [0, 1, 0])
    assert list(np.ma.getmaskarray(results["param_a"])) == [False, True, False]
    assert list(np.ma.getmaskarray(results["param_b"])) == [True, False, True]
    assert results["param_a"][0] == 1.5 and results["param_b"][1] == 3
    assert list(results["rank_test_score"]) == [2, 1, 2]
    assert list(results["duration"]) == [0.25] * 3
    assert np.isnan(results["mean_score_time"]).all()  # a plain objective records no times
