"""k-means clusterers from :mod:`sklearn.cluster` (not in ``any_*``)."""

from __future__ import annotations

from typing import Any

from sklearn import cluster

from ..space import Build
from ._base import choice, component, log_uniform_int, uniform_int

__all__ = ["k_means", "mini_batch_k_means"]


def _n_clusters(name: str) -> Any:
    # Eight is the default; the range covers coarse to fine partitions of
    # small and medium data.
    return uniform_int(name, "n_clusters", 2, 16)


def k_means(name: str, **overrides: Any) -> Build:
    """:class:`sklearn.cluster.KMeans`."""
    priors = {
        "n_clusters": _n_clusters(name),
        "init": choice(name, "init", ["k-means++", "random"]),
        # Elkan's triangle-inequality variant is faster on well-separated
        # clusters, Lloyd's otherwise.
        "algorithm": choice(name, "algorithm", ["lloyd", "elkan"]),
    }
    return component(cluster.KMeans, name, priors, overrides)


def mini_batch_k_means(name: str, **overrides: Any) -> Build:
    """:class:`sklearn.cluster.MiniBatchKMeans` for large data."""
    priors = {
        "n_clusters": _n_clusters(name),
        "init": choice(name, "init", ["k-means++", "random"]),
        "batch_size": log_uniform_int(name, "batch_size", 256, 4096),
    }
    return component(cluster.MiniBatchKMeans, name, priors, overrides)
