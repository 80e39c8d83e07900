"""Cross-validated and multi-task linear models (re-exported by ``linear_model``).

A ``*CV`` model tunes its own penalty by internal cross-validation, so its
prior only searches what that inner loop does not: the grid's extent and
the model's other settings. Internal folds are kept at 3 so a trial costs
little more than three fits per grid point.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn import linear_model

from ..space import Build
from ._base import choice, component, log_uniform, pchoice, sklearn_at_least, supported, uniform

__all__ = [
    "ridge_cv",
    "ridge_classifier_cv",
    "lasso_cv",
    "elastic_net_cv",
    "lars_cv",
    "lasso_lars_cv",
    "lasso_lars_ic",
    "orthogonal_matching_pursuit_cv",
    "logistic_regression_cv",
    "multi_task_lasso",
    "multi_task_elastic_net",
    "multi_task_lasso_cv",
    "multi_task_elastic_net_cv",
]

_INNER_CV = 3


def _ridge_alphas(name: str) -> Any:
    # Efficient leave-one-out makes a long grid cheap; its extent is what
    # matters: narrow around the default 1 or six decades wide.
    return choice(name, "alphas", [
        tuple(np.logspace(-1, 1, 5)),
        tuple(np.logspace(-3, 3, 13)),
    ])


def ridge_cv(name: str, **overrides: Any) -> Build:
    """:class:`sklearn.linear_model.RidgeCV` (efficient leave-one-out over ``alphas``)."""
    priors = {"alphas": _ridge_alphas(name), "fit_intercept": True}
    return component(linear_model.RidgeCV, name, priors, overrides)


def ridge_classifier_cv(name: str, **overrides: Any) -> Build:
    """:class:`sklearn.linear_model.RidgeClassifierCV` (leave-one-out over ``alphas``)."""
    priors = {
        "alphas": _ridge_alphas(name),
        "class_weight": pchoice(name, "class_weight", [(0.7, None), (0.3, "balanced")]),
    }
    return component(linear_model.RidgeClassifierCV, name, priors, overrides)


def _eps(name: str) -> Any:
    # eps = alpha_min / alpha_max sets how far down the path goes; 1e-3 is
    # the default, a longer path allows weaker penalties.
    return log_uniform(name, "eps", 1e-4, 1e-2)


def lasso_cv(name: str, **overrides: Any) -> Build:
    """:class:`sklearn.linear_model.LassoCV` over a searched path length."""
    priors = {"eps": _eps(name), "cv": _INNER_CV, "max_iter": 2000,
              "selection": choice(name, "selection", ["cyclic", "random"])}
    return component(linear_model.LassoCV, name, priors, overrides)


def _l1_ratio_grid(name: str) -> Any:
    # The grid scikit-learn's documentation recommends (more values near 1,
    # the lasso end) or a coarse one for speed.
    return choice(name, "l1_ratio", [
        (0.1, 0.5, 0.7, 0.9, 0.95, 0.99, 1.0),
        (0.2, 0.5, 0.8),
    ])


def elastic_net_cv(name: str, **overrides: Any) -> Build:
    """:class:`sklearn.linear_model.ElasticNetCV` over alphas and an L1-share grid."""
    priors = {"eps": _eps(name), "l1_ratio": _l1_ratio_grid(name), "cv": _INNER_CV,
              "max_iter": 2000, "selection": choice(name, "selection", ["cyclic", "random"])}
    return component(linear_model.ElasticNetCV, name, priors, overrides)


def lars_cv(name: str, **overrides: Any) -> Build:
    """:class:`sklearn.linear_model.LarsCV`."""
    # The path length (max_iter steps) bounds the model size; 500 is the default.
    priors = {"max_iter": choice(name, "max_iter", [50, 500]), "cv": _INNER_CV}
    return component(linear_model.LarsCV, name, priors, overrides)


def lasso_lars_cv(name: str, **overrides: Any) -> Build:
    """:class:`sklearn.linear_model.LassoLarsCV`."""
    priors = {"max_iter": choice(name, "max_iter", [50, 500]), "cv": _INNER_CV,
              "positive": pchoice(name, "positive", [(0.9, False), (0.1, True)])}
    return component(linear_model.LassoLarsCV, name, priors, overrides)


def lasso_lars_ic(name: str, **overrides: Any) -> Build:
    """:class:`sklearn.linear_model.LassoLarsIC`: the penalty chosen by AIC or BIC.

    Estimating the noise variance needs more samples than features.
    """
    # BIC picks sparser models than AIC; neither dominates.
    priors = {"criterion": choice(name, "criterion", ["aic", "bic"])}
    return component(linear_model.LassoLarsIC, name, priors, overrides)


def orthogonal_matching_pursuit_cv(name: str, **overrides: Any) -> Build:
    """:class:`sklearn.linear_model.OrthogonalMatchingPursuitCV`."""
    priors = {"cv": _INNER_CV, "fit_intercept": True}
    return component(linear_model.OrthogonalMatchingPursuitCV, name, priors, overrides)


def _logistic_cv_branch(solver: str, penalty: str, l1_ratios: Any) -> dict[str, Any]:
    branch: dict[str, Any] = {"solver": solver, "l1_ratios": l1_ratios}
    if not sklearn_at_least(1, 8):  # older releases spell out the penalty
        branch["penalty"] = penalty
        if penalty != "elasticnet":
            branch["l1_ratios"] = None
    return branch


def logistic_regression_cv(name: str, **overrides: Any) -> Build:
    """:class:`sklearn.linear_model.LogisticRegressionCV` with solver x penalty branches.

    Scoring is the log-loss (the future default, stated explicitly), the
    internal folds 3, and only multi-class capable solvers are proposed.
    """
    priors = {
        # The size of the C grid (log-spaced over 1e-4..1e4).
        "Cs": choice(name, "Cs", [5, 10]),
        "cv": _INNER_CV,
        "max_iter": 500,
        "class_weight": pchoice(name, "class_weight", [(0.7, None), (0.3, "balanced")]),
        **supported(linear_model.LogisticRegressionCV,
                    {"scoring": "neg_log_loss", "use_legacy_attributes": False}),
    }
    branches = [
        (0.6, _logistic_cv_branch("lbfgs", "l2", (0.0,))),
        (0.2, _logistic_cv_branch("saga", "l1", (1.0,))),
        (0.2, _logistic_cv_branch("saga", "elasticnet", (0.2, 0.5, 0.8))),
    ]
    return component(linear_model.LogisticRegressionCV, name, priors, overrides,
                     branches=branches, branch_param="penalty")


def multi_task_lasso(name: str, **overrides: Any) -> Build:
    """:class:`sklearn.linear_model.MultiTaskLasso` for a 2-D target."""
    priors = {"alpha": log_uniform(name, "alpha", 1e-4, 10.0), "max_iter": 2000,
              "selection": choice(name, "selection", ["cyclic", "random"])}
    return component(linear_model.MultiTaskLasso, name, priors, overrides)


def multi_task_elastic_net(name: str, **overrides: Any) -> Build:
    """:class:`sklearn.linear_model.MultiTaskElasticNet` for a 2-D target."""
    priors = {"alpha": log_uniform(name, "alpha", 1e-4, 10.0),
              "l1_ratio": uniform(name, "l1_ratio", 0.05, 0.95), "max_iter": 2000,
              "selection": choice(name, "selection", ["cyclic", "random"])}
    return component(linear_model.MultiTaskElasticNet, name, priors, overrides)


def multi_task_lasso_cv(name: str, **overrides: Any) -> Build:
    """:class:`sklearn.linear_model.MultiTaskLassoCV` for a 2-D target."""
    priors = {"eps": _eps(name), "cv": _INNER_CV, "max_iter": 2000}
    return component(linear_model.MultiTaskLassoCV, name, priors, overrides)


def multi_task_elastic_net_cv(name: str, **overrides: Any) -> Build:
    """:class:`sklearn.linear_model.MultiTaskElasticNetCV` for a 2-D target."""
    priors = {"eps": _eps(name), "l1_ratio": _l1_ratio_grid(name), "cv": _INNER_CV,
              "max_iter": 2000}
    return component(linear_model.MultiTaskElasticNetCV, name, priors, overrides)
