"""What every component function shares: label namespacing and the build node.

A component function (``random_forest_classifier("rf", **overrides)``) returns
a :class:`~hpsk.space.Build` node that evaluates to an unfitted estimator; its
``target`` is the estimator class.
Each hyperparameter has a prior; any keyword argument replaces it, either with
a fixed value (``n_estimators=300``) or with another hp node. Keywords that
name no parameter of the estimator raise an error naming the parameter.

Parameters that only make sense together (a solver and the penalties it
supports, a kernel and its own parameters) are written as *branches*: a list
of ``(probability, {param: value or node})``; the search first chooses a
branch, then samples its parameters, so an invalid combination is never
proposed. A keyword that fixes a parameter appearing in branches keeps only
the branches compatible with it.
"""

from __future__ import annotations

import inspect
import math
from typing import Any, Mapping, Sequence

import sklearn
from sklearn.utils.fixes import parse_version

from .. import hp
from ..exceptions import InvalidParameterError
from ..space import Build, Choice, Param, construct

__all__ = [
    "label",
    "component",
    "log_uniform",
    "log_uniform_int",
    "uniform",
    "uniform_int",
    "choice",
    "pchoice",
    "optional_log_uniform",
    "supported",
    "sklearn_at_least",
]

Branch = tuple[float, Mapping[str, Any]]


def label(name: str, param: str) -> str:
    """The namespaced label of ``param`` in component ``name``: ``"name.param"``."""
    return f"{name}.{param}"


def log_uniform(name: str, param: str, low: float, high: float) -> Param:
    """A float prior, uniform in log space on ``[low, high]`` (real bounds, not logs)."""
    return hp.loguniform(label(name, param), math.log(low), math.log(high))


def log_uniform_int(name: str, param: str, low: int, high: int) -> Build:
    """An int prior, uniform in log space on ``[low, high]``."""
    return Build(int, (hp.qloguniform(label(name, param), math.log(low), math.log(high), 1),))


def uniform_int(name: str, param: str, low: int, high: int) -> Build:
    """An int prior, uniform on ``[low, high]``."""
    return hp.uniformint(label(name, param), low, high)


def uniform(name: str, param: str, low: float, high: float) -> Param:
    """A float prior, uniform on ``[low, high]``."""
    return hp.uniform(label(name, param), low, high)


def choice(name: str, param: str, options: Sequence[Any]) -> Choice:
    """A prior choosing one of ``options`` with equal probability."""
    return hp.choice(label(name, param), options)


def pchoice(name: str, param: str, p_options: Sequence[tuple[float, Any]]) -> Choice:
    """A prior choosing one of several options with the given probabilities."""
    return hp.pchoice(label(name, param), p_options)


def optional_log_uniform(
    name: str, param: str, low: float, high: float, *, p_zero: float = 0.5, zero: Any = 0.0
) -> Choice:
    """``zero`` with probability ``p_zero``, else a log-uniform draw on ``[low, high]``.

    Regularisation strengths are often best switched off entirely, a value a
    log scale cannot reach; this gives "off" its own probability mass. The
    value's label is ``f"{param}_value"``.
    """
    return hp.pchoice(label(name, param), [
        (p_zero, zero),
        (1.0 - p_zero, log_uniform(name, f"{param}_value", low, high)),
    ])


def _parameter_names(cls: type) -> set[str] | None:
    """Names ``cls.__init__`` accepts, or ``None`` when it takes ``**kwargs``."""
    parameters = inspect.signature(getattr(cls, "__init__")).parameters.values()
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters):
        # XGBoost and LightGBM take ``**kwargs`` but still list their
        # parameters in ``get_params`` (the sklearn convention).
        get_params = getattr(cls, "get_params", None)
        if get_params is None:
            return None
        try:
            return set(cls().get_params(deep=False))
        except TypeError:  # a class with required arguments: accept any keyword
            return None
    return {p.name for p in parameters if p.name != "self"}


def sklearn_at_least(major: int, minor: int) -> bool:
    """Whether the installed scikit-learn is at least ``major.minor``."""
    return parse_version(sklearn.__version__).release[:2] >= (major, minor)


def supported(cls: type, params: Mapping[str, Any]) -> dict[str, Any]:
    """The entries of ``params`` that ``cls`` accepts in this library version.

    For settings that silence a deprecation in new releases (an explicit
    value for a changing default) but do not exist in older ones.
    """
    known = _parameter_names(cls)
    return dict(params) if known is None else {k: v for k, v in params.items() if k in known}


# The name build nodes used for ``construct`` before it moved to ``hpsk.space``:
# pickles and skops files of estimators fitted then name ``_base._construct``
# and still load through it (``persistence`` trusts that name too).
_construct = construct


def _compatible(branch: Mapping[str, Any], overrides: Mapping[str, Any]) -> bool:
    """A branch is compatible when every overridden parameter it fixes agrees."""
    for key, value in overrides.items():
        if key in branch:
            fixed = branch[key]
            if isinstance(fixed, (Param, Choice, Build)) or isinstance(value, (Param, Choice, Build)):
                continue
            if fixed != value:
                return False
    return True


def component(
    cls: type,
    name: str,
    priors: Mapping[str, Any],
    overrides: Mapping[str, Any],
    *,
    branches: Sequence[Branch] = (),
    branch_param: str = "branch",
) -> Build:
    """A build node for ``cls`` with ``priors`` replaced by ``overrides``.

    Parameters
    ----------
    cls : type
        The estimator class (sklearn, xgboost, ...).
    name : str
        The component's name; every label is ``f"{name}.{param}"``.
    priors : mapping
        Parameter -> fixed value or hp node, the component's defaults.
    overrides : mapping
        The user's keyword arguments: each replaces a prior or fixes another
        parameter of ``cls``.
    branches : sequence of (probability, mapping), optional
        Mutually exclusive parameter groups, chosen by
        ``hp.pchoice(f"{name}.{branch_param}", ...)``.
    """
    if not isinstance(name, str) or not name:
        raise InvalidParameterError(
            f"The name of a {cls.__name__} component must be a non-empty string, got {name!r}."
        )
    known = _parameter_names(cls)
    if known is not None:
        unknown = sorted(set(overrides) - known)
        if unknown:
            raise InvalidParameterError(
                f"{cls.__name__} has no parameter {unknown[0]!r} (component {name!r}). "
                f"Valid parameters: {', '.join(sorted(known))}."
            )
    kwargs = {**priors, **overrides}
    if not branches:
        return Build(cls, kwargs=kwargs)
    kept = [(p, {k: v for k, v in b.items() if k not in overrides})
            for p, b in branches if _compatible(b, overrides)]
    if not kept:
        fixed = {k: v for k, v in overrides.items() if any(k in b for _, b in branches)}
        raise InvalidParameterError(
            f"{cls.__name__} component {name!r}: no valid configuration has {fixed!r}."
        )
    kwargs = {k: v for k, v in kwargs.items() if not any(k in b for _, b in kept)}
    total = sum(p for p, _ in kept)
    if len(kept) == 1:
        branch: Any = kept[0][1]
    else:
        branch = hp.pchoice(label(name, branch_param), [(p / total, b) for p, b in kept])
    return Build(construct, (cls, kwargs, branch))
