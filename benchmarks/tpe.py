"""hpsk TPE against hyperopt TPE, optuna TPE and random search.

Quality: simple regret (best loss so far minus the optimum) at 50/100/200
evaluations over many seeds, per problem of :mod:`_problems`, with a paired
Wilcoxon signed-rank test of hpsk against optuna (multivariate, its default)
and against hyperopt. Timing: the time of one suggestion after 100 / 500 /
1000 / 5000 finished trials on flat 10- and 30-parameter mixed spaces.

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


def run_quality(problems: list[str], methods: list[str], seeds: int, evals: int, jobs: int) -> dict:
    tasks = [(p, m, s, evals) for p in problems for m in methods for s in range(seeds)]
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


def _compare(ours: list[float], theirs: list[float]) -> str:
    """``better`` / ``worse`` at p < 0.05 (paired Wilcoxon), else ``~``, with the p-value."""
    from scipy.stats import wilcoxon

    a, b = np.asarray(ours, dtype=float), np.asarray(theirs, dtype=float)
    if len(a) != len(b) or np.allclose(a, b):
        return "~"
    p = float(wilcoxon(a, b).pvalue)
    if p >= 0.05:
        return f"~ (p={p:.2f})"
    return f"{'better' if np.median(a - b) < 0 or np.mean(a - b) < 0 else 'worse'} (p={p:.3f})"


def quality_table(quality: dict, checkpoint: int, methods: list[str]) -> str:
    key = str(checkpoint)
    header = ["problem"] + methods + ["hpsk vs optuna_mv", "hpsk vs hyperopt"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for problem, by_method in quality.items():
        row = [problem]
        for m in methods:
            values = by_method.get(m, {}).get("regret", {}).get(key)
            if values is None or any(v is None for v in values):
                row.append("")
            else:
                row.append(f"{np.mean(values):.3g} / {np.median(values):.3g}")
        hpsk_values = by_method.get("hpsk", {}).get("regret", {}).get(key)
        for peer in ("optuna_mv", "hyperopt"):
            peer_values = by_method.get(peer, {}).get("regret", {}).get(key)
            row.append(_compare(hpsk_values, peer_values) if hpsk_values and peer_values else "")
        lines.append("| " + " | ".join(row) + " |")
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
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=1))

    print("versions:", json.dumps(results["versions"]))
    if "quality" in results:
        shown = [m for m in list(METHODS) + list(EXTRA_METHODS)
                 if any(m in by_method for by_method in results["quality"].values())]
        for checkpoint in CHECKPOINTS:
            if not any(str(checkpoint) in entry["regret"] for by_method in results["quality"].values()
                       for entry in by_method.values()):
                continue
            print(f"\nregret after {checkpoint} evaluations, mean / median over seeds\n")
            print(quality_table(results["quality"], checkpoint, shown))
    if "timing" in results:
        print(timing_table(results["timing"]))


if __name__ == "__main__":
    main()
