"""Fixtures shared by several test modules."""

import numpy as np
import pytest

from hpsk.export import export_code


@pytest.fixture
def predict_with_export():
    """``predict(model, X, y)``: run the script ``export_code(model)`` writes,
    fit its pipeline on ``X, y`` and return its predictions of ``X`` as labels."""

    def predict(model, X, y):
        namespace = {}
        exec(export_code(model), namespace)
        predictions = namespace["fit"](X, y).predict(X)
        if "CLASSES" in namespace:  # the script fitted on codes
            predictions = namespace["CLASSES"][np.asarray(predictions, dtype=int)]
        return predictions

    return predict
