"""Tests for the batched Parzen mixtures in hpsk.algorithms._parzen."""

import numpy as np
import pytest
from scipy.stats import truncnorm

from hpsk.algorithms import _parzen


def _mixture(mus, sigmas, low, high, weights, table=None, n_options=()):
    numeric = _parzen.numeric_kernels(np.asarray(mus, float), np.asarray(sigmas, float),
                                      np.asarray(low, float), np.asarray(high, float))
    k = len(weights)
    table = np.empty((k, 0)) if table is None else np.asarray(table, float)
    categorical = _parzen.categorical_kernels(table, np.asarray(n_options, dtype=np.int64))
    return _parzen.mixture(np.asarray(weights, float), numeric, categorical)


def test_log_pdf_matches_scipy_truncnorm_mixture():
    mus = [[0.2, 0.9], [0.7, 0.1], [0.5, 0.5]]
    sigmas = [[0.1, 0.3], [0.05, 0.2], [1.0, 1.0]]
    low, high = np.array([0.0, 0.0]), np.array([1.0, 1.0])
    weights = np.array([1.0, 2.0, 0.5])
    mixture = _mixture(mus, sigmas, low, high, weights)
    x = np.random.default_rng(0).random((7, 2))
    expected = np.zeros(7)
    for k in range(3):
        density = np.ones(7)
        for j in range(2):
            m, s = mus[k][j], sigmas[k][j]
            density *= truncnorm.pdf(x[:, j], (low[j] - m) / s, (high[j] - m) / s, loc=m, scale=s)
        expected += weights[k] / weights.sum() * density
    np.testing.assert_allclose(_parzen.log_pdf(mixture, x, np.empty((7, 0), int)), np.log(expected), rtol=1e-9)


def test_unbounded_kernels_are_plain_normals():
    mixture = _mixture([[0.0]], [[2.0]], [-np.inf], [np.inf], [1.0])
    x = np.array([[-1.0], [0.0], [3.0]])
    expected = -0.5 * (x[:, 0] / 2.0) ** 2 - np.log(2.0) - 0.5 * np.log(2 * np.pi)
    np.testing.assert_allclose(_parzen.log_pdf(mixture, x, np.empty((3, 0), int)), expected)


def test_samples_stay_inside_each_truncation_and_follow_the_kernels():
    rng = np.random.default_rng(1)
    mixture = _mixture([[0.95, -1.0]], [[0.5, 0.01]], [0.0, -1.0], [1.0, 3.0], [1.0])
    numeric, categorical = _parzen.sample(mixture, 20000, rng)
    assert numeric.shape == (20000, 2) and categorical.shape == (20000, 0)
    assert np.all((numeric >= [0.0, -1.0]) & (numeric <= [1.0, 3.0]))
    # The second kernel sits on its lower bound: the half-normal's mean.
    assert abs(numeric[:, 1].mean() - (-1.0 + 0.01 * np.sqrt(2 / np.pi))) < 1e-3
    a, b = (0.0 - 0.95) / 0.5, (1.0 - 0.95) / 0.5
    assert abs(numeric[:, 0].mean() - truncnorm.mean(a, b, loc=0.95, scale=0.5)) < 0.01


def test_categorical_kernels_sample_and_score_every_dimension():
    # Two kernels over two categorical dimensions of 2 and 3 options.
    table = [[0.9, 0.1, 0.2, 0.3, 0.5], [0.1, 0.9, 1.0, 0.0, 0.0]]
    mixture = _mixture(np.empty((2, 0)), np.empty((2, 0)), [], [], [3.0, 1.0], table, (2, 3))
    rng = np.random.default_rng(2)
    _, codes = _parzen.sample(mixture, 40000, rng)
    assert codes.shape == (40000, 2)
    assert codes[:, 0].max() <= 1 and codes[:, 1].max() <= 2
    assert abs(np.mean(codes[:, 0] == 0) - (0.75 * 0.9 + 0.25 * 0.1)) < 0.01
    assert abs(np.mean(codes[:, 1] == 0) - (0.75 * 0.2 + 0.25 * 1.0)) < 0.01
    points = np.array([[0, 2], [1, 0], [1, 1]])
    expected = np.log(0.75 * np.array([0.9 * 0.5, 0.1 * 0.2, 0.1 * 0.3]) + 0.25 * np.array([0.0, 0.9, 0.0]))
    np.testing.assert_allclose(_parzen.log_pdf(mixture, np.empty((3, 0)), points), expected)


def test_zero_probability_options_are_never_drawn_and_score_finite():
    mixture = _mixture(np.empty((1, 0)), np.empty((1, 0)), [], [], [1.0], [[0.5, 0.0, 0.5]], (3,))
    _, codes = _parzen.sample(mixture, 5000, np.random.default_rng(3))
    assert not np.any(codes == 1)
    assert np.isfinite(_parzen.log_pdf(mixture, np.empty((1, 0)), np.array([[1]]))).all()


def test_mass_of_far_tail_kernels_is_accurate():
    mixture = _mixture([[-40.0]], [[1.0]], [0.0], [1.0], [1.0])
    # Phi(-39) - Phi(-40) in log space, from the asymptotic series.
    assert np.isfinite(mixture.numeric.log_normalisers).all()
    x = np.array([[0.0]])
    assert np.isfinite(_parzen.log_pdf(mixture, x, np.empty((1, 0), int))).all()
    numeric, _ = _parzen.sample(mixture, 100, np.random.default_rng(4))
    assert np.all((numeric >= 0.0) & (numeric <= 1.0))
    assert numeric.mean() < 0.1  # the mass piles up at the bound nearest the kernel


@pytest.mark.parametrize("n", [1, 2, 5])
def test_neighbour_bandwidths(n):
    rng = np.random.default_rng(n)
    observations = rng.random((n, 3))
    sigmas = _parzen.neighbour_bandwidths(observations, np.zeros(3), np.ones(3), np.ones(3))
    assert sigmas.shape == (n, 3)
    assert np.all(sigmas >= 1.0 / min(100, n + 2) - 1e-12) and np.all(sigmas <= 1.0)
    if n == 5:
        column = observations[:, 0]
        order = np.argsort(column)
        gaps = np.diff(column[order])
        middle = order[2]
        expected = max(gaps[1], gaps[2], 1.0 / 7)
        assert sigmas[middle, 0] == pytest.approx(expected)


def test_neighbour_bandwidth_floor_and_endpoints():
    observations = np.array([[0.3], [0.5], [0.52], [0.9]])
    low, high, ranges = np.zeros(1), np.ones(1), np.ones(1)
    plain = _parzen.neighbour_bandwidths(observations, low, high, ranges)[:, 0]
    # Outermost points use their inner gap only; the clip floor is 1 / (n + 2).
    np.testing.assert_allclose(plain, [0.2, 0.2, 0.38, 0.38])
    floored = _parzen.neighbour_bandwidths(observations, low, high, ranges, min_fraction=0.3)[:, 0]
    np.testing.assert_allclose(floored, [0.3, 0.3, 0.38, 0.38])
    ends = _parzen.neighbour_bandwidths(observations, low, high, ranges, consider_endpoints=True)[:, 0]
    np.testing.assert_allclose(ends, [0.3, 0.2, 0.38, 0.38])
    # An unbounded dimension has no endpoint to reach.
    inf = np.array([np.inf])
    unbounded = _parzen.neighbour_bandwidths(observations, -inf, inf, ranges, consider_endpoints=True)[:, 0]
    np.testing.assert_allclose(unbounded, plain)
