"""hpsk TPE against hyperopt TPE, optuna TPE and random search.

Quality: simple regret (best loss so far minus the optimum) at 50/100/200
evaluations over many seeds, per problem of :mod:`_problems`, and hpsk's
verdict against optuna (multivariate, its default), hyperopt and random
search: a paired Wilcoxon signed-rank test over seeds, read as ``better`` /
``worse`` only when p < 0.05 and the Hodges-Lehmann estimate of the paired
differences has that sign (:func:`verdict`). Problems whose optimum is
unknown (real data) report regret against the best loss any method found.
Timing: the time of one suggestion after 100 / 500 / 1000 / 5000 finished
trials on flat 10- and 30-parameter mixed spaces.

Run it in a venv that has hpsk, optuna and hyperopt::

    python -m venv .venv-bench && .venv-bench/bin/pip install -e . optuna hyperopt
    .venv-bench/bin/python benchmarks/tpe.py --seeds 30 --evals 100 --jobs 2

Results are merged into ``benchmarks/results/tpe.json`` (entries of the
methods and problems run replace earlier ones) and printed as markdown.
"""

from __future__ import annotations

import argparse
import functools
import json
import math
import os
import platform
import sys
import time
from multiprocessing import Pool
from pathlib import Path
from typing import Any, Callable

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _problems import PROBLEMS, Problem, mixed_space, optuna_objective  # noqa: E402

import hpsk  # noqa: E402
from hpsk import hp as hpsk_hp  # noqa: E402
from hpsk.algorithms import anneal, rand, tpe  # noqa: E402
from hpsk.algorithms._history import History  # noqa: E402
from hpsk.space import compile_space  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results" / "tpe.json"
CHECKPOINTS = (50, 100, 200)
METHODS = ("hpsk", "hyperopt", "optuna_mv", "optuna_ind", "random")
EXTRA_METHODS = ("hpsk_batch4", "hpsk_anneal", "hpsk_startup20", "hpsk_independent")


# --------------------------------------------------------------------------
# One run: best-so-far losses of one method on one problem with one seed.
# --------------------------------------------------------------------------


def _run_hpsk(problem: Problem, seed: int, evals: int, algo: Callable, batch: int = 1) -> list[float]:
    space = compile_space(problem.space(hpsk_hp))
    rng = np.random.default_rng(seed)
    points: list[dict] = []
    losses: list[float] = []
    while len(points) < evals:
        history = History.from_points(space, points, losses)
        for point in algo(space, history, min(batch, evals - len(points)), rng):
            points.append(point)
            losses.append(problem.loss(space.evaluate(point)))
    return losses


def _run_hyperopt(problem: Problem, seed: int, evals: int) -> list[float]:
    import hyperopt

    trials = hyperopt.Trials()
    hyperopt.fmin(problem.loss, problem.space(hyperopt.hp), algo=hyperopt.tpe.suggest, max_evals=evals,
                  trials=trials, rstate=np.random.default_rng(seed), show_progressbar=False)
    return [float(loss) for loss in trials.losses()]


def _run_optuna(problem: Problem, seed: int, evals: int, multivariate: bool) -> list[float]:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.ERROR)
    sampler = optuna.samplers.TPESampler(seed=seed, multivariate=multivariate)
    study = optuna.create_study(sampler=sampler)
    study.optimize(optuna_objective(problem, hpsk_hp), n_trials=evals)
    return [trial.value for trial in study.trials]


RUNNERS: dict[str, Callable[[Problem, int, int], list[float]]] = {
    "hpsk": functools.partial(_run_hpsk, algo=tpe.suggest),
    "hpsk_batch4": functools.partial(_run_hpsk, algo=tpe.suggest, batch=4),
    "hpsk_startup20": functools.partial(_run_hpsk, algo=functools.partial(tpe.suggest, n_startup_jobs=20)),
    "hpsk_independent": functools.partial(_run_hpsk, algo=functools.partial(tpe.suggest, multivariate=False)),
    "hpsk_anneal": functools.partial(_run_hpsk, algo=anneal.suggest),
    "random": functools.partial(_run_hpsk, algo=rand.suggest),
    "hyperopt": _run_hyperopt,
    "optuna_mv": functools.partial(_run_optuna, multivariate=True),
    "optuna_ind": functools.partial(_run_optuna, multivariate=False),
}


def _task(args: tuple[str, str, int, int]) -> tuple[str, str, int, list[float], float]:
    problem_name, method, seed, evals = args
    problem = PROBLEMS[problem_name]
    start = time.perf_counter()
    losses = RUNNERS[method](problem, seed, evals)
    best = np.minimum.accumulate(np.asarray(losses, dtype=float)) - problem.optimum
    regrets = [float(best[c - 1]) for c in CHECKPOINTS if c <= len(best)]
    return problem_name, method, seed, regrets, time.perf_counter() - start


HPSK_SPACE_METHODS = ("hpsk", "random") + EXTRA_METHODS
"""Methods that run hpsk spaces directly; the only ones run on ``hpsk_only`` problems."""


def run_quality(problems: list[str], methods: list[str], seeds: int, evals: int, jobs: int) -> dict:
    tasks = [(p, m, s, evals) for p in problems for m in methods for s in range(seeds)
             if m in HPSK_SPACE_METHODS or not PROBLEMS[p].hpsk_only]
    quality: dict[str, dict[str, dict[str, Any]]] = {}
    with Pool(jobs) as pool:
        for done, (p, m, s, regrets, seconds) in enumerate(pool.imap_unordered(_task, tasks), 1):
            entry = quality.setdefault(p, {}).setdefault(m, {"regret": {}, "seconds": 0.0})
            for c, r in zip(CHECKPOINTS, regrets):
                entry["regret"].setdefault(str(c), [None] * seeds)[s] = r
            entry["seconds"] += seconds
            if done % 50 == 0:
                print(f"  {done}/{len(tasks)} runs", file=sys.stderr, flush=True)
    return quality


# --------------------------------------------------------------------------
# Timing: one suggestion after N finished trials.
# --------------------------------------------------------------------------


def _median_ms(call: Callable[[], Any], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return 1000 * float(np.median(times))


def _timing_losses(seed: int) -> Callable[[Any], float]:
    rng = np.random.default_rng(seed)
    return lambda _value: float(rng.random())


def time_hpsk(n_blocks: int, sizes: list[int], repeats: int, **knobs: Any) -> dict[str, float]:
    space = compile_space(mixed_space(hpsk_hp, n_blocks))
    rng = np.random.default_rng(0)
    out = {}
    for n in sizes:
        points = space.sample(n, rng)
        history = History.from_points(space, points, rng.random(n))
        tpe.suggest(space, history, 1, rng, **knobs)  # warm the group cache
        out[str(n)] = _median_ms(lambda: tpe.suggest(space, history, 1, rng, **knobs), repeats)
    return out


def time_hyperopt(n_blocks: int, sizes: list[int], repeats: int) -> dict[str, float]:
    import hyperopt
    from hyperopt.base import Domain

    space = mixed_space(hyperopt.hp, n_blocks)
    objective = _timing_losses(0)
    trials = hyperopt.Trials()
    domain = Domain(objective, space)
    out = {}
    for n in sizes:
        hyperopt.fmin(objective, space, algo=hyperopt.rand.suggest, max_evals=n, trials=trials,
                      rstate=np.random.default_rng(n), show_progressbar=False)
        new_id = len(trials.trials)
        out[str(n)] = _median_ms(lambda: hyperopt.tpe.suggest([new_id], domain, trials, 0),
                                 repeats if n < 5000 else 3)
    return out


def time_optuna(n_blocks: int, sizes: list[int], repeats: int, multivariate: bool) -> dict[str, float]:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.ERROR)
    hpsk_space = mixed_space(hpsk_hp, n_blocks)
    from _problems import optuna_point

    objective = _timing_losses(0)
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    out = {}
    for n in sizes:
        study.sampler = optuna.samplers.RandomSampler(seed=n)
        study.optimize(lambda t: objective(optuna_point(t, hpsk_space)), n_trials=n - len(study.trials))
        study.sampler = optuna.samplers.TPESampler(seed=0, multivariate=multivariate)
        # One ask (which samples every parameter) is one suggestion; told as
        # failed so the finished count stays n.
        def ask() -> None:
            trial = study.ask()
            optuna_point(trial, hpsk_space)
            study.tell(trial, state=optuna.trial.TrialState.FAIL)
        out[str(n)] = _median_ms(ask, repeats if n < 5000 else 3)
    return out


def run_timing(sizes: list[int], methods: list[str], repeats: int) -> dict:
    timing: dict[str, dict[str, dict[str, float]]] = {}
    for n_blocks in (1, 3):
        key = f"{10 * n_blocks}d"
        for method in methods:
            print(f"  timing {method} {key}", file=sys.stderr, flush=True)
            if method == "hpsk":
                result = time_hpsk(n_blocks, sizes, repeats)
            elif method == "hpsk_independent":
                result = time_hpsk(n_blocks, sizes, repeats, multivariate=False)
            elif method == "hyperopt":
                result = time_hyperopt(n_blocks, sizes, repeats)
            elif method in ("optuna_mv", "optuna_ind"):
                result = time_optuna(n_blocks, sizes, repeats, method == "optuna_mv")
            else:
                continue
            timing.setdefault(key, {})[method] = result
    return timing


# --------------------------------------------------------------------------
# Reporting.
# --------------------------------------------------------------------------


def hodges_lehmann(differences: np.ndarray) -> float:
    """The Hodges-Lehmann location of paired differences: the median of all Walsh averages.

    It is the location estimate that goes with the Wilcoxon signed-rank test
    (the test asks whether this location is 0), so its sign is the direction
    the test's p-value speaks about; the mean can point the other way when
    one seed has an outlier.
    """
    d = np.asarray(differences, dtype=float)
    i, j = np.triu_indices(len(d))
    return float(np.median((d[i] + d[j]) / 2.0))


def verdict(ours: list[float], theirs: list[float], alpha: float = 0.05) -> tuple[str, float, float]:
    """``("better" | "worse" | "~", p, hodges_lehmann)`` for paired regrets, lower is better.

    ``better`` / ``worse`` only when the paired Wilcoxon signed-rank test has
    ``p < alpha`` *and* the Hodges-Lehmann estimate of ``ours - theirs`` is
    negative / positive; a significant p with a zero estimate (e.g. many tied
    seeds) stays ``~``.
    """
    from scipy.stats import wilcoxon

    a, b = np.asarray(ours, dtype=float), np.asarray(theirs, dtype=float)
    if len(a) != len(b) or np.array_equal(a, b):
        return "~", math.nan, 0.0
    p = float(wilcoxon(a, b).pvalue)
    shift = hodges_lehmann(a - b)
    if p < alpha and shift < 0:
        return "better", p, shift
    if p < alpha and shift > 0:
        return "worse", p, shift
    return "~", p, shift


def _compare(ours: list[float], theirs: list[float]) -> str:
    """The :func:`verdict` as a table cell, e.g. ``better (p=0.003, HL=-0.012)``."""
    word, p, shift = verdict(ours, theirs)
    if math.isnan(p):
        return "~ (identical)"
    return f"{word} (p={p:.2g}, HL={shift:.2g})"


PEERS = ("optuna_mv", "hyperopt", "random")


def relative_regrets(quality: dict) -> tuple[dict, dict[str, float]]:
    """Regrets for the table: raw losses of ``relative`` problems minus the best any method/seed found.

    Returns the adjusted copy of ``quality`` and the reference (best) loss
    per relative problem.
    """
    adjusted, reference = {}, {}
    for problem, by_method in quality.items():
        if problem not in PROBLEMS or not PROBLEMS[problem].relative:
            adjusted[problem] = by_method
            continue
        best = min(v for entry in by_method.values() for values in entry["regret"].values()
                   for v in values if v is not None)
        reference[problem] = best
        adjusted[problem] = {m: {**entry, "regret": {c: [None if v is None else v - best for v in values]
                                                      for c, values in entry["regret"].items()}}
                             for m, entry in by_method.items()}
    return adjusted, reference


def quality_table(quality: dict, checkpoint: int, methods: list[str]) -> str:
    """Mean / median regret per problem and method, and hpsk's verdict against each peer.

    Problems where the peers did not run (hpsk-only spaces) compare hpsk
    with random search and hpsk's annealing instead, when those ran. A last
    row counts the verdicts per peer.
    """
    key = str(checkpoint)
    peers = [peer for peer in list(PEERS) + ["hpsk_anneal"] if any(peer in by_method for by_method in quality.values())]
    header = ["problem"] + methods + [f"hpsk vs {peer}" for peer in peers]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    counts = {peer: {"better": 0, "worse": 0, "~": 0} for peer in peers}

    def complete(values: Any) -> bool:
        return values is not None and all(v is not None for v in values)

    for problem, by_method in quality.items():
        row = [problem]
        for m in methods:
            values = by_method.get(m, {}).get("regret", {}).get(key)
            row.append(f"{np.mean(values):.3g} / {np.median(values):.3g}" if complete(values) else "")
        hpsk_values = by_method.get("hpsk", {}).get("regret", {}).get(key)
        for peer in peers:
            peer_values = by_method.get(peer, {}).get("regret", {}).get(key)
            if complete(hpsk_values) and complete(peer_values) and len(hpsk_values) == len(peer_values):
                row.append(_compare(hpsk_values, peer_values))
                counts[peer][verdict(hpsk_values, peer_values)[0]] += 1
            else:
                row.append("")
        lines.append("| " + " | ".join(row) + " |")
    summary = ["**hpsk better / ~ / worse**"] + [""] * len(methods) + [
        f"{c['better']} / {c['~']} / {c['worse']}" for c in counts.values()]
    lines.append("| " + " | ".join(summary) + " |")
    note = ("\nVerdict: paired Wilcoxon signed-rank test over seeds; `better`/`worse` only when p < 0.05 "
            "and the Hodges-Lehmann estimate (HL) of hpsk - peer regret is negative/positive, else `~`.")
    return "\n".join(lines) + "\n" + note


def comparison_table(quality: dict, checkpoint: int, ours: str, others: list[str]) -> str:
    """Mean / median regret of ``ours`` and ``others``, with ``ours``' verdict against each other."""
    key = str(checkpoint)
    header = ["problem", ours] + others + [f"{ours} vs {o}" for o in others]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    counts = {o: {"better": 0, "~": 0, "worse": 0} for o in others}
    for problem, by_method in quality.items():
        values = {m: by_method[m]["regret"][key] for m in [ours] + others}
        row = [problem] + [f"{np.mean(v):.3g} / {np.median(v):.3g}" for v in values.values()]
        for o in others:
            row.append(_compare(values[ours], values[o]))
            counts[o][verdict(values[ours], values[o])[0]] += 1
        lines.append("| " + " | ".join(row) + " |")
    lines.append("| " + " | ".join([f"**{ours} better / ~ / worse**"] + [""] * (1 + len(others)) + [
        f"{c['better']} / {c['~']} / {c['worse']}" for c in counts.values()]) + " |")
    return "\n".join(lines)


def timing_table(timing: dict) -> str:
    lines = []
    for space_key, by_method in timing.items():
        sizes = list(next(iter(by_method.values())))
        lines.append(f"\nms per suggestion, {space_key} mixed space (median)\n")
        lines.append("| method | " + " | ".join(f"N={n}" for n in sizes) + " |")
        lines.append("|" + "---|" * (len(sizes) + 1))
        for method, by_size in by_method.items():
            lines.append(f"| {method} | " + " | ".join(f"{by_size[n]:.3g}" for n in sizes) + " |")
    return "\n".join(lines)


def _versions() -> dict[str, str]:
    versions = {"python": platform.python_version(), "hpsk": hpsk.__version__, "numpy": np.__version__,
                "cpus": str(os.cpu_count())}
    for name in ("scipy", "optuna", "hyperopt"):
        try:
            versions[name] = __import__(name).__version__
        except ImportError:
            versions[name] = "not installed"
    return versions


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--problems", nargs="*", default=list(PROBLEMS), choices=list(PROBLEMS))
    parser.add_argument("--methods", nargs="*", default=list(METHODS), choices=list(RUNNERS))
    parser.add_argument("--seeds", type=int, default=30)
    parser.add_argument("--evals", type=int, default=200, help="evaluations per run (checkpoints 50/100/200)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--timing-only", action="store_true")
    parser.add_argument("--quality-only", action="store_true")
    parser.add_argument("--timing-sizes", nargs="*", type=int, default=[100, 500, 1000, 5000])
    parser.add_argument("--timing-repeats", type=int, default=7)
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)

    results = json.loads(args.output.read_text()) if args.output.exists() else {}
    results["versions"] = _versions()
    if not args.timing_only:
        start = time.perf_counter()
        quality = run_quality(args.problems, args.methods, args.seeds, args.evals, args.jobs)
        for problem, by_method in quality.items():
            results.setdefault("quality", {}).setdefault(problem, {}).update(by_method)
        results.setdefault("quality_config", {})["last_run"] = {
            "seeds": args.seeds, "evals": args.evals, "methods": args.methods, "problems": args.problems,
            "seconds": time.perf_counter() - start}
    if not args.quality_only:
        timing_methods = [m for m in args.methods if m in ("hpsk", "hpsk_independent", "hyperopt",
                                                           "optuna_mv", "optuna_ind")]
        timing = run_timing(args.timing_sizes, timing_methods, args.timing_repeats)
        for space_key, by_method in timing.items():
            results.setdefault("timing", {}).setdefault(space_key, {}).update(by_method)
    if "quality" in results:
        results["relative_reference"] = relative_regrets(results["quality"])[1]
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=1))

    print("versions:", json.dumps(results["versions"]))
    if "quality" in results:
        quality, reference = relative_regrets(results["quality"])
        for problem, best in reference.items():
            print(f"{problem}: regret = loss - {best:.4g}, the best loss any method found with any seed")
        shown = [m for m in list(METHODS) + list(EXTRA_METHODS)
                 if any(m in by_method for by_method in results["quality"].values())]
        for checkpoint in CHECKPOINTS:
            if not any(str(checkpoint) in entry["regret"] for by_method in quality.values()
                       for entry in by_method.values()):
                continue
            print(f"\nregret after {checkpoint} evaluations, mean / median over seeds\n")
            print(quality_table(quality, checkpoint, shown))
    if "holdout_seeds_30_59" in results:
        holdout = results["holdout_seeds_30_59"]
        for checkpoint in (50, 100):
            print(f"\nfresh seeds 30-59 ({holdout['note']}), regret after {checkpoint} evaluations\n")
            print(comparison_table(holdout["quality"], checkpoint, "hpsk", ["optuna_mv", "hpsk_old"]))
    if "timing" in results:
        print(timing_table(results["timing"]))


if __name__ == "__main__":
    main()
