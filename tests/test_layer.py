"""The torch layer and the initialisation of V, checked against plain numpy."""

import math

import numpy as np
import pytest
import scipy.sparse as sp
import torch
from sklearn.decomposition import PCA

from skhalfnet import _init as _init_module
from skhalfnet import _layer, _threads, _training
from skhalfnet._init import initial_components, principal_directions
from skhalfnet._layer import HalfNetModule, InferenceLayer, NetworkState, draw_random_weights

#: Training's module and prediction's layer compute the same network.
LAYERS = [HalfNetModule, InferenceLayer]

ACTIVATIONS = {
    "relu": lambda a: np.maximum(a, 0),
    "cos": lambda a: np.sqrt(2) * np.cos(a),
    "erf": lambda a: np.vectorize(math.erf)(a),
    "tanh": np.tanh,
}


def random_state(d=7, k=3, H=50, C=4, activation="relu", seed=0):
    rng = np.random.default_rng(seed)
    Z, b = draw_random_weights(seed, H, k, activation, 0.5, np.float64)
    return NetworkState(
        components=rng.standard_normal((k, d)),
        random_weights=Z,
        hidden_bias=b,
        coef=rng.standard_normal((H, C)),
        intercept=rng.standard_normal(C),
        activation=activation,
    )


@pytest.mark.parametrize("layer", LAYERS)
@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
def test_features_match_explicit_hidden_weights(activation, layer):
    """(x V) Zᵀ / sqrt(k) + b equals x W + b with W = V Zᵀ / sqrt(k) formed explicitly."""
    state = random_state(activation=activation)
    module = layer(state, device=torch.device("cpu"), dtype=torch.float64)
    X = np.random.default_rng(1).standard_normal((9, 7))
    k, H = state.random_weights.shape[1], state.random_weights.shape[0]
    W = state.components.T @ state.random_weights.T / np.sqrt(k)  # (d, H)
    expected = ACTIVATIONS[activation](X @ W + state.hidden_bias) / np.sqrt(H)
    got = module.features(torch.from_numpy(X)).detach().numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12)
    outputs = module(torch.from_numpy(X)).detach().numpy()
    np.testing.assert_allclose(outputs, expected @ state.coef + state.intercept, rtol=1e-10)


@pytest.mark.parametrize("layer", LAYERS)
def test_identity_covariance_scales_input_by_sqrt_d(layer):
    state = random_state()
    d = state.components.shape[1]
    Z, b = draw_random_weights(0, 50, d, "relu", 1.0, np.float64)
    state.components, state.random_weights, state.hidden_bias = None, Z, b
    module = layer(state, device=torch.device("cpu"), dtype=torch.float64)
    assert module.V is None
    X = np.random.default_rng(1).standard_normal((5, d))
    expected = np.maximum(X @ Z.T / np.sqrt(d) + b, 0) / np.sqrt(50)
    np.testing.assert_allclose(module.features(torch.from_numpy(X)).numpy(), expected)


def test_inference_layer_reads_the_fitted_arrays_in_place():
    """A prediction copies nothing of the network's size when the dtypes match."""
    state = random_state()
    layer = InferenceLayer(state, device=torch.device("cpu"), dtype=torch.float64)
    for tensor, array in [
        (layer.V, state.components),
        (layer.Z_t, state.random_weights),
        (layer.bias, state.hidden_bias),
    ]:
        assert tensor.data_ptr() == array.__array_interface__["data"][0]
    state.random_weights.setflags(write=False)  # a loaded model's arrays
    layer = InferenceLayer(state, device=torch.device("cpu"), dtype=torch.float32)
    assert layer.Z_t.dtype == torch.float32  # another dtype is a converted copy


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_random_bias_distributions(dtype):
    _, cos_bias = draw_random_weights(0, 20000, 2, "cos", 3.0, dtype)
    assert cos_bias.dtype == dtype
    assert cos_bias.min() >= 0 and cos_bias.max() <= 2 * np.pi
    assert abs(cos_bias.mean() - np.pi) < 0.05
    Z, relu_bias = draw_random_weights(0, 20000, 2, "relu", 0.3, dtype)
    assert Z.dtype == dtype
    assert abs(relu_bias.std() - 0.3) < 0.01 and relu_bias.min() < 0
    assert abs(Z.mean()) < 0.02 and abs(Z.std() - 1.0) < 0.02
    # The columns of Z are independent: their sample correlation is near 0.
    assert abs(np.corrcoef(Z.T)[0, 1]) < 0.03
    Z_again, _ = draw_random_weights(0, 20000, 2, "relu", 0.3, dtype)
    np.testing.assert_array_equal(Z, Z_again)


def test_sparse_rows_become_sparse_tensors():
    X = sp.random(20, 6, density=0.3, format="csr", random_state=0, dtype=np.float32)
    rows = torch.tensor([3, 0, 7])
    batch = _layer.as_torch_rows(X, rows, torch.device("cpu"))
    assert batch.layout == torch.sparse_csr
    np.testing.assert_array_equal(batch.to_dense().numpy(), X[[3, 0, 7]].toarray())


def test_resolve_device_errors_without_cuda(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert _layer.resolve_device("auto").type == "cpu"
    with pytest.raises(ValueError, match="no CUDA device"):
        _layer.resolve_device("cuda")


def test_torch_threads_sets_and_restores_setting():
    before = torch.get_num_threads()
    try:
        torch.set_num_threads(3)  # not the suite's 1, so that a no-op block would fail
        with _threads.torch_threads(1):
            assert torch.get_num_threads() == 1
            with _threads.torch_threads(2):
                assert torch.get_num_threads() == 2
            assert torch.get_num_threads() == 1
        assert torch.get_num_threads() == 3
    finally:
        torch.set_num_threads(before)


def test_concurrent_thread_blocks_restore_the_original_count_out_of_order():
    """Two fits in Python threads: the first to enter exits first, the count still comes back."""
    import threading

    before = torch.get_num_threads()
    torch.set_num_threads(3)
    first_in, second_in, first_out = threading.Event(), threading.Event(), threading.Event()
    seen = {}

    def first():
        with _threads.torch_threads(1):
            first_in.set()
            second_in.wait(10)
        first_out.set()

    def second():
        first_in.wait(10)
        with _threads.torch_threads(2):
            second_in.set()
            first_out.wait(10)
            seen["inside"] = torch.get_num_threads()

    try:
        workers = [threading.Thread(target=first), threading.Thread(target=second)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(20)
        # A plain save/restore would leave 1 here: the second block saved the first's count.
        assert seen["inside"] == 2
        assert torch.get_num_threads() == 3
    finally:
        torch.set_num_threads(before)


def test_pca_init_finds_principal_directions():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((500, 10)) * np.array([10, 5, 3, 1, 1, 1, 1, 1, 1, 1.0])
    X = X @ np.linalg.qr(rng.standard_normal((10, 10)))[0]
    rows, weights = np.arange(500), np.full(500, 1 / 500)
    directions = principal_directions(X, rows, weights, 10.0, 3, np.random.RandomState(0))
    reference = PCA(3).fit(X).components_
    np.testing.assert_allclose(np.abs(np.sum(directions * reference, axis=1)), 1, atol=1e-6)


def test_init_scales_preactivations_to_unit_variance():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((300, 12)) * 7
    for init in ("pca", "random"):
        components = initial_components(X, np.ones(300), 4, init, np.random.RandomState(0))
        mean_square = np.mean(np.sum((X @ components.T) ** 2, axis=1)) / 4
        assert mean_square == pytest.approx(1.0)


def test_pca_init_fills_missing_directions_with_random_ones():
    X = np.random.default_rng(0).standard_normal((3, 10))  # spans at most 2 centred directions
    components = initial_components(X, np.ones(3), 5, "pca", np.random.RandomState(0))
    assert components.shape == (5, 10)
    assert np.linalg.matrix_rank(components) == 5


def test_init_weights_equal_repeated_rows():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((15, 6))
    weights = rng.integers(0, 4, 15).astype(float)
    repeated = np.repeat(X, weights.astype(int), axis=0)
    for init in ("pca", "random"):
        weighted = initial_components(X, weights, 3, init, np.random.RandomState(1))
        plain = initial_components(
            repeated, np.ones(len(repeated)), 3, init, np.random.RandomState(1)
        )
        np.testing.assert_allclose(weighted, plain, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
@pytest.mark.parametrize("kind", ["decision", "features", "projection"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_numpy_outputs_equal_the_torch_layers(activation, kind, dtype):
    """The small-batch numpy path computes what prediction's torch layer computes."""
    from skhalfnet._training import compute_outputs

    state = random_state(activation=activation)
    X = np.random.default_rng(2).standard_normal((6, 7)).astype(dtype)
    layer = InferenceLayer(state, device=torch.device("cpu"), dtype=_layer.torch_dtype(dtype))
    expected = compute_outputs(layer, torch.from_numpy(X), kind)
    got = _layer.numpy_outputs(state, X, kind, np.dtype(dtype))
    assert got.dtype == dtype
    tolerance = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(got, expected, rtol=tolerance, atol=tolerance)


@pytest.mark.parametrize("n_rows, path", [(1, "numpy"), (64, "numpy"), (65, "torch")])
def test_small_dense_batches_take_the_numpy_path(n_rows, path, monkeypatch):
    from skhalfnet import _training

    taken = []
    numpy_outputs, layer = _training.numpy_outputs, _training.InferenceLayer

    def numpy_spy(*args):
        taken.append("numpy")
        return numpy_outputs(*args)

    def torch_spy(*args, **kwargs):
        taken.append("torch")
        return layer(*args, **kwargs)

    monkeypatch.setattr(_training, "numpy_outputs", numpy_spy)
    monkeypatch.setattr(_training, "InferenceLayer", torch_spy)
    X = np.random.default_rng(0).standard_normal((n_rows, 7))
    out = _training.predict_arrays(random_state(), X, "decision", device=torch.device("cpu"))
    assert taken == [path]
    assert out.shape == (n_rows, 4)
    # Sparse rows always go through torch (numpy would densify them).
    taken.clear()
    _training.predict_arrays(
        random_state(), sp.csr_matrix(X), "decision", device=torch.device("cpu")
    )
    assert taken == ["torch"]


@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float32, torch.float64])
def test_relu_on_the_bits_equals_torchs_relu(dtype):
    values = torch.tensor([-2.5, -0.0, 0.0, 1e-30, 3.0, -1e-30, math.inf, -math.inf]).to(dtype)
    values = torch.cat([values, torch.randn(1000).to(dtype)])
    got = _layer.relu_on_bits_(values.clone())
    expected = torch.relu(values)
    # Equal values (torch keeps -0.0's sign, the bits clamp makes it +0.0: the same
    # number to every later product and sum, and to the backward's mask).
    assert torch.equal(got, expected)
    assert not torch.signbit(got).any()
    ints = _layer._SAME_WIDTH_INTS[dtype]
    grad = torch.randn(values.shape).to(dtype)
    backward = _layer.relu_backward_on_bits_(grad.clone(), got)
    reference = torch.ops.aten.threshold_backward(grad, got, 0)
    assert torch.equal(backward.view(ints), reference.view(ints))


def _step_gradients(module, X, autocast_dtype, fused):
    module.zero_grad(set_to_none=True)
    if fused:
        outputs = module.training_outputs(X, autocast_dtype)
    elif autocast_dtype is None:
        outputs = module(X)
    else:
        with torch.autocast("cpu", dtype=autocast_dtype):
            outputs = module(X).to(X.dtype)
    targets = torch.arange(X.shape[0]) % outputs.shape[1]
    torch.nn.functional.cross_entropy(outputs, targets).backward()
    return outputs.detach(), [p.grad.clone() for p in module.parameters()]


@pytest.mark.parametrize("identity", [False, True])
@pytest.mark.parametrize(
    "weights, autocast",
    [(torch.float32, torch.bfloat16), (torch.float32, None), (torch.float64, None)],
)
def test_the_relu_networks_step_equals_autograds_bit_for_bit(identity, weights, autocast):
    """The hand-written backward gives autograd's gradients under autocast, not just close ones."""
    state = random_state(d=30, k=8, H=200, C=5)
    if identity:
        Z, b = draw_random_weights(0, 200, 30, "relu", 1.0, np.float64)
        state.components, state.random_weights, state.hidden_bias = None, Z, b
    module = HalfNetModule(state, device=torch.device("cpu"), dtype=weights)
    module.set_low_precision(autocast)
    X = torch.randn(64, 30, generator=torch.Generator().manual_seed(3)).to(weights)
    fused_outputs, fused = _step_gradients(module, X, autocast, fused=True)
    outputs, reference = _step_gradients(module, X, autocast, fused=False)
    assert torch.equal(fused_outputs, outputs)
    assert len(fused) == len(reference) == (2 if identity else 3)
    for got, expected in zip(fused, reference, strict=True):
        assert got.dtype == expected.dtype
        assert torch.equal(got, expected)


def test_pca_init_on_fewer_rows_than_features_finds_the_principal_directions():
    rng = np.random.default_rng(0)
    scales = np.r_[20, 12, 8, np.ones(97)]
    X = rng.standard_normal((40, 100)) * scales
    rows, weights = np.arange(40), np.full(40, 1 / 40)
    directions = principal_directions(X, rows, weights, 10.0, 3, np.random.RandomState(0))
    reference = PCA(3).fit(X).components_
    np.testing.assert_allclose(np.abs(np.sum(directions * reference, axis=1)), 1, atol=1e-8)
    # The same directions as the covariance's eigendecomposition, weights included.
    weights = rng.uniform(0.5, 2, 40)
    weights /= weights.sum()
    thin = principal_directions(X, rows, weights, 10.0, 3, np.random.RandomState(0))
    covariance = _init_module.weighted_covariance(X, rows, weights, 10.0)
    _, eigenvectors = _init_module._top_eigenvectors(covariance, 3)
    np.testing.assert_allclose(np.abs(np.sum(thin * eigenvectors, axis=1)), 1, atol=1e-8)


@pytest.mark.parametrize("sparse", [False, True])
def test_weighted_covariance_is_numpys_weighted_covariance(sparse):
    """The symmetric rank-k update (dense rows) gives both triangles of the covariance."""
    rng = np.random.default_rng(1)
    X = rng.standard_normal((2500, 30)) * rng.uniform(0.5, 3, 30) + rng.standard_normal(30)
    X[:, 0] += 2 * X[:, 1]  # correlated columns: off-diagonal terms of both signs matter
    rows = np.sort(rng.choice(2500, 2200, replace=False))  # rows in several chunks
    weights = rng.uniform(0, 2, 2200)
    weights /= weights.sum()
    data = sp.csr_matrix(X) if sparse else X
    covariance = _init_module.weighted_covariance(data, rows, weights, 4.0)
    expected = np.cov(X[rows].T / 4.0, aweights=weights, bias=True)
    np.testing.assert_allclose(covariance, expected, rtol=1e-10, atol=1e-13)
    if not sparse:  # one triangle computed, the other its mirror
        assert np.array_equal(covariance, covariance.T)


def _identity_fit(X, y, precision, monkeypatch, cached):
    from skhalfnet import HalfNetClassifier, _training

    if not cached:
        monkeypatch.setattr(_training, "FIXED_HIDDEN_MAX_BYTES", 0)
    calls = []
    original = HalfNetModule.manual_step

    def spy(self, inputs, autocast_dtype, hidden=False, **kwargs):
        calls.extend([1] if hidden else [])
        return original(self, inputs, autocast_dtype, hidden=hidden, **kwargs)

    monkeypatch.setattr(HalfNetModule, "manual_step", spy)
    model = HalfNetClassifier(
        covariance="identity", n_hidden=300, max_iter=5, precision=precision, random_state=0
    )
    model.fit(X, y)
    monkeypatch.undo()
    return model, len(calls)


@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("precision", ["float64", "bfloat16"])
def test_the_identity_networks_fixed_hidden_layer_trains_as_the_full_step(
    precision, sparse, monkeypatch
):
    """Computing the identity network's hidden layer once gives the fit of computing it per step."""
    if sparse and precision == "bfloat16":
        pytest.skip("sparse data never train in bfloat16")
    rng = np.random.default_rng(0)
    X = rng.standard_normal((300, 20))
    y = (X[:, 0] + X[:, 1] ** 2 > 1).astype(int)
    if sparse:
        X = sp.csr_matrix(np.where(np.abs(X) > 1, X, 0))
    cached, cached_calls = _identity_fit(X, y, precision, monkeypatch, cached=True)
    stepped, stepped_calls = _identity_fit(X, y, precision, monkeypatch, cached=False)
    assert cached_calls == 5 * 2 and stepped_calls == 0  # 2 batches of 256 rows an epoch
    # float64: the same numbers up to the matmuls' rounding for other batches; bfloat16:
    # the hidden values round alike, so the fits agree to bfloat16's precision.
    rtol = 1e-9 if precision == "float64" else 2e-2
    np.testing.assert_allclose(cached.head_coef_, stepped.head_coef_, rtol=rtol, atol=rtol * 1e-2)
    np.testing.assert_allclose(
        cached.predict_proba(X), stepped.predict_proba(X), rtol=rtol, atol=rtol * 1e-2
    )


def _bfloat16_fit(X, y, kwargs, monkeypatch, cast):
    from skhalfnet import HalfNetClassifier, _training

    applied = []
    original = _training.cast_rows

    def spy(data, *args):
        if cast:
            original(data, *args)
        applied.append(data.cast)

    monkeypatch.setattr(_training, "cast_rows", spy)
    params = dict(n_hidden=200, max_iter=3, precision="bfloat16", random_state=0)
    model = HalfNetClassifier(covariance="lowrank", **params, **kwargs).fit(X, y)
    monkeypatch.undo()
    return model, applied


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.uint8])
@pytest.mark.parametrize("kwargs", [{}, {"activation": "tanh"}, {"early_stopping": True}])
def test_rows_cast_once_train_as_rows_cast_per_step(dtype, kwargs, monkeypatch):
    """bfloat16 training on X cast once (cast_rows) is the fit of casting each batch."""
    rng = np.random.default_rng(0)
    X = (rng.standard_normal((600, 30)) * 40 + 100).clip(0, 255).astype(dtype)
    y = (X[:, 0] + X[:, 1] > 200).astype(int) + (X[:, 2] > 100)
    once, applied = _bfloat16_fit(X, y, kwargs, monkeypatch, cast=True)
    per_step, skipped = _bfloat16_fit(X, y, kwargs, monkeypatch, cast=False)
    # A copy is made only where it is smaller than X: never of a uint8 X.
    assert applied == [dtype != np.uint8] and skipped == [False]
    for name in ("components_", "head_coef_", "head_intercept_"):
        np.testing.assert_array_equal(getattr(once, name), getattr(per_step, name))


@pytest.mark.parametrize(
    "weights, autocast",
    [(torch.float32, torch.bfloat16), (torch.float32, None), (torch.float64, None)],
)
def test_the_heads_step_on_fixed_hidden_values_equals_autograds_bit_for_bit(weights, autocast):
    """The identity network's steps on its fixed hidden layer: autograd's gradients, exactly."""
    state = random_state(d=30, k=8, H=200, C=5)
    Z, b = draw_random_weights(0, 200, 30, "relu", 1.0, np.float64)
    state.components, state.random_weights, state.hidden_bias = None, Z, b
    module = HalfNetModule(state, device=torch.device("cpu"), dtype=weights)
    module.set_low_precision(autocast)
    X = torch.randn(64, 30, generator=torch.Generator().manual_seed(3)).to(weights)
    targets = torch.arange(64) % 5
    module.zero_grad(set_to_none=True)
    fixed = module.head_outputs(module.hidden(X, autocast))
    torch.nn.functional.cross_entropy(fixed, targets).backward()
    got = [p.grad.clone() for p in module.parameters()]
    outputs, reference = _step_gradients(module, X, autocast, fused=False)
    assert torch.equal(fixed.detach(), outputs)
    for g, expected in zip(got, reference, strict=True):
        assert torch.equal(g, expected)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_parameters_finite_finds_one_bad_value_and_passes_huge_finite_ones(dtype):
    module = HalfNetModule(random_state(), device=torch.device("cpu"), dtype=dtype)
    assert module.parameters_finite()
    with torch.no_grad():
        for p in module.parameters():
            p.fill_(torch.finfo(torch.float32).max)  # finite; their float32 sum would overflow
    assert module.parameters_finite()
    for bad in (math.nan, math.inf, -math.inf):
        for index in range(len(list(module.parameters()))):
            module = HalfNetModule(random_state(), device=torch.device("cpu"), dtype=dtype)
            with torch.no_grad():
                list(module.parameters())[index].view(-1)[-1] = bad
            assert not module.parameters_finite(), (bad, index)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_the_softmax_loss_is_torchs_cross_entropy(dtype):
    """Taken over the transposed outputs (a faster kernel), the same values as torch's."""
    generator = torch.Generator().manual_seed(3)
    outputs = 30 * torch.randn(300, 7, generator=generator).to(dtype)
    targets = torch.randint(0, 7, (300,), generator=generator)
    losses = _training.per_sample_loss("softmax", outputs, targets)
    expected = torch.nn.functional.cross_entropy(outputs, targets, reduction="none")
    torch.testing.assert_close(losses, expected, rtol=0, atol=0)
    gradient = _training.LOSS_GRADIENTS["softmax"](outputs, targets)
    expected = torch.softmax(outputs, dim=1) - torch.nn.functional.one_hot(targets, 7)
    torch.testing.assert_close(gradient, expected.to(dtype))


def _loss_case(kind, generator):
    outputs = torch.randn(40, 3, generator=generator, dtype=torch.float64)
    if kind == "softmax":
        return outputs, torch.randint(0, 3, (40,), generator=generator)
    if kind == "logistic":
        return outputs, torch.randint(0, 2, (40, 3), generator=generator).double()
    if kind == "squared":
        return outputs, torch.randn(40, 3, generator=generator, dtype=torch.float64)
    counts = torch.randint(0, 5, (40, 3), generator=generator).double()
    return outputs, torch.cat([counts, torch.full((40, 3), 0.7, dtype=torch.float64)], dim=1)


@pytest.mark.parametrize("kind", ["softmax", "logistic", "squared", "poisson"])
def test_the_hand_written_loss_gradients_are_autograds(kind):
    from skhalfnet import _training

    outputs, targets = _loss_case(kind, torch.Generator().manual_seed(0))
    outputs.requires_grad_(True)
    expected = _training.per_sample_loss(kind, outputs, targets)
    (grad,) = torch.autograd.grad(expected.sum(), outputs)
    manual = _training.LOSS_GRADIENTS[kind](outputs.detach(), targets)
    np.testing.assert_allclose(manual.numpy(), grad.numpy(), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize(
    "make",
    [
        lambda: ("c", {}),
        lambda: ("c", {"covariance": "identity"}),
        lambda: ("binary", {}),
        lambda: ("r", {}),
        lambda: ("poisson", {"loss": "poisson"}),
    ],
)
def test_a_fit_without_autograd_is_the_fit_with_it(make, monkeypatch):
    """The steps that call the layer's backward themselves train as autograd's steps do."""
    from sklearn.datasets import make_classification, make_regression

    from skhalfnet import HalfNetClassifier, HalfNetRegressor

    task, extra = make()
    params = dict(n_hidden=100, rank=4, max_iter=4, precision="float64", random_state=0)
    params.update({"covariance": "lowrank"} | extra)
    if task in ("c", "binary"):
        X, y = make_classification(300, 12, n_informative=6, n_classes=3 if task == "c" else 2)
        Estimator = HalfNetClassifier
    else:
        X, y = make_regression(300, 12, random_state=0)
        y = np.abs(y).round() if task == "poisson" else y
        Estimator = HalfNetRegressor
    manual = Estimator(**params).fit(X, y)
    monkeypatch.setattr(HalfNetModule, "manual_step", lambda *args, **kwargs: None)
    reference = Estimator(**params).fit(X, y)
    np.testing.assert_allclose(manual.head_coef_, reference.head_coef_, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(manual.loss_curve_, reference.loss_curve_, rtol=1e-10)
