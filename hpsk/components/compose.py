"""Target transformation from :mod:`sklearn.compose`."""

from __future__ import annotations

from typing import Any

from sklearn import compose, preprocessing

from .. import hp
from ..space import Build
from ._base import component, label
from ._linear_regression import ridge

__all__ = ["transformed_target_regressor"]


def _transformer(name: str) -> Any:
    # Standardising the target helps scale-sensitive regressors (MLPs,
    # kernels); Yeo-Johnson also makes skewed targets more symmetric. Both
    # invert exactly, so predictions come back in the target's units.
    return hp.pchoice(label(name, "transformer"), [
        (0.4, Build(preprocessing.StandardScaler)),
        (0.6, Build(preprocessing.PowerTransformer, kwargs={"method": "yeo-johnson"})),
    ])


def transformed_target_regressor(name: str, **overrides: Any) -> Build:
    """:class:`sklearn.compose.TransformedTargetRegressor`.

    Without ``regressor`` the inner model is :func:`ridge`; pass any regressor
    component (or estimator) as ``regressor``.
    """
    overrides = dict(overrides)
    if overrides.get("regressor") is None:
        overrides["regressor"] = ridge(label(name, "ridge"))
    priors: dict[str, Any] = {}
    if "func" not in overrides and "inverse_func" not in overrides:
        priors["transformer"] = _transformer(name)
    return component(compose.TransformedTargetRegressor, name, priors, overrides)
