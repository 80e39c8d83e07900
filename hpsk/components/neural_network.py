"""Multi-layer perceptrons from :mod:`sklearn.neural_network`.

The solver decides which parameters matter: ``adam`` and ``sgd`` take a
learning rate (``sgd`` also a schedule and momentum) and early stopping,
``lbfgs`` takes none of them. Scale features first.
"""

from __future__ import annotations

from typing import Any

from sklearn import neural_network

from ..space import Build
from ._base import choice, component, log_uniform, log_uniform_int, pchoice, uniform

__all__ = ["mlp_classifier", "mlp_regressor"]


def _hidden_layer_sizes(name: str) -> Any:
    # One hidden layer is usually enough on tabular data; widths on a log
    # scale from 16 to 256 units.
    first = log_uniform_int(name, "hidden_units_1", 16, 256)
    second = log_uniform_int(name, "hidden_units_2", 16, 256)
    return pchoice(name, "hidden_layer_sizes", [(0.6, (first,)), (0.4, (first, second))])


def _solver_branches(name: str) -> list[tuple[float, dict[str, Any]]]:
    early_stopping = pchoice(name, "early_stopping", [(0.6, False), (0.4, True)])
    return [
        # Adam is robust to its learning rate; 1e-3 is the default.
        (0.6, {"solver": "adam",
               "learning_rate_init": log_uniform(name, "adam_learning_rate_init", 1e-4, 1e-2),
               "early_stopping": early_stopping}),
        # SGD needs a smaller step when momentum is high; the log scale
        # covers both regimes.
        (0.2, {"solver": "sgd",
               "learning_rate_init": log_uniform(name, "sgd_learning_rate_init", 1e-4, 1e-1),
               "learning_rate": choice(name, "learning_rate", ["constant", "invscaling", "adaptive"]),
               "momentum": uniform(name, "momentum", 0.5, 0.99),
               "early_stopping": early_stopping}),
        # L-BFGS converges fast on small data.
        (0.2, {"solver": "lbfgs"}),
    ]


def _mlp_priors(name: str) -> dict[str, Any]:
    return {
        "hidden_layer_sizes": _hidden_layer_sizes(name),
        "activation": pchoice(name, "activation", [(0.6, "relu"), (0.3, "tanh"), (0.1, "logistic")]),
        # L2 penalty; 1e-4 is the default.
        "alpha": log_uniform(name, "alpha", 1e-6, 1e-1),
        # 200 epochs (the default) bounds a trial's cost.
        "max_iter": 200,
    }


def mlp_classifier(name: str, **overrides: Any) -> Build:
    """:class:`sklearn.neural_network.MLPClassifier` with solver branches."""
    return component(neural_network.MLPClassifier, name, _mlp_priors(name), overrides,
                     branches=_solver_branches(name), branch_param="solver")


def mlp_regressor(name: str, **overrides: Any) -> Build:
    """:class:`sklearn.neural_network.MLPRegressor` with solver branches.

    Scale the target too (for example with ``transformed_target_regressor``):
    the output layer is linear and large targets slow the fit.
    """
    return component(neural_network.MLPRegressor, name, _mlp_priors(name), overrides,
                     branches=_solver_branches(name), branch_param="solver")
