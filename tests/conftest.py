"""Small data sets shared by the tests."""

import numpy as np
import pytest
from sklearn.datasets import load_digits, make_regression
from sklearn.preprocessing import StandardScaler


@pytest.fixture(scope="session")
def digits():
    """Standardised digits as float32, and the labels."""
    X, y = load_digits(return_X_y=True)
    return StandardScaler().fit_transform(X).astype(np.float32), y


@pytest.fixture(scope="session")
def small_digits(digits):
    """The first 400 digits of classes 0-4: quick to fit."""
    X, y = digits
    keep = np.flatnonzero(y < 5)[:400]
    return X[keep], y[keep]


@pytest.fixture(scope="session")
def regression_data():
    X, y = make_regression(n_samples=300, n_features=8, n_informative=4, noise=5.0, random_state=0)
    return X.astype(np.float32), (y * 10 + 100).astype(np.float32)


@pytest.fixture
def fast():
    """Small, fast estimator settings for the behaviour tests.

    The learned geometry, whatever held-out rows would choose: these tests are about
    V (``covariance="auto"`` has its own, in tests/test_selection.py).
    """
    return {
        "n_hidden": 200,
        "rank": 4,
        "max_iter": 15,
        "random_state": 0,
        "covariance": "lowrank",
    }
