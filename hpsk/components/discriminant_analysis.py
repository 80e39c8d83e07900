"""Linear and quadratic discriminant analysis from :mod:`sklearn.discriminant_analysis`."""

from __future__ import annotations

from typing import Any

from sklearn import discriminant_analysis

from ..space import Build
from ._base import component, pchoice, uniform

__all__ = ["linear_discriminant_analysis", "quadratic_discriminant_analysis"]


def _shrinkage(name: str) -> Any:
    # Ledoit-Wolf ("auto") picks the shrinkage analytically and is usually
    # near-optimal; a fixed share in [0, 1] lets the search override it.
    return pchoice(name, "shrinkage", [
        (0.6, "auto"),
        (0.4, uniform(name, "shrinkage_value", 0.0, 1.0)),
    ])


def linear_discriminant_analysis(name: str, **overrides: Any) -> Build:
    """:class:`sklearn.discriminant_analysis.LinearDiscriminantAnalysis`.

    Shrinkage works only with the ``lsqr`` and ``eigen`` solvers, so it is
    searched in those branches; ``svd`` (the default) has none.
    """
    shrinkage = _shrinkage(name)
    branches = [
        (0.4, {"solver": "svd"}),
        (0.4, {"solver": "lsqr", "shrinkage": shrinkage}),
        (0.2, {"solver": "eigen", "shrinkage": shrinkage}),
    ]
    return component(discriminant_analysis.LinearDiscriminantAnalysis, name, {}, overrides,
                     branches=branches, branch_param="solver")


def quadratic_discriminant_analysis(name: str, **overrides: Any) -> Build:
    """:class:`sklearn.discriminant_analysis.QuadraticDiscriminantAnalysis`.

    One covariance per class is singular on small or collinear classes;
    regularising it (``reg_param`` > 0) keeps the fit well defined.
    """
    # reg_param shrinks each class covariance towards the identity; a few
    # percent already fixes singular covariances, more than half discards
    # most of what makes QDA quadratic.
    priors = {"reg_param": uniform(name, "reg_param", 0.01, 0.6)}
    return component(discriminant_analysis.QuadraticDiscriminantAnalysis, name, priors, overrides)
