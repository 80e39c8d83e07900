"""Tables as users have them: column kinds, input checks, and a column-aware space.

A pandas DataFrame can mix numbers, strings, categoricals, booleans, dates,
free text and missing values, in numpy-backed, nullable or pyarrow-backed
dtypes; a polars DataFrame is converted to pandas first
(:func:`as_pandas_frame`). :func:`prepare_frame` checks a frame, turns dates
into numbers and gives every column the same types whatever its backend
(numbers as numpy numbers, the rest as object strings; NaN for missing);
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
from typing import Any

import numpy as np
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, OrdinalEncoder, TargetEncoder
from sklearn.utils.validation import column_or_1d

from . import hp
from .space import Build, Choice, construct

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

# Share of the trials given to the native pairing: one more option next to a
# family of learners, half of the trials when the user fixed a native learner.
NATIVE_SHARE_FAMILY = 0.25
NATIVE_SHARE_SINGLE = 0.5


def _library(obj: Any) -> str:
    """The top-level package that defines ``obj``'s class ("pandas", "polars", ...)."""
    return type(obj).__module__.split(".")[0]


def is_frame(X: Any) -> bool:
    """Whether ``X`` is a pandas or polars DataFrame (without importing either)."""
    # ``shape`` first: a polars LazyFrame has none, and asking it for ``columns``
    # or ``dtypes`` resolves its schema (with a warning).
    return (_library(X) in ("pandas", "polars") and hasattr(X, "shape") and hasattr(X, "dtypes")
            and hasattr(X, "columns"))


def _polars_column(series: Any) -> Any:
    """One polars column as the values a numpy-backed pandas column would hold.

    Numbers become numpy numbers (integers with nulls floats with NaN),
    strings object arrays with ``None``, ``Categorical``/``Enum`` pandas
    categoricals, booleans numpy booleans (object ``True``/``False``/``None``
    with nulls), ``Date``/``Datetime`` ``datetime64`` with ``NaT`` (a time
    zone kept), ``Duration`` ``timedelta64``; anything else (lists, structs,
    objects) Python objects. Uses polars' own ``to_numpy``, so no pyarrow.
    """
    import pandas as pd
    import polars as pl

    dtype = series.dtype
    if isinstance(dtype, pl.Enum):
        return pd.Categorical(series.cast(pl.String).to_numpy(), categories=list(dtype.categories))
    if isinstance(dtype, pl.Categorical):
        return pd.Categorical(series.cast(pl.String).to_numpy())
    if isinstance(dtype, pl.Decimal):
        return series.cast(pl.Float64).to_numpy()
    if isinstance(dtype, pl.Datetime) and dtype.time_zone is not None:
        # The instants in UTC, then in the column's zone, as polars' to_pandas gives them.
        instants = series.dt.convert_time_zone("UTC").dt.replace_time_zone(None).to_numpy()
        utc = pd.Series(instants).dt.tz_localize("UTC")
        return utc.dt.tz_convert(dtype.time_zone).array
    if dtype == pl.Null:
        return np.full(len(series), None, dtype=object)
    if dtype.is_numeric() or dtype.is_temporal() or dtype in (pl.Boolean, pl.String):
        return series.to_numpy()
    # Nested and object columns: one Python object per row, as pandas holds them.
    return pd.Series(series.to_list(), dtype=object).array


def as_pandas_frame(X: Any, owner: str = "hpsk") -> Any:
    """``X`` as a pandas DataFrame: a pandas frame as it is, a polars frame converted.

    A polars DataFrame becomes the numpy-backed pandas frame with the same
    column kinds (see :func:`_polars_column`), column by column with
    polars' ``to_numpy``: unlike ``DataFrame.to_pandas`` this needs no
    pyarrow, and the result does not depend on whether pyarrow is
    installed. Anything else is returned unchanged.

    Raises
    ------
    TypeError
        For a polars LazyFrame (a query, not data yet).
    """
    if _library(X) != "polars":
        return X
    if type(X).__name__ == "LazyFrame":
        raise TypeError(f"{owner}: X is a polars LazyFrame; pass the DataFrame X.collect() gives.")
    if not is_frame(X):
        return X
    import pandas as pd

    return pd.DataFrame({name: _polars_column(X.get_column(name)) for name in X.columns},
                        index=pd.RangeIndex(X.height))


def _target_column(y: Any) -> np.ndarray:
    """A pandas Series as a numpy array, extension dtypes (nullable, pyarrow) included."""
    import pandas as pd

    dtype = y.dtype
    if isinstance(dtype, (np.dtype, pd.CategoricalDtype)):
        return y.to_numpy()
    missing = bool(y.isna().any())
    numpy_dtype = getattr(dtype, "numpy_dtype", None)
    if getattr(dtype, "kind", "O") in "iufb" and not missing and numpy_dtype is not None:
        return y.to_numpy(dtype=numpy_dtype)
    if getattr(dtype, "kind", "O") in "iuf":
        return y.to_numpy(dtype=float, na_value=np.nan)
    return y.to_numpy(dtype=object, na_value=np.nan)


def as_target_array(y: Any) -> Any:
    """A pandas or polars Series (or DataFrame, for several outputs) ``y`` as a numpy array.

    pandas' nullable and pyarrow-backed dtypes become numpy ones (integers
    with missing values floats with NaN, strings objects); polars
    categoricals become their labels. Anything else is returned unchanged.
    """
    library = _library(y)
    if library == "polars" and hasattr(y, "to_numpy"):
        import polars as pl

        if hasattr(y, "columns"):
            if not y.width:
                return y.to_numpy()
            return np.column_stack([as_target_array(y.get_column(c)) for c in y.columns])
        if isinstance(y.dtype, (pl.Categorical, pl.Enum)):
            y = y.cast(pl.String)
        return y.to_numpy()
    if library == "pandas" and hasattr(y, "dtypes"):
        if hasattr(y, "columns"):
            if all(isinstance(d, np.dtype) for d in y.dtypes):
                return y.to_numpy()
            return np.column_stack([_target_column(y.iloc[:, i]) for i in range(y.shape[1])])
        return _target_column(y)
    return y


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


def _as_datetime64(values: Any) -> Any:
    """A datetime column (numpy, time-zone aware or pyarrow timestamp/date) as naive ``datetime64``.

    A time-zone aware column keeps its local wall time (the month, weekday
    and hour a person there would read).
    """
    import pandas as pd

    arrow_type = getattr(values.dtype, "pyarrow_dtype", None)
    zone = getattr(values.dtype, "tz", None) or getattr(arrow_type, "tz", None)
    if zone is not None:
        values = values.dt.tz_localize(None)
    if isinstance(values.dtype, np.dtype):
        return values
    unit = getattr(arrow_type, "unit", "us")  # a timestamp's own precision; dates in microseconds
    return pd.Series(values.astype(f"datetime64[{unit}]"), index=values.index)


def _date_parts(frame: Any, column: str) -> dict[str, Any]:
    values = _as_datetime64(frame[column])
    days = (values - np.datetime64("1970-01-01")).dt.total_seconds() / 86400.0
    return {f"{column}__days": days, f"{column}__month": values.dt.month.astype(float),
            f"{column}__weekday": values.dt.day_of_week.astype(float),
            f"{column}__hour": values.dt.hour.astype(float)}


def _numbers(values: Any) -> Any:
    """A numeric column as numpy numbers: nullable and pyarrow ones as float64 with NaN.

    Integer columns without missing values stay integers, as in a
    numpy-backed frame.
    """
    import pandas as pd

    if isinstance(values.dtype, np.dtype):
        return values
    numpy_dtype = getattr(values.dtype, "numpy_dtype", None)
    if numpy_dtype is not None and numpy_dtype.kind in "iu" and not values.isna().any():
        return pd.Series(values.to_numpy(dtype=numpy_dtype), index=values.index)
    return pd.Series(values.to_numpy(dtype=float, na_value=np.nan), index=values.index)


def prepare_frame(frame: Any, owner: str) -> Any:
    """Check a DataFrame and give every column the types the learners take.

    A polars frame is first converted (see :func:`as_pandas_frame`). Each
    datetime column (numpy, time-zone aware or pyarrow timestamps and
    dates) becomes days since 1970, month, weekday and hour (NaT stays
    missing); a duration column becomes days. Numeric columns become numpy
    numbers, nullable and pyarrow ones float64 with NaN for missing values.
    Every other column (strings of any backend, categoricals, booleans,
    objects) becomes an object column of strings with ``np.nan`` for missing
    values, or float64 when it holds only numbers. Column names become
    strings. So a frame gives the same prepared frame whatever its backend
    (numpy, nullable, pyarrow, polars).

    Raises
    ------
    ValueError
        For infinite or complex values, and for an object column that mixes
        numbers and strings, naming the column.
    """
    import pandas as pd

    converted = as_pandas_frame(frame, owner)
    frame = converted.copy() if converted is frame else converted
    frame.columns = [str(c) for c in frame.columns]
    for column in list(frame.columns):
        values = frame[column]
        kind = getattr(values.dtype, "kind", "O")
        if kind == "M" or pd.api.types.is_datetime64_any_dtype(values):
            position = frame.columns.get_loc(column)
            parts = _date_parts(frame, column)
            frame = frame.drop(columns=[column])
            for offset, (name, part) in enumerate(parts.items()):
                frame.insert(position + offset, name, part)
        elif kind == "m":
            seconds = values.dt.total_seconds()
            frame[column] = pd.Series(seconds.to_numpy(dtype=float, na_value=np.nan) / 86400.0,
                                      index=frame.index)
        elif kind == "c" or pd.api.types.is_complex_dtype(values):
            raise ValueError(f"{owner}: column {column!r} holds complex numbers, which no learner takes.")
        elif pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
            numbers = _numbers(values)
            if numbers is not values:  # (numpy columns stay as they are: no copy per column)
                frame[column] = numbers
            if np.isinf(numbers.to_numpy(dtype=float, na_value=np.nan)).any():
                raise ValueError(f"{owner}: column {column!r} contains infinity; replace it with a "
                                 "finite value or NaN.")
        else:
            # Objects, strings, categoricals and booleans, whatever their backend;
            # missing values (None, NaN, NaT, pd.NA) become np.nan.
            objects = values.astype(object)
            missing = objects.isna().to_numpy()
            present = objects[~missing]
            kinds = {type(v) for v in present}
            if any(issubclass(k, complex) for k in kinds):
                raise ValueError(f"{owner}: column {column!r} holds complex numbers.")
            numbers = {k for k in kinds if issubclass(k, (int, float, np.number)) and not issubclass(k, bool)}
            if numbers and kinds - numbers:
                examples = ", ".join(sorted(k.__name__ for k in kinds))
                raise ValueError(f"{owner}: column {column!r} mixes value types ({examples}); "
                                 "convert it to numbers or to strings first.")
            if numbers and not pd.api.types.is_bool_dtype(values):
                frame[column] = pd.Series(np.where(missing, np.nan, objects.to_numpy()).astype(float),
                                          index=frame.index)
            else:
                # Booleans, categories and strings all become strings, so the
                # imputer's "missing" level and every encoder see one type.
                strings = np.full(len(objects), np.nan, dtype=object)
                strings[~missing] = [str(v) for v in present]
                frame[column] = pd.Series(strings, index=frame.index, dtype=object)
    return frame


def _is_text(values: Any) -> bool:
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


def _native_ordinal() -> Build:
    # Missing and unseen levels become NaN, which the native learners send
    # down their learned missing-value branch.
    return Build(OrdinalEncoder, kwargs={"handle_unknown": "use_encoded_value", "unknown_value": np.nan,
                                         "encoded_missing_value": np.nan})


def _steps(*steps: Any) -> Build:
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


def _text_transformers(name: str, kinds: ColumnKinds, text: Build | None) -> list[tuple[str, Any, list[str]]]:
    # One vectoriser per column; they share their hyperparameters.
    if not kinds.text:
        return []
    vectorizer = _text(name) if text is None else text
    return [(f"text_{i}", vectorizer, [column]) for i, column in enumerate(kinds.text)]


def _column_transformer(transformers: list[Any]) -> Build:
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
    transformers: list[Any] = []
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


def native_learner(learner: Any, kinds: ColumnKinds) -> Any | None:
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
                classification: bool, allow_native: bool = True) -> Any:
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
