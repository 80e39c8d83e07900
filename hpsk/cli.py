"""Command line: ``python -m hpsk`` (or ``hpsk``) runs the demo search."""

from __future__ import annotations

import argparse
import sys
import time
from typing import Sequence

__all__ = ["main", "demo"]


def demo(max_evals: int = 30, random_state: int = 0, verbose: int = 1) -> float:
    """Search pipelines for sklearn's digits, print the winner and its test accuracy."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    from . import HyperoptClassifier

    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=0)
    print(f"hpsk demo: digits, {X_train.shape[0]} training and {X_test.shape[0]} test images, "
          f"{max_evals} evaluations")
    start = time.perf_counter()
    model = HyperoptClassifier(max_evals=max_evals, random_state=random_state, verbose=verbose)
    model.fit(X_train, y_train)
    accuracy = model.score(X_test, y_test)
    failed = sum(status != "ok" for status in model.trials_.statuses())
    print(f"searched {len(model.trials_)} pipelines in {time.perf_counter() - start:.1f} s "
          f"({failed} failed)")
    print(f"chosen pipeline: {model.describe()}")
    print(model.best_estimator_)
    print(f"test accuracy: {accuracy:.4f}")
    return accuracy


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="hpsk", description=__doc__)
    commands = parser.add_subparsers(dest="command")
    demo_parser = commands.add_parser("demo", help="search pipelines for sklearn's digits (default)")
    demo_parser.add_argument("--max-evals", type=int, default=30)
    demo_parser.add_argument("--random-state", type=int, default=0)
    args = parser.parse_args(argv)
    if args.command in (None, "demo"):
        demo(max_evals=getattr(args, "max_evals", 30), random_state=getattr(args, "random_state", 0))
        return 0
    parser.print_help()
    return 2


if __name__ == "__main__":
    sys.exit(main())
