"""A search's trials in an SQLite file, so a long search survives a crash.

``HyperoptEstimator(storage="search.db")`` writes each trial to the file the
moment it finishes; fitting again with the same storage (after Ctrl-C, a
``SIGKILL`` or a reboot) loads the finished trials and runs only the rest of
the budget. The file is written by the driver process alone (workers never
touch it), through the standard library's ``sqlite3`` in WAL mode, with one
committed transaction per trial. Points and results are stored as JSON,
never pickles, so a file can be read by any SQLite client and loading one
runs no code.

A storage remembers what it was made for: a digest of the search space and
one of the data and validation settings. Opening it for another space or
other data raises an error instead of mixing incomparable losses.
"""

from __future__ import annotations

import hashlib
import json
import math
import sqlite3
import time
from pathlib import Path
from typing import Any, Iterable, Mapping

import numpy as np

from .space import CompiledSpace
from .trials import Trial, Trials

__all__ = ["SQLiteStorage", "space_digest"]

_FORMAT = "hpsk-trials-1"


def space_digest(space: CompiledSpace) -> str:
    """A digest of what a point means: every label, its distribution and when it is active."""
    parts = [f"{label}|{node.dist!r}|{space.conditions[label]!r}" for label, node in space.nodes.items()]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _plain(value: Any) -> Any:
    """``value`` made JSON-safe: numpy numbers and arrays become Python ones, the rest text."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    return str(value)


class SQLiteStorage:
    """The trials of one search in an SQLite file.

    Parameters
    ----------
    path : str or path-like
        The file; created (with its folder) when missing.

    Examples
    --------
    >>> from hpsk import HyperoptClassifier
    >>> model = HyperoptClassifier(storage="search.db", max_evals=50)  # doctest: +SKIP
    >>> model.fit(X, y)  # killed after 20 trials ...                 # doctest: +SKIP
    >>> model.fit(X, y)  # ... loads them and runs the other 30       # doctest: +SKIP
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._db = sqlite3.connect(self.path, timeout=30)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            with self._db:
                self._db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")
                self._db.execute(
                    "CREATE TABLE IF NOT EXISTS trials (number INTEGER PRIMARY KEY AUTOINCREMENT, "
                    "status TEXT NOT NULL, loss REAL, point TEXT NOT NULL, result TEXT, error TEXT, "
                    "start_time REAL, duration REAL)")
        except sqlite3.DatabaseError as error:
            raise ValueError(f"storage {str(self.path)!r} is not an hpsk SQLite storage: {error}") from None

    # ---- what the storage is for ------------------------------------------

    def meta(self) -> dict[str, str]:
        return dict(self._db.execute("SELECT key, value FROM meta"))

    def claim(self, **expected: str) -> dict[str, str]:
        """Check that this storage was made for ``expected`` (or make it so); return its meta.

        Raises
        ------
        ValueError
            If the file was made by a search over another space or other data.
        """
        meta = self.meta()
        if meta and meta.get("format") != _FORMAT:
            raise ValueError(f"storage {str(self.path)!r} was not written by hpsk "
                             f"(format {meta.get('format')!r}).")
        for key, value in expected.items():
            if key in meta and meta[key] != value:
                what = {"space": "another search space", "data": "other data or validation settings"}
                raise ValueError(
                    f"storage {str(self.path)!r} holds trials of {what.get(key, 'another ' + key)}; "
                    f"its {key} digest is {meta[key][:12]}..., this search's is {value[:12]}... "
                    "Use a new file to start this search, or the data and space it was made for.")
        new = {"format": _FORMAT, "created": time.strftime("%Y-%m-%d %H:%M:%S"), **expected}
        with self._db:
            self._db.executemany("INSERT OR IGNORE INTO meta VALUES (?, ?)", list(new.items()))
        return self.meta()

    def set_meta(self, key: str, value: str) -> None:
        with self._db:
            self._db.execute("INSERT OR IGNORE INTO meta VALUES (?, ?)", (key, value))

    # ---- trials -------------------------------------------------------------

    def __len__(self) -> int:
        return int(self._db.execute("SELECT COUNT(*) FROM trials").fetchone()[0])

    def records(self) -> list[dict[str, Any]]:
        """The stored trials, in the order they finished."""
        rows = self._db.execute("SELECT status, loss, point, result, error, start_time, duration "
                                "FROM trials ORDER BY number")
        return [{"status": status, "loss": loss, "point": json.loads(point),
                 "result": json.loads(result) if result else {}, "error": error,
                 "start_time": start_time or 0.0, "duration": duration}
                for status, loss, point, result, error, start_time, duration in rows]

    def load_into(self, trials: Trials) -> int:
        """Append the stored trials to ``trials``; return how many."""
        records = self.records()
        for record in records:
            [tid] = trials.add_pending([record["point"]], record["start_time"])
            trials.finish(tid, status=record["status"], loss=record["loss"], result=record["result"],
                          error=record["error"], duration=record["duration"])
        return len(records)

    def append(self, trial: Trial) -> None:
        """Write one finished trial (one committed transaction)."""
        with self._db:
            self._db.execute(
                "INSERT INTO trials (status, loss, point, result, error, start_time, duration) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (trial.status, trial.loss, json.dumps(_plain(trial.point)),
                 json.dumps(_plain(trial.result)), trial.error, trial.start_time, trial.duration))

    def extend(self, trials: Iterable[Trial]) -> None:
        for trial in trials:
            self.append(trial)

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> "SQLiteStorage":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"SQLiteStorage({str(self.path)!r})"
