"""A ranked table of the pipelines a search tried.

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

import math
from typing import Any

import numpy as np

from .trials import Trials

__all__ = ["leaderboard", "LEADERBOARD_COLUMNS"]

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
)


def _trials_of(source: Any) -> Trials:
    if isinstance(source, Trials):
        return source
    trials = getattr(source, "trials_", None)
    if isinstance(trials, Trials):
        return trials
    raise TypeError(
        f"Expected a fitted hpsk estimator or an hpsk.Trials, got {type(source).__name__}. "
        "Call fit first, or pass the Trials given to fmin."
    )


def _row(trial: Any) -> dict[str, Any]:
    result = trial.result
    scores = result.get("scores")
    if trial.ok and scores:
        mean, std = float(np.mean(scores)), float(np.std(scores))
    elif trial.ok:
        # A plain fmin objective: its only "score" is minus its loss.
        mean, std = -float(trial.loss), math.nan
    else:
        mean, std = math.nan, math.nan
    preprocessing = result.get("preprocessing")
    if isinstance(preprocessing, (list, tuple)):
        preprocessing = " -> ".join(preprocessing) if preprocessing else "none"
    fit_time = result.get("fit_time")
    return {
        "rank": None,
        "tid": trial.tid,
        "learner": result.get("learner"),
        "preprocessing": preprocessing,
        "mean_test_score": mean,
        "std_test_score": std,
        "mean_fit_time": math.nan if fit_time is None else float(fit_time),
        "duration": math.nan if trial.duration is None else float(trial.duration),
        "status": trial.status,
        "error": trial.error,
    }


def leaderboard(source: Any, *, top: int | None = None) -> Any:
    """Every trial of a search, best first.

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

        - ``rank``: 1 for the best successful trial; ties share the smaller
          rank (as ``rank_test_score`` in scikit-learn); ``None`` for trials
          that failed or timed out, which come last in trial order;
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
          ``False`` for ``Trials``.
    """
    if top is not None and top < 1:
        raise ValueError(f"top must be >= 1 or None, got {top!r}.")
    trials = _trials_of(source)
    chosen = getattr(source, "best_index_", None)
    # Rank by the search's loss, as ``rank_test_score`` in ``cv_results_``.
    finished = sorted((trial for trial in trials if trial.ok), key=lambda t: (t.loss, t.tid))
    ranked = []
    previous_loss, previous_rank = None, 0
    for position, trial in enumerate(finished, start=1):
        if trial.loss != previous_loss:
            previous_loss, previous_rank = trial.loss, position
        ranked.append({**_row(trial), "rank": previous_rank})
    unranked = [_row(trial) for trial in trials if not trial.ok]
    board = (ranked + unranked)[:top]
    for row in board:
        row["chosen"] = row["tid"] == chosen
    try:
        import pandas as pd
    except ImportError:
        return board
    frame = pd.DataFrame(board, columns=list(LEADERBOARD_COLUMNS))
    frame["rank"] = frame["rank"].astype("Int64")
    return frame
