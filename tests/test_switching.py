"""What a hyperopt-sklearn user brings along: its imports, spaces, fit keywords and learners."""

import numpy as np
import pytest
from sklearn.datasets import load_diabetes, load_iris, make_classification
from sklearn.model_selection import train_test_split

import hpsk
from hpsk import (HyperoptClassifier, HyperoptEstimator, any_classifier, hp, isolation_forest,
                  k_means, linear_svr, multinomial_nb, random_forest_classifier, sgd_classifier,
                  tfidf_vectorizer, ts_lagselector)


def test_every_component_is_a_top_level_name():
    import hpsk.components

    missing = [name for name in hpsk.components.__all__ if getattr(hpsk, name, None) is None]
    assert missing == []
    assert set(hpsk.components.__all__) <= set(hpsk.__all__)
    assert hpsk.any_classifier is hpsk.components.any_classifier


def test_a_space_in_hyperopt_sklearn_layout_is_searched():
    X, y = load_iris(return_X_y=True)
    space = hp.as_apply({"classifier": sgd_classifier("sgd", loss="log_loss"), "regressor": None,
                         "preprocessing": None, "ex_preprocs": []})
    model = HyperoptEstimator(space=space, max_evals=4, random_state=0).fit(X, y)
    assert model.trials_.n_ok == 4
    assert type(model.best_model()["learner"]).__name__ == "SGDClassifier"
    assert model.score(X, y) > 0.7


def test_a_space_dict_without_a_learner_is_a_clear_error():
    X, y = load_iris(return_X_y=True)
    model = HyperoptEstimator(space={"classifier": None, "regressor": None}, max_evals=2)
    with pytest.raises(hpsk.AllTrialsFailed, match="'classifier' or 'regressor'"):
        model.fit(X, y)


@pytest.mark.parametrize("learner", [k_means("km", n_clusters=3), isolation_forest("iforest")],
                         ids=["k_means", "isolation_forest"])
def test_a_learner_that_cannot_vote_falls_back_to_the_single_winner(learner):
    # hyperopt-sklearn lets any estimator with predict be the learner; scored on
    # its predictions, it can win, but a voting ensemble cannot hold it.
    X, y = load_diabetes(return_X_y=True)
    model = HyperoptEstimator(regressor=learner, max_evals=4, random_state=0).fit(X, y)
    assert model.ensemble_ is None
    assert model.predict(X).shape == (len(X),)


def test_documents_go_through_the_text_vectorisers():
    documents = np.array(["the cat sat on the mat", "dogs chase cats", "a mat for the cat",
                          "the dog barks at night", "cats sleep on mats", "a dog and its bone"] * 5)
    y = np.array([0, 1, 0, 1, 0, 1] * 5)
    model = HyperoptEstimator(classifier=multinomial_nb("nb"), preprocessing=[tfidf_vectorizer("tfidf")],
                              max_evals=3, random_state=0).fit(documents, y)
    assert model.score(documents, y) > 0.9
    assert list(model.predict(["my cat likes the mat", "the dog barks"])) == [0, 1]
    default = HyperoptClassifier(max_evals=3, random_state=0).fit(list(documents), y)
    assert "Vectorizer" in default.describe()
    with pytest.raises(ValueError, match="fitted on documents"):
        model.predict(np.ones((2, 3)))


def test_grouped_folds_with_fewer_groups_than_folds_use_one_fold_per_group():
    X, y = make_classification(400, 5, random_state=0)
    groups = np.repeat([0, 1, 2, 3], 100)
    model = HyperoptEstimator(classifier=sgd_classifier("sgd", loss="log_loss"), preprocessing=[],
                              max_evals=2, random_state=0)
    with pytest.warns(UserWarning, match="only 4 groups; using 4 folds"):
        model.fit(X, y, n_folds=5, kfolds_group=groups)
    assert len(model.trials_.best_trial.result["scores"]) == 4


def test_trials_alias_and_fit_increment():
    X, y = load_iris(return_X_y=True)
    model = HyperoptEstimator(classifier=random_forest_classifier("rf", n_estimators=10),
                              fit_increment=2, random_state=0)
    assert not hasattr(model, "trials")
    steps = model.fit_iter(X, y)
    for i, trials in enumerate(steps):
        assert trials is model.trials
        assert len(trials.trials) == 2 * i
        if i == 2:
            break
    assert model.trials is model.trials_


def test_exogenous_data_sets_join_the_lags():
    # An autoregression of order 3 plus one exogenous driver; the lag selector
    # searches the order, EX_list brings the driver (hyperopt-sklearn's example).
    rng = np.random.default_rng(0)
    n, lags = 600, 8
    driver = rng.normal(size=n)
    series = np.zeros(n)
    for t in range(3, n):
        series[t] = 0.5 * series[t - 1] - 0.3 * series[t - 2] + 0.2 * series[t - 3] + driver[t] \
            + 0.1 * rng.normal()
    X = np.column_stack([series[lags - k:n - k] for k in range(1, lags + 1)])  # lag 1 first
    y, EX = series[lags:], driver[lags:].reshape(-1, 1)
    X_train, X_test, y_train, y_test, EX_train, EX_test = train_test_split(X, y, EX, shuffle=False)
    model = HyperoptEstimator(regressor=linear_svr("svr", max_iter=20000),
                              preprocessing=[ts_lagselector("lag", 1, lags)], ex_preprocs=[[]],
                              max_evals=12, random_state=0)
    model.fit(X_train, y_train, EX_list=[EX_train], valid_size=0.2, cv_shuffle=False)
    learner = model.best_model()["learner"]
    assert learner.coef_[-1] == pytest.approx(1.0, abs=0.1)  # the driver's coefficient
    assert model.score(X_test, y_test, EX_list=[EX_test]) > 0.9
    with pytest.raises(ValueError, match="pass the same EX_list"):
        model.predict(X_test)
    with pytest.raises(ValueError, match="one list of transformers per exogenous data set"):
        HyperoptEstimator(regressor=linear_svr("svr"), ex_preprocs=[[], []], max_evals=1).fit(
            X_train, y_train, EX_list=[EX_train])


def test_hyperopt_sklearn_default_arguments_fit():
    X, y = load_iris(return_X_y=True)
    model = HyperoptEstimator(classifier=any_classifier("clf"), max_evals=3, random_state=0).fit(X, y)
    assert model.get_params()["classifier"] is not None and len(model.trials.trials) == 3
