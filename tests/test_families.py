"""End-to-end: searches over the default families have no failed trials."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest
from sklearn.datasets import load_wine, make_classification
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from threadpoolctl import threadpool_limits

from hpsk import Trials, fmin, rand
from hpsk.components import any_classifier, any_preprocessing


def _search(X: np.ndarray, y: np.ndarray, max_evals: int) -> Trials:
    # Two stratified folds: every configuration is still fitted on two
    # training sets holding every class and scored on the other half.
    cv = StratifiedKFold(n_splits=2, shuffle=True, random_state=0)

    def objective(config: dict[str, Any]) -> float:
        model = make_pipeline(*config["preprocessing"], config["classifier"])
        # One thread per trial: OpenMP learners (hist gradient boosting) slow
        # down by orders of magnitude when the cores are oversubscribed.
        with warnings.catch_warnings(), threadpool_limits(1):
            warnings.simplefilter("ignore")  # convergence notes are not failures
            # error_score="raise": a configuration that cannot be fitted must
            # fail the trial, not be scored NaN in silence.
            return -cross_val_score(model, X, y, cv=cv, error_score="raise").mean()

    trials = Trials()
    space = {"preprocessing": any_preprocessing("pre"), "classifier": any_classifier("clf")}
    # Two workers of one thread each keep two cores busy (the same points, in
    # the same order, as a one-worker search: random search ignores the losses).
    fmin(objective, space, algo=rand.suggest, max_evals=max_evals, trials=trials,
         rstate=0, show_progressbar=False, n_jobs=2)
    return trials


def _failures(trials: Trials) -> list[str]:
    return [f"{t.point}: {t.error}" for t in trials if t.status != "ok"]


@pytest.mark.slow
def test_any_classifier_three_classes_no_failed_trials() -> None:
    X, y = load_wine(return_X_y=True)
    trials = _search(X, y, max_evals=60)
    assert len(trials) == 60
    assert _failures(trials) == []


@pytest.mark.slow
def test_any_classifier_thirty_two_classes_no_failed_trials() -> None:
    # Ten samples a class (five in each fold): the same 60 configurations as
    # with more rows (random search draws the same points whatever the data),
    # at a fraction of the cost of the boosted models, which grow one tree per
    # class and round.
    X, y = make_classification(n_samples=320, n_features=20, n_informative=12, n_classes=32,
                               n_clusters_per_class=1, random_state=0)
    trials = _search(X, y, max_evals=60)
    assert len(trials) == 60
    assert _failures(trials) == []
