"""Parity with scikit-learn's MLP (issue 22, item 5): multilabel targets and a Poisson loss.

HalfNetClassifier fits multilabel indicator targets with one logistic output
per label, as MLPClassifier does; HalfNetRegressor has ``loss="poisson"`` with
a log link, as MLPRegressor does. Each is compared with the MLP on the same
data, held to the MLP's output contract, and put through scikit-learn's
estimator checks.
"""

import pickle
import warnings

import numpy as np
import pytest
import torch
from scipy.special import expit
from sklearn.datasets import make_multilabel_classification
from sklearn.metrics import accuracy_score, hamming_loss, mean_poisson_deviance
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.preprocessing import StandardScaler
from sklearn.utils._param_validation import InvalidParameterError
from sklearn.utils.estimator_checks import parametrize_with_checks

from skhalfnet import HalfNetClassifier, HalfNetRegressor, _targets, _training

FAST = {"n_hidden": 300, "rank": 8, "random_state": 0}


def quiet(fit, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fit(*args, **kwargs)


@pytest.fixture(scope="module")
def multilabel():
    X, Y = make_multilabel_classification(
        n_samples=1000, n_features=20, n_classes=5, random_state=0
    )
    X_train, X_test, Y_train, Y_test = train_test_split(X, Y, random_state=0)
    scaler = StandardScaler().fit(X_train)
    return scaler.transform(X_train), scaler.transform(X_test), Y_train, Y_test


def counts(n, base, seed=0):
    """Poisson counts with a smooth log-mean around ``base``."""
    rng = np.random.RandomState(seed)
    X = rng.randn(n, 8)
    log_mean = base + 0.5 * np.sin(2 * X[:, 0]) + 0.4 * X[:, 1] * X[:, 2] - 0.3 * X[:, 3]
    return X, rng.poisson(np.exp(log_mean)).astype(float)


# -- multilabel ----------------------------------------------------------------------


def test_multilabel_fits_like_mlp(multilabel):
    X_train, X_test, Y_train, Y_test = multilabel
    mlp = quiet(MLPClassifier(max_iter=300, random_state=0).fit, X_train, Y_train)
    net = quiet(HalfNetClassifier(random_state=0).fit, X_train, Y_train)
    mlp_pred, net_pred = mlp.predict(X_test), net.predict(X_test)
    # (MLP: hamming loss 0.195, subset accuracy 0.41 on these data)
    assert hamming_loss(Y_test, net_pred) < hamming_loss(Y_test, mlp_pred) + 0.02
    assert accuracy_score(Y_test, net_pred) > accuracy_score(Y_test, mlp_pred) - 0.05
    assert net.score(X_test, Y_test) == accuracy_score(Y_test, net_pred)  # subset accuracy


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_multilabel_outputs_follow_mlp_contract(multilabel, dtype):
    X_train, X_test, Y_train, _ = multilabel
    X_train, X_test = X_train.astype(dtype), X_test.astype(dtype)
    net = quiet(HalfNetClassifier(**FAST, max_iter=5).fit, X_train, Y_train)
    mlp = quiet(MLPClassifier(max_iter=5, random_state=0).fit, X_train, Y_train)
    predicted, proba = net.predict(X_test), net.predict_proba(X_test)
    assert predicted.shape == proba.shape == (len(X_test), 5)
    assert predicted.dtype == mlp.predict(X_test).dtype == np.int64
    assert set(np.unique(predicted)) <= {0, 1}
    assert proba.dtype == mlp.predict_proba(X_test).dtype == dtype
    np.testing.assert_array_equal(net.classes_, mlp.classes_)
    np.testing.assert_array_equal(net.classes_, np.arange(5))
    scores = net.decision_function(X_test)
    assert scores.shape == (len(X_test), 5)
    np.testing.assert_allclose(proba, expit(scores), rtol=1e-6)
    np.testing.assert_array_equal(predicted, (proba > 0.5).astype(int))
    np.testing.assert_allclose(net.predict_log_proba(X_test), np.log(proba), rtol=1e-6)
    assert net.head_coef_.shape == (FAST["n_hidden"], 5)


def test_multilabel_accepts_bool_and_list_targets(multilabel):
    X_train, X_test, Y_train, _ = multilabel
    params = {**FAST, "max_iter": 3}
    ints = quiet(HalfNetClassifier(**params).fit, X_train, Y_train).predict(X_test)
    bools = quiet(HalfNetClassifier(**params).fit, X_train, Y_train.astype(bool)).predict(X_test)
    lists = quiet(HalfNetClassifier(**params).fit, X_train, Y_train.tolist()).predict(X_test)
    np.testing.assert_array_equal(ints, bools)
    np.testing.assert_array_equal(ints, lists)


def test_multilabel_early_stopping_scores_subset_accuracy(multilabel):
    X_train, _, Y_train, _ = multilabel
    net = quiet(HalfNetClassifier(**FAST, max_iter=20, early_stopping=True).fit, X_train, Y_train)
    assert len(net.validation_scores_) == net.n_iter_
    assert 0 < net.best_validation_score_ <= 1


def test_multilabel_partial_fit_streams(multilabel):
    X_train, X_test, Y_train, Y_test = multilabel
    net = HalfNetClassifier(**FAST)
    with pytest.raises(ValueError, match="classes must be passed"):
        net.partial_fit(X_train[:100], Y_train[:100])
    with pytest.raises(ValueError, match="label columns"):
        net.partial_fit(X_train[:100], Y_train[:100], classes=[0, 1])
    for _ in range(5):
        for start in range(0, len(X_train), 150):
            rows = slice(start, start + 150)
            net.partial_fit(X_train[rows], Y_train[rows], classes=np.arange(5))
    assert hamming_loss(Y_test, net.predict(X_test)) < 0.3
    with pytest.raises(ValueError, match="4 label columns"):
        net.partial_fit(X_train[:10], Y_train[:10, :4])


def test_the_kind_of_targets_cannot_change_on_a_warm_start(multilabel):
    X_train, _, Y_train, _ = multilabel
    net = quiet(HalfNetClassifier(**FAST, max_iter=2, warm_start=True).fit, X_train, Y_train)
    with pytest.raises(ValueError, match="fitted on a multilabel indicator matrix"):
        net.fit(X_train, Y_train[:, 0] + 2 * Y_train[:, 1])
    single = quiet(
        HalfNetClassifier(**FAST, max_iter=2, warm_start=True).fit, X_train, Y_train[:, 0]
    )
    with pytest.raises(ValueError, match="fitted on class labels"):
        single.fit(X_train, Y_train)


def test_class_weight_is_refused_for_multilabel_targets(multilabel):
    X_train, _, Y_train, _ = multilabel
    with pytest.raises(ValueError, match="class_weight is not supported for multilabel"):
        HalfNetClassifier(**FAST, class_weight="balanced").fit(X_train, Y_train)


def test_single_label_classifiers_are_unchanged(multilabel):
    """Binary and multiclass heads keep their shapes (one logistic column, or a softmax)."""
    X_train, X_test, Y_train, _ = multilabel
    binary = quiet(HalfNetClassifier(**FAST, max_iter=3).fit, X_train, Y_train[:, 0])
    assert binary.predict_proba(X_test).shape == (len(X_test), 2)
    assert binary.decision_function(X_test).shape == (len(X_test),)
    assert binary._y_type == "binary"
    labels = Y_train[:, 0] + 2 * Y_train[:, 1]
    multiclass = quiet(HalfNetClassifier(**FAST, max_iter=3).fit, X_train, labels)
    np.testing.assert_allclose(multiclass.predict_proba(X_test).sum(axis=1), 1, rtol=1e-6)
    assert multiclass._y_type == "multiclass"


def test_models_saved_before_multilabel_support_still_predict(multilabel):
    X_train, X_test, Y_train, _ = multilabel
    net = quiet(HalfNetClassifier(**FAST, max_iter=3).fit, X_train, Y_train[:, 0])
    expected = net.predict_proba(X_test)
    del net._y_type  # as unpickled from 0.1
    np.testing.assert_array_equal(net.predict_proba(X_test), expected)


# -- Poisson -------------------------------------------------------------------------


@pytest.mark.parametrize("base", [0.5, 3.0])
def test_poisson_fits_like_mlp(base):
    X, y = counts(3000, base)
    X_test, y_test = counts(2000, base, seed=1)
    mlp = quiet(MLPRegressor(loss="poisson", max_iter=300, random_state=0).fit, X, y)
    net = quiet(HalfNetRegressor(loss="poisson", random_state=0).fit, X, y)
    mlp_deviance = mean_poisson_deviance(y_test, np.maximum(mlp.predict(X_test), 1e-12))
    net_deviance = mean_poisson_deviance(y_test, net.predict(X_test))
    # (MLP: 1.27 at a mean count of 2, 1.51 at 24; the mean alone: 1.98 and 11.5)
    assert net_deviance < 1.1 * mlp_deviance
    assert net_deviance < 0.8 * mean_poisson_deviance(y_test, np.full_like(y_test, y.mean()))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_poisson_predictions_are_positive_means_in_the_input_dtype(dtype):
    X, y = counts(500, 1.0)
    net = quiet(HalfNetRegressor(**FAST, loss="poisson", max_iter=5).fit, X.astype(dtype), y)
    predicted = net.predict(X.astype(dtype))
    assert predicted.shape == (500,) and predicted.dtype == dtype
    assert np.all(predicted > 0)
    outputs = net._outputs(X.astype(dtype), "decision")[:, 0]
    log_means = net._target_mean[0] + net._target_scale[0] * outputs
    np.testing.assert_allclose(predicted, np.exp(log_means), rtol=1e-5)


def test_poisson_head_is_standardised_in_log_space_and_counts_stay_counts():
    """log(mean) = log(mean count) + coefficient of variation * output; counts never centred."""
    X, y = counts(500, 1.0)
    weights = np.random.RandomState(0).rand(500)
    net = quiet(HalfNetRegressor(**FAST, loss="poisson", max_iter=3).fit, X, y, weights)
    mean = np.average(y, weights=weights)
    variation = np.sqrt(np.average((y - mean) ** 2, weights=weights)) / mean
    np.testing.assert_allclose(net._target_mean, [np.log(mean)])
    np.testing.assert_allclose(net._target_scale, [np.clip(variation, 0.1, 1.0)])
    targets, loss, n_outputs, _ = _targets.count_targets(net, y, weights, first_call=True)
    assert (loss, n_outputs) == ("poisson", 1)
    np.testing.assert_allclose(targets[:, 0], y / mean)  # relative counts, none negative
    np.testing.assert_allclose(targets[:, 1], net._target_scale[0])  # the loss's log-scale


@pytest.mark.parametrize("base", [-1.0, 3.0, 7.0])
def test_the_poisson_loss_is_half_the_deviance_on_the_outputs_scale(base):
    _, y = counts(300, base)
    net = HalfNetRegressor(loss="poisson")
    targets, *_ = _targets.count_targets(net, y, np.ones_like(y), first_call=True)
    outputs = np.random.RandomState(0).randn(300, 1)
    loss = _training.per_sample_loss(
        "poisson", torch.as_tensor(outputs), torch.as_tensor(targets)
    ).numpy()
    means = np.exp(net._target_mean + net._target_scale * outputs[:, 0])
    # half the Poisson deviance of the predicted means, in units of the counts' mean
    # and of the log-scale squared
    half_deviance = 0.5 * mean_poisson_deviance(y, means)
    scale = np.exp(net._target_mean[0]) * net._target_scale[0] ** 2
    assert loss.mean() * scale == pytest.approx(half_deviance, rel=1e-10)


def test_poisson_multi_output():
    X, y = counts(500, 1.0)
    Y = np.column_stack([y, 3 * y + 1])
    net = quiet(HalfNetRegressor(**FAST, loss="poisson", max_iter=5).fit, X, Y)
    assert net.predict(X).shape == (500, 2)
    assert np.all(net.predict(X) > 0)


def test_poisson_refuses_negative_targets_and_a_zero_sum():
    X, y = counts(100, 1.0)
    with pytest.raises(ValueError, match="Some value\\(s\\) of y are negative"):
        HalfNetRegressor(loss="poisson").fit(X, y - 1)
    with pytest.raises(ValueError, match="Sum of y is not strictly positive"):
        HalfNetRegressor(loss="poisson").fit(X, np.zeros(100))
    # The squared error takes both.
    quiet(HalfNetRegressor(**FAST, max_iter=1).fit, X, y - 1)


def test_the_loss_parameter_is_validated():
    X, y = counts(100, 1.0)
    with pytest.raises(InvalidParameterError, match="'loss' parameter"):
        HalfNetRegressor(loss="absolute_error").fit(X, y)
    assert HalfNetRegressor().get_params()["loss"] == "squared_error"
    assert HalfNetRegressor.__doc__.count('loss : {"squared_error", "poisson"}') == 1


def test_a_changed_loss_is_refused_on_a_warm_start():
    X, y = counts(200, 1.0)
    net = quiet(HalfNetRegressor(**FAST, max_iter=2, warm_start=True).fit, X, y)
    net.set_params(loss="poisson")
    with pytest.raises(ValueError, match="loss changed"):
        net.fit(X, y)
    with pytest.raises(ValueError, match="loss changed"):
        net.partial_fit(X, y)


def test_poisson_stream_keeps_its_mean_count_and_takes_zero_chunks():
    X, y = counts(2000, 1.0)
    X_test, y_test = counts(1000, 1.0, seed=1)
    net = HalfNetRegressor(**FAST, loss="poisson")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no divergence on the chunk of zeros
        net.partial_fit(X[:200], y[:200])
        mean, scale = net._target_mean.copy(), net._target_scale.copy()
        net.partial_fit(X[:20], np.zeros(20))
        for _ in range(3):
            for start in range(0, 2000, 200):
                net.partial_fit(X[start : start + 200], y[start : start + 200])
    np.testing.assert_array_equal(net._target_mean, mean)
    np.testing.assert_array_equal(net._target_scale, scale)
    baseline = mean_poisson_deviance(y_test, np.full_like(y_test, y.mean()))
    assert mean_poisson_deviance(y_test, net.predict(X_test)) < 0.9 * baseline


def test_a_poisson_model_pickles(tmp_path):
    X, y = counts(200, 1.0)
    net = quiet(HalfNetRegressor(**FAST, loss="poisson", max_iter=3).fit, X, y)
    loaded = pickle.loads(pickle.dumps(net))
    np.testing.assert_array_equal(loaded.predict(X), net.predict(X))


# -- scikit-learn's estimator checks ---------------------------------------------------


def _expected_failures(estimator):
    negative = (
        "the check fits make_regression's targets, which are negative, without applying "
        "the positive_only tag; Poisson regression refuses them"
    )
    failures = {"check_regressor_multioutput": negative}
    # As in test_estimator_checks.py: float32 rounding and covariance="auto"'s split.
    if estimator.precision == "float64" and estimator.covariance == "lowrank":
        return failures
    rounding = "float32 rounding and covariance='auto' (see test_estimator_checks.py)"
    return {
        **failures,
        "check_sample_weight_equivalence_on_dense_data": rounding,
        "check_sample_weight_equivalence_on_sparse_data": rounding,
    }


@parametrize_with_checks(
    [
        HalfNetRegressor(n_hidden=500, loss="poisson"),
        HalfNetRegressor(n_hidden=500, loss="poisson", precision="float64", covariance="lowrank"),
    ],
    expected_failed_checks=_expected_failures,
)
def test_poisson_regressor_passes_the_estimator_checks(estimator, check):
    check(estimator)


def test_the_classifier_is_checked_as_multilabel():
    from sklearn.utils import get_tags

    assert get_tags(HalfNetClassifier()).classifier_tags.multi_label
    assert get_tags(HalfNetRegressor(loss="poisson")).target_tags.positive_only
    assert not get_tags(HalfNetRegressor()).target_tags.positive_only
