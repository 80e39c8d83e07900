"""How optimistic is the best validation score of a search, and does hpsk's guard help?

For each dataset and seed: a fixed stratified train/test split; then, at the
same evaluation budget, three ways of choosing the winner:

* ``holdout``: one 20 % validation split, best score wins;
* ``kfold``: 5-fold CV, best mean score wins;
* ``kfold+reeval``: 5-fold CV, then the 5 best candidates are re-scored on a
  fresh 5-fold shuffle and the best mean over all their folds wins (hpsk's
  default, ``reevaluate_top=5``).

For each: the inner best score (``best_score_``), the held-out test score,
the optimism (inner minus test) and the fit time. ``--growth`` also shows how
the optimism of plain k-fold selection grows with ``max_evals``.

Run: ``python benchmarks/optimization_bias.py --seeds 3 --max-evals 30``
(needs the ``bench`` extra for the R datasets). Writes
``benchmarks/results/optimization_bias.json`` and prints markdown tables.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path

import numpy as np
import sklearn
from sklearn.model_selection import train_test_split

import hpsk
from _datasets import DATASETS, load, numeric

METHODS = {
    "holdout": {"cv": 0.2, "reevaluate_top": 0},
    "kfold": {"cv": 5, "reevaluate_top": 0},
    "kfold+reeval": {"cv": 5, "reevaluate_top": 5},
}
RESULTS = Path(__file__).parent / "results" / "optimization_bias.json"


def run_one(name: str, seed: int, method: str, max_evals: int) -> dict:
    X, y, task = load(name)
    X, y = numeric(X, y)
    stratify = y if task == "classification" else None
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=seed,
                                                        stratify=stratify)
    cls = hpsk.HyperoptClassifier if task == "classification" else hpsk.HyperoptRegressor
    model = cls(max_evals=max_evals, random_state=seed, **METHODS[method])
    start = time.perf_counter()
    model.fit(X_train, y_train)
    fit_time = time.perf_counter() - start
    test = float(model.score(X_test, y_test))
    return {"dataset": name, "seed": seed, "method": method, "max_evals": max_evals,
            "inner": float(model.best_score_), "test": test,
            "optimism": float(model.best_score_) - test, "fit_time": fit_time,
            "winner": model.describe()}


def _table(rows: list[dict], methods: list[str]) -> str:
    lines = ["| dataset | " + " | ".join(f"{m} inner / test / gap / s" for m in methods) + " |",
             "|---|" + "---|" * len(methods)]
    datasets = sorted({r["dataset"] for r in rows})
    for dataset in datasets + ["**mean**"]:
        cells = []
        for method in methods:
            chosen = [r for r in rows if r["method"] == method and (dataset == "**mean**" or r["dataset"] == dataset)]
            if not chosen:
                cells.append("")
                continue
            mean = {k: np.mean([r[k] for r in chosen]) for k in ("inner", "test", "optimism", "fit_time")}
            cells.append(f"{mean['inner']:.4f} / {mean['test']:.4f} / {mean['optimism']:+.4f} / {mean['fit_time']:.0f}")
        lines.append(f"| {dataset} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--datasets", nargs="*", default=[n for n in DATASETS if n not in ("default", "doctor_visits")])
    parser.add_argument("--methods", nargs="*", default=list(METHODS))
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--max-evals", type=int, default=30)
    parser.add_argument("--growth", nargs="*", type=int, default=[],
                        help="also run plain k-fold at these max_evals (e.g. 10 50 200)")
    args = parser.parse_args()

    stored = json.loads(RESULTS.read_text()) if RESULTS.exists() else {"runs": []}
    runs = stored["runs"]
    todo = [(d, s, m, args.max_evals) for d in args.datasets for s in range(args.seeds) for m in args.methods]
    todo += [(d, s, "kfold", n) for n in args.growth for d in args.datasets for s in range(args.seeds)]
    for dataset, seed, method, evals in todo:
        if any(r["dataset"] == dataset and r["seed"] == seed and r["method"] == method
               and r["max_evals"] == evals for r in runs):
            continue
        row = run_one(dataset, seed, method, evals)
        runs.append(row)
        print(f"{dataset:14s} seed={seed} {method:13s} evals={evals:4d} inner={row['inner']:.4f} "
              f"test={row['test']:.4f} gap={row['optimism']:+.4f} {row['fit_time']:.0f}s", flush=True)
        stored.update(runs=runs, date=time.strftime("%Y-%m-%d"), machine=f"{platform.machine()}, "
                      f"{__import__('os').cpu_count()} cores", versions={"hpsk": hpsk.__version__,
                      "sklearn": sklearn.__version__, "numpy": np.__version__})
        RESULTS.parent.mkdir(exist_ok=True)
        RESULTS.write_text(json.dumps(stored, indent=1))

    main_rows = [r for r in runs if r["max_evals"] == args.max_evals and r["dataset"] in args.datasets]
    print(f"\n### Selection at max_evals={args.max_evals} (mean over seeds)\n")
    print(_table(main_rows, [m for m in METHODS if m in args.methods]))
    if args.growth:
        print("\n### Optimism of plain 5-fold selection against max_evals\n")
        print("| max_evals | mean inner | mean test | mean gap |\n|---|---|---|---|")
        for n in sorted(set(args.growth) | {args.max_evals}):
            chosen = [r for r in runs if r["method"] == "kfold" and r["max_evals"] == n and r["dataset"] in args.datasets]
            if chosen:
                print(f"| {n} | {np.mean([r['inner'] for r in chosen]):.4f} | "
                      f"{np.mean([r['test'] for r in chosen]):.4f} | {np.mean([r['optimism'] for r in chosen]):+.4f} |")


if __name__ == "__main__":
    main()
