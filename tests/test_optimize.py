"""fmin: hyperopt's contract, failures recorded, budgets, resume, parallel workers."""

import math
import os
import time

import numpy as np
import pytest

from hpsk.algorithms import PENDING
from hpsk import (STATUS_FAIL, STATUS_OK, AllTrialsFailed, InvalidParameterError, Trials, fmin, hp, rand,
                  space_eval, tpe)

SPACE = {"x": hp.uniform("x", -5, 5),
         "kind": hp.choice("kind", [{"shift": hp.uniform("shift", 0, 1)}, {"shift": 3.0}])}


def quadratic(params):
    return (params["x"] - 1) ** 2 + params["kind"]["shift"]


def test_fmin_returns_the_best_point_with_choice_indices():
    trials = Trials()
    best = fmin(quadratic, SPACE, algo=rand.suggest, max_evals=60, trials=trials, rstate=0,
                show_progressbar=False)
    assert best == trials.argmin
    assert best["kind"] in (0, 1)
    assert quadratic(space_eval(SPACE, best)) == min(trials.losses())
    assert len(trials) == 60 and set(trials.statuses()) == {"ok"}


def test_dict_results_and_fail_status():
    def objective(params):
        if params["x"] < 0:
            return {"status": STATUS_FAIL, "why": "negative"}
        return {"loss": params["x"], "status": STATUS_OK, "extra": 7}

    trials = Trials()
    fmin(objective, SPACE, algo=rand.suggest, max_evals=40, trials=trials, rstate=1,
         show_progressbar=False)
    ok = [t for t in trials if t.ok]
    failed = [t for t in trials if not t.ok]
    assert ok and failed
    assert all(t.result["extra"] == 7 for t in ok)
    assert all(t.loss is None and t.status == "fail" for t in failed)


def test_exceptions_and_non_finite_losses_are_failed_trials():
    def objective(params):
        if params["x"] > 3:
            raise ValueError("x too large")
        if params["x"] < -3:
            return float("nan")
        return params["x"] ** 2

    trials = Trials()
    best = fmin(objective, SPACE, algo=rand.suggest, max_evals=50, trials=trials, rstate=2,
                show_progressbar=False)
    errors = [t.error for t in trials if t.status == "fail"]
    assert any("ValueError: x too large" in e for e in errors)
    assert any("non-finite loss" in e for e in errors)
    assert -3 <= best["x"] <= 3


def test_every_trial_failing_raises_with_the_first_error():
    def objective(params):
        raise RuntimeError(f"cannot fit x={params['x']:.0f}")

    with pytest.raises(AllTrialsFailed, match="All 5 trials failed.*RuntimeError: cannot fit"):
        fmin(objective, SPACE, algo=rand.suggest, max_evals=5, rstate=0, show_progressbar=False)


def test_same_seed_same_trials():
    runs = []
    for _ in range(2):
        trials = Trials()
        fmin(quadratic, SPACE, algo=rand.suggest, max_evals=15, trials=trials, rstate=42,
             show_progressbar=False)
        runs.append([t.point for t in trials])
    assert runs[0] == runs[1]


def test_max_evals_counts_existing_trials_so_a_search_continues():
    trials = Trials()
    fmin(quadratic, SPACE, algo=rand.suggest, max_evals=10, trials=trials, rstate=0,
         show_progressbar=False)
    first = [t.point for t in trials]
    fmin(quadratic, SPACE, algo=rand.suggest, max_evals=25, trials=trials, rstate=1,
         show_progressbar=False)
    assert len(trials) == 25 and [t.point for t in trials][:10] == first


def test_timeout_stops_new_trials():
    start = time.monotonic()
    trials = Trials()
    fmin(lambda p: time.sleep(0.05) or p["x"] ** 2, SPACE, algo=rand.suggest, max_evals=10_000,
         trials=trials, timeout=0.5, rstate=0, show_progressbar=False)
    assert time.monotonic() - start < 2.0
    assert 3 <= len(trials) < 100


def test_loss_threshold_stops_the_search():
    trials = Trials()
    fmin(lambda p: abs(p["x"]), SPACE, algo=rand.suggest, max_evals=1000, trials=trials,
         loss_threshold=1.0, rstate=0, show_progressbar=False)
    assert trials.best_trial.loss <= 1.0 and len(trials) < 1000


def test_parallel_workers_evaluate_every_trial():
    trials = Trials()
    fmin(quadratic, SPACE, algo=rand.suggest, max_evals=12, trials=trials, rstate=0,
         show_progressbar=False, n_jobs=2)
    assert len(trials) == 12 and trials.n_ok == 12


class _AskSpy:
    """An algorithm that records how many points it was asked for, with how many pending."""

    def __init__(self):
        self.calls = []

    def __call__(self, space, history, n, rng):
        self.calls.append((n, int(np.count_nonzero(history.status == PENDING))))
        # The first point is slow; every later one is fast.
        return [{"x": -1.0 if history.n == 0 else float(rng.uniform(0.1, 1)), "kind": 1}
                for _ in range(n)]


def _slow_when_negative(params):
    time.sleep(2.0 if params["x"] < 0 else 0.05)
    return {"loss": params["x"] ** 2, "status": "ok", "finished_at": time.time()}


@pytest.mark.timeout(120)
def test_parallel_search_asks_one_point_per_free_worker_and_streams_results():
    spy, trials = _AskSpy(), Trials()
    fmin(_slow_when_negative, SPACE, algo=spy, max_evals=14, trials=trials, rstate=0,
         show_progressbar=False, n_jobs=2)
    assert len(trials) == 14 and trials.n_ok == 14
    # One point per ask, never a batch ahead: besides the other worker's trial,
    # only the trial that just finished may still be pending (joblib hands its
    # result to this thread a moment after freeing the worker).
    assert all(n == 1 for n, _ in spy.calls) and len(spy.calls) == 14
    assert max(pending for _, pending in spy.calls) <= 2
    # Results stream back: the free worker ran many fast trials while the slow one ran.
    slow_end = trials[0].result["finished_at"]
    assert sum(t.result["finished_at"] < slow_end for t in trials) >= 5


def _sleep_then_value(params):
    if params["x"] > 0:
        time.sleep(30)
    return params["x"] ** 2


@pytest.mark.timeout(60)
def test_trial_timeout_stops_an_overrunning_trial():
    trials = Trials()
    start = time.monotonic()
    fmin(_sleep_then_value, SPACE, algo=rand.suggest, max_evals=6, trials=trials, rstate=1,
         show_progressbar=False, trial_timeout=1.0, n_jobs=2)
    assert time.monotonic() - start < 20
    statuses = trials.statuses()
    assert "timeout" in statuses and "ok" in statuses
    for trial in trials:
        assert (trial.status == "timeout") == (trial.point["x"] > 0)
        if trial.status == "timeout":
            assert "trial_timeout" in trial.error


def _stuck_in_c_when_positive(params):
    if params["x"] > 0:
        import ctypes

        ctypes.CDLL(None).sleep(60)  # libc's sleep: no Python signal handler can interrupt it
    return params["x"] ** 2


@pytest.mark.timeout(60)
def test_trial_timeout_stops_a_trial_stuck_in_a_c_call():
    trials, start = Trials(), time.monotonic()
    fmin(_stuck_in_c_when_positive, SPACE, algo=rand.suggest, max_evals=6, trials=trials, rstate=1,
         show_progressbar=False, trial_timeout=1.0)
    assert time.monotonic() - start < 30
    assert {t.status for t in trials if t.point["x"] > 0} == {"timeout"}
    assert trials.n_ok == sum(t.point["x"] <= 0 for t in trials) > 0


def _openmp_trial(params):
    from sklearn.datasets import load_digits
    from sklearn.ensemble import HistGradientBoostingClassifier

    from threadpoolctl import threadpool_info

    X, y = load_digits(return_X_y=True)
    model = HistGradientBoostingClassifier(max_iter=5, learning_rate=0.1 + abs(params["x"]) / 10)
    loss = 1 - model.fit(X, y).score(X, y)
    openmp = [pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "openmp"]
    return {"loss": loss, "status": "ok", "openmp_threads": max(openmp)}


@pytest.mark.timeout(120)
def test_trial_timeout_workers_start_after_openmp_ran_in_this_process(monkeypatch):
    # Forking a process whose OpenMP pool is up can hang the child; hpsk's
    # killable workers are started by loky (fork + exec), which is safe.
    # Each worker's OpenMP pool is capped at its share of the cores: two
    # machine-wide pools of spinning threads made HGB fits 20x slower on 2
    # cores, and trials ran past trial_timeout.
    from joblib import cpu_count
    from sklearn.datasets import load_digits
    from sklearn.ensemble import HistGradientBoostingClassifier

    X, y = load_digits(return_X_y=True)
    HistGradientBoostingClassifier(max_iter=5).fit(X, y)  # OpenMP threads now exist here
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    trials = Trials()
    fmin(_openmp_trial, SPACE, algo=rand.suggest, max_evals=4, trials=trials, rstate=0,
         show_progressbar=False, trial_timeout=60, n_jobs=2)
    assert trials.n_ok == 4
    assert [t.result["openmp_threads"] for t in trials] == [max(cpu_count() // 2, 1)] * 4


def _search_with_timeout(seed):
    trials = Trials()
    fmin(_sleep_then_value, SPACE, algo=rand.suggest, max_evals=4, trials=trials, rstate=seed,
         show_progressbar=False, trial_timeout=1.0)
    return [(trial.point["x"] > 0, trial.status) for trial in trials], os.getpid()


@pytest.mark.timeout(120)
def test_trial_timeout_works_inside_a_joblib_worker():
    # A search nested in a loky worker (cross_val_score(n_jobs=2) over an
    # estimator with trial_timeout, say) must still start killable workers.
    from joblib import Parallel, delayed

    results = Parallel(n_jobs=2)(delayed(_search_with_timeout)(seed) for seed in (1, 2))
    for outcomes, pid in results:
        assert pid != os.getpid() and len(outcomes) == 4
        assert all(status == ("timeout" if slow else "ok") for slow, status in outcomes)


def _sleep_long_when_positive(params):
    time.sleep(60 if params["x"] > 0 else 0.05)
    return params["x"] ** 2


@pytest.mark.timeout(60)
def test_timeout_stops_running_parallel_trials():
    trials, start = Trials(), time.monotonic()
    fmin(_sleep_long_when_positive, SPACE, algo=rand.suggest, timeout=4, trials=trials, rstate=0,
         show_progressbar=False, n_jobs=2)
    assert time.monotonic() - start < 4 + 2
    assert "timeout" in trials.statuses() and trials.n_ok >= 1
    assert all(t.error == "stopped at the search's time budget" for t in trials if t.status == "timeout")


def _exit_once(params):
    if params["x"] > 4:  # two of the 20 points rand.suggest draws with rstate=0
        os._exit(3)
    time.sleep(0.02)
    return params["x"] ** 2


@pytest.mark.timeout(120)
@pytest.mark.parametrize("runner, lost_beside", [({"trial_timeout": 30, "n_jobs": 2}, 0), ({"n_jobs": 2}, 2)],
                         ids=["killable-workers", "joblib-stream"])
def test_a_trial_that_kills_its_worker_fails_and_the_search_goes_on(runner, lost_beside):
    # A killable worker fails only its own trial. joblib's stream breaks with
    # the worker and loses what it was handed: the trial running beside it
    # and one whose result had not been read yet (a CI run lost 3 trials
    # beside 2 killers).
    trials = Trials()
    fmin(_exit_once, SPACE, algo=rand.suggest, max_evals=20, trials=trials, rstate=0,
         show_progressbar=False, **runner)
    killer = [t for t in trials if t.point["x"] > 4]
    assert len(trials) == 20 and killer
    assert all(t.status == "fail" and "died" in t.error for t in killer)
    assert trials.n_ok >= 20 - (1 + lost_beside) * len(killer)


@pytest.mark.parametrize("kwargs, message", [
    ({"max_evals": 0}, r"'max_evals' parameter of fmin must be an int in the range \[1, inf\)"),
    ({"max_evals": 5, "timeout": -1}, r"'timeout' parameter"),
    ({"max_evals": 5, "algo": "tpe"}, r"'algo' parameter of fmin must be a callable"),
    ({"max_evals": 5, "trials": []}, r"'trials' parameter"),
])
def test_bad_arguments_raise_clear_errors(kwargs, message):
    with pytest.raises(InvalidParameterError, match=message):
        fmin(quadratic, SPACE, show_progressbar=False, **kwargs)


def test_points_to_evaluate_run_first_and_are_not_repeated_when_the_search_goes_on():
    space = hp.choice("kind", [{"x": hp.uniform("x", -5, 5)}, {"y": hp.uniform("y", 0, 1)}])
    trials = Trials()
    fmin(lambda p: p.get("x", 0.0) ** 2, space, algo=tpe.suggest, max_evals=6, trials=trials, rstate=0,
         show_progressbar=False, points_to_evaluate=[{"x": 1.5}, {"kind": 1, "y": 0.25}])
    assert trials[0].point == {"kind": 0, "x": 1.5} and trials[1].point == {"kind": 1, "y": 0.25}
    fmin(lambda p: p.get("x", 0.0) ** 2, space, algo=tpe.suggest, max_evals=10, trials=trials, rstate=1,
         show_progressbar=False, points_to_evaluate=[{"x": 1.5}, {"kind": 1, "y": 0.25}])
    assert sum(t.point.get("x") == 1.5 for t in trials) == 1 and len(trials) == 10


def test_points_to_evaluate_with_an_unknown_label_is_a_clear_error():
    with pytest.raises(ValueError, match=r"points_to_evaluate: unknown label\(s\) \['z'\]"):
        fmin(lambda p: p["x"], SPACE, max_evals=2, show_progressbar=False, points_to_evaluate=[{"z": 1}])


def test_fmin_needs_a_budget():
    with pytest.raises(ValueError, match="needs a budget"):
        fmin(quadratic, SPACE, show_progressbar=False)


def test_progress_bar_reports_trials(capsys):
    fmin(quadratic, SPACE, algo=rand.suggest, max_evals=5, rstate=0, show_progressbar=True)
    err = capsys.readouterr().err
    assert "5/5" in err and "best loss" in err


def test_random_search_finds_a_good_point_on_a_smooth_function():
    best = fmin(lambda p: (p["x"] - 1) ** 2, {"x": hp.uniform("x", -5, 5)}, algo=rand.suggest,
                max_evals=200, rstate=0, show_progressbar=False)
    assert math.isclose(best["x"], 1, abs_tol=0.2)


def _slow_when_positive(params):
    if params["x"] > 0:
        time.sleep(1.5)
    return params["x"] ** 2


def test_search_does_not_start_a_kind_of_trial_that_would_overrun_the_deadline():
    # x > 0 trials take 1.5 s; once one has run, none starts with less than 1.5 s left.
    from hpsk.optimize import search
    from hpsk.space import compile_space

    trials, space = Trials(), compile_space(SPACE)
    deadline = time.monotonic() + 4.0
    search(_slow_when_positive, space, algo=rand.suggest, max_evals=None, trials=trials,
           rng=np.random.default_rng(3), deadline=deadline, cost_key=lambda point: point["x"] > 0)
    slow = [t for t in trials if t.point["x"] > 0]
    assert slow and trials.n_ok == len(trials)  # none was stopped at the deadline
    latest_start = max(t.start_time for t in slow)
    assert latest_start <= trials.trials[0].start_time + 4.0 - 1.5 + 0.5


@pytest.mark.timeout(60)
def test_kill_at_deadline_stops_the_running_trial_of_a_one_worker_search():
    from hpsk.optimize import search
    from hpsk.space import compile_space

    trials, start = Trials(), time.monotonic()
    search(_stuck_in_c_when_positive, compile_space(SPACE), algo=rand.suggest, max_evals=50,
           trials=trials, rng=np.random.default_rng(1), deadline=start + 3.0, kill_at_deadline=True)
    assert time.monotonic() - start < 8  # the 60 s C call was killed, not waited for
    assert "timeout" in trials.statuses()
