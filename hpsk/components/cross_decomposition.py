"""Partial least squares and CCA from :mod:`sklearn.cross_decomposition`.

These regress a 1-D or 2-D target through latent components. The number
of components may not exceed the number of features (and, for CCA and
PLSCanonical, the number of targets), so the prior stays within what a
1-D target allows; fix ``n_components`` for wider problems.
"""

from __future__ import annotations

from typing import Any

from sklearn import cross_decomposition

from ..space import Build
from ._base import choice, component, log_uniform_int, pchoice

__all__ = ["pls_regression", "cca", "pls_canonical"]


def _scale(name: str) -> Any:
    # Scaling X and Y to unit variance (the default) is what makes the
    # latent directions comparable across features.
    return pchoice(name, "scale", [(0.8, True), (0.2, False)])


def pls_regression(name: str, **overrides: Any) -> Build:
    """:class:`sklearn.cross_decomposition.PLSRegression`.

    The prior proposes up to 5 components, valid for data with at least 5
    features.
    """
    priors = {"n_components": log_uniform_int(name, "n_components", 1, 5), "scale": _scale(name)}
    return component(cross_decomposition.PLSRegression, name, priors, overrides)


def cca(name: str, **overrides: Any) -> Build:
    """:class:`sklearn.cross_decomposition.CCA` with one component (pass more for 2-D targets)."""
    priors = {"n_components": 1, "scale": _scale(name), "max_iter": 1000}
    return component(cross_decomposition.CCA, name, priors, overrides)


def pls_canonical(name: str, **overrides: Any) -> Build:
    """:class:`sklearn.cross_decomposition.PLSCanonical` with one component by default."""
    priors = {"n_components": 1, "scale": _scale(name),
              "algorithm": choice(name, "algorithm", ["nipals", "svd"]), "max_iter": 1000}
    return component(cross_decomposition.PLSCanonical, name, priors, overrides)
