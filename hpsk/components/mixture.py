"""Gaussian mixtures from :mod:`sklearn.mixture` (clusterers; not in ``any_*``)."""

from __future__ import annotations

from typing import Any

from sklearn import mixture

from ..space import Build
from ._base import choice, component, log_uniform, uniform_int

__all__ = ["gaussian_mixture", "bayesian_gaussian_mixture"]


def _mixture_priors(name: str) -> dict[str, Any]:
    return {
        "n_components": uniform_int(name, "n_components", 1, 10),
        # Full covariances are the most flexible; tied, diagonal and
        # spherical ones need far fewer parameters on small data.
        "covariance_type": choice(name, "covariance_type", ["full", "tied", "diag", "spherical"]),
        # Added to the covariance diagonals; keeps components from collapsing
        # onto single points (1e-6 is the default).
        "reg_covar": log_uniform(name, "reg_covar", 1e-6, 1e-2),
    }


def gaussian_mixture(name: str, **overrides: Any) -> Build:
    """:class:`sklearn.mixture.GaussianMixture`."""
    return component(mixture.GaussianMixture, name, _mixture_priors(name), overrides)


def bayesian_gaussian_mixture(name: str, **overrides: Any) -> Build:
    """:class:`sklearn.mixture.BayesianGaussianMixture` (switches off unneeded components)."""
    priors = {
        **_mixture_priors(name),
        "weight_concentration_prior_type": choice(
            name, "weight_concentration_prior_type", ["dirichlet_process", "dirichlet_distribution"]),
        "max_iter": 200,
    }
    return component(mixture.BayesianGaussianMixture, name, priors, overrides)
