"""The pipeline objective: a sampled configuration's loss over the search's splits.

:class:`PipelineObjective` builds the scikit-learn
:class:`~sklearn.pipeline.Pipeline` a configuration describes, fits it on
each training split and returns the loss (minus the mean validation score)
with the per-split scores, in the dict form :func:`hpsk.fmin` expects.
"""

from __future__ import annotations

import time
import warnings
from typing import Any, Sequence

import numpy as np
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.pipeline import Pipeline
from sklearn.utils import _safe_indexing
from sklearn.utils.validation import has_fit_parameter
from threadpoolctl import threadpool_limits

from ._early_stopping import fit_early_stopped, with_rounds
from ._pipelines import assemble_pipeline, describe_steps, for_targets, needs_encoded_labels, seed_pipeline
from ._scoring import ValidationScorer
from ._splits import Splits

__all__ = ["PipelineObjective"]


class PipelineObjective:
    """The loss of a configuration: minus its mean validation score.

    Picklable, so it travels to joblib workers once per worker.

    Parameters
    ----------
    X, y : array-like
        Training data; ``y`` as the user gave it.
    y_encoded : ndarray or None
        ``y`` as integer codes, for learners that need them (XGBoost).
    splits : list of (train, validation) index arrays
    scorer : ValidationScorer
    seed : int or None
        ``random_state`` for every step that has one.
    sample_weight : ndarray or None
        Passed to the learner's ``fit`` when it accepts one, and to the scorer.
    keep_predictions : bool, default=False
        Add ``"predictions"`` to the result: the validation predictions of
        every split, stacked in split order (class probabilities in
        ``classes`` order for a classifier, ``None`` when the learner has no
        ``predict_proba``), for ensemble selection.
    rungs : list of splits, optional
        For a multi-fidelity search (:mod:`hpsk.fidelity`): per rung, the
        splits with each training part cut to that rung's rows;
        :meth:`at_rung` evaluates on them.
    """

    def __init__(
        self,
        X: Any,
        y: np.ndarray,
        y_encoded: np.ndarray | None,
        splits: Splits,
        scorer: ValidationScorer,
        seed: int | None,
        sample_weight: np.ndarray | None = None,
        keep_predictions: bool = False,
        rungs: Sequence[Splits] | None = None,
    ) -> None:
        self.X, self.y, self.y_encoded = X, y, y_encoded
        self.splits = splits
        self.scorer, self.seed, self.sample_weight = scorer, seed, sample_weight
        self.keep_predictions = keep_predictions
        self.rungs = rungs

    def at_rung(self, rung: int) -> PipelineObjective:
        """The same objective fitted on rung ``rung``'s rows of each training split."""
        if self.rungs is None:
            raise ValueError("this objective has no rungs: it was built without fidelity")
        return PipelineObjective(self.X, self.y, self.y_encoded, self.rungs[rung], self.scorer, self.seed,
                                 self.sample_weight, keep_predictions=self.keep_predictions)

    def with_splits(self, splits: Splits) -> PipelineObjective:
        """The same objective on other splits (for re-evaluating candidates)."""
        return PipelineObjective(self.X, self.y, self.y_encoded, splits, self.scorer, self.seed,
                                 self.sample_weight)

    def pipeline(self, params: Any) -> Pipeline:
        """The seeded pipeline ``params`` describe, ready for this objective's targets."""
        n_outputs = 1 if self.y.ndim == 1 else self.y.shape[1]
        return for_targets(seed_pipeline(clone(assemble_pipeline(params)), self.seed), n_outputs)

    def refit_pipeline(self, params: Any, result: dict[str, Any] | None = None) -> Pipeline:
        """:meth:`pipeline`, with the rounds the splits kept when its booster stopped
        early (``result["rounds"]``, from a trial of this objective)."""
        return with_rounds(self.pipeline(params), (result or {}).get("rounds"))

    def targets_for(self, pipeline: Pipeline) -> np.ndarray:
        if self.y_encoded is not None and needs_encoded_labels(pipeline):
            return self.y_encoded
        return self.y

    def fit_params(self, pipeline: Pipeline, rows: np.ndarray | None = None) -> dict[str, Any]:
        """``sample_weight`` routed to the learner, when it takes one."""
        if self.sample_weight is None:
            return {}
        name, learner = pipeline.steps[-1]
        if not has_fit_parameter(learner, "sample_weight"):
            return {}
        weights = self.sample_weight if rows is None else self.sample_weight[rows]
        return {f"{name}__sample_weight": weights}

    def __call__(self, params: Any) -> dict[str, Any]:
        pipeline = self.pipeline(params)
        y = self.targets_for(pipeline)
        weights = self.sample_weight
        scores, fit_times, score_times, predictions, rounds = [], [], [], [], []
        # One native thread per trial: parallelism comes from running trials
        # side by side (n_jobs), and OpenMP pools that spin-wait on a busy
        # machine can make a fit a hundred times slower.
        with warnings.catch_warnings(), threadpool_limits(limits=1):
            warnings.simplefilter("ignore", category=ConvergenceWarning)
            for train, validation in self.splits:
                fold = clone(pipeline)
                start = time.perf_counter()
                rounds.append(fit_early_stopped(fold, _safe_indexing(self.X, train), y[train],
                                                self.fit_params(fold, train), self.seed))
                fit_times.append(time.perf_counter() - start)
                X_validation = _safe_indexing(self.X, validation)
                start = time.perf_counter()
                scores.append(self.scorer(fold, X_validation, y[validation],
                                          None if weights is None else weights[validation]))
                score_times.append(time.perf_counter() - start)
                if self.keep_predictions:
                    predictions.append(self._predictions(fold, X_validation))
        mean = float(np.mean(scores))
        learner, preprocessing = describe_steps(pipeline)
        return {
            "loss": -mean,
            "status": "ok" if np.isfinite(mean) else "fail",
            "error": None if np.isfinite(mean) else f"non-finite validation score ({mean!r})",
            "scores": scores,
            # Mean and standard deviation over the splits, as ``cv_results_``'s
            # ``mean_fit_time``, ``std_fit_time``, ``mean_score_time`` and ``std_score_time``.
            "fit_time": float(np.mean(fit_times)),
            "fit_time_std": float(np.std(fit_times)),
            "score_time": float(np.mean(score_times)),
            "score_time_std": float(np.std(score_times)),
            "learner": learner,
            "preprocessing": preprocessing,
            # The rounds an early-stopped booster kept, averaged over the splits
            # (see hpsk.evaluation._early_stopping); the refit uses them.
            **({"rounds": float(np.mean([r for r in rounds if r is not None]))}
               if rounds and None not in rounds else {}),
            **({"predictions": None if any(p is None for p in predictions)
                else np.concatenate([p for p in predictions if p is not None]).astype(np.float32)}
               if self.keep_predictions else {}),
        }

    def validation_targets(self) -> np.ndarray:
        """``y`` on the validation rows of every split, in ``"predictions"`` order."""
        return np.concatenate([self.y[validation] for _, validation in self.splits])

    def validation_weights(self) -> np.ndarray | None:
        if self.sample_weight is None:
            return None
        return np.concatenate([self.sample_weight[validation] for _, validation in self.splits])

    def _predictions(self, fitted: Pipeline, X: Any) -> np.ndarray | None:
        if self.y_encoded is None:
            return np.asarray(fitted.predict(X), dtype=float)
        n_classes = int(self.y_encoded.max()) + 1
        if not hasattr(fitted, "predict_proba") or len(fitted.classes_) != n_classes:
            return None  # no probabilities, or a class missing from this training split
        return np.asarray(fitted.predict_proba(X), dtype=float)
