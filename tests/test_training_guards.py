"""The training budget, the compute precision and the guards around a fit.

Each test names a behaviour of issues 16 and 17 that failed before it was fixed.
"""

import contextlib
import tracemalloc
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from skhalfnet import (
    HalfNetClassifier,
    HalfNetRegressor,
    NonFiniteLossWarning,
    RankCappedWarning,
    _base,
    _callbacks,
)
from skhalfnet._base import resolved_epochs


def quiet(estimator, X, y, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return estimator.fit(X, y, **kwargs)


# -- the training budget of max_iter="auto" (issue 16) ----------------------------------


@pytest.mark.parametrize(
    ("n_rows", "epochs"),
    # The table in the user guide (rank_and_width.md, "The training budget").
    [(100, 30), (1_000, 30), (10_000, 30), (20_000, 15), (60_000, 5), (100_000, 4), (10**6, 2)],
)
def test_auto_budget_follows_the_number_of_rows(n_rows, epochs):
    assert resolved_epochs("auto", n_rows, 256) == epochs
    assert resolved_epochs(7, n_rows, 256) == 7


@pytest.mark.parametrize(
    ("n_rows", "epochs"),
    # The regressors' column of the same table: up to twice the epochs on small data.
    [(100, 60), (1_000, 60), (5_000, 59), (10_000, 30), (20_000, 15), (60_000, 5)],
)
def test_regressors_auto_budget_allows_more_epochs(n_rows, epochs):
    assert resolved_epochs("auto", n_rows, 256, _base.AUTO_MAX_EPOCHS_REGRESSION) == epochs
    regressor = HalfNetRegressor()
    assert regressor._resolved_epochs(n_rows) == epochs
    assert HalfNetClassifier()._resolved_epochs(n_rows) == resolved_epochs("auto", n_rows, 256)


def test_auto_budget_is_a_step_count_in_whole_epochs():
    for n_rows in range(50, 400_000, 997):
        epochs = resolved_epochs("auto", n_rows, 256)
        steps = epochs * -(-n_rows // 256)
        assert _base.AUTO_MIN_EPOCHS <= epochs <= _base.AUTO_MAX_EPOCHS
        if _base.AUTO_MIN_EPOCHS < epochs < _base.AUTO_MAX_EPOCHS:
            assert _base.AUTO_STEPS <= steps < _base.AUTO_STEPS + -(-n_rows // 256)


def _noisy_table(seed):
    """330 training rows, 10 features, a target whose best R² is about 0.5 (tuning data)."""
    rng = np.random.RandomState(100 + seed)
    X = rng.randn(440, 10)
    w = rng.randn(10) * (rng.rand(10) < 0.6)
    f = X @ w + 0.5 * np.sin(2 * X[:, 0]) * np.abs(w).sum() / 3
    y = 150 + 60 * (f / f.std() + rng.randn(440))
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=seed)
    scaler = StandardScaler().fit(X_train)
    return scaler.transform(X_train), scaler.transform(X_test), y_train, y_test


def test_small_noisy_data_default_fit_does_not_memorise():
    # Before: 500 full-batch steps (250 epochs) here, test R² 0.1 below a ridge's.
    from sklearn.linear_model import Ridge

    gaps = []
    for seed in range(3):
        X_train, X_test, y_train, y_test = _noisy_table(seed)
        model = HalfNetRegressor(random_state=seed).fit(X_train, y_train)
        assert model.n_iter_ == _base.AUTO_MAX_EPOCHS_REGRESSION == 60
        ridge = Ridge().fit(X_train, y_train).score(X_test, y_test)
        gaps.append(ridge - model.score(X_test, y_test))
    assert np.mean(gaps) < 0.04


def test_the_convergence_warning_says_what_auto_came_to():
    X, y = make_classification(n_samples=300, random_state=0)
    est = HalfNetClassifier(n_hidden=30, rank=2, learning_rate="constant", tol=0.0)
    with pytest.warns(ConvergenceWarning, match=r"max_iter='auto' \(30 epochs for these data\)"):
        est.fit(X, y)


# -- rank above the number of features: capped, as rank=None is ---------------------------


def test_a_rank_grid_works_on_a_narrow_table():
    from sklearn.model_selection import GridSearchCV

    X, y = make_classification(
        n_samples=120, n_features=4, n_informative=3, n_redundant=0, random_state=0
    )
    grid = GridSearchCV(
        HalfNetClassifier(n_hidden=50, max_iter=5), {"rank": [2, 8]}, cv=2, error_score="raise"
    )
    with pytest.warns(RankCappedWarning, match="rank=8 is larger than the number of features"):
        grid.fit(X, y)
    assert np.all(np.isfinite(grid.cv_results_["mean_test_score"]))
    assert grid.best_estimator_.rank_ <= 4


# -- precision decides the arithmetic, not the input's dtype (issue 16) ------------------


def test_float64_from_a_scaler_trains_in_float32_and_matches_float32_input():
    X, y = make_classification(n_samples=300, random_state=0)
    X64 = StandardScaler().fit_transform(X)
    a = quiet(HalfNetClassifier(n_hidden=40, rank=4, max_iter=3, random_state=0), X64, y)
    b = quiet(
        HalfNetClassifier(n_hidden=40, rank=4, max_iter=3, random_state=0),
        X64.astype(np.float32),
        y,
    )
    assert a.head_coef_.dtype == np.float32
    np.testing.assert_array_equal(a.head_coef_, b.head_coef_)
    assert a.predict_proba(X64).dtype == np.float64


def test_float64_values_beyond_float32_range_train_in_float64():
    X, y = make_classification(n_samples=200, random_state=0)
    est = quiet(HalfNetClassifier(n_hidden=30, rank=2, max_iter=2, random_state=0), X * 1e200, y)
    assert est.head_coef_.dtype == np.float64
    assert est.score(X * 1e200, y) > 0.6


# -- 17.4: a fit commits or leaves the estimator exactly as it was ------------------------


def test_an_interrupt_after_training_leaves_the_old_model(monkeypatch):
    X, y = make_classification(n_samples=200, random_state=0)
    est = quiet(
        HalfNetClassifier(n_hidden=30, rank=2, max_iter=2, random_state=0, warm_start=True), X, y
    )
    before = dict(est.__dict__)

    def interrupted(self, history):
        raise KeyboardInterrupt

    monkeypatch.setattr(HalfNetClassifier, "_history_attributes", interrupted)
    with pytest.raises(KeyboardInterrupt):
        quiet(est, X, y)
    assert est.__dict__.keys() == before.keys()
    assert all(est.__dict__[key] is value for key, value in before.items())


def _lines_of(function):
    code = function.__code__
    return sorted({line for _, _, line in code.co_lines() if line is not None})


@pytest.mark.parametrize("call", ["fit", "partial_fit", "warm_start"])
def test_an_interrupt_at_any_line_of_fit_leaves_the_old_or_the_new_model(call):
    """KeyboardInterrupt raised before each line of ``_fit`` in turn (issue 22, defect 3)."""
    import sys

    from skhalfnet._base import BaseHalfNet

    X, y = make_classification(n_samples=120, random_state=0)
    params = dict(n_hidden=20, rank=2, max_iter=2, random_state=0)
    lines = _lines_of(BaseHalfNet._fit)
    code = BaseHalfNet._fit.__code__
    mixed = []
    for target in lines:
        est = HalfNetClassifier(**params, warm_start=call == "warm_start")
        if call != "fit":  # an estimator with a model already
            quiet(est, X[:60], y[:60]) if call == "warm_start" else est.partial_fit(
                X[:60], y[:60], classes=[0, 1]
            )
        before = dict(est.__dict__)

        def tracer(frame, event, arg, target=target):
            if frame.f_code is code:

                def local(frame, event, arg):
                    if event == "line" and frame.f_lineno == target:
                        raise KeyboardInterrupt
                    return local

                return local
            return None

        sys.settrace(tracer)
        try:
            if call == "partial_fit":
                est.partial_fit(X[60:], y[60:])
            else:
                quiet(est, X[60:], y[60:])
        except KeyboardInterrupt:
            pass
        finally:
            sys.settrace(None)
        unchanged = est.__dict__.keys() == before.keys() and all(
            est.__dict__[key] is value for key, value in before.items()
        )
        replaced = hasattr(est, "head_coef_") and est.head_coef_ is not before.get("head_coef_")
        committed = replaced and est.__dict__.keys() >= before.keys() and "_history" in est.__dict__
        if not (unchanged or committed):
            mixed.append(target - code.co_firstlineno)
    assert mixed == []


# -- 17.6: small dtypes and memory maps are converted a batch at a time --------------------


def test_a_uint8_memmap_is_not_converted_whole(tmp_path):
    rng = np.random.RandomState(0)
    n_rows, n_features = 20_000, 100
    X = np.lib.format.open_memmap(
        tmp_path / "X.npy", mode="w+", dtype=np.uint8, shape=(n_rows, n_features)
    )
    X[:] = rng.randint(0, 255, size=X.shape)
    X.flush()
    X = np.load(tmp_path / "X.npy", mmap_mode="r")
    y = (X[:, 0] > 127).astype(int)
    est = HalfNetClassifier(n_hidden=50, rank=4, max_iter=1, random_state=0)
    tracemalloc.start()
    quiet(est, X, y)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    as_float64 = n_rows * n_features * 8  # 16 MB: what validation used to allocate
    assert peak < as_float64 / 4
    assert est.score(X, y) > 0.9


# -- 17.7: divergence is detected, warned about, and the sound weights kept ----------------


def test_an_absurd_step_under_the_cosine_schedule_warns_and_keeps_sound_weights():
    X, y = make_classification(n_samples=600, random_state=0)
    est = HalfNetClassifier(
        n_hidden=50, rank=4, max_iter=5, learning_rate_init=1e10, random_state=0
    )
    with pytest.warns(NonFiniteLossWarning, match="diverged|non-finite"):
        est.fit(X, y)
    assert np.abs(est.decision_function(X)).max() < 1e3


def test_one_batch_an_epoch_goes_back_before_the_exploding_step():
    # One full batch: epoch 1's loss is that of the initial weights, whatever its step
    # did to them; the sound weights are the initial ones.
    X, y = make_classification(n_samples=200, random_state=0)
    est = HalfNetClassifier(
        n_hidden=50,
        rank=4,
        max_iter=5,
        learning_rate_init=1e10,
        learning_rate="constant",
        random_state=0,
    )
    with pytest.warns(NonFiniteLossWarning, match="initial weights were kept"):
        est.fit(X, y)
    assert est.n_iter_ == 0
    np.testing.assert_array_equal(est.head_coef_, 0.0)


# -- 17.8: refusals that tell the truth ----------------------------------------------------


def test_the_memory_guard_counts_the_rows_there_are():
    X, y = make_classification(n_samples=120, random_state=0)
    quiet(HalfNetClassifier(n_hidden=50, rank=2, max_iter=1, batch_size=10**9), X, y)
    with pytest.raises(ValueError, match=r"120 rows a batch .* batch buffers"):
        HalfNetClassifier(n_hidden=10**9, batch_size=10**9).fit(X, y)


# -- 17.10: a callback's copy of the model owns its arrays ----------------------------------


def test_callback_copies_do_not_share_the_models_arrays(monkeypatch):
    copies = []

    @contextlib.contextmanager
    def capture(estimator, **kwargs):
        def on_epoch(epoch, loss, fitted_attributes):
            copies.append(fitted_attributes())
            return False

        yield on_epoch

    monkeypatch.setattr(_callbacks, "fit_callbacks", capture)
    X, y = make_classification(n_samples=200, random_state=0)
    est = quiet(HalfNetClassifier(n_hidden=30, rank=2, max_iter=2, random_state=0), X, y)
    assert len(copies) == 2
    for copy in copies:
        for name in ("random_weights_", "hidden_bias_", "head_coef_", "components_"):
            assert not np.shares_memory(copy[name], getattr(est, name)), name


def test_sparse_input_under_auto_trains_in_float32():
    X, y = make_classification(n_samples=200, random_state=0)
    est = quiet(HalfNetClassifier(n_hidden=30, rank=2, max_iter=2), sp.csr_matrix(X), y)
    assert est.head_coef_.dtype == np.float32


def test_a_transient_spike_that_recovers_is_not_divergence():
    # scikit-learn's check_n_features_in data: uncentred inputs and a pure-noise target.
    # Adam's first full-batch steps overshoot (epoch losses up to ~100 times the zero
    # output's) and then settle at the mean; stopping there kept a model with R² -88.
    rng = np.random.RandomState(0)
    X, y = rng.normal(loc=100, size=(150, 2)), rng.normal(size=150)
    with warnings.catch_warnings():
        warnings.simplefilter("error", NonFiniteLossWarning)
        model = HalfNetRegressor(n_hidden=500, random_state=0).fit(X, y)
    assert model.n_iter_ == _base.AUTO_MAX_EPOCHS_REGRESSION  # ran the whole budget
    assert model.score(X, y) > -0.05


def test_predictions_compute_in_float64_only_for_float64_input(monkeypatch):
    from skhalfnet import _training

    X, y = make_classification(n_samples=200, random_state=0)
    est = quiet(HalfNetClassifier(n_hidden=30, rank=2, max_iter=2, random_state=0), X, y)
    seen, original = [], _training.predict_arrays

    def record(*args, dtype=None, **kwargs):
        seen.append(np.dtype(dtype))
        return original(*args, dtype=dtype, **kwargs)

    monkeypatch.setattr(_training, "predict_arrays", record)
    outputs = [
        est.decision_function(X.astype(dtype)) for dtype in (np.float64, np.float32, np.uint8)
    ]
    assert seen == [
        np.float64,
        np.float32,
        np.float32,
    ]  # batch-invariant float64; no upcast of ints
    assert [o.dtype for o in outputs] == [np.float64, np.float32, np.float64]
