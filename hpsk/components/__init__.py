"""Search-space components: one function per scikit-learn (or XGBoost) class.

Each function takes the component's name first and returns a node that
evaluates to an unfitted estimator; keyword arguments fix a hyperparameter
or replace its prior with another ``hp`` node. The ``any_*`` and ``all_*``
families choose between components. Function names and conventions follow
hyperopt-sklearn's ``hpsklearn.components``.
"""

from . import (
    _any,
    linear_model,
    svm,
    neighbors,
    naive_bayes,
    tree,
    ensemble,
    discriminant_analysis,
    gaussian_process,
    kernel_ridge,
    neural_network,
    dummy,
    multiclass,
    cross_decomposition,
    preprocessing,
    decomposition,
    feature_extraction,
    xgboost,
    lightgbm,
    semi_supervised,
    compose,
    covariance,
    mixture,
    cluster,
    lagselectors,
    vkmeans,
)

_MODULES = (_any, linear_model, svm, neighbors, naive_bayes, tree, ensemble, discriminant_analysis,
            gaussian_process, kernel_ridge, neural_network, dummy, multiclass, cross_decomposition,
            preprocessing, decomposition, feature_extraction, xgboost, lightgbm, semi_supervised,
            compose, covariance, mixture, cluster, lagselectors, vkmeans)
# Exported by their modules for each other, not components themselves.
_HELPERS = frozenset({"scaled_kernel", "lightgbm_available", "lag_selector", "ColumnKMeans"})

# Every component function, re-exported from the module that defines it: a
# module's ``__all__`` is the one list to extend when adding a component.
__all__ = [name for module in _MODULES for name in module.__all__ if name not in _HELPERS]
globals().update({name: getattr(module, name) for module in _MODULES for name in module.__all__
                  if name not in _HELPERS})
