"""Exceptions raised by hpsk."""

from __future__ import annotations

__all__ = ["InvalidParameterError", "DuplicateLabelError", "AllTrialsFailed"]


class InvalidParameterError(ValueError, TypeError):
    """A parameter of an hpsk function or estimator has an invalid value.

    Subclasses both ``ValueError`` and ``TypeError``, like scikit-learn's
    ``InvalidParameterError``, so either ``except`` clause catches it.
    """


class DuplicateLabelError(ValueError):
    """Two different nodes of a search space share one label."""


class AllTrialsFailed(RuntimeError):
    """Every trial of a search failed, so there is no best point to return."""
