"""Frames as users hand them over: conversion to pandas and preparation for the learners.

A pandas DataFrame can mix numbers, strings, categoricals, booleans, dates,
free text and missing values, in numpy-backed, nullable or pyarrow-backed
dtypes. :func:`as_pandas_frame` turns a polars DataFrame into the
numpy-backed pandas frame with the same column kinds (without pyarrow);
:func:`as_target_array` does the same for a target. :func:`prepare_frame`
checks a frame, turns dates into numbers and gives every column the same
types whatever its backend (numbers as numpy numbers, the rest as object
strings; NaN for missing). :mod:`hpsk.tabular` then sorts the prepared
columns by kind and builds the column-aware search space; it re-exports
every public name here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["is_frame", "as_pandas_frame", "as_target_array", "prepare_frame"]


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


def _target_column(y: pd.Series) -> np.ndarray:
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



def _as_datetime64(values: pd.Series) -> pd.Series:
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


def _date_parts(frame: pd.DataFrame, column: str) -> dict[str, pd.Series]:
    values = _as_datetime64(frame[column])
    days = (values - np.datetime64("1970-01-01")).dt.total_seconds() / 86400.0
    return {f"{column}__days": days, f"{column}__month": values.dt.month.astype(float),
            f"{column}__weekday": values.dt.day_of_week.astype(float),
            f"{column}__hour": values.dt.hour.astype(float)}


def _numbers(values: pd.Series) -> pd.Series:
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


def _strings_or_numbers(values: pd.Series, column: str, owner: str) -> pd.Series:
    """An object, string, categorical or boolean column, whatever its backend, as one type.

    Missing values (None, NaN, NaT, pd.NA) become ``np.nan``; a column of
    numbers becomes float64; anything else (booleans, categories, strings)
    an object column of strings, so the imputer's "missing" level and every
    encoder see one type.
    """
    import pandas as pd

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
        return pd.Series(np.where(missing, np.nan, objects.to_numpy()).astype(float), index=values.index)
    strings = np.full(len(objects), np.nan, dtype=object)
    strings[~missing] = [str(v) for v in present]
    return pd.Series(strings, index=values.index, dtype=object)


def prepare_frame(frame: Any, owner: str) -> pd.DataFrame:
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
            frame[column] = _strings_or_numbers(values, column, owner)
    return frame
