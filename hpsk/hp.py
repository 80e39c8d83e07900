"""hyperopt-compatible search-space constructors.

Names, signatures and semantics follow ``hyperopt.hp``, so a hyperopt user's
space works unchanged: ``hp.loguniform(label, low, high)`` takes ``low`` and
``high`` *in log space* (``hp.loguniform("C", np.log(1e-3), np.log(1e3))``),
``hp.choice`` puts the option index into the point, and ``hp.randint`` takes
either ``(label, upper)`` or ``(label, low, high)``.

Examples
--------
>>> import numpy as np
>>> from hpsk import hp
>>> space = {
...     "C": hp.loguniform("C", np.log(1e-3), np.log(1e3)),
...     "kernel": hp.choice("kernel", ["linear", {"rbf_gamma": hp.loguniform("gamma", -5, 2)}]),
... }
"""

from __future__ import annotations

from typing import Any, Callable, Sequence, TypeVar

from .exceptions import InvalidParameterError
from .space import Build, Categorical, Choice, Float, Gaussian, Integer, Param

__all__ = [
    "uniform",
    "quniform",
    "loguniform",
    "qloguniform",
    "normal",
    "qnormal",
    "lognormal",
    "qlognormal",
    "randint",
    "uniformint",
    "choice",
    "pchoice",
    "as_apply",
]


_Dist = TypeVar("_Dist", Float, Gaussian, Integer, Categorical)


def _make(function: str, label: str, build: Callable[[], _Dist]) -> _Dist:
    """Build a distribution, prefixing any validation error with the call."""
    try:
        return build()
    except InvalidParameterError as error:
        raise InvalidParameterError(f"hp.{function}({label!r}, ...): {error}") from None


def uniform(label: str, low: float, high: float) -> Param:
    """A float drawn uniformly from ``[low, high]``."""
    return Param(label, _make("uniform", label, lambda: Float(low, high)))


def quniform(label: str, low: float, high: float, q: float) -> Param:
    """``round(uniform(low, high) / q) * q``: a float on a grid of step ``q``."""
    return Param(label, _make("quniform", label, lambda: Float(low, high, q=q)))


def loguniform(label: str, low: float, high: float) -> Param:
    """``exp(uniform(low, high))``; ``low`` and ``high`` are in log space."""
    return Param(label, _make("loguniform", label, lambda: Float(low, high, log=True)))


def qloguniform(label: str, low: float, high: float, q: float) -> Param:
    """``round(exp(uniform(low, high)) / q) * q``; ``low``/``high`` in log space."""
    return Param(label, _make("qloguniform", label, lambda: Float(low, high, log=True, q=q)))


def normal(label: str, mu: float, sigma: float) -> Param:
    """A float drawn from ``N(mu, sigma)``, unbounded."""
    return Param(label, _make("normal", label, lambda: Gaussian(mu, sigma)))


def qnormal(label: str, mu: float, sigma: float, q: float) -> Param:
    """``round(normal(mu, sigma) / q) * q``."""
    return Param(label, _make("qnormal", label, lambda: Gaussian(mu, sigma, q=q)))


def lognormal(label: str, mu: float, sigma: float) -> Param:
    """``exp(normal(mu, sigma))``: positive, with a log-normal distribution."""
    return Param(label, _make("lognormal", label, lambda: Gaussian(mu, sigma, log=True)))


def qlognormal(label: str, mu: float, sigma: float, q: float) -> Param:
    """``round(exp(normal(mu, sigma)) / q) * q``."""
    return Param(label, _make("qlognormal", label, lambda: Gaussian(mu, sigma, log=True, q=q)))


def randint(label: str, low: int, high: int | None = None) -> Param:
    """An int drawn uniformly from ``[0, low)`` or, given ``high``, ``[low, high)``."""
    if high is None:
        low, high = 0, low
    return Param(label, _make("randint", label, lambda: Integer(low, high)))


def uniformint(label: str, low: float, high: float, q: float = 1.0) -> Build:
    """``int(quniform(label, low, high, q))``: an int on ``[low, high]``."""
    return Build(int, (quniform(label, low, high, q),))


def choice(label: str, options: Sequence[Any]) -> Choice:
    """One of ``options``, each equally likely; the point holds the option index.

    Options may be sub-spaces whose parameters are active only when that
    option is chosen.
    """
    options = tuple(options)
    n = len(options)
    dist = _make("choice", label, lambda: Categorical(tuple([1.0 / n] * n) if n else ()))
    return Choice(label, options, dist)


def pchoice(label: str, p_options: Sequence[tuple[float, Any]]) -> Choice:
    """One of several options with given probabilities: ``[(p, option), ...]``.

    The probabilities must sum to 1.
    """
    pairs = list(p_options)
    for pair in pairs:
        if not isinstance(pair, tuple) or len(pair) != 2:
            raise InvalidParameterError(
                f"hp.pchoice({label!r}, ...): each entry must be a (probability, option) "
                f"pair, got {pair!r}"
            )
    dist = _make("pchoice", label, lambda: Categorical(tuple(float(p) for p, _ in pairs)))
    return Choice(label, tuple(option for _, option in pairs), dist)


def as_apply(space: Any) -> Any:
    """hyperopt's ``pyll.as_apply``: here the space itself.

    hyperopt turns dicts, lists and tuples into a graph of ``Apply`` nodes
    before it can search them; in hpsk a plain nested structure already is a
    space, so ``as_apply({"classifier": ..., "preprocessing": ...})`` returns
    its argument unchanged and code written for hyperopt keeps working.
    """
    return space
