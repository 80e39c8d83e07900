"""Declarative parameter constraints, checked in one place.

A small, stable replacement for scikit-learn's private
``sklearn.utils._param_validation``: each estimator (or function) declares a
``dict`` mapping a parameter name to a list of constraints, and
:func:`validate_params` raises one message shape for every violation::

    The 'max_evals' parameter of HyperoptClassifier must be an int in the
    range [1, inf) or None. Got 0 instead.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from .exceptions import InvalidParameterError

__all__ = ["Interval", "Options", "InstanceOf", "HasMethods", "validate_params"]

MESSAGE = "The {name!r} parameter of {owner} must be {allowed}. Got {value!r} instead."


@dataclass(frozen=True)
class Interval:
    """Numbers of ``kind`` (``numbers.Integral`` or ``numbers.Real``) in a range.

    ``closed`` is one of "both", "left", "right", "neither"; ``None`` bounds
    are infinite.
    """

    kind: type
    left: float | None
    right: float | None
    closed: str = "both"

    def is_satisfied_by(self, value: Any) -> bool:
        if isinstance(value, bool) or not isinstance(value, self.kind):
            return False
        number: Any = value  # an Integral or a Real: comparable with the bounds
        if isinstance(number, numbers.Real) and number != number:  # NaN
            return False
        value = number
        if self.left is not None:
            if value < self.left or (value == self.left and self.closed in ("right", "neither")):
                return False
        if self.right is not None:
            if value > self.right or (value == self.right and self.closed in ("left", "neither")):
                return False
        return True

    def __str__(self) -> str:
        kind = "an int" if self.kind is numbers.Integral else "a float"
        left_bracket = "[" if self.closed in ("left", "both") and self.left is not None else "("
        right_bracket = "]" if self.closed in ("right", "both") and self.right is not None else ")"
        left = "-inf" if self.left is None else self.left
        right = "inf" if self.right is None else self.right
        return f"{kind} in the range {left_bracket}{left}, {right}{right_bracket}"


@dataclass(frozen=True)
class Options:
    """One of a fixed set of values (usually strings)."""

    values: tuple

    def is_satisfied_by(self, value: Any) -> bool:
        try:
            return value in self.values
        except TypeError:
            return False

    def __str__(self) -> str:
        return "one of " + ", ".join(repr(v) for v in self.values)


@dataclass(frozen=True)
class InstanceOf:
    """An instance of one of ``types`` (``None`` allowed by listing ``type(None)``)."""

    types: tuple
    description: str = ""

    def is_satisfied_by(self, value: Any) -> bool:
        return isinstance(value, self.types)

    def __str__(self) -> str:
        if self.description:
            return self.description
        return "an instance of " + " or ".join(t.__name__ for t in self.types)


@dataclass(frozen=True)
class HasMethods:
    """An object with all of the named methods (a scikit-learn splitter, say)."""

    methods: tuple

    def is_satisfied_by(self, value: Any) -> bool:
        return all(callable(getattr(value, m, None)) for m in self.methods)

    def __str__(self) -> str:
        return "an object with methods " + ", ".join(repr(m) for m in self.methods)


def _describe(constraint: Any) -> str:
    if constraint is None:
        return "None"
    if constraint is callable:
        return "a callable"
    if isinstance(constraint, str):
        return repr(constraint)
    return str(constraint)


def _satisfied(constraint: Any, value: Any) -> bool:
    if constraint is None:
        return value is None
    if constraint is callable:
        return callable(value)
    if isinstance(constraint, str):
        return isinstance(value, str) and value == constraint
    return constraint.is_satisfied_by(value)


def validate_params(
    params: Mapping[str, Any],
    constraints: Mapping[str, Sequence[Any]],
    owner: str,
) -> None:
    """Check every value in ``params`` that has constraints.

    Each entry of ``constraints`` is a list of alternatives: an
    :class:`Interval`, :class:`Options`, :class:`InstanceOf`,
    :class:`HasMethods`, a literal string, ``None`` or the builtin
    ``callable``. A value passes if it satisfies any one of them.

    Raises
    ------
    InvalidParameterError
        Naming the parameter, its owner, what is allowed and what was given.
    """
    for name, allowed in constraints.items():
        if name not in params:
            continue
        value = params[name]
        if any(_satisfied(c, value) for c in allowed):
            continue
        descriptions = [_describe(c) for c in allowed]
        text = descriptions[0] if len(descriptions) == 1 else (
            ", ".join(descriptions[:-1]) + " or " + descriptions[-1]
        )
        raise InvalidParameterError(
            MESSAGE.format(name=name, owner=owner, allowed=text, value=value)
        )
