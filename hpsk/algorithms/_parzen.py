"""Batched Parzen mixtures: truncated-normal product kernels and categorical kernels.

A :class:`Mixture` holds ``K`` kernels over ``d`` numeric and ``m``
categorical dimensions at once. Kernel ``k`` is the product of one truncated
normal per numeric dimension (each truncated to its own ``[low, high]``, which
may be infinite) and one categorical distribution per categorical dimension.
:func:`sample` and :func:`log_pdf` work on the whole mixture with a handful of
array operations, never a Python loop per kernel or per dimension:

* numeric log-densities of ``C`` points under ``K`` kernels are one quadratic
  form, i.e. two matrix products of size ``C x d x K``;
* categorical log-probabilities are one more matrix product, between the
  one-hot codes of the points and the kernels' log-probability table;
* truncation normalisers are computed once, when the mixture is built;
* sampling picks kernels by inverse CDF on the weights, then draws each
  coordinate by inverse CDF (``ndtri``) within its truncation interval.

Categorical dimensions are stored side by side in one flat table of
``sum(n_options)`` columns; ``offsets[j]`` is where dimension ``j`` starts.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from scipy.special import log_ndtr, ndtr, ndtri

__all__ = [
    "Mixture",
    "NumericKernels",
    "CategoricalKernels",
    "numeric_kernels",
    "categorical_kernels",
    "mixture",
    "neighbour_bandwidths",
    "sample",
    "log_pdf",
]

_LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)
# Log-probabilities are floored so that 0 * log(0) in the one-hot product
# stays finite; exp(-700) is far below anything a kernel ever contributes.
_LOG_PROBABILITY_FLOOR = -700.0


class NumericKernels(NamedTuple):
    """``K`` product kernels of truncated normals over ``d`` dimensions.

    Attributes
    ----------
    mus, sigmas : ndarray of shape (K, d)
        Centre and scale of each kernel along each dimension.
    low, high : ndarray of shape (d,)
        Truncation bounds per dimension (``-inf`` / ``inf`` for none).
    inverse_variances_t, weighted_mus_t : ndarray of shape (d, K)
        ``1 / sigmas**2`` and ``mus / sigmas**2``, transposed and contiguous
        (a transposed view makes BLAS take a slow threaded path).
    squared_norms : ndarray of shape (K,)
        ``sum_d mus**2 / sigmas**2``.
    log_normalisers : ndarray of shape (K,)
        Per kernel: ``sum_d log(sigma) + log(mass inside [low, high])`` plus
        the Gaussian constant, subtracted from every log-density.
    """

    mus: np.ndarray
    sigmas: np.ndarray
    low: np.ndarray
    high: np.ndarray
    inverse_variances_t: np.ndarray
    weighted_mus_t: np.ndarray
    squared_norms: np.ndarray
    log_normalisers: np.ndarray


class CategoricalKernels(NamedTuple):
    """``K`` product kernels over ``m`` categorical dimensions.

    Attributes
    ----------
    probabilities : ndarray of shape (K, n_columns)
        Each kernel's probabilities, the dimensions side by side; each
        dimension's block sums to one.
    log_probabilities_t : ndarray of shape (n_columns, K)
        Their logarithms, floored so that they stay finite, transposed and
        contiguous for the scoring product.
    offsets : ndarray of int, shape (m,)
        The first column of each dimension.
    n_options : ndarray of int, shape (m,)
        The number of options of each dimension.
    """

    probabilities: np.ndarray
    log_probabilities_t: np.ndarray
    offsets: np.ndarray
    n_options: np.ndarray


class Mixture(NamedTuple):
    """A weighted mixture of ``K`` kernels, numeric and categorical parts joint."""

    log_weights: np.ndarray
    numeric: NumericKernels
    categorical: CategoricalKernels


def _log_gaussian_mass(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``log(Phi(b) - Phi(a))`` for ``a <= b``, accurate in both tails."""
    # Reflect intervals above zero so both CDF values are small and exact.
    reflect = a > 0
    lower = np.where(reflect, -b, a)
    upper = np.where(reflect, -a, b)
    mass = ndtr(upper) - ndtr(lower)
    tiny = mass < 1e-10
    if not tiny.any():  # the usual case: every kernel centred inside its domain
        return np.log(mass)
    # Far-tail intervals: the difference of CDFs underflows or cancels, so
    # take it in log space, log Phi(u) + log(1 - Phi(l) / Phi(u)).
    log_upper = log_ndtr(upper[tiny])
    with np.errstate(divide="ignore"):
        mass = np.log(np.maximum(mass, 1e-300))
        mass[tiny] = log_upper + np.log1p(-np.exp(log_ndtr(lower[tiny]) - log_upper))
    return mass


def numeric_kernels(mus: np.ndarray, sigmas: np.ndarray, low: np.ndarray, high: np.ndarray) -> NumericKernels:
    """Build truncated-normal product kernels and precompute their normalisers.

    Parameters
    ----------
    mus, sigmas : ndarray of shape (K, d)
        Kernel centres and scales (``sigmas > 0``).
    low, high : ndarray of shape (d,)
        Truncation bounds; infinite bounds mean no truncation.
    """
    mus = np.asarray(mus, dtype=float)
    sigmas = np.asarray(sigmas, dtype=float)
    mass = _log_gaussian_mass((low - mus) / sigmas, (high - mus) / sigmas)
    log_normalisers = (np.log(sigmas) + mass).sum(axis=1) + mus.shape[1] * _LOG_SQRT_2PI
    inverse_variances = 1.0 / sigmas**2
    weighted_mus = mus * inverse_variances
    return NumericKernels(
        mus, sigmas, np.asarray(low, float), np.asarray(high, float),
        np.ascontiguousarray(inverse_variances.T), np.ascontiguousarray(weighted_mus.T),
        (mus * weighted_mus).sum(axis=1), log_normalisers,
    )


def categorical_kernels(probabilities: np.ndarray, n_options: np.ndarray) -> CategoricalKernels:
    """Wrap a ``(K, sum(n_options))`` table of per-dimension probabilities."""
    n_options = np.asarray(n_options, dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(n_options)[:-1]]).astype(np.int64)
    with np.errstate(divide="ignore"):
        log_probabilities = np.maximum(np.log(probabilities), _LOG_PROBABILITY_FLOOR)
    return CategoricalKernels(probabilities, np.ascontiguousarray(log_probabilities.T), offsets, n_options)


def mixture(weights: np.ndarray, numeric: NumericKernels, categorical: CategoricalKernels) -> Mixture:
    """A mixture of the given kernels; ``weights`` (K,) need not be normalised."""
    weights = np.asarray(weights, dtype=float)
    with np.errstate(divide="ignore"):
        log_weights = np.log(weights / weights.sum())
    return Mixture(log_weights, numeric, categorical)


def neighbour_bandwidths(
    observations: np.ndarray,
    low: np.ndarray,
    high: np.ndarray,
    ranges: np.ndarray,
    min_fraction: float = 0.0,
    consider_endpoints: bool = False,
) -> np.ndarray:
    """Bandwidth of each observation: the larger gap to its sorted neighbours.

    The gaps are taken along each dimension separately. The outermost
    observations use their inner gap only (a gap to a domain bound says
    nothing about the density there) unless ``consider_endpoints``; a lone
    observation uses the distance to the farther bound. Bandwidths are
    clipped to ``[range * max(1 / min(100, n + 2), min_fraction), range]``,
    ``n + 1`` kernels counting the prior.

    Parameters
    ----------
    observations : ndarray of shape (n, d)
        Kernel centres.
    low, high : ndarray of shape (d,)
        Domain bounds (may be infinite).
    ranges : ndarray of shape (d,)
        The scale of each dimension: ``high - low``, or the prior's sigma for
        an unbounded dimension.
    min_fraction : float, default=0.0
        A floor on every bandwidth, as a fraction of ``ranges``.
    consider_endpoints : bool, default=False
        Let the outermost observations also use their gap to the (finite)
        domain bound.

    Returns
    -------
    ndarray of shape (n, d)
    """
    n = observations.shape[0]
    if n == 0:
        return np.empty_like(observations)
    # Sort each dimension as a contiguous row: sorting down the columns of a
    # row-major array is several times slower.
    by_dimension = np.ascontiguousarray(observations.T)
    order = np.argsort(by_dimension, axis=1)
    ordered = np.take_along_axis(by_dimension, order, axis=1)
    if n == 1:
        ordered_sigmas = np.maximum(ordered - low[:, None], high[:, None] - ordered)
    else:
        gaps = np.diff(ordered, axis=1)
        left = np.concatenate([gaps[:, :1], gaps], axis=1)
        right = np.concatenate([gaps, gaps[:, -1:]], axis=1)
        if consider_endpoints:
            left[:, 0] = np.maximum(left[:, 0], np.where(np.isfinite(low), ordered[:, 0] - low, 0.0))
            right[:, -1] = np.maximum(right[:, -1], np.where(np.isfinite(high), high - ordered[:, -1], 0.0))
        ordered_sigmas = np.maximum(left, right)
    sigmas = np.empty_like(ordered_sigmas)
    np.put_along_axis(sigmas, order, ordered_sigmas, axis=1)
    return np.clip(sigmas.T, ranges * max(1.0 / min(100.0, n + 2.0), min_fraction), ranges)


def _choose_kernels(log_weights: np.ndarray, size: int, rng: np.random.Generator) -> np.ndarray:
    cumulative = np.cumsum(np.exp(log_weights - log_weights.max()))
    picks = np.searchsorted(cumulative, rng.random(size) * cumulative[-1], side="right")
    return np.minimum(picks, len(cumulative) - 1)


def _sample_numeric(kernels: NumericKernels, chosen: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    mus, sigmas = kernels.mus[chosen], kernels.sigmas[chosen]
    a = (kernels.low - mus) / sigmas
    b = (kernels.high - mus) / sigmas
    # Reflect kernels whose interval lies above zero so the inverse CDF is
    # evaluated where ndtr is small and keeps its precision.
    reflect = a > 0
    lower = ndtr(np.where(reflect, -b, a))
    upper = ndtr(np.where(reflect, -a, b))
    uniform = lower + rng.random(mus.shape) * (upper - lower)
    z = ndtri(np.clip(uniform, 1e-300, 1.0 - 1e-16))
    z = np.where(reflect, -z, z)
    return np.clip(mus + sigmas * z, kernels.low, kernels.high)


def _sample_categorical(
    kernels: CategoricalKernels, chosen: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    m = len(kernels.n_options)
    if m == 0:
        return np.empty((len(chosen), 0), dtype=np.int64)
    # One running sum over all columns; subtracting each block's starting
    # value gives every dimension its own CDF, compared with its own uniform.
    cumulative = np.cumsum(kernels.probabilities[chosen], axis=1)
    block_start = np.concatenate([np.zeros((len(chosen), 1)), cumulative[:, kernels.offsets[1:] - 1]], axis=1)
    block_of_column = np.repeat(np.arange(m), kernels.n_options)
    uniforms = rng.random((len(chosen), m))
    below = cumulative - block_start[:, block_of_column] < uniforms[:, block_of_column]
    counts = np.add.reduceat(below, kernels.offsets, axis=1)
    return np.minimum(counts, kernels.n_options - 1).astype(np.int64)


def sample(mixture: Mixture, size: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Draw ``size`` points from ``mixture``.

    Returns
    -------
    numeric : ndarray of shape (size, d)
    categorical : ndarray of int, shape (size, m)
        Option indices.
    """
    chosen = _choose_kernels(mixture.log_weights, size, rng)
    return _sample_numeric(mixture.numeric, chosen, rng), _sample_categorical(mixture.categorical, chosen, rng)


def _one_hot(categorical: np.ndarray, kernels: CategoricalKernels) -> np.ndarray:
    n_columns = kernels.probabilities.shape[1]
    codes = np.zeros((categorical.shape[0], n_columns))
    rows = np.arange(categorical.shape[0])[:, None]
    codes[rows, kernels.offsets + categorical] = 1.0
    return codes


def log_pdf(mixture: Mixture, numeric: np.ndarray, categorical: np.ndarray) -> np.ndarray:
    """Log-density of the mixture at ``C`` points.

    Parameters
    ----------
    numeric : ndarray of shape (C, d)
        Points inside the numeric bounds.
    categorical : ndarray of int, shape (C, m)
        Option indices.

    Returns
    -------
    ndarray of shape (C,)
    """
    kernels = mixture.numeric
    n_points = numeric.shape[0]
    log_kernel = np.broadcast_to(mixture.log_weights, (n_points, len(mixture.log_weights))).copy()
    if kernels.mus.shape[1]:
        # sum_d (x - mu)^2 / s^2, expanded so it costs two matrix products.
        squared = (numeric**2) @ kernels.inverse_variances_t
        squared -= 2.0 * (numeric @ kernels.weighted_mus_t)
        squared += kernels.squared_norms
        log_kernel -= 0.5 * np.maximum(squared, 0.0) + kernels.log_normalisers
    if len(mixture.categorical.n_options):
        log_kernel += _one_hot(categorical, mixture.categorical) @ mixture.categorical.log_probabilities_t
    return _logsumexp_rows(log_kernel)


def _logsumexp_rows(values: np.ndarray) -> np.ndarray:
    # scipy.special.logsumexp validates and broadcasts generally; this hot
    # path only needs rows with at least one finite entry.
    top = values.max(axis=1)
    return top + np.log(np.exp(values - top[:, None]).sum(axis=1))
