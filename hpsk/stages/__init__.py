"""The stages of :meth:`hpsk.HyperoptEstimator.fit`, one module each.

``fit`` runs them in this order; each takes plain values and returns plain
values, and the estimator sets its fitted attributes from what they return
(see ``docs/architecture.md``):

1. :mod:`~hpsk.stages.inputs`: checks ``X``, ``y``, ``groups`` and
   ``sample_weight``, reads the task and the classes (:class:`Inputs`);
2. :mod:`~hpsk.stages.search_space`: the space to search for those inputs,
   its starting points and readable names;
3. :mod:`~hpsk.stages.validation`: the splits, the scorer and the picklable
   objective that turns a point into a loss;
4. :mod:`~hpsk.stages.searching`: the trials so far (storage, ``warm_start``),
   the seeds, the clock, and the search itself;
5. :mod:`~hpsk.stages.selection`: the winner (re-scored on fresh splits with
   ``reevaluate_top``) and the ensemble;
6. :mod:`~hpsk.stages.final_model`: the winner or the ensemble refitted on
   every row.
"""

from .inputs import Inputs

__all__ = ["Inputs"]
