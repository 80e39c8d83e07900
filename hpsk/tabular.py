"""Tables as users have them: column kinds and a column-aware space.

A frame is first converted and prepared by :mod:`hpsk.frames`
(:func:`as_pandas_frame`, :func:`prepare_frame`, re-exported here): numbers
as numpy numbers, the rest as object strings, NaN for missing.
:func:`column_kinds` sorts its columns into numeric,
categorical, high-cardinality and text ones. :func:`column_preprocessing`
returns a search-space node that evaluates to a
:class:`~sklearn.compose.ColumnTransformer`: numeric columns are imputed
(median or mean, with or without missing-value indicators), categorical
columns imputed and encoded (one-hot with rare levels grouped, ordinal, or
target encoding) and text columns tf-idf vectorised, each choice made by the
search. :func:`frame_space` adds the *native* pairing: categorical columns
as ordinal codes (missing and unseen levels NaN), numeric columns with their
NaN, and a learner that handles both itself (HistGradientBoosting with
``categorical_features``, XGBoost with ``enable_categorical``). Every piece is
a plain scikit-learn (or XGBoost) object, so the refitted pipeline unpickles
and exports without hpsk.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, OrdinalEncoder, TargetEncoder
from sklearn.utils.validation import column_or_1d

from . import hp
from .frames import as_pandas_frame, as_target_array, is_frame, prepare_frame
from .space import Build, Choice, construct

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["ColumnKinds", "column_kinds", "prepare_frame", "column_preprocessing",
           "native_column_preprocessing", "native_learner", "frame_space", "is_frame",
           "as_pandas_frame", "as_target_array"]

# One-hot encoding of a column with more levels than this is replaced by the
# ordinal or target encoding: hundreds of sparse columns slow every learner
# and rarely help.
HIGH_CARDINALITY = 30

# HistGradientBoosting takes a categorical column with at most ``max_bins``
# (default 255) levels, coded 0..254; a column with more levels goes to the
# native learners as ordinal codes read as numbers.
NATIVE_MAX_LEVELS = 255

# A string column is free text, not a categorical, when its values are long
# (mean length above this many characters), mostly distinct (more than this
# share unique) and mostly contain whitespace (several words).
TEXT_MIN_MEAN_LENGTH = 20
TEXT_MIN_UNIQUE_SHARE = 0.5

# Vocabulary caps searched for a text column: its tf-idf columns are made dense
# (the encoders, scalers and HistGradientBoosting need dense input), so the
# width must stay bounded.
TEXT_MAX_FEATURES = (300, 1000)

# A column transformer's entry: (name, transformer node or "passthrough", columns).
_Transformer = tuple[str, Build | str, list[str]]

# Share of the trials given to the native pairing: one more option next to a
# family of learners, half of the trials when the user fixed a native learner.
NATIVE_SHARE_FAMILY = 0.25
NATIVE_SHARE_SINGLE = 0.5


@dataclass(frozen=True)
class ColumnKinds:
    """Column names by kind, in the frame's order."""

    numeric: tuple[str, ...]
    categorical: tuple[str, ...]
    high_cardinality: tuple[str, ...]
    text: tuple[str, ...] = ()
    # The high-cardinality columns with more than NATIVE_MAX_LEVELS levels.
    too_many_levels: tuple[str, ...] = ()

    @property
    def needs_columns(self) -> bool:
        return bool(self.categorical or self.high_cardinality or self.text)

    @property
    def native_categorical(self) -> tuple[str, ...]:
        """The columns the native learners take as categorical, in the frame's order."""
        few = set(self.categorical) | (set(self.high_cardinality) - set(self.too_many_levels))
        return tuple(c for c in self.categorical + self.high_cardinality if c in few)


def _is_text(values: pd.Series) -> bool:
    """Whether a string column holds free text (see ``TEXT_MIN_MEAN_LENGTH``)."""
    present = values.dropna()
    if len(present) == 0:
        return False
    strings = present.astype(str)
    return (strings.str.len().mean() > TEXT_MIN_MEAN_LENGTH
            and strings.nunique() > TEXT_MIN_UNIQUE_SHARE * len(strings)
            and strings.str.contains(r"\s", regex=True).mean() > 0.5)


def column_kinds(frame: Any) -> ColumnKinds:
    """Split a prepared frame's columns into numeric, categorical and text ones.

    A string column is text when its values are long, mostly distinct and
    made of several words; otherwise it is categorical, high-cardinality
    above ``HIGH_CARDINALITY`` levels.
    """
    import pandas as pd

    frame = as_pandas_frame(frame)
    numeric: list[str] = []
    categorical: list[str] = []
    high: list[str] = []
    text: list[str] = []
    too_many: list[str] = []
    for column in frame.columns:
        values = frame[column]
        if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
            numeric.append(column)
        elif _is_text(values):
            text.append(column)
        else:
            levels = values.nunique(dropna=True)
            (high if levels > HIGH_CARDINALITY else categorical).append(column)
            if levels > NATIVE_MAX_LEVELS:
                too_many.append(column)
    return ColumnKinds(tuple(numeric), tuple(categorical), tuple(high), tuple(text), tuple(too_many))


def _numeric_branch(name: str) -> Build:
    # Median resists outliers; mean is the classic choice. Indicators let a
    # learner use "was missing" as information, which often matters.
    return Build(SimpleImputer, kwargs={
        "strategy": hp.choice(f"{name}.numeric_strategy", ["median", "mean"]),
        "add_indicator": hp.choice(f"{name}.numeric_indicator", [False, True]),
        "keep_empty_features": True,
    })


def _categorical_imputer() -> Build:
    # Missing is its own level: it never crashes on an all-missing column and
    # keeps whatever the missingness says.
    return Build(SimpleImputer, kwargs={"strategy": "constant", "fill_value": "missing",
                                        "keep_empty_features": True})


def _one_hot(name: str) -> Build:
    return Build(OneHotEncoder, kwargs={
        "handle_unknown": "infrequent_if_exist",
        # Levels seen fewer than this many times share one "infrequent" column.
        "min_frequency": hp.choice(f"{name}.min_frequency", [1, 5, 20]),
        "max_categories": HIGH_CARDINALITY,
        "sparse_output": False,
    })


def _ordinal() -> Build:
    return Build(OrdinalEncoder, kwargs={"handle_unknown": "use_encoded_value", "unknown_value": -1,
                                         "encoded_missing_value": -1})


def _target(name: str, classification: bool) -> Build:
    return Build(TargetEncoder, kwargs={"target_type": "auto" if classification else "continuous",
                                        "smooth": "auto"})


def _native_ordinal() -> Build:
    # Missing and unseen levels become NaN, which the native learners send
    # down their learned missing-value branch.
    return Build(OrdinalEncoder, kwargs={"handle_unknown": "use_encoded_value", "unknown_value": np.nan,
                                         "encoded_missing_value": np.nan})


def _steps(*steps: Build | Choice) -> Build:
    return Build(Pipeline, kwargs={"steps": [(f"step{i}", s) for i, s in enumerate(steps)]})


def _text(name: str) -> Build:
    """Missing text as "", then tf-idf (searched as in ``tfidf_vectorizer``).

    ``column_or_1d`` turns the imputer's one column into the 1-D array of
    documents the vectoriser reads; it is a public scikit-learn function, so
    the pipeline still exports and unpickles without hpsk.
    """
    from .components.feature_extraction import tfidf_vectorizer

    vectorizer = tfidf_vectorizer(f"{name}.text", max_features=hp.choice(
        f"{name}.text.max_features", list(TEXT_MAX_FEATURES)))
    imputer = Build(SimpleImputer, kwargs={"strategy": "constant", "fill_value": "",
                                           "keep_empty_features": True})
    return _steps(imputer, Build(FunctionTransformer, kwargs={"func": column_or_1d}), vectorizer)


def _text_transformers(name: str, kinds: ColumnKinds, text: Build | None) -> list[_Transformer]:
    # One vectoriser per column; they share their hyperparameters.
    if not kinds.text:
        return []
    vectorizer = _text(name) if text is None else text
    return [(f"text_{i}", vectorizer, [column]) for i, column in enumerate(kinds.text)]


def _column_transformer(transformers: list[_Transformer]) -> Build:
    # Dense output whatever the share of zeros (tf-idf): the scalers, PCA and
    # HistGradientBoosting that may follow need it.
    return Build(ColumnTransformer, kwargs={"transformers": transformers, "remainder": "drop",
                                            "sparse_threshold": 0.0, "verbose_feature_names_out": False})


def column_preprocessing(name: str, kinds: ColumnKinds, *, classification: bool,
                         text: Build | None = None) -> Build:
    """A space node that evaluates to a :class:`ColumnTransformer` for ``kinds``.

    Categorical columns: imputation with a "missing" level, then one-hot
    (rare levels grouped), ordinal, or target encoding, chosen by the search;
    high-cardinality columns choose between ordinal and target encoding; text
    columns: missing text as "", then tf-idf with a capped vocabulary. The
    output is dense. ``text`` is the text pipeline's node; pass one node to
    both this and :func:`native_column_preprocessing` in one space (labels
    are unique).
    """
    transformers: list[_Transformer] = []
    if kinds.numeric:
        transformers.append(("numeric", _numeric_branch(name), list(kinds.numeric)))
    if kinds.categorical:
        encoder = hp.pchoice(f"{name}.categorical_encoding", [
            (0.5, _one_hot(name)),
            (0.3, _ordinal()),
            (0.2, _target(name, classification)),
        ])
        transformers.append(("categorical", _steps(_categorical_imputer(), encoder), list(kinds.categorical)))
    if kinds.high_cardinality:
        encoder = hp.choice(f"{name}.high_cardinality_encoding", [_ordinal(), _target(name, classification)])
        transformers.append(("high_cardinality", _steps(_categorical_imputer(), encoder),
                             list(kinds.high_cardinality)))
    transformers += _text_transformers(name, kinds, text)
    return _column_transformer(transformers)


def native_column_preprocessing(name: str, kinds: ColumnKinds, *, text: Build | None = None) -> Build:
    """A :class:`ColumnTransformer` node for learners that handle categories and NaN.

    Output columns, in order: the categorical columns of
    ``kinds.native_categorical`` as ordinal codes (missing and unseen levels
    NaN), so they are the first ``len(kinds.native_categorical)`` columns;
    numeric columns unchanged, NaN included; columns with more than
    ``NATIVE_MAX_LEVELS`` levels as ordinal codes read as numbers; text
    columns vectorised as in :func:`column_preprocessing`.
    """
    transformers: list[_Transformer] = []
    if kinds.native_categorical:
        transformers.append(("categorical", _native_ordinal(), list(kinds.native_categorical)))
    if kinds.numeric:
        transformers.append(("numeric", "passthrough", list(kinds.numeric)))
    if kinds.too_many_levels:
        transformers.append(("many_levels", _native_ordinal(), list(kinds.too_many_levels)))
    transformers += _text_transformers(name, kinds, text)
    return _column_transformer(transformers)


def _with_settings(node: Build, settings: dict[str, Any]) -> Build:
    """The same component with ``settings`` fixed; its hyperparameter nodes are shared."""
    if node.fn is construct:
        cls, kwargs, branch = node.args
        return Build(construct, (cls, {**kwargs, **settings}, branch))
    return Build(node.fn, node.args, {**node.kwargs, **settings})


def native_learner(learner: Any, kinds: ColumnKinds) -> Build | Choice | None:
    """``learner`` restricted to the learners that take :func:`native_column_preprocessing`.

    A HistGradientBoosting component gets ``categorical_features`` (the
    indices of the categorical output columns); an XGBoost component gets
    ``enable_categorical`` and ``feature_types`` when the output width is
    known (no text columns), else it reads the codes as numbers, missing
    values natively. A choice keeps the options that qualify, renormalised,
    under the label ``f"{label}.native"``. ``None`` when nothing qualifies.
    The hyperparameter nodes are shared with ``learner``, so the search
    learns them from both pairings.
    """
    if isinstance(learner, Choice):
        kept = [(p, native_learner(option, kinds)) for p, option in
                zip(learner.dist.probabilities, learner.options) if p > 0]
        kept = [(p, option) for p, option in kept if option is not None]
        if len(kept) <= 1:
            return kept[0][1] if kept else None
        total = sum(p for p, _ in kept)
        return hp.pchoice(f"{learner.label}.native", [(p / total, option) for p, option in kept])
    if not isinstance(learner, Build) or not isinstance(learner.target, type):
        return None
    cls = learner.target
    n_categorical = len(kinds.native_categorical)
    if issubclass(cls, (HistGradientBoostingClassifier, HistGradientBoostingRegressor)):
        return _with_settings(learner, {"categorical_features": list(range(n_categorical)) or None})
    if cls.__module__.split(".")[0] == "xgboost":
        if kinds.text or not n_categorical:
            return learner
        n_numbers = len(kinds.numeric) + len(kinds.too_many_levels)
        return _with_settings(learner, {"enable_categorical": True,
                                        "feature_types": ["c"] * n_categorical + ["q"] * n_numbers})
    return None


def encoded(**parts: Any) -> dict[str, Any]:
    """The pipeline's parts when every column is imputed and encoded (any learner)."""
    return parts


def native(**parts: Any) -> dict[str, Any]:
    """The pipeline's parts when the learner takes categories and NaN itself."""
    return parts


def frame_space(learner: Any, preprocessing: Any, ex_preprocs: list[Any], kinds: ColumnKinds, *,
                classification: bool, allow_native: bool = True) -> dict[str, Any] | Choice:
    """The estimator's space for a DataFrame: column preprocessing, then the rest.

    Evaluates to ``{"learner", "preprocessing", "ex_preprocs"}`` with the
    column transformer first in ``ex_preprocs``. When ``allow_native``, there
    are no ``ex_preprocs`` and ``learner`` holds a native learner (see
    :func:`native_learner`), the search also chooses (label
    ``"columns.handling"``) between ``encoded`` columns for ``learner`` and
    the ``native`` pairing: native columns, no further preprocessing
    (scaling or PCA would break the category codes), a native learner. The
    pairing gets ``NATIVE_SHARE_FAMILY`` of the trials next to a choice of
    learners, ``NATIVE_SHARE_SINGLE`` next to one.
    """
    text = _text("columns") if kinds.text else None
    columns = column_preprocessing("columns", kinds, classification=classification, text=text)
    encoded_parts = {"learner": learner, "preprocessing": preprocessing,
                     "ex_preprocs": [columns] + list(ex_preprocs)}
    natives = native_learner(learner, kinds) if allow_native and not ex_preprocs else None
    if natives is None:
        return encoded_parts
    native_parts = {"learner": natives, "preprocessing": [],
                    "ex_preprocs": [native_column_preprocessing("columns", kinds, text=text)]}
    share = NATIVE_SHARE_FAMILY if isinstance(learner, Choice) else NATIVE_SHARE_SINGLE
    return hp.pchoice("columns.handling", [(1.0 - share, Build(encoded, kwargs=encoded_parts)),
                                           (share, Build(native, kwargs=native_parts))])
