"""Linear regressors from :mod:`sklearn.linear_model` (re-exported by ``linear_model``)."""

from __future__ import annotations

from typing import Any

from sklearn import linear_model

from ..space import Build
from ._base import (
    choice,
    component,
    log_uniform,
    log_uniform_int,
    pchoice,
    sklearn_at_least,
    uniform,
)

__all__ = [
    "linear_regression",
    "ridge",
    "lasso",
    "elastic_net",
    "lars",
    "lasso_lars",
    "orthogonal_matching_pursuit",
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
]

# scikit-learn 1.8 deprecated the passive-aggressive classes in favour of SGD
# with the "pa1"/"pa2" learning rates.
_PASSIVE_AGGRESSIVE_IS_SGD = sklearn_at_least(1, 8)


def _alpha_l2(name: str) -> Any:
    # An L2 penalty matters over many decades around the default 1; the log
    # scale gives each decade the same share of trials.
    return log_uniform(name, "alpha", 1e-3, 1e3)


def _alpha_l1(name: str) -> Any:
    # An L1 penalty zeroes every coefficient once alpha exceeds
    # max|X^T y| / n, about the target's scale on standardised features; the
    # useful range lies mostly below that.
    return log_uniform(name, "alpha", 1e-4, 10.0)


def _selection(name: str) -> Any:
    # Random coordinate order converges faster when features correlate.
    return choice(name, "selection", ["cyclic", "random"])


def linear_regression(name: str, **overrides: Any) -> Build:
    """:class:`sklearn.linear_model.LinearRegression` (ordinary least squares)."""
    # Non-negative coefficients are a constraint some problems need; rarely.
    priors = {"positive": pchoice(name, "positive", [(0.9, False), (0.1, True)])}
    return component(linear_model.LinearRegression, name, priors, overrides)


def ridge(name: str, **overrides: Any) -> Build:
    """:class:`sklearn.linear_model.Ridge` with a log-scale penalty."""
    priors = {"alpha": _alpha_l2(name), "fit_intercept": True}
    return component(linear_model.Ridge, name, priors, overrides)


def lasso(name: str, **overrides: Any) -> Build:
    """:class:`sklearn.linear_model.Lasso` with a log-scale penalty."""
    priors = {"alpha": _alpha_l1(name), "selection": _selection(name), "max_iter": 2000}
    return component(linear_model.Lasso, name, priors, overrides)


def elastic_net(name: str, **overrides: Any) -> Build:
    """:class:`sklearn.linear_model.ElasticNet`; the L1 share is searched."""
    priors = {
        "alpha": _alpha_l1(name),
        # The ends (0 and 1) are ridge and lasso, searched on their own.
        "l1_ratio": uniform(name, "l1_ratio", 0.05, 0.95),
        "selection": _selection(name),
        "max_iter": 2000,
    }
    return component(linear_model.ElasticNet, name, priors, overrides)


def lars(name: str, **overrides: Any) -> Build:
    """:class:`sklearn.linear_model.Lars`; the number of active features is searched."""
    # Least-angle regression adds one feature per step; stopping early is its
    # regulariser. Counts beyond the number of features just run the full path.
    priors = {"n_nonzero_coefs": log_uniform_int(name, "n_nonzero_coefs", 1, 500)}
    return component(linear_model.Lars, name, priors, overrides)


def lasso_lars(name: str, **overrides: Any) -> Build:
    """:class:`sklearn.linear_model.LassoLars`: the lasso solved by LARS."""
    priors = {"alpha": _alpha_l1(name)}
    return component(linear_model.LassoLars, name, priors, overrides)


def orthogonal_matching_pursuit(name: str, **overrides: Any) -> Build:
    """:class:`sklearn.linear_model.OrthogonalMatchingPursuit`.

    The number of non-zero coefficients may not exceed the number of
    features; the prior goes up to 10 (the default is 10% of the features),
    so fix it for data with fewer than 10 features.
    """
    priors = {"n_nonzero_coefs": pchoice(name, "n_nonzero_coefs", [
        (0.4, None),
        (0.6, log_uniform_int(name, "n_nonzero_coefs_value", 1, 10)),
    ])}
    return component(linear_model.OrthogonalMatchingPursuit, name, priors, overrides)


def _gamma_hyperpriors(name: str) -> dict[str, Any]:
    # Shape and rate of the Gamma hyperpriors on the noise and weight
    # precisions; the default 1e-6 is non-informative, and the log scale
    # explores weakly informative values either side of it.
    return {param: log_uniform(name, param, 1e-8, 1e-4)
            for param in ("alpha_1", "alpha_2", "lambda_1", "lambda_2")}


def bayesian_ridge(name: str, **overrides: Any) -> Build:
    """:class:`sklearn.linear_model.BayesianRidge` with searched hyperpriors."""
    return component(linear_model.BayesianRidge, name, _gamma_hyperpriors(name), overrides)


def ard_regression(name: str, **overrides: Any) -> Build:
    """:class:`sklearn.linear_model.ARDRegression` (sparse Bayesian regression)."""
    priors = {
        **_gamma_hyperpriors(name),
        # Weights whose precision exceeds this are pruned; 1e4 is the default.
        "threshold_lambda": log_uniform(name, "threshold_lambda", 1e3, 1e5),
    }
    return component(linear_model.ARDRegression, name, priors, overrides)


def _sgd_rate_branches(name: str) -> list[tuple[float, dict[str, Any]]]:
    # The schedule decides whether SGD converges: "invscaling" (regression
    # default) decays from eta0, "adaptive" divides it on plateaus,
    # "constant" keeps it. eta0 on a log scale around the default 0.01.
    eta0 = log_uniform(name, "eta0", 1e-4, 1e-1)
    return [
        (0.4, {"learning_rate": "invscaling", "eta0": eta0,
               "power_t": uniform(name, "power_t", 0.1, 0.5)}),
        (0.4, {"learning_rate": "adaptive", "eta0": eta0}),
        (0.2, {"learning_rate": "constant", "eta0": eta0}),
    ]


def _sgd_penalty(name: str) -> dict[str, Any]:
    return {
        # alpha multiplies the penalty; 1e-4 is the default.
        "alpha": log_uniform(name, "alpha", 1e-6, 1e-1),
        "penalty": pchoice(name, "penalty", [(0.6, "l2"), (0.2, "l1"), (0.2, "elasticnet")]),
        "l1_ratio": uniform(name, "l1_ratio", 0.05, 0.95),
    }


def sgd_regressor(name: str, **overrides: Any) -> Build:
    """:class:`sklearn.linear_model.SGDRegressor` for large data; scale features first."""
    priors = {
        # Squared error is the default; the others resist outliers.
        "loss": pchoice(name, "loss", [
            (0.4, "squared_error"),
            (0.3, "huber"),
            (0.2, "epsilon_insensitive"),
            (0.1, "squared_epsilon_insensitive"),
        ]),
        **_sgd_penalty(name),
        "epsilon": log_uniform(name, "epsilon", 1e-3, 1.0),
        "average": pchoice(name, "average", [(0.7, False), (0.3, True)]),
    }
    return component(linear_model.SGDRegressor, name, priors, overrides,
                     branches=_sgd_rate_branches(name), branch_param="learning_rate")


def passive_aggressive_step(name: str) -> Any:
    """The prior on the passive-aggressive step bound ``C`` (``eta0`` under SGD)."""
    # C bounds each update (PA-I) or regularises it (PA-II); small values
    # suit noisy data. The default is 1.
    return log_uniform(name, "C", 1e-3, 10.0)


def passive_aggressive_regressor(name: str, **overrides: Any) -> Build:
    """A passive-aggressive regressor (PA-I or PA-II).

    With scikit-learn 1.8 or later this is the recommended
    ``SGDRegressor(loss="epsilon_insensitive", penalty=None,
    learning_rate="pa1" or "pa2", eta0=C)``; ``C=`` is accepted as an alias of
    ``eta0``. Older releases get :class:`PassiveAggressiveRegressor`.
    """
    if not _PASSIVE_AGGRESSIVE_IS_SGD:  # pragma: no cover - scikit-learn < 1.8
        priors = {"C": passive_aggressive_step(name),
                  "loss": choice(name, "loss", ["epsilon_insensitive", "squared_epsilon_insensitive"])}
        return component(linear_model.PassiveAggressiveRegressor, name, priors, overrides)
    overrides = dict(overrides)
    if "C" in overrides:
        overrides["eta0"] = overrides.pop("C")
    priors = {
        "loss": "epsilon_insensitive",
        "penalty": None,
        "learning_rate": choice(name, "learning_rate", ["pa1", "pa2"]),
        "eta0": passive_aggressive_step(name),
        # The insensitive tube, in the target's units; 0.1 is the default.
        "epsilon": log_uniform(name, "epsilon", 1e-3, 1.0),
    }
    return component(linear_model.SGDRegressor, name, priors, overrides)


def huber_regressor(name: str, **overrides: Any) -> Build:
    """:class:`sklearn.linear_model.HuberRegressor`, robust to outliers."""
    priors = {
        # epsilon 1.35 gives 95% efficiency on Gaussian noise; smaller values
        # are more robust, larger ones approach least squares.
        "epsilon": uniform(name, "epsilon", 1.05, 3.0),
        "alpha": log_uniform(name, "alpha", 1e-6, 1e-1),
        "max_iter": 500,
    }
    return component(linear_model.HuberRegressor, name, priors, overrides)


def theil_sen_regressor(name: str, **overrides: Any) -> Build:
    """:class:`sklearn.linear_model.TheilSenRegressor`, a robust median-of-slopes fit."""
    # The number of least-squares subproblems drives the cost; a few
    # thousand already give a stable median.
    priors = {"max_subpopulation": log_uniform_int(name, "max_subpopulation", 100, 5000)}
    return component(linear_model.TheilSenRegressor, name, priors, overrides)


def ransac_regression(name: str, **overrides: Any) -> Build:
    """:class:`sklearn.linear_model.RANSACRegressor` around a linear regression."""
    priors = {
        # None uses n_features + 1 samples per model; a fraction draws larger,
        # more stable subsets.
        "min_samples": pchoice(name, "min_samples", [
            (0.4, None),
            (0.6, uniform(name, "min_samples_fraction", 0.2, 0.9)),
        ]),
        "loss": choice(name, "loss", ["absolute_error", "squared_error"]),
    }
    return component(linear_model.RANSACRegressor, name, priors, overrides)


def quantile_regression(name: str, **overrides: Any) -> Build:
    """:class:`sklearn.linear_model.QuantileRegressor` (median regression by default)."""
    priors = {
        # The median is the robust stand-in for the mean; other central
        # quantiles are tried less often, as they predict a different target.
        "quantile": pchoice(name, "quantile", [
            (0.6, 0.5),
            (0.4, uniform(name, "quantile_value", 0.2, 0.8)),
        ]),
        # The default alpha 1 is a strong L1 penalty; weaker ones usually fit
        # better.
        "alpha": log_uniform(name, "alpha", 1e-5, 1.0),
        "solver": "highs",
    }
    return component(linear_model.QuantileRegressor, name, priors, overrides)


def _glm_priors(name: str) -> dict[str, Any]:
    return {
        # L2 strength; the default 1 is strong for small data.
        "alpha": log_uniform(name, "alpha", 1e-4, 10.0),
        # Newton-Cholesky converges in a few iterations where L-BFGS needs
        # hundreds on a log link; it suits the usual n_samples >> n_features.
        "solver": "newton-cholesky",
        "max_iter": 300,
    }


def poisson_regressor(name: str, **overrides: Any) -> Build:
    """:class:`sklearn.linear_model.PoissonRegressor`; needs a non-negative target."""
    return component(linear_model.PoissonRegressor, name, _glm_priors(name), overrides)


def gamma_regressor(name: str, **overrides: Any) -> Build:
    """:class:`sklearn.linear_model.GammaRegressor`; needs a positive target."""
    return component(linear_model.GammaRegressor, name, _glm_priors(name), overrides)


def tweedie_regressor(name: str, **overrides: Any) -> Build:
    """:class:`sklearn.linear_model.TweedieRegressor`; needs a non-negative target.

    The power selects the distribution: 0 normal, 1 Poisson, (1, 2) compound
    Poisson-gamma. Powers of 2 and above need a strictly positive target, so
    the prior stays below 2; pass ``power=2`` for gamma regression.
    """
    priors = {
        **_glm_priors(name),
        "power": pchoice(name, "power", [
            (0.2, 0.0),
            (0.3, 1.0),
            (0.5, uniform(name, "power_value", 1.1, 1.9)),
        ]),
    }
    return component(linear_model.TweedieRegressor, name, priors, overrides)
