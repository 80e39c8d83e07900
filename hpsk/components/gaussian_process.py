"""Gaussian processes from :mod:`sklearn.gaussian_process`.

Each fit already maximises the marginal likelihood over the kernel's
hyperparameters, so the prior chooses the kernel family and the starting
length scale. Cost grows with the cube of the number of samples: these are
for small data and are not in the default families.
"""

from __future__ import annotations

from typing import Any

from sklearn import gaussian_process
from sklearn.gaussian_process import kernels

from ..space import Build
from ._base import choice, component, log_uniform, pchoice

__all__ = ["gaussian_process_classifier", "gaussian_process_regressor", "scaled_kernel"]


def scaled_kernel(kind: str, length_scale: float, nu: float = 1.5,
                  noise: bool = False) -> kernels.Kernel:
    """``ConstantKernel() * kernel(length_scale)``, plus a white-noise term if ``noise``.

    Parameters
    ----------
    kind : {"rbf", "matern", "rational_quadratic"}
        The stationary kernel.
    length_scale : float
        Its initial length scale (the optimiser moves it).
    nu : float, default=1.5
        Smoothness of the Matern kernel (ignored otherwise).
    noise : bool, default=False
        Whether to add a :class:`~sklearn.gaussian_process.kernels.WhiteKernel`
        that learns the noise level.
    """
    bounds = (1e-3, 1e3)
    if kind == "rbf":
        base: kernels.Kernel = kernels.RBF(length_scale, length_scale_bounds=bounds)
    elif kind == "matern":
        base = kernels.Matern(length_scale, length_scale_bounds=bounds, nu=nu)
    elif kind == "rational_quadratic":
        base = kernels.RationalQuadratic(length_scale, length_scale_bounds=bounds)
    else:
        raise ValueError(f"Unknown kernel kind {kind!r}; expected 'rbf', 'matern' or "
                         "'rational_quadratic'.")
    kernel = kernels.ConstantKernel(1.0, constant_value_bounds=(1e-3, 1e3)) * base
    if noise:
        kernel = kernel + kernels.WhiteKernel(1e-2, noise_level_bounds=(1e-6, 1e1))
    return kernel


def _kernel(name: str, noise: bool) -> Any:
    # RBF is the smooth default; Matern allows rougher functions (nu 0.5 is
    # exponential, 1.5 and 2.5 once and twice differentiable) and often fits
    # real data better; rational quadratic mixes length scales.
    length_scale = log_uniform(name, "length_scale", 0.1, 10.0)  # standardised features
    nu = choice(name, "nu", [0.5, 1.5, 2.5])
    return pchoice(name, "kernel", [
        (0.3, Build(scaled_kernel, ("rbf", length_scale), {"noise": noise})),
        (0.5, Build(scaled_kernel, ("matern", length_scale, nu), {"noise": noise})),
        (0.2, Build(scaled_kernel, ("rational_quadratic", length_scale), {"noise": noise})),
    ])


def gaussian_process_classifier(name: str, **overrides: Any) -> Build:
    """:class:`sklearn.gaussian_process.GaussianProcessClassifier` (Laplace approximation)."""
    priors = {
        "kernel": _kernel(name, noise=False),
        # A restart guards against local optima of the marginal likelihood
        # and doubles the cost.
        "n_restarts_optimizer": pchoice(name, "n_restarts_optimizer", [(0.7, 0), (0.3, 1)]),
    }
    return component(gaussian_process.GaussianProcessClassifier, name, priors, overrides)


def gaussian_process_regressor(name: str, **overrides: Any) -> Build:
    """:class:`sklearn.gaussian_process.GaussianProcessRegressor` with a learned noise level."""
    priors = {
        "kernel": _kernel(name, noise=True),
        # Jitter on the kernel diagonal for numerical stability; the noise
        # itself is learned by the white kernel.
        "alpha": log_uniform(name, "alpha", 1e-10, 1e-3),
        # Centring and scaling the target makes the unit-variance prior of the
        # constant kernel sensible for any target scale.
        "normalize_y": True,
        "n_restarts_optimizer": pchoice(name, "n_restarts_optimizer", [(0.7, 0), (0.3, 1)]),
    }
    return component(gaussian_process.GaussianProcessRegressor, name, priors, overrides)
