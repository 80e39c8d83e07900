"""Tests for hpsk.algorithms.anneal."""

import functools
import math

import numpy as np

from hpsk import fmin, hp
from hpsk.algorithms import anneal, rand
from hpsk.algorithms._history import FAILED, OK, PENDING, History
from hpsk.space import compile_space
from hpsk.trials import Trials

SPACE = {
    "u": hp.uniform("u", -2, 3),
    "qu": hp.quniform("qu", 0, 20, 2.5),
    "lu": hp.loguniform("lu", math.log(1e-3), math.log(10)),
    "qlu": hp.qloguniform("qlu", 0, math.log(500), 5),
    "n": hp.normal("n", 1, 2),
    "ln": hp.qlognormal("ln", 0, 1, 1),
    "ri": hp.randint("ri", 3, 9),
    "model": hp.choice("model", [{"x": hp.uniform("a.x", 0, 1)}, {"k": hp.randint("b.k", 0, 4)}]),
}


def _history(space, n, seed=0):
    rng = np.random.default_rng(seed)
    return History.from_points(space, space.sample(n, rng), rng.random(n))


def test_proposals_respect_bounds_types_and_branches():
    space = compile_space(SPACE)
    points = anneal.suggest(space, _history(space, 40), 50, np.random.default_rng(1))
    assert len(points) == 50
    for p in points:
        assert -2 <= p["u"] <= 3
        assert p["qu"] % 2.5 == 0 and 0 <= p["qu"] <= 20
        assert 1e-3 <= p["lu"] <= 10
        assert p["qlu"] % 5 == 0 and p["qlu"] <= 500
        assert p["ln"] % 1 == 0 and math.isfinite(p["n"])
        assert isinstance(p["ri"], int) and 3 <= p["ri"] < 9
        assert ("a.x" in p) == (p["model"] == 0) and ("b.k" in p) == (p["model"] == 1)
        if "b.k" in p:
            assert isinstance(p["b.k"], int) and 0 <= p["b.k"] < 4


def test_proposals_concentrate_near_the_best_trial_as_trials_accumulate():
    space = compile_space({"x": hp.uniform("x", 0, 100)})
    xs = np.linspace(0, 100, 200)
    history = History.from_points(space, [{"x": x} for x in xs], np.abs(xs - 37.0))
    points = anneal.suggest(space, history, 200, np.random.default_rng(0))
    # 200 observations shrink the window to 1/21 of the range around good points.
    assert np.median([abs(p["x"] - 37.0) for p in points]) < 5


def test_same_seed_same_proposals_and_failures_do_not_break_it():
    space = compile_space(SPACE)
    rng = np.random.default_rng(0)
    points = space.sample(20, rng)
    losses = list(rng.random(20))
    losses[2], losses[4] = float("nan"), float("inf")
    status = [OK] * 20
    status[10:15] = [PENDING] * 5
    status[2] = status[4] = FAILED
    history = History.from_points(space, points, losses, status=status)
    first = anneal.suggest(space, history, 6, np.random.default_rng(5))
    assert first == anneal.suggest(space, history, 6, np.random.default_rng(5))
    nothing_finished = History.from_points(space, points, [None] * 20)
    assert len(anneal.suggest(space, nothing_finished, 3, rng)) == 3


def test_anneal_beats_random_search_through_fmin():
    def loss(v):
        return (v["u"] - 1.3) ** 2 + (math.log10(v["lu"]) + 1) ** 2

    space = {"u": hp.uniform("u", -2, 3), "lu": hp.loguniform("lu", math.log(1e-3), math.log(10))}

    def mean_best(algo):
        bests = []
        for seed in range(5):
            trials = Trials()
            fmin(loss, space, algo=algo, max_evals=80, trials=trials, rstate=seed, show_progressbar=False)
            bests.append(min(t.loss for t in trials if t.ok))
        return np.mean(bests)

    algo = functools.partial(anneal.suggest, avg_best_idx=1.5, shrink_coef=0.2)
    assert mean_best(algo) < 0.5 * mean_best(rand.suggest)


def test_branches_never_tried_get_all_their_parameters():
    from hpsk.components import any_classifier
    from hpsk.space import compile_space, space_eval

    space = compile_space(any_classifier("clf"))
    # History only ever used option 0; anneal may still move to other options.
    points = [p for p in space.sample(200, np.random.default_rng(0)) if p["clf"] == 0][:15]
    history = History.from_points(space, points, list(np.linspace(0.1, 0.5, len(points))))
    for seed in range(10):
        for point in anneal.suggest(space, history, 8, np.random.default_rng(seed)):
            space_eval(space.space, point)  # raises if an active label is missing
