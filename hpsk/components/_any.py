"""Families of components: one labelled choice over many learners or preprocessors.

The default ``any_*`` families favour what wins on tabular data (gradient
boosting, forests, linear models, SVMs, k-NN) through ``hp.pchoice``
weights and leave out slow or rarely useful members, which stay available by
name. The ``all_*`` families give every classifier, regressor or dense
preprocessor an equal chance. Outlier detectors, mixtures and clusterers
(``isolation_forest``, ``one_class_svm``, ``sgd_one_class_svm``,
``elliptic_envelope``, ``gaussian_mixture``, ``bayesian_gaussian_mixture``,
``k_means``, ``mini_batch_k_means``) predict something other than the
target and are in no family; multi-task models need a 2-D target and are
left out of ``all_regressors``.

Preprocessing families evaluate to a *list* of transformers to put before
the learner; the empty list means no preprocessing.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Any

from .. import hp
from . import (
    cross_decomposition,
    decomposition,
    discriminant_analysis,
    dummy,
    ensemble,
    gaussian_process,
    kernel_ridge,
    linear_model,
    naive_bayes,
    neighbors,
    neural_network,
    preprocessing,
    semi_supervised,
    svm,
    tree,
)
from . import compose as compose_components
from .feature_extraction import count_vectorizer, hashing_vectorizer, tfidf_vectorizer
from .lightgbm import lightgbm_available, lightgbm_classification, lightgbm_regression
from .xgboost import xgboost_classification, xgboost_regression

__all__ = [
    "any_classifier",
    "any_regressor",
    "any_preprocessing",
    "any_sparse_classifier",
    "any_sparse_regressor",
    "any_sparse_preprocessing",
    "any_text_preprocessing",
    "all_classifiers",
    "all_regressors",
    "all_preprocessing",
]


def _xgboost_available() -> bool:
    try:
        import xgboost  # noqa: F401
    except ImportError:  # pragma: no cover - xgboost is a dependency
        return False
    return True


def _weighted(name: str, members: list[tuple[float, Any]]) -> Any:
    """``hp.pchoice`` over the members, renormalised (a member may be missing)."""
    total = sum(p for p, _ in members)
    return hp.pchoice(name, [(p / total, member) for p, member in members])


def any_classifier(name: str) -> Any:
    """A weighted choice over the classifiers that usually win on tabular data.

    Boosting gets the largest share (it most often wins), then forests,
    then the linear, kernel and neighbour models that win on small or
    well-scaled data.
    """
    members = [
        (0.20, ensemble.hist_gradient_boosting_classifier(f"{name}.hist_gradient_boosting")),
        (0.15, ensemble.random_forest_classifier(f"{name}.random_forest")),
        (0.10, ensemble.extra_trees_classifier(f"{name}.extra_trees")),
        (0.15, linear_model.logistic_regression(f"{name}.logistic_regression")),
        (0.15, svm.svc(f"{name}.svc")),
        (0.10, neighbors.k_neighbors_classifier(f"{name}.knn")),
    ]
    if _xgboost_available():
        members.insert(1, (0.15, xgboost_classification(f"{name}.xgboost")))
    return _weighted(name, members)


def any_regressor(name: str) -> Any:
    """A weighted choice over the regressors that usually win on tabular data."""
    members = [
        (0.20, ensemble.hist_gradient_boosting_regressor(f"{name}.hist_gradient_boosting")),
        (0.15, ensemble.random_forest_regressor(f"{name}.random_forest")),
        (0.10, ensemble.extra_trees_regressor(f"{name}.extra_trees")),
        (0.10, linear_model.ridge(f"{name}.ridge")),
        (0.05, linear_model.lasso(f"{name}.lasso")),
        (0.05, linear_model.elastic_net(f"{name}.elastic_net")),
        (0.10, svm.svr(f"{name}.svr")),
        (0.10, neighbors.k_neighbors_regressor(f"{name}.knn")),
    ]
    if _xgboost_available():
        members.insert(1, (0.15, xgboost_regression(f"{name}.xgboost")))
    return _weighted(name, members)


def any_preprocessing(name: str) -> Any:
    """A weighted choice of preprocessing lists for dense numeric data.

    No preprocessing (``[]``) suits the tree models and is as likely as
    standardisation, which the kernel, linear and neighbour models need.
    PCA follows its own standardisation, as it is meaningless on features
    of different units.
    """
    return hp.pchoice(name, [
        (0.30, []),
        (0.30, [preprocessing.standard_scaler(f"{name}.standard_scaler")]),
        (0.15, [preprocessing.min_max_scaler(f"{name}.min_max_scaler")]),
        (0.05, [preprocessing.normalizer(f"{name}.normalizer")]),
        (0.20, [preprocessing.standard_scaler(f"{name}.pca_scaler", with_mean=True),
                decomposition.pca(f"{name}.pca")]),
    ])


def any_sparse_classifier(name: str) -> Any:
    """A weighted choice over classifiers that take sparse input (text, one-hot).

    Linear models dominate on high-dimensional sparse data; the naive Bayes
    models need non-negative features (counts, tf-idf).
    """
    return hp.pchoice(name, [
        (0.25, linear_model.logistic_regression(f"{name}.logistic_regression")),
        (0.25, svm.linear_svc(f"{name}.linear_svc")),
        (0.20, linear_model.sgd_classifier(f"{name}.sgd")),
        (0.10, naive_bayes.multinomial_nb(f"{name}.multinomial_nb")),
        (0.10, naive_bayes.complement_nb(f"{name}.complement_nb")),
        (0.05, linear_model.ridge_classifier(f"{name}.ridge")),
        (0.05, neighbors.k_neighbors_classifier(f"{name}.knn", p=2)),
    ])


def any_sparse_regressor(name: str) -> Any:
    """A weighted choice over regressors that take sparse input."""
    return hp.pchoice(name, [
        (0.35, linear_model.ridge(f"{name}.ridge")),
        (0.30, linear_model.sgd_regressor(f"{name}.sgd")),
        (0.25, svm.linear_svr(f"{name}.linear_svr")),
        (0.10, neighbors.k_neighbors_regressor(f"{name}.knn", p=2)),
    ])


def any_sparse_preprocessing(name: str) -> Any:
    """Preprocessing lists that keep sparse input sparse (no centring)."""
    return hp.pchoice(name, [
        (0.30, []),
        (0.30, [preprocessing.standard_scaler(f"{name}.standard_scaler", with_mean=False)]),
        (0.20, [preprocessing.max_abs_scaler(f"{name}.max_abs_scaler")]),
        (0.20, [preprocessing.normalizer(f"{name}.normalizer")]),
    ])


def any_text_preprocessing(name: str) -> Any:
    """Vectoriser lists for raw text; tf-idf is the usual winner.

    The hashing vectoriser keeps non-negative values so multinomial naive
    Bayes can follow it.
    """
    return hp.pchoice(name, [
        (0.6, [tfidf_vectorizer(f"{name}.tfidf")]),
        (0.2, [hashing_vectorizer(f"{name}.hashing", alternate_sign=False)]),
        (0.2, [count_vectorizer(f"{name}.count")]),
    ])


def all_classifiers(name: str) -> Any:
    """An equal-weight choice over every classifier component.

    Some members need particular inputs (the multinomial, complement and
    categorical naive Bayes need non-negative features, categorical NB
    integer codes) and some are slow on large data (Gaussian processes).
    """
    members = [
        ensemble.random_forest_classifier(f"{name}.random_forest"),
        ensemble.extra_trees_classifier(f"{name}.extra_trees"),
        ensemble.bagging_classifier(f"{name}.bagging"),
        ensemble.ada_boost_classifier(f"{name}.ada_boost"),
        ensemble.gradient_boosting_classifier(f"{name}.gradient_boosting"),
        ensemble.hist_gradient_boosting_classifier(f"{name}.hist_gradient_boosting"),
        naive_bayes.bernoulli_nb(f"{name}.bernoulli_nb"),
        naive_bayes.categorical_nb(f"{name}.categorical_nb"),
        naive_bayes.complement_nb(f"{name}.complement_nb"),
        naive_bayes.gaussian_nb(f"{name}.gaussian_nb"),
        naive_bayes.multinomial_nb(f"{name}.multinomial_nb"),
        linear_model.sgd_classifier(f"{name}.sgd"),
        linear_model.ridge_classifier(f"{name}.ridge"),
        linear_model.ridge_classifier_cv(f"{name}.ridge_cv"),
        linear_model.logistic_regression(f"{name}.logistic_regression"),
        linear_model.logistic_regression_cv(f"{name}.logistic_regression_cv"),
        linear_model.passive_aggressive_classifier(f"{name}.passive_aggressive"),
        linear_model.perceptron(f"{name}.perceptron"),
        dummy.dummy_classifier(f"{name}.dummy"),
        gaussian_process.gaussian_process_classifier(f"{name}.gaussian_process"),
        neural_network.mlp_classifier(f"{name}.mlp"),
        svm.linear_svc(f"{name}.linear_svc"),
        svm.nu_svc(f"{name}.nu_svc"),
        svm.svc(f"{name}.svc"),
        tree.decision_tree_classifier(f"{name}.decision_tree"),
        tree.extra_tree_classifier(f"{name}.extra_tree"),
        semi_supervised.label_propagation(f"{name}.label_propagation"),
        semi_supervised.label_spreading(f"{name}.label_spreading"),
        discriminant_analysis.linear_discriminant_analysis(f"{name}.linear_discriminant_analysis"),
        discriminant_analysis.quadratic_discriminant_analysis(
            f"{name}.quadratic_discriminant_analysis"),
        neighbors.k_neighbors_classifier(f"{name}.knn"),
        neighbors.radius_neighbors_classifier(f"{name}.radius_neighbors"),
        neighbors.nearest_centroid(f"{name}.nearest_centroid"),
    ]
    if _xgboost_available():
        members.append(xgboost_classification(f"{name}.xgboost"))
    if lightgbm_available():
        members.append(lightgbm_classification(f"{name}.lightgbm"))
    return hp.choice(name, members)


def all_regressors(name: str) -> Any:
    """An equal-weight choice over every single-target regressor component.

    The Poisson and Tweedie regressors need a non-negative target, the gamma
    regressor a positive one.
    """
    members = [
        ensemble.random_forest_regressor(f"{name}.random_forest"),
        ensemble.extra_trees_regressor(f"{name}.extra_trees"),
        ensemble.bagging_regressor(f"{name}.bagging"),
        ensemble.ada_boost_regressor(f"{name}.ada_boost"),
        ensemble.gradient_boosting_regressor(f"{name}.gradient_boosting"),
        ensemble.hist_gradient_boosting_regressor(f"{name}.hist_gradient_boosting"),
        linear_model.linear_regression(f"{name}.linear_regression"),
        linear_model.bayesian_ridge(f"{name}.bayesian_ridge"),
        linear_model.ard_regression(f"{name}.ard"),
        linear_model.lars(f"{name}.lars"),
        linear_model.lasso_lars(f"{name}.lasso_lars"),
        linear_model.lars_cv(f"{name}.lars_cv"),
        linear_model.lasso_lars_cv(f"{name}.lasso_lars_cv"),
        linear_model.lasso_lars_ic(f"{name}.lasso_lars_ic"),
        linear_model.lasso(f"{name}.lasso"),
        linear_model.elastic_net(f"{name}.elastic_net"),
        linear_model.lasso_cv(f"{name}.lasso_cv"),
        linear_model.elastic_net_cv(f"{name}.elastic_net_cv"),
        linear_model.poisson_regressor(f"{name}.poisson_regressor"),
        linear_model.gamma_regressor(f"{name}.gamma_regressor"),
        linear_model.tweedie_regressor(f"{name}.tweedie_regressor"),
        linear_model.huber_regressor(f"{name}.huber_regressor"),
        linear_model.sgd_regressor(f"{name}.sgd"),
        linear_model.ridge(f"{name}.ridge"),
        linear_model.ridge_cv(f"{name}.ridge_cv"),
        linear_model.orthogonal_matching_pursuit(f"{name}.orthogonal_matching_pursuit"),
        linear_model.orthogonal_matching_pursuit_cv(f"{name}.orthogonal_matching_pursuit_cv"),
        linear_model.passive_aggressive_regressor(f"{name}.passive_aggressive"),
        linear_model.quantile_regression(f"{name}.quantile_regression"),
        linear_model.ransac_regression(f"{name}.ransac_regression"),
        linear_model.theil_sen_regressor(f"{name}.theil_sen_regressor"),
        dummy.dummy_regressor(f"{name}.dummy"),
        gaussian_process.gaussian_process_regressor(f"{name}.gaussian_process"),
        neural_network.mlp_regressor(f"{name}.mlp"),
        cross_decomposition.cca(f"{name}.cca"),
        cross_decomposition.pls_canonical(f"{name}.pls_canonical"),
        cross_decomposition.pls_regression(f"{name}.pls_regression"),
        svm.linear_svr(f"{name}.linear_svr"),
        svm.nu_svr(f"{name}.nu_svr"),
        svm.svr(f"{name}.svr"),
        tree.decision_tree_regressor(f"{name}.decision_tree"),
        tree.extra_tree_regressor(f"{name}.extra_tree"),
        compose_components.transformed_target_regressor(f"{name}.transformed_target"),
        kernel_ridge.hp_sklearn_kernel_ridge(f"{name}.kernel_ridge"),
        neighbors.k_neighbors_regressor(f"{name}.knn"),
        neighbors.radius_neighbors_regressor(f"{name}.radius_neighbors"),
    ]
    if _xgboost_available():
        members.append(xgboost_regression(f"{name}.xgboost"))
    if lightgbm_available():
        members.append(lightgbm_regression(f"{name}.lightgbm"))
    return hp.choice(name, members)


def all_preprocessing(name: str) -> Any:
    """An equal-weight choice over every dense numeric preprocessor, or none.

    Encoders (for categorical columns), text vectorisers (for raw text) and
    the time-series lag selector expect other inputs and are left out.
    """
    return hp.choice(name, [
        [],
        [preprocessing.binarizer(f"{name}.binarizer")],
        [preprocessing.min_max_scaler(f"{name}.min_max_scaler")],
        [preprocessing.max_abs_scaler(f"{name}.max_abs_scaler")],
        [preprocessing.normalizer(f"{name}.normalizer")],
        [preprocessing.robust_scaler(f"{name}.robust_scaler")],
        [preprocessing.standard_scaler(f"{name}.standard_scaler")],
        [preprocessing.quantile_transformer(f"{name}.quantile_transformer")],
        [preprocessing.power_transformer(f"{name}.power_transformer")],
        [preprocessing.polynomial_features(f"{name}.polynomial_features")],
        [preprocessing.spline_transformer(f"{name}.spline_transformer")],
        [preprocessing.k_bins_discretizer(f"{name}.k_bins_discretizer")],
        [decomposition.pca(f"{name}.pca")],
    ])


# Settings the estimators try first (``starting_points="auto"``): the
# scikit-learn (or XGBoost) defaults of the learners that most often win on
# tabular data, each with the preprocessing it wants. A few known-good
# candidates before the prior's random draws mean a short search is never
# worse than these defaults, and the linear models (which win on small data
# with additive effects) get one well-prepared try however the draws fall.
#
# Keys are label *suffixes*: "ridge.alpha" matches "regressor.ridge.alpha" in
# any space whose learner family names a member "ridge". Values are as in a
# point: numbers, or option indices for choices (the index of the default
# option, noted beside it). The first key is the anchor: an entry whose anchor
# is not in the space is skipped; any other key is used where it is in the
# space and can be active with the anchor, and left to the prior elsewhere
# (so "columns.handling": 1, the native pairing of categories and NaN, applies
# only to DataFrames with such columns; "preprocessing": 0 is no
# preprocessing).
_ENCODED_COLUMNS = {
    "columns.numeric_strategy": 0,  # median
    "columns.numeric_indicator": 0,  # no missing indicator
}
_SCALED_ONE_HOT = {
    "columns.categorical_encoding": 0,  # one-hot
    "columns.min_frequency": 0,  # every level its own column
    **_ENCODED_COLUMNS,
    "standard_scaler.with_mean": 0,  # standardised
}
_UNSCALED_ORDINAL = {
    "columns.categorical_encoding": 1,  # ordinal codes, which trees split well
    **_ENCODED_COLUMNS,
    "preprocessing": 0,
}


def _forest(member: str, bootstrap: int) -> dict[str, Any]:
    return {
        f"{member}.n_estimators": 100,
        f"{member}.max_features": 0,  # "sqrt" for classifiers, 1.0 for regressors
        f"{member}.max_depth": 0,  # None
        f"{member}.min_samples_leaf": 1,
        f"{member}.criterion": 0,  # gini
        f"{member}.bootstrap": bootstrap,
        **_UNSCALED_ORDINAL,
    }


STARTING_POINTS: list[dict[str, Any]] = [
    {
        "hist_gradient_boosting.learning_rate": 0.1,
        "columns.handling": 1,  # native categories and NaN
        "preprocessing": 0,
        "hist_gradient_boosting.max_iter": 100,
        "hist_gradient_boosting.max_leaf_nodes": 31,
        "hist_gradient_boosting.min_samples_leaf": 20,
        "hist_gradient_boosting.l2_regularization": 0,  # 0.0
        "hist_gradient_boosting.max_features": 1.0,
        "hist_gradient_boosting.class_weight": 0,  # None
        "hist_gradient_boosting.loss": 0,  # squared error
    },
    {
        "logistic_regression.C": 1.0,
        "logistic_regression.penalty": 0,  # L2 with lbfgs
        "logistic_regression.class_weight": 0,  # None
        **_SCALED_ONE_HOT,
    },
    {"ridge.alpha": 1.0, **_SCALED_ONE_HOT},
    _forest("random_forest", bootstrap=0),  # bootstrap
    {
        "xgboost.n_estimators": 100,
        "columns.handling": 1,
        "preprocessing": 0,
        "xgboost.learning_rate": 0.1,
        "xgboost.max_depth": 6,
        "xgboost.min_child_weight": 1.0,
        "xgboost.subsample": 1.0,
        "xgboost.colsample_bytree": 1.0,
        "xgboost.gamma": 0,  # 0.0
        "xgboost.reg_alpha": 0,  # 0.0
        "xgboost.reg_lambda": 1.0,
    },
    _forest("extra_trees", bootstrap=1),  # no bootstrap
    {
        "svc.C": 1.0,
        "svc.kernel": 0,  # rbf
        "svc.rbf_gamma": 0,  # "scale"
        "svc.class_weight": 0,  # None
        **_SCALED_ONE_HOT,
    },
]


@lru_cache(maxsize=None)
def _portfolio_file() -> dict[str, tuple[dict[str, Any], ...]]:
    try:
        text = resources.files(__package__).joinpath("portfolio.json").read_text()
    except FileNotFoundError:  # a copy of the package without its data: the defaults serve
        return {}
    return {task: tuple(item["point"] for item in items) for task, items in json.loads(text).items()}


def learned_portfolio(task: str) -> list[dict[str, Any]]:
    """The learned portfolio for ``task`` ("classification" or "regression"), in order.

    Entries are in :data:`STARTING_POINTS`' form. They were chosen greedily
    from a matrix of candidate configurations scored on the real tasks of
    the project's portfolio pool (``benchmarks/portfolio.py`` makes the
    matrix, chooses them and judges the choice leave-task-out): each entry
    is the one that most raised the mean, over tasks, of the best normalized
    score of the entries before it. ``starting_points="portfolio"`` tries
    them first. An unknown task has none. ``portfolio.json`` keeps each entry's
    choices by option name too, so that a test can tell when a change of
    the priors has made an entry mean something else.
    """
    return [dict(entry) for entry in _portfolio_file().get(task, ())]
