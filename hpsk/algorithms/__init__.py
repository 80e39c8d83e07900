"""Search algorithms: pure ``suggest(space, history, n, rng) -> list of points``.

``rand`` (random search), ``tpe`` (Tree-structured Parzen Estimator, the
default), ``anneal`` (search around the best points) and ``mix`` (a
probabilistic mixture of the others). :class:`TPESettings` holds and
validates the settings that ``tpe.suggest`` takes as keywords.
"""

from . import anneal, mix, rand, tpe
from ._history import FAILED, OK, PENDING, History
from .tpe import TPESettings

__all__ = ["rand", "tpe", "anneal", "mix", "TPESettings", "History", "OK", "FAILED", "PENDING"]
