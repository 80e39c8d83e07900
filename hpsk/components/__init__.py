"""Search-space components: one function per scikit-learn (or XGBoost) class.

Each function takes the component's name first and returns a node that
evaluates to an unfitted estimator; keyword arguments fix a hyperparameter
or replace its prior with another ``hp`` node. The ``any_*`` and ``all_*``
families choose between components. Function names and conventions follow
hyperopt-sklearn's ``hpsklearn.components``.
"""

# Every component function, imported by name from the module that defines it (static, so
# type checkers and IDEs see them); tests/test_components.py checks that this list and the
# modules' own ``__all__`` agree.
from ._any import (
    any_classifier, any_regressor, any_preprocessing, any_sparse_classifier,
    any_sparse_regressor, any_sparse_preprocessing, any_text_preprocessing, all_classifiers,
    all_regressors, all_preprocessing,
)
from .linear_model import (
    logistic_regression, logistic_regression_cv, ridge_classifier, ridge_classifier_cv,
    sgd_classifier, sgd_one_class_svm, passive_aggressive_classifier, perceptron,
    linear_regression, ridge, ridge_cv, lasso, lasso_cv, elastic_net, elastic_net_cv, lars,
    lars_cv, lasso_lars, lasso_lars_cv, lasso_lars_ic, orthogonal_matching_pursuit,
    orthogonal_matching_pursuit_cv, bayesian_ridge, ard_regression, sgd_regressor,
    passive_aggressive_regressor, huber_regressor, theil_sen_regressor, ransac_regression,
    quantile_regression, poisson_regressor, gamma_regressor, tweedie_regressor,
    multi_task_lasso, multi_task_lasso_cv, multi_task_elastic_net, multi_task_elastic_net_cv,
)
from .svm import svc, svr, nu_svc, nu_svr, one_class_svm, linear_svc, linear_svr
from .neighbors import (
    k_neighbors_classifier, k_neighbors_regressor, radius_neighbors_classifier,
    radius_neighbors_regressor, nearest_centroid,
)
from .naive_bayes import gaussian_nb, multinomial_nb, bernoulli_nb, complement_nb, categorical_nb
from .tree import (
    decision_tree_classifier, decision_tree_regressor, extra_tree_classifier,
    extra_tree_regressor,
)
from .ensemble import (
    random_forest_classifier, random_forest_regressor, extra_trees_classifier,
    extra_trees_regressor, bagging_classifier, bagging_regressor, isolation_forest,
    ada_boost_classifier, ada_boost_regressor, gradient_boosting_classifier,
    gradient_boosting_regressor, hist_gradient_boosting_classifier,
    hist_gradient_boosting_regressor, forest_classifiers, forest_regressors,
)
from .discriminant_analysis import linear_discriminant_analysis, quadratic_discriminant_analysis
from .gaussian_process import gaussian_process_classifier, gaussian_process_regressor
from .kernel_ridge import hp_sklearn_kernel_ridge
from .neural_network import mlp_classifier, mlp_regressor
from .dummy import dummy_classifier, dummy_regressor
from .multiclass import one_vs_rest_classifier, one_vs_one_classifier, output_code_classifier
from .cross_decomposition import pls_regression, cca, pls_canonical
from .preprocessing import (
    standard_scaler, min_max_scaler, max_abs_scaler, robust_scaler, normalizer,
    quantile_transformer, power_transformer, binarizer, k_bins_discretizer, polynomial_features,
    spline_transformer, one_hot_encoder, ordinal_encoder,
)
from .decomposition import pca
from .feature_extraction import tfidf_vectorizer, count_vectorizer, hashing_vectorizer
from .xgboost import xgboost_classification, xgboost_regression
from .lightgbm import lightgbm_classification, lightgbm_regression
from .semi_supervised import label_propagation, label_spreading
from .compose import transformed_target_regressor
from .covariance import elliptic_envelope
from .mixture import gaussian_mixture, bayesian_gaussian_mixture
from .cluster import k_means, mini_batch_k_means
from .lagselectors import ts_lagselector
from .vkmeans import colkmeans
# The starting points (not components): the default learners' defaults, and the learned portfolio.
from ._any import STARTING_POINTS, learned_portfolio

__all__ = [
    "any_classifier", "any_regressor", "any_preprocessing", "any_sparse_classifier",
    "any_sparse_regressor", "any_sparse_preprocessing", "any_text_preprocessing",
    "all_classifiers", "all_regressors", "all_preprocessing", "logistic_regression",
    "logistic_regression_cv", "ridge_classifier", "ridge_classifier_cv", "sgd_classifier",
    "sgd_one_class_svm", "passive_aggressive_classifier", "perceptron", "linear_regression",
    "ridge", "ridge_cv", "lasso", "lasso_cv", "elastic_net", "elastic_net_cv", "lars", "lars_cv",
    "lasso_lars", "lasso_lars_cv", "lasso_lars_ic", "orthogonal_matching_pursuit",
    "orthogonal_matching_pursuit_cv", "bayesian_ridge", "ard_regression", "sgd_regressor",
    "passive_aggressive_regressor", "huber_regressor", "theil_sen_regressor", "ransac_regression",
    "quantile_regression", "poisson_regressor", "gamma_regressor", "tweedie_regressor",
    "multi_task_lasso", "multi_task_lasso_cv", "multi_task_elastic_net",
    "multi_task_elastic_net_cv", "svc", "svr", "nu_svc", "nu_svr", "one_class_svm", "linear_svc",
    "linear_svr", "k_neighbors_classifier", "k_neighbors_regressor",
    "radius_neighbors_classifier", "radius_neighbors_regressor", "nearest_centroid",
    "gaussian_nb", "multinomial_nb", "bernoulli_nb", "complement_nb", "categorical_nb",
    "decision_tree_classifier", "decision_tree_regressor", "extra_tree_classifier",
    "extra_tree_regressor", "random_forest_classifier", "random_forest_regressor",
    "extra_trees_classifier", "extra_trees_regressor", "bagging_classifier", "bagging_regressor",
    "isolation_forest", "ada_boost_classifier", "ada_boost_regressor",
    "gradient_boosting_classifier", "gradient_boosting_regressor",
    "hist_gradient_boosting_classifier", "hist_gradient_boosting_regressor", "forest_classifiers",
    "forest_regressors", "linear_discriminant_analysis", "quadratic_discriminant_analysis",
    "gaussian_process_classifier", "gaussian_process_regressor", "hp_sklearn_kernel_ridge",
    "mlp_classifier", "mlp_regressor", "dummy_classifier", "dummy_regressor",
    "one_vs_rest_classifier", "one_vs_one_classifier", "output_code_classifier", "pls_regression",
    "cca", "pls_canonical", "standard_scaler", "min_max_scaler", "max_abs_scaler",
    "robust_scaler", "normalizer", "quantile_transformer", "power_transformer", "binarizer",
    "k_bins_discretizer", "polynomial_features", "spline_transformer", "one_hot_encoder",
    "ordinal_encoder", "pca", "tfidf_vectorizer", "count_vectorizer", "hashing_vectorizer",
    "xgboost_classification", "xgboost_regression", "lightgbm_classification",
    "lightgbm_regression", "label_propagation", "label_spreading", "transformed_target_regressor",
    "elliptic_envelope", "gaussian_mixture", "bayesian_gaussian_mixture", "k_means",
    "mini_batch_k_means", "ts_lagselector", "colkmeans",
]
