"""Distributions: what a hyperparameter is drawn from, as small immutable value objects.

A :class:`~hpsk.space.Param` node holds one of these (a :class:`~hpsk.space.Choice`
holds a :class:`Categorical`). Each checks its arguments when it is made,
draws vectorised samples from the prior (``sample``) and turns a sampled
float back into the Python value a point holds (``to_python``). The
parameters follow hyperopt's: log distributions take their bounds (or
``mu`` and ``sigma``) in log space, ``q`` rounds to multiples of ``q``.
``hpsk.space`` re-exports every name here, and :mod:`hpsk.hp` builds them
with hyperopt's signatures.

Examples
--------
>>> import numpy as np
>>> from hpsk.distributions import Float, Integer
>>> Float(0.0, 10.0, q=2.5).sample(np.random.default_rng(0), 4)
array([7.5, 2.5, 0. , 0. ])
>>> Integer(1, 4).to_python(3.0)
3
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Union

import numpy as np

from .exceptions import InvalidParameterError

__all__ = ["Float", "Gaussian", "Integer", "Categorical", "Distribution"]


def _check_finite(**values: float) -> None:
    for name, value in values.items():
        if not isinstance(value, (int, float, np.integer, np.floating)) or isinstance(value, bool):
            raise InvalidParameterError(f"{name} must be a real number, got {value!r}")
        if not math.isfinite(value):
            raise InvalidParameterError(f"{name} must be finite, got {value!r}")


def _check_q(q: float | None) -> None:
    if q is not None:
        _check_finite(q=q)
        if q <= 0:
            raise InvalidParameterError(f"q must be > 0, got {q!r}")


def _quantize(x: np.ndarray, q: float | None) -> np.ndarray:
    return x if q is None else np.round(x / q) * q


def _warped(x: np.ndarray, log: bool, q: float | None) -> np.ndarray:
    """A draw exponentiated (``log``) and then rounded to multiples of ``q``."""
    return _quantize(np.exp(x) if log else x, q)


@dataclass(frozen=True)
class Float:
    """A uniform draw on ``[low, high]``, optionally exponentiated and rounded.

    This is hyperopt's ``uniform`` / ``quniform`` / ``loguniform`` /
    ``qloguniform``. With ``log=True`` the bounds are in log space, as in
    hyperopt: the value is ``exp(uniform(low, high))``. With ``q`` the value is
    ``round(value / q) * q``.
    """

    low: float
    high: float
    log: bool = False
    q: float | None = None

    def __post_init__(self) -> None:
        _check_finite(low=self.low, high=self.high)
        if self.low >= self.high:
            raise InvalidParameterError(f"low must be < high, got low={self.low!r}, high={self.high!r}")
        _check_q(self.q)

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return _warped(rng.uniform(self.low, self.high, size), self.log, self.q)

    def to_python(self, value: float) -> float:
        return float(value)


@dataclass(frozen=True)
class Gaussian:
    """A normal draw ``N(mu, sigma)``, optionally exponentiated and rounded.

    This is hyperopt's ``normal`` / ``qnormal`` / ``lognormal`` /
    ``qlognormal``; with ``log=True``, ``mu`` and ``sigma`` describe the log of
    the value.
    """

    mu: float
    sigma: float
    log: bool = False
    q: float | None = None

    def __post_init__(self) -> None:
        _check_finite(mu=self.mu, sigma=self.sigma)
        if self.sigma <= 0:
            raise InvalidParameterError(f"sigma must be > 0, got {self.sigma!r}")
        _check_q(self.q)

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return _warped(rng.normal(self.mu, self.sigma, size), self.log, self.q)

    def to_python(self, value: float) -> float:
        return float(value)


@dataclass(frozen=True)
class Integer:
    """A uniform integer in ``[low, high)`` (hyperopt's ``randint``)."""

    low: int
    high: int

    def __post_init__(self) -> None:
        for name in ("low", "high"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
                raise InvalidParameterError(f"{name} must be an int, got {value!r}")
        if self.low >= self.high:
            raise InvalidParameterError(f"low must be < high, got low={self.low!r}, high={self.high!r}")

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return rng.integers(self.low, self.high, size)

    def to_python(self, value: float) -> int:
        return int(value)


@dataclass(frozen=True)
class Categorical:
    """An index in ``range(len(probabilities))`` drawn with those probabilities."""

    probabilities: tuple[float, ...]

    def __post_init__(self) -> None:
        p = np.asarray(self.probabilities, dtype=float)
        if p.ndim != 1 or len(p) == 0:
            raise InvalidParameterError("a choice needs at least one option")
        if not np.all(np.isfinite(p)) or np.any(p < 0):
            raise InvalidParameterError(f"probabilities must be finite and >= 0, got {self.probabilities!r}")
        if abs(p.sum() - 1.0) > 1e-6:
            raise InvalidParameterError(
                f"probabilities must sum to 1, got {self.probabilities!r} (sum {p.sum():.6g})"
            )

    @property
    def n_options(self) -> int:
        return len(self.probabilities)

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        if self.n_options == 1:
            return np.zeros(size, dtype=np.int64)
        return rng.choice(self.n_options, size=size, p=np.asarray(self.probabilities))

    def to_python(self, value: float) -> int:
        return int(value)


# The type of ``Param.dist``.
Distribution = Union[Float, Gaussian, Integer, Categorical]
