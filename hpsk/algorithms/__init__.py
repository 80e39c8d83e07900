"""Search algorithms: pure ``suggest(space, history, n, rng) -> list of points``.

``rand`` (random search), ``tpe`` (Tree-structured Parzen Estimator, the
default), ``anneal`` (search around the best points) and ``mix`` (a
probabilistic mixture of the others).
"""

from . import anneal, mix, rand, tpe
from ._history import FAILED, OK, PENDING, History

__all__ = ["rand", "tpe", "anneal", "mix", "History", "OK", "FAILED", "PENDING"]
