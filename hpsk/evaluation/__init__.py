"""Turning a sampled configuration into a loss: pipelines, splits, scores.

The estimator's search space evaluates to a dict ``{"learner": estimator,
"preprocessing": [transformers], "ex_preprocs": [transformers]}`` (or to a
ready estimator / pipeline). :class:`PipelineObjective` builds the
scikit-learn :class:`~sklearn.pipeline.Pipeline`, fits it on each training
split and returns the loss (minus the mean validation score) with the
per-split scores, in the dict form :func:`hpsk.fmin` expects.

Every trial uses the same precomputed splits, so losses are comparable and
the search is not misled by split-to-split noise.

One job per private module; import the names from here:

- ``_splits``: :func:`auto_cv`, :func:`group_folds`, :func:`make_splitter`,
  :func:`reshuffled`;
- ``_pipelines``: :func:`assemble_pipeline`, :func:`exogenous_columns`,
  :func:`with_probabilities`, :func:`for_targets`, :func:`seed_pipeline`,
  :func:`needs_encoded_labels`, :func:`describe_steps`,
  :func:`describe_model`;
- ``_scoring``: :class:`ValidationScorer`;
- ``_objective``: :class:`PipelineObjective`;
- ``_early_stopping``: :func:`fit_early_stopped`, :func:`with_rounds`,
  :data:`MIN_ROWS`;
- ``_results``: :func:`cv_results`;
- ``_nested``: :func:`nested_cross_validate`.
"""

from ._early_stopping import MIN_ROWS, fit_early_stopped, with_rounds
from ._nested import nested_cross_validate
from ._objective import PipelineObjective
from ._pipelines import (
    assemble_pipeline,
    describe_model,
    describe_steps,
    exogenous_columns,
    for_targets,
    needs_encoded_labels,
    seed_pipeline,
    with_probabilities,
)
from ._results import cv_results
from ._scoring import ValidationScorer
from ._splits import Splits, auto_cv, group_folds, make_splitter, reshuffled

__all__ = [
    "auto_cv",
    "PipelineObjective",
    "ValidationScorer",
    "assemble_pipeline",
    "cv_results",
    "nested_cross_validate",
    "describe_steps",
    "describe_model",
    "make_splitter",
    "group_folds",
    "exogenous_columns",
    "reshuffled",
    "needs_encoded_labels",
    "seed_pipeline",
    "with_probabilities",
    "for_targets",
    "Splits",
    "MIN_ROWS",
    "fit_early_stopped",
    "with_rounds",
]
