"""Naive Bayes classifiers from :mod:`sklearn.naive_bayes`."""

from __future__ import annotations

from typing import Any

from sklearn import naive_bayes

from ..space import Build
from ._base import choice, component, log_uniform, pchoice, uniform

__all__ = ["gaussian_nb", "multinomial_nb", "bernoulli_nb", "complement_nb", "categorical_nb"]


def _alpha(name: str) -> Any:
    # Additive (Laplace/Lidstone) smoothing: 1 is the default, small values
    # trust the counts, large ones flatten them; log scale either side.
    return log_uniform(name, "alpha", 1e-3, 10.0)


def _fit_prior(name: str) -> Any:
    # Learned class priors (the default) versus uniform ones, which help when
    # the training class balance is not the test one.
    return pchoice(name, "fit_prior", [(0.7, True), (0.3, False)])


def gaussian_nb(name: str, **overrides: Any) -> Build:
    """:class:`sklearn.naive_bayes.GaussianNB` with searched variance smoothing."""
    # A fraction of the largest feature variance added to every variance for
    # stability; 1e-9 is the default, larger values smooth towards equal
    # variances.
    priors = {"var_smoothing": log_uniform(name, "var_smoothing", 1e-11, 1e-3)}
    return component(naive_bayes.GaussianNB, name, priors, overrides)


def multinomial_nb(name: str, **overrides: Any) -> Build:
    """:class:`sklearn.naive_bayes.MultinomialNB`; needs non-negative features (counts)."""
    priors = {"alpha": _alpha(name), "fit_prior": _fit_prior(name)}
    return component(naive_bayes.MultinomialNB, name, priors, overrides)


def complement_nb(name: str, **overrides: Any) -> Build:
    """:class:`sklearn.naive_bayes.ComplementNB`; needs non-negative features."""
    priors = {"alpha": _alpha(name), "fit_prior": _fit_prior(name),
              "norm": choice(name, "norm", [False, True])}
    return component(naive_bayes.ComplementNB, name, priors, overrides)


def bernoulli_nb(name: str, **overrides: Any) -> Build:
    """:class:`sklearn.naive_bayes.BernoulliNB`; features are binarised at a threshold."""
    priors = {
        "alpha": _alpha(name),
        "fit_prior": _fit_prior(name),
        # 0 binarises centred features by sign (and counts by presence);
        # a positive threshold (scikit-learn allows no negative one) lets the
        # search move the cut up to one standard deviation.
        "binarize": pchoice(name, "binarize", [
            (0.6, 0.0),
            (0.4, uniform(name, "binarize_value", 0.0, 1.0)),
        ]),
    }
    return component(naive_bayes.BernoulliNB, name, priors, overrides)


def categorical_nb(name: str, **overrides: Any) -> Build:
    """:class:`sklearn.naive_bayes.CategoricalNB`; needs non-negative integer codes."""
    priors = {"alpha": _alpha(name), "fit_prior": _fit_prior(name)}
    return component(naive_bayes.CategoricalNB, name, priors, overrides)
