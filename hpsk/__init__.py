"""hpsk: a scikit-learn AutoML estimator with its own TPE search core."""

from . import hp
from .components import *  # noqa: F403 - hyperopt-sklearn's top-level component names
from .components import __all__ as _component_names
from .algorithms import anneal, mix, rand, tpe
from .estimator import HyperoptClassifier, HyperoptEstimator, HyperoptRegressor
from .evaluation import nested_cross_validate
from .export import export_code
from .exceptions import AllTrialsFailed, DuplicateLabelError, InvalidParameterError
from .optimize import fmin
from .persistence import UntrustedTypesError, load, save
from .space import space_eval
from .trials import STATUS_FAIL, STATUS_OK, STATUS_TIMEOUT, Trial, Trials

__version__ = "0.1.0"

__all__ = [
    "hp",
    "HyperoptEstimator",
    "HyperoptClassifier",
    "HyperoptRegressor",
    "rand",
    "tpe",
    "anneal",
    "mix",
    "fmin",
    "nested_cross_validate",
    "export_code",
    "space_eval",
    "Trial",
    "Trials",
    "STATUS_OK",
    "STATUS_FAIL",
    "STATUS_TIMEOUT",
    "AllTrialsFailed",
    "DuplicateLabelError",
    "InvalidParameterError",
    "UntrustedTypesError",
    "save",
    "load",
    *_component_names,
]
