"""Searches spread over a dask cluster through joblib's dask backend."""

import os
import time

import joblib
import pytest
from sklearn.datasets import load_iris

from hpsk import HyperoptClassifier, Trials, fmin, hp, rand

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       host="127.0.0.1", dashboard_address=None)
    with cluster, distributed.Client(cluster) as client:
        yield client


@pytest.mark.timeout(120)
def test_trials_run_in_the_dask_worker_processes(client):
    def objective(params):  # defined here so cloudpickle ships it to the workers by value
        time.sleep(0.05)
        return {"loss": (params["x"] - 1) ** 2, "status": "ok", "pid": os.getpid()}

    worker_pids = set(client.run(os.getpid).values())
    trials = Trials()
    with joblib.parallel_config(backend="dask"):
        fmin(objective, {"x": hp.uniform("x", -5, 5)}, algo=rand.suggest, max_evals=12,
             trials=trials, rstate=0, n_jobs=2, show_progressbar=False)
    pids = {trial.result["pid"] for trial in trials}
    assert trials.n_ok == 12
    assert pids <= worker_pids and os.getpid() not in pids


@pytest.mark.timeout(120)
def test_estimator_search_on_a_dask_cluster(client):
    X, y = load_iris(return_X_y=True)
    with joblib.parallel_config(backend="dask"):
        model = HyperoptClassifier(classifier="k_neighbors_classifier", max_evals=6, n_jobs=2,
                                   random_state=0).fit(X, y)
    assert model.trials_.n_ok == 6 and model.score(X, y) > 0.9


@pytest.mark.timeout(180)
def test_a_trial_that_kills_a_dask_worker_fails_and_the_search_goes_on(client):
    # Unguarded, joblib's dask backend waits forever for a task whose workers
    # died (KilledWorker); hpsk records it as failed and carries on.
    def objective(params):
        if params["x"] > 4:
            os._exit(3)
        time.sleep(0.02)
        return {"loss": params["x"] ** 2, "status": "ok", "pid": os.getpid()}

    trials = Trials()
    with joblib.parallel_config(backend="dask"):
        fmin(objective, {"x": hp.uniform("x", -5, 5)}, algo=rand.suggest, max_evals=20,
             trials=trials, rstate=0, n_jobs=2, show_progressbar=False)
    killer = [t for t in trials if t.point["x"] > 4]
    assert len(trials) == 20 and len(killer) >= 1
    assert all(t.status == "fail" and "died or was lost" in t.error for t in killer)
    assert trials.n_ok >= 20 - 2 * len(killer)
    assert os.getpid() not in {t.result.get("pid") for t in trials if t.ok}
