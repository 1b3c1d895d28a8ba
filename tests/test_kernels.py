"""Tests of the infinite-width HalfNet kernels in :mod:`skhalfnet.kernels`.

The Monte-Carlo tests simulate the layer from its definition (independently
of the module): ``u = x Cᵀ / sqrt(k)``, ``a_h = z_hᵀ u + b_h`` with frozen
``z_h ~ N(0, I_k)``, Gaussian bias (uniform on [0, 2π] for cos), features
``φ(a_h) / sqrt(H)`` (``sqrt(2) cos(a_h) / sqrt(H)`` for cos).
"""

from __future__ import annotations

import itertools
import math
import tracemalloc
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.polynomial.hermite_e import hermegauss
from scipy.special import erf, roots_legendre

from skhalfnet.kernels import (
    KERNELS,
    _common,
    _tanh,
    cos_kernel,
    erf_kernel,
    halfnet_kernel,
    relu_kernel,
    step_kernel,
    tanh_kernel,
)

ACTIVATIONS = ["relu", "step", "erf", "tanh", "cos"]
BIASED = ["relu", "step", "erf", "tanh"]  # the activations with a Gaussian bias
N_FEATURES, RANK = 5, 3


def _data(seed: int = 0, n_x: int = 30, n_y: int = 20, scale: float = 1.0):
    rng = np.random.default_rng(seed)
    X = scale * rng.normal(size=(n_x, N_FEATURES))
    Y = scale * rng.normal(size=(n_y, N_FEATURES))
    components = rng.normal(size=(RANK, N_FEATURES))
    return X, Y, components


def _kernel(activation, X, Y=None, *, components=None, bias_scale=1.0, **kwargs):
    """Call a kernel by name; cos takes no bias_scale."""
    if activation == "cos":
        return cos_kernel(X, Y, components=components)
    return KERNELS[activation](X, Y, components=components, bias_scale=bias_scale, **kwargs)


# --------------------------------------------------------------------------
# Monte-Carlo simulation of the layer
# --------------------------------------------------------------------------
PHI = {
    "relu": lambda a: np.maximum(a, 0.0),
    "step": lambda a: (a > 0).astype(np.float64),
    "erf": erf,
    "tanh": np.tanh,
    "cos": lambda a: math.sqrt(2.0) * np.cos(a),
}


def _projection(X, components):
    C = np.eye(X.shape[1]) if components is None else np.asarray(components)
    return X @ C.T / math.sqrt(C.shape[0])


def _simulated_units(X, Y, activation, components, bias_scale, n_hidden, rng):
    """Unnormalised unit outputs φ(a_h(x)) (n_x, H) and φ(a_h(y)) (n_y, H) of one layer."""
    U = _projection(np.vstack([X, Y]), components)
    Z = rng.standard_normal((n_hidden, U.shape[1]))
    if activation == "cos":
        b = rng.uniform(0.0, 2 * math.pi, size=n_hidden)
    else:
        b = bias_scale * rng.standard_normal(n_hidden)
    units = PHI[activation](U @ Z.T + b)
    return units[: X.shape[0]], units[X.shape[0] :]


def _simulated_gram(X, Y, activation, components, bias_scale, n_hidden, rng):
    """F_X F_Yᵀ for features f_h = φ(a_h) / sqrt(H)."""
    G_x, G_y = _simulated_units(X, Y, activation, components, bias_scale, n_hidden, rng)
    return G_x @ G_y.T / n_hidden


WIDTHS = np.array([250, 1000, 4000, 16000])


def _monte_carlo_errors(K, X, Y, activation, components, bias_scale, n_draws=8, seed=12345):
    """RMS error of the simulated Gram matrix at each width, averaged over draws."""
    rng = np.random.default_rng(seed)
    return np.array(
        [
            np.mean(
                [
                    np.sqrt(np.mean((gram - K) ** 2))
                    for gram in (
                        _simulated_gram(X, Y, activation, components, bias_scale, H, rng)
                        for _ in range(n_draws)
                    )
                ]
            )
            for H in WIDTHS
        ]
    )


# Random components (k=3, d=5), the identity covariance, and pre-activations of
# scale ~5 for the two sigmoid-like activations (where tanh has no closed form).
MC_CASES = [(a, c) for a in ACTIVATIONS for c in ("random", "identity")] + [
    ("erf", "large"),
    ("tanh", "large"),
]


@pytest.mark.parametrize(("activation", "case"), MC_CASES)
def test_monte_carlo_convergence(activation, case):
    """The simulated Gram matrix converges to the kernel at the rate H^(-1/2)."""
    X, Y, components = _data(seed=1, scale=2.0 if case == "large" else 1.0)
    if case == "identity":
        components = None
    bias_scale = 0.8
    K = _kernel(activation, X, Y, components=components, bias_scale=bias_scale)
    errors = _monte_carlo_errors(K, X, Y, activation, components, bias_scale)
    slope = np.polyfit(np.log(WIDTHS), np.log(errors), 1)[0]
    assert -0.65 <= slope <= -0.35, (slope, errors)
    # Unbiased: the error at the largest width is the Monte-Carlo standard error
    # sqrt(mean Var_h[φ(a_h)φ(a_h')] / H), estimated from an independent layer.
    # (The RMS error of one draw is ~0.95 ± 0.35 of it, so the mean of 8 draws
    # exceeds 1.5 only when the kernel is off by about the standard error.)
    G_x, G_y = _simulated_units(
        X, Y, activation, components, bias_scale, 1000, np.random.default_rng(99)
    )
    variance = np.mean(np.einsum("ih,jh->ijh", G_x, G_y).var(axis=-1))
    assert errors[-1] < 1.5 * math.sqrt(variance / WIDTHS[-1]), (errors, variance)


# --------------------------------------------------------------------------
# structure: symmetry, PSD, blocks, sparse, dtypes
# --------------------------------------------------------------------------
@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("bias_scale", [0.0, 1.3])
def test_symmetric_positive_semidefinite(activation, bias_scale):
    X, _, components = _data(seed=2, n_x=40)
    X[5] = X[3]  # a duplicated row
    for comp in (components, None):
        K = _kernel(activation, X, components=comp, bias_scale=bias_scale)
        assert K.shape == (40, 40)
        assert K.dtype == np.float64
        assert np.array_equal(K, K.T)
        eigenvalues = np.linalg.eigvalsh(K)
        assert eigenvalues[0] >= -1e-8 * np.abs(K).max()


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_cross_kernel_matches_blocks_of_stacked_kernel(activation):
    X, Y, components = _data(seed=3)
    n = X.shape[0]
    full = _kernel(activation, np.vstack([X, Y]), components=components, bias_scale=0.7)
    cross = _kernel(activation, X, Y, components=components, bias_scale=0.7)
    assert cross.shape == (X.shape[0], Y.shape[0])
    np.testing.assert_allclose(cross, full[:n, n:], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(
        _kernel(activation, Y, X, components=components, bias_scale=0.7),
        cross.T,
        rtol=1e-10,
        atol=1e-12,
    )
    # Y=X given explicitly equals Y=None (the step diagonal only to ~1e-8: arccos).
    np.testing.assert_allclose(
        _kernel(activation, X, X, components=components, bias_scale=0.7),
        full[:n, :n],
        atol=1e-7,
    )


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("identity", [True, False])
def test_sparse_input_matches_dense(activation, identity):
    X, Y, components = _data(seed=4)
    rng = np.random.default_rng(0)
    X[rng.random(X.shape) < 0.5] = 0.0
    Y[rng.random(Y.shape) < 0.5] = 0.0
    comp = None if identity else components
    dense_xy = _kernel(activation, X, Y, components=comp)
    dense_xx = _kernel(activation, X, components=comp)
    for to_sparse in (sp.csr_matrix, sp.csc_matrix, sp.csr_array):
        X_sp, Y_sp = to_sparse(X), to_sparse(Y)
        np.testing.assert_allclose(
            _kernel(activation, X_sp, Y_sp, components=comp), dense_xy, rtol=1e-12, atol=1e-13
        )
        np.testing.assert_allclose(
            _kernel(activation, X_sp, Y, components=comp), dense_xy, rtol=1e-12, atol=1e-13
        )
        K_sp = _kernel(activation, X_sp, components=comp)
        assert isinstance(K_sp, np.ndarray)
        np.testing.assert_allclose(K_sp, dense_xx, rtol=1e-12, atol=1e-13)


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_accepts_lists_and_float32_and_returns_float64(activation):
    X, Y, components = _data(seed=5, n_x=4, n_y=3)
    expected = _kernel(activation, X, Y, components=components)
    K = _kernel(activation, X.tolist(), Y.tolist(), components=components.tolist())
    assert K.dtype == np.float64
    np.testing.assert_array_equal(K, expected)
    K32 = _kernel(activation, X.astype(np.float32), Y.astype(np.float32), components=components)
    assert K32.dtype == np.float64
    np.testing.assert_allclose(K32, expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_zero_rows_give_finite_exact_limits(activation):
    """With bias_scale=0 a zero row has a = 0 for every unit: φ(0)φ(a') = 0."""
    X, _, components = _data(seed=6, n_x=6)
    X[2] = 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for comp in (components, None):
            K = _kernel(activation, X, components=comp, bias_scale=0.0)
            assert np.all(np.isfinite(K))
            if activation != "cos":
                assert np.all(K[2] == 0.0)
                assert np.all(K[:, 2] == 0.0)
            else:
                assert K[2, 2] == 1.0


# --------------------------------------------------------------------------
# values that pin the convention
# --------------------------------------------------------------------------
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_none_components_means_identity(activation):
    X, Y, _ = _data(seed=7)
    np.testing.assert_allclose(
        _kernel(activation, X, Y),
        _kernel(activation, X, Y, components=np.eye(N_FEATURES)),
        rtol=1e-12,
        atol=1e-14,
    )


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_depends_on_components_only_through_projected_inner_products(activation):
    X, Y, components = _data(seed=8)
    K = _kernel(activation, X, Y, components=components)
    # An orthogonal mixing of the rank directions changes nothing ...
    Q, _ = np.linalg.qr(np.random.default_rng(1).normal(size=(RANK, RANK)))
    np.testing.assert_allclose(
        _kernel(activation, X, Y, components=Q @ components), K, rtol=1e-10, atol=1e-12
    )
    # ... while a zero row raises k to 4 and so scales u by sqrt(3/4).
    padded = np.vstack([components, np.zeros(N_FEATURES)])
    np.testing.assert_allclose(
        _kernel(activation, X, Y, components=padded),
        _kernel(
            activation,
            X * math.sqrt(RANK / (RANK + 1)),
            Y * math.sqrt(RANK / (RANK + 1)),
            components=components,
        ),
        rtol=1e-10,
        atol=1e-12,
    )
    assert not np.allclose(_kernel(activation, X, Y, components=2 * components), K)


@pytest.mark.parametrize("activation", BIASED)
def test_bias_is_an_augmented_constant_feature(activation):
    """ũ = [u, bias_scale]: the same kernel as a bias-free layer on [x, 1]."""
    X, Y, components = _data(seed=9)
    b = 0.9
    augmented = np.zeros((RANK + 1, N_FEATURES + 1))
    augmented[:RANK, :N_FEATURES] = components
    augmented[RANK, N_FEATURES] = b * math.sqrt(RANK)
    augmented *= math.sqrt((RANK + 1) / RANK)  # so that u_aug = [u, b]

    def ones(A):
        return np.hstack([A, np.ones((A.shape[0], 1))])

    np.testing.assert_allclose(
        _kernel(activation, X, Y, components=components, bias_scale=b),
        _kernel(activation, ones(X), ones(Y), components=augmented, bias_scale=0.0),
        rtol=1e-10,
        atol=1e-12,
    )


def test_cos_kernel_is_gaussian_in_the_learned_metric():
    X, Y, components = _data(seed=10)
    sq = ((X[:, None, :] - Y[None, :, :]) ** 2).sum(-1)
    k = N_FEATURES
    np.testing.assert_allclose(
        cos_kernel(X, Y, components=math.sqrt(k) * np.eye(k)), np.exp(-sq / 2), rtol=1e-12
    )
    np.testing.assert_allclose(cos_kernel(X, Y), np.exp(-sq / (2 * k)), rtol=1e-12)
    diff = (X[:, None, :] - Y[None, :, :]) @ components.T
    np.testing.assert_allclose(
        cos_kernel(X, Y, components=components),
        np.exp(-(diff**2).sum(-1) / (2 * RANK)),
        rtol=1e-12,
    )
    assert np.all(np.diag(cos_kernel(X)) == 1.0)


def test_relu_values_by_hand_and_homogeneity():
    e = np.eye(2)
    # u = x / sqrt(2): diagonal ‖u‖²/2 = 1/4; orthogonal pair ‖u‖‖u'‖/(2π) = 1/(4π)
    np.testing.assert_allclose(
        relu_kernel(e, bias_scale=0.0), [[0.25, 1 / (4 * np.pi)], [1 / (4 * np.pi), 0.25]]
    )
    np.testing.assert_allclose(relu_kernel(-e[:1], e[:1], bias_scale=0.0), [[0.0]], atol=1e-16)
    # a zero input sees only the bias: E[max(0, b)²] = bias_scale² / 2
    np.testing.assert_allclose(relu_kernel(np.zeros((1, 3)), bias_scale=1.5), [[1.125]])
    X, Y, components = _data(seed=11)
    K = relu_kernel(X, Y, components=components, bias_scale=0.0)
    np.testing.assert_allclose(
        relu_kernel(3.0 * X, 0.5 * Y, components=components, bias_scale=0.0),
        1.5 * K,
        rtol=1e-12,
        atol=1e-15,  # near θ = π, K ~ θ³ inherits the rounding of cos θ (~1e-16 absolute)
    )
    # ... which the bias breaks
    assert not np.allclose(
        relu_kernel(3.0 * X, Y, components=components),
        3.0 * relu_kernel(X, Y, components=components),
    )


def test_step_values():
    X, Y, components = _data(seed=12)
    for bias_scale in (0.0, 1.0):
        np.testing.assert_array_equal(
            np.diag(step_kernel(X, components=components, bias_scale=bias_scale)), 0.5
        )
    e = np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0]])
    np.testing.assert_allclose(
        step_kernel(e, bias_scale=0.0), [[0.5, 0.25, 0.0], [0.25, 0.5, 0.25], [0.0, 0.25, 0.5]]
    )
    # bias only (x = 0): a and a' are the same N(0, 1) variable
    np.testing.assert_allclose(step_kernel(np.zeros((2, 3)), bias_scale=2.0), np.full((2, 2), 0.5))
    # an orthant probability: in [0, 1/2], and 1/2 − θ/(2π) with θ = arccos of the cosine
    K = step_kernel(X, Y, components=components)
    assert np.all((K >= 0) & (K <= 0.5))
    U, V = (np.hstack([_projection(A, components), np.ones((len(A), 1))]) for A in (X, Y))
    cosine = (U @ V.T) / np.outer(np.linalg.norm(U, axis=1), np.linalg.norm(V, axis=1))
    np.testing.assert_allclose(K, 0.5 - np.arccos(cosine) / (2 * np.pi), rtol=1e-12)


def test_erf_values_by_hand():
    e = np.eye(2)
    # bias 1: ũ = [1/√2, 0, 1], ũ' = [0, 1/√2, 1]; ũᵀũ' = 1, ‖ũ‖² = 3/2
    # diagonal (2/π) arcsin(3/4) = 0.53989308767...; off-diagonal (2/π) arcsin(1/2) = 1/3
    np.testing.assert_allclose(
        erf_kernel(e), [[0.5398930876747683, 1 / 3], [1 / 3, 0.5398930876747683]], rtol=1e-14
    )
    assert erf_kernel(e, bias_scale=0.0)[0, 1] == 0.0


def test_dispatcher_and_registry():
    assert set(KERNELS) == set(ACTIVATIONS)
    X, Y, components = _data(seed=13)
    for activation in ACTIVATIONS:
        np.testing.assert_array_equal(
            halfnet_kernel(X, Y, activation=activation, components=components, bias_scale=0.6),
            _kernel(activation, X, Y, components=components, bias_scale=0.6),
        )
    # cos ignores bias_scale; relu is the default
    np.testing.assert_array_equal(
        halfnet_kernel(X, activation="cos", bias_scale=4.0), cos_kernel(X)
    )
    np.testing.assert_array_equal(halfnet_kernel(X, Y), relu_kernel(X, Y))


# --------------------------------------------------------------------------
# errors
# --------------------------------------------------------------------------
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_input_errors(activation):
    X, Y, components = _data(seed=14, n_x=3, n_y=2)
    with pytest.raises(ValueError, match="same number of features"):
        _kernel(activation, X, Y[:, :4])
    with pytest.raises(ValueError, match="same number of features"):
        halfnet_kernel(X, Y[:, :4], activation=activation)
    with pytest.raises(ValueError, match="second dimension must be n_features=5"):
        _kernel(activation, X, Y, components=components[:, :4])
    with pytest.raises(ValueError, match="2D"):
        _kernel(activation, X, components=components[0])
    with pytest.raises(ValueError):
        _kernel(activation, np.full((2, 5), np.nan))
    for bad in (-0.1, np.nan, np.inf, "1.0", True):
        with pytest.raises(ValueError, match="bias_scale"):
            halfnet_kernel(X, activation=activation, bias_scale=bad)
        if activation != "cos":
            with pytest.raises(ValueError, match="bias_scale"):
                _kernel(activation, X, bias_scale=bad)


def test_other_errors():
    X = np.ones((2, 3))
    with pytest.raises(ValueError, match="Unknown activation 'sigmoid'"):
        halfnet_kernel(X, activation="sigmoid")
    for bad in (0, -3, 2.5, True):
        with pytest.raises(ValueError, match="n_nodes"):
            tanh_kernel(X, n_nodes=bad)


# --------------------------------------------------------------------------
# the tanh quadrature
# --------------------------------------------------------------------------
def _pairs_to_inputs(norm_x, norm_y, rho):
    """2-feature rows whose (bias-free, identity) ũ have these norms and cosine."""
    x = math.sqrt(2) * norm_x * np.array([[1.0, 0.0]])
    y = math.sqrt(2) * norm_y * np.array([[rho, math.sqrt(1 - rho**2)]])
    return x, y


def _tanh_reference_hermite(norm_x, norm_y, rho, n_nodes):
    """The tensor Gauss–Hermite rule: a = n g1, a' = n' (ρ g1 + sqrt(1−ρ²) g2)."""
    g, w = hermegauss(n_nodes)
    w = w / math.sqrt(2 * math.pi)
    a = norm_x * g[:, None]
    a_prime = norm_y * (rho * g[:, None] + math.sqrt(1 - rho**2) * g[None, :])
    return float(w @ (np.tanh(a) * np.tanh(a_prime)) @ w)


def _tanh_reference_composite(norm_x, norm_y, rho, width=0.05, order=8, half_range=9.0):
    """Composite Gauss–Legendre on [−9, 9]², accurate to ~1e-14 for norms <= 10."""
    t, w = roots_legendre(order)
    left = np.arange(-half_range, half_range, width)
    g = (left[:, None] + width / 2 * (t + 1)).ravel()
    wg = np.tile(w * width / 2, left.size) * np.exp(-(g**2) / 2) / math.sqrt(2 * math.pi)
    s = math.sqrt(max(1 - rho**2, 0.0))
    total = 0.0
    for chunk in np.array_split(np.arange(g.size), 8):
        a_prime = norm_y * (rho * g[chunk, None] + s * g[None, :])
        inner = np.tanh(a_prime) @ wg
        total += np.sum(wg[chunk] * np.tanh(norm_x * g[chunk]) * inner)
    return total


@pytest.mark.parametrize(
    ("norm_x", "norm_y", "rho"),
    [(0.5, 0.4, 0.3), (1.0, 1.0, 1.0), (3.0, 2.5, 0.9), (6.0, 5.0, -0.7), (10.0, 8.0, 0.999)],
)
def test_tanh_matches_independent_high_order_quadrature(norm_x, norm_y, rho):
    x, y = _pairs_to_inputs(norm_x, norm_y, rho)
    value = tanh_kernel(x, y, bias_scale=0.0)[0, 0]
    reference = _tanh_reference_composite(norm_x, norm_y, rho)
    assert abs(value - reference) < 5e-10, (value, reference)


def test_tanh_matches_gauss_hermite_for_small_norms():
    """Where the tensor Gauss–Hermite rule converges (‖ũ‖ <= 1) they agree to 1e-10."""
    rng = np.random.default_rng(15)
    for norm_x, norm_y, rho in zip(
        rng.uniform(0.1, 1.0, 6), rng.uniform(0.1, 1.0, 6), rng.uniform(-1, 1, 6), strict=True
    ):
        x, y = _pairs_to_inputs(norm_x, norm_y, rho)
        value = tanh_kernel(x, y, bias_scale=0.0)[0, 0]
        assert abs(value - _tanh_reference_hermite(norm_x, norm_y, rho, 128)) < 1e-10


def test_tanh_converges_to_high_order_rule():
    X, Y, components = _data(seed=16, scale=2.0)
    reference = tanh_kernel(X, Y, components=components, n_nodes=128)
    errors = [
        np.abs(tanh_kernel(X, Y, components=components, n_nodes=n) - reference).max()
        for n in (4, 8, 12, 20)
    ]
    assert all(a > b for a, b in itertools.pairwise(errors)), errors
    assert errors[-1] < 3e-10, errors  # the default, as stated in the docstring
    np.testing.assert_array_equal(
        tanh_kernel(X, Y, components=components, n_nodes=20),
        tanh_kernel(X, Y, components=components),
    )


def test_tanh_mixture_rule_accuracy_as_documented():
    """sup |Σ w_i erf(t / sqrt(2 s_i)) − tanh(t)| as stated in tanh_kernel's docstring."""
    t = np.linspace(0.0, 30.0, 60001)  # both sides are odd in t
    for n_nodes, bound in [(8, 2e-6), (12, 5e-8), (16, 2.1e-9), (20, 1.3e-10), (24, 1e-11)]:
        scales, weights = _tanh._tanh_mixture_rule(n_nodes)
        assert np.all(scales > 0) and np.all(weights > 0)
        approximation = erf(t[:, None] / np.sqrt(2 * scales)) @ weights
        assert np.abs(approximation - np.tanh(t)).max() < bound, n_nodes
    # moments of the Kolmogorov distribution: E[K] = sqrt(π/2) ln 2, E[K²] = π²/12, E[K⁴] = 7π⁴/720
    nodes, weights = _tanh._kolmogorov_rule(20)
    np.testing.assert_allclose(weights @ nodes, math.sqrt(math.pi / 2) * math.log(2), rtol=1e-14)
    np.testing.assert_allclose(weights @ nodes**2, math.pi**2 / 12, rtol=1e-14)
    np.testing.assert_allclose(weights @ nodes**4, 7 * math.pi**4 / 720, rtol=1e-13)


def test_tanh_known_value():
    # x = 0 and bias 1: a ~ N(0, 1), E[tanh(a)²] by 200-node Gauss–Hermite
    assert abs(tanh_kernel(np.zeros((1, 3)))[0, 0] - 0.3942944903978409) < 1e-12


# --------------------------------------------------------------------------
# blocking keeps memory bounded and does not change the result
# --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("n_rows", "n_cols", "depth"), [(7, 5, 3), (1, 1, 1), (50, 3, 40), (4, 9, 500)]
)
def test_blocks_tile_and_respect_the_budget(monkeypatch, n_rows, n_cols, depth):
    monkeypatch.setattr(_common, "_MAX_BLOCK_ELEMENTS", 60)
    count = np.zeros((n_rows, n_cols), dtype=int)
    for rows, cols in _common._blocks(n_rows, n_cols, depth):
        block = count[rows, cols]
        assert block.size * depth <= max(60, depth)
        count[rows, cols] += 1
    assert np.all(count == 1)


def test_blocking_does_not_change_the_result(monkeypatch):
    X, Y, components = _data(seed=17)
    expected = {name: KERNELS[name](X, Y, components=components) for name in ("erf", "tanh")}
    monkeypatch.setattr(_common, "_MAX_BLOCK_ELEMENTS", 37)
    for name, value in expected.items():
        np.testing.assert_allclose(
            KERNELS[name](X, Y, components=components), value, rtol=1e-14, atol=1e-15
        )


def test_tanh_memory_is_bounded(monkeypatch):
    """Only (n, m) arrays and blocks of _MAX_BLOCK_ELEMENTS are ever allocated.

    Here n·m·n_nodes = 1.8e6 floats (14 MB per temporary) would be needed
    without blocking (n·m·n_nodes² = 288 MB for a full tensor grid).
    """
    assert _common._MAX_BLOCK_ELEMENTS <= 2**22  # at most 32 MiB per temporary
    monkeypatch.setattr(_common, "_MAX_BLOCK_ELEMENTS", 2**14)
    X, _, components = _data(seed=18, n_x=300)
    tanh_kernel(X[:2], components=components)  # build and cache the rule outside the trace
    tracemalloc.start()
    try:
        K = tanh_kernel(X, components=components)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert K.shape == (300, 300)
    assert peak < 8 * (6 * 2**14 + 6 * 300 * 300), peak


# --------------------------------------------------------------------------
# rows of any finite size: no overflow of squared norms (issue 9, item 13)
# --------------------------------------------------------------------------
def _huge_and_normal_rows(scale):
    """Rows of norm ~``scale``, a duplicate, its opposite, ordinary rows and a zero row."""
    X, _, components = _data(seed=19, n_x=6)
    X[:3] *= scale
    X[1] = X[0]
    X[2] = -X[0]
    X[5] = 0.0
    return X, components


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("scale", [1e154, 1e200, 1e300, 1.7e308 / 10])
def test_huge_finite_rows_give_no_nan(activation, scale):
    X, components = _huge_and_normal_rows(scale)
    for comp, bias_scale in [(components, 1.0), (None, 0.0), (components * 1e100, 1e300)]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # relu overflow, tested below
            K = _kernel(activation, X, components=comp, bias_scale=bias_scale)
            cross = _kernel(activation, X, X[::-1], components=comp, bias_scale=bias_scale)
        assert not np.isnan(K).any() and not np.isnan(cross).any()
        assert np.array_equal(K, K.T)
        if activation != "relu":  # the others are bounded by 1
            assert np.all(np.isfinite(K)) and np.all(np.abs(K) <= 1.0 + 1e-12)
            eigenvalues = np.linalg.eigvalsh(K)
            assert eigenvalues[0] >= -1e-12
            np.testing.assert_allclose(cross, K[:, ::-1], atol=1e-7)


@pytest.mark.parametrize("activation", ["erf", "tanh"])
def test_sigmoid_kernels_reach_the_sign_limit_at_huge_scale(activation):
    """As ‖ũ‖ → ∞, E[φ(a)φ(a')] → E[sign(a) sign(a')] = 1 − 2θ/π = 4 step − 1."""
    X, Y, components = _data(seed=20)
    limit = 4 * step_kernel(X, Y, components=components, bias_scale=0.0) - 1
    for scale in (1e160, 1e250, 1e305):
        K = _kernel(activation, scale * X, scale * Y, components=components, bias_scale=0.8)
        np.testing.assert_allclose(K, limit, atol=1e-12)
        K = _kernel(activation, scale * X, components=components, bias_scale=0.8)
        np.testing.assert_allclose(np.diag(K), 1.0, atol=1e-12)


@pytest.mark.parametrize("exponent", [-1000, -600, 600, 1000])
def test_step_kernel_is_scale_invariant_at_every_scale(exponent):
    """Without bias the step kernel depends on the direction of u only: exactly."""
    X, Y, components = _data(seed=21)
    for comp in (components, None):
        expected = step_kernel(X, Y, components=comp, bias_scale=0.0)
        scaled = step_kernel(
            np.ldexp(X, exponent), np.ldexp(Y, exponent), components=comp, bias_scale=0.0
        )
        np.testing.assert_array_equal(scaled, expected)


def test_relu_is_exactly_homogeneous_at_huge_and_tiny_scales():
    X, Y, components = _data(seed=22)
    K = relu_kernel(X, Y, components=components, bias_scale=0.6)
    K0 = relu_kernel(X, Y, components=components, bias_scale=0.0)
    for exponent in (-450, 450):
        s = 2.0**exponent
        scaled = relu_kernel(s * X, s * Y, components=components, bias_scale=0.6 * s)
        np.testing.assert_allclose(scaled, np.ldexp(K, 2 * exponent), rtol=1e-13)
        # the same ũ from huge components instead of huge rows
        scaled = relu_kernel(X, Y, components=s * components, bias_scale=0.6 * s)
        np.testing.assert_allclose(scaled, np.ldexp(K, 2 * exponent), rtol=1e-13)
    for exponent in (520, 1000):  # ‖u‖² overflows, ‖u‖ ‖u'‖ does not
        s = 2.0**exponent
        scaled = relu_kernel(s * X, Y / s, components=components, bias_scale=0.0)
        np.testing.assert_allclose(scaled, K0, rtol=1e-13)


def test_relu_values_beyond_float64_are_inf_with_a_warning():
    X, components = _huge_and_normal_rows(1e200)
    with pytest.warns(RuntimeWarning, match="exceed the float64 range"):
        K = relu_kernel(X, components=components)
    assert not np.isnan(K).any()
    assert np.isinf(K[0, 0]) and K[0, 2] == 0.0  # opposite rows: θ = π, exactly 0
    assert np.all(np.isfinite(K[3:, 3:]))
    np.testing.assert_array_equal(K[3:, 3:], relu_kernel(X[3:], components=components))


def test_cos_kernel_at_huge_scale():
    X, components = _huge_and_normal_rows(1e200)
    K = cos_kernel(X, components=components)
    np.testing.assert_array_equal(np.diag(K), 1.0)
    assert K[0, 1] == 1.0  # a duplicated huge row
    assert K[0, 2] == 0.0 and K[0, 3] == 0.0  # far apart
    np.testing.assert_allclose(K[3:, 3:], cos_kernel(X[3:], components=components), rtol=1e-13)
    # the learned metric scales out: huge rows, tiny components
    X, Y, components = _data(seed=23)
    s = 2.0**700
    np.testing.assert_allclose(
        cos_kernel(s * X, s * Y, components=components / s),
        cos_kernel(X, Y, components=components),
        rtol=1e-13,
    )


@pytest.mark.parametrize("scale", [1e8, 1e200, 1e307])
def test_cos_kernel_is_exact_for_close_rows_of_any_size(scale):
    """‖u − u'‖² from the expansion ‖u‖² + ‖u'‖² − 2uᵀu' is off by ~1e-16 ‖u‖²; not here."""
    X = np.array([[scale, 0.0], [scale, 1.0], [scale, -3.0]])  # u = x / sqrt(2)
    expected = np.exp(-np.array([[0.0, 1.0, 9.0], [1.0, 0.0, 16.0], [9.0, 16.0, 0.0]]) / 4)
    np.testing.assert_allclose(cos_kernel(X), expected, rtol=1e-14)
    np.testing.assert_allclose(cos_kernel(X, X), expected, rtol=1e-14)
    np.testing.assert_allclose(cos_kernel(X, X[::-1]), expected[:, ::-1], rtol=1e-14)
    np.testing.assert_allclose(cos_kernel(sp.csr_matrix(X), X), expected, rtol=1e-14)
    components = np.array([[1.0, 0.0], [0.0, 2.0]])  # u = (x1, 2 x2) / sqrt(2)
    np.testing.assert_allclose(cos_kernel(X, X, components=components), expected**4, rtol=1e-14)
