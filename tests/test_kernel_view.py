"""The kernel and metric-learning views of a fitted HalfNet estimator.

(a) ``kernel`` is the exact kernel of :mod:`skhalfnet.kernels` in the fitted
metric, symmetric and positive semi-definite; (b) the estimator's own random
features, redrawn at growing widths around the fitted V, converge to it at
the Monte-Carlo rate ``n_hidden ** -0.5``; (c) it plugs into SVC,
KernelRidge and Gaussian processes; (d) the projection ``Vᵀx`` is the
Mahalanobis embedding of ``get_mahalanobis_matrix()`` and competes with NCA
as a metric for nearest neighbours.
"""

import copy
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning
from sklearn.gaussian_process import GaussianProcessClassifier, GaussianProcessRegressor
from sklearn.gaussian_process.kernels import ConstantKernel, WhiteKernel
from sklearn.kernel_ridge import KernelRidge
from sklearn.model_selection import train_test_split
from sklearn.neighbors import KNeighborsClassifier, NeighborhoodComponentsAnalysis
from sklearn.pipeline import make_pipeline
from sklearn.svm import SVC
from threadpoolctl import threadpool_limits

from skhalfnet import HalfNetClassifier, HalfNetTransformer
from skhalfnet._layer import ACTIVATIONS, draw_random_weights
from skhalfnet.kernels import HalfNetKernel, halfnet_kernel

# Fast settings on 600 digits; n_jobs=1 keeps the timing sane on a busy 2-core machine.
SETTINGS = {
    "n_hidden": 500,
    "rank": 8,
    "max_iter": 30,
    "learning_rate_init": 1e-2,
    "random_state": 0,
    "n_jobs": 1,
}
WIDTHS = (128, 512, 2048, 8192)
N_DRAWS = 8


@pytest.fixture(autouse=True, scope="module")
def one_blas_thread():
    """Small matrices: one BLAS thread avoids spin-waiting on a busy machine."""
    with threadpool_limits(limits=1):
        yield


def _fit(estimator, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return estimator.fit(X, y)


@pytest.fixture(scope="module")
def split(digits):
    """600 training and 400 test digits (all ten classes), stratified."""
    X, y = digits
    return train_test_split(X, y, train_size=600, test_size=400, stratify=y, random_state=0)


@pytest.fixture(scope="module")
def classifier(split):
    X_train, _, y_train, _ = split
    return _fit(HalfNetClassifier(**SETTINGS), X_train, y_train)


@pytest.fixture(scope="module")
def projector(split):
    """The same network as ``classifier``, as a transformer to the projection Vᵀx."""
    X_train, _, y_train, _ = split
    return _fit(HalfNetTransformer(output="projection", **SETTINGS), X_train, y_train)


@pytest.fixture(scope="module")
def transformers(small_digits):
    """One briefly trained transformer per activation (V moved away from its init)."""
    X, y = small_digits
    fitted = {}
    for activation in ACTIVATIONS:
        estimator = HalfNetTransformer(
            n_hidden=100,
            rank=4,
            max_iter=5,
            learning_rate_init=1e-2,
            activation=activation,
            random_state=0,
            n_jobs=1,
            covariance="lowrank",
        )
        fitted[activation] = _fit(estimator, X, y)
    return fitted


def test_the_kernel_of_an_identity_models_components_is_its_own(small_digits):
    """halfnet_kernel takes an identity model's sparse components_ as the identity."""
    X, y = small_digits
    identity = _fit(HalfNetClassifier(covariance="identity", n_hidden=50, max_iter=2), X, y)
    assert sp.issparse(identity.components_)
    K = halfnet_kernel(X[:30], components=identity.components_)
    np.testing.assert_array_equal(K, identity.kernel(X[:30]))
    np.testing.assert_array_equal(K, halfnet_kernel(X[:30]))
    # Any other sparse components are read as the dense matrix they are.
    scaled = 2.0 * identity.components_
    np.testing.assert_allclose(
        halfnet_kernel(X[:30], components=scaled),
        halfnet_kernel(X[:30], components=scaled.toarray()),
    )


# -- (a) the exact kernel -----------------------------------------------------------


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_kernel_is_the_exact_kernel_in_the_fitted_metric(transformers, small_digits, activation):
    estimator = transformers[activation]
    X = small_digits[0][:80]
    K = estimator.kernel(X)
    expected = halfnet_kernel(
        X,
        activation=activation,
        components=estimator.components_,
        bias_scale=estimator.bias_scale,
    )
    assert K.dtype == np.float64
    np.testing.assert_allclose(K, expected, rtol=1e-12, atol=1e-14)
    # ... in the *fitted* metric: not the initial one, nor the identity.
    assert not np.allclose(K, halfnet_kernel(X, activation=activation, bias_scale=1.0))


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_kernel_is_symmetric_positive_semidefinite(transformers, small_digits, activation):
    estimator = transformers[activation]
    X = small_digits[0][:80]
    K = estimator.kernel(X)
    np.testing.assert_array_equal(K, K.T)
    eigenvalues = np.linalg.eigvalsh(K)
    assert eigenvalues.min() >= -1e-10 * eigenvalues.max()
    # The cross kernel is the off-diagonal block of the kernel of the stacked rows.
    np.testing.assert_allclose(estimator.kernel(X[:30], X[30:]), K[:30, 30:], rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_kernel_is_the_identity_kernel_of_the_projection(transformers, small_digits, activation):
    # So SVC(kernel=partial(halfnet_kernel, ...)) after HalfNetTransformer(output="projection")
    # in a Pipeline reproduces SVC(kernel=fitted.kernel), refitting V inside each CV fold.
    estimator = copy.deepcopy(transformers[activation]).set_params(output="projection")
    X = small_digits[0][:50]
    projection = estimator.transform(X)
    expected = halfnet_kernel(projection, activation=activation, bias_scale=estimator.bias_scale)
    np.testing.assert_allclose(estimator.kernel(X), expected, rtol=1e-5, atol=1e-7)


def test_identity_covariance_kernel_has_no_components(small_digits):
    X, y = small_digits
    estimator = _fit(HalfNetClassifier(covariance="identity", **SETTINGS), X, y)
    np.testing.assert_allclose(
        estimator.kernel(X[:50]), halfnet_kernel(X[:50], activation="relu"), rtol=1e-12
    )


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_kernel_of_huge_rows_is_finite_and_at_its_limit(transformers, small_digits, activation):
    # Squared norms of rows this large overflow float64; the kernel must not turn them to NaN.
    estimator = transformers[activation]
    X = small_digits[0][:20].astype(np.float64) * 1e200
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # relu: values beyond float64 are inf
        K = estimator.kernel(X)
    assert not np.isnan(K).any()
    np.testing.assert_array_equal(K, K.T)
    step = halfnet_kernel(
        X / 1e200, activation="step", components=estimator.components_, bias_scale=0.0
    )
    if activation in ("erf", "tanh"):  # the limit of a sigmoid is the sign: 1 − 2θ/π
        np.testing.assert_allclose(K, 4 * step - 1, atol=1e-12)
    elif activation == "cos":  # distinct rows are far apart
        np.testing.assert_array_equal(K, (X[:, None] == X[None, :]).all(-1).astype(float))
    else:
        assert np.isinf(np.diag(K)).all()


# -- (b) the estimator's features converge to its kernel ----------------------------


def _redrawn(estimator, n_hidden: int, seed: int):
    """The fitted estimator with the same V and new Z, bias at width ``n_hidden``."""
    wide = copy.deepcopy(estimator).set_params(n_hidden=n_hidden)
    dtype = estimator.head_coef_.dtype
    wide.random_weights_, wide.hidden_bias_ = draw_random_weights(
        seed, n_hidden, estimator.rank_, estimator.activation, estimator.bias_scale, dtype
    )
    wide.head_coef_ = np.zeros((n_hidden, estimator.head_coef_.shape[1]), dtype=dtype)
    return wide


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_features_converge_to_the_kernel_at_the_monte_carlo_rate(
    transformers, small_digits, activation
):
    estimator = transformers[activation]
    X = small_digits[0][:60]
    K = estimator.kernel(X)
    errors = []
    for n_hidden in WIDTHS:
        draws = []
        for seed in range(N_DRAWS):
            features = _redrawn(estimator, n_hidden, seed).transform(X).astype(np.float64)
            assert features.shape == (60, n_hidden)
            draws.append(np.linalg.norm(features @ features.T - K) / np.linalg.norm(K))
        errors.append(np.mean(draws))
    slope = np.polyfit(np.log(WIDTHS), np.log(errors), 1)[0]
    # With 5 draws per width, 30 other sets of draws gave slopes in [-0.62, -0.40] (relu,
    # the noisiest of the four); 8 draws narrow that.
    assert -0.65 < slope < -0.35, (slope, errors)
    assert np.all(np.diff(errors) < 0), errors
    assert errors[-1] < 0.04, errors  # small: no plateau above the kernel


# -- (c) kernel machines with the fitted kernel ---------------------------------------


def test_svc_with_the_fitted_kernel(classifier, split):
    X_train, X_test, y_train, y_test = split
    svc = SVC(kernel=classifier.kernel).fit(X_train, y_train)
    assert svc.score(X_test, y_test) >= 0.9


def test_kernel_ridge_with_the_precomputed_kernel(classifier, split):
    X_train, X_test, y_train, y_test = split
    one_hot = np.eye(10)[y_train]
    ridge = KernelRidge(kernel="precomputed", alpha=1e-2)
    ridge.fit(classifier.kernel(X_train), one_hot)
    predicted = ridge.predict(classifier.kernel(X_test, X_train)).argmax(axis=1)
    assert np.mean(predicted == y_test) >= 0.9


def test_gaussian_process_regressor_with_the_fitted_kernel(classifier, split):
    X_train, X_test, y_train, y_test = split
    kernel = HalfNetKernel.from_estimator(classifier) + WhiteKernel(1e-2, "fixed")
    gp = GaussianProcessRegressor(kernel=kernel, optimizer=None).fit(X_train, np.eye(10)[y_train])
    assert np.mean(gp.predict(X_test).argmax(axis=1) == y_test) >= 0.9
    # The GP's prior covariance is the estimator's kernel.
    np.testing.assert_allclose(
        gp.kernel_(X_test[:20]), classifier.kernel(X_test[:20]) + 1e-2 * np.eye(20), rtol=1e-12
    )


def test_gaussian_process_classifier_with_the_fitted_kernel(classifier, split):
    # Binary (one Laplace approximation): multi-class GPC fits one per class and is slow.
    X_train, X_test, y_train, y_test = split
    kernel = ConstantKernel(5.0, "fixed") * HalfNetKernel.from_estimator(classifier)
    gp = GaussianProcessClassifier(kernel=kernel, optimizer=None)
    gp.fit(X_train[:300], y_train[:300] >= 5)
    assert gp.score(X_test, y_test >= 5) >= 0.85


# -- (d) the metric view ------------------------------------------------------------


def test_projection_is_the_mahalanobis_embedding(projector, split):
    X_test = split[1]
    X = X_test[:40].astype(np.float64)
    P = projector.transform(X_test[:40]).astype(np.float64)
    assert P.shape == (40, projector.rank_)
    expected = X @ projector.components_.T.astype(np.float64)
    # float32 arithmetic: relative to the projection's scale (an entry near 0 has none).
    np.testing.assert_allclose(P, expected, rtol=1e-4, atol=1e-5 * np.abs(expected).max())
    sigma = projector.get_mahalanobis_matrix().astype(np.float64)
    differences = X[:, None, :] - X[None, :, :]
    mahalanobis = np.einsum("ijk,kl,ijl->ij", differences, sigma, differences)
    embedded = np.square(P[:, None, :] - P[None, :, :]).sum(axis=2)
    np.testing.assert_allclose(embedded, mahalanobis, rtol=1e-4, atol=1e-4 * mahalanobis.max())
    # Σ is positive semi-definite of rank `rank_`, with eigenvalues spectrum_.
    eigenvalues = np.linalg.eigvalsh(sigma)[::-1]
    np.testing.assert_allclose(
        eigenvalues[: projector.rank_], projector.spectrum_, rtol=1e-4, atol=1e-4
    )
    assert np.all(np.abs(eigenvalues[projector.rank_ :]) < 1e-4 * eigenvalues[0])


def test_cos_kernel_is_gaussian_in_the_mahalanobis_metric(transformers, small_digits):
    # The layer scales the projection by 1/sqrt(rank): K = exp(-d_Σ(x, x')² / (2 rank)).
    estimator = transformers["cos"]
    X = small_digits[0][:40].astype(np.float64)
    sigma = estimator.get_mahalanobis_matrix().astype(np.float64)
    differences = X[:, None, :] - X[None, :, :]
    mahalanobis = np.einsum("ijk,kl,ijl->ij", differences, sigma, differences)
    expected = np.exp(-mahalanobis / (2 * estimator.rank_))
    np.testing.assert_allclose(estimator.kernel(X), expected, rtol=1e-5, atol=1e-8)


def test_projection_neighbours_beside_nca(projector, split):
    X_train, X_test, y_train, y_test = split
    rank = projector.rank_
    # The fitted projector, reused as the first step (a Pipeline would refit it identically).
    neighbours = KNeighborsClassifier().fit(projector.transform(X_train), y_train)
    halfnet_score = neighbours.score(projector.transform(X_test), y_test)
    nca = make_pipeline(
        NeighborhoodComponentsAnalysis(n_components=rank, random_state=0), KNeighborsClassifier()
    )
    nca_score = nca.fit(X_train, y_train).score(X_test, y_test)
    assert nca[0].components_.shape == (rank, X_train.shape[1])
    assert halfnet_score >= 0.9
    assert nca_score >= 0.9
