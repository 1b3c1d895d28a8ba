"""Edges of the float32 arithmetic and of numpy views (issue 22, defects 1, 2, 7 and 9)."""

import warnings

import numpy as np
import pytest

from skhalfnet import HalfNetClassifier, HalfNetRegressor, HalfNetTransformer
from skhalfnet._rules import buffer_bytes, weight_bytes

FAST = {"n_hidden": 64, "rank": 2, "max_iter": 5, "random_state": 0, "covariance": "lowrank"}


def data(n=80, d=6, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.randn(n, d)
    y_class = (X[:, 0] + X[:, 1] > 0).astype(int)
    y_reg = X[:, 0] - 2 * X[:, 1] + 0.1 * rng.randn(n)
    return X, y_class, y_reg


def quiet(fit, *args):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fit(*args)


@pytest.mark.parametrize("Estimator", [HalfNetClassifier, HalfNetRegressor])
def test_tiny_float64_values_give_a_finite_model(Estimator):
    X, y_class, y_reg = data()
    y = y_class if Estimator is HalfNetClassifier else y_reg
    model = quiet(Estimator(**FAST).fit, X * 1e-300, y)
    assert np.isfinite(model.components_).all()
    assert np.isfinite(model.head_coef_).all()
    assert model.head_coef_.dtype == np.float64  # "auto" trains such data in float64
    outputs = model.predict_proba(X * 1e-300) if Estimator is HalfNetClassifier else None
    outputs = model.predict(X * 1e-300) if outputs is None else outputs
    assert np.isfinite(outputs).all()


def test_tiny_values_at_float32_are_a_clear_error():
    X, y, _ = data()
    with pytest.raises(ValueError, match="too small or too large"):
        quiet(HalfNetClassifier(**FAST, precision="float32").fit, X * 1e-300, y)


@pytest.mark.parametrize("multi_output", [False, True])
@pytest.mark.parametrize("precision", ["auto", "float32", "bfloat16"])
def test_regressor_predicts_float32_for_float32_input(precision, multi_output):
    X, _, y = data()
    X = X.astype(np.float32)
    y = np.column_stack([y, -y]).astype(np.float32) if multi_output else y.astype(np.float32)
    model = quiet(HalfNetRegressor(**FAST, precision=precision).fit, X, y)
    assert model.predict(X).dtype == np.float32
    assert model.predict(X.astype(np.float64)).dtype == np.float64


def test_every_output_method_keeps_float32():
    X, y, _ = data()
    X = X.astype(np.float32)
    classifier = quiet(HalfNetClassifier(**FAST).fit, X, y)
    for method in ("predict_proba", "predict_log_proba", "decision_function"):
        assert getattr(classifier, method)(X).dtype == np.float32, method
    for output in ("features", "projection"):
        transformer = quiet(HalfNetTransformer(**FAST, output=output).fit, X, y)
        assert transformer.transform(X).dtype == np.float32, output


@pytest.mark.parametrize(
    ("view", "rows"),
    [
        (lambda X: X[::-1], slice(None, None, -1)),
        (lambda X: X[:, ::-1], slice(None)),
        (np.flip, slice(None, None, -1)),
        (lambda X: X[::-2], slice(None, None, -2)),
    ],
    ids=["rows", "columns", "flip", "step"],
)
def test_views_with_negative_strides_work(view, rows):
    X, y, _ = data()
    V, yv = view(X), y[rows]
    assert any(s < 0 for s in V.strides)
    copy = np.ascontiguousarray(V)
    on_view = quiet(HalfNetClassifier(**FAST).fit, V, yv)
    on_copy = quiet(HalfNetClassifier(**FAST).fit, copy, yv)
    np.testing.assert_array_equal(on_view.predict_proba(V), on_copy.predict_proba(copy))
    transformer = quiet(HalfNetTransformer(**FAST).fit, V, yv)
    np.testing.assert_array_equal(transformer.transform(V), transformer.transform(copy))


def test_a_bias_scale_beyond_float32_is_a_clear_error():
    X, y, _ = data()
    with pytest.raises(ValueError, match="bias_scale"):
        HalfNetClassifier(**FAST, bias_scale=1e39).fit(X, y)
    # float64 weights hold it.
    quiet(HalfNetClassifier(**FAST, bias_scale=1e39, precision="float64").fit, X, y)


def test_the_memory_estimate_does_not_wrap_numpy_integers():
    n_hidden = np.int32(2**28)
    assert weight_bytes(n_hidden, np.int32(64), np.int32(784), np.int32(10), 4) > 2**28 * 64 * 4
    assert buffer_bytes(n_hidden, np.int32(256), 4) == 3 * 4 * 256 * 2**28
    X, y, _ = data()
    with pytest.raises(ValueError, match="GiB"):
        HalfNetClassifier(n_hidden=n_hidden, rank=2).fit(X, y)


@pytest.mark.parametrize("before, after", [("float32", "float64"), ("float64", "auto")])
@pytest.mark.parametrize("how", ["warm_start", "partial_fit"])
def test_a_changed_precision_converts_the_fitted_model(before, after, how):
    """Issue 22, defect 4: a refit trains in the precision set now, not the fitted one."""
    X, y, _ = data()
    expected = np.float64 if after == "float64" else np.float32
    est = HalfNetClassifier(n_hidden=30, rank=2, max_iter=3, random_state=0, precision=before)
    if how == "warm_start":
        quiet(est.fit, X, y)
        quiet(est.set_params(warm_start=True, precision=after).fit, X, y)
    else:
        est.partial_fit(X, y, classes=np.unique(y))
        est.set_params(precision=after).partial_fit(X, y)
    for name in ("head_coef_", "head_intercept_", "components_", "random_weights_"):
        assert getattr(est, name).dtype == expected, name
    moments = est._history["optimizer_state"][0]["exp_avg"]
    assert moments.dtype == expected
    assert est.n_iter_ == 6 if how == "warm_start" else 2
    assert est.score(X, y) > 0.7


def _warned_at(category, fit):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit()
    files = {w.filename for w in caught if issubclass(w.category, category)}
    assert files, f"no {category.__name__}"
    return files


def test_warnings_point_at_the_callers_line():
    """Issue 22, defect 10: not into sklearn/base.py or skhalfnet/_training.py."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.model_selection import GridSearchCV
    from sklearn.pipeline import make_pipeline

    from skhalfnet import NonFiniteLossWarning, RankCappedWarning

    X, y, _ = data()
    est = HalfNetClassifier(n_hidden=20, rank=10, max_iter=2, random_state=0)
    search = GridSearchCV(est, {"rank": [10]}, cv=2, error_score="raise")
    for category, fit in [
        (RankCappedWarning, lambda: est.fit(X, y)),
        (RankCappedWarning, lambda: make_pipeline(est).fit(X, y)),
        (RankCappedWarning, lambda: search.fit(X, y)),  # the line that called the search
        (ConvergenceWarning, lambda: est.set_params(learning_rate="adaptive").fit(X, y)),
        (NonFiniteLossWarning, lambda: HalfNetClassifier(learning_rate_init=1e30).fit(X, y)),
    ]:
        assert _warned_at(category, fit) == {__file__}, category
