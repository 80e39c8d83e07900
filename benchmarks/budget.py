"""Does ``fit`` hold its ``time_budget``? Wall time against budget, ``n_jobs`` 1 and 2.

Runs ``HyperoptClassifier`` / ``HyperoptRegressor`` with ``time_budget`` of 10,
30 and 60 s (``max_evals=None``, ``trial_timeout`` unset, the default search)
on three data sets, and prints the wall time of each ``fit`` (search, ensemble
selection and refit), its ratio to the budget, and the trials run. Writes
``benchmarks/results/budget.json``.

    python benchmarks/budget.py [--budgets 10 30 60] [--n-jobs 1 2]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time

import numpy as np
from sklearn.datasets import load_breast_cancer, make_classification, make_regression

from hpsk import HyperoptClassifier, HyperoptRegressor


def datasets() -> dict[str, tuple[type, np.ndarray, np.ndarray]]:
    X_cancer, y_cancer = load_breast_cancer(return_X_y=True)
    X_clf, y_clf = make_classification(3000, 40, n_informative=12, random_state=0)
    X_reg, y_reg = make_regression(5000, 20, n_informative=10, noise=10.0, random_state=0)
    return {"breast_cancer 569x30": (HyperoptClassifier, X_cancer, y_cancer),
            "classification 3000x40": (HyperoptClassifier, X_clf, y_clf),
            "regression 5000x20": (HyperoptRegressor, X_reg, y_reg)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budgets", type=float, nargs="+", default=[10, 30, 60])
    parser.add_argument("--n-jobs", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--json", default=os.path.join(os.path.dirname(__file__), "results", "budget.json"))
    args = parser.parse_args()
    rows = []
    print("| data | n_jobs | budget s | wall s | wall / budget | trials |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, (cls, X, y) in datasets().items():
        for n_jobs in args.n_jobs:
            for budget in args.budgets:
                start = time.monotonic()
                model = cls(max_evals=None, time_budget=budget, n_jobs=n_jobs, random_state=0).fit(X, y)
                wall = time.monotonic() - start
                row = {"data": name, "n_jobs": n_jobs, "budget": budget, "wall": round(wall, 2),
                       "ratio": round(wall / budget, 3), "trials": len(model.trials_),
                       "ok": model.trials_.n_ok, "model": model.describe()}
                rows.append(row)
                print(f"| {name} | {n_jobs} | {budget:g} | {wall:.1f} | {wall / budget:.3f} | {len(model.trials_)} |",
                      flush=True)
    worst = max(rows, key=lambda r: r["ratio"])
    print(f"worst: {worst['ratio']:.3f} x budget ({worst['data']}, n_jobs={worst['n_jobs']}, "
          f"{worst['budget']:g} s)")
    os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
    with open(args.json, "w") as handle:
        json.dump({"date": time.strftime("%Y-%m-%d"), "machine": f"{platform.machine()}, {os.cpu_count()} cores",
                   "runs": rows}, handle, indent=1)


if __name__ == "__main__":
    main()
