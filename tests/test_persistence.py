"""Saving and loading fitted estimators: skops (safe), pickle and joblib."""

import pickle
import warnings

import joblib
import numpy as np
import pytest
import scipy.sparse as sp
from test_common import output_of

from skhalfnet import HalfNetClassifier, HalfNetRegressor, HalfNetTransformer

sio = pytest.importorskip("skops.io")

ESTIMATORS = [HalfNetClassifier, HalfNetRegressor, HalfNetTransformer]


def _type_name(cls):
    return f"{cls.__module__}.{cls.__name__}"


def _expected_untrusted(estimator):
    """The estimator's class, and scipy's CSR matrix for covariance="identity"."""
    names = [_type_name(type(estimator))]
    if sp.issparse(estimator.components_):
        names.append(_type_name(type(estimator.components_)))
    return sorted(names)


def _skops_round_trip(estimator, path):
    """The documented workflow: dump, list the untrusted types, load trusting those."""
    sio.dump(estimator, path)
    untrusted = sio.get_untrusted_types(file=path)
    assert sorted(untrusted) == _expected_untrusted(estimator)
    return sio.load(path, trusted=untrusted)


def _pickle_round_trip(estimator, path):
    path.write_bytes(pickle.dumps(estimator))
    return pickle.loads(path.read_bytes())


def _joblib_round_trip(estimator, path):
    joblib.dump(estimator, path)
    return joblib.load(path)


ROUND_TRIPS = {
    "skops": _skops_round_trip,
    "pickle": _pickle_round_trip,
    "joblib": _joblib_round_trip,
}


@pytest.fixture(scope="module")
def fitted(small_digits):
    """One fitted estimator of each kind (low-rank V and the identity covariance)."""
    X, y = small_digits
    models = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=UserWarning)  # not converged in 3 epochs
        for Estimator in ESTIMATORS:
            for covariance in ["lowrank", "identity"]:
                params = {"n_hidden": 100, "rank": 4, "max_iter": 3, "random_state": 0}
                models[Estimator, covariance] = Estimator(**params, covariance=covariance).fit(X, y)
    return models


@pytest.mark.parametrize("covariance", ["lowrank", "identity"])
@pytest.mark.parametrize("Estimator", ESTIMATORS)
@pytest.mark.parametrize("how", list(ROUND_TRIPS))
def test_round_trip_predicts_the_same(how, Estimator, covariance, fitted, small_digits, tmp_path):
    X, _ = small_digits
    estimator = fitted[Estimator, covariance]
    loaded = ROUND_TRIPS[how](estimator, tmp_path / "model")
    assert type(loaded) is Estimator
    np.testing.assert_array_equal(output_of(loaded, X), output_of(estimator, X))
    assert loaded.get_params() == estimator.get_params()


@pytest.mark.parametrize("how", list(ROUND_TRIPS))
def test_loaded_model_continues_training_alike(how, fitted, small_digits, tmp_path):
    # partial_fit resumes Adam from its saved moments: a loaded copy takes the same step.
    X, y = small_digits
    estimator = pickle.loads(pickle.dumps(fitted[HalfNetClassifier, "lowrank"]))
    loaded = ROUND_TRIPS[how](estimator, tmp_path / "model")
    estimator.partial_fit(X, y)
    loaded.partial_fit(X, y)
    np.testing.assert_array_equal(loaded.components_, estimator.components_)
    np.testing.assert_array_equal(loaded.predict_proba(X), estimator.predict_proba(X))
