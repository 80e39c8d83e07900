"""Command line: search pipelines for a CSV file, predict with them, show them.

``python -m hpsk`` (or ``hpsk``) with no command runs the demo search on
sklearn's digits. The other commands::

    hpsk fit train.csv --target COLUMN [--task auto|classification|regression]
             [--time-budget S] [--max-evals N] [--n-jobs N] [--output model.joblib]
    hpsk predict model.joblib test.csv [--output preds.csv]
    hpsk show model.joblib

``fit`` saves the fitted estimator itself (a :class:`~hpsk.HyperoptClassifier`
or :class:`~hpsk.HyperoptRegressor`) with :func:`hpsk.save`: a joblib file, or
a skops file when the name ends in ``.skops`` (``pip install "hpsk[skops]"``).
In Python, ``hpsk.load("model.skops")`` (or ``joblib.load("model.joblib")``)
gives an estimator that predicts, and :func:`hpsk.export_code` takes it. What
the command line knows about the run is in the estimator's ``training_info_``
dict: ``task``, ``target`` (the column predicted), ``input_columns`` (the
feature columns, in order), ``train_file``, ``n_rows``, ``fit_seconds``,
``created`` (UTC, ISO 8601) and ``versions`` (of hpsk, scikit-learn, numpy,
xgboost, pandas and Python). ``predict`` and ``show`` read these files, any
fitted hpsk estimator saved with :func:`hpsk.save` (fitted on a DataFrame,
for ``predict``), and the dict bundles that earlier versions of ``fit``
saved (format 1).

The CSV's columns go to the estimator as a DataFrame, text columns included:
its searched column preprocessing imputes and encodes them (see
:mod:`hpsk.tabular`), and levels unseen in training are handled at predict
time. Rows without a target are dropped.

Errors in the input (a missing file, an unknown column, a bad number, a skops
file naming types hpsk does not trust) are reported in one line on stderr with
exit status 2. The CSV commands need pandas (``pip install "hpsk[pandas]"``).
Only load joblib files you trust: they can run code when loaded; skops files
are checked first (see :mod:`hpsk.persistence`).
"""

from __future__ import annotations

import argparse
import datetime
import difflib
import os
import sys
import time
from typing import TYPE_CHECKING, Any, Callable, NoReturn, Sequence

from .versions import library_versions

if TYPE_CHECKING:  # for annotations only: pandas is optional, the estimator is imported where used
    import pandas as pd

    from .estimator import HyperoptEstimator

__all__ = ["main", "demo"]

# The dict bundle that earlier versions of ``hpsk fit`` saved (still read):
# {"format": _BUNDLE_FORMAT, "format_version": 1, "estimator": ..., and the
# keys of ``training_info_``}.
_BUNDLE_FORMAT = "hpsk-model"
_BUNDLE_VERSION = 1
_ALGORITHMS = ("tpe", "rand", "anneal")


class InputError(Exception):
    """A problem with the user's input: reported in one line, exit status 2."""


# --------------------------------------------------------------------------
# The demo (the default command).
# --------------------------------------------------------------------------


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


# --------------------------------------------------------------------------
# Argument parsing.
# --------------------------------------------------------------------------


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors (argparse prints the whole usage first)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def _number(convert: Callable[[str], Any], valid: Callable[[Any], bool], expected: str) -> Callable[[str], Any]:
    """An argparse type: ``convert`` the text, then check it, failing with one clear line."""

    def parse(text: str) -> Any:
        try:
            value = convert(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}") from None
        if not valid(value):
            raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}")
        return value

    return parse


_positive_int = _number(int, lambda v: v >= 1, "a positive integer")
_nonzero_int = _number(int, lambda v: v != 0, "a non-zero integer such as 1, 4 or -1 (-1 means every core)")
_positive_seconds = _number(float, lambda v: 0 < v < float("inf"), "a positive, finite number of seconds")
_seed = _number(int, lambda v: 0 <= v < 2**32, "an integer seed in [0, 2**32)")
_count = _number(int, lambda v: v >= 0, "a non-negative integer")


def _build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="hpsk", description="Search scikit-learn pipelines with hpsk. "
                     "Without a command, run the demo search on sklearn's digits.")
    commands = parser.add_subparsers(dest="command", metavar="{demo,fit,predict,show}")

    demo_parser = commands.add_parser("demo", help="search pipelines for sklearn's digits (default)")
    demo_parser.add_argument("--max-evals", type=_positive_int, default=30)
    demo_parser.add_argument("--random-state", type=_seed, default=0)

    fit = commands.add_parser("fit", help="search pipelines for a CSV file and save the best")
    fit.add_argument("train", help="CSV file with a header row")
    fit.add_argument("--target", required=True, help="the column to predict")
    fit.add_argument("--task", choices=("auto", "classification", "regression"), default="auto",
                     help="auto: classification for text, booleans and integers with at most "
                          "20 distinct values; regression otherwise (default: auto)")
    fit.add_argument("--time-budget", type=_positive_seconds, metavar="S",
                     help="seconds for the whole fit, refit included")
    fit.add_argument("--max-evals", type=_positive_int, metavar="N",
                     help="pipelines to try (default: 50; with --time-budget, as many as fit)")
    fit.add_argument("--n-jobs", type=_nonzero_int, default=1, metavar="N",
                     help="pipelines evaluated in parallel; -1 for every core (default: 1)")
    fit.add_argument("--output", default="model.joblib", metavar="PATH",
                     help="where to save the model: joblib, or skops for a name ending in .skops "
                          "(default: model.joblib)")
    fit.add_argument("--algo", choices=_ALGORITHMS, default="tpe",
                     help="search algorithm (default: tpe)")
    fit.add_argument("--ensemble-size", type=_count, default=20, metavar="N",
                     help="rounds of ensemble selection over the best pipelines; 0 saves the "
                          "single best pipeline (default: 20)")
    fit.add_argument("--random-state", type=_seed, metavar="SEED",
                     help="seed for a reproducible search")
    fit.add_argument("--top", type=_positive_int, default=10, metavar="N",
                     help="leaderboard rows to print (default: 10)")
    fit.add_argument("--quiet", action="store_true", help="no progress bar")

    predict = commands.add_parser("predict", help="predict the target for a CSV file")
    predict.add_argument("model", help="a model saved by 'hpsk fit' (.joblib or .skops)")
    predict.add_argument("data", help="CSV file with the training file's feature columns")
    predict.add_argument("--output", metavar="PATH",
                         help="CSV file for the predictions (default: standard output)")

    show = commands.add_parser("show", help="print a saved model's pipeline, scores and versions")
    show.add_argument("model", help="a model saved by 'hpsk fit' (.joblib or .skops)")
    return parser


# --------------------------------------------------------------------------
# Files.
# --------------------------------------------------------------------------


def _pandas() -> Any:
    try:
        import pandas as pd
    except ImportError:
        raise InputError('reading CSV files needs pandas: pip install "hpsk[pandas]"') from None
    return pd


def _read_csv(path: str) -> pd.DataFrame:
    pd = _pandas()
    if not os.path.isfile(path):
        raise InputError(f"no such file: {path!r}")
    try:
        frame = pd.read_csv(path)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
        message = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise InputError(f"cannot read {path!r} as CSV: {message}") from None
    if frame.shape[0] == 0:
        raise InputError(f"{path!r} has a header but no rows")
    return frame


def _check_column(frame: pd.DataFrame, column: str, path: str) -> None:
    if column in frame.columns:
        return
    names = [str(c) for c in frame.columns]
    close = difflib.get_close_matches(column, names, n=3)
    hint = f"; did you mean {', '.join(map(repr, close))}?" if close else f"; columns: {', '.join(names)}"
    raise InputError(f"{path!r} has no column {column!r}{hint}")


def _infer_task(target: pd.Series) -> str:
    """The estimator's rule: labels are classification, continuous numbers regression."""
    import numpy as np

    pd = _pandas()
    if not pd.api.types.is_numeric_dtype(target) or pd.api.types.is_bool_dtype(target):
        return "classification"
    values = target.to_numpy(dtype=float)
    if not np.all(values == np.round(values)):
        return "regression"
    return "classification" if len(np.unique(values)) <= 20 else "regression"


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def _load_model(path: str) -> tuple[HyperoptEstimator, dict[str, Any]]:
    """The fitted estimator in ``path`` and what is known of its training run.

    Reads what ``fit`` saves (an estimator with ``training_info_``), other
    fitted hpsk estimators (their info is empty) and the dict bundles of
    earlier versions.
    """
    from . import persistence
    from .estimator import HyperoptEstimator

    if not os.path.isfile(path):
        raise InputError(f"no such file: {path!r}")
    try:
        model = persistence.load(path)
    except ImportError as error:
        raise InputError(f"cannot load {path!r}: {_first_line(error)}") from None
    except persistence.UntrustedTypesError as error:
        raise InputError(f"cannot load {path!r}: it names types hpsk does not trust "
                         f"({', '.join(error.types)}); if you trust the file, load it in Python "
                         f"with hpsk.load(path, trusted=[...])") from None
    except Exception as error:  # noqa: BLE001 - any unreadable file is an input error
        raise InputError(f"cannot load {path!r} as a model: {type(error).__name__}: "
                         f"{_first_line(error)}") from None
    if isinstance(model, dict) and model.get("format") == _BUNDLE_FORMAT:
        if model.get("format_version") != _BUNDLE_VERSION:
            raise InputError(f"{path!r} was saved in bundle format {model.get('format_version')!r}; "
                             f"this hpsk reads format {_BUNDLE_VERSION}")
        info = {key: value for key, value in model.items()
                if key not in ("format", "format_version", "estimator")}
        model = model.get("estimator")
    else:
        info = dict(getattr(model, "training_info_", None) or {})
    if not isinstance(model, HyperoptEstimator):
        raise InputError(f"{path!r} is not a model saved by 'hpsk fit' (it holds a "
                         f"{type(model).__name__}, not an hpsk estimator)")
    if not hasattr(model, "best_estimator_"):
        raise InputError(f"{path!r} holds a {type(model).__name__} that has not been fitted "
                         "(or was fitted with refit=False)")
    return model, info


def _input_columns(estimator: HyperoptEstimator, info: dict[str, Any], path: str) -> list[str]:
    if "input_columns" in info:
        return list(info["input_columns"])
    if hasattr(estimator, "feature_names_in_"):  # fitted on a frame with string column names
        return [str(c) for c in estimator.feature_names_in_]
    raise InputError(f"{path!r} was fitted on an array without column names; 'hpsk predict' "
                     "needs a model fitted on a table (by 'hpsk fit', or on a DataFrame)")


def _task_of(estimator: HyperoptEstimator, info: dict[str, Any]) -> str:
    return info.get("task") or ("classification" if hasattr(estimator, "classes_") else "regression")


def _leaderboard_text(estimator: HyperoptEstimator, top: int) -> str:
    from .leaderboard import leaderboard

    board = leaderboard(estimator, top=top)
    columns = ["rank", "learner", "preprocessing", "mean_test_score", "std_test_score",
               "mean_fit_time", "status"]
    return board[columns].to_string(index=False, float_format=lambda v: f"{v:.4f}")


# --------------------------------------------------------------------------
# Commands.
# --------------------------------------------------------------------------


def _training_data(args: argparse.Namespace) -> tuple[pd.DataFrame, pd.Series]:
    """The feature columns and the target of ``args.train``."""
    data = _read_csv(args.train)
    _check_column(data, args.target, args.train)
    target = data[args.target]
    missing = target.isna().to_numpy()
    if missing.all():
        raise InputError(f"the target column {args.target!r} is empty")
    if missing.any():
        print(f"hpsk: dropping {int(missing.sum())} rows without a target", file=sys.stderr)
        data, target = data[~missing], target[~missing]
    features = data.drop(columns=[args.target])
    if features.shape[1] == 0:
        raise InputError(f"{args.train!r} has no feature columns besides the target {args.target!r}")
    return features, target


def _check_output(path: str) -> None:
    """Fail before the search, not after it, when the model cannot be saved to ``path``."""
    from . import persistence

    output_dir = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(output_dir):
        raise InputError(f"cannot save to {path!r}: no such directory {output_dir!r}")
    try:
        persistence.check_format(path)
    except ImportError as error:
        raise InputError(f"cannot save to {path!r}: {error}") from None


def _announce(args: argparse.Namespace, features: pd.DataFrame, task: str) -> None:
    """The line printed before the search: the data, the target, the task and the budget."""
    from .estimator import DEFAULT_MAX_EVALS

    text_columns = [c for c in features.columns if not _pandas().api.types.is_numeric_dtype(features[c])]
    encoded_note = f", {len(text_columns)} non-numeric" if text_columns else ""
    budget = ([f"{args.max_evals or DEFAULT_MAX_EVALS} evaluations"]
              if args.max_evals or not args.time_budget else [])
    budget += [f"{args.time_budget:g} s"] if args.time_budget else []
    print(f"hpsk fit: {args.train}: {features.shape[0]} rows, {features.shape[1]} feature columns"
          f"{encoded_note}; target {args.target!r} ({task}); budget {' or '.join(budget)}")


def _training_info(args: argparse.Namespace, features: pd.DataFrame, task: str, seconds: float) -> dict[str, Any]:
    """``training_info_``: what the saved model was fitted on, and when."""
    return {
        "task": task,
        "target": args.target,
        "input_columns": [str(c) for c in features.columns],
        "train_file": os.path.abspath(args.train),
        "n_rows": int(features.shape[0]),
        "fit_seconds": seconds,
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "versions": library_versions(),
    }


def _fit(args: argparse.Namespace) -> int:
    from . import HyperoptClassifier, HyperoptRegressor, algorithms, persistence
    from .exceptions import AllTrialsFailed

    _check_output(args.output)
    features, target = _training_data(args)
    task = _infer_task(target) if args.task == "auto" else args.task
    if task == "regression" and not _pandas().api.types.is_numeric_dtype(target):
        raise InputError(f"regression needs a numeric target, but {args.target!r} holds text "
                         f"(e.g. {target.iloc[0]!r}); use --task classification")
    cls = HyperoptClassifier if task == "classification" else HyperoptRegressor
    estimator = cls(
        algo=getattr(algorithms, args.algo).suggest,
        max_evals=args.max_evals,  # None: until the time budget, or the estimator's default count
        time_budget=args.time_budget,
        n_jobs=args.n_jobs,
        ensemble_size=args.ensemble_size,
        random_state=args.random_state,
        verbose=0 if args.quiet else 1,
    )
    _announce(args, features, task)
    start = time.perf_counter()
    try:
        estimator.fit(features, target.to_numpy())
    except AllTrialsFailed as error:
        print(f"hpsk: error: {error}".splitlines()[0], file=sys.stderr)
        return 1
    except ValueError as error:
        raise InputError(str(error).splitlines()[0]) from None
    seconds = time.perf_counter() - start
    print(f"searched {len(estimator.trials_)} pipelines in {seconds:.1f} s")
    print(_leaderboard_text(estimator, args.top))
    print(f"chosen: {estimator.describe()}")
    estimator.training_info_ = _training_info(args, features, task, seconds)
    try:
        persistence.save(estimator, args.output)
    except OSError as error:
        raise InputError(f"cannot write {args.output!r}: {error.strerror or error}") from None
    print(f"saved to {args.output}")
    return 0


def _predict(args: argparse.Namespace) -> int:
    estimator, info = _load_model(args.model)
    columns = _input_columns(estimator, info, args.model)
    pd = _pandas()
    data = _read_csv(args.data)
    missing = [c for c in columns if c not in data.columns]
    if missing:
        shown = ", ".join(map(repr, missing[:5])) + (" ..." if len(missing) > 5 else "")
        raise InputError(f"{args.data!r} lacks {len(missing)} feature column(s) the model was "
                         f"trained on: {shown}")
    try:
        predictions = estimator.predict(data[columns])
    except ValueError as error:
        raise InputError(f"{args.data!r}: {str(error).splitlines()[0]}") from None
    out = pd.DataFrame({info.get("target", "prediction"): predictions})
    if args.output is None:
        out.to_csv(sys.stdout, index=False)
        return 0
    try:
        out.to_csv(args.output, index=False)
    except OSError as error:
        raise InputError(f"cannot write {args.output!r}: {error.strerror or error}") from None
    print(f"wrote {len(out)} predictions to {args.output}", file=sys.stderr)
    return 0


def _show(args: argparse.Namespace) -> int:
    estimator, info = _load_model(args.model)
    trials = estimator.trials_
    failed = len(trials) - trials.n_ok
    task = _task_of(estimator, info)
    scoring = "accuracy" if task == "classification" else "R^2"
    print(f"model: {args.model}" + (f" (saved {info['created']})" if "created" in info else ""))
    described = [f"task: {task}"] + ([f"target {info['target']!r}"] if "target" in info else [])
    if "train_file" in info:
        n_columns = len(info.get("input_columns", ())) or estimator.n_features_in_
        described[-1] += (f"; trained on {info['train_file']} ({info['n_rows']} rows, "
                          f"{n_columns} feature columns)")
    print(", ".join(described))
    print(f"chosen: {estimator.describe()}")
    took = f" in {info['fit_seconds']:.1f} s" if "fit_seconds" in info else ""
    print(f"search: {len(trials)} trials ({failed} failed){took}; "
          f"best trial {estimator.best_index_}, validation {scoring} {estimator.best_score_:.4f}")
    print("pipeline:")
    # sklearn shortens long reprs with "..."; show every step in full.
    print(estimator.best_estimator_.__repr__(N_CHAR_MAX=100_000))
    print("best hyperparameters:")
    for label, value in estimator.best_params_.items():
        print(f"  {label} = {value!r}")
    print("leaderboard:")
    print(_leaderboard_text(estimator, 5))
    current = library_versions()
    saved_versions = info.get("versions")
    if saved_versions is None:
        print("versions (running; the file does not record its own):")
        for name in sorted(current):
            print(f"  {name}: {current[name]}")
        return 0
    print("versions (saved with / running):")
    for name in sorted(set(saved_versions) | set(current)):
        saved, now = saved_versions.get(name, "-"), current.get(name, "-")
        note = "" if saved == now else "   <- differs"
        print(f"  {name}: {saved} / {now}{note}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    parser = _build_parser()
    args = parser.parse_args(argv)
    if args.command in (None, "demo"):
        demo(max_evals=getattr(args, "max_evals", 30), random_state=getattr(args, "random_state", 0))
        return 0
    run = {"fit": _fit, "predict": _predict, "show": _show}[args.command]
    try:
        return run(args)
    except InputError as error:
        print(f"hpsk: error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
