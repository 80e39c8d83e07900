"""Matrix decompositions from :mod:`sklearn.decomposition`."""

from __future__ import annotations

from typing import Any

from sklearn import decomposition

from ..space import Build
from ._base import choice, component, uniform

__all__ = ["pca"]


def pca(name: str, **overrides: Any) -> Build:
    """:class:`sklearn.decomposition.PCA` keeping a searched share of the variance.

    A fractional ``n_components`` (the share of variance kept) is valid for
    every data shape, unlike a component count, which must not exceed the
    number of samples or features.
    """
    priors = {
        # Below half the variance most signal is gone; 0.99 keeps almost all
        # and only drops noise directions.
        "n_components": uniform(name, "n_components", 0.5, 0.99),
        "whiten": choice(name, "whiten", [False, True]),
        # A variance share needs the exact SVD; it is cheap for the dense,
        # moderately wide data PCA is proposed for.
        "svd_solver": "full",
    }
    return component(decomposition.PCA, name, priors, overrides)
