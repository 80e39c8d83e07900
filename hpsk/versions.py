"""The versions of hpsk, of Python and of the libraries a model is made with.

:func:`library_versions` gives what ``hpsk fit`` records in an estimator's
``training_info_["versions"]`` (and ``hpsk show`` compares with the running
versions), and what :func:`hpsk.export_code` writes at the top of a script.
"""

from __future__ import annotations

import importlib
import platform
from typing import Iterable

__all__ = ["RECORDED_PACKAGES", "library_versions"]

RECORDED_PACKAGES = ("scikit-learn", "numpy", "xgboost", "pandas")
"""The libraries ``hpsk fit`` records: what its pipelines are made of and its data is read with."""

# Distribution names whose module has another name.
_MODULE_NAMES = {"scikit-learn": "sklearn"}


def library_versions(packages: Iterable[str] = RECORDED_PACKAGES) -> dict[str, str]:
    """The versions of hpsk, of ``packages`` and of Python.

    Parameters
    ----------
    packages : iterable of str, default=RECORDED_PACKAGES
        Libraries by their distribution name (``"scikit-learn"``,
        ``"xgboost"``); each is imported to read its ``__version__``.

    Returns
    -------
    versions : dict of str to str
        Name -> version: ``"hpsk"`` first, then each of ``packages`` that is
        installed, in the order given (one that is not is left out), then
        ``"python"``.

    Examples
    --------
    >>> from hpsk.versions import library_versions
    >>> list(library_versions(["scikit-learn", "not-installed"]))
    ['hpsk', 'scikit-learn', 'python']
    """
    from . import __version__

    versions = {"hpsk": __version__}
    for package in packages:
        try:
            module = importlib.import_module(_MODULE_NAMES.get(package, package))
        except ImportError:
            continue
        version = getattr(module, "__version__", None)
        if version is not None:
            versions[package] = str(version)
    versions["python"] = platform.python_version()
    return versions
