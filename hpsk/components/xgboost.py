"""XGBoost's scikit-learn models; :mod:`xgboost` is imported only when called.

Each model is single-threaded (``n_jobs=1``; parallelism comes from running
trials side by side), uses the histogram tree method and is silent.
Classification needs integer class labels ``0..n_classes-1``.
"""

from __future__ import annotations

from typing import Any

from ..space import Build
from ._base import component, log_uniform, log_uniform_int, optional_log_uniform, uniform, uniform_int

__all__ = ["xgboost_classification", "xgboost_regression"]

_FIXED = {"n_jobs": 1, "tree_method": "hist", "verbosity": 0}


def _import_xgboost() -> Any:
    try:
        import xgboost
    except ImportError as error:  # pragma: no cover - xgboost is a dependency
        raise ImportError(
            "The XGBoost components need the 'xgboost' package: pip install xgboost"
        ) from error
    return xgboost


def _xgboost_priors(name: str) -> dict[str, Any]:
    return {
        # Rounds and learning rate trade off; both are on log scales. Small
        # learning rates need many rounds: the winners of FLAML's searches on
        # the AutoML benchmark ran 130-3,700 rounds at rates down to 0.013, so
        # the cap is 1,000 (a histogram round on a few thousand rows costs
        # milliseconds). On training splits of over 10,000 rows it is an upper
        # bound: the fit stops once a held-out tenth stops improving
        # (hpsk.evaluation.fit_early_stopped), and the refit uses the rounds kept.
        "n_estimators": log_uniform_int(name, "n_estimators", 30, 1000),
        "learning_rate": log_uniform(name, "learning_rate", 0.01, 0.3),
        # Depth 6 is the default; shallower trees generalise better on small
        # data, deeper ones find interactions on large data.
        "max_depth": uniform_int(name, "max_depth", 2, 8),
        # The minimum hessian in a leaf (for squared error, rows; for the
        # log-loss, a quarter of a row each at most): up to 128 it makes coarse,
        # smooth trees, which win on small noisy data.
        "min_child_weight": log_uniform(name, "min_child_weight", 1.0, 128.0),
        # Row and column subsampling (0.5-1) is the usual regulariser.
        "subsample": uniform(name, "subsample", 0.5, 1.0),
        "colsample_bytree": uniform(name, "colsample_bytree", 0.5, 1.0),
        # Split penalty and L1 are off by default; half the trials try them.
        "gamma": optional_log_uniform(name, "gamma", 1e-3, 5.0),
        "reg_alpha": optional_log_uniform(name, "reg_alpha", 1e-3, 10.0),
        # L2 is on by default (1); the log scale goes either way from it.
        "reg_lambda": log_uniform(name, "reg_lambda", 0.1, 10.0),
        **_FIXED,
    }


def xgboost_classification(name: str, **overrides: Any) -> Build:
    """:class:`xgboost.XGBClassifier`; needs class labels ``0..n_classes-1``."""
    xgboost = _import_xgboost()
    return component(xgboost.XGBClassifier, name, _xgboost_priors(name), overrides)


def xgboost_regression(name: str, **overrides: Any) -> Build:
    """:class:`xgboost.XGBRegressor` with the squared-error objective."""
    xgboost = _import_xgboost()
    priors = {**_xgboost_priors(name), "objective": "reg:squarederror"}
    return component(xgboost.XGBRegressor, name, priors, overrides)
