"""Stage 2 of ``fit``: the space to search for these inputs.

:func:`search_space` turns the estimator's ``classifier`` / ``regressor`` /
``preprocessing`` / ``ex_preprocs`` / ``space`` into one space for the data
at hand: the default families when no learner is given, text vectorisers for
documents, column preprocessing for frames, an imputer for arrays with NaN,
and one column step per exogenous data set. :func:`starting_points` gives the
points tried first; :func:`readable_point` and :func:`pipeline_at` are how the
results table names a point.
"""

from __future__ import annotations

import difflib
from typing import Any, Sequence

import numpy as np
from scipy.sparse import issparse
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline

from .. import components
from ..components import STARTING_POINTS, learned_portfolio
from ..evaluation import assemble_pipeline, describe_steps, exogenous_columns
from ..space import Build, Choice, CompiledSpace, option_name
from ..tabular import column_kinds, frame_space
from .inputs import DOCUMENTS, FRAME, Inputs

__all__ = ["search_space", "resolve_component", "starting_points", "portfolio_points", "readable_point",
           "pipeline_at", "learner_of"]


def search_space(inputs: Inputs, *, space: Any, learner: Any, preprocessing: Any, ex_preprocs: Any,
                 preprocess_by_default: bool, exogenous_widths: list[int] | None, owner: str) -> Any:
    """The space searched on ``inputs`` (not yet compiled).

    ``space`` (a whole custom space) wins over the rest. ``learner`` is the
    user's ``classifier`` or ``regressor`` for this task (``None``: the
    default family); ``preprocessing`` the user's (``None``: nothing, or
    ``any_preprocessing`` when ``preprocess_by_default``, as in
    ``HyperoptClassifier``).
    """
    if space is not None:
        return space
    learner = default_learner(inputs.task, inputs.sparse) if learner is None else (
        resolve_component(learner, inputs.task))
    chosen = _preprocessing(inputs, preprocessing, preprocess_by_default)
    if exogenous_widths is not None:
        return _exogenous_space(learner, chosen, ex_preprocs, exogenous_widths, owner)
    fixed = list(ex_preprocs) if isinstance(ex_preprocs, (list, tuple)) else (
        [] if ex_preprocs is None else [ex_preprocs])
    X = inputs.X
    if inputs.kind == FRAME:
        kinds = column_kinds(X)
        if kinds.needs_columns or X.isna().to_numpy().any():
            # The native pairing (categories and NaN straight to HistGradientBoosting or
            # XGBoost) skips the preprocessing, so only when the user fixed none.
            no_preprocessing = preprocessing is None or (
                isinstance(preprocessing, (list, tuple)) and not preprocessing)
            return frame_space(learner, chosen, fixed, kinds, classification=inputs.task == "classification",
                               allow_native=no_preprocessing)
    elif inputs.kind != DOCUMENTS and np.isnan(X.data if issparse(X) else X).any():
        # Most learners reject NaN; a median imputer first keeps every trial valid.
        fixed = [SimpleImputer(strategy="median")] + fixed
    return {"learner": learner, "preprocessing": chosen, "ex_preprocs": fixed}


def default_learner(task: str, sparse: bool) -> Any:
    """The default family of learners for ``task``, on sparse or dense data."""
    family = {("classification", False): components.any_classifier,
              ("classification", True): components.any_sparse_classifier,
              ("regression", False): components.any_regressor,
              ("regression", True): components.any_sparse_regressor}[task, sparse]
    return family("classifier" if task == "classification" else "regressor")


def _preprocessing(inputs: Inputs, preprocessing: Any, by_default: bool) -> Any:
    """The user's preprocessing, text vectorisers for documents, or the default."""
    if preprocessing is not None:
        return resolve_component(preprocessing, "preprocessing")
    if inputs.kind == DOCUMENTS:
        return components.any_text_preprocessing("preprocessing")
    if not by_default:
        return None
    family = components.any_sparse_preprocessing if inputs.sparse else components.any_preprocessing
    return family("preprocessing")


def _exogenous_space(learner: Any, preprocessing: Any, ex_preprocs: Any, widths: list[int],
                     owner: str) -> dict[str, Any]:
    """The space for ``fit(..., EX_list=...)``: one column step over ``X`` and each ``EX``."""
    n_ex = len(widths) - 1
    ex_lists = list(ex_preprocs) if isinstance(ex_preprocs, (list, tuple)) else []
    if not ex_lists:
        ex_lists = [[]] * n_ex
    if len(ex_lists) != n_ex:
        raise ValueError(f"{owner}: with EX_list, ex_preprocs holds one list of transformers per "
                         f"exogenous data set: {n_ex} expected, got {len(ex_lists)}.")
    columns = Build(exogenous_columns, (widths, preprocessing, ex_lists))
    return {"learner": learner, "preprocessing": [columns], "ex_preprocs": []}


def resolve_component(value: Any, role: str) -> Any:
    """Let users name components: ``classifier="random_forest_classifier"``.

    A string is looked up among :mod:`hpsk.components` and called with itself
    as the label prefix; lists are resolved item by item.
    """
    if isinstance(value, (list, tuple)):
        return [resolve_component(item, role) for item in value]
    if not isinstance(value, str):
        return value
    function = getattr(components, value, None) if value in components.__all__ else None
    if function is None:
        close = difflib.get_close_matches(value, components.__all__, n=3)
        hint = f" Did you mean {', '.join(map(repr, close))}?" if close else ""
        raise ValueError(f"Unknown {role} component {value!r}.{hint} "
                         "See hpsk.components.__all__ for every name.")
    return function(value)


def starting_points(space: CompiledSpace, points: str | Sequence[dict[str, Any]] | None,
                    rng: np.random.Generator, owner: str, task: str) -> list[dict[str, Any]]:
    """Complete points for ``starting_points`` (see the estimator's docstring).

    ``"auto"`` is the hand-written ``STARTING_POINTS``; ``"portfolio"`` is
    the learned portfolio of ``task`` (the entries whose learner the space
    has), then the hand-written defaults of the space's learners that the
    portfolio has no entry for.
    """
    if points is None:
        return []
    if not isinstance(points, str):
        try:
            return [space.complete(point, rng) for point in points]
        except ValueError as error:
            raise ValueError(f"{owner}: starting_points: {error}") from None
    learned = learned_portfolio(task) if points == "portfolio" else []
    covered = {_learner(entry) for entry in learned if _label_ending(space, next(iter(entry))) is not None}
    defaults = [entry for entry in STARTING_POINTS if _learner(entry) not in covered]
    return portfolio_points(space, learned + defaults, rng)


def _learner(entry: dict[str, Any]) -> str:
    """The learner an entry in ``STARTING_POINTS``' form is for: its anchor's first part."""
    return next(iter(entry)).split(".")[0]


def portfolio_points(space: CompiledSpace, entries: Sequence[dict[str, Any]],
                     rng: np.random.Generator) -> list[dict[str, Any]]:
    """Complete points of ``space`` for entries in ``STARTING_POINTS``' form.

    Keys are label endings, the first one the anchor (see
    :data:`hpsk.components.STARTING_POINTS`). An entry whose anchor ``space``
    lacks gives no point; its other keys that ``space`` lacks, or cannot
    activate next to the anchor, are drawn from the prior.
    """
    found = []
    for entry in entries:
        partial = _usable_part(space, entry, rng)
        if partial:
            found.append(space.complete(partial, rng))
    return found


def _usable_part(space: CompiledSpace, entry: dict[str, Any], rng: np.random.Generator) -> dict[str, Any]:
    """The values of a ``STARTING_POINTS`` entry that ``space`` has, by its labels.

    The first key anchors the entry (the learner): without it nothing is used.
    """
    partial: dict[str, Any] = {}
    for i, (key, value) in enumerate(entry.items()):
        label = _label_ending(space, key)
        usable = label is not None and label not in partial and space.within_prior(label, value)
        if usable and label is not None:
            try:
                space.complete({**partial, label: value}, rng)
            except ValueError:  # inactive next to the others (no scaler for native columns, say)
                usable = False
        if usable and label is not None:
            partial[label] = value
        elif i == 0:  # the anchor: this learner is not in the space, or not as expected
            break
    return partial


def _label_ending(space: CompiledSpace, suffix: str) -> str | None:
    """The first label of ``space`` that is ``suffix`` or ends with ``"." + suffix``."""
    return next((label for label in space.labels if label == suffix or label.endswith("." + suffix)), None)


def pipeline_at(space: CompiledSpace, point: dict[str, Any]) -> Pipeline:
    """The (unfitted) pipeline that ``point`` of ``space`` stands for."""
    return assemble_pipeline(space.evaluate(point))


def learner_of(space: CompiledSpace, point: dict[str, Any]) -> str:
    """The class name of the learner at ``point``: what a trial's cost depends on most."""
    return describe_steps(pipeline_at(space, point))[0]


def readable_point(space: CompiledSpace, point: dict[str, Any]) -> dict[str, Any]:
    """The point with each choice index replaced by a readable option name."""
    readable = {}
    for label, value in point.items():
        node = space.nodes.get(label)
        readable[label] = option_name(node.options[value], point) if isinstance(node, Choice) else value
    return readable
