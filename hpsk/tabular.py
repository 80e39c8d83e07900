"""Tables as users have them: column kinds, input checks, and a column-aware space.

A pandas DataFrame can mix numbers, strings, categoricals, booleans, dates and
missing values. :func:`prepare_frame` checks it and turns dates into numbers;
:func:`column_preprocessing` returns a search-space node that evaluates to a
:class:`~sklearn.compose.ColumnTransformer`: numeric columns are imputed
(median or mean, with or without missing-value indicators) and categorical
columns imputed and encoded (one-hot with rare levels grouped, ordinal, or
target encoding), each choice made by the search. Every piece is a plain
scikit-learn object, so the refitted pipeline unpickles without hpsk.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, TargetEncoder

from . import hp
from .space import Build

__all__ = ["ColumnKinds", "column_kinds", "prepare_frame", "column_preprocessing", "is_frame"]

# One-hot encoding of a column with more levels than this is replaced by the
# ordinal or target encoding: hundreds of sparse columns slow every learner
# and rarely help.
HIGH_CARDINALITY = 30


def is_frame(X: Any) -> bool:
    """Whether ``X`` is a pandas DataFrame (without importing pandas)."""
    return type(X).__module__.split(".")[0] == "pandas" and hasattr(X, "dtypes") and hasattr(X, "columns")


@dataclass(frozen=True)
class ColumnKinds:
    """Column names by kind, in the frame's order."""

    numeric: tuple[str, ...]
    categorical: tuple[str, ...]
    high_cardinality: tuple[str, ...]

    @property
    def needs_columns(self) -> bool:
        return bool(self.categorical or self.high_cardinality)


def _date_parts(frame: Any, column: str) -> dict[str, Any]:
    values = frame[column]
    days = (values - np.datetime64("1970-01-01")).dt.total_seconds() / 86400.0
    return {f"{column}__days": days, f"{column}__month": values.dt.month.astype(float),
            f"{column}__weekday": values.dt.day_of_week.astype(float),
            f"{column}__hour": values.dt.hour.astype(float)}


def prepare_frame(frame: Any, owner: str) -> Any:
    """Check a DataFrame and turn datetime columns into numbers.

    Each datetime column becomes days since 1970, month, weekday and hour
    (NaT stays missing). Column names become strings.

    Raises
    ------
    ValueError
        For infinite or complex values, and for an object column that mixes
        numbers and strings, naming the column.
    """
    import pandas as pd

    frame = frame.copy()
    frame.columns = [str(c) for c in frame.columns]
    for column in list(frame.columns):
        values = frame[column]
        if pd.api.types.is_datetime64_any_dtype(values):
            position = frame.columns.get_loc(column)
            parts = _date_parts(frame, column)
            frame = frame.drop(columns=[column])
            for offset, (name, part) in enumerate(parts.items()):
                frame.insert(position + offset, name, part)
        elif pd.api.types.is_complex_dtype(values):
            raise ValueError(f"{owner}: column {column!r} holds complex numbers, which no learner takes.")
        elif pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
            if np.isinf(values.to_numpy(dtype=float, na_value=np.nan)).any():
                raise ValueError(f"{owner}: column {column!r} contains infinity; replace it with a "
                                 "finite value or NaN.")
        elif pd.api.types.is_numeric_dtype(values) or values.dtype == object or isinstance(
                values.dtype, pd.CategoricalDtype) or pd.api.types.is_string_dtype(values):
            present = values.dropna()
            kinds = {type(v) for v in present}
            if any(issubclass(k, complex) for k in kinds):
                raise ValueError(f"{owner}: column {column!r} holds complex numbers.")
            numbers = {k for k in kinds if issubclass(k, (int, float, np.number)) and not issubclass(k, bool)}
            if numbers and kinds - numbers:
                examples = ", ".join(sorted(k.__name__ for k in kinds))
                raise ValueError(f"{owner}: column {column!r} mixes value types ({examples}); "
                                 "convert it to numbers or to strings first.")
            if numbers and not pd.api.types.is_bool_dtype(values):
                frame[column] = values.astype(float)
            else:
                # Booleans, categories and strings all become strings, so the
                # imputer's "missing" level and every encoder see one type.
                frame[column] = values.astype(object).map(str).where(values.notna(), np.nan)
    return frame


def column_kinds(frame: Any) -> ColumnKinds:
    """Split a prepared frame's columns into numeric and categorical ones."""
    import pandas as pd

    numeric, categorical, high = [], [], []
    for column in frame.columns:
        values = frame[column]
        if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
            numeric.append(column)
        elif values.nunique(dropna=True) > HIGH_CARDINALITY:
            high.append(column)
        else:
            categorical.append(column)
    return ColumnKinds(tuple(numeric), tuple(categorical), tuple(high))


def _numeric_branch(name: str) -> Any:
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


def _steps(*steps: Any) -> Build:
    return Build(Pipeline, kwargs={"steps": [(f"step{i}", s) for i, s in enumerate(steps)]})


def column_preprocessing(name: str, kinds: ColumnKinds, *, classification: bool) -> Build:
    """A space node that evaluates to a :class:`ColumnTransformer` for ``kinds``.

    Categorical columns: imputation with a "missing" level, then one-hot
    (rare levels grouped), ordinal, or target encoding, chosen by the search;
    high-cardinality columns choose between ordinal and target encoding.
    """
    transformers = []
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
    return Build(ColumnTransformer, kwargs={"transformers": transformers, "remainder": "drop",
                                            "verbose_feature_names_out": False})
