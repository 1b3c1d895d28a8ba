"""Metadata routing: sample_weight through a Pipeline and cross_validate to HalfNet's fit."""

import numpy as np
import pytest
import sklearn
from sklearn.exceptions import UnsetMetadataPassedError
from sklearn.metrics import accuracy_score, make_scorer
from sklearn.model_selection import cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skhalfnet import HalfNetClassifier

PARAMS = {"n_hidden": 100, "rank": 4, "max_iter": 5, "random_state": 0}


def _pipeline():
    return make_pipeline(
        StandardScaler().set_fit_request(sample_weight=False),
        HalfNetClassifier(**PARAMS).set_fit_request(sample_weight=True),
    )


def _scorer():
    return make_scorer(accuracy_score).set_score_request(sample_weight=True)


@pytest.fixture
def routing():
    with sklearn.config_context(enable_metadata_routing=True):
        yield


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_sample_weight_reaches_fit_and_scorer(routing, small_digits):
    X, y = small_digits
    weight = np.where(y == 0, 0.0, 1.0)  # class 0 carries no weight
    kwargs = dict(cv=3, return_estimator=True, return_indices=True)
    weighted = cross_validate(
        _pipeline(), X, y, params={"sample_weight": weight}, scoring=_scorer(), **kwargs
    )
    plain = cross_validate(_pipeline(), X, y, scoring="accuracy", **kwargs)
    for model, plain_model, test in zip(
        weighted["estimator"], plain["estimator"], weighted["indices"]["test"], strict=True
    ):
        predicted = model.predict(X[test])
        # Trained without class 0's rows, the model does not predict class 0.
        assert not np.any(predicted == 0)
        assert np.sum(plain_model.predict(X[test]) == 0) > 10
        # The scorer got the test rows' weights.
        expected = accuracy_score(y[test], predicted, sample_weight=weight[test])
        assert expected > accuracy_score(y[test], predicted)
    scores = [
        accuracy_score(y[test], model.predict(X[test]), sample_weight=weight[test])
        for model, test in zip(weighted["estimator"], weighted["indices"]["test"], strict=True)
    ]
    np.testing.assert_allclose(weighted["test_score"], scores)


def test_unset_requests_are_errors(routing, small_digits):
    X, y = small_digits
    weight = np.ones(len(y))
    no_request = make_pipeline(StandardScaler(), HalfNetClassifier(**PARAMS))
    with pytest.raises(UnsetMetadataPassedError, match="StandardScaler"):
        cross_validate(
            no_request, X, y, params={"sample_weight": weight}, cv=2, error_score="raise"
        )
    with pytest.raises(UnsetMetadataPassedError, match="make_scorer"):
        cross_validate(
            _pipeline(),
            X,
            y,
            params={"sample_weight": weight},
            scoring=make_scorer(accuracy_score),
            cv=2,
        )


def test_routing_does_not_leak(small_digits):
    assert not sklearn.get_config()["enable_metadata_routing"]
