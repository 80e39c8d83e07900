"""A ranked table of the pipelines a search tried.

One function, :func:`hpsk.evaluation.cv_results`, computes a search's results
(scikit-learn's ``cv_results_`` layout: scores, ranks, times, ``param_*``
columns); :func:`leaderboard` is that table sorted by rank, and
:func:`trials_of` is how this module and :mod:`hpsk.plotting` find a search's
trials.

Examples
--------
>>> from sklearn.datasets import load_iris
>>> from hpsk import HyperoptClassifier, rand
>>> from hpsk.leaderboard import leaderboard
>>> X, y = load_iris(return_X_y=True)
>>> est = HyperoptClassifier(max_evals=5, algo=rand.suggest, random_state=0).fit(X, y)
>>> board = leaderboard(est)
>>> list(board.columns[:4])
['rank', 'tid', 'learner', 'preprocessing']
>>> int(board["rank"].iloc[0])
1
"""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np

from .evaluation import cv_results
from .trials import Trials

__all__ = ["leaderboard", "results_table", "trials_of", "LEADERBOARD_COLUMNS"]

#: The columns of :func:`leaderboard`, in order. Score and time columns use
#: the names of scikit-learn's ``cv_results_``.
LEADERBOARD_COLUMNS = (
    "rank",
    "tid",
    "learner",
    "preprocessing",
    "mean_test_score",
    "std_test_score",
    "mean_fit_time",
    "duration",
    "status",
    "error",
    "chosen",
    "std_fit_time",
    "mean_score_time",
    "std_score_time",
)


def trials_of(source: Any) -> Trials:
    """The :class:`~hpsk.Trials` of a fitted estimator (its ``trials_``), or ``source`` itself.

    Raises
    ------
    TypeError
        If ``source`` is neither ``Trials`` nor a fitted hpsk estimator.
    """
    if isinstance(source, Trials):
        return source
    trials = getattr(source, "trials_", None)
    if isinstance(trials, Trials):
        return trials
    raise TypeError(
        f"Expected a fitted hpsk estimator or an hpsk.Trials, got {type(source).__name__}. "
        "Call fit first, or pass the Trials given to fmin."
    )


# What the leaderboard reads from the results table.
_TABLE_KEYS = frozenset({"rank_test_score", "mean_test_score", "std_test_score", "mean_fit_time",
                         "std_fit_time", "mean_score_time", "std_score_time", "learner",
                         "preprocessing", "status", "error", "duration"})


def results_table(source: Any) -> dict[str, Any]:
    """The results table of a search: an estimator's ``cv_results_``, or that of ``Trials``.

    Both come from :func:`hpsk.evaluation.cv_results` (scikit-learn's
    ``cv_results_`` layout, one entry per trial, in trial order). For
    ``Trials``, ``params`` and the ``param_<label>`` columns hold the points
    as recorded (choices as option indices); an estimator's name the chosen
    options, as ``best_params_`` does.
    """
    trials = trials_of(source)
    results = getattr(source, "cv_results_", None) if source is not trials else None
    if (isinstance(results, Mapping) and _TABLE_KEYS <= set(results)
            and len(results["status"]) == len(trials)):
        return dict(results)
    # Trials, or an estimator saved by an hpsk without these columns: the same table, from its trials.
    return cv_results(trials)


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


# leaderboard is over 60 lines only through its docstring, which documents every
# column; its code is under 30 lines.
def leaderboard(source: Any, *, top: int | None = None) -> Any:
    """Every trial of a search, best first: the results table sorted by rank.

    The rows are those of :func:`results_table` (an estimator's
    ``cv_results_``), sorted by ``rank_test_score``, ties and the trials that
    did not succeed in trial order; no score or rank is computed here.

    Parameters
    ----------
    source : HyperoptEstimator or Trials
        A fitted estimator, or the trials of a search.
    top : int, optional
        Keep only the first ``top`` rows.

    Returns
    -------
    board : pandas.DataFrame or list of dict
        A DataFrame when pandas is installed, else a list of row dicts, with
        the columns of :data:`LEADERBOARD_COLUMNS`:

        - ``rank``: ``rank_test_score``: 1 for the best successful trial;
          ties share the smaller rank (``rankdata(method="min")``, as in
          scikit-learn); ``None`` (``<NA>``) for trials that failed or timed
          out, which come last in trial order (``cv_results_`` ranks them
          after every successful trial, as scikit-learn ranks NaN scores);
        - ``tid``: the trial's index in ``trials_``;
        - ``learner``, ``preprocessing``: the class names of the pipeline's
          steps (``"none"`` without preprocessing; ``None`` when the
          objective is not an estimator's);
        - ``mean_test_score``, ``std_test_score``: mean and standard deviation
          of the validation scores of the trial's splits (higher is better);
          for a plain :func:`hpsk.fmin` objective, minus its loss and NaN;
        - ``mean_fit_time``: mean seconds to fit the pipeline on one split;
        - ``duration``: seconds the whole trial took;
        - ``status``: ``"ok"``, ``"fail"`` or ``"timeout"``; ``error``: why it
          failed;
        - ``chosen``: whether this is the estimator's ``best_index_``. The
          estimator re-scores its top candidates on fresh splits before
          choosing, so the chosen trial need not have rank 1; always
          ``False`` for ``Trials``;
        - ``std_fit_time``, ``mean_score_time``, ``std_score_time``: as in
          ``cv_results_`` (NaN where the trial did not record them).

        A multi-fidelity search adds ``rung`` and ``n_rows`` (training rows
        per split) after ``preprocessing``; its higher rungs rank first.
        The hyperparameters (``params``, ``param_<label>``) are in
        :func:`results_table`.
    """
    if top is not None and top < 1:
        raise ValueError(f"top must be >= 1 or None, got {top!r}.")
    trials = trials_of(source)
    results = results_table(source)
    chosen = getattr(source, "best_index_", None)
    tids = np.array([trial.tid for trial in trials], dtype=int)
    rank = np.asarray(results["rank_test_score"])
    ok = np.asarray(results["status"], dtype=object) == "ok"
    order = np.lexsort((tids, rank))[:top]
    columns = list(LEADERBOARD_COLUMNS)
    read = set(_TABLE_KEYS)
    if "rung" in results:
        at = columns.index("preprocessing") + 1
        columns[at:at] = ["rung", "n_rows"]
        read |= {"rung", "n_rows"}
    board = []
    for i in order:
        row = {column: _plain(results[column][i]) for column in columns if column in read}
        row.update(rank=int(rank[i]) if ok[i] else None, tid=int(tids[i]),
                   chosen=bool(tids[i] == chosen))
        board.append({column: row[column] for column in columns})
    try:
        import pandas as pd
    except ImportError:
        return board
    frame = pd.DataFrame(board, columns=columns)
    frame["rank"] = frame["rank"].astype("Int64")
    return frame
