"""hpsk TPE against optuna's multivariate TPE, pooled over every seed in tpe.json.

``benchmarks/tpe.py`` stores seeds 0-29 (used to choose the defaults) under
``quality`` and the check on fresh seeds 30-59 under ``holdout_seeds_30_59``.
This pools both for each problem at one evaluation count and applies the same
verdict rule: a paired Wilcoxon p < 0.05 and a Hodges-Lehmann shift in that
direction. Run: ``python benchmarks/tpe_pooled.py [--evals 100]``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from scipy.stats import wilcoxon

RESULTS = Path(__file__).parent / "results" / "tpe.json"


def _regret(entry: dict, evals: str) -> list[float]:
    regret = entry["regret"]
    return regret[evals] if isinstance(regret, dict) else regret


def hodges_lehmann(differences: np.ndarray) -> float:
    """Median of the pairwise (Walsh) averages of paired differences."""
    walsh = (differences[:, None] + differences[None, :]) / 2
    return float(np.median(walsh[np.triu_indices(len(differences))]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--evals", default="100")
    args = parser.parse_args()
    stored = json.loads(RESULTS.read_text())
    first, fresh = stored["quality"], stored["holdout_seeds_30_59"]["quality"]
    counts = {"better": 0, "~": 0, "worse": 0}
    print(f"| problem | seeds | hpsk mean | optuna_mv mean | p | hpsk vs optuna_mv |\n|---|---|---|---|---|---|")
    for problem in fresh:
        ours = np.r_[_regret(first[problem]["hpsk"], args.evals), _regret(fresh[problem]["hpsk"], args.evals)]
        theirs = np.r_[_regret(first[problem]["optuna_mv"], args.evals),
                       _regret(fresh[problem]["optuna_mv"], args.evals)]
        p = float(wilcoxon(ours, theirs).pvalue)
        shift = hodges_lehmann(ours - theirs)
        verdict = "better" if p < 0.05 and shift < 0 else "worse" if p < 0.05 and shift > 0 else "~"
        counts[verdict] += 1
        print(f"| {problem} | {len(ours)} | {ours.mean():.4g} | {theirs.mean():.4g} | {p:.3g} | {verdict} |")
    print(f"| **better / ~ / worse** | | | | | {counts['better']} / {counts['~']} / {counts['worse']} |")


if __name__ == "__main__":
    main()
