"""SQLite storage: every trial written as it finishes, resume after a crash, wrong-file errors."""

import json
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time

import pytest
from sklearn.datasets import load_iris

from hpsk import HyperoptClassifier
from hpsk.storage import SQLiteStorage

SCRIPT = textwrap.dedent("""
    import sys, time
    from sklearn.datasets import load_iris
    from sklearn.metrics import accuracy_score
    from hpsk import HyperoptClassifier

    def slow_loss(y_true, y_pred):  # about 0.5 s per trial over 5 folds
        time.sleep(0.1)
        return 1 - accuracy_score(y_true, y_pred)

    if __name__ == "__main__":
        X, y = load_iris(return_X_y=True)
        model = HyperoptClassifier(classifier="svc", max_evals=int(sys.argv[2]),
                                   loss_fn=slow_loss, cv=5, random_state=0, storage=sys.argv[1])
        model.fit(X, y)
        print("trials", len(model.trials_), model.best_score_)
""")


def _rows(path):
    with sqlite3.connect(path) as db:
        return db.execute("SELECT number, status, loss, point FROM trials ORDER BY number").fetchall()


def _model(path, **kwargs):
    kwargs = {"classifier": "k_neighbors_classifier", "max_evals": 6, "random_state": 0, **kwargs}
    return HyperoptClassifier(storage=path, **kwargs)


@pytest.mark.timeout(240)
def test_a_search_killed_with_sigkill_resumes_from_its_storage(tmp_path):
    script, db = tmp_path / "search.py", tmp_path / "search.db"
    script.write_text(SCRIPT)
    process = subprocess.Popen([sys.executable, str(script), str(db), "24"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    give_up = time.monotonic() + 150
    while time.monotonic() < give_up and process.poll() is None:
        time.sleep(0.2)
        try:
            if len(_rows(db)) >= 5:
                break
        except sqlite3.Error:  # not created yet
            pass
    assert process.poll() is None, process.communicate()
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    before = _rows(db)
    assert 5 <= len(before) < 24

    resumed = subprocess.run([sys.executable, str(script), str(db), "24"], capture_output=True,
                             text=True, timeout=200)
    assert resumed.returncode == 0, resumed.stderr
    assert "trials 24" in resumed.stdout
    after = _rows(db)
    assert len(after) == 24
    assert after[: len(before)] == before  # every finished trial kept as it was
    points = [row[3] for row in after]
    assert len(set(points)) == len(points)  # none proposed again (SVC's C is continuous)
    assert all(json.loads(point) for point in points)  # JSON, not pickles


def test_the_same_storage_continues_to_max_evals(tmp_path):
    X, y = load_iris(return_X_y=True)
    db = tmp_path / "s.db"
    first = _model(db).fit(X, y)
    second = _model(db, max_evals=10).fit(X, y)
    assert len(first.trials_) == 6 and len(second.trials_) == 10
    assert [t.point for t in second.trials_[:6]] == [t.point for t in first.trials_]
    assert [t.loss for t in second.trials_[:6]] == pytest.approx([t.loss for t in first.trials_])
    assert len(SQLiteStorage(db)) == 10
    # warm_start runs max_evals more on top of the stored ones.
    third = _model(db, max_evals=3).fit(X, y, warm_start=True)
    assert len(third.trials_) == 13 and len(SQLiteStorage(db)) == 13


def test_a_storage_made_for_other_data_or_another_space_is_refused(tmp_path):
    X, y = load_iris(return_X_y=True)
    db = tmp_path / "s.db"
    _model(db, max_evals=3).fit(X, y)
    with pytest.raises(ValueError, match="other data or validation settings"):
        _model(db).fit(X[:120], y[:120])
    with pytest.raises(ValueError, match="other data or validation settings"):
        _model(db, cv=3).fit(X, y)
    with pytest.raises(ValueError, match="another search space"):
        _model(db, classifier="svc").fit(X, y)
    assert len(SQLiteStorage(db)) == 3  # nothing mixed in


def test_a_file_that_is_not_a_storage_is_refused(tmp_path):
    X, y = load_iris(return_X_y=True)
    bogus = tmp_path / "notes.db"
    bogus.write_text("not a database at all, just text " * 100)
    with pytest.raises(ValueError, match="not an hpsk SQLite storage"):
        _model(bogus).fit(X, y)


def test_warm_start_proposes_new_points():
    X, y = load_iris(return_X_y=True)
    model = HyperoptClassifier(classifier="k_neighbors_classifier", max_evals=5, random_state=0)
    model.fit(X, y)
    model.fit(X, y, warm_start=True)
    points = [tuple(sorted(t.point.items())) for t in model.trials_]
    assert len(points) == 10 and len(set(points)) == 10


def test_fit_iter_runs_trials_step_by_step_and_predicts_between_steps():
    X, y = load_iris(return_X_y=True)
    model = HyperoptClassifier(classifier="k_neighbors_classifier", random_state=0)
    steps = model.fit_iter(X, y, increment=2)
    assert len(next(steps)) == 0
    assert len(next(steps)) == 2 and model.score(X, y) > 0.8
    assert len(steps.send(3)) == 5
    assert len(next(steps)) == 7 and len({t.tid for t in model.trials_}) == 7
    with pytest.raises(ValueError, match="positive int"):
        steps.send(0)
