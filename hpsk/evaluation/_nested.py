"""Nested cross-validation: the search itself scored on outer folds it never saw."""

from __future__ import annotations

import time
from typing import Any, Callable, NamedTuple

import numpy as np
from sklearn.base import clone, is_classifier
from sklearn.metrics import check_scoring
from sklearn.utils import _safe_indexing

from ._pipelines import describe_model
from ._splits import make_splitter

__all__ = ["nested_cross_validate"]


class _OuterFold(NamedTuple):
    """What one outer fold gives."""

    test_score: float
    inner_best_score: float
    pipeline: str
    fit_time: float


def nested_cross_validate(
    estimator: Any,
    X: Any,
    y: Any,
    *,
    cv: Any = 5,
    groups: Any = None,
    scoring: str | Callable | None = None,
    random_state: int | None = None,
) -> dict[str, Any]:
    """An honest estimate of the whole search: the search runs inside each outer fold.

    The best inner score of a search is optimistic: the more configurations
    it tries, the more one of them looks good by chance. Scoring the refitted
    winner on an outer fold it never saw measures what the procedure really
    delivers; ``optimism`` is the gap.

    Parameters
    ----------
    estimator : HyperoptEstimator
        Cloned for each outer fold.
    X, y : array-like
    cv : int or splitter, default=5
        Outer folds ((stratified) shuffled k-fold for an int).
    groups : array-like, optional
        Groups for the outer and (through ``fit``) the inner splits.
    scoring : str or callable, optional
        Outer score; default the estimator's ``score`` (accuracy or R^2).
    random_state : int, optional
        Shuffles the outer folds.

    Returns
    -------
    dict
        ``test_score`` (outer scores), ``inner_best_score`` (each search's
        ``best_score_``), ``pipelines`` (each winner described), ``fit_time``,
        ``optimism`` (mean inner best minus mean outer score), and the means.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from hpsk import HyperoptClassifier, nested_cross_validate
    >>> X, y = load_iris(return_X_y=True)
    >>> result = nested_cross_validate(HyperoptClassifier(max_evals=3, random_state=0), X, y, cv=3)
    >>> len(result["test_score"])
    3
    """
    y_array = np.asarray(y)
    splitter = make_splitter(cv, classification=is_classifier(estimator), n_samples=len(y_array),
                             random_state=random_state)
    folds = [_outer_fold(estimator, X, y_array, groups, train, test, scoring)
             for train, test in splitter.split(X, y_array, groups)]
    return _summary(folds)


def _outer_fold(estimator: Any, X: Any, y: np.ndarray, groups: Any, train: np.ndarray, test: np.ndarray,
                scoring: str | Callable | None) -> _OuterFold:
    """One outer fold: a fresh search fitted on ``train`` and scored on ``test``."""
    model = clone(estimator)
    start = time.perf_counter()
    fit_kwargs = {} if groups is None else {"groups": _safe_indexing(np.asarray(groups), train)}
    model.fit(_safe_indexing(X, train), y[train], **fit_kwargs)
    fit_time = time.perf_counter() - start
    X_test, y_test = _safe_indexing(X, test), y[test]
    if scoring is None:
        outer_score = float(model.score(X_test, y_test))
    else:
        outer_score = float(check_scoring(model, scoring=scoring)(model, X_test, y_test))
    return _OuterFold(outer_score, float(model.best_score_), describe_model(model.best_estimator_), fit_time)


def _summary(folds: list[_OuterFold]) -> dict[str, Any]:
    """The outer folds' results as :func:`nested_cross_validate` returns them."""
    outer = np.array([fold.test_score for fold in folds])
    inner = np.array([fold.inner_best_score for fold in folds])
    return {
        "test_score": outer,
        "inner_best_score": inner,
        "pipelines": [fold.pipeline for fold in folds],
        "fit_time": np.array([fold.fit_time for fold in folds]),
        "mean_test_score": float(outer.mean()),
        "mean_inner_best_score": float(inner.mean()),
        "optimism": float(inner.mean() - outer.mean()),
    }
