"""Splits: hpsk's ``cv`` argument as a scikit-learn splitter.

``cv="auto"`` picks the folds by data size (:func:`auto_cv`), grouped k-fold
has at most one fold per group (:func:`group_folds`), and
:func:`reshuffled` gives a splitter another shuffle for re-evaluating the
top candidates.
"""

from __future__ import annotations

import copy
import numbers
import warnings
from typing import Any, Sequence

import numpy as np
from sklearn.model_selection import (
    GroupKFold,
    GroupShuffleSplit,
    KFold,
    ShuffleSplit,
    StratifiedGroupKFold,
    StratifiedKFold,
    StratifiedShuffleSplit,
    check_cv,
)

__all__ = ["Splits", "auto_cv", "group_folds", "make_splitter", "reshuffled"]

Splits = Sequence[tuple[np.ndarray, np.ndarray]]


_AUTO_LEVELS = (5, 3, 0.2)


def auto_cv(n_samples: int, n_evals: int | None = None, time_budget: float | None = None) -> int | float:
    """``cv="auto"``: folds by data size, more of them for a long search.

    By size: 5-fold up to 1,000 samples, 3-fold up to 20,000, a 20 % holdout
    beyond, so a trial costs a few fits on small data and one on large data.
    A long search (``n_evals >= 100``, or a ``time_budget``, which on small
    data buys hundreds of trials) gets 5-fold up to 3,000 samples.

    Why: the more candidates a search compares, the more its best validation
    score flatters the winner, and one holdout flatters most.
    ``benchmarks/optimization_bias.py`` measured twice the optimism for a
    20 % holdout as for 5-fold at equal evaluations (+0.054 against +0.026
    accuracy, 11 datasets) and a lower test score; on ``benchmarks/automl.py``
    a 30 s search selecting on a holdout (125 trials on 3,750 rows) scored
    0.299 R^2 in validation and 0.131 on the test set, where 3-fold searches
    reached 0.22.
    """
    long_search = time_budget is not None or (n_evals is not None and n_evals >= 100)
    if n_samples <= 1000 or (long_search and n_samples <= 3000):
        return 5
    return 3 if n_samples <= 20000 else 0.2


def group_folds(n_folds: int, n_groups: int | None) -> int:
    """``n_folds``, or the number of groups when there are fewer (with a warning).

    hyperopt-sklearn runs such a search; one group per fold is the most a
    grouped k-fold can do.
    """
    if n_groups is not None and 2 <= n_groups < n_folds:
        warnings.warn(f"{n_folds} folds asked for, but there are only {n_groups} groups; "
                      f"using {n_groups} folds, one group each.", UserWarning, stacklevel=3)
        return n_groups
    return n_folds


def make_splitter(
    cv: Any,
    *,
    classification: bool,
    n_samples: int,
    random_state: int | None,
    groups: bool = False,
    n_groups: int | None = None,
    min_class_count: int | None = None,
    n_evals: int | None = None,
    time_budget: float | None = None,
) -> Any:
    """A scikit-learn splitter from hpsk's ``cv`` argument.

    ``int`` -> shuffled k-fold (stratified for classification; grouped when
    ``groups``); ``float`` in (0, 1) -> one shuffled holdout of that fraction
    (stratified or grouped likewise); ``"auto"`` -> see :func:`auto_cv`; any
    splitter or iterable of splits is used as given. Grouped k-fold with
    fewer groups (``n_groups``) than folds uses one fold per group, with a
    warning.

    Raises
    ------
    ValueError
        When stratified k-fold asks for more folds than the smallest class has
        members.
    """
    if isinstance(cv, str) and cv == "auto":
        cv = auto_cv(n_samples, n_evals, time_budget)
        if isinstance(cv, int) and classification and min_class_count is not None:
            if min_class_count < 2 and not groups:
                # No stratified split can hold a class of one sample out and in: plain k-fold.
                warnings.warn(f"a class has a single sample, so the {cv}-fold validation cannot be "
                              "stratified; some folds train without that class.", UserWarning, stacklevel=3)
                return KFold(n_splits=max(2, min(cv, n_samples)), shuffle=True, random_state=random_state)
            cv = max(2, min(cv, min_class_count))
    if isinstance(cv, numbers.Integral) and not isinstance(cv, bool):
        if groups:
            cv = group_folds(int(cv), n_groups)
            kind = StratifiedGroupKFold if classification else GroupKFold
            return kind(n_splits=int(cv), shuffle=True, random_state=random_state)
        if classification and min_class_count is not None and int(cv) > min_class_count:
            raise ValueError(
                f"cv={cv} asks for more folds than the smallest class has samples "
                f"({min_class_count}); use cv <= {min_class_count}, a holdout fraction, "
                "or merge rare classes."
            )
        kind = StratifiedKFold if classification else KFold
        return kind(n_splits=int(cv), shuffle=True, random_state=random_state)
    if isinstance(cv, numbers.Real) and not isinstance(cv, bool):
        if groups:
            return GroupShuffleSplit(n_splits=1, test_size=float(cv), random_state=random_state)
        kind = StratifiedShuffleSplit if classification else ShuffleSplit
        return kind(n_splits=1, test_size=float(cv), random_state=random_state)
    return check_cv(cv, classifier=classification)


def reshuffled(splitter: Any, random_state: int | None) -> Any | None:
    """The same splitter with another shuffle, or ``None`` if it does not shuffle."""
    if not hasattr(splitter, "random_state") or getattr(splitter, "shuffle", True) is False:
        return None
    fresh = copy.copy(splitter)
    fresh.random_state = random_state
    return fresh
