"""Nearest-neighbour models from :mod:`sklearn.neighbors`.

Distances depend on the features' scale: put a scaler before these (the
``any_preprocessing`` family proposes one).
"""

from __future__ import annotations

from typing import Any

from sklearn import neighbors

from ..space import Build
from ._base import choice, component, log_uniform, log_uniform_int, pchoice

__all__ = [
    "k_neighbors_classifier",
    "k_neighbors_regressor",
    "radius_neighbors_classifier",
    "radius_neighbors_regressor",
    "nearest_centroid",
]


def _n_neighbors(name: str) -> Any:
    # Small k fits local structure, large k smooths; the log scale spends as
    # many trials on 1-6 as on 6-40. Forty stays below the training size of
    # all but tiny data sets.
    return log_uniform_int(name, "n_neighbors", 1, 40)


def _neighbor_priors(name: str) -> dict[str, Any]:
    return {
        "weights": choice(name, "weights", ["uniform", "distance"]),
        # Minkowski p: 2 (Euclidean, the default) or 1 (Manhattan, more robust
        # to a few large coordinates).
        "p": pchoice(name, "p", [(0.6, 2), (0.4, 1)]),
    }


def k_neighbors_classifier(name: str, **overrides: Any) -> Build:
    """:class:`sklearn.neighbors.KNeighborsClassifier`."""
    priors = {"n_neighbors": _n_neighbors(name), **_neighbor_priors(name)}
    return component(neighbors.KNeighborsClassifier, name, priors, overrides)


def k_neighbors_regressor(name: str, **overrides: Any) -> Build:
    """:class:`sklearn.neighbors.KNeighborsRegressor`."""
    priors = {"n_neighbors": _n_neighbors(name), **_neighbor_priors(name)}
    return component(neighbors.KNeighborsRegressor, name, priors, overrides)


def _radius(name: str, low: float, high: float) -> Any:
    # The radius is in the features' units; the range assumes standardised
    # features, where neighbours lie a few units apart.
    return log_uniform(name, "radius", low, high)


def radius_neighbors_classifier(name: str, **overrides: Any) -> Build:
    """:class:`sklearn.neighbors.RadiusNeighborsClassifier` on standardised features.

    A point with no neighbour within the radius gets the most frequent
    class instead of raising.
    """
    priors = {"radius": _radius(name, 0.5, 20.0), "outlier_label": "most_frequent",
              **_neighbor_priors(name)}
    return component(neighbors.RadiusNeighborsClassifier, name, priors, overrides)


def radius_neighbors_regressor(name: str, **overrides: Any) -> Build:
    """:class:`sklearn.neighbors.RadiusNeighborsRegressor` on standardised features.

    A point with no neighbour within the radius is predicted as NaN (with a
    warning), so the prior keeps to Euclidean distances and starts at radii
    that cover the neighbourhoods of standardised data with about ten
    features; widen it for wider data.
    """
    priors = {"radius": _radius(name, 5.0, 50.0),
              "weights": choice(name, "weights", ["uniform", "distance"]), "p": 2}
    return component(neighbors.RadiusNeighborsRegressor, name, priors, overrides)


def nearest_centroid(name: str, **overrides: Any) -> Build:
    """:class:`sklearn.neighbors.NearestCentroid`; shrunken centroids are searched."""
    priors = {
        "metric": choice(name, "metric", ["euclidean", "manhattan"]),
        # Shrinking centroids towards the overall mean (Tibshirani et al.)
        # drops noisy features; off by default.
        "shrink_threshold": pchoice(name, "shrink_threshold", [
            (0.5, None),
            (0.5, log_uniform(name, "shrink_threshold_value", 1e-3, 1.0)),
        ]),
    }
    return component(neighbors.NearestCentroid, name, priors, overrides)
