"""Scoring: a fitted pipeline, or predictions made earlier, scored on held-out rows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.metrics import check_scoring
from sklearn.pipeline import Pipeline

__all__ = ["ValidationScorer"]


class _Predicted(BaseEstimator):
    """A stand-in "fitted estimator" that returns fixed predictions, so that
    any scikit-learn scorer can score predictions made earlier."""

    def __init__(self, predictions: np.ndarray, classes: np.ndarray | None = None) -> None:
        self.predictions = predictions
        self.classes = classes

    def fit(self, X: Any, y: Any = None) -> _Predicted:
        return self

    def predict(self, X: Any) -> np.ndarray:
        return self.predictions


class _PredictedClassifier(ClassifierMixin, _Predicted):
    """Fixed class probabilities (columns in ``classes`` order), scored as a classifier's."""

    @property
    def classes_(self) -> np.ndarray:
        if self.classes is None:
            raise AttributeError("a stand-in classifier made without classes")
        return self.classes

    def predict(self, X: Any) -> np.ndarray:
        return self.classes_[np.argmax(self.predictions, axis=1)]

    def predict_proba(self, X: Any) -> np.ndarray:
        return self.predictions


class _PredictedRegressor(RegressorMixin, _Predicted):
    """Fixed values, scored as a regressor's."""


@dataclass(frozen=True)
class ValidationScorer:
    """How a fitted pipeline is scored on held-out data (higher is better).

    A scikit-learn ``scoring`` (name or callable), or hyperopt-sklearn's
    ``loss_fn(y_true, y_pred)`` (lower is better; the score is its negative),
    given probabilities instead of labels when ``continuous_loss_fn``.
    """

    scoring: str | Callable | None = None
    loss_fn: Callable | None = None
    continuous_loss_fn: bool = False

    def __call__(self, fitted: Pipeline, X: Any, y: np.ndarray, sample_weight: np.ndarray | None) -> float:
        if self.loss_fn is not None:
            if self.continuous_loss_fn:
                if not hasattr(fitted, "predict_proba"):
                    raise ValueError(f"continuous_loss_fn=True needs predict_proba, which "
                                     f"{type(fitted.steps[-1][1]).__name__} does not have.")
                predictions = fitted.predict_proba(X)
            else:
                predictions = fitted.predict(X)
            return -float(self.loss_fn(y, predictions))
        scorer = check_scoring(fitted, scoring=self.scoring)
        if sample_weight is None:
            return float(scorer(fitted, X, y))
        return float(scorer(fitted, X, y, sample_weight=sample_weight))

    def score_predictions(self, y: np.ndarray, predictions: np.ndarray, classes: np.ndarray | None,
                          sample_weight: np.ndarray | None = None) -> float:
        """The score of predictions made earlier: class probabilities (columns in
        ``classes`` order) for a classifier, values for a regressor (``classes=None``)."""
        fixed = (_PredictedRegressor(predictions) if classes is None
                 else _PredictedClassifier(predictions, classes))
        X = np.empty((len(y), 0))
        if self.loss_fn is not None:
            continuous = self.continuous_loss_fn and classes is not None
            return -float(self.loss_fn(y, predictions if continuous else fixed.predict(X)))
        scorer = check_scoring(fixed, scoring=self.scoring)
        if sample_weight is None:
            return float(scorer(fixed, X, y))
        return float(scorer(fixed, X, y, sample_weight=sample_weight))
