"""Tree ensembles: forests, bagging, AdaBoost, gradient boosting, isolation forest."""

from __future__ import annotations

from typing import Any

from sklearn import ensemble, tree

from .. import hp
from ..space import Build
from ._base import (
    Branch,
    choice,
    component,
    label,
    log_uniform,
    log_uniform_int,
    optional_log_uniform,
    pchoice,
    uniform,
    uniform_int,
)

__all__ = [
    "random_forest_classifier",
    "random_forest_regressor",
    "extra_trees_classifier",
    "extra_trees_regressor",
    "bagging_classifier",
    "bagging_regressor",
    "isolation_forest",
    "ada_boost_classifier",
    "ada_boost_regressor",
    "gradient_boosting_classifier",
    "gradient_boosting_regressor",
    "hist_gradient_boosting_classifier",
    "hist_gradient_boosting_regressor",
    "forest_classifiers",
    "forest_regressors",
]

# --------------------------------------------------------------------------
# Forests (random forests and extra trees share every prior).
# --------------------------------------------------------------------------


def _n_estimators(name: str) -> Any:
    # Forests gain little past a few hundred trees; the log scale spends as
    # many trials below 100 trees (cheap) as above.
    return log_uniform_int(name, "n_estimators", 20, 300)


def _max_features(name: str, default: Any = "sqrt") -> Any:
    # The library default (``"sqrt"`` for classification, all features for
    # regression) is usually close to best; a fraction lets the search move
    # towards bagging-like (0.8) or very random (0.1) trees. Fractions near 1
    # cost the most and are covered by the regression default.
    alternative = "log2" if default == "sqrt" else "sqrt"
    return hp.pchoice(label(name, "max_features"), [
        (0.4, default),
        (0.1, alternative),
        (0.5, hp.uniform(label(name, "max_features_fraction"), 0.1, 0.8)),
    ])


def _max_depth(name: str) -> Any:
    # Fully grown trees are the forest default; shallow ones regularise on
    # small or noisy data.
    return hp.pchoice(label(name, "max_depth"), [
        (0.7, None),
        (0.3, log_uniform_int(name, "max_depth_value", 2, 30)),
    ])


def _min_samples_leaf(name: str) -> Any:
    # 1 (fully grown) is the default; larger leaves smooth noisy targets. The
    # log scale keeps most draws near 1.
    return log_uniform_int(name, "min_samples_leaf", 1, 20)


def _forest_priors(name: str, criteria: list[str], max_features: Any) -> dict[str, Any]:
    return {
        "n_estimators": _n_estimators(name),
        "max_features": _max_features(name, max_features),
        "max_depth": _max_depth(name),
        "min_samples_leaf": _min_samples_leaf(name),
        "criterion": criteria[0] if len(criteria) == 1 else choice(name, "criterion", criteria),
        "bootstrap": choice(name, "bootstrap", [True, False]),
    }


# Regression criteria: "absolute_error" is quadratic in the node size,
# "poisson" needs a non-negative target and "friedman_mse" is deprecated as
# an alias of "squared_error" in forests, so squared error is the one choice.
_REGRESSION_CRITERIA = ["squared_error"]


def random_forest_classifier(name: str, **overrides: Any) -> Build:
    """:class:`sklearn.ensemble.RandomForestClassifier` with priors on its main knobs."""
    priors = _forest_priors(name, ["gini", "entropy"], "sqrt")
    return component(ensemble.RandomForestClassifier, name, priors, overrides)


def random_forest_regressor(name: str, **overrides: Any) -> Build:
    """:class:`sklearn.ensemble.RandomForestRegressor` with priors on its main knobs."""
    priors = _forest_priors(name, _REGRESSION_CRITERIA, 1.0)
    return component(ensemble.RandomForestRegressor, name, priors, overrides)


def extra_trees_classifier(name: str, **overrides: Any) -> Build:
    """:class:`sklearn.ensemble.ExtraTreesClassifier` with the forest priors."""
    priors = _forest_priors(name, ["gini", "entropy"], "sqrt")
    return component(ensemble.ExtraTreesClassifier, name, priors, overrides)


def extra_trees_regressor(name: str, **overrides: Any) -> Build:
    """:class:`sklearn.ensemble.ExtraTreesRegressor` with the forest priors."""
    priors = _forest_priors(name, _REGRESSION_CRITERIA, 1.0)
    return component(ensemble.ExtraTreesRegressor, name, priors, overrides)


def forest_classifiers(name: str) -> Any:
    """A choice between a random forest and extra trees classifier."""
    return hp.choice(name, [
        random_forest_classifier(f"{name}.random_forest"),
        extra_trees_classifier(f"{name}.extra_trees"),
    ])


def forest_regressors(name: str) -> Any:
    """A choice between a random forest and extra trees regressor."""
    return hp.choice(name, [
        random_forest_regressor(f"{name}.random_forest"),
        extra_trees_regressor(f"{name}.extra_trees"),
    ])


# --------------------------------------------------------------------------
# Bagging and isolation forest.
# --------------------------------------------------------------------------


def _bagging_priors(name: str) -> dict[str, Any]:
    return {
        # Bagging full trees: tens of members already capture most of the gain.
        "n_estimators": log_uniform_int(name, "n_estimators", 10, 100),
        # Subsampling rows and columns decorrelates members; below 0.3 the
        # members get too weak on small data.
        "max_samples": uniform(name, "max_samples", 0.3, 1.0),
        "max_features": uniform(name, "max_features", 0.3, 1.0),
        "bootstrap": choice(name, "bootstrap", [True, False]),
        "bootstrap_features": choice(name, "bootstrap_features", [False, True]),
    }


def bagging_classifier(name: str, **overrides: Any) -> Build:
    """:class:`sklearn.ensemble.BaggingClassifier` of decision trees."""
    return component(ensemble.BaggingClassifier, name, _bagging_priors(name), overrides)


def bagging_regressor(name: str, **overrides: Any) -> Build:
    """:class:`sklearn.ensemble.BaggingRegressor` of decision trees."""
    return component(ensemble.BaggingRegressor, name, _bagging_priors(name), overrides)


def isolation_forest(name: str, **overrides: Any) -> Build:
    """:class:`sklearn.ensemble.IsolationForest`, an outlier detector (not in ``any_*``)."""
    priors = {
        "n_estimators": log_uniform_int(name, "n_estimators", 50, 300),
        # "auto" is min(256, n_samples), the paper's recommendation; a
        # fraction covers larger subsamples.
        "max_samples": pchoice(name, "max_samples", [
            (0.5, "auto"),
            (0.5, uniform(name, "max_samples_fraction", 0.1, 1.0)),
        ]),
        "max_features": uniform(name, "max_features", 0.5, 1.0),
        "bootstrap": choice(name, "bootstrap", [False, True]),
    }
    return component(ensemble.IsolationForest, name, priors, overrides)


# --------------------------------------------------------------------------
# AdaBoost.
# --------------------------------------------------------------------------


def _ada_estimator(name: str, tree_class: type) -> Any:
    # Stumps (the default) are AdaBoost's classic weak learner; slightly
    # deeper trees capture interactions and often do better on real data.
    return pchoice(name, "estimator", [
        (0.5, None),
        (0.5, Build(tree_class, kwargs={"max_depth": uniform_int(name, "estimator_max_depth", 2, 5)})),
    ])


def _ada_priors(name: str, tree_class: type) -> dict[str, Any]:
    return {
        "estimator": _ada_estimator(name, tree_class),
        "n_estimators": log_uniform_int(name, "n_estimators", 20, 300),
        # Shrinkage trades rounds for stability; 1.0 is the default, much
        # below 0.01 needs more rounds than the cap allows.
        "learning_rate": log_uniform(name, "learning_rate", 0.01, 2.0),
    }


def ada_boost_classifier(name: str, **overrides: Any) -> Build:
    """:class:`sklearn.ensemble.AdaBoostClassifier` (SAMME) over stumps or small trees."""
    priors = _ada_priors(name, tree.DecisionTreeClassifier)
    return component(ensemble.AdaBoostClassifier, name, priors, overrides)


def ada_boost_regressor(name: str, **overrides: Any) -> Build:
    """:class:`sklearn.ensemble.AdaBoostRegressor` (AdaBoost.R2) over small trees."""
    priors = _ada_priors(name, tree.DecisionTreeRegressor)
    # The default estimator of the regressor is a depth-3 tree, not a stump.
    priors["loss"] = choice(name, "loss", ["linear", "square", "exponential"])
    return component(ensemble.AdaBoostRegressor, name, priors, overrides)


# --------------------------------------------------------------------------
# Gradient boosting.
# --------------------------------------------------------------------------


def _learning_rate(name: str) -> Any:
    # Boosting's most important knob: below 0.01 the capped number of rounds
    # underfits, above 0.5 it overfits in a handful of rounds.
    return log_uniform(name, "learning_rate", 0.01, 0.5)


def _gradient_boosting_priors(name: str) -> dict[str, Any]:
    return {
        "learning_rate": _learning_rate(name),
        # Exact-split boosting costs one tree per class per round, so rounds
        # are capped at a few hundred.
        "n_estimators": log_uniform_int(name, "n_estimators", 50, 300),
        # Stochastic gradient boosting (subsample < 1) usually helps.
        "subsample": uniform(name, "subsample", 0.5, 1.0),
        # Boosted trees are shallow: depth 3 is the default, beyond 8 rarely wins.
        "max_depth": uniform_int(name, "max_depth", 2, 8),
        "min_samples_leaf": log_uniform_int(name, "min_samples_leaf", 1, 30),
        "max_features": pchoice(name, "max_features", [
            (0.5, None),
            (0.1, "sqrt"),
            (0.4, uniform(name, "max_features_fraction", 0.3, 1.0)),
        ]),
    }


def gradient_boosting_classifier(name: str, **overrides: Any) -> Build:
    """:class:`sklearn.ensemble.GradientBoostingClassifier` with the log-loss.

    ``loss="exponential"`` (AdaBoost's loss) is valid only for binary targets,
    so the prior leaves it out; pass it explicitly for a binary problem.
    """
    priors = _gradient_boosting_priors(name)
    return component(ensemble.GradientBoostingClassifier, name, priors, overrides)


def gradient_boosting_regressor(name: str, **overrides: Any) -> Build:
    """:class:`sklearn.ensemble.GradientBoostingRegressor`; robust losses are searched."""
    priors = _gradient_boosting_priors(name)
    # Squared error is the default; absolute error and Huber resist outliers.
    # The quantile loss predicts a quantile, not the mean, so it is left out.
    branches: list[Branch] = [
        (0.5, {"loss": "squared_error"}),
        (0.2, {"loss": "absolute_error"}),
        (0.3, {"loss": "huber", "alpha": uniform(name, "alpha", 0.7, 0.99)}),
    ]
    return component(ensemble.GradientBoostingRegressor, name, priors, overrides,
                     branches=branches, branch_param="loss")


def _hist_gradient_boosting_priors(name: str) -> dict[str, Any]:
    return {
        "learning_rate": _learning_rate(name),
        # Each round grows one tree per class; 500 rounds let the small
        # learning rates converge and still cost a second or two on a few
        # thousand rows. Above 10,000 training rows scikit-learn stops early on
        # a held-out tenth, and the refit uses the rounds the splits kept
        # (hpsk.evaluation.fit_early_stopped).
        "max_iter": log_uniform_int(name, "max_iter", 30, 500),
        # Tree size is controlled by leaves (default 31), log scale as its
        # effect is multiplicative. Down to 3 leaves: near-additive models of
        # small trees won most tasks that boosting won on the AutoML
        # benchmark (4 leaves in FLAML's searches).
        "max_leaf_nodes": log_uniform_int(name, "max_leaf_nodes", 3, 63),
        "min_samples_leaf": log_uniform_int(name, "min_samples_leaf", 2, 100),
        # Off half the time (the default); when on, a log scale over the
        # range where it changes the fit.
        "l2_regularization": optional_log_uniform(name, "l2_regularization", 1e-4, 10.0),
        # Feature subsampling per split (colsample in XGBoost terms); small
        # fractions decorrelate the trees as in a random forest.
        "max_features": uniform(name, "max_features", 0.2, 1.0),
    }


def hist_gradient_boosting_classifier(name: str, **overrides: Any) -> Build:
    """:class:`sklearn.ensemble.HistGradientBoostingClassifier`; handles NaN natively."""
    priors = _hist_gradient_boosting_priors(name)
    priors["class_weight"] = pchoice(name, "class_weight", [(0.8, None), (0.2, "balanced")])
    return component(ensemble.HistGradientBoostingClassifier, name, priors, overrides)


def hist_gradient_boosting_regressor(name: str, **overrides: Any) -> Build:
    """:class:`sklearn.ensemble.HistGradientBoostingRegressor`; handles NaN natively."""
    priors = _hist_gradient_boosting_priors(name)
    # "poisson" and "gamma" need a positive target and "quantile" predicts a
    # quantile, so only the two mean/median losses are searched.
    priors["loss"] = pchoice(name, "loss", [(0.8, "squared_error"), (0.2, "absolute_error")])
    return component(ensemble.HistGradientBoostingRegressor, name, priors, overrides)
