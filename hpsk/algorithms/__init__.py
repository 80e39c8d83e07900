"""Search algorithms: pure ``suggest(space, history, n, rng) -> list of points``."""

from . import rand
from ._history import FAILED, OK, PENDING, History

__all__ = ["rand", "History", "OK", "FAILED", "PENDING"]
