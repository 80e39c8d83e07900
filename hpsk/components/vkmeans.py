"""Per-column k-means features (hyperopt-sklearn's ``colkmeans``)."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.cluster import KMeans
from sklearn.utils.validation import check_is_fitted, validate_data

from ..space import Build
from ._base import choice, component, uniform_int

__all__ = ["ColumnKMeans", "colkmeans"]


class ColumnKMeans(TransformerMixin, BaseEstimator):
    """Cluster each column on its own and encode values by distance to the centres.

    Each feature becomes ``n_clusters`` features: the distances of its value
    to that column's k-means centres, a soft discretisation.

    Parameters
    ----------
    n_clusters : int, default=8
        Centres per column.
    init : {"k-means++", "random"}, default="k-means++"
        Initialisation of each column's k-means.
    n_init : int or "auto", default="auto"
        Restarts of each column's k-means.
    max_iter : int, default=300
        Iterations per k-means run.
    random_state : int, RandomState or None, default=None
        Seed for the k-means initialisations.

    Attributes
    ----------
    models_ : list of KMeans
        One fitted k-means per column.
    n_features_in_ : int
        Number of input columns.
    """

    def __init__(self, n_clusters: int = 8, *, init: str = "k-means++", n_init: Any = "auto",
                 max_iter: int = 300, random_state: Any = None) -> None:
        self.n_clusters = n_clusters
        self.init = init
        self.n_init = n_init
        self.max_iter = max_iter
        self.random_state = random_state

    def fit(self, X: Any, y: Any = None) -> "ColumnKMeans":
        """Fit one k-means per column of ``X``."""
        X = validate_data(self, X)
        self.models_ = [
            KMeans(n_clusters=min(self.n_clusters, len(np.unique(column))), init=self.init,
                   n_init=self.n_init, max_iter=self.max_iter,
                   random_state=self.random_state).fit(column.reshape(-1, 1))
            for column in X.T
        ]
        return self

    def transform(self, X: Any) -> np.ndarray:
        """Distances of each value to its column's centres, columns side by side."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False)
        return np.hstack([model.transform(column.reshape(-1, 1))
                          for model, column in zip(self.models_, X.T)])


def colkmeans(name: str, **overrides: Any) -> Build:
    """:class:`ColumnKMeans`: per-column k-means distance features.

    The fitted transformer is an hpsk class, so a pipeline using it needs
    hpsk to unpickle (every other component builds plain scikit-learn).
    """
    priors = {
        # A handful of centres per column is a soft discretisation; beyond
        # twelve it approaches the raw value.
        "n_clusters": uniform_int(name, "n_clusters", 2, 12),
        "init": choice(name, "init", ["k-means++", "random"]),
        # One-dimensional k-means rarely has bad local optima; one run per
        # column keeps the transformer cheap on wide data.
        "n_init": 1,
    }
    return component(ColumnKMeans, name, priors, overrides)
