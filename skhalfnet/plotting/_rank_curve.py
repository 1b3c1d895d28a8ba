"""RankCurveDisplay: the cross-validated score against the rank, from a search."""

from __future__ import annotations

import numbers
import warnings
from typing import Any

import numpy as np
from sklearn.base import is_classifier
from sklearn.utils._optional_dependencies import check_matplotlib_support
from sklearn.utils._plotting import _validate_style_kwargs
from sklearn.utils.validation import check_is_fitted

from ._common import _get_axes


def _rank_parameter(cv_results: dict, param_name: str | None) -> str:
    """The ``param_*`` key of ``cv_results`` holding the rank."""
    params = sorted(key[len("param_") :] for key in cv_results if key.startswith("param_"))
    if param_name is None:
        candidates = [p for p in params if p == "rank" or p.endswith("__rank")]
        if len(candidates) != 1:
            raise ValueError(
                "Could not find a unique rank parameter in cv_results (a parameter named "
                f"'rank' or '<step>__rank'); its parameters are {params}. Pass param_name."
            )
        param_name = candidates[0]
    if f"param_{param_name}" not in cv_results:
        raise ValueError(
            f"cv_results has no parameter {param_name!r} (no key 'param_{param_name}'); "
            f"its parameters are {params}."
        )
    return param_name


def _score_keys(cv_results: dict, scoring: str | None) -> tuple[str, str | None]:
    """The keys of the mean and the std of the test score."""
    suffix = "score" if scoring is None else scoring
    mean_key, std_key = f"mean_test_{suffix}", f"std_test_{suffix}"
    if mean_key not in cv_results:
        available = sorted(k[len("mean_test_") :] for k in cv_results if k.startswith("mean_test_"))
        raise ValueError(
            f"cv_results has no key {mean_key!r}; the test scores it holds are {available}. "
            "With several metrics, pass scoring=<the metric's name>."
        )
    return mean_key, std_key if std_key in cv_results else None


def _score_name(scoring: Any) -> str:
    """A readable name for a scorer given as a string."""
    name = str(scoring)
    if name.startswith("neg_"):
        name = "negative " + name[4:]
    return name.replace("_", " ")


class RankCurveDisplay:
    """Mean cross-validated score against the rank ``k`` of the learned covariance.

    The ranks go on a base-2 logarithmic x axis, the mean test scores as a
    line, with a band (or error bars) of plus or minus one standard deviation
    across the folds.

    It is recommended to use :meth:`RankCurveDisplay.from_estimator` (a fitted
    grid search) or :meth:`RankCurveDisplay.from_cv_results` to create a
    display. All parameters are stored as attributes.

    Parameters
    ----------
    ranks : array-like of shape (n_ranks,)
        Positive ranks; stored, with the scores, sorted in increasing order.

    mean_scores : array-like of shape (n_ranks,)
        Mean test score at each rank.

    std_scores : array-like of shape (n_ranks,), default=None
        Standard deviation of the test score across folds; ``None`` draws no band.

    score_name : str, default="accuracy"
        Name of the score, used in the y label.

    Attributes
    ----------
    line_ : matplotlib Line2D
        The mean scores (None with ``std_display_style="errorbar"``).

    fill_between_ : matplotlib PolyCollection or None
        The ±std band (``std_display_style="fill_between"`` and ``std_scores`` given).

    errorbar_ : matplotlib ErrorbarContainer or None
        The error bars (``std_display_style="errorbar"``).

    ax_ : matplotlib Axes
        The axes drawn on.

    figure_ : matplotlib Figure
        The figure containing ``ax_``.

    See Also
    --------
    SpectrumDisplay : The eigenvalues of one fitted estimator's ``Σ``.
    sklearn.model_selection.ValidationCurveDisplay : Score against any parameter.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> from skhalfnet.plotting import RankCurveDisplay
    >>> cv_results = {
    ...     "param_rank": [2, 4, 8, 2, 4, 8],
    ...     "param_alpha": [0.0, 0.0, 0.0, 1e-3, 1e-3, 1e-3],
    ...     "mean_test_score": [0.71, 0.90, 0.95, 0.74, 0.89, 0.96],
    ...     "std_test_score": [0.02, 0.01, 0.01, 0.03, 0.01, 0.01],
    ... }
    >>> display = RankCurveDisplay.from_cv_results(cv_results)  # best over alpha per rank
    >>> display.line_.get_xdata().tolist(), display.line_.get_ydata().tolist()
    ([2, 4, 8], [0.74, 0.9, 0.96])
    >>> display.ax_.get_xscale()
    'log'
    >>> plt.close("all")
    """

    def __init__(
        self,
        ranks: Any,
        mean_scores: Any,
        std_scores: Any = None,
        *,
        score_name: str = "accuracy",
    ) -> None:
        ranks = np.asarray(ranks)
        mean_scores = np.asarray(mean_scores, dtype=np.float64)
        if ranks.ndim != 1 or ranks.size == 0 or mean_scores.shape != ranks.shape:
            raise ValueError(
                "ranks and mean_scores must be non-empty 1-d arrays of the same length; got "
                f"shapes {ranks.shape} and {mean_scores.shape}."
            )
        if not np.issubdtype(ranks.dtype, np.number) or np.any(ranks <= 0):
            raise ValueError(f"ranks must be positive numbers, got {ranks.tolist()}.")
        order = np.argsort(ranks, kind="stable")
        if std_scores is not None:
            std_scores = np.asarray(std_scores, dtype=np.float64)
            if std_scores.shape != ranks.shape:
                raise ValueError(
                    f"std_scores has shape {std_scores.shape}; expected {ranks.shape}."
                )
            std_scores = std_scores[order]
        self.ranks = ranks[order]
        self.mean_scores = mean_scores[order]
        self.std_scores = std_scores
        self.score_name = score_name

    def plot(
        self,
        ax: Any = None,
        *,
        std_display_style: str | None = "fill_between",
        line_kw: dict | None = None,
        fill_between_kw: dict | None = None,
        errorbar_kw: dict | None = None,
    ) -> RankCurveDisplay:
        """Draw the rank curve.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw on; ``None`` creates a new figure.

        std_display_style : {"fill_between", "errorbar"} or None, default="fill_between"
            How to show ±std: a shaded band, error bars, or not at all.
            Ignored (nothing shown) when ``std_scores`` is None.

        line_kw : dict, default=None
            Keywords passed to :meth:`matplotlib.axes.Axes.plot`.

        fill_between_kw : dict, default=None
            Keywords passed to :meth:`matplotlib.axes.Axes.fill_between`.

        errorbar_kw : dict, default=None
            Keywords passed to :meth:`matplotlib.axes.Axes.errorbar`.

        Returns
        -------
        display : RankCurveDisplay
            The display, with the drawn artists as attributes.
        """
        if std_display_style not in ("fill_between", "errorbar", None):
            raise ValueError(
                f"Unknown std_display_style: {std_display_style!r}; expected 'fill_between', "
                "'errorbar' or None."
            )
        ax = _get_axes(ax, f"{type(self).__name__}.plot")
        self.line_, self.fill_between_, self.errorbar_ = None, None, None
        if std_display_style == "errorbar" and self.std_scores is not None:
            errorbar_kw = _validate_style_kwargs({"marker": "o", "capsize": 3}, errorbar_kw or {})
            self.errorbar_ = ax.errorbar(
                self.ranks, self.mean_scores, yerr=self.std_scores, **errorbar_kw
            )
        else:
            line_kw = _validate_style_kwargs({"marker": "o"}, line_kw or {})
            (self.line_,) = ax.plot(self.ranks, self.mean_scores, **line_kw)
            if std_display_style == "fill_between" and self.std_scores is not None:
                fill_between_kw = _validate_style_kwargs({"alpha": 0.3}, fill_between_kw or {})
                self.fill_between_ = ax.fill_between(
                    self.ranks,
                    self.mean_scores - self.std_scores,
                    self.mean_scores + self.std_scores,
                    **fill_between_kw,
                )
        ax.set_xscale("log", base=2)
        ax.set_xticks(self.ranks, labels=[f"{r:g}" for r in self.ranks])
        ax.minorticks_off()
        ax.set_xlabel("Rank k of Σ = V Vᵀ")
        ax.set_ylabel(f"Mean test {self.score_name}")
        self.ax_ = ax
        self.figure_ = ax.figure
        return self

    @classmethod
    def from_cv_results(
        cls,
        cv_results: dict,
        *,
        param_name: str | None = None,
        scoring: str | None = None,
        score_name: str | None = None,
        ax: Any = None,
        std_display_style: str | None = "fill_between",
        line_kw: dict | None = None,
        fill_between_kw: dict | None = None,
        errorbar_kw: dict | None = None,
    ) -> RankCurveDisplay:
        """Plot the rank curve from the ``cv_results_`` of a parameter search.

        When the search varies other parameters too, each rank is shown at its
        best candidate: the row with the highest mean test score among those
        with that rank (the first such row on ties), with that row's std. Rows
        whose rank is not set (a masked entry, from a list of grids) or not a
        positive integer (``rank=None``) are skipped with a warning.

        Parameters
        ----------
        cv_results : dict
            ``cv_results_`` of :class:`~sklearn.model_selection.GridSearchCV`
            (or any dict with ``param_<param_name>`` and ``mean_test_*`` keys).

        param_name : str, default=None
            The rank parameter: ``"rank"``, or a pipeline-prefixed name such
            as ``"halfnetclassifier__rank"``. ``None`` finds the one parameter
            named ``rank`` or ending in ``__rank``.

        scoring : str, default=None
            With several metrics, the metric to plot (the ``<name>`` of
            ``mean_test_<name>``); ``None`` uses ``mean_test_score``.

        score_name : str, default=None
            Name for the y label; ``None`` uses ``scoring`` or ``"accuracy"``.

        ax : matplotlib Axes, default=None
            Axes to draw on; ``None`` creates a new figure.

        std_display_style, line_kw, fill_between_kw, errorbar_kw
            See :meth:`plot`.

        Returns
        -------
        display : RankCurveDisplay
            The display, plotted.

        Raises
        ------
        ValueError
            If ``cv_results`` has no rank parameter (or not the one named), or
            no such test score.
        """
        check_matplotlib_support(f"{cls.__name__}.from_cv_results")
        param_name = _rank_parameter(cv_results, param_name)
        mean_key, std_key = _score_keys(cv_results, scoring)
        values = cv_results[f"param_{param_name}"]
        mask = np.ma.getmaskarray(values) if np.ma.isMaskedArray(values) else None
        values = list(np.ma.getdata(values)) if mask is not None else list(values)
        means = np.asarray(cv_results[mean_key], dtype=np.float64)
        stds = None if std_key is None else np.asarray(cv_results[std_key], dtype=np.float64)

        best: dict[int, int] = {}
        skipped = 0
        for i, value in enumerate(values):
            valid = (
                (mask is None or not mask[i])
                and isinstance(value, numbers.Integral)
                and not isinstance(value, bool)
                and value > 0
            )
            if not valid:
                skipped += 1
                continue
            rank = int(value)
            if rank not in best or means[i] > means[best[rank]]:
                best[rank] = i
        if not best:
            raise ValueError(f"No row of cv_results has a positive integer {param_name!r}.")
        if skipped:
            warnings.warn(
                f"{skipped} rows of cv_results without an integer {param_name!r} were skipped.",
                UserWarning,
                stacklevel=2,
            )
        ranks = np.array(sorted(best))
        rows = np.array([best[r] for r in ranks])
        if score_name is None:
            score_name = "accuracy" if scoring is None else _score_name(scoring)
        display = cls(
            ranks,
            means[rows],
            None if stds is None else stds[rows],
            score_name=score_name,
        )
        return display.plot(
            ax,
            std_display_style=std_display_style,
            line_kw=line_kw,
            fill_between_kw=fill_between_kw,
            errorbar_kw=errorbar_kw,
        )

    @classmethod
    def from_estimator(
        cls,
        search: Any,
        *,
        param_name: str | None = None,
        scoring: str | None = None,
        score_name: str | None = None,
        ax: Any = None,
        std_display_style: str | None = "fill_between",
        line_kw: dict | None = None,
        fill_between_kw: dict | None = None,
        errorbar_kw: dict | None = None,
    ) -> RankCurveDisplay:
        """Plot the rank curve of a fitted parameter search.

        As :meth:`from_cv_results` on ``search.cv_results_`` (the best
        candidate per rank when other parameters vary too). With several
        metrics, ``scoring=None`` uses the metric named by ``search.refit``.

        Parameters
        ----------
        search : fitted GridSearchCV or RandomizedSearchCV
            A search over the rank of a HalfNet estimator (or of a pipeline step).

        param_name : str, default=None
            See :meth:`from_cv_results`.

        scoring : str, default=None
            See :meth:`from_cv_results`.

        score_name : str, default=None
            Name for the y label; ``None`` derives it from the search's
            scoring: its name, or ``"accuracy"`` (classifiers) / ``"R²"``
            (others) for the estimator's default ``score``.

        ax : matplotlib Axes, default=None
            Axes to draw on; ``None`` creates a new figure.

        std_display_style, line_kw, fill_between_kw, errorbar_kw
            See :meth:`plot`.

        Returns
        -------
        display : RankCurveDisplay
            The display, plotted.

        Raises
        ------
        sklearn.exceptions.NotFittedError
            If the search is not fitted.
        """
        check_matplotlib_support(f"{cls.__name__}.from_estimator")
        check_is_fitted(search, "cv_results_")
        search_scoring = getattr(search, "scoring", None)
        multimetric = getattr(search, "multimetric_", False)
        if scoring is None and multimetric and isinstance(search.refit, str):
            scoring = search.refit
        if score_name is None:
            if scoring is not None:
                score_name = _score_name(scoring)
            elif isinstance(search_scoring, str):
                score_name = _score_name(search_scoring)
            elif search_scoring is None:
                score_name = "accuracy" if is_classifier(search.estimator) else "R²"
            else:
                score_name = "score"
        return cls.from_cv_results(
            search.cv_results_,
            param_name=param_name,
            scoring=scoring,
            score_name=score_name,
            ax=ax,
            std_display_style=std_display_style,
            line_kw=line_kw,
            fill_between_kw=fill_between_kw,
            errorbar_kw=errorbar_kw,
        )
