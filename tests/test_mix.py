"""Tests for hpsk.algorithms.mix."""

import functools

import numpy as np
import pytest

from hpsk import fmin, hp
from hpsk.algorithms import anneal, mix, rand, tpe
from hpsk.algorithms._history import History
from hpsk.space import compile_space
from hpsk.trials import Trials

SPACE = {"x": hp.uniform("x", -5, 5), "c": hp.choice("c", [{"y": hp.uniform("y", 0, 1)}, {"k": hp.randint("k", 0, 3)}])}


def _history(space, n):
    rng = np.random.default_rng(0)
    return History.from_points(space, space.sample(n, rng), rng.random(n))


def test_each_point_comes_from_the_drawn_algorithm():
    def constant(value):
        def suggest(space, history, n, rng):
            return [{"x": value, "c": 1, "k": 0} for _ in range(n)]
        return suggest

    space = compile_space(SPACE)
    points = mix.suggest(space, _history(space, 5), 2000, np.random.default_rng(0),
                         p_suggest=[(0.25, constant(1.0)), (0.75, constant(2.0))])
    share = np.mean([p["x"] == 1.0 for p in points])
    assert abs(share - 0.25) < 0.03


def test_default_mix_is_seeded_distinct_and_valid():
    space = compile_space(SPACE)
    history = _history(space, 30)
    points = mix.suggest(space, history, 8, np.random.default_rng(1))
    assert points == mix.suggest(space, history, 8, np.random.default_rng(1))
    assert len({tuple(sorted(p.items())) for p in points}) == 8
    for p in points:
        assert ("y" in p) == (p["c"] == 0) and ("k" in p) == (p["c"] == 1)


def test_later_algorithms_see_earlier_points_as_pending():
    seen = []

    def recorder(space, history, n, rng):
        seen.append(history.n)
        return rand.suggest(space, history, n, rng)

    space = compile_space(SPACE)
    mix.suggest(space, _history(space, 10), 50, np.random.default_rng(0),
                p_suggest=[(0.5, rand.suggest), (0.5, recorder)])
    assert seen and seen[0] > 10


@pytest.mark.parametrize("p_suggest", [[(0.5, rand.suggest)], [(-0.1, rand.suggest), (1.1, tpe.suggest)], []])
def test_bad_probabilities_are_rejected(p_suggest):
    space = compile_space(SPACE)
    with pytest.raises(ValueError, match="p_suggest|sum to 1"):
        mix.suggest(space, _history(space, 3), 2, np.random.default_rng(0), p_suggest=p_suggest)


def test_mix_runs_through_fmin_with_partial():
    algo = functools.partial(mix.suggest, p_suggest=[(0.2, rand.suggest), (0.5, tpe.suggest),
                                                     (0.3, anneal.suggest)])
    trials = Trials()
    best = fmin(lambda v: v["x"] ** 2, SPACE, algo=algo, max_evals=40, trials=trials, rstate=0,
                show_progressbar=False)
    assert len(trials) == 40 and abs(best["x"]) < 1.0
