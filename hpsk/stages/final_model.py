"""Stage 6 of ``fit``: the chosen pipeline, or the ensemble, refitted on every row.

:func:`final_model` builds the winner's pipeline (calibrated to give
probabilities in the default classifier search) or the weighted voting
ensemble of the chosen members, and fits it on all of ``X``.
"""

from __future__ import annotations

import os
import warnings
from typing import Any

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from threadpoolctl import threadpool_limits

from ..ensembling import voting_ensemble
from ..evaluation import PipelineObjective, with_probabilities
from ..optimize import effective_n_jobs
from ..space import CompiledSpace
from ..trials import Trial, Trials
from .inputs import Inputs

__all__ = ["final_model", "refit_threads"]


def final_model(inputs: Inputs, objective: PipelineObjective, space: CompiledSpace, trials: Trials,
                best: Trial, ensemble: dict[str, Any] | None, *, calibrate: bool,
                n_jobs: int | None) -> tuple[Any, bool]:
    """``(fitted model, labels_encoded)``: the model refitted on every row of ``inputs``.

    ``ensemble`` (from :func:`~hpsk.stages.selection.select_ensemble`) gives
    a voting ensemble, which encodes labels itself and takes no weights;
    otherwise ``best``'s pipeline is refitted, inside a temperature
    calibration when ``calibrate`` (the default classifier search promises
    ``predict_proba``; the calibration keeps ``predict``). ``labels_encoded``
    tells whether the model predicts class codes (see ``labels_encoded_``).
    """
    def build(trial: Trial) -> Any:  # with the rounds its early-stopped booster kept
        return objective.refit_pipeline(space.evaluate(trial.point), trial.result)

    y_encoded = inputs.y_encoded
    if ensemble is None:
        model = build(best)
        if calibrate and y_encoded is not None:
            model = with_probabilities(model, int(np.bincount(np.asarray(y_encoded)).min()))
        targets = objective.targets_for(model)
        labels_encoded = targets is y_encoded and y_encoded is not None
        fit_params = objective.fit_params(model)
    else:
        by_tid = {trial.tid: trial for trial in trials}
        members = [(f"trial{tid}", build(by_tid[tid])) for tid in ensemble["tid"]]
        model = voting_ensemble(members, ensemble["weight"], inputs.task == "classification")
        targets, fit_params, labels_encoded = inputs.y, {}, False
    with warnings.catch_warnings(), threadpool_limits(limits=refit_threads(n_jobs)):
        warnings.simplefilter("ignore", category=ConvergenceWarning)
        return model.fit(inputs.X, targets, **fit_params), labels_encoded


def refit_threads(n_jobs: int | None) -> int:
    """Native threads for the final refit: up to ``n_jobs``, but only on idle cores.

    OpenMP learners whose threads must wait for busy cores slow down many
    times over (a HistGradientBoosting refit took 1.8 s on 2 threads against
    0.1 s on one while other work held the 2 cores), and the refit counts in
    ``time_budget``; so the refit takes as many threads as the load average
    leaves free, at least one.
    """
    wanted = effective_n_jobs(n_jobs)
    try:
        idle = (os.cpu_count() or 1) - os.getloadavg()[0]
    except (AttributeError, OSError):  # no load average on this platform
        return wanted
    return max(1, min(wanted, int(idle)))
