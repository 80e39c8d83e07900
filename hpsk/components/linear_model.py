"""Linear models for classification from :mod:`sklearn.linear_model`.

The regressors live in :mod:`hpsk.components._linear_regression` and the
multi-task and cross-validated variants in :mod:`hpsk.components._linear_cv`;
this module re-exports them so every linear model is found here, as in
scikit-learn.
"""

from __future__ import annotations

from typing import Any

from sklearn import linear_model

from ..space import Build
from ._base import Branch, choice, component, log_uniform, pchoice, sklearn_at_least, uniform
from ._linear_cv import (
    elastic_net_cv,
    lars_cv,
    lasso_cv,
    lasso_lars_cv,
    lasso_lars_ic,
    logistic_regression_cv,
    multi_task_elastic_net,
    multi_task_elastic_net_cv,
    multi_task_lasso,
    multi_task_lasso_cv,
    orthogonal_matching_pursuit_cv,
    ridge_classifier_cv,
    ridge_cv,
)
from ._linear_regression import (
    ard_regression,
    bayesian_ridge,
    elastic_net,
    gamma_regressor,
    huber_regressor,
    lars,
    lasso,
    lasso_lars,
    linear_regression,
    orthogonal_matching_pursuit,
    passive_aggressive_regressor,
    passive_aggressive_step,
    poisson_regressor,
    quantile_regression,
    ransac_regression,
    ridge,
    sgd_regressor,
    theil_sen_regressor,
    tweedie_regressor,
)

__all__ = [
    "logistic_regression",
    "logistic_regression_cv",
    "ridge_classifier",
    "ridge_classifier_cv",
    "sgd_classifier",
    "sgd_one_class_svm",
    "passive_aggressive_classifier",
    "perceptron",
    "linear_regression",
    "ridge",
    "ridge_cv",
    "lasso",
    "lasso_cv",
    "elastic_net",
    "elastic_net_cv",
    "lars",
    "lars_cv",
    "lasso_lars",
    "lasso_lars_cv",
    "lasso_lars_ic",
    "orthogonal_matching_pursuit",
    "orthogonal_matching_pursuit_cv",
    "bayesian_ridge",
    "ard_regression",
    "sgd_regressor",
    "passive_aggressive_regressor",
    "huber_regressor",
    "theil_sen_regressor",
    "ransac_regression",
    "quantile_regression",
    "poisson_regressor",
    "gamma_regressor",
    "tweedie_regressor",
    "multi_task_lasso",
    "multi_task_lasso_cv",
    "multi_task_elastic_net",
    "multi_task_elastic_net_cv",
]

# scikit-learn 1.8 deprecated LogisticRegression's ``penalty``: the penalty
# follows from ``l1_ratio`` (0 = L2, 1 = L1, between = elastic net). Older
# releases need it spelled out.
_PENALTY_FROM_L1_RATIO = sklearn_at_least(1, 8)


def _inverse_regularization(name: str, param: str = "C") -> Any:
    # C multiplies the data term; useful values span six decades around the
    # default 1, so the prior is log-uniform over them.
    return log_uniform(name, param, 1e-3, 1e3)


def _class_weight(name: str) -> Any:
    # Reweighting helps on imbalanced classes and costs little otherwise.
    return pchoice(name, "class_weight", [(0.7, None), (0.3, "balanced")])


def _logistic_branch(solver: str, penalty: str, l1_ratio: Any) -> dict[str, Any]:
    branch: dict[str, Any] = {"solver": solver, "l1_ratio": l1_ratio}
    if not _PENALTY_FROM_L1_RATIO:
        branch["penalty"] = penalty
    return branch


def logistic_regression(name: str, **overrides: Any) -> Build:
    """:class:`sklearn.linear_model.LogisticRegression` with solver x penalty branches.

    Only solvers that handle multi-class targets are proposed (``liblinear``
    is binary-only). L2 uses ``lbfgs``; L1 and elastic net use ``saga``, the
    one multinomial solver that supports them.
    """
    priors = {
        "C": _inverse_regularization(name),
        "class_weight": _class_weight(name),
        "fit_intercept": True,
        # Unscaled data can need many iterations; 500 bounds a trial's cost.
        "max_iter": 500,
    }
    branches = [
        (0.6, _logistic_branch("lbfgs", "l2", 0.0)),
        (0.2, _logistic_branch("saga", "l1", 1.0)),
        (0.2, _logistic_branch("saga", "elasticnet", uniform(name, "l1_ratio", 0.05, 0.95))),
    ]
    return component(linear_model.LogisticRegression, name, priors, overrides,
                     branches=branches, branch_param="penalty")


def ridge_classifier(name: str, **overrides: Any) -> Build:
    """:class:`sklearn.linear_model.RidgeClassifier` (least squares on +-1 targets)."""
    priors = {"alpha": log_uniform(name, "alpha", 1e-3, 1e3), "class_weight": _class_weight(name)}
    return component(linear_model.RidgeClassifier, name, priors, overrides)


def _sgd_classifier_rate_branches(name: str) -> list[tuple[float, dict[str, Any]]]:
    # "optimal" (the default) derives its step from alpha; "adaptive" and
    # "invscaling" start from eta0, log-scaled around the default 0.01.
    eta0 = log_uniform(name, "eta0", 1e-4, 1e-1)
    return [
        (0.5, {"learning_rate": "optimal"}),
        (0.3, {"learning_rate": "adaptive", "eta0": eta0}),
        (0.2, {"learning_rate": "invscaling", "eta0": eta0,
               "power_t": uniform(name, "power_t", 0.1, 0.9)}),
    ]


def sgd_classifier(name: str, **overrides: Any) -> Build:
    """:class:`sklearn.linear_model.SGDClassifier` for large or sparse data."""
    priors = {
        # Hinge (a linear SVM) is the default; log-loss gives probabilities,
        # modified Huber both plus robustness.
        "loss": pchoice(name, "loss", [(0.4, "hinge"), (0.3, "log_loss"), (0.3, "modified_huber")]),
        "alpha": log_uniform(name, "alpha", 1e-6, 1e-1),
        "penalty": pchoice(name, "penalty", [(0.6, "l2"), (0.2, "l1"), (0.2, "elasticnet")]),
        "l1_ratio": uniform(name, "l1_ratio", 0.05, 0.95),
        "class_weight": _class_weight(name),
        "average": pchoice(name, "average", [(0.7, False), (0.3, True)]),
    }
    return component(linear_model.SGDClassifier, name, priors, overrides,
                     branches=_sgd_classifier_rate_branches(name), branch_param="learning_rate")


def sgd_one_class_svm(name: str, **overrides: Any) -> Build:
    """:class:`sklearn.linear_model.SGDOneClassSVM`, an outlier detector (not in ``any_*``)."""
    # nu is the expected outlier fraction.
    priors = {"nu": log_uniform(name, "nu", 0.01, 0.5)}
    branches: list[Branch] = [
        (0.5, {"learning_rate": "optimal"}),
        (0.5, {"learning_rate": "adaptive", "eta0": log_uniform(name, "eta0", 1e-4, 1e-1)}),
    ]
    return component(linear_model.SGDOneClassSVM, name, priors, overrides,
                     branches=branches, branch_param="learning_rate")


def passive_aggressive_classifier(name: str, **overrides: Any) -> Build:
    """A passive-aggressive classifier (PA-I or PA-II).

    With scikit-learn 1.8 or later this is the recommended
    ``SGDClassifier(loss="hinge", penalty=None, learning_rate="pa1" or "pa2",
    eta0=C)``; ``C=`` is accepted as an alias of ``eta0``. Older releases get
    :class:`PassiveAggressiveClassifier`.
    """
    if not sklearn_at_least(1, 8):  # pragma: no cover - scikit-learn < 1.8
        priors = {"C": passive_aggressive_step(name),
                  "loss": choice(name, "loss", ["hinge", "squared_hinge"]),
                  "class_weight": _class_weight(name)}
        return component(linear_model.PassiveAggressiveClassifier, name, priors, overrides)
    overrides = dict(overrides)
    if "C" in overrides:
        overrides["eta0"] = overrides.pop("C")
    priors = {
        "loss": "hinge",
        "penalty": None,
        "learning_rate": choice(name, "learning_rate", ["pa1", "pa2"]),
        "eta0": passive_aggressive_step(name),
        "class_weight": _class_weight(name),
    }
    return component(linear_model.SGDClassifier, name, priors, overrides)


def perceptron(name: str, **overrides: Any) -> Build:
    """:class:`sklearn.linear_model.Perceptron`, optionally penalised."""
    priors = {
        # Unpenalised is the classic perceptron and the default.
        "penalty": pchoice(name, "penalty", [(0.55, None), (0.15, "l2"), (0.15, "l1"),
                                             (0.15, "elasticnet")]),
        "alpha": log_uniform(name, "alpha", 1e-6, 1e-2),
        "l1_ratio": uniform(name, "l1_ratio", 0.05, 0.95),
        "eta0": log_uniform(name, "eta0", 1e-2, 10.0),
        "class_weight": _class_weight(name),
    }
    return component(linear_model.Perceptron, name, priors, overrides)
