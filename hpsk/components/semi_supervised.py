"""Graph-based classifiers from :mod:`sklearn.semi_supervised`.

On fully labelled data these are kernel (or k-NN graph) classifiers; they
are not in the default families. The RBF width assumes standardised
features.
"""

from __future__ import annotations

from typing import Any

from sklearn import semi_supervised

from ..space import Build
from ._base import component, log_uniform, log_uniform_int, uniform

__all__ = ["label_propagation", "label_spreading"]


def _kernel_branches(name: str) -> list[tuple[float, dict[str, Any]]]:
    # exp(-gamma * d^2) with d^2 around 2 * n_features on standardised data:
    # the default gamma 20 underflows to an all-zero graph there, so the
    # prior covers 0.01-2. k-NN graphs are sparse and scale better.
    return [
        (0.6, {"kernel": "rbf", "gamma": log_uniform(name, "gamma", 1e-2, 2.0)}),
        (0.4, {"kernel": "knn", "n_neighbors": log_uniform_int(name, "n_neighbors", 3, 20)}),
    ]


def label_propagation(name: str, **overrides: Any) -> Build:
    """:class:`sklearn.semi_supervised.LabelPropagation`."""
    return component(semi_supervised.LabelPropagation, name, {"max_iter": 1000}, overrides,
                     branches=_kernel_branches(name), branch_param="kernel")


def label_spreading(name: str, **overrides: Any) -> Build:
    """:class:`sklearn.semi_supervised.LabelSpreading` (propagation with clamping)."""
    # alpha is the share of a label taken from the neighbours (0.2 default).
    priors = {"alpha": uniform(name, "alpha", 0.05, 0.8), "max_iter": 100}
    return component(semi_supervised.LabelSpreading, name, priors, overrides,
                     branches=_kernel_branches(name), branch_param="kernel")
