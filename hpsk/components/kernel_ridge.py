"""Kernel ridge regression from :mod:`sklearn.kernel_ridge`."""

from __future__ import annotations

from typing import Any

from sklearn import kernel_ridge

from ..space import Build
from ._base import component, log_uniform, uniform, uniform_int

__all__ = ["hp_sklearn_kernel_ridge"]


def _gamma(name: str, kernel: str) -> Any:
    # Kernel width for standardised features with a few to a few dozen
    # columns (roughly 1 / n_features is the usual scale).
    return log_uniform(name, f"{kernel}_gamma", 1e-3, 1.0)


def hp_sklearn_kernel_ridge(name: str, **overrides: Any) -> Build:
    """:class:`sklearn.kernel_ridge.KernelRidge` with kernel branches.

    The name is hyperopt-sklearn's. Kernel-specific parameters (``gamma``,
    ``degree``, ``coef0``) are searched only in their kernel's branch.
    """
    # alpha regularises the kernel matrix; below 1e-3 the solve becomes
    # ill-conditioned for smooth kernels.
    priors = {"alpha": log_uniform(name, "alpha", 1e-3, 10.0)}
    branches = [
        (0.4, {"kernel": "rbf", "gamma": _gamma(name, "rbf")}),
        (0.2, {"kernel": "laplacian", "gamma": _gamma(name, "laplacian")}),
        (0.2, {"kernel": "linear"}),
        (0.2, {"kernel": "poly", "degree": uniform_int(name, "degree", 2, 3),
               "gamma": _gamma(name, "poly"), "coef0": uniform(name, "coef0", 0.0, 1.0)}),
    ]
    return component(kernel_ridge.KernelRidge, name, priors, overrides,
                     branches=branches, branch_param="kernel")
