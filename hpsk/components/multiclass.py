"""Multi-class wrappers from :mod:`sklearn.multiclass`.

Each wraps a binary-capable base classifier. Without ``estimator`` the
base is a choice between logistic regression and a linear SVM (cheap, and
the models these reductions are usually applied to); pass any classifier
component (or an estimator) as ``estimator`` to wrap something else.
"""

from __future__ import annotations

from typing import Any

from sklearn import multiclass

from .. import hp
from ..space import Build
from ._base import component, label, uniform
from .linear_model import logistic_regression
from .svm import linear_svc

__all__ = ["one_vs_rest_classifier", "one_vs_one_classifier", "output_code_classifier"]


def _base_estimator(name: str) -> Any:
    # Logistic regression gives calibrated scores for the one-vs-rest vote;
    # a linear SVM is the classic base for these reductions.
    return hp.pchoice(label(name, "estimator"), [
        (0.6, logistic_regression(label(name, "logistic_regression"))),
        (0.4, linear_svc(label(name, "linear_svc"))),
    ])


def _with_estimator(name: str, overrides: dict[str, Any]) -> dict[str, Any]:
    if "estimator" not in overrides or overrides["estimator"] is None:
        overrides["estimator"] = _base_estimator(name)
    return overrides


def one_vs_rest_classifier(name: str, **overrides: Any) -> Build:
    """:class:`sklearn.multiclass.OneVsRestClassifier`: one binary model per class."""
    return component(multiclass.OneVsRestClassifier, name, {}, _with_estimator(name, dict(overrides)))


def one_vs_one_classifier(name: str, **overrides: Any) -> Build:
    """:class:`sklearn.multiclass.OneVsOneClassifier`: one binary model per pair of classes."""
    return component(multiclass.OneVsOneClassifier, name, {}, _with_estimator(name, dict(overrides)))


def output_code_classifier(name: str, **overrides: Any) -> Build:
    """:class:`sklearn.multiclass.OutputCodeClassifier`: error-correcting output codes."""
    # code_size * n_classes binary problems: 1.5 is the default; above 1
    # adds redundancy that corrects errors, up to 3 before cost dominates.
    priors = {"code_size": uniform(name, "code_size", 1.0, 3.0)}
    return component(multiclass.OutputCodeClassifier, name, priors,
                     _with_estimator(name, dict(overrides)))
