"""Random search: independent draws from the prior."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..space import CompiledSpace
from ._history import History

__all__ = ["suggest"]


def suggest(
    space: CompiledSpace, history: History, n: int, rng: np.random.Generator
) -> list[dict[str, Any]]:
    """Propose ``n`` points drawn independently from the prior of ``space``.

    ``history`` is ignored; it is part of the signature every algorithm shares.
    """
    return space.sample(n, rng)
