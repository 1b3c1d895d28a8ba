"""HalfNetKernel: a fitted layer's exact kernel as a scikit-learn Gaussian-process kernel."""

import pickle
import tracemalloc
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.gaussian_process import GaussianProcessClassifier, GaussianProcessRegressor
from sklearn.gaussian_process.kernels import ConstantKernel, Kernel, WhiteKernel
from sklearn.model_selection import train_test_split

from skhalfnet import HalfNetClassifier, HalfNetRegressor, HalfNetTransformer
from skhalfnet.kernels import HalfNetKernel, _gp, halfnet_kernel

ACTIVATIONS = ["relu", "step", "erf", "tanh", "cos"]
FAST = {"n_hidden": 32, "rank": 2, "max_iter": 5, "random_state": 0, "n_jobs": 1}


def _fit(estimator, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return estimator.fit(X, y)


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 4))
    y = np.sin(X[:, 0]) + 0.5 * X[:, 1] + 0.1 * rng.normal(size=40)
    return X, y


@pytest.fixture(scope="module")
def components():
    return np.random.default_rng(1).normal(size=(2, 4))


@pytest.fixture(scope="module")
def blobs():
    """Two classes that a kernel classifier separates, split 60/40."""
    rng = np.random.default_rng(2)
    X = np.vstack([rng.normal(-1.5, 1.0, size=(50, 4)), rng.normal(1.5, 1.0, size=(50, 4))])
    y = np.repeat([0, 1], 50)
    return train_test_split(X, y, test_size=0.4, stratify=y, random_state=0)


# -- the kernel of a fitted estimator --------------------------------------------------


@pytest.mark.parametrize("activation", ["relu", "cos", "erf", "tanh"])
def test_from_estimator_is_the_estimators_kernel(data, activation):
    X, y = data
    estimator = _fit(HalfNetRegressor(activation=activation, bias_scale=0.7, **FAST), X, y)
    kernel = HalfNetKernel.from_estimator(estimator)
    assert isinstance(kernel, Kernel)
    assert kernel.activation == activation and kernel.bias_scale == 0.7
    np.testing.assert_array_equal(kernel(X), estimator.kernel(X))
    np.testing.assert_array_equal(kernel(X[:5], X[5:]), estimator.kernel(X[:5], X[5:]))
    # A copy: refitting the estimator later does not change the kernel.
    assert kernel.components is not estimator.components_
    before = kernel(X)
    _fit(estimator.set_params(random_state=1), X, -y)
    np.testing.assert_array_equal(kernel(X), before)


def test_from_estimator_identity_covariance_and_errors(data):
    X, y = data
    estimator = _fit(HalfNetClassifier(covariance="identity", **FAST), X, y > 0)
    kernel = HalfNetKernel.from_estimator(estimator)
    assert kernel.components is None
    np.testing.assert_array_equal(kernel(X), estimator.kernel(X))
    with pytest.raises(Exception, match="not fitted"):
        HalfNetKernel.from_estimator(HalfNetTransformer())


# -- Gaussian processes ----------------------------------------------------------------


def test_gaussian_process_regressor(data):
    X, y = data
    estimator = _fit(HalfNetRegressor(**{**FAST, "max_iter": 50}), X, y)
    kernel = ConstantKernel() * HalfNetKernel.from_estimator(estimator) + WhiteKernel()
    gp = GaussianProcessRegressor(kernel, random_state=0).fit(X[:30], y[:30])
    mean, std = gp.predict(X[30:], return_std=True)
    assert mean.shape == std.shape == (10,)
    assert np.all(np.isfinite(mean)) and np.all(std > 0)
    # The optimiser moved the two hyperparameters the composition has, and the
    # posterior's prior covariance is exactly c · K + w · I.
    assert gp.kernel_.theta.shape == (2,)
    constant = gp.kernel_.k1.k1.constant_value
    noise = gp.kernel_.k2.noise_level
    assert not np.isclose(constant, 1.0) and not np.isclose(noise, 1.0)
    np.testing.assert_allclose(
        gp.kernel_(X[:30]), constant * estimator.kernel(X[:30]) + noise * np.eye(30), rtol=1e-12
    )
    # With the kernel alone (no hyperparameters at all) the optimiser is skipped.
    alone = GaussianProcessRegressor(HalfNetKernel.from_estimator(estimator), alpha=1e-2)
    assert alone.fit(X, y).predict(X[:3]).shape == (3,)


def test_gaussian_process_classifier(blobs, components):
    X_train, X_test, y_train, y_test = blobs
    kernel = ConstantKernel(2.0) * HalfNetKernel(components, activation="cos")
    gp = GaussianProcessClassifier(kernel, random_state=0).fit(X_train, y_train)
    assert gp.kernel_.theta.shape == (1,)  # the constant was optimised through the gradient
    assert gp.score(X_test, y_test) >= 0.9
    proba = gp.predict_proba(X_test)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    # Three classes: one Laplace approximation per class, each with a cloned kernel.
    y3 = np.where(X_train[:, 2] > 0.5, 2, y_train)
    multi = GaussianProcessClassifier(HalfNetKernel(components), optimizer=None).fit(X_train, y3)
    assert multi.predict_proba(X_test).shape == (len(X_test), 3)


# -- the Kernel interface ----------------------------------------------------------------


def test_composition_values_and_gradients(data, components):
    X = data[0]
    kernel = HalfNetKernel(components, activation="erf", bias_scale=0.5)
    K = kernel(X)
    combined = ConstantKernel(2.0) * kernel + WhiteKernel(0.3)
    np.testing.assert_allclose(combined(X), 2.0 * K + 0.3 * np.eye(len(X)), rtol=1e-14)
    np.testing.assert_allclose(combined(X[:5], X[5:]), 2.0 * K[:5, 5:], rtol=1e-14)
    np.testing.assert_allclose(combined.diag(X), 2.0 * np.diag(K) + 0.3, rtol=1e-14)
    value, gradient = kernel(X, eval_gradient=True)
    np.testing.assert_array_equal(value, K)
    assert gradient.shape == (len(X), len(X), 0)
    value, gradient = combined(X, eval_gradient=True)
    assert gradient.shape == (len(X), len(X), 2)
    np.testing.assert_allclose(gradient[:, :, 0], 2.0 * K, rtol=1e-14)  # d/d log(constant)
    with pytest.raises(ValueError, match="only be evaluated when Y is None"):
        kernel(X, X, eval_gradient=True)


def test_no_hyperparameters(components):
    kernel = HalfNetKernel(components)
    assert kernel.hyperparameters == []
    assert kernel.theta.shape == (0,) and kernel.bounds.size == 0
    assert kernel.n_dims == 0
    assert kernel.clone_with_theta(kernel.theta) == kernel


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("bias_scale", [0.0, 1.3])
@pytest.mark.parametrize("identity", [False, True])
def test_diag_is_the_diagonal(data, components, activation, bias_scale, identity):
    X = data[0].copy()
    X[3] = 0.0  # a zero row: the exact limits on the diagonal too
    kernel = HalfNetKernel(None if identity else components, activation=activation)
    kernel.set_params(bias_scale=bias_scale)
    diag = kernel.diag(X)
    assert diag.shape == (len(X),) and diag.dtype == np.float64
    np.testing.assert_allclose(diag, np.diag(kernel(X)), rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(kernel.diag(sp.csr_matrix(X)), diag, rtol=1e-13, atol=1e-15)


def test_diag_does_not_compute_the_matrix(monkeypatch, components):
    X = np.random.default_rng(3).normal(size=(2000, 4))
    kernel = HalfNetKernel(components, activation="tanh")
    kernel.diag(X[:2])  # build and cache the tanh rule outside the trace

    def refuse(*args, **kwargs):
        raise AssertionError("diag must not evaluate the kernel matrix")

    monkeypatch.setattr(_gp, "halfnet_kernel", refuse)
    tracemalloc.start()
    try:
        diag = kernel.diag(X)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert diag.shape == (2000,)
    assert peak < 2_000_000, peak  # the matrix alone would take 32 MB


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_is_stationary_only_for_cos(data, components, activation):
    X = data[0]
    kernel = HalfNetKernel(components, activation=activation)
    shifted = kernel(X + np.array([0.5, -1.0, 2.0, 0.3]))
    translation_invariant = np.allclose(shifted, kernel(X), rtol=1e-12, atol=1e-14)
    assert kernel.is_stationary() == translation_invariant == (activation == "cos")
    assert (ConstantKernel() * kernel).is_stationary() == (activation == "cos")


def test_clone_and_params_round_trip(components):
    kernel = HalfNetKernel(components, activation="tanh", bias_scale=0.4)
    params = kernel.get_params()
    assert set(params) == {"components", "activation", "bias_scale"}
    copy = clone(kernel)
    assert copy == kernel and copy is not kernel
    assert copy.components is not kernel.components  # deep-copied
    other = HalfNetKernel().set_params(**params)
    assert other == kernel
    composed = clone(ConstantKernel(3.0) * kernel)
    assert composed.k2 == kernel and composed.k1.constant_value == 3.0
    assert kernel != HalfNetKernel(components[:1], activation="tanh", bias_scale=0.4)
    wider = np.vstack([components, components[:1]])  # another rank: no broadcasting error
    assert kernel != HalfNetKernel(wider, activation="tanh", bias_scale=0.4)
    assert kernel != HalfNetKernel(components, activation="erf", bias_scale=0.4)
    assert kernel != HalfNetKernel(None, activation="tanh", bias_scale=0.4)
    assert kernel != ConstantKernel()


def test_pickle_round_trip(data, components):
    X = data[0]
    kernel = ConstantKernel(1.5) * HalfNetKernel(components, activation="cos") + WhiteKernel(0.1)
    restored = pickle.loads(pickle.dumps(kernel))
    np.testing.assert_array_equal(restored(X), kernel(X))
    np.testing.assert_array_equal(restored.diag(X), kernel.diag(X))


def test_repr_and_validation(data, components):
    assert repr(HalfNetKernel(components, activation="erf")) == (
        "HalfNetKernel(activation='erf', rank=2, bias_scale=1.0)"
    )
    assert repr(HalfNetKernel()) == "HalfNetKernel(activation='relu', rank=None, bias_scale=1.0)"
    X = data[0]
    # Parameters are checked when the kernel is evaluated, as halfnet_kernel checks them.
    with pytest.raises(ValueError, match="Unknown activation"):
        HalfNetKernel(components, activation="sigmoid")(X)
    with pytest.raises(ValueError, match="bias_scale"):
        HalfNetKernel(components, bias_scale=-1.0).diag(X)
    with pytest.raises(ValueError, match="n_features=3"):
        HalfNetKernel(components)(X[:, :3])
    np.testing.assert_array_equal(
        HalfNetKernel(components, activation="step")(X),
        halfnet_kernel(X, activation="step", components=components),
    )
