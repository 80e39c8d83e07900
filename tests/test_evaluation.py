"""Validation schemes, scoring, re-evaluation of the top candidates, results, nested CV."""

import numpy as np
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.datasets import load_breast_cancer, load_iris, make_regression
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss
from sklearn.model_selection import GroupKFold, cross_validate

from hpsk import (AllTrialsFailed, HyperoptClassifier, HyperoptEstimator, HyperoptRegressor, hp,
                  nested_cross_validate, rand)
from hpsk.components import k_neighbors_classifier, logistic_regression
from hpsk.evaluation import make_splitter
from hpsk.space import Build


@pytest.fixture(scope="module")
def iris():
    return load_iris(return_X_y=True)


class GroupSpy(ClassifierMixin, BaseEstimator):
    """A classifier whose column 0 is the group id; it raises if a training
    group shows up again at validation time."""

    def __init__(self, C=1.0):
        self.C = C

    def fit(self, X, y):
        self.train_groups_ = set(np.unique(X[:, 0]))
        self.model_ = LogisticRegression(C=self.C, max_iter=500).fit(X[:, 1:], y)
        self.classes_ = self.model_.classes_
        return self

    def predict(self, X):
        leaked = self.train_groups_ & set(np.unique(X[:, 0]))
        if leaked:
            raise AssertionError(f"groups {sorted(leaked)} are in training and validation")
        return self.model_.predict(X[:, 1:])


@pytest.mark.parametrize("cv", [GroupKFold(n_splits=3), 3, 0.3])
def test_groups_are_never_split_between_training_and_validation(iris, cv):
    X, y = iris
    groups = np.arange(len(y)) % 10
    X = np.column_stack([groups, X])
    space = Build(GroupSpy, kwargs={"C": hp.loguniform("C", -2, 2)})
    model = HyperoptEstimator(classifier=space, cv=cv, max_evals=6, random_state=0,
                              reevaluate_top=2).fit(X, y, groups=groups)
    assert model.trials_.statuses() == ["ok"] * 6, model.trials_.first_error()


def test_hyperopt_sklearn_kfolds_group_is_honoured_for_classifiers(iris):
    X, y = iris
    groups = np.arange(len(y)) % 10
    X = np.column_stack([groups, X])
    space = Build(GroupSpy, kwargs={"C": hp.loguniform("C", -2, 2)})
    model = HyperoptEstimator(classifier=space, max_evals=4, random_state=0)
    model.fit(X, y, n_folds=3, kfolds_group=groups)
    assert model.trials_.n_ok == 4, model.trials_.first_error()
    assert len([k for k in model.cv_results_ if k.startswith("split")]) == 3


def test_sample_weight_reaches_the_learner(iris):
    X, y = iris
    weights = np.where(y == 2, 0.0, 1.0)
    learner = logistic_regression("lr", C=1.0)
    weighted = HyperoptEstimator(classifier=learner, max_evals=2, random_state=0)
    weighted.fit(X, y, sample_weight=weights)
    unweighted = HyperoptEstimator(classifier=learner, max_evals=2, random_state=0).fit(X, y)
    assert 2 in unweighted.predict(X)
    assert 2 not in weighted.predict(X)


def test_hyperopt_sklearn_fit_keywords_map_onto_cv(iris):
    X, y = iris
    model = HyperoptClassifier(classifier=k_neighbors_classifier("knn"), max_evals=3, random_state=0)
    model.fit(X, y, valid_size=0.3)
    assert [k for k in model.cv_results_ if k.startswith("split")] == ["split0_test_score"]
    model.fit(X, y, n_folds=4)
    assert len([k for k in model.cv_results_ if k.startswith("split")]) == 4


def test_cv_results_is_a_leaderboard(iris):
    pd = pytest.importorskip("pandas")
    X, y = iris
    model = HyperoptClassifier(max_evals=8, cv=3, random_state=0).fit(X, y)
    table = pd.DataFrame(model.cv_results_)
    assert len(table) == 8
    assert {"params", "mean_test_score", "std_test_score", "split0_test_score", "split2_test_score",
            "rank_test_score", "mean_fit_time", "status", "learner", "preprocessing"} <= set(table)
    ok = table[table.status == "ok"]
    top = ok.sort_values("rank_test_score").iloc[0]
    assert top.mean_test_score == ok.mean_test_score.max()
    np.testing.assert_allclose(ok[["split0_test_score", "split1_test_score", "split2_test_score"]]
                               .mean(axis=1), ok.mean_test_score)
    # Ranks follow scikit-learn's tie rule (rankdata(method="min"), NaN scores last). This replaced
    # ``sorted(table.rank_test_score) == list(range(1, 9))``, true only while ties were broken by trial order.
    from scipy.stats import rankdata

    assert table.rank_test_score.min() == 1 and table.rank_test_score.max() <= 8
    np.testing.assert_array_equal(table.rank_test_score,
                                  rankdata(-table.mean_test_score.fillna(-np.inf), method="min"))


def test_top_candidates_are_re_evaluated_on_fresh_splits():
    X, y = load_breast_cancer(return_X_y=True)
    # k-nearest neighbours: re-evaluation is the same for any learner, and 25
    # trials (re-evaluation may cost a fifth of them) are quick with this one.
    model = HyperoptClassifier(classifier="k_neighbors_classifier", max_evals=25, cv=3, reevaluate_top=5,
                               random_state=0).fit(X, y)
    record = model.reevaluation_
    assert record is not None and len(record["tid"]) == 5
    # re-evaluation is bounded: 5 candidates x 1 repeat x 3 folds <= a fifth of 25 x 3 fits
    assert model.best_index_ in set(record["tid"])
    winner = list(record["tid"]).index(model.best_index_)
    assert model.best_score_ == pytest.approx(record["combined_score"][winner])
    assert model.best_score_ == pytest.approx(record["combined_score"].max())
    off = HyperoptClassifier(classifier="k_neighbors_classifier", max_evals=25, cv=3, reevaluate_top=0,
                             random_state=0).fit(X, y)
    assert off.reevaluation_ is None
    assert off.best_score_ == -off.trials_.best_trial.loss


def test_continuous_loss_fn_gets_probabilities(iris):
    X, y = iris
    seen = []

    def loss(y_true, proba):
        seen.append(np.shape(proba))
        return log_loss(y_true, proba, labels=[0, 1, 2])

    model = HyperoptEstimator(classifier=logistic_regression("lr"), loss_fn=loss,
                              continuous_loss_fn=True, max_evals=3, cv=3, random_state=0).fit(X, y)
    assert all(len(shape) == 2 and shape[1] == 3 for shape in seen)
    assert model.best_score_ < 0  # minus a log loss


def test_loss_fn_returning_nan_is_a_recorded_failure(iris):
    X, y = iris
    calls = []

    def sometimes_nan(y_true, y_pred):
        calls.append(1)
        return float("nan") if len(calls) % 2 else float(np.mean(y_true != y_pred))

    model = HyperoptEstimator(classifier=logistic_regression("lr"), loss_fn=sometimes_nan,
                              cv=0.3, max_evals=6, reevaluate_top=0, random_state=0).fit(X, y)
    assert "fail" in model.trials_.statuses() and "ok" in model.trials_.statuses()
    assert any("non-finite" in (t.error or "") for t in model.trials_)
    with pytest.raises(AllTrialsFailed, match="non-finite"):
        HyperoptEstimator(classifier=logistic_regression("lr"), loss_fn=lambda a, b: float("nan"),
                          max_evals=2).fit(X, y)


def test_warm_start_continues_the_search(iris):
    X, y = iris
    model = HyperoptClassifier(classifier=k_neighbors_classifier("knn"), max_evals=4, random_state=0)
    model.fit(X, y)
    first = [t.point for t in model.trials_]
    model.fit(X, y, warm_start=True)
    assert len(model.trials_) == 8 and [t.point for t in model.trials_][:4] == first


@pytest.mark.parametrize("kwargs, fit_kwargs, message", [
    ({"cv": 5}, {}, r"cv=5 asks for more folds than the smallest class has samples \(3\)"),
    ({"scoring": "acuracy"}, {}, r"unknown scoring 'acuracy'. Did you mean 'accuracy'"),
    ({}, {"sample_weight": np.ones(7)}, r"sample_weight has shape \(7,\) but X has \d+ samples"),
    ({}, {"groups": np.ones(3)}, r"groups has shape \(3,\)"),
])
def test_bad_validation_settings_raise_clear_errors(iris, kwargs, fit_kwargs, message):
    X, y = iris
    X, y = X[:103], y[:103]  # class 2 has only 3 samples
    with pytest.raises(ValueError, match=message):
        HyperoptClassifier(max_evals=2, **kwargs).fit(X, y, **fit_kwargs)


def test_auto_cv_adapts_to_the_data_size():
    assert make_splitter("auto", classification=True, n_samples=500, random_state=0).get_n_splits() == 5
    assert make_splitter("auto", classification=True, n_samples=3000, random_state=0).get_n_splits() == 3
    holdout = make_splitter("auto", classification=False, n_samples=20001, random_state=0)
    assert holdout.get_n_splits() == 1 and holdout.test_size == 0.2
    assert make_splitter("auto", classification=True, n_samples=500, random_state=0,
                         min_class_count=3).get_n_splits() == 3


def test_auto_cv_adapts_to_the_budget():
    def folds(n_samples, **budget):
        splitter = make_splitter("auto", classification=False, n_samples=n_samples, random_state=0,
                                 **budget)
        return splitter.get_n_splits()

    # A long search (many evaluations, or a time budget) gets more folds on small data.
    assert folds(2000, n_evals=50) == 3 and folds(2000, n_evals=200) == 5
    assert folds(2000, time_budget=30) == 5 and folds(800, time_budget=10) == 5
    assert folds(10000, n_evals=50) == 3 and folds(10000, time_budget=30) == 3
    assert folds(50000, n_evals=500) == 1
    # The estimator passes its budget on.
    X, y = make_regression(n_samples=1500, n_features=4, random_state=0)
    model = HyperoptRegressor(regressor="ridge", max_evals=100, random_state=0)
    model.fit(X, y)
    assert len(model.cv_results_["split4_test_score"]) == 100


@pytest.mark.slow
def test_nested_cross_validation_reports_the_optimism():
    X, y = load_breast_cancer(return_X_y=True)
    # Six searches (three outer folds, then through cross_validate): a quick
    # learner, since what is checked is the outer loop around any search.
    model = HyperoptClassifier(classifier="k_neighbors_classifier", max_evals=8, algo=rand.suggest,
                               random_state=0)
    result = nested_cross_validate(model, X, y, cv=3, random_state=0)
    assert result["test_score"].shape == (3,) and np.all(result["test_score"] > 0.85)
    assert len(result["pipelines"]) == 3
    assert result["optimism"] == pytest.approx(result["inner_best_score"].mean() - result["test_score"].mean())
    composed = cross_validate(model, X, y, cv=3, return_estimator=True)
    assert composed["test_score"].shape == (3,) and np.all(composed["test_score"] > 0.85)
    assert all(hasattr(est, "best_score_") for est in composed["estimator"])


class _Crashes(ClassifierMixin, BaseEstimator):
    def fit(self, X, y):
        raise RuntimeError("this learner always fails")


def test_trials_that_never_reported_are_still_described_in_cv_results():
    from hpsk.space import Build

    X, y = load_iris(return_X_y=True)
    space = {"learner": hp.choice("learner", [Build(_Crashes), k_neighbors_classifier("knn")]),
             "preprocessing": []}
    model = HyperoptEstimator(space=space, max_evals=10, algo=rand.suggest, random_state=0).fit(X, y)
    failed = model.cv_results_["status"] == "fail"
    assert failed.any() and (~failed).any()
    assert set(model.cv_results_["learner"][failed]) == {"_Crashes"}
    assert set(model.cv_results_["learner"][~failed]) == {"KNeighborsClassifier"}
    # failed trials rank after every successful one, as scikit-learn ranks NaN scores
    assert set(model.cv_results_["rank_test_score"][failed]) == {(~failed).sum() + 1}
    assert np.isnan(model.cv_results_["mean_test_score"][failed]).all()
    # the leaderboard is the same table: it describes them too
    board = model.leaderboard()
    assert set(board.loc[board.status == "fail", "learner"]) == {"_Crashes"}
    assert board["rank"].isna().sum() == failed.sum()


def test_manhattan_neighbours_take_string_labels_on_every_scikit_learn(predict_with_export):
    # scikit-learn < 1.9 fails on this combination (brute force, p=1, string
    # labels: "invalid literal for int()"); hpsk hands such learners codes.
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 20))
    y = np.where(X[:, 0] + 0.5 * rng.normal(size=200) > 0, "yes", "no").astype(object)
    model = HyperoptClassifier(classifier=k_neighbors_classifier("knn", p=1, weights="uniform"),
                               preprocessing=[], max_evals=3, cv=3, random_state=0).fit(X, y)
    assert model.trials_.statuses() == ["ok"] * 3, model.trials_.first_error()
    assert set(model.predict(X)) == {"no", "yes"} and model.score(X, y) > 0.7
    np.testing.assert_array_equal(predict_with_export(model, X, y), model.predict(X))


def test_cv_results_ranks_ties_and_failures_as_grid_search_does(iris):
    import warnings

    from sklearn.exceptions import FitFailedWarning
    from sklearn.model_selection import GridSearchCV

    from hpsk import Trials
    from hpsk.evaluation import cv_results

    X, y = iris
    # C=-1 cannot be fitted (a NaN score); C=1 twice is a tie.
    grid = {"C": [1.0, -1.0, 0.01, 1.0, -1.0]}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=FitFailedWarning)
        warnings.simplefilter("ignore", category=UserWarning)
        search = GridSearchCV(LogisticRegression(max_iter=500), grid, cv=3, error_score=np.nan).fit(X, y)
    means = search.cv_results_["mean_test_score"]
    trials = Trials()
    tids = trials.add_pending([{"C": c} for c in grid["C"]], start_time=0.0)
    for tid, mean in zip(tids, means):
        if np.isnan(mean):
            trials.finish(tid, status="fail", error="C must be positive")
        else:
            scores = [search.cv_results_[f"split{k}_test_score"][tid] for k in range(3)]
            trials.finish(tid, status="ok", loss=-mean, result={"scores": scores})
    ours = cv_results(trials)
    np.testing.assert_array_equal(ours["rank_test_score"], search.cv_results_["rank_test_score"])
    assert list(ours["rank_test_score"]) == [1, 4, 3, 1, 4]
    np.testing.assert_allclose(ours["mean_test_score"], means)
    np.testing.assert_allclose(ours["std_test_score"], search.cv_results_["std_test_score"])
    np.testing.assert_array_equal(ours["param_C"], search.cv_results_["param_C"])


def test_pipeline_objective_records_fit_and_score_times(iris):
    from hpsk.evaluation import PipelineObjective, ValidationScorer

    X, y = iris
    splits = list(make_splitter(3, classification=True, n_samples=len(y), random_state=0).split(X, y))
    objective = PipelineObjective(X, y, None, splits, ValidationScorer(), seed=0)
    result = objective({"learner": LogisticRegression(max_iter=500)})
    assert result["status"] == "ok" and len(result["scores"]) == 3
    assert result["fit_time"] > 0 and result["score_time"] > 0
    assert result["fit_time_std"] >= 0 and result["score_time_std"] >= 0
