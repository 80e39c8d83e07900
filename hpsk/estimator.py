"""The scikit-learn face of hpsk: search, choose, refit, then behave like the winner.

``fit`` runs the stages of :mod:`hpsk.stages` in order and sets the fitted
attributes from what they return, in one place (``_set_fitted``); see
``docs/architecture.md``.

This module is over the 500 lines the project aims at only because the class
docstring documents every parameter and fitted attribute (about 280 lines of
its 690 are docstrings); ``tests/test_architecture.py`` counts without them.
"""

from __future__ import annotations

import numbers
import os
import time
from typing import Any, Callable

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.metrics import accuracy_score, r2_score
from sklearn.utils import ClassifierTags
from sklearn.utils.validation import check_is_fitted

from ._validation import HasMethods, InstanceOf, Interval, Options, validate_params
from .ensembling import PredictionPool, member_pipelines
from .evaluation import cv_results, describe_model
from .exceptions import AllTrialsFailed
from .space import CompiledSpace, compile_space
from .stages.final_model import final_model
from .stages.inputs import Inputs, join_exogenous, predict_input, read_inputs
from .stages.search_space import pipeline_at, readable_point, search_space
from .stages.searching import Clock, History, open_history, run_search, trials_to_run
from .stages.selection import Selection, prediction_pool, select_ensemble, select_winner
from .stages.validation import Validation, resolve_cv, validate_with, validation_scorer
from .trials import Trials

__all__ = ["HyperoptEstimator", "HyperoptClassifier", "HyperoptRegressor"]

# Trials run when neither max_evals nor time_budget is set.
DEFAULT_MAX_EVALS = 50

class _IfWinnerHas:
    """A method of the estimator that exists only when the fitted winner has it.

    Like scikit-learn's ``available_if``, so ``hasattr(est, "predict_proba")``
    tells the truth, but the ``AttributeError`` says why the method is
    missing and what to do, rather than only that it is.
    """

    def __init__(self, fn: Callable) -> None:
        self.fn, self.name = fn, fn.__name__
        self.__doc__ = fn.__doc__

    def __get__(self, obj: Any, owner: type | None = None) -> Any:
        if obj is None:
            return self
        if hasattr(obj, "best_estimator_"):
            if not hasattr(obj.best_estimator_, self.name):
                raise AttributeError(
                    f"This {type(obj).__name__!r} has no attribute {self.name!r}: the chosen model "
                    f"({describe_model(obj.best_estimator_)}) has no {self.name}. Search learners "
                    "that have it (the default classifier search always gives probabilities), or "
                    "wrap yours in sklearn.calibration.CalibratedClassifierCV.")
        elif self.name != "predict" and isinstance(obj, RegressorMixin):
            # Before fit: a regressor's winner never has probabilities or decisions.
            raise AttributeError(f"This {type(obj).__name__!r} has no attribute {self.name!r}")
        return self.fn.__get__(obj, owner)



class HyperoptEstimator(BaseEstimator):
    """Search pipelines with TPE, refit the best one, then act as it.

    A drop-in for hyperopt-sklearn's ``hyperopt_estimator``: the search
    space is made of a learner (``classifier`` or ``regressor``), optional
    ``preprocessing`` and optional fixed ``ex_preprocs``; each trial is
    scored by cross-validation; the best pipeline is refitted on all data.

    Parameters
    ----------
    classifier, regressor : search space, optional
        The learner's space, e.g. ``any_classifier("clf")`` or
        ``random_forest_classifier("rf")``. Give at most one. With neither,
        the task is read from ``y``: continuous targets (floats with more than
        20 distinct values, or that are not integral) are regression, the rest
        classification.
    preprocessing : search space, optional
        Transformers tried before the learner: a component, a list of them,
        or a family such as ``any_preprocessing("pre")``. Default: nothing
        for :class:`HyperoptEstimator` given a learner; ``any_preprocessing``
        in :class:`HyperoptClassifier` and :class:`HyperoptRegressor`.
    ex_preprocs : list of transformers, optional
        Fixed transformers applied before ``preprocessing``.
    space : search space, optional
        A whole custom space that evaluates to an estimator, a pipeline or a
        dict with ``"learner"``, ``"preprocessing"`` and ``"ex_preprocs"``.
        Replaces ``classifier``/``regressor``/``preprocessing``.
    algo : callable, default=None
        The search algorithm, ``algo(space, history, n, rng)``: ``None`` is
        ``hpsk.tpe.suggest``; ``hpsk.rand.suggest`` is random search.
    max_evals : int or None, default=None
        Number of configurations tried. ``None``: as many as ``time_budget``
        allows, or 50 when no ``time_budget`` is set.
    time_budget : float, optional
        Seconds for the whole ``fit``, refit included; the search stops early
        enough to leave time for the refit.
    trial_timeout : float, optional
        Seconds after which one trial is stopped (its worker process is
        killed) and recorded as ``"timeout"``.
    loss_fn : callable, optional
        hyperopt-sklearn's ``loss_fn(y_true, y_pred)``, lower is better;
        replaces ``scoring``.
    continuous_loss_fn : bool, default=False
        Give ``loss_fn`` the predicted probabilities instead of labels.
    scoring : str or callable, optional
        A scikit-learn scorer; default accuracy (classification) or R^2
        (regression), i.e. what :meth:`score` reports.
    cv : int, float, "auto" or splitter, default="auto"
        Validation of each trial: ``k`` for (stratified) k-fold, a float for a
        (stratified) holdout fraction, any scikit-learn splitter, or "auto"
        (5-fold up to 1,000 samples, 3-fold up to 20,000, a 20 % holdout
        above; 5-fold up to 3,000 for a long search, ``max_evals >= 100`` or a
        ``time_budget``; see :func:`hpsk.evaluation.auto_cv`).
    reevaluate_top : int, default=0
        After the search, this many best candidates are re-scored on fresh
        shuffles of the same validation scheme and the winner is chosen on all
        its scores, a guard against a lucky split. The extra cost is at most a
        fifth of the search's fits and a tenth of ``time_budget``. Off by
        default: on ``benchmarks/optimization_bias.py`` (11 datasets, 30
        evaluations) it left optimism and test scores unchanged, while k-fold
        instead of a holdout halved the optimism; ``cv="auto"`` gives k-fold.
    ensemble_size : int, default=20
        Rounds of ensemble selection (Caruana et al., 2004) over the
        out-of-fold predictions of the best trials: each round adds, with
        replacement, the pipeline that most raises the blend's validation
        score, and the refitted model is a weighted
        :class:`~sklearn.ensemble.VotingClassifier` (soft voting) or
        :class:`~sklearn.ensemble.VotingRegressor` of the chosen pipelines.
        The ensemble is kept only when its blend scores above the best
        single pipeline and only with the members whose refit fits in what
        is left of ``time_budget``; otherwise the single winner is refitted.
        It helps most on regression (the README's AutoML benchmark).
        ``0`` refits the single winner (hyperopt-sklearn's behaviour).
        Classifiers without ``predict_proba`` (SVC without probabilities)
        take no part; with ``sample_weight`` no ensemble is built, since a
        voting ensemble cannot route the weights into its pipelines.
    refit : bool or "bag", default=True
        Refit the best pipeline (or the ensemble) on the whole data.
        ``"bag"``: k-fold bagging (as AutoGluon's) instead; the pipeline
        (each ensemble member) is fitted on the training rows of every
        validation split and ``best_estimator_`` is the soft vote
        (:class:`~sklearn.ensemble.VotingClassifier`) or average
        (:class:`~sklearn.ensemble.VotingRegressor`) of these fold fits,
        each wrapped in :class:`~sklearn.frozen.FrozenEstimator`. It costs
        about as many fits as there are splits, so it is done only when
        they are expected to fit in what is left of ``time_budget``, and it
        needs several splits (not a holdout) and one target; otherwise the
        plain refit is done. ``export_code`` cannot write a bagged model.
    n_jobs : int, optional
        Trials evaluated in parallel through joblib (``-1``: every core).
    random_state : int, optional
        Seeds the search, the splits and every learner; the same value gives
        the same trials and the same predictions.
    verbose : int, default=0
        ``0`` prints nothing; ``1`` shows a progress bar.
    storage : str or path-like, optional
        An SQLite file that receives every trial as it finishes (see
        :mod:`hpsk.storage`). Fitting again with the same file resumes the
        search: its trials count towards ``max_evals`` and are not run again
        (with ``warm_start=True``, ``max_evals`` more run). A file made for
        another search space or other data raises ``ValueError``.
    starting_points : "auto", "portfolio", list of dict or None, default="auto"
        Points tried before the search proposes any. ``"auto"`` tries the
        scikit-learn defaults of the learners in the space that most often
        win on tabular data (hist gradient boosting, logistic or ridge
        regression on standardised, one-hot encoded columns, random forest,
        XGBoost, extra trees, SVC), the ones whose labels the space has; see
        ``hpsk.components.STARTING_POINTS``. ``"portfolio"`` tries the
        learned portfolio instead (``hpsk.components.learned_portfolio``):
        16 configurations chosen, in order, on a matrix of about 100
        candidates scored on the 150 real tasks of the project's portfolio
        pool (none of the README's benchmark tasks) so that together they
        come close to the best on as many tasks as possible
        (``benchmarks/portfolio.py``), then the defaults of the space's
        learners it leaves out. It beats the defaults in that matrix's
        leave-task-out test but not on the README's AutoML benchmark (30 s,
        two seeds), so it is not the default. A list gives points as in
        :func:`hpsk.fmin`'s ``points_to_evaluate`` (labels of the searched
        space, option indices for choices; labels left out are drawn from
        the prior). ``None`` starts with the prior's draws. They count
        towards ``max_evals``; a resumed search does not repeat them.
    fit_increment : int, default=1
        Trials run by each step of :meth:`fit_iter` (hyperopt-sklearn's
        name); ``fit`` runs ``max_evals`` whatever it is.
    fidelity : "auto", dict or None, default="auto"
        Multi-fidelity search on large tables (see :mod:`hpsk.fidelity`):
        each configuration is first fitted on a nested, stratified
        subsample of every training split (rung 0: 2,000 rows), and only the
        best third of a rung moves on to three times as many rows, up to all
        of them; every rung is scored on the same validation rows. Many more
        configurations are tried in the same time. ``"auto"`` turns it on
        when ``time_budget`` is set and the training splits hold at least
        20,000 rows; a dict such as ``{"min_rows": 5000, "eta": 3}`` turns
        it on with those settings; ``None`` turns it off. Each evaluation is
        one trial (``max_evals`` counts them); ``cv_results_`` has its
        ``rung`` and ``n_rows``, and only the last rung's trials compete for
        ``best_index_`` and the ensemble.

    Attributes
    ----------
    best_estimator_ : sklearn.pipeline.Pipeline or voting ensemble
        The winning pipeline (or, with ``ensemble_size``, the voting ensemble
        of pipelines), refitted on all data; plain scikit-learn (and XGBoost)
        objects that unpickle without hpsk. For an XGBoost winner on a
        classification task the pipeline predicts codes into ``classes_``
        (see ``labels_encoded_``); use this estimator's ``predict`` for the
        original labels.
    labels_encoded_ : bool
        Whether ``best_estimator_`` was fitted on class codes
        ``0..n_classes-1`` instead of the labels, so that it predicts codes
        into ``classes_`` (``classes_[best_estimator_.predict(X)]`` are the
        labels): true for a single winner whose learner needs codes (XGBoost;
        k-nearest neighbours before scikit-learn 1.9), false for any other
        winner, a voting ensemble (it encodes labels itself) and regression.
        Set with ``best_estimator_`` (``refit=True``).
    best_params_ : dict
        The winner's hyperparameters by label, choices shown by option name.
    best_score_ : float
        Mean validation score of the single best pipeline over all its
        splits (search and re-evaluation); an ensemble's blend score is in
        ``ensemble_``.
    best_index_ : int
        Index of the winning trial in ``trials_``.
    trials_ : Trials
        Every trial, with its point, loss, status and error.
    cv_results_ : dict of arrays
        scikit-learn's layout (``mean_fit_time``, ``std_fit_time``,
        ``mean_score_time``, ``std_score_time``, ``param_<label>`` masked
        where the label was inactive, ``params``, ``split{k}_test_score``,
        ``mean_test_score``, ``std_test_score``, ``rank_test_score`` with
        ties sharing the smallest rank and failed trials last) plus
        ``status``, ``learner``, ``preprocessing``, ``error`` and
        ``duration``: ``pandas.DataFrame(est.cv_results_)`` is a leaderboard,
        and :meth:`leaderboard` is that table sorted by rank.
    interrupted_ : bool
        Whether Ctrl-C stopped the search early; the best trial so far was
        then refitted.
    search_space_ : CompiledSpace
        The space that was searched (labels, distributions, conditions).
    ensemble_ : dict or None
        The ensemble refitted as ``best_estimator_``: member ``tid`` and
        ``weight`` (heaviest first) and the blend's validation ``score``;
        ``None`` when the single winner was refitted.
    reevaluation_ : dict of arrays or None
        The re-evaluated candidates: ``tid``, ``search_score``,
        ``fresh_score`` and ``combined_score``.
    classes_ : ndarray
        Class labels (classification only).
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Column names, when ``X`` was a DataFrame with string column names.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from hpsk import HyperoptEstimator
    >>> from hpsk.components import any_classifier
    >>> X, y = load_iris(return_X_y=True)
    >>> est = HyperoptEstimator(classifier=any_classifier("clf"), max_evals=5,
    ...                         random_state=0).fit(X, y)
    >>> est.score(X, y) > 0.8
    True
    """

    _parameter_constraints: dict[str, list[Any]] = {
        "algo": [callable, None],
        "max_evals": [Interval(numbers.Integral, 1, None), None],
        "time_budget": [Interval(numbers.Real, 0, None, "neither"), None],
        "trial_timeout": [Interval(numbers.Real, 0, None, "neither"), None],
        "loss_fn": [callable, None],
        "continuous_loss_fn": [InstanceOf((bool,), "a bool")],
        "reevaluate_top": [Interval(numbers.Integral, 0, None)],
        "ensemble_size": [Interval(numbers.Integral, 0, None)],
        "scoring": [InstanceOf((str,), "a str"), callable, None],
        "cv": [Interval(numbers.Integral, 2, None), Interval(numbers.Real, 0, 1, "neither"),
               Options(("auto",)), HasMethods(("split", "get_n_splits")),
               InstanceOf((list, tuple), "an iterable of splits")],
        "refit": [InstanceOf((bool,), "a bool"), Options(("bag",))],
        "n_jobs": [Interval(numbers.Integral, None, None), None],
        "random_state": [Interval(numbers.Integral, 0, 2**32 - 1), None],
        "verbose": [Interval(numbers.Integral, 0, None), InstanceOf((bool,), "a bool")],
        "storage": [InstanceOf((str, os.PathLike), "a path"), None],
        "starting_points": [Options(("auto", "portfolio")), InstanceOf((list, tuple), "a list of dicts"), None],
        "fit_increment": [Interval(numbers.Integral, 1, None)],
        "fidelity": [Options(("auto",)), InstanceOf((dict,), "a dict with 'min_rows' and 'eta'"), None],
    }

    def __init__(
        self,
        classifier: Any = None,
        regressor: Any = None,
        preprocessing: Any = None,
        ex_preprocs: Any = None,
        space: Any = None,
        *,
        algo: Callable | None = None,
        max_evals: int | None = None,
        time_budget: float | None = None,
        trial_timeout: float | None = None,
        loss_fn: Callable | None = None,
        continuous_loss_fn: bool = False,
        scoring: Any = None,
        cv: Any = "auto",
        reevaluate_top: int = 0,
        ensemble_size: int = 20,
        refit: bool | str = True,
        n_jobs: int | None = None,
        random_state: int | None = None,
        verbose: int = 0,
        storage: str | os.PathLike | None = None,
        starting_points: Any = "auto",
        fit_increment: int = 1,
        fidelity: str | dict[str, int] | None = "auto",
    ) -> None:
        self.classifier = classifier
        self.regressor = regressor
        self.preprocessing = preprocessing
        self.ex_preprocs = ex_preprocs
        self.space = space
        self.algo = algo
        self.max_evals = max_evals
        self.time_budget = time_budget
        self.trial_timeout = trial_timeout
        self.loss_fn = loss_fn
        self.continuous_loss_fn = continuous_loss_fn
        self.scoring = scoring
        self.cv = cv
        self.reevaluate_top = reevaluate_top
        self.ensemble_size = ensemble_size
        self.refit = refit
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.verbose = verbose
        self.storage = storage
        self.starting_points = starting_points
        self.fit_increment = fit_increment
        self.fidelity = fidelity

    def __setstate__(self, state: dict[str, Any]) -> None:
        # Estimators fitted before labels_encoded_ was public kept it as
        # ``_encoded_labels_``; pickle and skops both load through here.
        if "_encoded_labels_" in state and "labels_encoded_" not in state:
            state = dict(state)
            state["labels_encoded_"] = state.pop("_encoded_labels_")
        if "_input_kind_" not in state and "best_estimator_" in state:
            # ... and what X was as two flags.
            state = dict(state)
            state["_input_kind_"] = ("documents" if state.pop("_documents_input_", False) else
                                     "frame" if state.pop("_frame_input_", False) else "array")
        super().__setstate__(state)

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True  # imputed inside the searched pipelines
        tags.input_tags.sparse = True
        tags.non_deterministic = self.random_state is None
        if tags.classifier_tags is None and self.regressor is None and not isinstance(self, RegressorMixin):
            # It becomes a classifier when y holds classes (predict_proba and all).
            tags.classifier_tags = ClassifierTags()
        return tags


    # ---- what the subclasses change ---------------------------------------

    # The task of HyperoptClassifier and HyperoptRegressor; None: read from
    # the learner given, or from y (see hpsk.stages.inputs.infer_task).
    _fixed_task: str | None = None
    # Whether any_preprocessing is searched when the user gives no preprocessing.
    _preprocess_by_default = False

    # ---- fit ------------------------------------------------------------

    def _given_task(self) -> str | None:
        """The task fixed by the class or by the learner given; ``None``: read it from ``y``."""
        if self._fixed_task is not None:
            return self._fixed_task
        if self.classifier is not None:
            return "classification"
        return "regression" if self.regressor is not None else None

    def _searches_default_learners(self) -> bool:
        """Whether the learners searched are the default family (the user chose none)."""
        return self.space is None and self.classifier is None and self.regressor is None

    def _max_evals(self) -> int | None:
        """The number of trials to run; ``None`` runs until ``time_budget``."""
        if self.max_evals is None and self.time_budget is None:
            return DEFAULT_MAX_EVALS
        return self.max_evals

    def _fidelity(self) -> str | dict[str, int] | None:
        """``fidelity``, its dict checked (see :func:`hpsk.stages.validation.resolve_rungs`)."""
        if not isinstance(self.fidelity, dict):
            return self.fidelity
        unknown = set(self.fidelity) - {"min_rows", "eta"}
        values = [self.fidelity.get("min_rows", 2), self.fidelity.get("eta", 2)]
        if unknown or not all(isinstance(v, numbers.Integral) and not isinstance(v, bool) and v >= 2
                              for v in values):
            raise ValueError(f"{type(self).__name__}: fidelity takes 'min_rows' and 'eta', ints >= 2; "
                             f"got {self.fidelity!r}.")
        return self.fidelity

    def _validate(self) -> None:
        validate_params(self.get_params(deep=False), self._parameter_constraints, type(self).__name__)
        if self.classifier is not None and self.regressor is not None:
            raise ValueError(f"{type(self).__name__}: give either 'classifier' or 'regressor', not both.")

    def fit(
        self,
        X: Any,
        y: Any,
        groups: Any = None,
        sample_weight: Any = None,
        *,
        valid_size: float | None = None,
        n_folds: int | None = None,
        cv_shuffle: bool | None = None,
        kfolds_group: Any = None,
        warm_start: bool = False,
        EX_list: Any = None,
    ) -> "HyperoptEstimator":
        """Search for the best pipeline on ``X, y`` and refit it.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        groups : array-like of shape (n_samples,), optional
            Group labels: no group is split between training and validation
            (grouped k-fold or holdout unless ``cv`` is a splitter).
        sample_weight : array-like of shape (n_samples,), optional
            Passed to every learner whose ``fit`` takes it, and to the scorer.
        valid_size, n_folds, cv_shuffle, kfolds_group : optional
            hyperopt-sklearn's keywords, mapped onto ``cv`` and ``groups``:
            ``n_folds`` -> k-fold (unshuffled if ``cv_shuffle=False``),
            ``valid_size`` -> a holdout of that fraction (shuffled and
            stratified, unlike hyperopt-sklearn's last-rows holdout),
            ``kfolds_group`` -> ``groups`` (honoured for classifiers too).
        warm_start : bool, default=False
            Continue the previous search: keep its trials and run
            ``max_evals`` more.
        EX_list : list of arrays, optional
            hyperopt-sklearn's exogenous data sets, one row per row of ``X``:
            ``X`` goes through the searched ``preprocessing``, each ``EX``
            through its list in ``ex_preprocs`` (none by default), and the
            learner sees them side by side. ``predict`` and ``score`` then
            need the same ``EX_list``.

        Returns
        -------
        self : HyperoptEstimator
        """
        X, widths = join_exogenous(X, EX_list, type(self).__name__)
        return self._fit(X, y, groups, sample_weight, valid_size=valid_size, n_folds=n_folds,
                         cv_shuffle=cv_shuffle, kfolds_group=kfolds_group, warm_start=warm_start,
                         n_new=None, exogenous_widths=widths)

    def fit_iter(self, X: Any, y: Any, groups: Any = None, sample_weight: Any = None, *,
                 increment: int | None = None, warm_start: bool = False, **fit_params: Any) -> Any:
        """Search step by step: hyperopt-sklearn's ``fit_iter`` generator.

        The first ``next()`` yields the trials so far (none, or the previous
        search's with ``warm_start=True``) without running any. Each further
        ``next()`` runs ``increment`` (default ``fit_increment``) more trials,
        ``send(n)`` runs ``n``; after
        each step the best pipeline so far is refitted (with ``refit=True``),
        so the estimator can predict between steps, and ``trials_`` is
        yielded. ``fit_params`` are :meth:`fit`'s other keywords.

        Examples
        --------
        >>> from sklearn.datasets import load_iris
        >>> from hpsk import HyperoptClassifier
        >>> X, y = load_iris(return_X_y=True)
        >>> model = HyperoptClassifier(classifier="k_neighbors_classifier", random_state=0)
        >>> steps = model.fit_iter(X, y, increment=2)
        >>> len(next(steps)), len(next(steps)), len(steps.send(3))
        (0, 2, 5)
        """
        unknown = set(fit_params) - {"valid_size", "n_folds", "cv_shuffle", "kfolds_group", "EX_list"}
        if unknown:
            raise TypeError(f"fit_iter() got unexpected keyword arguments {sorted(unknown)}")
        X, widths = join_exogenous(X, fit_params.pop("EX_list", None), type(self).__name__)
        keywords = {"valid_size": None, "n_folds": None, "cv_shuffle": None, "kfolds_group": None,
                    **fit_params}
        warm = warm_start and hasattr(self, "trials_")
        if not warm:
            self.trials_ = Trials()
        increment = self.fit_increment if increment is None else increment
        n = yield self.trials_
        warm = True  # the steps add to self.trials_
        while True:
            n = increment if n is None else n
            if not isinstance(n, numbers.Integral) or n < 1:
                raise ValueError(f"fit_iter: the number of trials to run must be a positive int, got {n!r}")
            self._fit(X, y, groups, sample_weight, warm_start=warm, n_new=int(n), exogenous_widths=widths,
                      **keywords)
            n = yield self.trials_

    def _fit(self, X: Any, y: Any, groups: Any, sample_weight: Any, *, valid_size: float | None,
             n_folds: int | None, cv_shuffle: bool | None, kfolds_group: Any, warm_start: bool,
             n_new: int | None, exogenous_widths: list[int] | None) -> "HyperoptEstimator":
        """:meth:`fit` as its stages (:mod:`hpsk.stages`), running ``n_new`` more trials
        when given (for :meth:`fit_iter`)."""
        clock = Clock(time.monotonic(), self.time_budget)
        self._validate()
        # 1. inputs
        inputs = read_inputs(self, X, y, kfolds_group if groups is None else groups, sample_weight,
                             self._given_task())
        # 2. space
        space = self._space(inputs, exogenous_widths)
        # 3. splits and objective, with the trials so far and the seeds
        cv = resolve_cv(self.cv, inputs.groups, valid_size, n_folds, cv_shuffle)
        history = self._history(space, inputs, cv, warm_start)
        pool = prediction_pool(inputs, self.ensemble_size, bool(self.refit))
        validation = self._validation(cv, inputs, history, keep_predictions=pool is not None)
        # 4. search
        interrupted = self._search(validation, space, history, clock, pool,
                                   trials_to_run(self._max_evals(), n_new, warm_start, history))
        # 5. selection: the winner, then the ensemble (none after Ctrl-C: the best so far, now)
        selection, ensemble = self._select(validation, space, history, clock, pool, interrupted, inputs)
        # 6. final model
        model, labels_encoded = final_model(
            inputs, validation.objective, space, history.trials, selection.best, ensemble, n_jobs=self.n_jobs,
            calibrate=self._searches_default_learners(), bag=self.refit == "bag",
            time_left=clock.left()) if self.refit else (None, False)
        self._set_fitted(inputs, space, history.trials, interrupted, selection, ensemble, model,
                         labels_encoded, exogenous_widths)
        return self

    # ---- the stages' arguments, from the parameters --------------------------

    def _space(self, inputs: Inputs, exogenous_widths: list[int] | None) -> CompiledSpace:
        """Stage 2: the compiled space for ``inputs`` (see :func:`hpsk.stages.search_space.search_space`)."""
        learner = self.classifier if inputs.task == "classification" else self.regressor
        return compile_space(search_space(
            inputs, space=self.space, learner=learner, preprocessing=self.preprocessing,
            ex_preprocs=self.ex_preprocs, preprocess_by_default=self._preprocess_by_default,
            exogenous_widths=exogenous_widths, owner=type(self).__name__))

    def _history(self, space: CompiledSpace, inputs: Inputs, cv: Any, warm_start: bool) -> History:
        """Stage 3's trials so far and seeds (see :func:`hpsk.stages.searching.open_history`)."""
        return open_history(
            space, inputs, cv, previous=self.trials_ if warm_start and hasattr(self, "trials_") else None,
            storage=self.storage, random_state=self.random_state, points=self.starting_points,
            scoring=self.scoring, loss_fn=self.loss_fn, continuous_loss_fn=self.continuous_loss_fn,
            owner=type(self).__name__)

    def _validation(self, cv: Any, inputs: Inputs, history: History, keep_predictions: bool) -> Validation:
        """Stage 3's splits, scorer, objective and rungs (see :func:`hpsk.stages.validation.validate_with`)."""
        owner = type(self).__name__
        scorer = validation_scorer(self.scoring, self.loss_fn, self.continuous_loss_fn, inputs.task, owner)
        return validate_with(cv, inputs, scorer, seed=history.seed, n_evals=self._max_evals(),
                             time_budget=self.time_budget, keep_predictions=keep_predictions, owner=owner,
                             fidelity=self._fidelity())

    def _search(self, validation: Validation, space: CompiledSpace, history: History, clock: Clock,
                pool: PredictionPool | None, n_new: int | None) -> bool:
        """Stage 4 (see :func:`hpsk.stages.searching.run_search`); whether Ctrl-C stopped it."""
        refit_rows = validation.objective.X.shape[0] if validation.rungs and self.refit else None
        return run_search(
            validation.objective, space, history, n_new=n_new, algo=self.algo,
            deadline=clock.search_deadline(bool(self.refit), bool(self.reevaluate_top)), pool=pool,
            verbose=bool(self.verbose), n_jobs=self.n_jobs, trial_timeout=self.trial_timeout,
            rungs=validation.rungs, refit_rows=refit_rows, budget=self.time_budget)

    def _select(self, validation: Validation, space: CompiledSpace, history: History, clock: Clock,
                pool: PredictionPool | None, interrupted: bool,
                inputs: Inputs) -> tuple[Selection, dict[str, Any] | None]:
        """Stage 5 (see :mod:`hpsk.stages.selection`): the winner and the ensemble, if any."""
        trials, objective = history.trials, validation.objective
        if trials.n_ok == 0:
            self.trials_ = trials  # the one attribute set on failure: every trial's error can be read
            raise AllTrialsFailed(f"{type(self).__name__}: all {len(trials)} trials failed. "
                                  f"The first error was: {trials.first_error()}")
        selection = select_winner(trials, space, objective, validation.splitter, inputs.groups, history.seed,
                                  clock.selection_deadline(), self.reevaluate_top,
                                  refit_within=clock.left() if validation.rungs and self.refit else None)
        ensemble = None if pool is None or interrupted else select_ensemble(
            pool, selection.score, trials, objective, space, classes=inputs.classes,
            ensemble_size=self.ensemble_size, clock=clock)
        return selection, ensemble

    def _set_fitted(self, inputs: Inputs, space: CompiledSpace, trials: Trials, interrupted: bool,
                    selection: Selection, ensemble: dict[str, Any] | None, model: Any,
                    labels_encoded: bool, exogenous_widths: list[int] | None) -> None:
        """Every fitted attribute, from what the stages returned (see the class docstring)."""
        self.__dict__.pop("training_info_", None)  # the CLI's record of an earlier fit
        fitted = {
            "classes_": inputs.classes, "n_features_in_": inputs.n_features_in,
            "feature_names_in_": inputs.feature_names_in, "best_estimator_": model,
            "labels_encoded_": labels_encoded if model is not None else None,
        }
        for name, value in fitted.items():  # absent rather than None, as in scikit-learn
            if value is None:
                self.__dict__.pop(name, None)
            else:
                setattr(self, name, value)
        self._task_, self._input_kind_, self._exogenous_widths_ = inputs.task, inputs.kind, exogenous_widths
        self.trials_, self.interrupted_, self.search_space_ = trials, interrupted, space
        self.cv_results_ = cv_results(trials, lambda point: readable_point(space, point),
                                      lambda point: pipeline_at(space, point))
        self.best_index_, self.best_score_ = selection.best.tid, selection.score
        self.best_params_ = readable_point(space, selection.best.point)
        self._best_point_ = dict(selection.best.point)
        self.reevaluation_, self.ensemble_ = selection.reevaluation, ensemble

    # ---- hyperopt-sklearn's reading API ---------------------------------

    @property
    def trials(self) -> Trials:
        """hyperopt-sklearn's name for :attr:`trials_`."""
        check_is_fitted(self, "trials_")
        return self.trials_

    def best_model(self) -> dict[str, Any]:
        """``{"learner", "preprocs", "ex_preprocs"}`` of the refitted winner (of an
        ensemble's heaviest member)."""
        check_is_fitted(self, "best_estimator_")
        point = self._best_point_
        ensemble = getattr(self, "ensemble_", None)
        if ensemble is not None:  # the heaviest member
            heaviest = int(ensemble["tid"][0])
            point = next(trial.point for trial in self.trials_ if trial.tid == heaviest)
        params = self.search_space_.evaluate(point)
        steps = [step for _, step in member_pipelines(self.best_estimator_)[0].steps]
        n_ex = len(params.get("ex_preprocs") or []) if isinstance(params, dict) else 0
        return {"learner": steps[-1], "preprocs": tuple(steps[n_ex:-1]), "ex_preprocs": tuple(steps[:n_ex])}

    def leaderboard(self, *, top: int | None = None) -> Any:
        """Every trial, best first: see :func:`hpsk.leaderboard.leaderboard`."""
        check_is_fitted(self, "trials_")
        from .leaderboard import leaderboard

        return leaderboard(self, top=top)

    def describe(self) -> str:
        """One line: the winning pipeline's steps and its validation score."""
        check_is_fitted(self, "best_estimator_")
        ensemble = getattr(self, "ensemble_", None)
        score = self.best_score_ if ensemble is None else ensemble["score"]
        return describe_model(self.best_estimator_) + f" (validation score {score:.4f})"

    # ---- behave like the winner ------------------------------------------

    def _decode(self, codes: np.ndarray) -> np.ndarray:
        return self.classes_[np.asarray(codes, dtype=int)] if self.labels_encoded_ else codes

    def _winner(self) -> Any:
        check_is_fitted(self, "best_estimator_")
        return self.best_estimator_

    def _checked(self, X: Any, EX_list: Any = None) -> Any:
        """``X`` (with ``EX_list``) checked and prepared as in ``fit``."""
        X, _ = join_exogenous(X, EX_list, type(self).__name__, fitting=False,
                              fitted_widths=getattr(self, "_exogenous_widths_", None))
        return predict_input(self, X, self._input_kind_)

    @_IfWinnerHas
    def predict(self, X: Any, EX_list: Any = None) -> np.ndarray:
        """Predict with the refitted winner (labels as given to ``fit``).

        ``EX_list``: the exogenous data sets, when ``fit`` was given them.
        """
        predictions = self._winner().predict(self._checked(X, EX_list))
        return self._decode(predictions) if getattr(self, "_task_", None) == "classification" else predictions

    @_IfWinnerHas
    def predict_proba(self, X: Any, EX_list: Any = None) -> np.ndarray:
        """Class probabilities from the winner, columns in ``classes_`` order."""
        return self._winner().predict_proba(self._checked(X, EX_list))

    @_IfWinnerHas
    def predict_log_proba(self, X: Any) -> np.ndarray:
        return self._winner().predict_log_proba(self._checked(X))

    @_IfWinnerHas
    def decision_function(self, X: Any) -> np.ndarray:
        return self._winner().decision_function(self._checked(X))

    def score(self, X: Any, y: Any, sample_weight: Any = None, EX_list: Any = None) -> float:
        """Accuracy (classification) or R^2 (regression) of the winner."""
        check_is_fitted(self, "best_estimator_")
        predictions = self.predict(X, EX_list)
        if self._task_ == "classification":
            return float(accuracy_score(y, predictions, sample_weight=sample_weight))
        return float(r2_score(y, predictions, sample_weight=sample_weight))


class HyperoptClassifier(ClassifierMixin, HyperoptEstimator):
    """:class:`HyperoptEstimator` for classification.

    Searches ``any_classifier`` with ``any_preprocessing`` unless told
    otherwise; ``score`` is accuracy.
    """

    _fixed_task = "classification"
    _preprocess_by_default = True


class HyperoptRegressor(RegressorMixin, HyperoptEstimator):
    """:class:`HyperoptEstimator` for regression.

    Searches ``any_regressor`` with ``any_preprocessing`` unless told
    otherwise; ``score`` is R^2.
    """

    _fixed_task = "regression"
    _preprocess_by_default = True
