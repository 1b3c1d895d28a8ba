"""Saving and loading fitted estimators: skops (safe), pickle and joblib."""

import pickle
import warnings
import zipfile

import joblib
import numpy as np
import pytest
import scipy.sparse as sp
import sklearn
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


# -- issue 17, items 2 and 10c: callbacks and routing requests ---------------------------

try:
    from sklearn import callback
except ImportError:  # scikit-learn < 1.9
    callback = None
needs_callbacks = pytest.mark.skipif(callback is None, reason="needs sklearn.callback (>= 1.9)")


def _stored_bytes(how, estimator, path):
    """What the file written by ``how`` holds (a skops zip: all its members, uncompressed)."""
    if how == "skops":
        sio.dump(estimator, path)
        with zipfile.ZipFile(path) as archive:
            return b"".join(archive.read(name) for name in archive.namelist())
    ROUND_TRIPS[how](estimator, path)
    return path.read_bytes()


@needs_callbacks
@pytest.mark.parametrize("how", list(ROUND_TRIPS))
def test_a_saved_model_holds_no_callbacks(how, small_digits, tmp_path):
    X, y = small_digits
    monitor = callback.ScoringMonitor(scoring="accuracy")
    model = HalfNetClassifier(n_hidden=50, rank=4, max_iter=2, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=UserWarning)
        model.set_callbacks(monitor).fit(X, y)
    stored = _stored_bytes(how, model, tmp_path / "model")
    for secret in (b"ScoringMonitor", b"ListenerHandle", b"uuid", monitor._listener_handle.authkey):
        assert secret not in stored
    # docs/persistence.md's trusted list: the estimator's class, nothing else.
    if how == "skops":
        loaded = sio.load(tmp_path / "model", trusted=["skhalfnet._classifier.HalfNetClassifier"])
    else:
        loaded = ROUND_TRIPS[how](model, tmp_path / "again")
    assert not hasattr(loaded, "_skl_callbacks")
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))
    assert model._skl_callbacks == [monitor]  # the model in memory keeps its callbacks
    # Callbacks set again on the loaded model work as on a new one.
    again = callback.ScoringMonitor(scoring="accuracy")
    loaded.set_callbacks(again).partial_fit(X, y)
    assert len(again.get_logs().data_as_pandas) > 0


@needs_callbacks
def test_an_unfitted_estimator_keeps_its_callbacks_for_worker_processes():
    # scikit-learn sends an unfitted clone and its callbacks to a parallel search's
    # workers by pickling it.
    estimator = HalfNetClassifier().set_callbacks(callback.ProgressBar())
    copy = pickle.loads(pickle.dumps(estimator))
    assert [type(c) for c in copy._skl_callbacks] == [callback.ProgressBar]


@pytest.mark.parametrize("how", list(ROUND_TRIPS))
def test_a_model_with_routing_requests_saves_and_keeps_them(how, small_digits, tmp_path):
    # scikit-learn 1.9's request object refers back to its estimator: skops recursed.
    X, y = small_digits
    with sklearn.config_context(enable_metadata_routing=True), warnings.catch_warnings():
        warnings.simplefilter("ignore", category=UserWarning)
        model = HalfNetClassifier(n_hidden=50, rank=4, max_iter=2, random_state=0)
        model.set_fit_request(sample_weight=True).set_score_request(sample_weight="w").fit(X, y)
        loaded = ROUND_TRIPS[how](model, tmp_path / "model")
        routing = loaded.get_metadata_routing()
    assert routing.fit.requests == {"sample_weight": True}
    assert routing.score.requests == {"sample_weight": "w"}
    assert loaded._metadata_request.owner is loaded
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))
