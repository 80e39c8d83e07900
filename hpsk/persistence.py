"""Save and load models: skops files that are checked before loading, or joblib.

:func:`save` and :func:`load` take a fitted hpsk estimator
(:class:`~hpsk.HyperoptClassifier`, :class:`~hpsk.HyperoptRegressor`,
:class:`~hpsk.HyperoptEstimator`: the whole search, so that ``predict``,
``describe()``, ``leaderboard()``, ``best_params_`` and ``trials_`` work after
loading) or any scikit-learn model, such as its ``best_estimator_``. The
format follows the file name:

- ``.skops``: `skops <https://skops.readthedocs.io>`_ (``pip install
  "hpsk[skops]"``). A skops file describes its objects instead of holding
  pickled code, and :func:`load` checks every type it names against the types
  hpsk trusts (:func:`trusted_types`) before creating anything: a file that
  needs another type is refused with an error naming it. Use it for files
  that come from elsewhere.
- anything else (``.joblib``, ``.pkl``): :mod:`joblib`, i.e. pickle. Loading a
  joblib file **can run any code its author chose**; load only files you made
  yourself or fully trust.

What is stored. The estimator's whole state goes into the file: the refitted
pipeline, the trials, the compiled search space (its build nodes name the
classes and functions they construct, by import path) and the estimator's
parameters. Nothing is dropped or rebuilt. Functions and classes are stored
by name, so a ``lambda`` or a function defined inside another function
(given as ``loss_fn``, ``scoring``, ``algo`` or inside a custom ``space``)
cannot be stored in either format: :func:`save` refuses it, naming the
attribute, before writing anything.

Examples
--------
>>> import hpsk
>>> from sklearn.datasets import load_iris
>>> X, y = load_iris(return_X_y=True)
>>> model = hpsk.HyperoptClassifier(max_evals=3, random_state=0).fit(X, y)
>>> hpsk.save(model, "model.skops")  # doctest: +SKIP
>>> hpsk.load("model.skops").predict(X[:2])  # doctest: +SKIP
array([0, 0])
"""

from __future__ import annotations

import functools
import importlib
import inspect
import os
import types
import warnings
import zipfile
from typing import Any, Iterable

import numpy as np

__all__ = ["save", "load", "check_format", "trusted_types", "UntrustedTypesError"]

_SKOPS_MISSING = ('saving or loading a .skops file needs skops: pip install "hpsk[skops]" '
                  '(or pip install skops)')


class UntrustedTypesError(TypeError):
    """A skops file names types outside the trusted list; nothing was loaded.

    Attributes
    ----------
    types : list of str
        The types hpsk does not trust, as ``"module.Name"``.
    """

    def __init__(self, path: str | os.PathLike, untrusted: Iterable[str]) -> None:
        self.types = sorted(untrusted)
        super().__init__(
            f"{os.fspath(path)!r} names {len(self.types)} type(s) that hpsk does not trust: "
            f"{', '.join(self.types)}. Loading a type imports its module and may run its code. "
            f"If you trust where this file comes from, list them: "
            f"hpsk.load(path, trusted={self.types!r})"
        )


# --------------------------------------------------------------------------
# The trusted types.
# --------------------------------------------------------------------------


def _name(obj: Any) -> str:
    """The name skops gives a type or function: ``module.__name__``."""
    return f"{obj.__module__}.{obj.__name__}"


def _classes_in(module_name: str, base: type | None = None) -> set[str]:
    """Classes defined in ``module_name`` (subclasses of ``base`` when given)."""
    try:
        module = importlib.import_module(module_name)
    except ImportError:
        return set()
    return {_name(value) for value in vars(module).values()
            if isinstance(value, type) and value.__module__ == module_name
            and (base is None or issubclass(value, base))}


def _optional(module_name: str, attribute: str) -> Any:
    try:
        return getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError):
        return None


# Files written before ``construct`` moved to ``hpsk.space`` name it by its old
# place; ``hpsk.components._base`` keeps that name for them. Files written
# before ``hpsk.evaluation`` became a package name ``exogenous_columns`` by its
# old place, and files written before the distributions moved to
# ``hpsk.distributions`` name them ``hpsk.space.Float`` and so on; the package
# and ``hpsk.space`` re-export them.
_FORMER_NAMES = frozenset({"hpsk.components._base._construct", "hpsk.evaluation.exogenous_columns"}) | {
    f"hpsk.space.{name}" for name in ("Float", "Gaussian", "Integer", "Categorical")}


def _hpsk_types() -> set[str]:
    from . import tabular
    from .algorithms import anneal, mix, rand, tpe
    from .components import gaussian_process, lagselectors, vkmeans
    from .estimator import HyperoptClassifier, HyperoptEstimator, HyperoptRegressor
    from .evaluation import exogenous_columns
    from .space import Build, Categorical, Choice, CompiledSpace, Float, Gaussian, Integer, Param, construct
    from .trials import Trial, Trials

    return set(_FORMER_NAMES) | {_name(obj) for obj in (
        HyperoptEstimator, HyperoptClassifier, HyperoptRegressor,
        Float, Gaussian, Integer, Categorical, Param, Choice, Build, CompiledSpace,
        Trial, Trials,
        # What the search space's build nodes call (the components' classes are
        # scikit-learn's, XGBoost's and LightGBM's).
        construct, tabular.encoded, tabular.native, gaussian_process.scaled_kernel,
        lagselectors.lag_selector, vkmeans.ColumnKMeans,
        # The column step of ``fit(..., EX_list=...)``.
        exogenous_columns,
        # The ``algo`` parameter.
        tpe.suggest, rand.suggest, anneal.suggest, mix.suggest,
    )}


def _sklearn_types() -> set[str]:
    from sklearn import metrics, model_selection
    from sklearn.metrics import get_scorer, get_scorer_names
    from sklearn.utils import Bunch, all_estimators
    from sklearn.utils.validation import check_array, column_or_1d

    # Every estimator class: fitted instances, and the classes themselves in
    # the search space's build nodes.
    names = {_name(cls) for _, cls in all_estimators()}
    # The helper objects inside fitted estimators.
    names.add(_name(Bunch))
    names |= _classes_in("sklearn.tree._tree")  # Tree
    names |= _classes_in("sklearn.ensemble._hist_gradient_boosting.predictor")  # TreePredictor
    names |= _classes_in("sklearn.ensemble._hist_gradient_boosting.binning")  # _BinMapper
    names |= _classes_in("sklearn._loss.loss") | _classes_in("sklearn._loss.link")
    names |= _classes_in("sklearn.metrics._dist_metrics")  # k-NN metrics
    names |= _classes_in("sklearn.neighbors._kd_tree") | _classes_in("sklearn.neighbors._ball_tree")
    names |= _classes_in("sklearn.gaussian_process.kernels")
    names |= _classes_in("sklearn.gaussian_process._gpc")  # the binary Laplace classifiers
    names |= _classes_in("sklearn.neural_network._stochastic_optimizers")
    names |= _classes_in("sklearn.metrics._scorer")  # scoring=make_scorer(...)
    names |= _classes_in("sklearn.calibration")  # CalibratedClassifierCV's calibrators
    # HistGradientBoosting's own column preprocessing (a partial of check_array)
    # and hpsk's text columns (column_or_1d).
    names |= {_name(check_array), _name(column_or_1d)}
    # The metrics, for scoring=make_scorer(metric) and loss_fn=metric.
    names |= {_name(getattr(metrics, n)) for n in metrics.__all__ if inspect.isfunction(getattr(metrics, n))}
    names |= {_name(get_scorer(n)._score_func) for n in get_scorer_names()}
    # cv=KFold(5) and the other splitters.
    for n in model_selection.__all__:
        try:
            value = getattr(model_selection, n)
        except ImportError:  # the experimental halving searches
            continue
        if isinstance(value, type) and hasattr(value, "split") and hasattr(value, "get_n_splits"):
            names.add(_name(value))
    return names


def _numpy_scipy_types() -> set[str]:
    names = {_name(np.dtype)} | _classes_in("numpy.dtypes")
    bspline = _optional("scipy.interpolate", "BSpline")
    if bspline is not None:  # SplineTransformer's splines, and the array function they keep
        names.add(_name(bspline))
        spline = bspline(np.arange(8.0), np.ones(4), 3)
        names |= {_name(value) for value in vars(spline).values() if isinstance(value, types.FunctionType)}
    return names


def _boosting_types() -> set[str]:
    names = set()
    xgb_model = _optional("xgboost.sklearn", "XGBModel")
    if xgb_model is not None:
        names |= _classes_in("xgboost.sklearn", xgb_model) | {_name(_optional("xgboost.core", "Booster"))}
    lgbm_model = _optional("lightgbm.sklearn", "LGBMModel")
    if lgbm_model is not None:
        names |= _classes_in("lightgbm.sklearn", lgbm_model) | {_name(_optional("lightgbm.basic", "Booster"))}
    return names


def _standard_library_types() -> set[str]:
    import collections
    import pathlib

    # A partial runs only its function, which is checked on its own; LightGBM
    # keeps OrderedDicts; a path (the ``storage`` parameter) is only built.
    return {_name(functools.partial), _name(collections.OrderedDict)} | {
        _name(cls) for cls in (pathlib.PurePath, pathlib.PurePosixPath, pathlib.PureWindowsPath,
                               pathlib.Path, pathlib.PosixPath, pathlib.WindowsPath)}


@functools.lru_cache(maxsize=None)
def _trusted() -> frozenset[str]:
    return frozenset(_hpsk_types() | _sklearn_types() | _numpy_scipy_types() | _boosting_types()
                     | _standard_library_types())


def trusted_types() -> list[str]:
    """The types :func:`load` accepts in a skops file beyond skops' own defaults.

    They are the types that files written by hpsk name and that skops does
    not trust by default (what :func:`skops.io.get_untrusted_types` reports for
    them), each from scikit-learn, numpy, scipy, XGBoost, LightGBM or hpsk:

    - hpsk's estimators, search-space nodes, trials, and the functions its
      search spaces build with; the search algorithms (``algo``);
    - every scikit-learn estimator class, and the helper objects inside
      fitted ones (trees, HistGradientBoosting's predictors and binners,
      losses, k-NN trees and metrics, Gaussian-process kernels, MLP
      optimisers, calibrators, ``Bunch``), scorers and metric functions,
      splitters, and ``check_array``/``column_or_1d`` (used by column
      preprocessing);
    - numpy dtypes and scipy's ``BSpline`` (``SplineTransformer``);
    - XGBoost's and LightGBM's scikit-learn classes and their boosters;
    - from the standard library, ``functools.partial`` (its function is
      checked on its own), ``collections.OrderedDict`` (LightGBM) and
      ``pathlib`` paths (the ``storage`` parameter).

    The names are read from the installed libraries, so the list follows
    their versions. Its functions only compute (metrics, input checks, the
    search algorithms, the search space's builders): none reads or writes
    files or runs commands. A new function or class that hpsk's search
    spaces build with must be added here (``tests/test_persistence.py``
    fails until it is).

    Returns
    -------
    list of str
        ``"module.Name"`` entries, sorted.
    """
    return sorted(_trusted())


def _type_names(trusted: Any) -> set[str]:
    """``trusted=`` as names: a name, a type, or a list of them."""
    if trusted is None:
        return set()
    items = [trusted] if isinstance(trusted, (str, type)) else list(trusted)
    names = set()
    for item in items:
        if isinstance(item, str):
            names.add(item)
        elif isinstance(item, type) or callable(item) and hasattr(item, "__name__"):
            names.add(_name(item))
        else:
            raise TypeError(f"trusted= takes type names such as 'mypackage.MyTransformer', or the types "
                            f"themselves; got {item!r}")
    return names


# --------------------------------------------------------------------------
# What pickle and skops cannot store.
# --------------------------------------------------------------------------

_ATOMS = (str, bytes, bytearray, int, float, complex, bool, type(None), np.generic, np.dtype)


def _is_local(obj: Any) -> bool:
    qualname = getattr(obj, "__qualname__", "")
    return "<lambda>" in qualname or "<locals>" in qualname


def _local_definitions(model: Any) -> list[tuple[str, str]]:
    """``(attribute path, name)`` of every lambda, local function or local class in ``model``.

    Both formats store functions and classes by import path, which these
    lack. The walk follows containers, object ``__dict__``s and partials;
    it does not enter numeric arrays or pandas objects.
    """
    found: list[tuple[str, str]] = []
    seen: set[int] = set()
    stack: list[tuple[Any, str]] = [(model, "model")]
    while stack:
        value, where = stack.pop()
        if isinstance(value, _ATOMS) or id(value) in seen:
            continue
        seen.add(id(value))
        if isinstance(value, (types.FunctionType, type)):
            if _is_local(value):
                found.append((where, f"{value.__module__}.{value.__qualname__}"))
            continue
        if _is_local(type(value)):
            found.append((where, f"an instance of {type(value).__module__}.{type(value).__qualname__}"))
            continue
        if isinstance(value, types.MethodType):
            stack += [(value.__func__, where), (value.__self__, f"{where}.__self__")]
            continue
        if isinstance(value, functools.partial):
            stack += [(value.func, f"{where}.func"), (value.args, f"{where}.args"),
                      (value.keywords, f"{where}.keywords")]
            continue
        if isinstance(value, np.ndarray):
            if value.dtype == object:
                stack += [(item, f"{where}[{i}]") for i, item in enumerate(value.ravel())]
            continue
        if (getattr(type(value), "__module__", None) or "").split(".")[0] == "pandas":
            continue
        if isinstance(value, dict):
            stack += [(item, f"{where}[{key!r}]") for key, item in value.items()]
            stack += [(key, f"{where} (a key)") for key in value if not isinstance(key, _ATOMS)]
        elif isinstance(value, (list, tuple, set, frozenset)):
            stack += [(item, f"{where}[{i}]") for i, item in enumerate(value)]
        elif isinstance(getattr(value, "__dict__", None), dict):
            stack += [(item, f"{where}.{key}") for key, item in vars(value).items()]
    return sorted(found)


def _check_storable(model: Any) -> None:
    local = _local_definitions(model)
    if local:
        where, name = local[0]
        more = f" (and {len(local) - 1} more)" if len(local) > 1 else ""
        raise ValueError(
            f"Cannot save the model: {where} is {name}{more}, a lambda or a function or class "
            "defined inside a function. Model files store functions and classes by their import "
            "path, which it lacks; define it at the top level of a module and fit again."
        )


# --------------------------------------------------------------------------
# save and load.
# --------------------------------------------------------------------------


def _is_skops(path: str | os.PathLike) -> bool:
    return os.fspath(path).lower().endswith(".skops")


def _skops_io() -> Any:
    try:
        import skops.io
    except ImportError:
        raise ImportError(_SKOPS_MISSING) from None
    return skops.io


def check_format(path: str | os.PathLike) -> None:
    """Check that the format ``path`` names can be written and read here.

    For a long fit whose model goes to ``path``: fail before it, not after.

    Raises
    ------
    ImportError
        For a ``.skops`` path when skops is not installed
        (``pip install "hpsk[skops]"``); a joblib file needs nothing more.
    """
    if _is_skops(path):
        _skops_io()


def save(model: Any, path: str | os.PathLike) -> None:
    """Save ``model`` to ``path``: skops for a ``.skops`` path, joblib otherwise.

    Parameters
    ----------
    model : estimator
        A fitted hpsk estimator (the whole search: predict, ``describe()``,
        ``leaderboard()``, ``best_params_`` and ``trials_`` work after
        :func:`load`) or any scikit-learn model, such as its
        ``best_estimator_`` (a pipeline or a voting ensemble of pipelines).
    path : str or path-like
        The file to write (replaced if it exists). A name ending in
        ``.skops`` gives a skops file, which :func:`load` checks before it
        creates anything; any other name a joblib (pickle) file.

    Raises
    ------
    ValueError
        If the model holds a lambda or a locally defined function or class
        (as ``loss_fn``, ``scoring``, in a custom space, ...): neither format
        can store it, and nothing is written.
    ImportError
        For a ``.skops`` path when skops is not installed
        (``pip install "hpsk[skops]"``).

    Warns
    -----
    UserWarning
        When a skops file names types outside :func:`trusted_types` (a
        custom space's own classes, say): :func:`load` then needs them as
        ``trusted=``; the warning lists them.
    """
    _check_storable(model)
    if not _is_skops(path):
        import joblib

        joblib.dump(model, path)
        return
    sio = _skops_io()
    sio.dump(model, path, compression=zipfile.ZIP_DEFLATED)  # its JSON shrinks about tenfold
    extra = sorted(set(sio.get_untrusted_types(file=path)) - _trusted())
    if extra:
        warnings.warn(
            f"{os.fspath(path)!r} names types hpsk does not trust by default: {', '.join(extra)}. "
            f"Load it with hpsk.load(path, trusted={extra!r}).", UserWarning, stacklevel=2)


# load is over 60 lines only through its docstring, which documents the formats
# it reads and what it trusts.
def load(path: str | os.PathLike, *, trusted: Any = None) -> Any:
    """Load a model saved by :func:`save` (or by :func:`skops.io.dump` / :func:`joblib.dump`).

    A ``.skops`` file is checked before anything in it is created: every type
    it names must be trusted by skops by default, be in :func:`trusted_types`
    (what hpsk writes: hpsk, scikit-learn, numpy, scipy, XGBoost and LightGBM
    objects) or be listed in ``trusted``; otherwise nothing is loaded and
    :class:`UntrustedTypesError` names the others. A model saved by hpsk
    loads without ``trusted``.

    Any other file is read with :func:`joblib.load`. **A joblib file can run
    any code when it is loaded** (it is a pickle): load only files you made
    yourself or fully trust, and prefer ``.skops`` for files you receive.

    Parameters
    ----------
    path : str or path-like
        The file; a name ending in ``.skops`` is read with skops.
    trusted : str, type or list of them, optional
        Further types to accept in a skops file, by name (``"module.Name"``,
        as the error reports them) or as the types themselves: your own
        transformers or functions in a custom search space. Only for
        ``.skops`` files.

    Returns
    -------
    model : object
        What was saved.

    Raises
    ------
    UntrustedTypesError
        When a skops file names a type that is not trusted (a ``TypeError``).
    ImportError
        For a ``.skops`` path when skops is not installed.
    ValueError
        If ``trusted`` is given for a joblib file, which cannot be checked.

    Notes
    -----
    Trusting a type means loading creates objects of it; their contents are
    not checked. For some fitted objects (scikit-learn's tree structures and
    HistGradientBoosting predictors, XGBoost and LightGBM boosters) a
    deliberately corrupted file can then crash the process, or make it read
    memory out of bounds, when the model predicts. skops leaves
    ``sklearn.tree._tree.Tree`` and ``TreePredictor`` out of its own defaults
    for that reason; hpsk trusts them because its models are made of them.
    Predict with a ``.skops`` file from an unknown source in a process you
    can afford to lose.
    """
    if not _is_skops(path):
        if trusted is not None:
            raise ValueError("trusted= applies to .skops files only: a joblib file cannot be checked "
                             "before it runs. Load joblib files only from sources you trust.")
        import joblib

        return joblib.load(path)
    sio = _skops_io()
    allowed = _trusted() | _type_names(trusted)
    needed = set(sio.get_untrusted_types(file=path))
    refused = needed - allowed
    if refused:
        raise UntrustedTypesError(path, refused)
    return sio.load(path, trusted=sorted(needed))
