"""Early-stopped boosting (hpsk/evaluation/_early_stopping.py): above 10,000 training rows,
HistGradientBoosting, XGBoost and LightGBM stop on a held-out part of each training split,
the trial records the rounds they kept, and the final model is refitted with them."""

import math

import numpy as np
import pytest
import xgboost
from sklearn.datasets import make_classification, make_regression
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from hpsk import HyperoptClassifier, HyperoptRegressor, rand
from hpsk.components import hist_gradient_boosting_regressor, xgboost_classification
from hpsk.components.lightgbm import lightgbm_available
from hpsk.evaluation import MIN_ROWS, fit_early_stopped, with_rounds
from hpsk.export import export_code

ROWS = MIN_ROWS + 2000


@pytest.fixture(scope="module")
def large():
    """A classification table just large enough for early stopping, with three uneven classes."""
    return make_classification(n_samples=ROWS + 3000, n_features=10, n_informative=6, n_classes=3,
                               weights=[0.6, 0.3, 0.1], random_state=0)


def _boosters():
    boosters = [("n_estimators", xgboost.XGBClassifier(n_estimators=1000, learning_rate=0.3, n_jobs=1)),
                ("max_iter", HistGradientBoostingClassifier(max_iter=1000, learning_rate=0.3))]
    if lightgbm_available():
        import lightgbm

        boosters.append(("n_estimators", lightgbm.LGBMClassifier(n_estimators=1000, learning_rate=0.3,
                                                                 n_jobs=1, verbose=-1)))
    return boosters


@pytest.mark.parametrize("rounds_param, learner", _boosters(), ids=lambda b: type(b).__name__)
def test_a_1000_round_draw_stops_early_on_a_large_split(large, rounds_param, learner):
    X, y = large
    pipeline = make_pipeline(StandardScaler(), learner)
    rounds = fit_early_stopped(pipeline, X[:ROWS], y[:ROWS], {}, seed=0)
    assert rounds is not None and 1 <= rounds < 1000
    assert pipeline.score(X[ROWS:], y[ROWS:]) > 0.8  # the fitted pipeline predicts
    refit = with_rounds(make_pipeline(StandardScaler(), type(learner)(**learner.get_params())), rounds)
    assert refit[-1].get_params()[rounds_param] == rounds
    refit.fit(X[:ROWS], y[:ROWS])  # no internal split and no early stopping left in the refit
    assert refit.score(X[ROWS:], y[ROWS:]) > 0.8


def test_small_splits_and_other_learners_fit_the_rounds_they_were_given(large):
    X, y = large
    booster = make_pipeline(xgboost.XGBClassifier(n_estimators=40, n_jobs=1))
    assert fit_early_stopped(booster, X[:MIN_ROWS], y[:MIN_ROWS], {}, seed=0) is None
    assert booster[-1].get_booster().num_boosted_rounds() == 40
    from sklearn.linear_model import LogisticRegression

    assert fit_early_stopped(make_pipeline(LogisticRegression()), X[:ROWS], y[:ROWS], {}, seed=0) is None


def test_sample_weights_reach_both_parts_of_the_split(large):
    X, y = large
    weights = np.where(y == 2, 5.0, 1.0)
    pipeline = make_pipeline(xgboost.XGBClassifier(n_estimators=1000, learning_rate=0.3, n_jobs=1))
    rounds = fit_early_stopped(pipeline, X[:ROWS], y[:ROWS], {"xgbclassifier__sample_weight": weights[:ROWS]},
                               seed=0)
    unweighted = make_pipeline(xgboost.XGBClassifier(n_estimators=1000, learning_rate=0.3, n_jobs=1))
    assert rounds != fit_early_stopped(unweighted, X[:ROWS], y[:ROWS], {}, seed=0)
    # up-weighting the rare class moves predictions towards it
    assert (pipeline.predict(X[ROWS:]) == 2).sum() > (unweighted.predict(X[ROWS:]) == 2).sum()


def test_the_refit_uses_the_rounds_the_splits_kept(large, tmp_path):
    X, y = large
    model = HyperoptClassifier(classifier=xgboost_classification("xgb", n_estimators=1000, learning_rate=0.3),
                               preprocessing=[], max_evals=2, algo=rand.suggest, random_state=0,
                               ensemble_size=0, storage=str(tmp_path / "search.db"), cv=0.2)
    model.fit(X, y)
    rounds = [trial.result["rounds"] for trial in model.trials_]
    assert all(1 <= r < 1000 for r in rounds)
    best = next(trial for trial in model.trials_ if trial.tid == model.best_index_)
    learner = model.best_estimator_[-1]
    assert learner.n_estimators == math.ceil(best.result["rounds"])
    assert learner.early_stopping_rounds is None
    assert learner.get_booster().num_boosted_rounds() == learner.n_estimators
    code = export_code(model)  # the exported script trains the same plain XGBoost model
    assert f"n_estimators={learner.n_estimators}" in code
    assert "from hpsk" not in code and "import hpsk" not in code
    resumed = HyperoptClassifier(classifier=xgboost_classification("xgb", n_estimators=1000, learning_rate=0.3),
                                 preprocessing=[], max_evals=2, algo=rand.suggest, random_state=0,
                                 ensemble_size=0, storage=str(tmp_path / "search.db"), cv=0.2)
    assert [t.result["rounds"] for t in resumed.fit(X, y).trials_] == rounds  # kept in the storage


def test_ensemble_members_are_refitted_with_their_own_rounds():
    X, y = make_regression(n_samples=ROWS + 2000, n_features=8, noise=10.0, random_state=0)
    model = HyperoptRegressor(regressor=hist_gradient_boosting_regressor("hgb", max_iter=1000,
                                                                               learning_rate=0.3),
                              preprocessing=[], max_evals=4, algo=rand.suggest, random_state=1,
                              ensemble_size=10, cv=0.2).fit(X, y)
    rounds = {trial.tid: trial.result["rounds"] for trial in model.trials_}
    assert all(1 <= r < 1000 for r in rounds.values())
    assert model.ensemble_ is not None and len(model.ensemble_["tid"]) > 1
    for tid, member in zip(model.ensemble_["tid"], model.best_estimator_.estimators_):
        learner = member[-1]
        assert learner.max_iter == math.ceil(rounds[int(tid)]) and learner.early_stopping is False
        assert learner.n_iter_ == learner.max_iter
    assert model.score(X, y) > 0.9
