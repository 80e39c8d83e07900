"""Stage 1 of ``fit``: check the data and read the task from it.

:func:`read_inputs` takes what the user passed to ``fit`` and returns an
:class:`Inputs`: ``X`` in the form the pipelines take (a prepared pandas
frame, a numeric array or CSR matrix, or an object array of documents), the
targets, the class codes, the task, the weights and the groups. Nothing here
sets an attribute on the estimator. :func:`predict_input` gives ``X`` at
predict time the same checks and preparation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np
from scipy.sparse import issparse
from sklearn.base import BaseEstimator, clone
from sklearn.preprocessing import LabelEncoder
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import check_consistent_length, column_or_1d, validate_data

from ..frames import as_pandas_frame, as_target_array, is_frame, prepare_frame

__all__ = ["Inputs", "read_inputs", "infer_task", "join_exogenous", "predict_input", "is_documents"]

# What ``X`` was: it decides the space (column preprocessing, text
# vectorisers) and what predict accepts.
ARRAY, FRAME, DOCUMENTS = "array", "frame", "documents"


@dataclass(frozen=True)
class Inputs:
    """The checked data of one ``fit``.

    ``y`` holds the targets as given (floats for regression), ``y_encoded``
    the class codes ``0..n_classes-1`` (``None`` for regression) and
    ``classes`` their labels. ``n_features_in`` and ``feature_names_in``
    are what scikit-learn's ``validate_data`` recorded (``None`` for
    documents).
    """

    X: Any
    y: np.ndarray
    y_encoded: np.ndarray | None
    task: str
    classes: np.ndarray | None
    weights: np.ndarray | None
    groups: np.ndarray | None
    kind: str
    n_features_in: int | None
    feature_names_in: np.ndarray | None

    @property
    def split_targets(self) -> np.ndarray:
        """What the splitters stratify on: the class codes, or the targets."""
        return self.y if self.y_encoded is None else self.y_encoded

    @property
    def sparse(self) -> bool:
        """Whether the learners will see a sparse matrix (documents become one)."""
        return self.kind == DOCUMENTS or issparse(self.X)


def read_inputs(owner: BaseEstimator, X: Any, y: Any, groups: Any, sample_weight: Any,
                task: str | None) -> Inputs:
    """Check ``fit``'s data for ``owner``; ``task`` is the task when fixed, else read from ``y``."""
    name = type(owner).__name__
    # validate_data records n_features_in_ and feature_names_in_ on the
    # estimator it is given; a clone receives them, so that the estimator's
    # fitted attributes are set in one place, from what this returns.
    record = clone(owner)
    kind = FRAME if is_frame(X) else ARRAY
    X, y = as_pandas_frame(X, name), as_target_array(y)
    if kind == ARRAY and is_documents(X):
        kind, X = DOCUMENTS, _documents(X, y, name)
    elif kind == ARRAY:
        X, y = validate_data(record, X, y, accept_sparse=("csr", "csc"), ensure_all_finite="allow-nan",
                             dtype="numeric", multi_output=True, y_numeric=False)
        X = small_indices(X)
    else:
        X = _frame(record, X, y, name)
    weights = check_sample_weight(sample_weight, X.shape[0], name)
    groups = check_groups(groups, X.shape[0], name)
    task = task or infer_task(np.asarray(y))
    y, y_encoded, classes = encode_targets(y, task, name)
    return Inputs(X=X, y=y, y_encoded=y_encoded, task=task, classes=classes, weights=weights,
                  groups=groups, kind=kind, n_features_in=getattr(record, "n_features_in_", None),
                  feature_names_in=getattr(record, "feature_names_in_", None))


def _documents(X: Any, y: Any, owner: str) -> np.ndarray:
    """Raw text, one string per sample, for a vectoriser."""
    X = np.asarray(X, dtype=object)
    if X.shape[0] == 0:
        raise ValueError(f"{owner}: X holds no documents; it needs at least one sample.")
    check_consistent_length(X, y)
    return X


def _frame(record: BaseEstimator, X: Any, y: Any, owner: str) -> Any:
    """A pandas frame checked and prepared (see :func:`hpsk.tabular.prepare_frame`)."""
    validate_data(record, X, y, skip_check_array=True)
    if X.shape[0] == 0 or X.shape[1] == 0:
        raise ValueError(f"{owner}: X has shape {X.shape}; it needs at least one sample and one column.")
    check_consistent_length(X, y)
    return prepare_frame(X, owner)


def predict_input(owner: BaseEstimator, X: Any, kind: str) -> Any:
    """``X`` at predict time, checked against what ``owner`` was fitted on and prepared as in fit."""
    name = type(owner).__name__
    if kind == DOCUMENTS:
        if not is_documents(X):
            raise ValueError(f"{name} was fitted on documents (a 1-D array of strings); "
                             "pass documents to predict.")
        return np.asarray(X, dtype=object)
    if kind == FRAME:
        if not is_frame(X):
            raise ValueError(f"{name} was fitted on a DataFrame; pass a DataFrame with the columns "
                             f"{list(getattr(owner, 'feature_names_in_', []))} to predict.")
        X = as_pandas_frame(X, name)  # as in fit; either backend fits the other
        validate_data(owner, X, reset=False, skip_check_array=True)
        return prepare_frame(X, name)
    return small_indices(validate_data(owner, X, reset=False, accept_sparse=("csr", "csc"),
                                       ensure_all_finite="allow-nan", dtype="numeric"))


def infer_task(y: np.ndarray) -> str:
    """``"classification"`` or ``"regression"`` read from the targets.

    Continuous targets (floats with more than 20 distinct values, or that
    are not integral) are regression; labels and integer codes are classes.
    """
    if y.dtype.kind not in "iufb":
        return "classification"
    target = type_of_target(y)
    if target == "continuous":
        return "regression"
    if target in ("binary", "multiclass") and (y.dtype.kind != "f" or len(np.unique(y)) <= 20):
        return "classification"
    return "regression"


def encode_targets(y: Any, task: str, owner: str) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
    """``(targets, class codes, classes)``: float targets for regression, codes for classes."""
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] == 1:
        y = column_or_1d(y, warn=True)
    check_target(y, owner)
    if task == "regression":
        if y.dtype.kind not in "iufb":
            example = y.ravel()[0] if y.size else None
            raise ValueError(f"{owner} needs numeric targets for regression (Unknown label type: "
                             f"y has dtype {y.dtype}, e.g. {example!r}). Use a classifier for labels.")
        return y.astype(float), None, None
    if y.ndim != 1:
        raise ValueError(f"{owner}: y must be 1-D for classification, got shape {y.shape}.")
    if y.dtype.kind == "f" and type_of_target(y) == "continuous":
        raise ValueError(f"{owner}: Unknown label type: continuous. y holds non-integer floats "
                         f"(e.g. {y[0]!r}); use a regressor, or round them into classes.")
    encoder = LabelEncoder().fit(y)
    if len(encoder.classes_) < 2:
        raise ValueError(f"{owner}: y has only one class ({encoder.classes_[0]!r}); "
                         "classification needs at least two.")
    return y, encoder.transform(y), encoder.classes_


def check_target(y: np.ndarray, owner: str) -> None:
    """Clear errors for targets no learner can use."""
    if y.dtype.kind in "fc" and not np.all(np.isfinite(y)):
        raise ValueError(f"{owner}: y contains NaN or infinity; remove or impute those rows first.")
    if y.dtype.kind == "O":
        missing = [v for v in y if v is None or (isinstance(v, float) and v != v)]
        if missing:
            raise ValueError(f"{owner}: y contains missing values ({missing[0]!r}); "
                             "remove those rows first.")
    if y.dtype.kind == "c":
        raise ValueError(f"{owner}: y contains complex numbers.")


def check_sample_weight(sample_weight: Any, n_samples: int, owner: str) -> np.ndarray | None:
    """One finite, non-negative weight per sample, not all zero; ``None`` stays ``None``."""
    if sample_weight is None:
        return None
    weights = np.asarray(sample_weight, dtype=float)
    if weights.ndim != 1 or len(weights) != n_samples:
        raise ValueError(f"{owner}: sample_weight has shape {weights.shape} but X has {n_samples} "
                         "samples; it needs one weight per sample.")
    if not np.all(np.isfinite(weights)) or np.any(weights < 0):
        raise ValueError(f"{owner}: sample_weight must be finite and >= 0.")
    if not np.any(weights > 0):
        raise ValueError(f"{owner}: Sample weights must contain at least one non-zero number.")
    return weights


def check_groups(groups: Any, n_samples: int, owner: str) -> np.ndarray | None:
    """One group label per sample; ``None`` stays ``None``."""
    if groups is None:
        return None
    groups = np.asarray(groups)
    if groups.ndim != 1 or len(groups) != n_samples:
        raise ValueError(f"{owner}: groups has shape {groups.shape} but X has {n_samples} samples.")
    return groups


def is_documents(X: Any) -> bool:
    """Whether ``X`` is a 1-D sequence of strings (documents for a text vectoriser)."""
    if isinstance(X, (str, bytes)) or issparse(X) or is_frame(X):
        return False
    if isinstance(X, np.ndarray):
        return X.ndim == 1 and X.size > 0 and X.dtype.kind in "OUS" and isinstance(X.flat[0], (str, bytes))
    if isinstance(X, (list, tuple)) or type(X).__name__ == "Series":
        values = list(X)
        return bool(values) and all(isinstance(v, (str, bytes)) for v in values)
    return False


def small_indices(X: Any) -> Any:
    """A sparse matrix as CSR with 32-bit indices when they fit (liblinear and
    others reject 64-bit ones); anything else unchanged."""
    if not issparse(X):
        return X
    X = X.tocsr()
    if X.indices.dtype != np.int32 and X.nnz < 2**31 and X.shape[1] < 2**31:
        X = X.copy()
        X.indices = X.indices.astype(np.int32)
        X.indptr = X.indptr.astype(np.int32)
    return X


def join_exogenous(X: Any, EX_list: Sequence[Any] | None, owner: str, *, fitting: bool = True,
                   fitted_widths: list[int] | None = None) -> tuple[Any, list[int] | None]:
    """``X`` and hyperopt-sklearn's exogenous data sets side by side, and their column counts.

    At fit the widths are returned, to be kept; at predict (``fitting=False``)
    the widths that fit returned are required. Without ``EX_list``, ``X`` is
    returned as it is.
    """
    if EX_list is None:
        if not fitting and fitted_widths is not None:
            raise ValueError(f"{owner} was fitted with EX_list ({len(fitted_widths) - 1} "
                             "exogenous data sets); pass the same EX_list to predict and score.")
        return X, None
    if not isinstance(EX_list, (list, tuple)) or not EX_list:
        raise ValueError(f"{owner}: EX_list must be a non-empty list of arrays, got {type(EX_list).__name__}.")
    dense = [p.toarray() if issparse(p) else np.asarray(p) for p in [X, *EX_list]]
    dense = [p.reshape(-1, 1) if p.ndim == 1 else p for p in dense]
    if len({p.shape[0] for p in dense}) != 1 or any(p.ndim != 2 for p in dense):
        raise ValueError(f"{owner}: X and every array of EX_list need the same number of rows; got "
                         f"shapes {[p.shape for p in dense]}.")
    widths = [p.shape[1] for p in dense]
    if not fitting and widths != fitted_widths:
        raise ValueError(f"{owner}: X and EX_list have {widths} columns; fit saw {fitted_widths}.")
    return np.hstack(dense), widths
