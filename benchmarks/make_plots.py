"""Render the README's plots of a real search to ``docs/img/*.png``.

A random search over ``any_classifier`` after ``any_preprocessing`` on
scikit-learn's breast-cancer data (569 samples, 30 features, 5-fold CV),
then the four plots of :mod:`hpsk.plotting`::

    python benchmarks/make_plots.py            # 40 evaluations, about a minute on 1 core
    python benchmarks/make_plots.py --max-evals 80 --out docs/img

Prints the path of each PNG written.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

# One native thread per fit: OpenMP pools that spin on a busy machine are slow.
os.environ.setdefault("OMP_NUM_THREADS", "1")

import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from sklearn.datasets import load_breast_cancer  # noqa: E402

from hpsk import HyperoptClassifier, rand  # noqa: E402
from hpsk.components import any_classifier  # noqa: E402
from hpsk.plotting import plot_history, plot_importance, plot_learners, plot_parameter  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-evals", type=int, default=40)
    parser.add_argument("--random-state", type=int, default=0)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "img")
    args = parser.parse_args()

    X, y = load_breast_cancer(return_X_y=True)
    classifiers = any_classifier("classifier")
    start = time.perf_counter()
    model = HyperoptClassifier(classifier=classifiers, algo=rand.suggest, max_evals=args.max_evals,
                               random_state=args.random_state).fit(X, y)
    print(f"searched {len(model.trials_)} pipelines in {time.perf_counter() - start:.0f} s: "
          f"{model.describe()}")

    args.out.mkdir(parents=True, exist_ok=True)
    plots = {
        "history": lambda ax: plot_history(model, ax=ax),
        "learners": lambda ax: plot_learners(model, ax=ax),
        "parameter": lambda ax: plot_parameter(model, "classifier", space=classifiers, ax=ax),
        "importance": lambda ax: plot_importance(model, ax=ax, max_params=10),
    }
    for name, draw in plots.items():
        fig, ax = plt.subplots(figsize=(7, 4.5))
        draw(ax)
        fig.tight_layout()
        path = args.out / f"{name}.png"
        fig.savefig(path, dpi=110)
        plt.close(fig)
        print(path)


if __name__ == "__main__":
    main()
