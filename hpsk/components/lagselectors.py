"""Lag selection for time-series features laid out as lag columns."""

from __future__ import annotations

from typing import Any

from sklearn.compose import ColumnTransformer

from .. import hp
from ..exceptions import InvalidParameterError
from ..space import Build
from ._base import label

__all__ = ["ts_lagselector", "lag_selector"]


def lag_selector(lag_size: int) -> ColumnTransformer:
    """Keep the first ``lag_size`` columns (the last ``-lag_size`` if negative).

    The columns hold a series' lags, most recent first; keeping the first
    ``k`` is an autoregression of order ``k``. Returns a plain
    :class:`~sklearn.compose.ColumnTransformer`, so a fitted pipeline does not
    need hpsk. A size larger than the number of columns keeps them all.
    """
    lag_size = int(lag_size)
    if lag_size == 0:
        raise InvalidParameterError("lag_size must be a non-zero integer, got 0.")
    columns = slice(0, lag_size) if lag_size > 0 else slice(lag_size, None)
    return ColumnTransformer([("lags", "passthrough", columns)], remainder="drop")


def ts_lagselector(name: str, lower_lags: int = 1, upper_lags: int = 1, **overrides: Any) -> Build:
    """A lag selector whose number of lags is uniform on ``[lower_lags, upper_lags]``.

    Parameters
    ----------
    name : str
        The component's name; the label is ``f"{name}.lag_size"``.
    lower_lags, upper_lags : int, default=1
        The range of lag counts to search (hyperopt-sklearn's arguments).
    **overrides
        ``lag_size=`` fixes the count or replaces its prior.
    """
    unknown = sorted(set(overrides) - {"lag_size"})
    if unknown:
        raise InvalidParameterError(
            f"ts_lagselector has no parameter {unknown[0]!r} (component {name!r}). "
            "Valid parameters: lag_size, lower_lags, upper_lags."
        )
    if "lag_size" in overrides:
        lag_size = overrides["lag_size"]
    elif lower_lags == upper_lags:
        lag_size = int(lower_lags)
    else:
        # Every count in the range equally likely, as in an order search.
        lag_size = hp.uniformint(label(name, "lag_size"), lower_lags, upper_lags)
    return Build(lag_selector, (lag_size,))
