"""Parallel searches: throughput, TPE regret with workers, budget adherence, memory.

Four measurements, each printed as a table and all written to
``benchmarks/results/parallel.json``:

``throughput``
    Evaluations per minute of :func:`hpsk.fmin` on a trial-dominated
    workload (every trial fits a HistGradientBoosting model on digits with
    3-fold cross-validation, one native thread per trial, about half a
    second each), with ``n_jobs=1``, ``n_jobs=2`` (joblib's loky processes)
    and a 2-worker dask ``LocalCluster`` through ``parallel_config("dask")``.
    The cluster's start-up is not counted; the loky pool's start is. The
    cluster keeps glibc's default malloc trim threshold (dask's nanny lowers
    it, which slows allocation-heavy learners about 3x; see ``throughput``).
``regret``
    TPE's final regret at equal evaluations, sequential against 2 workers,
    on synthetic problems from ``_problems.py`` (each evaluation sleeps a
    little so that trials really overlap), over several seeds; random
    search is the yardstick for what a difference means.
``budget``
    ``HyperoptClassifier(time_budget=B, n_jobs=2)`` on digits: ``fit``'s
    wall time, refit included, against ``B``.
``memory``
    Peak resident memory of a fresh process running 50 and 500 evaluations
    of a ``HyperoptClassifier`` on iris: the estimator keeps trial records,
    not fitted models, so the peak should barely move.

Usage::

    python benchmarks/parallel.py                   # everything (about 8 minutes on 2 cores)
    python benchmarks/parallel.py --only throughput,regret --seeds 5
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

RESULTS = HERE / "results" / "parallel.json"


# --------------------------------------------------------------------------
# throughput
# --------------------------------------------------------------------------


def _hgb_objective(params: dict) -> float:
    """Fit a HistGradientBoosting model on digits, 3-fold; one native thread."""
    from sklearn.datasets import load_digits
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.model_selection import cross_val_score
    from threadpoolctl import threadpool_limits

    X, y = load_digits(return_X_y=True)
    model = HistGradientBoostingClassifier(max_iter=30, learning_rate=params["learning_rate"],
                                           max_leaf_nodes=int(params["max_leaf_nodes"]),
                                           early_stopping=False, random_state=0)
    with threadpool_limits(limits=1):
        return -cross_val_score(model, X, y, cv=3).mean()


def _hgb_space() -> dict:
    from hpsk import hp

    return {"learning_rate": hp.loguniform("learning_rate", np.log(0.02), np.log(0.5)),
            "max_leaf_nodes": hp.quniform("max_leaf_nodes", 8, 64, 1)}


def throughput(n_evals: int) -> list[dict[str, Any]]:
    import joblib

    from hpsk import Trials, fmin, tpe

    rows = []

    def run(label: str, n_jobs: int) -> None:
        trials = Trials()
        start = time.perf_counter()
        fmin(_hgb_objective, _hgb_space(), algo=tpe.suggest, max_evals=n_evals, trials=trials,
             rstate=0, n_jobs=n_jobs, show_progressbar=False)
        elapsed = time.perf_counter() - start
        durations = [t.duration for t in trials if t.duration]
        rows.append({"setting": label, "evals": len(trials), "seconds": elapsed,
                     "evals_per_min": 60 * len(trials) / elapsed,
                     "mean_trial_s": statistics.mean(durations)})
        print(f"  {label:<22} {len(trials)} evals in {elapsed:6.1f} s "
              f"({rows[-1]['evals_per_min']:.1f}/min)", flush=True)

    run("n_jobs=1", 1)
    run("n_jobs=2 (loky)", 2)
    import dask
    from distributed import Client, LocalCluster

    # dask's nanny starts workers with MALLOC_TRIM_THRESHOLD_=65536, which
    # made a HistGradientBoosting fit 3x slower here (2.0 s against 0.68 s);
    # glibc's default threshold is what a user tuning for speed would keep.
    with dask.config.set({"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None}), LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster, Client(cluster):
        with joblib.parallel_config(backend="dask"):
            run("dask LocalCluster x2", 2)
    base = rows[0]["evals_per_min"]
    for row in rows:
        row["speedup"] = row["evals_per_min"] / base
    return rows


# --------------------------------------------------------------------------
# regret
# --------------------------------------------------------------------------


def _sleepy(loss: Any, seconds: float) -> Any:
    def objective(value: dict) -> float:
        time.sleep(seconds)
        return loss(value)
    return objective


def regret(problems: list[str], seeds: int, n_evals: int) -> list[dict[str, Any]]:
    from _problems import PROBLEMS

    from hpsk import Trials, fmin, hp, rand, tpe

    rows = []
    for name in problems:
        problem = PROBLEMS[name]
        for label, algo, n_jobs in (("TPE sequential", tpe.suggest, 1), ("TPE 2 workers", tpe.suggest, 2),
                                    ("random", rand.suggest, 1)):
            finals = []
            for seed in range(seeds):
                trials = Trials()
                fmin(_sleepy(problem.loss, 0.01), problem.space(hp), algo=algo, max_evals=n_evals,
                     trials=trials, rstate=seed, n_jobs=n_jobs, show_progressbar=False)
                finals.append(trials.best_trial.loss - problem.optimum)
            rows.append({"problem": name, "setting": label, "seeds": seeds, "evals": n_evals,
                         "mean_regret": float(np.mean(finals)),
                         "sem": float(np.std(finals, ddof=1) / np.sqrt(len(finals)))})
            print(f"  {name:<16} {label:<15} regret {rows[-1]['mean_regret']:.4f} "
                  f"± {rows[-1]['sem']:.4f}", flush=True)
    return rows


# --------------------------------------------------------------------------
# budget
# --------------------------------------------------------------------------


def budget(budgets: list[float]) -> list[dict[str, Any]]:
    from sklearn.datasets import load_digits

    from hpsk import HyperoptClassifier

    X, y = load_digits(return_X_y=True)
    rows = []
    for seconds in budgets:
        start = time.perf_counter()
        model = HyperoptClassifier(time_budget=seconds, max_evals=10**6, n_jobs=2, random_state=0)
        model.fit(X, y)
        elapsed = time.perf_counter() - start
        statuses = model.trials_.statuses()
        rows.append({"budget": seconds, "fit_seconds": elapsed, "ratio": elapsed / seconds,
                     "trials": len(statuses), "timeouts": statuses.count("timeout"),
                     "winner": type(model.best_estimator_.steps[-1][1]).__name__})
        print(f"  time_budget={seconds:>5.0f} s: fit took {elapsed:6.1f} s "
              f"({elapsed / seconds:.2f}x), {len(statuses)} trials", flush=True)
    return rows


# --------------------------------------------------------------------------
# memory
# --------------------------------------------------------------------------

_MEMORY_SCRIPT = """
import resource, sys, pickle
from sklearn.datasets import load_iris
from hpsk import HyperoptClassifier
X, y = load_iris(return_X_y=True)
model = HyperoptClassifier(classifier="k_neighbors_classifier", max_evals=int(sys.argv[1]), cv=3,
                           random_state=0).fit(X, y)
print(len(model.trials_), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, len(pickle.dumps(model)))
"""


def memory(evals: list[int]) -> list[dict[str, Any]]:
    rows = []
    for n in evals:
        out = subprocess.run([sys.executable, "-c", _MEMORY_SCRIPT, str(n)], capture_output=True,
                             text=True, check=True).stdout.split()
        trials, peak_kb, pickled = int(out[0]), int(out[1]), int(out[2])
        rows.append({"evals": trials, "peak_rss_mb": peak_kb / 1024, "pickled_kb": pickled / 1024})
        print(f"  {trials:>4} evals: peak RSS {peak_kb / 1024:7.1f} MB, pickled estimator "
              f"{pickled / 1024:7.1f} kB", flush=True)
    return rows


# --------------------------------------------------------------------------


def _table(rows: list[dict[str, Any]], columns: list[str]) -> str:
    def cell(value: Any) -> str:
        return f"{value:.4g}" if isinstance(value, float) else str(value)
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(cell(row[c]) for c in columns) + " |" for row in rows]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", default="throughput,regret,budget,memory")
    parser.add_argument("--evals", type=int, default=40, help="evaluations per throughput run")
    parser.add_argument("--seeds", type=int, default=8, help="seeds per regret setting")
    parser.add_argument("--regret-evals", type=int, default=60)
    parser.add_argument("--problems", default="branin,hartmann6")
    parser.add_argument("--budgets", default="30,120")
    parser.add_argument("--memory-evals", default="50,500")
    args = parser.parse_args()
    only = set(args.only.split(","))

    import hpsk

    results: dict[str, Any] = {
        "date": time.strftime("%Y-%m-%d"), "machine": platform.platform(), "cpu_count": os.cpu_count(),
        "python": platform.python_version(), "hpsk": hpsk.__version__,
    }
    tables = []
    if "throughput" in only:
        print("throughput", flush=True)
        results["throughput"] = throughput(args.evals)
        tables.append(("Evaluations per minute", _table(results["throughput"],
                       ["setting", "evals", "seconds", "evals_per_min", "speedup", "mean_trial_s"])))
    if "regret" in only:
        print("regret", flush=True)
        results["regret"] = regret(args.problems.split(","), args.seeds, args.regret_evals)
        tables.append(("Final regret (mean ± s.e.m. over seeds)", _table(results["regret"],
                       ["problem", "setting", "evals", "seeds", "mean_regret", "sem"])))
    if "budget" in only:
        print("budget", flush=True)
        results["budget"] = budget([float(b) for b in args.budgets.split(",")])
        tables.append(("time_budget adherence (fit wall time, refit included)", _table(
            results["budget"], ["budget", "fit_seconds", "ratio", "trials", "timeouts", "winner"])))
    if "memory" in only:
        print("memory", flush=True)
        results["memory"] = memory([int(n) for n in args.memory_evals.split(",")])
        tables.append(("Peak memory", _table(results["memory"], ["evals", "peak_rss_mb", "pickled_kb"])))

    RESULTS.parent.mkdir(exist_ok=True)
    previous = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    previous.update(results)
    RESULTS.write_text(json.dumps(previous, indent=2))
    print(f"\n{results['date']}, {results['machine']}, {results['cpu_count']} cores, hpsk {results['hpsk']}")
    for title, table in tables:
        print(f"\n{title}\n\n{table}")


if __name__ == "__main__":
    main()
