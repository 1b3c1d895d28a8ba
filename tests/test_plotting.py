"""SpectrumDisplay and RankCurveDisplay: what they draw, checked on the artists."""

import sys
import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skhalfnet import HalfNetClassifier, HalfNetTransformer
from skhalfnet.plotting import RankCurveDisplay, SpectrumDisplay

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

SETTINGS = {
    "n_hidden": 200,
    "rank": 4,
    "max_iter": 15,
    "learning_rate_init": 0.01,
    "random_state": 0,
    "n_jobs": 1,
}


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def _fit(estimator, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return estimator.fit(X, y)


@pytest.fixture(scope="module")
def fitted(small_digits):
    return _fit(HalfNetClassifier(**SETTINGS), *small_digits)


@pytest.fixture(scope="module")
def search(small_digits):
    grid = GridSearchCV(
        HalfNetClassifier(**SETTINGS),
        {"rank": [1, 2, 4], "alpha": [0.0, 1e-3]},
        cv=2,
    )
    return _fit(grid, *small_digits)


# -- SpectrumDisplay ------------------------------------------------------------------


def test_spectrum_line_and_labels():
    spectrum = np.array([4.0, 2.0, 1.0, 0.5])
    display = SpectrumDisplay(spectrum, effective_rank=2.5, estimator_name="net").plot()
    np.testing.assert_array_equal(display.line_.get_xdata(), [1, 2, 3, 4])
    np.testing.assert_array_equal(display.line_.get_ydata(), spectrum)
    assert display.ax_.get_yscale() == "log"
    assert display.ax_.get_xlabel() == "Index of the eigenvalue (decreasing order)"
    assert display.ax_.get_ylabel() == "Eigenvalue of Σ = V Vᵀ"
    np.testing.assert_array_equal(display.effective_rank_line_.get_xdata(), [2.5, 2.5])
    assert display.line_.get_label() == "net"
    legend = [text.get_text() for text in display.ax_.get_legend().get_texts()]
    assert legend == ["net", "effective rank = 2.50"]
    assert display.figure_ is display.ax_.figure
    assert display.cumulative_line_ is None and display.cumulative_ax_ is None


def test_spectrum_is_sorted_and_validated():
    display = SpectrumDisplay([1.0, 3.0, 2.0]).plot()
    np.testing.assert_array_equal(display.line_.get_ydata(), [3.0, 2.0, 1.0])
    assert display.effective_rank_line_ is None
    assert display.ax_.get_legend() is None
    for bad in ([], [[1.0, 2.0]], [1.0, -1.0], [1.0, np.nan]):
        with pytest.raises(ValueError, match="spectrum"):
            SpectrumDisplay(bad)
    with pytest.raises(ValueError, match="effective_rank"):
        SpectrumDisplay([1.0], effective_rank="2")


def test_spectrum_normalize_and_cumulative():
    spectrum = np.array([6.0, 3.0, 1.0])
    display = SpectrumDisplay(spectrum).plot(normalize=True, cumulative=True)
    np.testing.assert_allclose(display.line_.get_ydata(), [0.6, 0.3, 0.1])
    assert display.ax_.get_ylabel() == "Fraction of the trace of Σ"
    np.testing.assert_allclose(display.cumulative_line_.get_ydata(), [0.6, 0.9, 1.0])
    assert display.cumulative_line_.axes is display.cumulative_ax_
    assert display.cumulative_ax_ is not display.ax_
    assert display.cumulative_ax_.get_ylabel() == "Cumulative fraction of the trace"
    assert display.cumulative_ax_.get_yscale() == "linear"


def test_spectrum_from_estimator(fitted):
    display = SpectrumDisplay.from_estimator(fitted)
    np.testing.assert_allclose(display.line_.get_ydata(), fitted.spectrum_)
    np.testing.assert_array_equal(display.line_.get_xdata(), np.arange(1, fitted.rank_ + 1))
    marker = display.effective_rank_line_.get_xdata()
    np.testing.assert_allclose(marker, [fitted.effective_rank_] * 2)
    assert 1 <= fitted.effective_rank_ <= fitted.rank_
    assert display.line_.get_label() == "HalfNetClassifier"
    assert display.estimator_name == "HalfNetClassifier"
    normalized = SpectrumDisplay.from_estimator(fitted, normalize=True, name="mine")
    np.testing.assert_allclose(
        normalized.line_.get_ydata(), fitted.spectrum_ / fitted.spectrum_.sum(), rtol=1e-6
    )
    assert normalized.line_.get_label() == "mine"


def test_spectrum_uses_the_given_axes(fitted):
    fig, (left, right) = plt.subplots(1, 2)
    display = SpectrumDisplay.from_estimator(fitted, ax=right)
    assert display.ax_ is right and display.figure_ is fig
    assert display.line_ in right.lines and not left.lines
    assert display.effective_rank_line_ in right.lines


def test_spectrum_style_keywords(fitted):
    display = SpectrumDisplay.from_estimator(
        fitted, line_kw={"color": "red", "ls": ":"}, marker_kw={"c": "green"}
    )
    assert display.line_.get_color() == "red"
    assert display.line_.get_linestyle() == ":"
    assert display.effective_rank_line_.get_color() == "green"


def test_spectrum_from_pipeline(small_digits):
    X, y = small_digits
    pipe = _fit(
        make_pipeline(HalfNetTransformer(**SETTINGS), LogisticRegression(max_iter=200)), X, y
    )
    display = SpectrumDisplay.from_estimator(pipe)
    np.testing.assert_allclose(display.line_.get_ydata(), pipe[0].spectrum_)
    assert display.estimator_name == "HalfNetTransformer"


def test_spectrum_errors(fitted, small_digits):
    with pytest.raises(NotFittedError):
        SpectrumDisplay.from_estimator(HalfNetClassifier())
    with pytest.raises(NotFittedError):
        SpectrumDisplay.from_estimator(make_pipeline(StandardScaler(), HalfNetClassifier()))
    with pytest.raises(TypeError, match="spectrum_"):
        SpectrumDisplay.from_estimator(LogisticRegression().fit(*small_digits))
    with pytest.raises(TypeError, match="no step"):
        SpectrumDisplay.from_estimator(make_pipeline(StandardScaler(), LogisticRegression()))


# -- RankCurveDisplay -----------------------------------------------------------------


def test_rank_curve_line_band_and_labels():
    ranks, means, stds = [8, 2, 4], [0.95, 0.7, 0.9], [0.01, 0.05, 0.02]
    display = RankCurveDisplay(ranks, means, stds).plot()
    np.testing.assert_array_equal(display.line_.get_xdata(), [2, 4, 8])
    np.testing.assert_array_equal(display.line_.get_ydata(), [0.7, 0.9, 0.95])
    assert display.ax_.get_xscale() == "log"
    assert display.ax_.xaxis.get_transform().base == 2
    np.testing.assert_array_equal(display.ax_.get_xticks(), [2, 4, 8])
    assert display.ax_.get_xlabel() == "Rank k of Σ = V Vᵀ"
    assert display.ax_.get_ylabel() == "Mean test accuracy"
    vertices = display.fill_between_.get_paths()[0].vertices
    for rank, mean, std in [(2, 0.7, 0.05), (4, 0.9, 0.02), (8, 0.95, 0.01)]:
        at_rank = vertices[np.isclose(vertices[:, 0], rank), 1]
        np.testing.assert_allclose([at_rank.min(), at_rank.max()], [mean - std, mean + std])
    assert display.errorbar_ is None
    assert display.figure_ is display.ax_.figure


def test_rank_curve_without_std_or_with_errorbars():
    no_std = RankCurveDisplay([1, 2], [0.5, 0.6], score_name="R²").plot()
    assert no_std.fill_between_ is None and no_std.errorbar_ is None
    assert no_std.ax_.get_ylabel() == "Mean test R²"
    assert not no_std.ax_.collections
    bars = RankCurveDisplay([1, 2], [0.5, 0.6], [0.1, 0.2]).plot(std_display_style="errorbar")
    assert bars.line_ is None and bars.fill_between_ is None
    np.testing.assert_array_equal(bars.errorbar_.lines[0].get_ydata(), [0.5, 0.6])
    no_band = RankCurveDisplay([1, 2], [0.5, 0.6], [0.1, 0.2]).plot(std_display_style=None)
    assert no_band.fill_between_ is None and not no_band.ax_.collections
    with pytest.raises(ValueError, match="std_display_style"):
        RankCurveDisplay([1, 2], [0.5, 0.6]).plot(std_display_style="band")


def test_rank_curve_validation():
    with pytest.raises(ValueError, match="same length"):
        RankCurveDisplay([1, 2], [0.5])
    with pytest.raises(ValueError, match="positive"):
        RankCurveDisplay([0, 2], [0.5, 0.6])
    with pytest.raises(ValueError, match="std_scores"):
        RankCurveDisplay([1, 2], [0.5, 0.6], [0.1])


def test_rank_curve_uses_the_given_axes():
    fig, (left, right) = plt.subplots(1, 2)
    display = RankCurveDisplay([1, 2], [0.5, 0.6], [0.1, 0.1]).plot(ax=left)
    assert display.ax_ is left and display.figure_ is fig
    assert display.line_ in left.lines and not right.lines
    assert display.fill_between_ in left.collections


def test_rank_curve_from_cv_results_picks_the_best_row_per_rank():
    cv_results = {
        "param_halfnetclassifier__rank": np.ma.masked_array([4, 2, 4, 2], dtype=object),
        "param_halfnetclassifier__alpha": np.ma.masked_array([0.0, 0.0, 0.1, 0.1]),
        "mean_test_score": np.array([0.80, 0.60, 0.85, 0.55]),
        "std_test_score": np.array([0.01, 0.02, 0.03, 0.04]),
    }
    for param_name in (None, "halfnetclassifier__rank"):
        display = RankCurveDisplay.from_cv_results(cv_results, param_name=param_name)
        np.testing.assert_array_equal(display.line_.get_xdata(), [2, 4])
        np.testing.assert_array_equal(display.line_.get_ydata(), [0.60, 0.85])
        np.testing.assert_array_equal(display.std_scores, [0.02, 0.03])
    ax = plt.subplots()[1]
    display = RankCurveDisplay.from_cv_results(cv_results, ax=ax, score_name="balanced accuracy")
    assert display.ax_ is ax
    assert ax.get_ylabel() == "Mean test balanced accuracy"


def test_rank_curve_from_cv_results_errors_and_skipped_rows():
    no_rank = {"param_alpha": [0.0, 1.0], "mean_test_score": [0.5, 0.6]}
    with pytest.raises(ValueError, match="rank parameter"):
        RankCurveDisplay.from_cv_results(no_rank)
    with pytest.raises(ValueError, match="no parameter 'rank'"):
        RankCurveDisplay.from_cv_results(no_rank, param_name="rank")
    two_ranks = {"param_a__rank": [1], "param_b__rank": [2], "mean_test_score": [0.5]}
    with pytest.raises(ValueError, match="unique"):
        RankCurveDisplay.from_cv_results(two_ranks)
    with pytest.raises(ValueError, match="mean_test_f1"):
        RankCurveDisplay.from_cv_results({"param_rank": [1], "mean_test_score": [1]}, scoring="f1")
    # rows of a list of grids without the rank (masked), or with rank=None, are skipped
    mixed = {
        "param_rank": np.ma.masked_array([2, None, 8, 0], mask=[False, False, False, True]),
        "mean_test_score": np.array([0.5, 0.9, 0.7, 0.99]),
        "std_test_score": np.zeros(4),
    }
    with pytest.warns(UserWarning, match="2 rows"):
        display = RankCurveDisplay.from_cv_results(mixed)
    np.testing.assert_array_equal(display.line_.get_xdata(), [2, 8])
    with pytest.raises(ValueError, match="positive integer"):
        RankCurveDisplay.from_cv_results({"param_rank": [None], "mean_test_score": [0.5]})


def test_rank_curve_from_fitted_grid_search(search):
    display = RankCurveDisplay.from_estimator(search)
    results = search.cv_results_
    ranks = np.asarray(results["param_rank"], dtype=int)
    for rank, mean, std in zip(
        display.line_.get_xdata(), display.line_.get_ydata(), display.std_scores, strict=True
    ):
        rows = np.flatnonzero(ranks == rank)
        best = rows[np.argmax(results["mean_test_score"][rows])]
        assert mean == results["mean_test_score"][best]
        assert std == results["std_test_score"][best]
    np.testing.assert_array_equal(display.line_.get_xdata(), [1, 2, 4])
    assert display.fill_between_ is not None
    assert display.ax_.get_ylabel() == "Mean test accuracy"


def test_rank_curve_from_multimetric_search(small_digits):
    grid = GridSearchCV(
        HalfNetClassifier(**{**SETTINGS, "max_iter": 3}),
        {"rank": [1, 2]},
        cv=2,
        scoring=["accuracy", "neg_log_loss"],
        refit="neg_log_loss",
    )
    grid = _fit(grid, *small_digits)
    display = RankCurveDisplay.from_estimator(grid)
    np.testing.assert_allclose(
        display.line_.get_ydata(), grid.cv_results_["mean_test_neg_log_loss"]
    )
    assert display.ax_.get_ylabel() == "Mean test negative log loss"
    accuracy = RankCurveDisplay.from_estimator(grid, scoring="accuracy")
    np.testing.assert_allclose(accuracy.line_.get_ydata(), grid.cv_results_["mean_test_accuracy"])


def test_rank_curve_from_unfitted_search_is_an_error():
    with pytest.raises(NotFittedError):
        RankCurveDisplay.from_estimator(GridSearchCV(HalfNetClassifier(), {"rank": [1, 2]}))


def test_displays_need_matplotlib_only_to_draw(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    display = SpectrumDisplay([2.0, 1.0])  # building the data needs no matplotlib
    with pytest.raises(ImportError, match=r"SpectrumDisplay\.plot requires matplotlib"):
        display.plot()
    with pytest.raises(ImportError, match=r"RankCurveDisplay\.from_cv_results requires"):
        RankCurveDisplay.from_cv_results({"param_rank": [1], "mean_test_score": [0.5]})
