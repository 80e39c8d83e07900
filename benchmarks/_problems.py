"""Benchmark problems with known optima, written once for hpsk, hyperopt and optuna.

A problem's space is a function of an ``hp`` module, so the same definition
builds an hpsk space (``hpsk.hp``) and a hyperopt space (``hyperopt.hp``);
:func:`optuna_objective` runs it define-by-run in optuna. The objective
receives the evaluated space (a dict) and returns the loss; regret is
``loss - optimum``.

To add a problem, add a :class:`Problem` to :data:`PROBLEMS`. For real data,
where the optimum is unknown, set ``optimum=0`` and ``relative=True``: the
benchmark stores the raw losses and reports regret against the best loss any
method found with any seed, which compares methods only relative to each
other. A space that only hpsk can express (``hpsk_only=True``, such as
``any_classifier``, whose leaves are scikit-learn estimators) is run by the
hpsk-based methods and random search only.
"""

from __future__ import annotations

import functools
import math
import numbers
import warnings
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from hpsk.space import Categorical, Choice, Float, Gaussian, Integer, Param, compile_space, space_eval


@dataclass(frozen=True)
class Problem:
    """A benchmark: ``space(hp)`` builds the space, ``loss(value)`` scores a point."""

    space: Callable[[Any], Any]
    loss: Callable[[dict], float]
    optimum: float
    relative: bool = False
    hpsk_only: bool = False


def _box(hp: Any, low: float, high: float, d: int) -> dict:
    return {f"x{i}": hp.uniform(f"x{i}", low, high) for i in range(d)}


def _vector(value: dict) -> np.ndarray:
    return np.array([value[f"x{i}"] for i in range(len(value))], dtype=float)


def branin(value: dict) -> float:
    x1, x2 = value["x0"], value["x1"]
    b, c, t = 5.1 / (4 * math.pi**2), 5 / math.pi, 1 / (8 * math.pi)
    return (x2 - b * x1**2 + c * x1 - 6) ** 2 + 10 * (1 - t) * math.cos(x1) + 10


_HARTMANN_ALPHA = np.array([1.0, 1.2, 3.0, 3.2])
_HARTMANN3_A = np.array([[3.0, 10, 30], [0.1, 10, 35], [3.0, 10, 30], [0.1, 10, 35]])
_HARTMANN3_P = 1e-4 * np.array([[3689, 1170, 2673], [4699, 4387, 7470], [1091, 8732, 5547], [381, 5743, 8828]])
_HARTMANN6_A = np.array([[10, 3, 17, 3.5, 1.7, 8], [0.05, 10, 17, 0.1, 8, 14],
                         [3, 3.5, 1.7, 10, 17, 8], [17, 8, 0.05, 10, 0.1, 14]])
_HARTMANN6_P = 1e-4 * np.array([[1312, 1696, 5569, 124, 8283, 5886], [2329, 4135, 8307, 3736, 1004, 9991],
                                [2348, 1451, 3522, 2883, 3047, 6650], [4047, 8828, 8732, 5743, 1091, 381]])


def _hartmann(a: np.ndarray, p: np.ndarray) -> Callable[[dict], float]:
    def loss(value: dict) -> float:
        x = _vector(value)
        return float(-np.sum(_HARTMANN_ALPHA * np.exp(-np.sum(a * (x - p) ** 2, axis=1))))
    return loss


def goldstein_price(value: dict) -> float:
    x, y = value["x0"], value["x1"]
    first = 1 + (x + y + 1) ** 2 * (19 - 14 * x + 3 * x**2 - 14 * y + 6 * x * y + 3 * y**2)
    second = 30 + (2 * x - 3 * y) ** 2 * (18 - 32 * x + 12 * x**2 + 48 * y - 36 * x * y + 27 * y**2)
    return first * second


_SHEKEL_BETA = 0.1 * np.array([1, 2, 2, 4, 4, 6, 3, 7, 5, 5])
_SHEKEL_C = np.array([[4, 1, 8, 6, 3, 2, 5, 8, 6, 7], [4, 1, 8, 6, 7, 9, 3, 1, 2, 3.6],
                      [4, 1, 8, 6, 3, 2, 5, 8, 6, 7], [4, 1, 8, 6, 7, 9, 3, 1, 2, 3.6]], dtype=float)


def shekel5(value: dict) -> float:
    x = _vector(value)
    return float(-np.sum(1.0 / (np.sum((x[:, None] - _SHEKEL_C[:, :5]) ** 2, axis=0) + _SHEKEL_BETA[:5])))


def rosenbrock(value: dict) -> float:
    x = _vector(value)
    return float(np.sum(100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2))


def ackley(value: dict) -> float:
    x = _vector(value)
    d = len(x)
    return float(-20 * np.exp(-0.2 * np.sqrt(np.sum(x**2) / d)) - np.exp(np.sum(np.cos(2 * np.pi * x)) / d)
                 + 20 + math.e)


def styblinski_tang(value: dict) -> float:
    x = _vector(value)
    return float(0.5 * np.sum(x**4 - 16 * x**2 + 5 * x))


def michalewicz(value: dict) -> float:
    x = _vector(value)
    i = np.arange(1, len(x) + 1)
    return float(-np.sum(np.sin(x) * np.sin(i * x**2 / np.pi) ** 20))


def _branches_space(hp: Any) -> Any:
    return hp.choice("branch", [
        {"kind": "quadratic", "x": hp.uniform("quadratic.x", -10, 10)},
        {"kind": "log", "y": hp.loguniform("log.y", math.log(1e-3), math.log(1e3)),
         "z": hp.uniform("log.z", 0, 1)},
        {"kind": "integer", "n": hp.randint("integer.n", 0, 30), "scale": hp.quniform("integer.scale", 0, 10, 1)},
    ])


def _branches_loss(value: dict) -> float:
    """Three branches, each with its own parameters; the best point (0) is on the log branch."""
    if value["kind"] == "quadratic":
        return 0.5 + ((value["x"] - 3) / 5) ** 2
    if value["kind"] == "log":
        return (math.log10(value["y"]) - 1.5) ** 2 + (value["z"] - 0.2) ** 2
    return 0.3 + abs(value["n"] - 21) / 10 + abs(value["scale"] - 4) / 10


def _all_kinds_space(hp: Any) -> Any:
    return {
        "u": hp.uniform("u", -2, 2),
        "qu": hp.quniform("qu", 0, 20, 2),
        "lu": hp.loguniform("lu", math.log(1e-4), math.log(1)),
        "qlu": hp.qloguniform("qlu", math.log(1), math.log(1000), 1),
        "n": hp.normal("n", 0, 2),
        "qn": hp.qnormal("qn", 5, 3, 1),
        "ln": hp.lognormal("ln", 0, 1),
        "ri": hp.randint("ri", 0, 12),
        "c": hp.choice("c", ["a", "b", "c", "d"]),
        "pc": hp.pchoice("pc", [(0.7, "common"), (0.2, "rare"), (0.1, "best")]),
    }


def _all_kinds_loss(value: dict) -> float:
    """Every distribution type, each term 0 at its optimum."""
    return (
        (value["u"] - 0.7) ** 2
        + abs(value["qu"] - 14) / 10
        + (math.log10(value["lu"]) + 2.5) ** 2 / 4
        + abs(math.log10(max(value["qlu"], 1)) - 1.5) / 2
        + (value["n"] - 1.0) ** 2 / 4
        + abs(value["qn"] - 7) / 5
        + (math.log(value["ln"]) - 0.5) ** 2 / 2
        + abs(value["ri"] - 9) / 6
        + {"a": 0.5, "b": 0.0, "c": 0.4, "d": 0.8}[value["c"]]
        + {"common": 0.5, "rare": 0.3, "best": 0.0}[value["pc"]]
    )


# --------------------------------------------------------------------------
# Real data: hpsk's own any_classifier space on breast cancer.
# --------------------------------------------------------------------------

# Caps that keep one fit well under 0.2 s on one thread: boosting rounds and
# forest sizes at 20, logistic regression's solver at 100 iterations. The
# tuned hyperparameters (learning rate, depth, C, gamma, ...) stay as drawn,
# except HistGradientBoosting's class_weight="balanced": with sample weights
# its binning takes seconds here (50x the unweighted fit), and on these
# 37% / 63% classes the weighting changes little, so it is dropped.
_FIT_CAPS = {"n_estimators": 20, "max_iter": 20}
_SOLVER_CAPS = {"LogisticRegression": {"max_iter": 100}, "SVC": {}}


@functools.lru_cache(maxsize=1)
def _breast_cancer_split() -> tuple:
    """A fixed stratified half / half split of scikit-learn's breast cancer data (569 x 30), unscaled.

    Unscaled features make the choice of model matter: the kernel, linear
    and neighbour models need the right ``C`` / ``gamma`` / ``k`` to cope.
    """
    from sklearn.datasets import load_breast_cancer
    from sklearn.model_selection import train_test_split

    x, y = load_breast_cancer(return_X_y=True)
    return tuple(train_test_split(x, y, test_size=0.5, random_state=0, stratify=y))


def _any_classifier_space(hp: Any) -> Any:
    from hpsk.components import any_classifier

    return any_classifier("clf")


def _cheap(estimator: Any) -> Any:
    params = estimator.get_params()
    caps = _SOLVER_CAPS.get(type(estimator).__name__, _FIT_CAPS)
    overrides = {k: cap for k, cap in caps.items()
                 if isinstance(params.get(k), numbers.Integral) and params[k] > cap}
    if "n_jobs" in params:
        overrides["n_jobs"] = 1
    if type(estimator).__name__ == "HistGradientBoostingClassifier":
        overrides["class_weight"] = None
    if "random_state" in params:
        overrides["random_state"] = 0  # the same point always gets the same loss
    return estimator.set_params(**overrides)


def _any_classifier_loss(estimator: Any) -> float:
    """1 - holdout accuracy of the (capped) estimator, fitted on one thread."""
    from threadpoolctl import threadpool_limits

    x_train, x_test, y_train, y_test = _breast_cancer_split()
    with threadpool_limits(1), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            model = _cheap(estimator).fit(x_train, y_train)
            return 1.0 - float(model.score(x_test, y_test))
        except Exception:  # a configuration the estimator rejects: as bad as it gets
            return 1.0


PROBLEMS: dict[str, Problem] = {
    "branin": Problem(lambda hp: {"x0": hp.uniform("x0", -5, 10), "x1": hp.uniform("x1", 0, 15)},
                      branin, 0.397887),
    "hartmann3": Problem(lambda hp: _box(hp, 0, 1, 3), _hartmann(_HARTMANN3_A, _HARTMANN3_P), -3.86278),
    "hartmann6": Problem(lambda hp: _box(hp, 0, 1, 6), _hartmann(_HARTMANN6_A, _HARTMANN6_P), -3.32237),
    "goldstein_price": Problem(lambda hp: _box(hp, -2, 2, 2), goldstein_price, 3.0),
    "shekel5": Problem(lambda hp: _box(hp, 0, 10, 4), shekel5, -10.1532),
    "rosenbrock4": Problem(lambda hp: _box(hp, -5, 10, 4), rosenbrock, 0.0),
    "ackley5": Problem(lambda hp: _box(hp, -32.768, 32.768, 5), ackley, 0.0),
    "styblinski_tang5": Problem(lambda hp: _box(hp, -5, 5, 5), styblinski_tang, -39.16599 * 5),
    "michalewicz5": Problem(lambda hp: _box(hp, 0, math.pi, 5), michalewicz, -4.687658),
    "branches": Problem(_branches_space, _branches_loss, 0.0),
    "all_kinds": Problem(_all_kinds_space, _all_kinds_loss, 0.0),
    "any_classifier": Problem(_any_classifier_space, _any_classifier_loss, 0.0, relative=True, hpsk_only=True),
}
"""Name -> problem. Add real-data problems here (see the module docstring)."""


# --------------------------------------------------------------------------
# optuna: run an hpsk space define-by-run.
# --------------------------------------------------------------------------


def _suggest_optuna(trial: Any, label: str, dist: Any) -> Any:
    """One optuna suggestion standing in for an hpsk distribution."""
    if isinstance(dist, Categorical):
        return trial.suggest_categorical(label, list(range(dist.n_options)))
    if isinstance(dist, Integer):
        return trial.suggest_int(label, dist.low, dist.high - 1)
    if isinstance(dist, Gaussian):  # optuna has no unbounded prior: +- 4 sigma
        low, high = dist.mu - 4 * dist.sigma, dist.mu + 4 * dist.sigma
        value = (trial.suggest_float(label, math.exp(low), math.exp(high), log=True) if dist.log
                 else trial.suggest_float(label, low, high))
        return value if dist.q is None else round(value / dist.q) * dist.q
    if dist.log:
        value = trial.suggest_float(label, math.exp(dist.low), math.exp(dist.high), log=True)
        return value if dist.q is None else round(value / dist.q) * dist.q
    if dist.q is not None:
        low, high = round(dist.low / dist.q) * dist.q, round(dist.high / dist.q) * dist.q
        return trial.suggest_float(label, low, high, step=dist.q)
    return trial.suggest_float(label, dist.low, dist.high)


def optuna_point(trial: Any, space: Any) -> dict:
    """Walk an hpsk space, suggesting only what is active, and return the point."""
    point: dict = {}

    def visit(node: Any) -> None:
        if isinstance(node, Param):
            point[node.label] = _suggest_optuna(trial, node.label, node.dist)
        elif isinstance(node, Choice):
            index = _suggest_optuna(trial, node.label, node.dist)
            point[node.label] = index
            visit(node.options[index])
        elif isinstance(node, dict):
            for child in node.values():
                visit(child)
        elif isinstance(node, (list, tuple)):
            for child in node:
                visit(child)

    visit(space)
    return point


def optuna_objective(problem: Problem, hpsk_hp: Any) -> Callable[[Any], float]:
    space = problem.space(hpsk_hp)
    compile_space(space)  # check labels once

    def objective(trial: Any) -> float:
        return problem.loss(space_eval(space, optuna_point(trial, space)))
    return objective


def mixed_space(hp: Any, n_blocks: int) -> dict:
    """A flat mixed space of ``10 * n_blocks`` parameters, for timing."""
    space = {}
    for b in range(n_blocks):
        space.update({
            f"u{b}": hp.uniform(f"u{b}", 0, 1),
            f"v{b}": hp.uniform(f"v{b}", -3, 3),
            f"lu{b}": hp.loguniform(f"lu{b}", -5, 2),
            f"qlu{b}": hp.qloguniform(f"qlu{b}", 0, 5, 1),
            f"qu{b}": hp.quniform(f"qu{b}", 0, 100, 5),
            f"ri{b}": hp.randint(f"ri{b}", 0, 20),
            f"n{b}": hp.normal(f"n{b}", 0, 2),
            f"ln{b}": hp.lognormal(f"ln{b}", 0, 1),
            f"c{b}": hp.choice(f"c{b}", [0, 1, 2]),
            f"pc{b}": hp.pchoice(f"pc{b}", [(0.2, "a"), (0.8, "b")]),
        })
    return space
