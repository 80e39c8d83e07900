"""Scalers, encoders and feature expansions from :mod:`sklearn.preprocessing`."""

from __future__ import annotations

from typing import Any

from sklearn import preprocessing

from .. import hp
from ..space import Build
from ._base import choice, component, label, pchoice, uniform, uniform_int

__all__ = [
    "standard_scaler",
    "min_max_scaler",
    "max_abs_scaler",
    "robust_scaler",
    "normalizer",
    "quantile_transformer",
    "power_transformer",
    "binarizer",
    "k_bins_discretizer",
    "polynomial_features",
    "spline_transformer",
    "one_hot_encoder",
    "ordinal_encoder",
]


def standard_scaler(name: str, **overrides: Any) -> Build:
    """:class:`sklearn.preprocessing.StandardScaler`; centring is searched.

    Pass ``with_mean=False`` for sparse input (centring would densify it).
    """
    priors = {"with_mean": hp.choice(label(name, "with_mean"), [True, False]),
              "with_std": True}
    return component(preprocessing.StandardScaler, name, priors, overrides)


def min_max_scaler(name: str, **overrides: Any) -> Build:
    """:class:`sklearn.preprocessing.MinMaxScaler` to ``[0, 1]`` or ``[-1, 1]``."""
    # [0, 1] keeps features non-negative (what count-based models need);
    # [-1, 1] centres them, which suits kernels and neural networks.
    priors = {"feature_range": choice(name, "feature_range", [(0.0, 1.0), (-1.0, 1.0)])}
    return component(preprocessing.MinMaxScaler, name, priors, overrides)


def max_abs_scaler(name: str, **overrides: Any) -> Build:
    """:class:`sklearn.preprocessing.MaxAbsScaler`; no hyperparameters, keeps sparsity."""
    return component(preprocessing.MaxAbsScaler, name, {}, overrides)


def robust_scaler(name: str, **overrides: Any) -> Build:
    """:class:`sklearn.preprocessing.RobustScaler`: median and inter-quantile range."""
    priors = {
        "with_centering": choice(name, "with_centering", [True, False]),
        # The inter-quartile range is the default; wider ranges use more of
        # the data while still ignoring the extreme tails.
        "quantile_range": choice(name, "quantile_range", [(25.0, 75.0), (10.0, 90.0), (5.0, 95.0)]),
        "unit_variance": choice(name, "unit_variance", [False, True]),
    }
    return component(preprocessing.RobustScaler, name, priors, overrides)


def normalizer(name: str, **overrides: Any) -> Build:
    """:class:`sklearn.preprocessing.Normalizer`: each sample to unit norm."""
    # L2 is the default and the usual choice for text-like data.
    priors = {"norm": pchoice(name, "norm", [(0.6, "l2"), (0.3, "l1"), (0.1, "max")])}
    return component(preprocessing.Normalizer, name, priors, overrides)


def quantile_transformer(name: str, **overrides: Any) -> Build:
    """:class:`sklearn.preprocessing.QuantileTransformer` to a uniform or normal shape."""
    priors = {
        # More quantiles than samples triggers a warning and is clipped; a
        # hundred already resolve the marginal finely (values in between are
        # interpolated), so the prior stays below it.
        "n_quantiles": uniform_int(name, "n_quantiles", 10, 100),
        "output_distribution": choice(name, "output_distribution", ["uniform", "normal"]),
    }
    return component(preprocessing.QuantileTransformer, name, priors, overrides)


def power_transformer(name: str, **overrides: Any) -> Build:
    """:class:`sklearn.preprocessing.PowerTransformer` (Yeo-Johnson).

    Box-Cox needs strictly positive features, so the prior keeps to
    Yeo-Johnson, which accepts any sign; pass ``method="box-cox"`` for
    positive data.
    """
    priors = {"method": "yeo-johnson",
              "standardize": pchoice(name, "standardize", [(0.8, True), (0.2, False)])}
    return component(preprocessing.PowerTransformer, name, priors, overrides)


def binarizer(name: str, **overrides: Any) -> Build:
    """:class:`sklearn.preprocessing.Binarizer`; the threshold assumes centred features."""
    # 0 (the default) splits centred features by sign; a small band either
    # side lets the search shift the cut.
    priors = {"threshold": pchoice(name, "threshold", [
        (0.5, 0.0),
        (0.5, uniform(name, "threshold_value", -1.0, 1.0)),
    ])}
    return component(preprocessing.Binarizer, name, priors, overrides)


def k_bins_discretizer(name: str, **overrides: Any) -> Build:
    """:class:`sklearn.preprocessing.KBinsDiscretizer` for continuous features.

    Features with fewer distinct values than bins lose the empty bins (with a
    warning); use it on continuous features.
    """
    priors = {
        # Five bins is the default; beyond ten, quantile bins of features
        # with ties collapse (with a warning) and bins get sparse on small data.
        "n_bins": uniform_int(name, "n_bins", 2, 10),
        # Dense one-hot output, so any learner can follow.
        "encode": pchoice(name, "encode", [(0.7, "onehot-dense"), (0.3, "ordinal")]),
        "strategy": choice(name, "strategy", ["uniform", "quantile", "kmeans"]),
    }
    return component(preprocessing.KBinsDiscretizer, name, priors, overrides)


def polynomial_features(name: str, **overrides: Any) -> Build:
    """:class:`sklearn.preprocessing.PolynomialFeatures` of degree 2.

    Degree 3 multiplies the width by about ``n_features**2 / 6`` (over 20,000
    columns for 50 features), so the prior stays at 2; pass ``degree=3`` for
    narrow data.
    """
    priors = {
        "degree": 2,
        "interaction_only": choice(name, "interaction_only", [False, True]),
        # The constant column is redundant with the learners' intercepts.
        "include_bias": False,
    }
    return component(preprocessing.PolynomialFeatures, name, priors, overrides)


def spline_transformer(name: str, **overrides: Any) -> Build:
    """:class:`sklearn.preprocessing.SplineTransformer`: B-spline bases per feature."""
    priors = {
        "n_knots": uniform_int(name, "n_knots", 3, 10),
        # Cubic splines are the default; linear and quadratic are cheaper and
        # less wiggly.
        "degree": uniform_int(name, "degree", 1, 3),
        # Uniform knots always work; quantile knots can coincide on features
        # with few distinct values, so the prior keeps to uniform ones.
        "knots": "uniform",
        # "error" would fail on test values outside the training range.
        "extrapolation": choice(name, "extrapolation", ["constant", "linear", "continue"]),
        "include_bias": False,
    }
    return component(preprocessing.SplineTransformer, name, priors, overrides)


def one_hot_encoder(name: str, **overrides: Any) -> Build:
    """:class:`sklearn.preprocessing.OneHotEncoder` for categorical features.

    Dense output, categories unseen in training encoded as all zeros.
    """
    priors = {
        "handle_unknown": "ignore",
        "sparse_output": False,
        # Grouping rare categories reduces width and overfitting on
        # high-cardinality features.
        "max_categories": pchoice(name, "max_categories", [
            (0.6, None),
            (0.4, uniform_int(name, "max_categories_value", 5, 30)),
        ]),
    }
    return component(preprocessing.OneHotEncoder, name, priors, overrides)


def ordinal_encoder(name: str, **overrides: Any) -> Build:
    """:class:`sklearn.preprocessing.OrdinalEncoder`; unseen categories become -1."""
    priors = {"handle_unknown": "use_encoded_value", "unknown_value": -1}
    return component(preprocessing.OrdinalEncoder, name, priors, overrides)
