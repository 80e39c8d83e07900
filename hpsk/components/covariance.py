"""Outlier detection by robust covariance from :mod:`sklearn.covariance`."""

from __future__ import annotations

from typing import Any

from sklearn import covariance

from ..space import Build
from ._base import component, pchoice, uniform

__all__ = ["elliptic_envelope"]


def elliptic_envelope(name: str, **overrides: Any) -> Build:
    """:class:`sklearn.covariance.EllipticEnvelope`, an outlier detector (not in ``any_*``).

    It assumes roughly Gaussian features and needs clearly more samples than
    features.
    """
    priors = {
        # The expected outlier share: 10% is the default.
        "contamination": uniform(name, "contamination", 0.01, 0.3),
        # The share of points the robust (MCD) estimate uses; None is the
        # breakdown-optimal (n + d + 1) / 2.
        "support_fraction": pchoice(name, "support_fraction", [
            (0.5, None),
            (0.5, uniform(name, "support_fraction_value", 0.6, 1.0)),
        ]),
    }
    return component(covariance.EllipticEnvelope, name, priors, overrides)
