"""Search spaces: the three node kinds, compilation and evaluation.

A search space is a plain nested structure (``dict``, ``list``, ``tuple``)
whose leaves may be nodes:

* :class:`Param` - one labelled hyperparameter drawn from a distribution
  (:class:`Float`, :class:`Gaussian`, :class:`Integer` or :class:`Categorical`,
  defined in :mod:`hpsk.distributions` and re-exported here);
* :class:`Choice` - a labelled choice between options, each of which may be a
  sub-space (its parameters are *conditional*: active only on that branch);
* :class:`Build` - lazy construction, ``fn(*args, **kwargs)`` called with the
  evaluated arguments (how components build estimators); :attr:`Build.target`
  is the class or function it builds.

A *point* maps each active label to a value, in hyperopt's representation:
the sampled number for numeric parameters, an ``int`` for ``randint``, and the
option *index* for a choice. :func:`space_eval` turns a point into the
concrete value of the space.

:func:`compile_space` walks a space once and returns a :class:`CompiledSpace`:
the parameters in a fixed order, the condition under which each is active,
and vectorised prior sampling. Algorithms work on compiled spaces only.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Mapping, Union

import numpy as np

from .distributions import Categorical, Distribution, Float, Gaussian, Integer
from .exceptions import DuplicateLabelError, InvalidParameterError

__all__ = [
    "Float",
    "Gaussian",
    "Integer",
    "Categorical",
    "Param",
    "Choice",
    "Build",
    "construct",
    "CompiledSpace",
    "compile_space",
    "space_eval",
    "option_name",
]


# --------------------------------------------------------------------------
# Nodes. Equality is identity: the same node object may appear in two places
# (it is then one parameter), two different nodes may not share a label.
# --------------------------------------------------------------------------


def _check_label(label: Any) -> None:
    if not isinstance(label, str) or not label:
        raise InvalidParameterError(f"a label must be a non-empty string, got {label!r}")


@dataclass(frozen=True, eq=False)
class Param:
    """A labelled hyperparameter drawn from ``dist``."""

    label: str
    dist: Distribution

    def __post_init__(self) -> None:
        _check_label(self.label)

    def __repr__(self) -> str:
        return f"Param({self.label!r}, {self.dist!r})"


@dataclass(frozen=True, eq=False)
class Choice:
    """A labelled choice between ``options``; the point holds the option index."""

    label: str
    options: tuple
    dist: Categorical

    def __post_init__(self) -> None:
        _check_label(self.label)
        if len(self.options) != self.dist.n_options:
            raise InvalidParameterError(
                f"choice {self.label!r} has {len(self.options)} options but "
                f"{self.dist.n_options} probabilities"
            )

    def __repr__(self) -> str:
        return f"Choice({self.label!r}, {len(self.options)} options)"


def construct(target: Callable[..., Any], kwargs: Mapping[str, Any], branch: Mapping[str, Any]) -> Any:
    """``target(**kwargs, **branch)``: a build node's function when a chosen branch adds arguments.

    ``Build(construct, (target, kwargs, branch))`` builds ``target`` with the
    keyword arguments ``kwargs`` plus those of ``branch``, typically a
    :class:`Choice` between dicts of arguments that only make sense together
    (how components write a solver and the penalties it supports). Its
    :attr:`Build.target` is ``target``.
    """
    return target(**kwargs, **branch)


@dataclass(frozen=True, eq=False)
class Build:
    """Lazy construction: evaluates to ``fn(*args, **kwargs)`` with evaluated arguments."""

    fn: Callable[..., Any]
    args: tuple = ()
    kwargs: Mapping[str, Any] = field(default_factory=dict)

    @property
    def target(self) -> Callable[..., Any]:
        """The class or function this node builds.

        ``fn`` itself, except for ``Build(construct, (target, kwargs, branch))``
        (see :func:`construct`), which builds ``target``. A component's node
        (``random_forest_classifier("rf")``) gives the estimator class.
        """
        return self.args[0] if self.fn is construct and self.args else self.fn

    def __repr__(self) -> str:
        name = getattr(self.fn, "__name__", repr(self.fn))
        return f"Build({name}, {len(self.args)} args, kwargs={sorted(self.kwargs)})"


Node = Union[Param, Choice]
Condition = tuple[tuple[str, int], ...]  # (choice label, option index) pairs, all must hold


def _children(node: Any) -> Iterator[Any]:
    if isinstance(node, Build):
        yield from node.args
        yield from node.kwargs.values()
    elif isinstance(node, dict):
        yield from node.values()
    elif isinstance(node, (list, tuple)):
        yield from node


# --------------------------------------------------------------------------
# Compilation.
# --------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class CompiledSpace:
    """A space walked once: its parameters in order and when each is active.

    Attributes
    ----------
    space : object
        The space as given.
    nodes : dict of str to Param or Choice
        Every labelled node, in depth-first order.
    conditions : dict of str to tuple of conditions
        For each label, the alternative paths that activate it; a path is a
        tuple of ``(choice_label, option_index)`` pairs that must all hold.
        A label that is always active has the single empty path ``()``.
    """

    space: Any
    nodes: dict[str, Node]
    conditions: dict[str, tuple[Condition, ...]]

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(self.nodes)

    @property
    def distributions(self) -> dict[str, Distribution]:
        return {label: node.dist for label, node in self.nodes.items()}

    def __len__(self) -> int:
        return len(self.nodes)

    def active_masks(self, columns: Mapping[str, np.ndarray], n: int) -> dict[str, np.ndarray]:
        """Which rows of ``columns`` (one float array per label) activate each label."""
        path_masks: dict[Condition, np.ndarray] = {(): np.ones(n, dtype=bool)}

        def mask_of(path: Condition) -> np.ndarray:
            if path not in path_masks:
                label, index = path[-1]
                path_masks[path] = mask_of(path[:-1]) & (columns[label] == index)
            return path_masks[path]

        masks = {}
        for label, paths in self.conditions.items():
            mask = mask_of(paths[0])
            for path in paths[1:]:
                mask = mask | mask_of(path)
            masks[label] = mask
        return masks

    def sample_columns(self, n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
        """Draw ``n`` points from the prior as float columns, NaN where inactive."""
        columns = {
            label: node.dist.sample(rng, n).astype(float) for label, node in self.nodes.items()
        }
        for label, mask in self.active_masks(columns, n).items():
            columns[label][~mask] = np.nan
        return columns

    def to_points(self, columns: Mapping[str, np.ndarray]) -> list[dict[str, Any]]:
        """Turn float columns (NaN where inactive) into a list of points."""
        n = len(next(iter(columns.values()))) if columns else 0
        points: list[dict[str, Any]] = [{} for _ in range(n)]
        for label, node in self.nodes.items():
            column = columns[label]
            convert = node.dist.to_python
            for i in np.flatnonzero(~np.isnan(column)):
                points[i][label] = convert(column[i])
        return points

    def sample(self, n: int, rng: np.random.Generator) -> list[dict[str, Any]]:
        """Draw ``n`` points from the prior."""
        if not self.nodes:
            return [{} for _ in range(n)]
        return self.to_points(self.sample_columns(n, rng))

    def complete(self, partial: Mapping[str, Any], rng: np.random.Generator) -> dict[str, Any]:
        """A point that takes ``partial``'s values and draws the others from the prior.

        ``partial`` maps labels to values as in a point (option indices for
        choices). The choices a given label needs are made so that it is
        active: of its activating paths, the first that agrees with the
        choices given and with those made for earlier labels. Labels the
        point then leaves inactive are left out; active labels ``partial`` does not give are drawn from the
        prior.

        Raises
        ------
        ValueError
            For a label not in the space, a value a label cannot take (an
            option index out of range, a non-finite number), or a label no
            choice can activate next to the others given.
        """
        if not isinstance(partial, Mapping):
            raise ValueError(f"a point is a dict of label -> value, got {partial!r}")
        unknown = [label for label in partial if label not in self.nodes]
        if unknown:
            raise ValueError(f"unknown label(s) {unknown}; the space has {list(self.nodes)}")
        fixed = {label: self._check_value(label, value) for label, value in partial.items()}
        for label in partial:
            path = next((path for path in self.conditions[label]
                         if all(fixed.get(choice, index) == index for choice, index in path)), None)
            if path is None:
                raise ValueError(f"{label!r} cannot be active next to the choices given: {partial}")
            for choice, index in path:
                fixed.setdefault(choice, float(index))
        columns = {label: node.dist.sample(rng, 1).astype(float) for label, node in self.nodes.items()}
        for label, value in fixed.items():
            columns[label][0] = value
        for label, mask in self.active_masks(columns, 1).items():
            if not mask[0]:
                columns[label][0] = np.nan
        [point] = self.to_points(columns)
        return point

    def within_prior(self, label: str, value: Any) -> bool:
        """Whether the prior of ``label`` can draw ``value`` (an option index, or a number in bounds)."""
        try:
            self._check_value(label, value)
        except ValueError:
            return False
        dist = self.nodes[label].dist
        if isinstance(dist, Float):
            low, high = (math.exp(dist.low), math.exp(dist.high)) if dist.log else (dist.low, dist.high)
            slack = 1e-9 * max(abs(low), abs(high), 1.0)  # exp(log(31)) is not exactly 31
            return low - slack <= value <= high + slack
        if isinstance(dist, Integer):
            return dist.low <= value < dist.high
        return True

    def _check_value(self, label: str, value: Any) -> float:
        dist = self.nodes[label].dist
        if isinstance(dist, Categorical):
            if isinstance(value, (bool, np.bool_)) or not isinstance(value, (numbers.Integral, np.integer)) \
                    or not 0 <= int(value) < dist.n_options:
                raise ValueError(f"{label!r} is a choice of {dist.n_options} options: give an option index "
                                 f"in 0..{dist.n_options - 1}, got {value!r}")
            return float(value)
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real) \
                or not math.isfinite(value):
            raise ValueError(f"{label!r} takes a finite number, got {value!r}")
        return float(value)

    def evaluate(self, point: Mapping[str, Any]) -> Any:
        """The concrete value of the space at ``point`` (see :func:`space_eval`)."""
        return _evaluate(self.space, point)


def compile_space(space: Any) -> CompiledSpace:
    """Walk ``space`` once, checking labels and recording conditions.

    Raises
    ------
    DuplicateLabelError
        If two different nodes share a label.
    """
    if isinstance(space, CompiledSpace):
        return space
    nodes: dict[str, Node] = {}
    conditions: dict[str, list[Condition]] = {}

    def visit(node: Any, path: Condition) -> None:
        if isinstance(node, (Param, Choice)):
            seen = nodes.get(node.label)
            if seen is not None and seen is not node:
                raise DuplicateLabelError(
                    f"The label {node.label!r} is used by two different nodes of the space; "
                    "labels must be unique (namespace them, e.g. 'rf.max_depth')."
                )
            nodes[node.label] = node
            paths = conditions.setdefault(node.label, [])
            if path not in paths:
                paths.append(path)
            if isinstance(node, Choice):
                for index, option in enumerate(node.options):
                    visit(option, path + ((node.label, index),))
            return
        for child in _children(node):
            visit(child, path)

    visit(space, ())
    return CompiledSpace(
        space=space,
        nodes=nodes,
        conditions={label: tuple(paths) for label, paths in conditions.items()},
    )


def _evaluate(node: Any, point: Mapping[str, Any]) -> Any:
    if isinstance(node, (Param, Choice)):
        if node.label not in point:
            raise ValueError(
                f"The point has no value for label {node.label!r}, which is active here. "
                f"Labels in the point: {sorted(point)}."
            )
        value = point[node.label]
        if isinstance(node, Param):
            return value
        index = int(value)
        if index != value or not 0 <= index < len(node.options):
            raise ValueError(
                f"The point gives choice {node.label!r} the value {value!r}; "
                f"it must be an option index in [0, {len(node.options)})."
            )
        return _evaluate(node.options[index], point)
    if isinstance(node, Build):
        args = [_evaluate(a, point) for a in node.args]
        kwargs = {k: _evaluate(v, point) for k, v in node.kwargs.items()}
        return node.fn(*args, **kwargs)
    if isinstance(node, dict):
        return {k: _evaluate(v, point) for k, v in node.items()}
    if isinstance(node, list):
        return [_evaluate(v, point) for v in node]
    if isinstance(node, tuple):
        return tuple(_evaluate(v, point) for v in node)
    return node


def space_eval(space: Any, point: Mapping[str, Any]) -> Any:
    """Evaluate ``space`` at ``point``: the value the objective would receive.

    ``point`` maps labels to values as returned by :func:`hpsk.fmin` (choice
    entries are option indices). Labels of inactive branches are ignored.

    Examples
    --------
    >>> from hpsk import hp, space_eval
    >>> space = hp.choice("kind", [{"a": 1}, {"b": hp.uniform("b.x", 0, 1)}])
    >>> space_eval(space, {"kind": 1, "b.x": 0.5})
    {'b': 0.5}
    """
    if isinstance(space, CompiledSpace):
        space = space.space
    return _evaluate(space, point)


def option_name(option: Any, point: Mapping[str, Any] | None = None) -> Any:
    """A short readable name for one option of a :class:`Choice`.

    A build node is named by what it builds (:attr:`Build.target`), so a
    component's option reads ``"RandomForestClassifier"``. An option that is
    itself a hyperparameter (a :class:`Param` or :class:`Choice` node, or
    ``int``/``float`` of one, as ``hp.uniformint`` gives) is named by its
    value at ``point``, or by its label when no point is given.

    Parameters
    ----------
    option : object
        One of a choice's ``options``: a node, a value, or a list, tuple or
        dict of them.
    point : dict, optional
        A point in which ``option`` is active (choice entries as option
        indices). With it, the name is what ``best_params_`` shows: a list
        or tuple gives the list of its items' names; ``None``, strings,
        numbers and booleans are their own name; any other value (a dict, an
        estimator) the name of its type. Without it, the name is one string,
        for a plot: a list or tuple joins its items' names with ``" + "``
        (``"none"`` when empty), a dict reads ``"{key: name, ...}"`` and any
        other value is ``str(value)``.

    Returns
    -------
    name : str, or with ``point`` a value or a list of names

    Examples
    --------
    >>> from hpsk import hp
    >>> from hpsk.components import random_forest_classifier
    >>> option_name(random_forest_classifier("rf"))
    'RandomForestClassifier'
    >>> depth = hp.uniformint("depth", 1, 10)
    >>> option_name(depth), option_name(depth, {"depth": 3.0})
    ('depth', 3)
    >>> option_name([random_forest_classifier("rf"), None])
    'RandomForestClassifier + None'
    """
    if isinstance(option, (Param, Choice)):
        return option.label if point is None else space_eval(option, point)
    if isinstance(option, Build) and option.fn in (int, float):
        if point is not None:
            return space_eval(option, point)
        return option_name(option.args[0]) if option.args else option.fn.__name__
    if isinstance(option, Build):
        target = option.target
        return getattr(target, "__name__", repr(target))
    if isinstance(option, (list, tuple)):
        if point is not None:
            return [option_name(item, point) for item in option]
        return " + ".join(option_name(item) for item in option) if option else "none"
    if point is None:
        if isinstance(option, Mapping):
            return "{" + ", ".join(f"{key}: {option_name(value)}" for key, value in option.items()) + "}"
        return str(option)
    if option is None or isinstance(option, (str, numbers.Number, bool)):
        return option
    return type(option).__name__
