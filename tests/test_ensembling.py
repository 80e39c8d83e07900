"""Ensemble selection over the search's out-of-fold predictions (``ensemble_size``)."""

import joblib
import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.datasets import load_breast_cancer, load_diabetes
from sklearn.ensemble import VotingClassifier, VotingRegressor
from sklearn.metrics import accuracy_score, r2_score
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import Pipeline
from threadpoolctl import threadpool_limits

from hpsk import HyperoptClassifier, HyperoptEstimator, HyperoptRegressor
from hpsk.components import svc
from hpsk.ensembling import PredictionPool, greedy_selection
from hpsk.evaluation import ValidationScorer
from hpsk.trials import Trials


@pytest.fixture(autouse=True)
def one_thread():
    # The ensembles' boosted members predict through OpenMP pools, which spin
    # and crawl on a busy machine; the blends predict the same on one thread.
    with threadpool_limits(limits=1):
        yield


@pytest.fixture(scope="module")
def cancer_ensemble():
    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    labels = np.where(y == 1, "benign", "malignant")
    # 12 trials (the six learners' defaults, then the search's) on three folds
    # already give a blend of several kinds of learner.
    with threadpool_limits(limits=1):
        model = HyperoptClassifier(max_evals=12, cv=3, ensemble_size=20, random_state=0).fit(X, labels)
    return model, X, labels


def test_classifier_ensemble_is_a_soft_vote_that_predicts_the_given_labels(cancer_ensemble):
    model, X, labels = cancer_ensemble
    record = model.ensemble_
    assert record is not None and len(record["tid"]) >= 2
    assert isinstance(model.best_estimator_, VotingClassifier)
    assert model.best_estimator_.voting == "soft"
    np.testing.assert_allclose(record["weight"].sum(), 1.0)
    assert list(record["weight"]) == sorted(record["weight"], reverse=True)
    # the blend's validation score is above the best single pipeline's (up to
    # the pooled-rows versus mean-of-folds difference)
    assert record["score"] > model.cv_results_["mean_test_score"].max() - 0.005
    assert set(model.predict(X)) <= {"benign", "malignant"}
    assert list(model.classes_) == ["benign", "malignant"]
    proba = model.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_array_equal(model.classes_[proba.argmax(axis=1)], model.predict(X))
    assert model.score(X, labels) == accuracy_score(labels, model.predict(X))
    assert model.describe().startswith("VotingClassifier[")
    # hyperopt-sklearn's reading API describes the heaviest member
    heaviest = model.best_estimator_.estimators_[0]
    assert type(model.best_model()["learner"]) is type(heaviest.steps[-1][1])


def test_ensemble_saves_clones_and_cross_validates(cancer_ensemble, tmp_path):
    model, X, labels = cancer_ensemble
    joblib.dump(model, tmp_path / "model.joblib")
    loaded = joblib.load(tmp_path / "model.joblib")
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    assert clone(model).get_params()["ensemble_size"] == 20
    # Four trials (boosting, logistic regression, forest, XGBoost defaults) already blend.
    scores = cross_val_score(HyperoptClassifier(max_evals=4, ensemble_size=10, random_state=0),
                             X, labels, cv=2)
    assert scores.min() > 0.85


def test_exported_ensemble_predicts_like_the_estimator(cancer_ensemble, predict_with_export):
    model, X, labels = cancer_ensemble
    np.testing.assert_array_equal(predict_with_export(model, X, labels), model.predict(X))


def test_regressor_ensemble_averages_its_members():
    X, y = load_diabetes(return_X_y=True)
    model = HyperoptRegressor(max_evals=12, ensemble_size=20, random_state=0).fit(X, y)  # five members
    assert model.ensemble_ is not None
    ensemble = model.best_estimator_
    assert isinstance(ensemble, VotingRegressor)
    weights = np.asarray(ensemble.weights) / np.sum(ensemble.weights)
    members = np.column_stack([m.predict(X) for m in ensemble.estimators_])
    np.testing.assert_allclose(model.predict(X), members @ weights)
    assert model.score(X, y) == pytest.approx(r2_score(y, model.predict(X)))
    # the heaviest member comes first; weights follow the selection counts
    np.testing.assert_allclose(weights, model.ensemble_["weight"])


def test_no_ensemble_when_off_or_without_refit_or_with_sample_weight():
    X, y = load_breast_cancer(return_X_y=True)
    assert HyperoptClassifier().ensemble_size == 20
    # Five trials (the defaults of boosting, logistic regression, forest,
    # XGBoost and extra trees) on three folds already blend when nothing turns
    # the ensemble off.
    single = HyperoptClassifier(max_evals=5, cv=3, ensemble_size=0, random_state=0).fit(X, y)
    assert single.ensemble_ is None and isinstance(single.best_estimator_, Pipeline)
    weighted = HyperoptClassifier(max_evals=5, cv=3, ensemble_size=10, random_state=0).fit(
        X, y, sample_weight=np.ones(len(y)))
    assert weighted.ensemble_ is None and isinstance(weighted.best_estimator_, Pipeline)
    no_refit = HyperoptClassifier(max_evals=5, cv=3, ensemble_size=10, refit=False, random_state=0).fit(X, y)
    assert no_refit.ensemble_ is None and not hasattr(no_refit, "best_estimator_")
    # predictions never stay in the trials (cv_results_, storage, pickles)
    ensembled = HyperoptClassifier(max_evals=5, cv=3, ensemble_size=10, random_state=0).fit(X, y)
    assert ensembled.ensemble_ is not None
    assert all("predictions" not in trial.result for trial in ensembled.trials_)


def test_learners_without_probabilities_take_no_part():
    X, y = load_breast_cancer(return_X_y=True)
    model = HyperoptEstimator(classifier=svc("svc"), max_evals=8, ensemble_size=10,
                              random_state=0).fit(X, y)
    assert model.ensemble_ is None and isinstance(model.best_estimator_, Pipeline)
    assert hasattr(model, "decision_function")


def test_greedy_selection_blends_independent_errors_and_keeps_a_dominant_candidate():
    rng = np.random.default_rng(0)
    y = rng.normal(size=500)
    a, b = y + rng.normal(size=500), y + rng.normal(size=500)

    def r2(predictions):
        return r2_score(y, predictions)

    counts = greedy_selection([a, b], r2, rounds=10)
    assert counts.sum() == 10 and counts.min() >= 3  # averaging halves the noise
    counts = greedy_selection([y + 0.01 * a, a, b], r2, rounds=10)
    np.testing.assert_array_equal(counts, [10, 0, 0])


def test_scoring_earlier_predictions_matches_the_scorer():
    rng = np.random.default_rng(1)
    y = rng.integers(0, 3, size=200)
    proba = rng.dirichlet(np.ones(3), size=200)
    classes = np.array(["a", "b", "c"])
    labels = classes[y]
    assert ValidationScorer("accuracy").score_predictions(labels, proba, classes) == pytest.approx(
        accuracy_score(labels, classes[proba.argmax(axis=1)]))
    neg_log_loss = ValidationScorer("neg_log_loss").score_predictions(labels, proba, classes)
    assert neg_log_loss < 0
    values = rng.normal(size=200)
    assert ValidationScorer("r2").score_predictions(values, values, None) == 1.0


def test_pool_keeps_the_best_trials_and_the_best_of_every_learner():
    trials = Trials()
    pool = PredictionPool(size=2)
    tids = trials.add_pending([{"x": i} for i in range(8)], 0.0)
    for tid in tids:
        learner = "rare" if tid == 7 else "common"
        trial = trials.finish(tid, status="ok", loss=float(tid),
                              result={"loss": float(tid), "learner": learner,
                                      "predictions": np.full(3, tid, float)})
        pool.take(trial)
        assert "predictions" not in trial.result
    assert [tid for tid, _ in pool.candidates()] == [0, 1, 7]


def test_pool_keeps_fewer_trials_when_their_predictions_are_large():
    trials = Trials()
    pool = PredictionPool(size=30, max_bytes=4 * 800)  # four trials' worth of 100 float64s
    for tid in trials.add_pending([{"x": i} for i in range(20)], 0.0):
        pool.take(trials.finish(tid, status="ok", loss=float(tid),
                                result={"loss": float(tid), "learner": "same",
                                        "predictions": np.zeros(100)}))
    assert [tid for tid, _ in pool.candidates()] == [0, 1, 2, 3]


@pytest.fixture(scope="module")
def bagged_iris():
    from sklearn.datasets import load_iris

    X, y = load_iris(return_X_y=True)
    labels = np.array(["setosa", "versicolor", "virginica"])[y]
    model = HyperoptClassifier(max_evals=3, cv=3, ensemble_size=0, refit="bag", random_state=0)
    return model.fit(X, labels), X, labels


def test_a_bagged_classifier_averages_one_fit_per_split_and_predicts_the_labels(bagged_iris):
    from sklearn.frozen import FrozenEstimator

    model, X, labels = bagged_iris
    vote = model.best_estimator_
    assert isinstance(vote, VotingClassifier) and vote.voting == "soft"
    assert [name for name, _ in vote.estimators] == [f"trial{model.best_index_}.fold{i}" for i in range(3)]
    folds = [frozen.estimator for frozen in vote.estimators_]
    assert all(isinstance(frozen, FrozenEstimator) for frozen in vote.estimators_)
    # Each fold fit is the winner's pipeline, fitted on one training split's rows (codes 0..2).
    assert len({id(fold) for fold in folds}) == 3 and "split2_test_score" in model.cv_results_
    assert all(list(fold.classes_) == [0, 1, 2] for fold in folds)
    assert not np.allclose(folds[0].predict_proba(X), folds[1].predict_proba(X))
    proba = model.predict_proba(X)
    np.testing.assert_allclose(proba, np.mean([fold.predict_proba(X) for fold in folds], axis=0))
    assert set(model.predict(X)) <= set(labels) and model.score(X, labels) > 0.9
    assert "(3 folds)" in model.describe()
    assert type(model.best_model()["learner"]) is type(folds[0].steps[-1][1])


def test_a_bagged_model_saves_and_loads_but_does_not_export(bagged_iris, tmp_path):
    import hpsk

    model, X, labels = bagged_iris
    joblib.dump(model.best_estimator_, tmp_path / "bag.joblib")
    np.testing.assert_array_equal(joblib.load(tmp_path / "bag.joblib").predict(X), model.predict(X))
    pytest.importorskip("skops")
    hpsk.save(model, tmp_path / "bag.skops")
    np.testing.assert_array_equal(hpsk.load(tmp_path / "bag.skops").predict(X), model.predict(X))
    with pytest.raises(ValueError, match="cannot write a bagged model"):
        hpsk.export_code(model)


def test_a_bagged_regressor_averages_its_fold_fits_and_a_holdout_is_refitted():
    X, y = load_diabetes(return_X_y=True)
    model = HyperoptRegressor(max_evals=3, cv=4, ensemble_size=0, refit="bag", random_state=0).fit(X, y)
    vote = model.best_estimator_
    assert isinstance(vote, VotingRegressor) and len(vote.estimators_) == 4
    members = [frozen.estimator for frozen in vote.estimators_]
    np.testing.assert_allclose(model.predict(X), np.mean([m.predict(X) for m in members], axis=0))
    # One split (a 20 % holdout) leaves nothing to bag: the plain refit on every row, and a warning.
    holdout = HyperoptRegressor(max_evals=2, cv=0.2, ensemble_size=0, refit="bag", random_state=0)
    with pytest.warns(UserWarning, match="refit='bag' refitted on every row instead: the validation"):
        holdout.fit(X, y)
    assert isinstance(holdout.best_estimator_, Pipeline)


def test_a_learner_without_probabilities_is_refitted_rather_than_bagged():
    from sklearn.datasets import load_iris

    from hpsk.components import ridge_classifier

    X, y = load_iris(return_X_y=True)
    model = HyperoptClassifier(classifier=ridge_classifier("clf"), max_evals=2, cv=3, refit="bag", random_state=0)
    with pytest.warns(UserWarning, match="has no predict_proba to average"):
        model.fit(X, y)
    assert isinstance(model.best_estimator_, Pipeline) and model.score(X, y) > 0.7


def test_refit_takes_a_bool_or_bag():
    X, y = load_diabetes(return_X_y=True)
    with pytest.raises(ValueError, match="refit"):
        HyperoptRegressor(max_evals=1, refit="bagging").fit(X, y)
