"""Support vector machines from :mod:`sklearn.svm`.

Kernel SVMs take their kernel-specific parameters (``gamma``, ``degree``,
``coef0``) from kernel branches, so ``degree`` is only searched for the
polynomial kernel and so on. LinearSVC/LinearSVR take the loss x penalty x
dual combinations liblinear supports.
"""

from __future__ import annotations

from typing import Any

from sklearn import svm

from ..space import Build
from ._base import Branch, component, log_uniform, pchoice, uniform, uniform_int

__all__ = ["svc", "svr", "nu_svc", "nu_svr", "one_class_svm", "linear_svc", "linear_svr"]

# libsvm is quadratic to cubic in the number of samples and can crawl on
# unscaled data with a poorly chosen kernel; a bound on its iterations keeps a
# trial's cost finite (scikit-learn then warns that the solver stopped early,
# a ConvergenceWarning). A larger kernel cache speeds up medium-sized data.
_KERNEL_GUARDS = {"max_iter": 50_000, "cache_size": 500}


def _gamma(name: str, kernel: str) -> Any:
    # "scale" (1 / (n_features * X.var())) adapts to the data and is the
    # default; explicit values cover four decades around it for standardised
    # data with tens of features.
    return pchoice(name, f"{kernel}_gamma", [
        (0.4, "scale"),
        (0.6, log_uniform(name, f"{kernel}_gamma_value", 1e-4, 10.0)),
    ])


def _kernel_branches(name: str, *, p_linear: float = 0.15) -> list[tuple[float, dict[str, Any]]]:
    # RBF is the usual winner, so it gets most trials; sigmoid rarely wins
    # and is not positive definite, so it gets few.
    rbf = 0.8 - p_linear
    return [
        (rbf, {"kernel": "rbf", "gamma": _gamma(name, "rbf")}),
        (p_linear, {"kernel": "linear"}),
        (0.15, {"kernel": "poly", "degree": uniform_int(name, "degree", 2, 4),
                "gamma": _gamma(name, "poly"), "coef0": uniform(name, "poly_coef0", 0.0, 1.0)}),
        (0.05, {"kernel": "sigmoid", "gamma": _gamma(name, "sigmoid"),
                "coef0": uniform(name, "sigmoid_coef0", -1.0, 1.0)}),
    ]


def _c(name: str) -> Any:
    # C spans six decades around the default 1 on a log scale.
    return log_uniform(name, "C", 1e-3, 1e3)


def _class_weight(name: str) -> Any:
    # Reweighting helps on imbalanced classes and costs little otherwise.
    return pchoice(name, "class_weight", [(0.7, None), (0.3, "balanced")])


def svc(name: str, **overrides: Any) -> Build:
    """:class:`sklearn.svm.SVC` with kernel branches and a bounded solver."""
    priors = {"C": _c(name), "class_weight": _class_weight(name), **_KERNEL_GUARDS}
    return component(svm.SVC, name, priors, overrides,
                     branches=_kernel_branches(name), branch_param="kernel")


def nu_svc(name: str, **overrides: Any) -> Build:
    """:class:`sklearn.svm.NuSVC`; ``nu`` bounds the fraction of margin errors.

    ``nu`` must not exceed twice the smallest class fraction of any pair of
    classes, so the prior stays at or below 0.5 and favours small values; on
    very imbalanced data fix ``nu`` lower.
    """
    priors = {"nu": log_uniform(name, "nu", 0.02, 0.5), "class_weight": _class_weight(name),
              **_KERNEL_GUARDS}
    return component(svm.NuSVC, name, priors, overrides,
                     branches=_kernel_branches(name), branch_param="kernel")


def _epsilon(name: str) -> Any:
    # epsilon is in the target's units: the prior covers small tubes on a
    # standardised-target scale up to wide tubes of a unit or so.
    return log_uniform(name, "epsilon", 1e-3, 1.0)


def svr(name: str, **overrides: Any) -> Build:
    """:class:`sklearn.svm.SVR` with kernel branches and a bounded solver."""
    priors = {"C": _c(name), "epsilon": _epsilon(name), **_KERNEL_GUARDS}
    return component(svm.SVR, name, priors, overrides,
                     branches=_kernel_branches(name), branch_param="kernel")


def nu_svr(name: str, **overrides: Any) -> Build:
    """:class:`sklearn.svm.NuSVR`; ``nu`` replaces ``epsilon``."""
    priors = {"C": _c(name), "nu": uniform(name, "nu", 0.1, 0.9), **_KERNEL_GUARDS}
    return component(svm.NuSVR, name, priors, overrides,
                     branches=_kernel_branches(name), branch_param="kernel")


def one_class_svm(name: str, **overrides: Any) -> Build:
    """:class:`sklearn.svm.OneClassSVM`, an outlier detector (not in ``any_*``)."""
    # nu is the expected outlier fraction, a few percent to a half.
    priors = {"nu": log_uniform(name, "nu", 0.01, 0.5), **_KERNEL_GUARDS}
    return component(svm.OneClassSVM, name, priors, overrides,
                     branches=_kernel_branches(name, p_linear=0.05), branch_param="kernel")


def linear_svc(name: str, **overrides: Any) -> Build:
    """:class:`sklearn.svm.LinearSVC` with the loss x penalty pairs liblinear solves."""
    priors = {"C": _c(name), "class_weight": _class_weight(name), "max_iter": 2000}
    # liblinear solves L2 + squared hinge in either form, L2 + hinge only in
    # the dual and L1 + squared hinge only in the primal; L1 + hinge not at all.
    branches: list[Branch] = [
        (0.6, {"penalty": "l2", "loss": "squared_hinge", "dual": "auto"}),
        (0.2, {"penalty": "l2", "loss": "hinge", "dual": True}),
        (0.2, {"penalty": "l1", "loss": "squared_hinge", "dual": False}),
    ]
    return component(svm.LinearSVC, name, priors, overrides,
                     branches=branches, branch_param="loss")


def linear_svr(name: str, **overrides: Any) -> Build:
    """:class:`sklearn.svm.LinearSVR`; the epsilon-insensitive loss needs the dual."""
    # epsilon defaults to 0 here (no insensitive tube); half the trials try one.
    epsilon = pchoice(name, "epsilon", [
        (0.5, 0.0),
        (0.5, log_uniform(name, "epsilon_value", 1e-3, 1.0)),
    ])
    priors = {"C": _c(name), "epsilon": epsilon, "max_iter": 2000}
    branches: list[Branch] = [
        (0.5, {"loss": "epsilon_insensitive", "dual": True}),
        (0.5, {"loss": "squared_epsilon_insensitive", "dual": "auto"}),
    ]
    return component(svm.LinearSVR, name, priors, overrides,
                     branches=branches, branch_param="loss")
