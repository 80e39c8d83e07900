"""LightGBM's scikit-learn models; optional, imported only when called.

Calling either function without :mod:`lightgbm` installed raises an
``ImportError`` naming the package. Each model is single-threaded
(``n_jobs=1``) and silent (``verbose=-1``).
"""

from __future__ import annotations

from typing import Any

from ..space import Build
from ._base import component, log_uniform, log_uniform_int, optional_log_uniform, uniform

__all__ = ["lightgbm_classification", "lightgbm_regression", "lightgbm_available"]

_FIXED = {"n_jobs": 1, "verbose": -1}


def lightgbm_available() -> bool:
    """Whether :mod:`lightgbm` can be imported."""
    try:
        import lightgbm  # noqa: F401
    except ImportError:
        return False
    return True


def _import_lightgbm() -> Any:
    try:
        import lightgbm
    except ImportError as error:
        raise ImportError(
            "The LightGBM components need the optional 'lightgbm' package, which is not "
            "installed: pip install lightgbm"
        ) from error
    return lightgbm


def _lightgbm_priors(name: str) -> dict[str, Any]:
    return {
        # Rounds and learning rate trade off. The rounds are an upper bound on
        # training splits of over 10,000 rows, where the fit stops once a
        # held-out tenth stops improving (hpsk.evaluation.fit_early_stopped),
        # so a 1,000-round draw costs only the rounds it needs there.
        "n_estimators": log_uniform_int(name, "n_estimators", 30, 1000),
        "learning_rate": log_uniform(name, "learning_rate", 0.01, 0.3),
        # LightGBM grows leaf-wise: leaves, not depth, set the tree size
        # (31 is the default).
        "num_leaves": log_uniform_int(name, "num_leaves", 7, 127),
        "min_child_samples": log_uniform_int(name, "min_child_samples", 5, 100),
        # Row subsampling needs a bagging frequency to take effect.
        "subsample": uniform(name, "subsample", 0.5, 1.0),
        "subsample_freq": 1,
        "colsample_bytree": uniform(name, "colsample_bytree", 0.5, 1.0),
        "reg_alpha": optional_log_uniform(name, "reg_alpha", 1e-3, 10.0),
        "reg_lambda": optional_log_uniform(name, "reg_lambda", 1e-3, 10.0),
        **_FIXED,
    }


def lightgbm_classification(name: str, **overrides: Any) -> Build:
    """:class:`lightgbm.LGBMClassifier`; raises ``ImportError`` without lightgbm."""
    lightgbm = _import_lightgbm()
    return component(lightgbm.LGBMClassifier, name, _lightgbm_priors(name), overrides)


def lightgbm_regression(name: str, **overrides: Any) -> Build:
    """:class:`lightgbm.LGBMRegressor`; raises ``ImportError`` without lightgbm."""
    lightgbm = _import_lightgbm()
    return component(lightgbm.LGBMRegressor, name, _lightgbm_priors(name), overrides)
