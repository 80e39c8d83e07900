"""hpsk.versions: what fit records and export writes about the libraries in use."""

import platform

import numpy
import sklearn
import xgboost

import hpsk
from hpsk.versions import RECORDED_PACKAGES, library_versions


def test_the_recorded_versions_are_those_of_the_running_libraries():
    versions = library_versions()
    assert list(versions) == ["hpsk", *RECORDED_PACKAGES, "python"]
    assert versions["hpsk"] == hpsk.__version__
    assert versions["scikit-learn"] == sklearn.__version__
    assert versions["numpy"] == numpy.__version__
    assert versions["xgboost"] == xgboost.__version__
    assert versions["python"] == platform.python_version()


def test_only_the_libraries_asked_for_and_installed_are_listed_in_order():
    versions = library_versions(["xgboost", "no-such-library-here", "scikit-learn"])
    assert list(versions) == ["hpsk", "xgboost", "scikit-learn", "python"]
    assert list(library_versions([])) == ["hpsk", "python"]
