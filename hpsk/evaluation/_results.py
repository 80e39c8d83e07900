"""The results table: a search's trials in scikit-learn's ``cv_results_`` layout."""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any, Callable

import numpy as np

from ._pipelines import describe_steps

if TYPE_CHECKING:
    from sklearn.pipeline import Pipeline

    from ..trials import Trial, Trials

__all__ = ["cv_results"]


def cv_results(trials: Trials, readable_params: Callable[[dict], dict] | None = None,
               build: Callable[[dict], Pipeline] | None = None) -> dict[str, Any]:
    """The results table of a search: scikit-learn's ``cv_results_`` layout, one entry per trial.

    This one table is the estimator's ``cv_results_`` and, sorted by rank,
    :func:`hpsk.leaderboard.leaderboard`. Entries are in trial order (entry
    ``i`` is ``trials[i]``, whose ``tid`` is ``i``).

    Keys, as in :class:`~sklearn.model_selection.GridSearchCV`:

    - ``mean_fit_time``, ``std_fit_time``, ``mean_score_time``,
      ``std_score_time``: seconds to fit the pipeline on one split and to score
      it on its validation rows, mean and standard deviation over the splits
      (NaN where the trial did not record them: a failed trial, a plain
      :func:`hpsk.fmin` objective);
    - ``param_<label>``: one masked array per hyperparameter label, masked
      where the label was inactive in the trial (a conditional
      hyperparameter), with the values of ``params``;
    - ``params``: each trial's hyperparameters, as ``readable_params(point)``
      gives them (the estimator passes the names of ``best_params_``: option
      names for choices); the point itself when ``readable_params`` is None;
    - ``split{k}_test_score``, ``mean_test_score``, ``std_test_score``: the
      validation score of each split (higher is better), their mean and
      standard deviation; for a plain objective the mean is minus its loss
      and there are no splits; NaN for a trial that did not succeed;
    - ``rank_test_score``: ``scipy.stats.rankdata(-mean_test_score,
      method="min")`` over the successful trials (ties share the smaller
      rank); as scikit-learn ranks NaN scores, every trial that did not
      succeed shares the rank after the last successful one;

    plus ``status`` (``"ok"``, ``"fail"``, ``"timeout"``), ``learner`` and
    ``preprocessing`` (the class names of the pipeline's steps, joined by
    ``" -> "``, ``"none"`` without preprocessing; ``None`` when unknown),
    ``error`` (why the trial failed) and ``duration`` (seconds the whole
    trial took). ``pandas.DataFrame(cv_results_)`` is a leaderboard. A trial
    whose worker never reported back (stopped at a timeout, or killed) is
    described from its point with ``build(point) -> pipeline`` when given.

    A multi-fidelity search (:mod:`hpsk.fidelity`) adds ``rung`` and
    ``n_rows`` (training rows per split), as scikit-learn's successive
    halving adds ``iter`` and ``n_resources``; its ranks put the trials of a
    higher rung first, since only the last rung's models saw every row.
    """
    rows = list(trials)
    params = [dict(t.point) if readable_params is None else readable_params(t.point) for t in rows]
    splits = _split_scores(rows)
    fidelity = _fidelity_columns(rows)
    return {
        **_time_columns(rows),
        **_param_columns(params, len(rows)),
        "params": params,
        **{f"split{k}_test_score": splits[:, k] for k in range(splits.shape[1])},
        **_score_columns(rows, splits, fidelity.get("rung")),
        **fidelity,
        **_description_columns(rows, _describe_unreported(rows, build)),
    }


def _fidelity_columns(rows: list[Trial]) -> dict[str, np.ndarray]:
    """``rung`` and ``n_rows`` of each trial (-1 where unknown); none without rungs."""
    if not any("rung" in t.result for t in rows):
        return {}
    return {key: np.array([int(t.result.get(key, -1)) for t in rows], dtype=np.int64)
            for key in ("rung", "n_rows")}


def _seconds(rows: list[Trial], key: str) -> np.ndarray:
    """The ``key`` time of each trial's result, NaN where it has none."""
    values = [t.result.get(key) for t in rows]
    return np.array([np.nan if v is None else v for v in values], dtype=float)


def _time_columns(rows: list[Trial]) -> dict[str, np.ndarray]:
    """``mean_fit_time``, ``std_fit_time``, ``mean_score_time`` and ``std_score_time``."""
    return {
        "mean_fit_time": _seconds(rows, "fit_time"),
        "std_fit_time": _seconds(rows, "fit_time_std"),
        "mean_score_time": _seconds(rows, "score_time"),
        "std_score_time": _seconds(rows, "score_time_std"),
    }


def _param_columns(candidates: list[dict], n: int) -> dict[str, np.ma.MaskedArray]:
    """``param_<label>`` of ``n`` entries, masked where the label was inactive."""
    # As GridSearchCV: one masked array per label, in order of first appearance.
    by_label: dict[str, dict[int, Any]] = {}
    for i, params in enumerate(candidates):
        for label, value in params.items():
            by_label.setdefault(f"param_{label}", {})[i] = value
    columns = {}
    for key, values in by_label.items():
        try:
            inferred = np.array(list(values.values()))
        except ValueError:  # sequences of different lengths
            dtype = np.dtype(object)
        else:  # strings and sequences stay Python objects
            plain = inferred.dtype.kind != "U" and inferred.ndim == 1
            dtype = inferred.dtype if plain else np.dtype(object)
        column = np.ma.MaskedArray(np.empty(n, dtype=dtype), mask=True)
        for i, value in values.items():
            column[i] = value  # unmasks entry i
        columns[key] = column
    return columns


def _split_scores(rows: list[Trial]) -> np.ndarray:
    """The validation score of each trial (row) on each split (column), NaN where missing."""
    n_splits = max((len(t.result.get("scores", [])) for t in rows), default=0)
    splits = np.full((len(rows), n_splits), np.nan)
    for i, trial in enumerate(rows):
        scores = trial.result.get("scores", []) if trial.ok else []
        splits[i, : len(scores)] = scores
    return splits


def _rank(mean: np.ndarray, ok: np.ndarray, rung: np.ndarray | None = None) -> np.ndarray:
    """scikit-learn's rule: ties share the smaller rank, NaN scores rank after every other;
    with rungs, a higher rung ranks before any lower one."""
    from scipy.stats import rankdata

    rank = np.full(len(mean), int(ok.sum()) + 1, dtype=np.int32)
    if rung is None:
        rank[ok] = rankdata(-mean[ok], method="min").astype(np.int32)
        return rank
    rows = np.flatnonzero(ok)
    previous, current = None, 0
    for position, i in enumerate(rows[np.lexsort((-mean[rows], -rung[rows]))]):
        if (rung[i], mean[i]) != previous:
            previous, current = (rung[i], mean[i]), position + 1
        rank[i] = current
    return rank


def _score_columns(rows: list[Trial], splits: np.ndarray, rung: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """``mean_test_score``, ``std_test_score`` and ``rank_test_score``."""
    ok = np.array([t.ok for t in rows], dtype=bool)
    mean = np.array([-t.loss if t.ok and t.loss is not None else np.nan for t in rows], dtype=float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=RuntimeWarning)
        std = np.nanstd(splits, axis=1) if splits.shape[1] else np.full(len(rows), np.nan)
    return {
        "mean_test_score": mean,
        "std_test_score": np.where(ok, std, np.nan),
        "rank_test_score": _rank(mean, ok, rung),
    }


def _describe_unreported(rows: list[Trial],
                         build: Callable[[dict], Pipeline] | None) -> dict[int, dict[str, Any]]:
    """``learner`` and ``preprocessing`` from ``build(point)``, for the trials whose result lacks them."""
    described: dict[int, dict[str, Any]] = {}
    for trial in rows:
        if build is not None and "learner" not in trial.result:
            try:
                learner, preprocessing = describe_steps(build(trial.point))
            except Exception:  # noqa: BLE001 - a point that cannot be built stays undescribed
                continue
            described[trial.tid] = {"learner": learner, "preprocessing": preprocessing}
    return described


def _joined_steps(value: Any) -> Any:
    """Preprocessing class names joined by ``" -> "`` (``"none"`` for no steps); other values as they are."""
    if isinstance(value, (list, tuple)):
        return " -> ".join(value) if value else "none"
    return value


def _description_columns(rows: list[Trial], described: dict[int, dict[str, Any]]) -> dict[str, np.ndarray]:
    """``status``, ``learner``, ``preprocessing``, ``error`` and ``duration``."""
    def description(trial: Trial) -> dict[str, Any]:
        return described.get(trial.tid, trial.result)

    return {
        "status": np.array([t.status for t in rows], dtype=object),
        "learner": np.array([description(t).get("learner") for t in rows], dtype=object),
        "preprocessing": np.array([_joined_steps(description(t).get("preprocessing")) for t in rows],
                                  dtype=object),
        "error": np.array([t.error for t in rows], dtype=object),
        "duration": np.array([np.nan if t.duration is None else t.duration for t in rows], dtype=float),
    }
