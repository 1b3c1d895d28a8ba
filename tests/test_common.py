"""Behaviour shared by the three estimators: training, attributes, dtypes, devices, errors."""

import pickle
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
import torch
from sklearn.base import clone

from skhalfnet import (
    HalfNetClassifier,
    HalfNetRegressor,
    HalfNetTransformer,
    NonFiniteLossWarning,
    RankCappedWarning,
    _base,
    _training,
)

ESTIMATORS = [HalfNetClassifier, HalfNetRegressor, HalfNetTransformer]


def quiet_fit(estimator, X, y, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=UserWarning)
        return estimator.fit(X, y, **kwargs)


def output_of(estimator, X):
    if isinstance(estimator, HalfNetClassifier):
        return estimator.predict_proba(X)
    if isinstance(estimator, HalfNetRegressor):
        return estimator.predict(X)
    return estimator.transform(X)


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_fitted_attributes(Estimator, small_digits, fast):
    X, y = small_digits
    est = quiet_fit(Estimator(**fast), X, y)
    d, k, H = X.shape[1], fast["rank"], fast["n_hidden"]
    assert est.n_features_in_ == d and est.rank_ == k
    assert est.components_.shape == (k, d)
    assert est.random_weights_.shape == (H, k) and est.hidden_bias_.shape == (H,)
    sigma = est.get_mahalanobis_matrix()
    np.testing.assert_allclose(sigma, est.components_.T @ est.components_, rtol=1e-6)
    eigenvalues = np.sort(np.linalg.eigvalsh(sigma.astype(np.float64)))[::-1][:k]
    np.testing.assert_allclose(est.spectrum_, eigenvalues, rtol=1e-3, atol=1e-4)
    assert np.all(np.diff(est.spectrum_) <= 0)
    n_outputs = est.head_coef_.shape[1]
    assert est.n_trainable_params_ == d * k + H * n_outputs + n_outputs
    assert len(est.loss_curve_) == est.n_iter_ == fast["max_iter"]
    assert est.validation_scores_ is None and est.best_validation_score_ is None


def test_loss_decreases_and_v_is_learned(small_digits, fast):
    X, y = small_digits
    est = quiet_fit(HalfNetClassifier(**fast), X, y)
    assert est.loss_curve_[-1] < 0.5 * est.loss_curve_[0]
    initial = quiet_fit(HalfNetClassifier(**{**fast, "max_iter": 1}), X, y).components_
    assert not np.allclose(initial, est.components_, atol=1e-3)


def test_identity_covariance_trains_only_the_head(small_digits, fast):
    X, y = small_digits
    est = quiet_fit(HalfNetClassifier(**{**fast, "covariance": "identity"}), X, y)
    d = X.shape[1]
    assert sp.issparse(est.components_) and est.rank_ == d
    np.testing.assert_array_equal(est.get_mahalanobis_matrix(), np.eye(d))
    assert est.random_weights_.shape == (fast["n_hidden"], d)
    assert est.n_trainable_params_ == est.head_coef_.size + est.head_intercept_.size
    held_out = quiet_fit(HalfNetClassifier(**{**fast, "covariance": "identity"}), X[:300], y[:300])
    assert held_out.score(X[300:], y[300:]) > 0.75  # five classes: chance is 0.2


@pytest.mark.parametrize("activation", ["relu", "cos", "erf", "tanh"])
def test_every_activation_learns(activation, small_digits, fast):
    X, y = small_digits
    # The mean over three draws: one draw of 200 hidden units varies by a few points.
    scores = [
        quiet_fit(
            HalfNetClassifier(**{**fast, "random_state": seed}, activation=activation),
            X[:300],
            y[:300],
        ).score(X[300:], y[300:])
        for seed in range(3)
    ]
    assert np.mean(scores) > 0.8  # held-out rows; chance is 0.2 (the means are near 0.86)


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_same_random_state_same_result_and_no_global_seeding(Estimator, small_digits, fast):
    X, y = small_digits
    torch_state, numpy_state = torch.random.get_rng_state(), np.random.get_state()
    first = output_of(quiet_fit(Estimator(**fast), X, y), X)
    assert torch.equal(torch.random.get_rng_state(), torch_state)
    assert np.random.get_state()[1].tolist() == numpy_state[1].tolist()
    second = output_of(quiet_fit(Estimator(**fast), X, y), X)
    np.testing.assert_array_equal(first, second)
    other = output_of(quiet_fit(Estimator(**{**fast, "random_state": 1}), X, y), X)
    assert not np.allclose(first, other)


def test_float32_end_to_end_without_copying_x(small_digits, fast, monkeypatch):
    X, y = small_digits
    assert X.dtype == np.float32
    seen = {}
    original = _training.fit_arrays

    def spy(state, X_seen, *args, **kwargs):
        seen["X"] = X_seen
        return original(state, X_seen, *args, **kwargs)

    monkeypatch.setattr(_training, "fit_arrays", spy)
    est = quiet_fit(HalfNetClassifier(**fast), X, y)
    assert seen["X"] is X  # validated in place: no copy, no float64 upcast
    for name in ("components_", "random_weights_", "hidden_bias_", "head_coef_"):
        assert getattr(est, name).dtype == np.float32, name
    assert est.predict_proba(X).dtype == np.float32


def test_float64_input_trains_at_the_fast_precision_unless_asked(small_digits, fast):
    X, y = small_digits
    X64 = X.astype(np.float64)
    est = quiet_fit(HalfNetClassifier(**fast), X64, y)
    assert est.head_coef_.dtype == np.float32
    # Outputs follow the input's dtype, as scikit-learn's estimators do.
    assert est.predict_proba(X64).dtype == np.float64
    assert est.predict_proba(X).dtype == np.float32
    exact = quiet_fit(HalfNetClassifier(**fast, precision="float64"), X, y)
    assert exact.head_coef_.dtype == np.float64
    assert exact.predict_proba(X).dtype == np.float32  # float32 X is cast batch by batch


def test_sparse_input_is_used_sparsely(small_digits, fast, monkeypatch):
    X, y = small_digits
    X64 = X.astype(np.float64)
    X64[np.abs(X64) < 0.5] = 0.0
    dense = quiet_fit(HalfNetClassifier(**fast, init="random", precision="float64"), X64, y)

    def refuse(*args, **kwargs):
        raise AssertionError("sparse X was densified")

    monkeypatch.setattr(sp.csr_matrix, "toarray", refuse)
    monkeypatch.setattr(sp.csr_matrix, "todense", refuse)
    sparse = quiet_fit(
        HalfNetClassifier(**fast, init="random", precision="float64"), sp.csr_matrix(X64), y
    )
    np.testing.assert_allclose(
        sparse.predict_proba(sp.csr_matrix(X64)), dense.predict_proba(X64), rtol=1e-6, atol=1e-8
    )


def test_pickle_and_cuda_fitted_model_predicts_on_cpu(small_digits, fast, monkeypatch):
    X, y = small_digits
    est = quiet_fit(HalfNetClassifier(**fast), X, y)
    expected = est.predict_proba(X)
    restored = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(restored.predict_proba(X), expected)
    # A model trained with device="cuda" keeps numpy weights; on a machine
    # without CUDA it predicts on the CPU.
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    restored.set_params(device="cuda")
    np.testing.assert_array_equal(restored.predict_proba(X), expected)
    with pytest.raises(ValueError, match="no CUDA device"):
        clone(restored).fit(X, y)


def test_threads_are_set_for_fit_and_restored(small_digits, fast, monkeypatch):
    X, y = small_digits
    seen = []
    original = _training.train

    def spy(*args, **kwargs):
        seen.append(torch.get_num_threads())
        return original(*args, **kwargs)

    monkeypatch.setattr(_training, "train", spy)
    before = torch.get_num_threads()
    try:
        torch.set_num_threads(3)  # differs from the suite's 1 and from n_jobs
        quiet_fit(HalfNetClassifier(**fast, n_jobs=2), X, y)
        assert seen == [2] and torch.get_num_threads() == 3
    finally:
        torch.set_num_threads(before)


def test_thread_limit_from_joblib_workers(monkeypatch):
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    assert _base.effective_threads(None) == 1
    assert _base.effective_threads(3) == 3
    monkeypatch.delenv("OMP_NUM_THREADS")
    assert _base.effective_threads(None) == torch.get_num_threads()
    from joblib import cpu_count

    assert _base.effective_threads(-1) == cpu_count()
    assert _base.effective_threads(-2) == max(1, cpu_count() - 1)
    assert _base.effective_threads(-10_000) == 1


def test_verbose_reports_each_epoch(small_digits, fast, capsys):
    X, y = small_digits
    quiet_fit(HalfNetClassifier(**{**fast, "max_iter": 3}, verbose=1), X, y)
    lines = [line for line in capsys.readouterr().out.splitlines() if "loss" in line]
    assert len(lines) == 3 and lines[0].startswith("Iteration 1, loss = ")
    quiet_fit(HalfNetClassifier(**{**fast, "max_iter": 2}, verbose=1, early_stopping=True), X, y)
    assert "validation score" in capsys.readouterr().out


def test_tol_stops_training(small_digits, fast):
    X, y = small_digits
    params = {**fast, "max_iter": 100, "tol": 1e9, "n_iter_no_change": 2}
    est = HalfNetClassifier(**params, learning_rate="constant").fit(X, y)
    # Epoch 1 improves on +inf; epochs 2, 3, 4 do not, and 3 > n_iter_no_change stops.
    assert est.n_iter_ == 4
    # The cosine schedule is a budget: the training loss does not cut it short.
    assert HalfNetClassifier(**{**params, "max_iter": 6}).fit(X, y).n_iter_ == 6


def test_max_iter_reached_warns_at_the_callers_line(small_digits, fast):
    X, y = small_digits
    with pytest.warns(UserWarning, match="max_iter=15 was reached") as record:
        HalfNetClassifier(**fast, learning_rate="adaptive").fit(X, y)
    assert record[0].filename == __file__  # stacklevel points at this line, not at sklearn


def test_cosine_schedule_runs_its_budget_without_a_convergence_warning(small_digits, fast):
    X, y = small_digits
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        est = HalfNetClassifier(**fast, learning_rate="cosine").fit(X, y)
    assert est.n_iter_ == fast["max_iter"]


def test_early_stopping_restores_best_weights(small_digits, fast):
    X, y = small_digits
    est = quiet_fit(
        HalfNetClassifier(
            **{**fast, "max_iter": 12, "learning_rate_init": 0.3}, early_stopping=True
        ),
        X,
        y,
    )
    assert len(est.validation_scores_) == est.n_iter_
    assert est.best_validation_score_ == max(est.validation_scores_)
    # Rebuild the validation rows the way fit draws them and re-score.
    from sklearn.model_selection import train_test_split
    from sklearn.utils import check_random_state

    seeds = check_random_state(0).randint(np.iinfo(np.int32).max, size=4)
    _, rows = train_test_split(np.arange(len(y)), test_size=0.1, random_state=seeds[2], stratify=y)
    assert est.score(X[rows], y[rows]) == pytest.approx(est.best_validation_score_)


def test_warm_start_continues(small_digits, fast):
    X, y = small_digits
    est = quiet_fit(HalfNetClassifier(**{**fast, "max_iter": 5}, warm_start=True), X, y)
    first_curve = list(est.loss_curve_)
    quiet_fit(est, X, y)
    assert est.n_iter_ == 10 and est.loss_curve_[:5] == first_curve
    assert est.loss_curve_[5] < first_curve[0]  # no restart from the initial weights
    cold = quiet_fit(HalfNetClassifier(**{**fast, "max_iter": 5}), X, y)
    quiet_fit(cold, X, y)
    assert cold.n_iter_ == 5


def test_alpha_shrinks_the_weights(small_digits, fast):
    X, y = small_digits
    plain = quiet_fit(HalfNetClassifier(**fast), X, y)
    penalised = quiet_fit(HalfNetClassifier(**fast, alpha=1.0), X, y)
    assert np.linalg.norm(penalised.head_coef_) < 0.5 * np.linalg.norm(plain.head_coef_)


def test_shuffle_false_takes_the_rows_in_order(small_digits, fast, monkeypatch):
    X, y = small_digits
    seen = []
    original = _training._batch_inputs

    def spy(data, rows, device):
        seen.append(rows.cpu().numpy().copy())
        return original(data, rows, device)

    monkeypatch.setattr(_training, "_batch_inputs", spy)
    quiet_fit(HalfNetClassifier(**{**fast, "max_iter": 1}, shuffle=False, batch_size=50), X, y)
    np.testing.assert_array_equal(np.concatenate(seen), np.arange(len(y)))
    seen.clear()
    quiet_fit(HalfNetClassifier(**{**fast, "max_iter": 1}, shuffle=True, batch_size=50), X, y)
    order = np.concatenate(seen)
    assert sorted(order) == list(range(len(y))) and not np.array_equal(order, np.arange(len(y)))


def test_early_stopping_scores_the_validation_rows_with_their_weights(small_digits, fast):
    from sklearn.model_selection import train_test_split
    from sklearn.utils import check_random_state

    X, y = small_digits
    weights = np.where(y == 3, 20.0, 1.0)
    est = quiet_fit(
        HalfNetClassifier(**{**fast, "max_iter": 2, "n_hidden": 20}, early_stopping=True),
        X,
        y,
        sample_weight=weights,
    )
    seeds = check_random_state(0).randint(np.iinfo(np.int32).max, size=4)
    _, rows = train_test_split(np.arange(len(y)), test_size=0.1, random_state=seeds[2], stratify=y)
    weighted = est.score(X[rows], y[rows], sample_weight=weights[rows])
    assert est.best_validation_score_ == pytest.approx(weighted)  # best weights restored
    assert weighted != pytest.approx(est.score(X[rows], y[rows]))  # the weights matter here


def test_non_finite_loss_keeps_last_finite_weights(small_digits, fast, monkeypatch):
    X, y = small_digits
    original = _training.per_sample_loss
    calls = {"n": 0}
    n_batches = int(np.ceil(len(y) / 256))

    def poisoned(kind, outputs, targets):
        calls["n"] += 1
        loss = original(kind, outputs, targets)
        # The first call scores the zero output (the yardstick for divergence).
        return loss * float("nan") if calls["n"] > 1 + 3 * n_batches else loss

    monkeypatch.setattr(_training, "per_sample_loss", poisoned)
    with pytest.warns(NonFiniteLossWarning, match="non-finite"):
        est = HalfNetClassifier(**fast).fit(X, y)
    # Epoch 4 failed: the weights from the start of epoch 3, the last known to be
    # sound (the end of epoch 3 may already be broken), are kept.
    assert est.n_iter_ == 2
    assert all(np.all(np.isfinite(getattr(est, a))) for a in ("components_", "head_coef_"))
    assert np.all(np.isfinite(est.predict_proba(X)))


@pytest.mark.parametrize("Estimator", ESTIMATORS)
@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"n_hidden": 0}, "n_hidden"),
        ({"rank": 0}, "rank"),
        ({"batch_size": -1}, "batch_size"),
        ({"max_iter": 0}, "max_iter"),
        ({"activation": "sigmoid"}, "activation"),
        ({"device": "tpu"}, "device"),
        ({"covariance": "full"}, "covariance"),
    ],
)
def test_bad_parameters(Estimator, params, message, small_digits):
    X, y = small_digits
    with pytest.raises(ValueError, match=message):
        Estimator(**params).fit(X, y)


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_bad_input(Estimator, small_digits, fast):
    X, y = small_digits
    est = Estimator(**fast)
    with pytest.warns(RankCappedWarning, match="rank=4 is larger than the number of features"):
        assert Estimator(**fast).fit(X[:, :3], y).rank_ == 3
    bad = X.copy()
    bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        est.fit(bad, y)
    bad[0, 0] = np.inf
    with pytest.raises(ValueError, match="infinity"):
        est.fit(bad, y)
    with pytest.raises(ValueError, match="0 sample"):
        est.fit(X[:0], y[:0])
    y_bad = y.astype(float)
    y_bad[0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        est.fit(X, y_bad)
    quiet_fit(est, X, y)
    with pytest.raises(ValueError, match="expecting 64 features"):
        output_of(est, X[:, :10])


def test_adaptive_steps_shrink_on_plateaus(small_digits, fast, capsys):
    X, y = small_digits
    params = {**fast, "max_iter": 100, "tol": 1e9, "n_iter_no_change": 5, "verbose": 1}
    params["learning_rate"] = "adaptive"
    HalfNetClassifier(**params).fit(X, y)
    lines = capsys.readouterr().out.splitlines()
    divided = [line.split(",")[0] for line in lines if "steps divided by 5" in line]
    # no improvement from epoch 2 on: counts 2, 4 and 6 (epochs 3, 5, 7) divide the
    # steps, and the count of 6 > n_iter_no_change stops training at epoch 7
    assert divided == ["Iteration 3", "Iteration 5", "Iteration 7"]
    HalfNetClassifier(**{**params, "learning_rate": "constant"}).fit(X, y)
    assert "steps divided" not in capsys.readouterr().out


def test_joblib_process_workers_share_the_cores(monkeypatch):
    """Under GridSearchCV(n_jobs=2) each loky worker's fits get their share of the cores."""
    from joblib import Parallel, cpu_count, delayed
    from joblib.externals.loky import get_reusable_executor

    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    get_reusable_executor().shutdown(wait=True)  # new workers see the environment above
    threads = Parallel(n_jobs=2)(delayed(_base.effective_threads)(None) for _ in range(2))
    get_reusable_executor().shutdown(wait=True)
    assert threads == [max(1, cpu_count() // 2)] * 2


def test_warm_start_refuses_a_changed_architecture(small_digits, fast):
    X, y = small_digits
    est = quiet_fit(HalfNetClassifier(**fast, warm_start=True), X, y)
    est.set_params(n_hidden=fast["n_hidden"] + 1)
    with pytest.raises(ValueError, match="warm_start"):
        est.fit(X, y)


def test_predictions_use_the_fitted_layer_after_set_params(small_digits, fast):
    X, y = small_digits
    est = quiet_fit(HalfNetClassifier(**fast), X, y)
    proba, K = est.predict_proba(X[:20]), est.kernel(X[:20])
    est.set_params(activation="cos", bias_scale=3.0)
    np.testing.assert_array_equal(est.predict_proba(X[:20]), proba)
    np.testing.assert_array_equal(est.kernel(X[:20]), K)


def test_auto_budget_is_what_the_fit_runs(small_digits):
    X, y = small_digits  # 400 rows at batch 256: 2 steps an epoch, capped at 30 epochs
    est = quiet_fit(HalfNetClassifier(n_hidden=20, rank=2, random_state=0), X, y)
    assert est.n_iter_ == _base.resolved_epochs("auto", 400, 256) == 30
    assert _base.resolved_epochs(5, 400, 256) == 5
