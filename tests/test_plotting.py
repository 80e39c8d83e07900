"""hpsk.plotting: each plot rendered to PNG from a real search, checked by what it draws."""

import sys

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from sklearn.datasets import load_iris  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

from hpsk import HyperoptClassifier, Trials, fmin, hp, rand  # noqa: E402
from hpsk.components import any_classifier  # noqa: E402
from hpsk.plotting import (  # noqa: E402
    hyperparameter_importance,
    plot_history,
    plot_importance,
    plot_learners,
    plot_parameter,
)

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def learner_space():
    return any_classifier("clf")


@pytest.fixture(scope="module")
def search(learner_space):
    X, y = load_iris(return_X_y=True)
    # One native thread: OpenMP pools that spin on a busy machine slow the refit.
    with threadpool_limits(limits=1):
        return HyperoptClassifier(classifier=learner_space, max_evals=12, algo=rand.suggest,
                                  random_state=0).fit(X, y)


@pytest.fixture(scope="module")
def quadratic_trials():
    """A fast search whose loss depends on ``x`` only; ``noise`` is irrelevant."""
    trials = Trials()
    space = {"x": hp.loguniform("x", np.log(1e-3), np.log(1e2)),
             "noise": hp.uniform("noise", 0, 1),
             "kind": hp.choice("kind", ["a", "b"])}
    fmin(lambda p: (np.log10(p["x"]) - 0.5) ** 2, space, algo=rand.suggest, max_evals=40,
         trials=trials, rstate=0, show_progressbar=False)
    return trials


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def _render(ax, path):
    ax.figure.savefig(path)
    with open(path, "rb") as f:
        assert f.read(8) == PNG_MAGIC
    return path


def _collection(ax, label):
    matches = [c for c in ax.collections if c.get_label() == label]
    assert len(matches) == 1, [c.get_label() for c in ax.collections]
    return matches[0]


def test_history_draws_every_successful_trial_and_the_running_best(search, tmp_path):
    ax = plot_history(search)
    _render(ax, tmp_path / "history.png")
    ok = [t for t in search.trials_ if t.ok]
    points = _collection(ax, "trial").get_offsets()
    assert len(points) == len(ok)
    np.testing.assert_allclose(points[:, 0], [t.tid for t in ok])
    np.testing.assert_allclose(points[:, 1], [-t.loss for t in ok])
    (best_line,) = [line for line in ax.get_lines() if line.get_label() == "best so far"]
    best = best_line.get_ydata()
    assert np.all(np.diff(best) >= 0)
    assert best[-1] == pytest.approx(max(-t.loss for t in ok))
    chosen = _collection(ax, "chosen").get_offsets()
    assert chosen[0, 0] == search.best_index_
    assert chosen[0, 1] == pytest.approx(-search.trials_[search.best_index_].loss)
    assert "score" in ax.get_ylabel() and "higher is better" in ax.get_ylabel()
    assert ax.get_xlabel() == "trial"


def test_history_of_a_multi_fidelity_search_colours_the_rungs(tmp_path):
    X, y = load_iris(return_X_y=True)
    X, y = np.repeat(X, 10, axis=0), np.repeat(y, 10)  # 1,500 rows: rungs of 120, 360 and 1,125
    model = HyperoptClassifier(classifier="k_neighbors_classifier", max_evals=25, cv=0.25, ensemble_size=0,
                               fidelity={"min_rows": 120, "eta": 3}, random_state=0).fit(X, y)
    ax = plot_history(model)
    _render(ax, tmp_path / "history_rungs.png")
    rungs = model.cv_results_["rung"]
    for rung, rows in sorted(set(zip(rungs, model.cv_results_["n_rows"]))):
        points = _collection(ax, f"rung {rung} ({rows:,} rows)").get_offsets()
        assert sorted(points[:, 0]) == [t.tid for t in model.trials_ if t.ok and t.result["rung"] == rung]
    (best_line,) = [line for line in ax.get_lines() if line.get_label() == "best so far"]
    top = [t for t in model.trials_ if t.ok and t.result["rung"] == rungs.max()]
    assert list(best_line.get_xdata()) == [t.tid for t in top]  # the highest rung reached


def test_history_of_trials_plots_losses_with_a_decreasing_best(quadratic_trials, tmp_path):
    ax = plot_history(quadratic_trials)
    _render(ax, tmp_path / "history_loss.png")
    (best_line,) = [line for line in ax.get_lines() if line.get_label() == "best so far"]
    assert np.all(np.diff(best_line.get_ydata()) <= 0)
    assert best_line.get_ydata()[-1] == pytest.approx(quadratic_trials.best_trial.loss)
    assert "loss" in ax.get_ylabel()
    assert len(_collection(ax, "trial").get_offsets()) == 40


def test_history_draws_on_the_given_axes(search):
    fig, (left, right) = plt.subplots(1, 2)
    assert plot_history(search, ax=right) is right
    assert not left.collections


def test_learners_has_one_column_per_family_best_first(search, tmp_path):
    ax = plot_learners(search)
    _render(ax, tmp_path / "learners.png")
    ok = [t for t in search.trials_ if t.ok]
    families = {t.result["learner"] for t in ok}
    labels = [tick.get_text() for tick in ax.get_xticklabels()]
    assert sorted(labels) == sorted(families)
    assert labels[0] == search.trials_[search.best_index_].result["learner"]
    assert sum(len(c.get_offsets()) for c in ax.collections) == len(ok)
    for column, family in enumerate(labels):
        offsets = _collection(ax, family).get_offsets()
        assert len(offsets) == sum(t.result["learner"] == family for t in ok)
        assert np.all(np.abs(offsets[:, 0] - column) <= 0.15)


def test_learners_needs_an_estimator_search(quadratic_trials):
    with pytest.raises(ValueError, match="learner"):
        plot_learners(quadratic_trials)


def test_parameter_names_the_options_of_a_choice(search, learner_space, tmp_path):
    ax = plot_parameter(search, "clf", space=learner_space)
    _render(ax, tmp_path / "parameter_choice.png")
    labels = [tick.get_text() for tick in ax.get_xticklabels()]
    assert "RandomForestClassifier" in labels and "LogisticRegression" in labels
    points = _collection(ax, "trial").get_offsets()
    assert len(points) == search.trials_.n_ok
    # every trial sits at the tick of the learner it used
    for (x, _), trial in zip(points, [t for t in search.trials_ if t.ok]):
        assert labels[int(x)] == trial.result["learner"]


def test_parameter_plots_active_trials_and_marks_the_best(quadratic_trials, tmp_path):
    ax = plot_parameter(quadratic_trials, "x")
    _render(ax, tmp_path / "parameter.png")
    points = _collection(ax, "trial").get_offsets()
    np.testing.assert_allclose(points[:, 0], [t.point["x"] for t in quadratic_trials])
    best = _collection(ax, "best").get_offsets()
    assert best[0, 0] == pytest.approx(quadratic_trials.best_trial.point["x"])
    assert ax.get_xscale() == "log"  # the values span five decades
    assert ax.get_xlabel() == "x"


def test_parameter_counts_only_trials_where_the_label_is_active(search):
    label = "clf.logistic_regression.C"
    active = [t for t in search.trials_ if t.ok and label in t.point]
    assert active, "the fixture search should have tried a logistic regression"
    ax = plot_parameter(search, label)
    assert len(_collection(ax, "trial").get_offsets()) == len(active)


def test_parameter_unknown_label_suggests_close_ones(quadratic_trials):
    with pytest.raises(ValueError, match=r"'nois'.*Did you mean 'noise'"):
        plot_parameter(quadratic_trials, "nois")


def test_importance_finds_the_parameter_that_matters(quadratic_trials):
    importance = hyperparameter_importance(quadratic_trials)
    assert list(importance)[0] == "x"
    assert sum(value for value, _ in importance.values()) == pytest.approx(1.0)
    assert importance["x"][0] > 3 * importance["noise"][0]


def test_importance_plot_has_one_bar_per_parameter_most_important_on_top(
        quadratic_trials, search, tmp_path):
    ax = plot_importance(quadratic_trials)
    _render(ax, tmp_path / "importance.png")
    assert len(ax.patches) == 3
    assert [t.get_text() for t in ax.get_yticklabels()][-1] == "x"
    widths = [patch.get_width() for patch in ax.patches]
    assert widths == sorted(widths)

    ax = plot_importance(search, max_params=4)
    _render(ax, tmp_path / "importance_search.png")
    assert len(ax.patches) == 4
    shown = [t.get_text() for t in ax.get_yticklabels()]
    assert set(shown) <= {label for t in search.trials_ for label in t.point}


def test_importance_needs_varied_losses():
    trials = Trials()
    fmin(lambda p: 1.0, hp.uniform("x", 0, 1), algo=rand.suggest, max_evals=5, trials=trials,
         rstate=0, show_progressbar=False)
    with pytest.raises(ValueError, match="same loss"):
        hyperparameter_importance(trials)


def test_plots_reject_what_is_not_a_search():
    with pytest.raises(TypeError, match="fitted hpsk estimator or an hpsk.Trials"):
        plot_history(HyperoptClassifier())


def test_missing_matplotlib_names_the_plot_extra(search, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match=r'pip install "hpsk\[plot\]"'):
        plot_history(search)


def test_plots_use_only_public_names_of_other_modules():
    import ast

    import hpsk.leaderboard
    import hpsk.plotting

    tree = ast.parse(open(hpsk.plotting.__file__).read())
    imported = [(node.module, alias.name) for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
                for alias in node.names]
    assert imported and not [(m, n) for m, n in imported if n.startswith("_") and n != "annotations"]
    # one way to get a search's trials, shared with the leaderboard
    assert hpsk.plotting.trials_of is hpsk.leaderboard.trials_of
    assert not hasattr(hpsk.plotting, "_trials_of") and not hasattr(hpsk.leaderboard, "_trials_of")
