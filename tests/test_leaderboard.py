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
