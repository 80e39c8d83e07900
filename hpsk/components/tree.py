"""Single decision trees from :mod:`sklearn.tree`."""

from __future__ import annotations

from typing import Any

from sklearn import tree

from ..space import Build
from ._base import choice, component, log_uniform_int, optional_log_uniform, pchoice, uniform

__all__ = [
    "decision_tree_classifier",
    "decision_tree_regressor",
    "extra_tree_classifier",
    "extra_tree_regressor",
]


def _tree_priors(name: str) -> dict[str, Any]:
    return {
        # A single tree overfits when fully grown; depth is its main
        # regulariser, log-scaled because each level doubles the leaves.
        "max_depth": pchoice(name, "max_depth", [
            (0.3, None),
            (0.7, log_uniform_int(name, "max_depth_value", 2, 30)),
        ]),
        "min_samples_leaf": log_uniform_int(name, "min_samples_leaf", 1, 30),
        # All features (the default for one tree) or a random share.
        "max_features": pchoice(name, "max_features", [
            (0.6, None),
            (0.1, "sqrt"),
            (0.3, uniform(name, "max_features_fraction", 0.3, 1.0)),
        ]),
    }


def _classifier_priors(name: str) -> dict[str, Any]:
    return {
        **_tree_priors(name),
        "criterion": choice(name, "criterion", ["gini", "entropy"]),
        # Cost-complexity pruning, in units of the impurity (at most 1 for
        # Gini); off half the time.
        "ccp_alpha": optional_log_uniform(name, "ccp_alpha", 1e-4, 0.05),
        "class_weight": pchoice(name, "class_weight", [(0.8, None), (0.2, "balanced")]),
    }


# Regression trees keep to squared error: "absolute_error" is slow,
# "poisson" needs a non-negative target and "friedman_mse" is an alias.
_REGRESSION_CRITERION = "squared_error"


def decision_tree_classifier(name: str, **overrides: Any) -> Build:
    """:class:`sklearn.tree.DecisionTreeClassifier`."""
    priors = {**_classifier_priors(name),
              "splitter": pchoice(name, "splitter", [(0.8, "best"), (0.2, "random")])}
    return component(tree.DecisionTreeClassifier, name, priors, overrides)


def decision_tree_regressor(name: str, **overrides: Any) -> Build:
    """:class:`sklearn.tree.DecisionTreeRegressor`."""
    priors = {**_tree_priors(name), "criterion": _REGRESSION_CRITERION,
              "splitter": pchoice(name, "splitter", [(0.8, "best"), (0.2, "random")])}
    return component(tree.DecisionTreeRegressor, name, priors, overrides)


def extra_tree_classifier(name: str, **overrides: Any) -> Build:
    """:class:`sklearn.tree.ExtraTreeClassifier`: one extremely randomised tree."""
    return component(tree.ExtraTreeClassifier, name, _classifier_priors(name), overrides)


def extra_tree_regressor(name: str, **overrides: Any) -> Build:
    """:class:`sklearn.tree.ExtraTreeRegressor`: one extremely randomised tree."""
    priors = {**_tree_priors(name), "criterion": _REGRESSION_CRITERION}
    return component(tree.ExtraTreeRegressor, name, priors, overrides)
