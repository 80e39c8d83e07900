"""Multi-fidelity search (hpsk/fidelity.py): rungs nest and stratify, promotion follows
successive halving with one and two workers, and rung records survive storage and fit_iter."""

import collections

import numpy as np
import pytest
from sklearn.datasets import make_classification, make_regression

from hpsk import HyperoptClassifier, HyperoptRegressor
from hpsk.fidelity import RungSchedule, Rungs, nested_order, rung_sizes, rung_splits
from hpsk.stages.validation import resolve_rungs
from hpsk.trials import Trials

FIDELITY = {"min_rows": 150, "eta": 3}


@pytest.fixture(scope="module")
def classification():
    return make_classification(n_samples=3000, n_features=12, n_informative=6, n_classes=3,
                               weights=[0.7, 0.2, 0.1], random_state=0)


def _by_rung(model):
    results = model.cv_results_
    configs = collections.defaultdict(list)  # rung -> the points evaluated on it
    for trial, rung in zip(model.trials_, results["rung"]):
        configs[int(rung)].append(tuple(sorted(trial.point.items())))
    return results, configs


def _promoted_from_the_top_third(model):
    """ASHA's rule, replayed for a one-worker search (each trial finishes before the next
    starts): when a configuration went up from rung k, it was among the best third of the
    rung-k trials finished by then (later trials may push it out; it stays up)."""
    trials = list(model.trials_)
    rungs = model.cv_results_["rung"]
    for promoted, rung in zip(trials, rungs):
        if rung == 0:
            continue
        finished = sorted((t for t, r in zip(trials, rungs) if r == rung - 1 and t.ok and t.tid < promoted.tid),
                          key=lambda t: (t.loss, t.tid))
        best_third = [t.point for t in finished[: len(finished) // 3]]
        if promoted.point not in best_third:
            return False
    return True


def test_rung_sizes_grow_by_eta_up_to_every_row():
    assert rung_sizes(100_000, 2000, 3) == (2000, 6000, 18000, 54000, 100000)
    assert rung_sizes(5000, 2000, 3) == (2000, 5000)
    assert rung_sizes(2500, 2000, 3) == (2500,)  # too few rows for a second rung


def test_subsamples_nest_and_keep_every_class_in_its_share():
    rng = np.random.default_rng(0)
    classes = rng.choice(3, size=20_000, p=[0.8, 0.15, 0.05])
    order = nested_order(np.arange(20_000), classes, rng)
    assert sorted(order) == list(range(20_000))  # a reordering of the rows
    assert set(classes[order[:3]]) == {0, 1, 2}  # every class in the first rows
    for size in (500, 2000, 8000):
        shares = np.bincount(classes[order[:size]], minlength=3) / size
        assert np.allclose(shares, [0.8, 0.15, 0.05], atol=0.01)


def test_rung_splits_cut_only_the_training_rows_and_nest():
    rng = np.random.default_rng(1)
    classes = rng.choice(2, size=1000)
    splits = [(np.arange(0, 800), np.arange(800, 1000)), (np.arange(200, 1000), np.arange(0, 200))]
    rungs = Rungs(rung_sizes(800, 90, 3), 3)
    per_rung = rung_splits(splits, rungs, classes, seed=0)
    assert [len(split[0][0]) for split in per_rung] == [90, 270, 800]
    for fold in range(2):
        trains = [set(per_rung[k][fold][0]) for k in range(3)]
        assert trains[0] < trains[1] < trains[2] == set(splits[fold][0])
        assert all(np.array_equal(per_rung[k][fold][1], splits[fold][1]) for k in range(3))


def test_the_schedule_promotes_the_best_third_once_and_otherwise_starts_new_ones():
    trials = Trials()
    schedule = RungSchedule(Rungs((10, 30, 90), 3), trials)
    tids = trials.add_pending([{"x": float(i)} for i in range(6)], 0.0)
    for tid, loss in zip(tids, [0.5, 0.1, 0.9, 0.3, 0.7, 0.2]):
        trials.finish(tid, status="ok", loss=loss, result={"rung": 0})
    point, rung = schedule.next()
    assert point == {"x": 1.0} and rung == 1  # the best of rung 0
    [promoted] = trials.add_pending([point], 0.0)
    schedule.handed(promoted, 1)
    assert schedule.next() == ({"x": 5.0}, 1)  # two of six may go up: the second best next
    [second] = trials.add_pending([{"x": 5.0}], 0.0)
    schedule.handed(second, 1)
    assert schedule.next() == (None, 0)  # no more: start a new configuration
    trials.finish(promoted, status="ok", loss=0.05, result={"rung": schedule.finished(promoted)})
    assert schedule.next() == (None, 0)  # one finished on rung 1 is not enough to promote from it


def test_two_workers_promote_asynchronously_from_the_best_third_finished():
    # Two evaluations always in flight, finishing in random order: at each promotion the
    # configuration is among the best third of what its rung has finished at that moment.
    rng = np.random.default_rng(0)
    trials = Trials()
    schedule = RungSchedule(Rungs((10, 30, 90, 270), 3), trials)
    running: list[int] = []
    promotions = 0
    while len(trials) < 120:
        while len(running) < 2:
            point, rung = schedule.next()
            if point is None:
                point = {"x": float(rng.uniform())}
            else:
                finished = sorted((t for t in trials if t.ok and t.result["rung"] == rung - 1),
                                  key=lambda t: (t.loss, t.tid))
                assert point in [t.point for t in finished[: len(finished) // 3]]
                assert all(trials[tid].point != point for tid in running)  # not in flight already
                promotions += 1
            [tid] = trials.add_pending([point], 0.0)
            schedule.handed(tid, rung)
            running.append(tid)
        tid = running.pop(int(rng.integers(len(running))))
        rung = schedule.finished(tid)
        loss = (trials[tid].point["x"] - 0.3) ** 2 + rng.normal(scale=0.05 / (rung + 1))
        trials.finish(tid, status="ok", loss=loss, result={"rung": rung})
    rungs = collections.Counter(t.result["rung"] for t in trials if t.ok)
    assert promotions > 20 and rungs[3] >= 1 and rungs[0] > rungs[1] > rungs[2]


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_promotion_follows_successive_halving(classification, n_jobs):
    X, y = classification
    model = HyperoptClassifier(classifier="k_neighbors_classifier", max_evals=30, cv=0.25, ensemble_size=0,
                               fidelity=FIDELITY, n_jobs=n_jobs, random_state=0).fit(X, y)
    results, configs = _by_rung(model)
    assert set(zip(results["rung"], results["n_rows"])) <= {(0, 150), (1, 450), (2, 2250)}  # 1350 is too near 2250
    assert len(configs[0]) >= 15  # most trials are cheap first looks
    for rung in range(1, 3):
        assert len(set(configs[rung])) == len(configs[rung])  # no configuration twice on a rung
        assert set(configs[rung]) <= set(configs[rung - 1])  # promoted from the rung below
    assert configs[1] and (n_jobs > 1 or _promoted_from_the_top_third(model))
    # The winner comes from the highest rung reached, which ranks first.
    top = results["rung"].max()
    assert results["rung"][model.best_index_] == top
    assert results["rank_test_score"][model.best_index_] == 1
    assert model.leaderboard()["rung"].iloc[0] == top
    assert model.score(X, y) > 0.8


def test_rung_records_survive_storage_and_the_search_resumes_promoting(classification, tmp_path):
    X, y = classification
    path = tmp_path / "search.db"

    def search(max_evals):
        return HyperoptClassifier(classifier="k_neighbors_classifier", max_evals=max_evals, ensemble_size=0,
                                  cv=0.25, fidelity=FIDELITY, storage=path, random_state=0).fit(X, y)

    first = search(12)
    resumed = search(24)
    assert len(resumed.trials_) == 24
    assert list(resumed.cv_results_["rung"][:12]) == list(first.cv_results_["rung"])
    assert [t.start_time for t in resumed.trials_][:12] == [t.start_time for t in first.trials_]
    _, configs = _by_rung(resumed)
    assert set(configs[1]) <= set(configs[0]) and _promoted_from_the_top_third(resumed)
    assert len(configs[1]) > len(_by_rung(first)[1][1])  # promotions went on after the resume


def test_fit_iter_keeps_rung_records_between_steps():
    X, y = make_regression(n_samples=2000, n_features=8, noise=5.0, random_state=0)
    model = HyperoptRegressor(regressor="ridge", preprocessing=[], cv=0.25, fidelity=FIDELITY,
                              random_state=0)
    steps = model.fit_iter(X, y, increment=6)
    next(steps)
    next(steps)
    first = list(model.cv_results_["rung"])
    next(steps)
    assert len(model.trials_) == 12 and list(model.cv_results_["rung"][:6]) == first
    assert set(model.cv_results_["rung"]) >= {0, 1}  # steps go on promoting
    assert model.predict(X[:5]).shape == (5,)


def test_auto_fidelity_needs_large_data_and_a_time_budget():
    assert resolve_rungs("auto", 100_000, time_budget=None) is None  # max_evals counts trials as before
    assert resolve_rungs("auto", 15_000, time_budget=60) is None  # small: every trial on every row
    rungs = resolve_rungs("auto", 100_000, time_budget=60)
    assert rungs is not None and rungs.sizes[0] == 2000 and rungs.sizes[-1] == 100_000
    assert resolve_rungs(None, 10**6, time_budget=60) is None
    assert resolve_rungs({"min_rows": 500, "eta": 2}, 4000, time_budget=None).sizes == (500, 1000, 2000, 4000)


def test_a_search_without_rungs_has_no_rung_columns(classification):
    X, y = classification
    model = HyperoptClassifier(classifier="k_neighbors_classifier", max_evals=3, random_state=0).fit(X, y)
    assert "rung" not in model.cv_results_ and "rung" not in model.leaderboard().columns


@pytest.mark.parametrize("fidelity", [{"min_rows": 1}, {"rows": 100}, {"eta": 2.5}, "on"])
def test_a_bad_fidelity_says_what_it_takes(classification, fidelity):
    X, y = classification
    with pytest.raises(ValueError, match="fidelity"):
        HyperoptClassifier(classifier="k_neighbors_classifier", max_evals=2, fidelity=fidelity).fit(X, y)


def test_the_winner_is_one_that_can_be_refitted_in_the_time_left():
    from hpsk.evaluation import PipelineObjective, ValidationScorer
    from hpsk.space import compile_space
    from hpsk.stages.selection import select_winner

    X, y = make_regression(n_samples=1000, n_features=3, random_state=0)
    objective = PipelineObjective(X, y, None, [(np.arange(800), np.arange(800, 1000))],
                                  ValidationScorer("r2", None, False), seed=0)
    trials = Trials()
    tids = trials.add_pending([{"x": 0.0}, {"x": 1.0}, {"x": 2.0}], 0.0)
    for tid, loss, seconds, rung in [(0, -0.9, 10.0, 1), (1, -0.8, 0.1, 1), (2, -0.95, 0.01, 0)]:
        trials.finish(tid, status="ok", loss=loss, result={"rung": rung, "n_rows": 100, "fit_time": seconds})

    def winner(refit_within):
        return select_winner(trials, compile_space({}), objective, None, None, 0, None, 0,
                             refit_within=refit_within).best.tid

    assert winner(None) == 0  # the best of the highest rung; rung 0's better score does not count
    assert winner(5.0) == 1  # trial 0 would take about 100 s on 1,000 rows
    assert winner(0.5) == 2  # none on rung 1 fits: the best on the rung below that does
    assert winner(0.01) == 2  # none fits at all: the cheapest
