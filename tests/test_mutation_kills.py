"""Behaviours that mutation testing found unguarded (see docs/mutation/results.md).

Each test pins down something a mutant of ``skhalfnet/_training.py``, ``_init.py``,
``_base.py``, ``_layer.py`` or ``_rules.py`` changed while every other fast test still passed.
"""

import contextlib
import math
import tracemalloc
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
import torch
from sklearn.datasets import make_blobs, make_classification
from sklearn.metrics import log_loss

from skhalfnet import (
    HalfNetClassifier,
    HalfNetTransformer,
    _base,
    _callbacks,
    _init,
    _layer,
    _rules,
    _training,
)
from skhalfnet._layer import NetworkState
from skhalfnet._training import NonFiniteLossWarning, TrainingConfig, TrainingHistory

CPU = torch.device("cpu")


def quiet_fit(estimator, X, y, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return estimator.fit(X, y, **kwargs)


def _small(**params):
    """A small classifier; constant steps unless a test asks otherwise (defaults get tuned)."""
    defaults = {
        "n_hidden": 50,
        "rank": 4,
        "learning_rate": "constant",
        "random_state": 0,
        "covariance": "lowrank",  # these tests are about V's arithmetic
    }
    return HalfNetClassifier(**{**defaults, **params})


# -- the reported loss ----------------------------------------------------------------


@pytest.mark.parametrize("alpha", [0.0, 50.0, 100.0])
def test_first_epoch_loss_is_the_data_loss_plus_the_l2_penalty(small_digits, alpha):
    # A step of 1e-12 leaves the network as initialised: the zero head gives log(5) on
    # every row, and alpha / (2 batch_size) ||V||² is the penalty. float64 data sum the
    # loss in float64, so the closed form holds to far below float32's resolution.
    X, y = small_digits
    est = _small(
        n_hidden=200,
        max_iter=1,
        batch_size=50,
        alpha=alpha,
        learning_rate_init=1e-12,
        precision="float64",
    )
    quiet_fit(est, X, y)
    penalty = alpha / (2 * 50) * np.sum(est.components_**2)
    assert est.loss_curve_[0] == pytest.approx(math.log(5) + penalty, rel=1e-9)


def test_the_penalty_includes_the_head_weights(small_digits):
    X, y = small_digits
    X = X.astype(np.float64)
    est = quiet_fit(_small(max_iter=5, batch_size=50, alpha=50.0, precision="float64"), X, y)
    # One more epoch with a negligible step: its loss is the loss of the fitted weights.
    est.set_params(warm_start=True, learning_rate_init=1e-12, max_iter=1)
    quiet_fit(est, X, y)
    penalty = 0.5 * (np.sum(est.head_coef_**2) + np.sum(est.components_**2))
    expected = log_loss(y, est.predict_proba(X)) + penalty
    assert est.loss_curve_[-1] == pytest.approx(expected, rel=1e-7)


# -- stopping rules ------------------------------------------------------------------


def test_an_equal_validation_score_is_not_an_improvement():
    # Two far-apart blobs: validation accuracy is 1.0 from the first epoch on. With tol=0
    # a score equal to the best is no improvement, so epochs 2, 3, 4 count and training
    # stops after n_iter_no_change + 2 epochs.
    X, y = make_blobs(n_samples=200, centers=[[-10] * 4, [10] * 4], random_state=0)
    est = _small(rank=2, max_iter=30, early_stopping=True, tol=0.0, n_iter_no_change=2)
    est.fit(X.astype(np.float32), y)
    assert est.validation_scores_ == [1.0] * 4
    assert est.n_iter_ == 4


def test_verbose_says_which_criterion_stopped_training(small_digits, capsys):
    X, y = small_digits
    params = {"max_iter": 50, "tol": 1e9, "n_iter_no_change": 1, "verbose": 1}
    _small(**params).fit(X, y)
    out = capsys.readouterr().out
    assert "Training loss did not improve more than tol=1000000000.0 for 1 consecutive" in out
    _small(**params, early_stopping=True).fit(X, y)
    assert "Validation score did not improve more than tol=" in capsys.readouterr().out


def test_verbose_with_early_stopping_prints_the_loss_and_the_score(small_digits, capsys):
    X, y = small_digits
    quiet_fit(_small(max_iter=2, early_stopping=True, verbose=1), X, y)
    lines = [line for line in capsys.readouterr().out.splitlines() if "validation" in line]
    assert len(lines) == 2
    for number, line in enumerate(lines, 1):
        assert line.startswith(f"Iteration {number}, loss = ")
        assert ", validation score = " in line


def test_early_stopping_trains_on_the_rows_it_does_not_score(small_digits, monkeypatch):
    X, y = small_digits
    seen = {}
    fit_arrays = _training.fit_arrays

    def spy(*args, **kwargs):
        seen.update(kwargs)
        return fit_arrays(*args, **kwargs)

    monkeypatch.setattr(_training, "fit_arrays", spy)
    quiet_fit(_small(max_iter=2, early_stopping=True, validation_fraction=0.2), X, y)
    train, validation = np.asarray(seen["train_rows"]), np.asarray(seen["validation_rows"])
    assert len(train) == 320 and len(validation) == 80
    assert np.array_equal(np.sort(np.concatenate([train, validation])), np.arange(len(y)))


def test_each_epoch_reaches_the_callback_hook_and_can_stop_training(small_digits, monkeypatch):
    X, y = small_digits
    calls = []

    @contextlib.contextmanager
    def fit_callbacks(estimator, **kwargs):
        def on_epoch(epoch, loss, fitted_attributes):
            calls.append((epoch, loss, fitted_attributes()["head_coef_"].copy()))
            return epoch == stop_at

        yield on_epoch

    monkeypatch.setattr(_callbacks, "fit_callbacks", fit_callbacks)
    stop_at = None
    est = quiet_fit(_small(max_iter=3), X, y)
    assert [call[0] for call in calls] == [0, 1, 2]
    assert [call[1] for call in calls] == est.loss_curve_
    np.testing.assert_array_equal(calls[-1][2], est.head_coef_)
    calls.clear()
    stop_at = 1
    assert quiet_fit(_small(max_iter=5), X, y).n_iter_ == 2


# -- partial_fit's step count ------------------------------------------------------------


def test_partial_fit_steps_continue_the_count_across_calls(small_digits, monkeypatch):
    # The stream schedule's step depends on every step ever taken, whatever the calls.
    X, y = small_digits
    steps = []
    stream = _training.SCHEDULES["stream"]

    def spy(step, *rest):
        steps.append(step)
        return stream(step, *rest)

    monkeypatch.setitem(_training.SCHEDULES, "stream", spy)
    est = _small(batch_size=100)
    est.partial_fit(X, y, classes=np.unique(y))
    est.partial_fit(X, y)
    assert steps == list(range(8))  # two calls of 400 / 100 steps


def test_a_diverging_partial_fit_call_keeps_the_model_of_the_call_before():
    # partial_fit predicts with an average of the weights: a call that diverges must go
    # back to the average it started from, as well as to the trained weights.
    X, y = make_classification(n_samples=600, random_state=0)
    X = X.astype(np.float32)
    est = HalfNetClassifier(n_hidden=50, rank=4, random_state=0)
    est.partial_fit(X, y, classes=[0, 1])
    before = est.decision_function(X)
    est.set_params(learning_rate_init=1e10)
    with pytest.warns(NonFiniteLossWarning, match="the weights after epoch 1 were kept"):
        est.partial_fit(X, y)
    np.testing.assert_array_equal(est.decision_function(X), before)


# -- precision ---------------------------------------------------------------------------


def test_autocast_follows_precision_dtype_and_hardware(monkeypatch):
    monkeypatch.setattr(_layer, "fast_bfloat16", lambda device: True)
    assert _layer.autocast_dtype("float32", CPU) is None
    assert _layer.autocast_dtype("float64", CPU) is None
    assert _layer.autocast_dtype("auto", CPU) is torch.bfloat16
    assert _layer.autocast_dtype("auto", CPU, sparse=True) is None
    monkeypatch.setattr(_layer, "fast_bfloat16", lambda device: False)
    assert _layer.autocast_dtype("auto", CPU) is None
    assert _layer.autocast_dtype("bfloat16", CPU) is torch.bfloat16


def test_precision_not_the_input_dtype_decides_the_arithmetic(small_digits):
    X, y = small_digits
    fits = {
        (dtype, precision): quiet_fit(_small(max_iter=3, precision=precision), X.astype(dtype), y)
        for dtype in (np.float32, np.float64)
        for precision in ("float32", "bfloat16", "float64")
    }
    exact, low = fits[np.float32, "float32"], fits[np.float32, "bfloat16"]
    gap = np.abs(exact.decision_function(X) - low.decision_function(X)).max()
    assert gap > 1e-4  # bfloat16 matmuls keep 8 bits of mantissa
    for precision in ("float32", "bfloat16", "float64"):
        # float64 rows are cast batch by batch to the precision's dtype: the same model.
        a, b = fits[np.float32, precision], fits[np.float64, precision]
        assert a.head_coef_.dtype == (np.float64 if precision == "float64" else np.float32)
        np.testing.assert_array_equal(a.head_coef_, b.head_coef_)


def test_float32_input_is_answered_without_a_float64_copy():
    # A float32 model predicts float32 rows in float32: no float64 result on the way.
    X, y = make_classification(n_samples=200, n_features=20, random_state=0)
    est = HalfNetTransformer(n_hidden=500, rank=4, max_iter=1, random_state=0)
    quiet_fit(est, X.astype(np.float32), y)
    X_big = np.random.RandomState(0).standard_normal((8000, 20)).astype(np.float32)
    as_float32 = 8000 * 500 * 4  # 16 MB: the features themselves
    tracemalloc.start()
    features = est.transform(X_big)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert features.dtype == np.float32
    assert peak < 1.5 * as_float32


# -- the non-finite guard ------------------------------------------------------------------


def _state(n_features, n_outputs, rng, dtype=np.float32):
    return NetworkState(
        components=rng.standard_normal((4, n_features)).astype(dtype),
        random_weights=rng.standard_normal((50, 4)).astype(dtype),
        hidden_bias=np.zeros(50, dtype),
        coef=np.zeros((50, n_outputs), dtype),
        intercept=np.zeros(n_outputs, dtype),
        activation="relu",
    )


def _config(**changes):
    config = {
        "loss": "softmax",
        "batch_size": 100,
        "max_iter": 3,
        "lr_head": 1e-3,
        "lr_components": 1e-3,
        "weight_decay": 0.0,
        "shuffle": False,
        "tol": 0.0,
        "n_iter_no_change": 10,
        "early_stopping": False,
        "seed": 0,
    }
    return TrainingConfig(**{**config, **changes})


def test_an_overflowing_adam_step_keeps_the_weights_of_the_epochs_start(small_digits):
    # On float32 a step of 1e38 makes torch raise "value cannot be converted to type float
    # without overflow" inside Adam: that is divergence, not a crash.
    X, y = small_digits
    state = _state(X.shape[1], 5, np.random.RandomState(0))
    config = _config(lr_head=1e38, lr_components=1e38)
    with pytest.warns(NonFiniteLossWarning, match="initial weights were kept"):
        new, history = _training.fit_arrays(
            state, X, y, np.ones(len(y)), config, TrainingHistory(), device=CPU
        )
    assert history.non_finite and history.loss_curve == []
    np.testing.assert_array_equal(new.components, state.components)
    np.testing.assert_array_equal(new.coef, state.coef)


def test_only_overflow_errors_count_as_divergence(small_digits, monkeypatch):
    assert _training._is_overflow(RuntimeError("value cannot be converted without overflow"))
    assert _training._is_overflow(RuntimeError("Found Non-Finite values in the gradients"))
    assert not _training._is_overflow(RuntimeError("mat1 and mat2 shapes cannot be multiplied"))

    def broken(*args):
        raise RuntimeError("a bug, not a divergence")

    X, y = small_digits
    monkeypatch.setattr(_training, "per_sample_loss", broken)
    with pytest.raises(RuntimeError, match="a bug, not a divergence"):
        _small(max_iter=1).fit(X, y)


def test_the_divergence_warning_names_the_epoch_that_failed():
    # One batch an epoch: epoch 1's loss is the initial weights' (sound), its step explodes,
    # and epoch 2's loss is the one that diverges.
    X, y = make_classification(n_samples=200, random_state=0)
    est = _small(n_hidden=50, max_iter=5, learning_rate_init=1e10)
    with pytest.warns(
        NonFiniteLossWarning, match=r"\) in epoch 2; training stopped and the initial"
    ):
        est.fit(X, y)


# -- PCA initialisation of wide data ------------------------------------------------------


@pytest.mark.parametrize("sparse", [False, True])
def test_wide_data_pca_finds_the_exact_principal_directions(monkeypatch, sparse):
    # Subspace iteration (used above EXACT_PCA_MAX_FEATURES features) must give the
    # weighted, implicitly centred directions the exact eigendecomposition gives.
    rng = np.random.RandomState(0)
    n_samples, n_features = 300, 40
    spread = np.r_[10.0, 7.0, 5.0, 3.0, np.full(n_features - 4, 0.1)]
    rotation = np.linalg.qr(rng.standard_normal((n_features, n_features)))[0]
    X = (rng.standard_normal((n_samples, n_features)) * spread) @ rotation + 5.0
    X = sp.csr_matrix(X) if sparse else X
    weights = rng.uniform(0.2, 3.0, n_samples)
    exact = _init.initial_components(X, weights, 4, "pca", np.random.RandomState(1))
    monkeypatch.setattr(_init, "EXACT_PCA_MAX_FEATURES", 0)
    wide = _init.initial_components(X, weights, 4, "pca", np.random.RandomState(1))
    np.testing.assert_allclose(wide, exact, rtol=1e-6, atol=1e-9)


def test_initialisation_uses_all_rows_or_a_sorted_subset_without_repeats():
    np.testing.assert_array_equal(_init.init_rows(300, np.random.RandomState(0)), np.arange(300))
    n_samples = _init.INIT_SAMPLE_SIZE + 1000
    rows = _init.init_rows(n_samples, np.random.RandomState(0))
    assert len(rows) == _init.INIT_SAMPLE_SIZE == len(np.unique(rows))
    assert np.all(np.diff(rows) > 0) and 0 <= rows[0] and rows[-1] < n_samples


# -- rolling back keeps Adam's state -------------------------------------------------------


def test_going_back_to_the_best_epoch_keeps_its_adam_state(small_digits):
    # Early stopping ends on the best epoch's weights and Adam state; the state kept for
    # a warm start must be that of the network's own parameters, taken at that epoch.
    X, y = small_digits
    est = quiet_fit(
        _small(max_iter=8, early_stopping=True, batch_size=1000, learning_rate_init=0.05), X, y
    )
    best_epoch = 1 + int(np.argmax(est.validation_scores_))  # one Adam step an epoch
    saved = est._history["optimizer_state"]
    assert len(saved) == 3  # head weights, head bias, V
    for state in saved:
        assert set(state) == {"step", "exp_avg", "exp_avg_sq"}
        assert state["step"] == best_epoch


# -- the fit's rules -----------------------------------------------------------------------


def test_effective_rank_counts_equal_directions_of_any_scale():
    assert _rules.effective_rank(np.array([3.0, 3.0, 3.0, 0.0, 0.0])) == pytest.approx(3.0)
    assert _rules.effective_rank(np.array([0.5, 0.0])) == pytest.approx(1.0)
    assert _rules.effective_rank(np.zeros(4)) == 0.0
    assert 1.0 < _rules.effective_rank(np.array([9.0, 1.0, 1.0])) < 3.0


def test_the_memory_guard_counts_the_weights_of_wide_data(monkeypatch):
    # V alone (100,000 features x rank 4 in float32: 1.6 MB) is more than the memory the
    # machine is said to have, so the fit is refused before anything is allocated.
    X = sp.random(20, 100_000, density=1e-3, format="csr", random_state=0)
    y = np.arange(20) % 2
    monkeypatch.setattr(_base, "_physical_memory", lambda: 1_000_000)
    with pytest.raises(ValueError, match="GiB for the weights"):
        HalfNetClassifier(n_hidden=10, rank=4, max_iter=1, precision="float32").fit(X, y)
