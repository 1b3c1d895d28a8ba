"""Hostile input and interrupted fits: each test names a defect an adversarial review found."""

import pickle
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
import torch

from skhalfnet import HalfNetClassifier, HalfNetRegressor, HalfNetTransformer, _training
from skhalfnet._adam import Adam
from skhalfnet._training import NonFiniteLossWarning

ESTIMATORS = [HalfNetClassifier, HalfNetRegressor, HalfNetTransformer]


def quiet(estimator, X, y, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return estimator.fit(X, y, **kwargs)


def _finite_model(est):
    components = est.components_  # a sparse identity where covariance="auto" chose it
    components = components.data if sp.issparse(components) else components
    arrays = (components, est.head_coef_, est.head_intercept_)
    return all(np.all(np.isfinite(a)) for a in arrays)


# -- 1, 12: the non-finite guard ------------------------------------------------------


def test_one_batch_one_epoch_divergence_is_caught(small_digits):
    X, y = small_digits
    est = HalfNetClassifier(n_hidden=50, rank=4, max_iter=1, batch_size=10_000, random_state=0)
    with pytest.warns(NonFiniteLossWarning, match="initial weights were kept"):
        est.set_params(learning_rate_init=1e307, precision="float64").fit(X, y)
    assert est.n_iter_ == 0 and _finite_model(est)
    assert np.all(np.isfinite(est.predict_proba(X)))


def test_the_warning_tells_which_weights_were_kept(small_digits):
    X, y = small_digits
    est = HalfNetClassifier(n_hidden=50, rank=4, max_iter=3, batch_size=10_000, random_state=0)
    with pytest.warns(NonFiniteLossWarning) as record:
        est.set_params(learning_rate_init=1e307, precision="float64").fit(X, y)
    (message,) = [str(w.message) for w in record if w.category is NonFiniteLossWarning]
    if est.n_iter_:
        assert f"after epoch {est.n_iter_} were kept" in message
    else:
        assert "initial weights were kept" in message
    assert _finite_model(est)


def test_float32_overflowing_step_is_a_clear_error_not_a_torch_error(small_digits):
    X, y = small_digits
    est = HalfNetClassifier(n_hidden=50, rank=4, max_iter=2, learning_rate_init=1e38)
    with pytest.raises(ValueError, match="learning_rate_init"):
        est.fit(X, y)


def test_divergence_leaves_finite_adam_state_so_later_calls_train(small_digits):
    X, y = small_digits
    X64 = X.astype(np.float64)
    est = HalfNetClassifier(
        n_hidden=50,
        rank=4,
        max_iter=2,
        batch_size=64,
        random_state=0,
        warm_start=True,
        precision="float64",
    )
    with pytest.warns(NonFiniteLossWarning):
        est.set_params(learning_rate_init=1e300).fit(X64, y)
    for state in est._history["optimizer_state"]:
        for value in state.values():
            assert np.all(np.isfinite(value))
    est.set_params(learning_rate_init=0.03)
    with warnings.catch_warnings():
        warnings.simplefilter("error", NonFiniteLossWarning)
        est.fit(X64, y)  # warm start from the kept weights finishes its epochs
    assert est.n_iter_ >= 2 and _finite_model(est)


def test_tiny_uniform_weights_train_like_unit_weights(small_digits):
    X, y = small_digits
    X64 = X.astype(np.float64)
    params = dict(n_hidden=50, rank=4, max_iter=3, random_state=0)
    tiny = quiet(HalfNetClassifier(**params), X64, y, sample_weight=np.full(len(y), 1e-320))
    unit = quiet(HalfNetClassifier(**params), X64, y)
    np.testing.assert_allclose(tiny.predict_proba(X64), unit.predict_proba(X64), rtol=1e-10)


# -- 2: absurd sizes -----------------------------------------------------------------


def test_absurd_width_is_refused_before_allocation(small_digits):
    X, y = small_digits
    with pytest.raises(ValueError, match=r"n_hidden=1000000000 .* GiB"):
        HalfNetClassifier(n_hidden=10**9).fit(X, y)


# -- 3: PCA initialisation -------------------------------------------------------------


def test_huge_but_finite_input_initialises(small_digits):
    from skhalfnet._init import initial_components

    X, y = small_digits
    huge = X.astype(np.float64) * 1e200
    for init in ("pca", "random"):
        plain_v = initial_components(X, np.ones(len(y)), 4, init, np.random.RandomState(0))
        huge_v = initial_components(huge, np.ones(len(y)), 4, init, np.random.RandomState(0))
        # V scales with 1 / scale of X and keeps its directions.
        np.testing.assert_allclose(huge_v * 1e200, plain_v, rtol=1e-6, atol=1e-9)
    est = quiet(HalfNetClassifier(n_hidden=50, rank=4, max_iter=2, random_state=0), huge, y)
    assert _finite_model(est)
    assert est.score(huge, y) > 0.5  # five classes: chance is 0.2


def test_negative_class_weight_is_a_clear_error(small_digits):
    X, y = small_digits
    with pytest.raises(ValueError, match="class_weight"):
        HalfNetClassifier(n_hidden=20, class_weight={0: -1.0}).fit(X, y)


# -- 4, 11: a fitted model changes only when a fit completes ------------------------------


class _Interrupt(BaseException):
    pass


def _interrupt_after(monkeypatch, n_steps):
    original = Adam.step
    calls = {"n": 0}

    def step(self, *args, **kwargs):
        calls["n"] += 1
        result = original(self, *args, **kwargs)
        if calls["n"] >= n_steps:
            raise _Interrupt
        return result

    monkeypatch.setattr(Adam, "step", step)


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_interrupted_warm_start_leaves_the_model_exactly_as_it_was(
    Estimator, small_digits, monkeypatch
):
    X, y = small_digits
    est = quiet(Estimator(n_hidden=30, rank=1, max_iter=2, random_state=0, warm_start=True), X, y)
    before = pickle.dumps(est)
    _interrupt_after(monkeypatch, 3)
    with pytest.raises(_Interrupt):
        est.fit(X, y)
    assert pickle.dumps(est) == before


def test_interrupted_first_partial_fit_leaves_the_estimator_unfitted(small_digits, monkeypatch):
    X, y = small_digits
    est = HalfNetClassifier(n_hidden=30, rank=2, batch_size=50)
    _interrupt_after(monkeypatch, 2)
    with pytest.raises(_Interrupt):
        est.partial_fit(X, y, classes=np.arange(5))
    monkeypatch.undo()
    assert not hasattr(est, "classes_") and not hasattr(est, "n_features_in_")
    with pytest.raises(ValueError, match="classes must be passed"):
        est.partial_fit(X, y)


def test_rejected_refit_keeps_the_old_model(small_digits):
    X, y = small_digits
    est = quiet(HalfNetClassifier(n_hidden=30, rank=2, max_iter=2, random_state=0), X, y)
    expected = est.predict_proba(X)
    labels = np.where(y == 0, "a", "b")
    with pytest.raises(ValueError, match="learning_rate_init"):
        est.set_params(learning_rate_init=1e39).fit(X[:, :10], labels)
    assert est.n_features_in_ == X.shape[1] and list(est.classes_) == list(range(5))
    np.testing.assert_array_equal(est.predict_proba(X), expected)


def test_training_never_writes_into_the_fitted_arrays(small_digits):
    X, y = small_digits
    keep = y < 2
    est = quiet(HalfNetClassifier(n_hidden=30, rank=2, max_iter=2, warm_start=True), X, y)
    binary = quiet(
        HalfNetClassifier(n_hidden=30, rank=2, max_iter=2, warm_start=True), X[keep], y[keep]
    )
    for model, rows in ((est, slice(None)), (binary, keep)):
        arrays = {name: getattr(model, name) for name in ("head_coef_", "head_intercept_")}
        copies = {name: a.copy() for name, a in arrays.items()}
        quiet(model, X[rows], y[rows])
        for name, array in arrays.items():
            np.testing.assert_array_equal(array, copies[name], err_msg=name)


# -- 5: fitted state is plain numpy --------------------------------------------------------


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_fitted_state_holds_no_torch_objects(Estimator, small_digits):
    X, y = small_digits
    est = quiet(Estimator(n_hidden=30, rank=2, max_iter=2), X, y)

    def walk(value):
        assert not isinstance(value, torch.Tensor | torch.nn.Module)
        if isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list | tuple):
            for item in value:
                walk(item)

    walk(est.__dict__)


# -- 6, 7, 9: one model whatever the format --------------------------------------------------


@pytest.mark.parametrize("precision", ["float32", "float64"])
def test_sparse_and_dense_input_give_the_same_model(precision):
    # Under precision="auto" dense data may train with bfloat16 matmuls, which sparse
    # data cannot (documented); an exact precision gives both the same model.
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)  # raw pixels: far from centred
    X = X[:400].astype(np.float64)
    y = y[:400]
    params = dict(
        n_hidden=100, rank=8, max_iter=3, random_state=0, precision=precision, covariance="lowrank"
    )
    dense = quiet(HalfNetClassifier(**params), X, y)
    sparse = quiet(HalfNetClassifier(**params), sp.csr_matrix(X), y)
    # float32 sums sparse and dense products in other orders: equal to rounding.
    atol = 1e-9 if precision == "float64" else 1e-5
    np.testing.assert_allclose(sparse.components_, dense.components_, rtol=1e-6, atol=atol)
    np.testing.assert_allclose(sparse.predict_proba(X), dense.predict_proba(X), atol=100 * atol)


def test_fit_leaves_the_callers_sparse_matrix_alone(small_digits):
    X, y = small_digits
    matrix = sp.csr_matrix(X.astype(np.float64))
    for row in range(matrix.shape[0]):  # unsorted indices within each row
        start, stop = matrix.indptr[row], matrix.indptr[row + 1]
        matrix.indices[start:stop] = matrix.indices[start:stop][::-1]
        matrix.data[start:stop] = matrix.data[start:stop][::-1]
    matrix.has_sorted_indices = False
    indices, data = matrix.indices.copy(), matrix.data.copy()
    quiet(HalfNetClassifier(n_hidden=20, rank=2, max_iter=1), matrix, y)
    np.testing.assert_array_equal(matrix.indices, indices)
    np.testing.assert_array_equal(matrix.data, data)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_memory_order_does_not_change_results(small_digits, dtype):
    X, y = small_digits
    X_c = np.ascontiguousarray(X, dtype=dtype)
    X_f = np.asfortranarray(X_c)
    params = dict(n_hidden=40, rank=4, max_iter=2, random_state=0)
    a = quiet(HalfNetClassifier(**params), X_c, y)
    b = quiet(HalfNetClassifier(**params), X_f, y)
    np.testing.assert_array_equal(a.predict_proba(X_c), b.predict_proba(X_f))
    np.testing.assert_array_equal(a.predict_proba(X_f), a.predict_proba(X_c))


# -- 8, 10: scikit-learn conventions ------------------------------------------------------


def test_warm_start_refuses_a_changed_bias_scale(small_digits):
    X, y = small_digits
    est = quiet(HalfNetClassifier(n_hidden=20, rank=2, max_iter=1, warm_start=True), X, y)
    est.set_params(bias_scale=3.0)
    with pytest.raises(ValueError, match="bias_scale"):
        est.fit(X, y)


def test_n_jobs_zero_is_rejected_by_validation(small_digits):
    X, y = small_digits
    with pytest.raises(ValueError, match="n_jobs"):
        HalfNetClassifier(n_jobs=0).fit(X, y)


def test_feature_names_follow_the_fitted_width(small_digits):
    X, y = small_digits
    est = quiet(HalfNetTransformer(n_hidden=20, rank=2, max_iter=1), X, y)
    est.set_params(n_hidden=7)
    assert len(est.get_feature_names_out()) == 20 == est.transform(X[:3]).shape[1]


def test_partial_fit_refuses_early_stopping(small_digits):
    X, y = small_digits
    with pytest.raises(ValueError, match="early_stopping"):
        HalfNetClassifier(early_stopping=True).partial_fit(X, y, classes=np.arange(5))
    with pytest.raises(ValueError, match="early_stopping"):
        HalfNetRegressor(early_stopping=True).partial_fit(X, y.astype(float))


def test_alpha_means_what_it_means_in_mlpclassifier(small_digits, monkeypatch):
    """alpha / (2 · batch rows) · ||W||² per batch, as sklearn's MLP: decay alpha / batch."""
    X, y = small_digits
    seen = {}
    original = _training.make_optimizer

    def spy(module, config, state):
        seen["decay"] = config.weight_decay
        return original(module, config, state)

    monkeypatch.setattr(_training, "make_optimizer", spy)
    quiet(HalfNetClassifier(n_hidden=20, rank=2, max_iter=1, alpha=0.5, batch_size=100), X, y)
    assert seen["decay"] == pytest.approx(0.5 / 100)
    quiet(HalfNetClassifier(n_hidden=20, rank=2, max_iter=1, alpha=0.5, batch_size=1000), X, y)
    assert seen["decay"] == pytest.approx(0.5 / len(y))  # a batch holds all the rows


def test_best_loss_is_the_lowest_training_loss_under_early_stopping(small_digits):
    X, y = small_digits
    est = quiet(HalfNetClassifier(n_hidden=30, rank=2, max_iter=4, early_stopping=True), X, y)
    assert est.best_loss_ == min(est.loss_curve_)


def test_bfloat16_on_sparse_input_is_refused_not_ignored(small_digits):
    X, y = small_digits
    with pytest.raises(ValueError, match="precision='bfloat16' cannot be honoured for sparse"):
        HalfNetClassifier(n_hidden=30, rank=2, max_iter=2, precision="bfloat16").fit(
            sp.csr_matrix(X), y
        )


@pytest.mark.parametrize("precision", ["auto", "float32"])
def test_sparse_float32_input_trains_under_every_precision(small_digits, precision):
    X, y = small_digits
    X = X.copy()
    X[np.abs(X) < 0.5] = 0.0
    est = quiet(
        HalfNetClassifier(n_hidden=30, rank=2, max_iter=2, precision=precision),
        sp.csr_matrix(X),
        y,
    )
    assert _finite_model(est) and est.head_coef_.dtype == np.float32
