"""The regressor's target statistics at the edges (issue 22, defect 8).

Targets are standardised before training; these tests hold the statistics to
the edges the issue found: scales near float64's limits, streams whose first
chunk has no spread, chunks with nothing to learn, and warm-start refits on
shifted targets.
"""

import warnings

import numpy as np
import pytest
from sklearn.metrics import r2_score

from skhalfnet import HalfNetRegressor, _targets, _training
from skhalfnet._training import NonFiniteLossWarning

FAST = {"n_hidden": 200, "rank": 4, "random_state": 0, "covariance": "lowrank"}


def data(n=400, d=5, seed=0):
    """A smooth float64 regression problem with unit-scale targets."""
    rng = np.random.RandomState(seed)
    X = rng.randn(n, d)
    y = np.sin(X[:, 0]) + 0.5 * X[:, 1] * X[:, 2] + 0.1 * rng.randn(n)
    return X, (y - y.mean()) / y.std()


def quiet(fit, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fit(*args, **kwargs)


# -- the statistics themselves -------------------------------------------------------


@pytest.mark.parametrize("scale", [1e-170, 1e-20, 1.0, 1e20, 1e160, 1e300])
def test_weighted_stats_do_not_square_raw_targets(scale):
    _, y = data()
    targets = np.column_stack([y, 2 * y + 1]) * scale
    weights = np.random.RandomState(1).rand(len(y))
    mean, std, _ = _targets._weighted_stats(targets, weights)
    expected_mean = np.average(np.column_stack([y, 2 * y + 1]), axis=0, weights=weights)
    expected_std = np.sqrt(
        np.average(
            np.square(np.column_stack([y, 2 * y + 1]) - expected_mean), axis=0, weights=weights
        )
    )
    np.testing.assert_allclose(mean / scale, expected_mean, rtol=1e-12)
    np.testing.assert_allclose(std / scale, expected_std, rtol=1e-12)


@pytest.mark.parametrize("scale", [1e-170, 1.0, 1e160])
def test_merged_stats_are_those_of_the_concatenation(scale):
    _, y = data()
    targets = (y[:, None] + np.arange(2)) * scale
    weights = np.random.RandomState(1).rand(len(y))
    # Shift the second half so that the merge has a between-chunk term.
    targets[250:] += 3 * scale
    first = _targets._weighted_stats(targets[:250], weights[:250])
    second = _targets._weighted_stats(targets[250:], weights[250:])
    mean, std, total = _targets._merged_stats(first, second)
    # Each call scales its weights to a max of 1; the merge adds the scaled totals.
    merged_weights = np.concatenate(
        [weights[:250] / weights[:250].max(), weights[250:] / weights[250:].max()]
    )
    whole_mean, whole_std, whole_total = _targets._weighted_stats(targets, merged_weights)
    np.testing.assert_allclose(mean, whole_mean, rtol=1e-12)
    np.testing.assert_allclose(std, whole_std, rtol=1e-12)
    assert total == pytest.approx(whole_total)


# -- extreme scales ------------------------------------------------------------------


@pytest.mark.parametrize("scale", [1e160, 1e-170])
def test_extreme_target_scales_give_the_model_of_unit_targets(scale):
    """Standardisation makes the scale of y irrelevant, at float64's edges too."""
    X, y = data()
    unit = quiet(HalfNetRegressor(**FAST, max_iter=20).fit, X, y)
    scaled = quiet(HalfNetRegressor(**FAST, max_iter=20).fit, X, y * scale)
    predictions = scaled.predict(X)  # float64 X: float64 predictions
    assert np.isfinite(scaled._target_scale).all() and np.all(scaled._target_scale > 0)
    assert np.isfinite(predictions).all()
    assert np.ptp(predictions) > 0.5 * scale  # not a constant model
    # (R² in units of the scale: scikit-learn's r2_score squares the raw values)
    assert r2_score(y, predictions / scale) == pytest.approx(r2_score(y, unit.predict(X)), abs=0.02)


def test_a_stream_at_an_extreme_scale_merges_its_statistics():
    X, y = data()
    reg = HalfNetRegressor(**FAST)
    for start in range(0, len(y), 100):
        quiet(reg.partial_fit, X[start : start + 100], y[start : start + 100] * 1e160)
    assert np.isfinite(reg._target_scale).all()
    assert np.isfinite(reg.predict(X)).all()


# -- streams whose first chunk has no spread -----------------------------------------


def _stream_r2(first_X, first_y, epochs=15):
    X, y = data()
    y = 0.01 * y  # small-scale targets: a scale of 1.0 would be 100 times their spread
    reg = HalfNetRegressor(**FAST)
    with warnings.catch_warnings():
        warnings.simplefilter("error", NonFiniteLossWarning)
        reg.partial_fit(first_X, first_y)
        for _ in range(epochs):
            for start in range(0, len(y), 100):
                reg.partial_fit(X[start : start + 100], y[start : start + 100])
    return r2_score(y, reg.predict(X)), reg._target_scale[0] / np.std(y)


@pytest.mark.parametrize("first", ["one row", "zeros", "constant"])
def test_a_first_chunk_without_spread_does_not_pin_the_scale(first):
    X, y = data()
    with_spread, _ = _stream_r2(X[:100], 0.01 * y[:100])
    first_y = {
        "one row": 0.01 * y[:1],
        "zeros": np.zeros(100),
        "constant": np.full(100, 2.0**-6),  # (a mean without rounding: a spread of 0)
    }[first]
    without, scale = _stream_r2(X[: len(first_y)], first_y)
    # The scale follows the targets' spread (it was pinned at 1.0, 100 times it).
    assert 0.5 < scale < 2
    # (issue 22 measured R² -0.48 from one row and -1914 from zeros, against 0.943)
    assert with_spread > 0.8
    assert without > with_spread - 0.1


# -- chunks and refits with nothing to learn ------------------------------------------


def test_a_chunk_at_the_running_mean_is_not_thrown_away_as_diverged():
    X, y = data()
    reg = quiet(HalfNetRegressor(**FAST, max_iter=10).fit, X, y)
    n_iter = reg.n_iter_
    with warnings.catch_warnings():
        warnings.simplefilter("error", NonFiniteLossWarning)
        reg.partial_fit(X[:50], np.full(50, reg._target_stream["mean"][0]))
    assert reg.n_iter_ == n_iter + 1


def test_a_warm_start_refit_on_constant_targets_is_not_diverged():
    X, y = data()
    reg = quiet(HalfNetRegressor(**FAST, max_iter=10, warm_start=True).fit, X, y)
    spread = np.std(reg.predict(X))
    with warnings.catch_warnings():
        warnings.simplefilter("error", NonFiniteLossWarning)
        # (the cosine budget runs to its end: no ConvergenceWarning either)
        reg.fit(X, np.full(len(y), y.mean()))
    assert reg.n_iter_ == 20
    assert np.std(reg.predict(X)) < 0.5 * spread  # trained towards the constant


def test_the_divergence_yardstick_is_floored_on_the_standardised_scale():
    targets = np.zeros((10, 1))
    data_ = _training._Data(
        X=None,
        targets=_training._target_tensor(targets, "squared", _training.torch.float32, "cpu"),
        weights=_training.torch.ones(10),
        rows=_training.torch.arange(10),
        steps_per_epoch=1,
        total_steps=1,
    )
    assert _training.reference_loss(data_, "squared", 1) >= 0.5


# -- warm-start refits -----------------------------------------------------------------


@pytest.mark.parametrize("y_scale", [1.0, 0.01])
def test_a_warm_start_refit_on_shifted_targets_fits_like_a_fresh_fit(y_scale):
    X, y = data()
    y = y * y_scale
    fresh = quiet(HalfNetRegressor(**FAST).fit, X, y + 50).score(X, y + 50)
    warm = quiet(HalfNetRegressor(**FAST, warm_start=True).fit, X, y)
    quiet(warm.fit, X, y + 50)
    assert fresh > 0.8
    assert warm.score(X, y + 50) > fresh - 0.05


def test_a_warm_start_refit_standardises_with_its_own_data():
    X, y = data()
    warm = quiet(HalfNetRegressor(**FAST, max_iter=5, warm_start=True).fit, X, y)
    quiet(warm.fit, X, 3 * y + 50)
    fresh = quiet(HalfNetRegressor(**FAST, max_iter=5).fit, X, 3 * y + 50)
    np.testing.assert_allclose(warm._target_mean, fresh._target_mean)
    np.testing.assert_allclose(warm._target_scale, fresh._target_scale)


def test_a_stream_after_a_warm_refit_continues_the_refit_statistics():
    X, y = data()
    reg = quiet(HalfNetRegressor(**FAST, max_iter=5, warm_start=True).fit, X, y)
    quiet(reg.fit, X, y + 50)
    before = reg.predict(X)
    reg.partial_fit(X[:100], y[:100] + 50)
    # One chunk of the same data moves the predictions little (no re-standardisation jump).
    assert np.max(np.abs(reg.predict(X) - before)) < 1.0


def test_partial_fit_streams_whatever_warm_start_says():
    """warm_start only changes fit: partial_fit merges its targets into the running stats."""
    X, y = data()
    models = [HalfNetRegressor(**FAST, warm_start=warm) for warm in (False, True)]
    for reg in models:
        for start in range(0, len(y), 100):
            quiet(reg.partial_fit, X[start : start + 100], y[start : start + 100] + start / 100)
    cold, warm = models
    assert cold._target_stream["weight"] == pytest.approx(len(y))
    np.testing.assert_array_equal(warm._target_mean, cold._target_mean)
    np.testing.assert_array_equal(warm.predict(X), cold.predict(X))
