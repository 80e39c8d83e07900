"""Export the winning pipeline as a short Python script without hpsk.

:func:`export_code` writes the pipeline as code: imports from scikit-learn
(and XGBoost), a ``make_pipeline_()`` function that builds it unfitted with
every hyperparameter that differs from the library default (``random_state``
included, so a refit gives the same predictions), a ``fit(X, y)`` function,
and a ``__main__`` block that fits it on a CSV file::

    python winner.py train.csv TARGET_COLUMN model.joblib

Examples
--------
>>> from sklearn.datasets import load_iris
>>> from hpsk import HyperoptClassifier, rand
>>> from hpsk.export import export_code
>>> X, y = load_iris(return_X_y=True)
>>> est = HyperoptClassifier(max_evals=3, algo=rand.suggest, random_state=0).fit(X, y)
>>> code = export_code(est)
>>> namespace = {}
>>> exec(code, namespace)
>>> pipeline = namespace["fit"](X, y)
>>> bool((pipeline.predict(X) == est.predict(X)).all())
True
"""

from __future__ import annotations

import importlib
import inspect
import math
import textwrap
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.exceptions import NotFittedError
from sklearn.frozen import FrozenEstimator

from .estimator import HyperoptEstimator
from .versions import library_versions

__all__ = ["export_code"]

_LINE_WIDTH = 88
_NO_DEFAULT = object()


class _Imports:
    """The ``from module import name`` lines a script needs, with unique local names."""

    def __init__(self) -> None:
        self._local: dict[tuple[str, str], str] = {}
        self.numpy = False

    def name_of(self, obj: Any) -> str:
        """The local name of a class or function, importing it from its public module."""
        module, name = _public_location(obj)
        key = (module, name)
        if key not in self._local:
            local = name
            taken = set(self._local.values())
            suffix = 2
            while local in taken:
                local, suffix = f"{name}_{suffix}", suffix + 1
            self._local[key] = local
        return self._local[key]

    def uses(self, package: str) -> bool:
        """Whether any import comes from ``package``."""
        return any(module.split(".")[0] == package for module, _ in self._local)

    def lines(self) -> list[str]:
        by_module: dict[str, list[str]] = {}
        for (module, name), local in sorted(self._local.items()):
            by_module.setdefault(module, []).append(name if local == name else f"{name} as {local}")
        lines = ["import numpy as np"] if self.numpy else []
        lines.extend(f"from {module} import {', '.join(names)}" for module, names in by_module.items())
        return lines


def _public_location(obj: Any) -> tuple[str, str]:
    """The shortest importable module path that exposes ``obj`` (``sklearn.ensemble``)."""
    name = getattr(obj, "__qualname__", getattr(obj, "__name__", None))
    module = getattr(obj, "__module__", None)
    if not name or not module or "." in name or "<" in name:
        raise ValueError(f"Cannot write {obj!r} as an import: it is not a module-level name.")
    if module.split(".")[0] == "hpsk":
        raise ValueError(
            f"The pipeline uses hpsk's own {name} ({module}), which plain scikit-learn lacks; "
            "this pipeline cannot be exported without hpsk."
        )
    parts = module.split(".")
    for end in range(1, len(parts) + 1):
        candidate = ".".join(parts[:end])
        try:
            if getattr(importlib.import_module(candidate), name, None) is obj:
                return candidate, name
        except ImportError:
            continue
    raise ValueError(f"Cannot find a module that exports {name} (defined in {module}).")


def _default(cls: type, param: str) -> Any:
    """The constructor default of ``param``: the first class in the MRO that names it.

    XGBoost's classes take ``**kwargs`` and declare their defaults on a base
    class, hence the walk.
    """
    for klass in cls.__mro__:
        init = klass.__dict__.get("__init__")
        if init is None:
            continue
        parameter = inspect.signature(init).parameters.get(param)
        if parameter is not None and parameter.default is not inspect.Parameter.empty:
            return parameter.default
    return _NO_DEFAULT


def _same(value: Any, default: Any) -> bool:
    if default is _NO_DEFAULT:
        return False
    if value is default:
        return True
    if isinstance(value, float) and isinstance(default, float) and math.isnan(value) and math.isnan(default):
        return True
    if type(value) is not type(default) or isinstance(value, (np.ndarray, BaseEstimator)):
        return False
    try:
        return bool(value == default)
    except (TypeError, ValueError):
        return False


def _non_default_params(estimator: Any) -> dict[str, Any]:
    params = estimator.get_params(deep=False)
    return {key: value for key, value in params.items()
            if not _same(value, _default(type(estimator), key))}


def _render(value: Any, imports: _Imports, indent: int, prefix: int = 0) -> str:
    """Python source for ``value``, black-style multi-line when one line is too long.

    ``indent`` is the indentation of the line the value starts on and
    ``prefix`` the width of what precedes it there (``"key="``).
    """
    flat = _render_flat(value, imports)
    if indent + prefix + len(flat) <= _LINE_WIDTH:
        return flat
    pad, inner = " " * indent, " " * (indent + 4)
    if hasattr(value, "get_params") and not isinstance(value, type):
        items = [f"{inner}{key}={_render(item, imports, indent + 4, len(key) + 1)},"
                 for key, item in _non_default_params(value).items()]
        return f"{imports.name_of(type(value))}(\n" + "\n".join(items) + f"\n{pad})"
    if isinstance(value, (list, tuple)) and value:
        items = [f"{inner}{_render(item, imports, indent + 4)}," for item in value]
        open_, close = ("[", "]") if isinstance(value, list) else ("(", ")")
        return open_ + "\n" + "\n".join(items) + f"\n{pad}{close}"
    if isinstance(value, dict) and value:
        items = [f"{inner}{key!r}: {_render(item, imports, indent + 4, len(repr(key)) + 2)},"
                 for key, item in value.items()]
        return "{\n" + "\n".join(items) + f"\n{pad}}}"
    return flat


def _render_flat(value: Any, imports: _Imports) -> str:
    if value is None or isinstance(value, (bool, str, bytes)):
        return repr(value)
    if isinstance(value, np.generic):
        return _render_flat(value.item(), imports)
    if isinstance(value, int):
        return repr(value)
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else f'float("{value}")'
    if isinstance(value, np.ndarray):
        imports.numpy = True
        return f"np.array({_render_flat(value.tolist(), imports)}, dtype={str(value.dtype)!r})"
    if isinstance(value, list):
        return "[" + ", ".join(_render_flat(item, imports) for item in value) + "]"
    if isinstance(value, tuple):
        items = [_render_flat(item, imports) for item in value]
        return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_render_flat(k, imports)}: {_render_flat(v, imports)}"
                               for k, v in value.items()) + "}"
    if isinstance(value, type) or inspect.isfunction(value) or inspect.isbuiltin(value):
        return imports.name_of(value)
    if hasattr(value, "get_params"):
        arguments = ", ".join(f"{key}={_render_flat(item, imports)}"
                              for key, item in _non_default_params(value).items())
        return f"{imports.name_of(type(value))}({arguments})"
    raise ValueError(f"Cannot write {value!r} ({type(value).__name__}) as Python code.")


def export_code(estimator: Any) -> str:
    """A runnable Python script that rebuilds the winning pipeline without hpsk.

    The script imports only scikit-learn, XGBoost (when the winner uses it)
    and numpy, and defines:

    - ``make_pipeline_()``: the winning pipeline, unfitted, with every
      hyperparameter that differs from its class default (``random_state``
      values included, so fitting it on the same data reproduces the
      estimator's predictions);
    - ``fit(X, y)``: ``make_pipeline_().fit(X, y)``; when the winner is an
      XGBoost classifier (or, before scikit-learn 1.9, k-nearest neighbours)
      it first encodes ``y`` as codes into ``CLASSES`` (as hpsk does), and
      the pipeline then predicts codes:
      ``CLASSES[pipeline.predict(X)]`` gives the labels;
    - a ``__main__`` block: ``python script.py train.csv TARGET [model.joblib]``
      fits on a CSV file whose other columns are numeric features (needs
      pandas; saves the fitted pipeline with joblib when a path is given).

    Parameters
    ----------
    estimator : HyperoptEstimator or sklearn estimator
        A fitted hpsk estimator (its ``best_estimator_`` is exported), such
        as ``hpsk.load`` returns for a file of ``hpsk fit``, or any
        scikit-learn pipeline or estimator. The dict that earlier versions of
        ``hpsk fit`` saved is taken too (its estimator is exported).

    Returns
    -------
    code : str
        The script's source.

    Raises
    ------
    sklearn.exceptions.NotFittedError
        If an hpsk estimator has no ``best_estimator_`` (not fitted, or
        fitted with ``refit=False``).
    ValueError
        If the pipeline holds an object that cannot be written as code (such
        as one of hpsk's own transformers or a lambda).
    TypeError
        If ``estimator`` is neither an estimator nor such a dict.
    """
    estimator = _unbundled(estimator)
    is_search = isinstance(estimator, HyperoptEstimator)
    pipeline = _pipeline_of(estimator)
    imports = _Imports()
    body = _render(pipeline, imports, indent=4, prefix=len("return "))
    header = _summary(estimator if is_search else None, imports)
    # The script fits on what the search's refit was given: codes for XGBoost.
    classes = getattr(estimator, "classes_", None) if is_search else None
    encodes_labels = classes is not None and estimator.labels_encoded_
    fit_source = _encoding_fit_source(classes, imports) if encodes_labels else _PLAIN_FIT_SOURCE
    title = "The pipeline chosen by hpsk" if is_search else f"A {type(pipeline).__name__}"
    return _script(title, header, imports, body, fit_source)


def _unbundled(model: Any) -> Any:
    """The estimator of a model file of an earlier 'hpsk fit' (a dict bundle), else ``model``."""
    if isinstance(model, dict) and model.get("format") == "hpsk-model" and "estimator" in model:
        return model["estimator"]
    return model


def _pipeline_of(estimator: Any) -> Any:
    """What is exported: an hpsk estimator's ``best_estimator_``, or ``estimator`` itself."""
    if isinstance(estimator, HyperoptEstimator):
        pipeline = getattr(estimator, "best_estimator_", None)
        if pipeline is None:
            raise NotFittedError(
                f"This {type(estimator).__name__} has no best_estimator_: fit it first "
                "(with refit=True) before exporting its pipeline."
            )
    else:
        pipeline = estimator
    if not hasattr(pipeline, "get_params"):
        raise TypeError(f"export_code needs an hpsk estimator or a scikit-learn estimator, "
                        f"got {type(estimator).__name__}.")
    if any(isinstance(member, FrozenEstimator) for member in getattr(pipeline, "estimators_", ())):
        raise ValueError(
            "export_code cannot write a bagged model (refit='bag'): its members were fitted on "
            "different rows, which a script that builds and fits one model cannot repeat. Export "
            "the search fitted with refit=True, or save the model itself (hpsk.save or joblib.dump).")
    return pipeline


def _summary(search: HyperoptEstimator | None, imports: _Imports) -> str:
    """The docstring's summary: the search that chose the pipeline and the library versions."""
    summary = []
    if search is not None:
        summary.append(f"hpsk tried {len(search.trials_)} pipelines and chose this one (trial "
                       f"{search.best_index_}, validation score {search.best_score_:.6g}).")
    libraries = ["scikit-learn"] + [name for name in ("xgboost", "lightgbm") if imports.uses(name)]
    written_by = ", ".join(f"{'Python' if name == 'python' else name} {version}"
                           for name, version in library_versions(libraries).items())
    summary.append(f"Written by {written_by}.")
    return "\n".join(textwrap.wrap(" ".join(summary), width=_LINE_WIDTH - 4))


_PLAIN_FIT_SOURCE = '''

def fit(X, y):
    """Fit the pipeline on ``X, y`` and return it."""
    return make_pipeline_().fit(X, y)
'''


def _encoding_fit_source(classes: Any, imports: _Imports) -> str:
    """``CLASSES`` and a ``fit`` that encodes ``y`` into their codes before fitting."""
    imports.numpy = True
    label_encoder = imports.name_of(_label_encoder())
    classes_source = _render(np.asarray(classes), imports, indent=0)
    return f'''

# The learner wants class labels 0..n_classes-1: fit() encodes y as codes into
# CLASSES, and the fitted pipeline predicts codes (CLASSES[codes] are labels).
CLASSES = {classes_source}


def fit(X, y):
    """Fit the pipeline on ``X, y`` (labels from CLASSES) and return it."""
    codes = {label_encoder}().fit(CLASSES).transform(y)
    return make_pipeline_().fit(X, codes)
'''


_MAIN_BLOCK = '''
if __name__ == "__main__":
    import sys

    import pandas as pd

    if len(sys.argv) not in (3, 4):
        sys.exit("usage: python " + sys.argv[0] + " train.csv TARGET_COLUMN [model.joblib]")
    data = pd.read_csv(sys.argv[1])
    target = sys.argv[2]
    pipeline = fit(data.drop(columns=[target]), data[target].to_numpy())
    print(pipeline)
    if len(sys.argv) == 4:
        import joblib

        joblib.dump(pipeline, sys.argv[3])
        print("saved the fitted pipeline to", sys.argv[3])
'''


def _script(title: str, header: str, imports: _Imports, body: str, fit_source: str) -> str:
    """The whole script: docstring, imports, ``make_pipeline_``, ``fit``, ``__main__``."""
    return f'''"""{title}, rebuilt from plain scikit-learn.

{header}

Use ``pipeline = fit(X, y)`` then ``pipeline.predict(X_new)``, or from a shell:
``python this_script.py train.csv TARGET_COLUMN [model.joblib]``.
"""

{chr(10).join(imports.lines())}


def make_pipeline_():
    """The winning pipeline, unfitted."""
    return {body}
{fit_source}
''' + _MAIN_BLOCK


def _label_encoder() -> type:
    from sklearn.preprocessing import LabelEncoder

    return LabelEncoder
