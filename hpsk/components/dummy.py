"""Baselines from :mod:`sklearn.dummy`."""

from __future__ import annotations

from typing import Any

from sklearn import dummy

from ..space import Build
from ._base import Branch, choice, component, uniform

__all__ = ["dummy_classifier", "dummy_regressor"]


def dummy_classifier(name: str, **overrides: Any) -> Build:
    """:class:`sklearn.dummy.DummyClassifier`, a baseline that ignores the features.

    ``"constant"`` needs the constant class, so it is not proposed; pass
    ``strategy="constant", constant=...`` for it.
    """
    priors = {"strategy": choice(name, "strategy", ["prior", "most_frequent", "stratified", "uniform"])}
    return component(dummy.DummyClassifier, name, priors, overrides)


def dummy_regressor(name: str, **overrides: Any) -> Build:
    """:class:`sklearn.dummy.DummyRegressor`: the mean, median or a quantile."""
    branches: list[Branch] = [
        (0.4, {"strategy": "mean"}),
        (0.4, {"strategy": "median"}),
        (0.2, {"strategy": "quantile", "quantile": uniform(name, "quantile", 0.1, 0.9)}),
    ]
    return component(dummy.DummyRegressor, name, {}, overrides,
                     branches=branches, branch_param="strategy")
