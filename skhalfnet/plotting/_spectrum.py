"""SpectrumDisplay: the eigenvalues of the learned covariance and the effective rank."""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np
from sklearn.utils._optional_dependencies import check_matplotlib_support
from sklearn.utils._plotting import _validate_style_kwargs

from ._common import _get_axes, _halfnet_step


class SpectrumDisplay:
    """Eigenvalues of the learned covariance ``Σ = V Vᵀ`` against their index.

    The eigenvalues (``spectrum_`` of a fitted HalfNet estimator, the squared
    singular values of ``V``) are drawn in decreasing order against their
    1-based index on a logarithmic y axis, with a vertical line at the
    effective rank and, optionally, the cumulative fraction of the trace of
    ``Σ`` on a second y axis (right, linear from 0 to 1).

    It is recommended to use :meth:`SpectrumDisplay.from_estimator` to create
    a display. All parameters are stored as attributes.

    Parameters
    ----------
    spectrum : array-like of shape (n_eigenvalues,)
        Non-negative eigenvalues of ``Σ``. They are stored, and drawn, sorted
        in decreasing order.

    effective_rank : float, default=None
        Where to draw the effective-rank marker (on the index axis); ``None``
        draws none. HalfNet estimators expose it as ``effective_rank_``,
        ``exp(-Σ_i p_i log p_i)`` with ``p = spectrum / spectrum.sum()``.

    estimator_name : str, default=None
        Name of the estimator, used as the legend label of the eigenvalues.
        ``None`` draws no legend.

    Attributes
    ----------
    line_ : matplotlib Line2D
        The eigenvalues (or their fractions of the trace with ``normalize=True``).

    effective_rank_line_ : matplotlib Line2D or None
        The vertical line at ``effective_rank``, or None.

    cumulative_line_ : matplotlib Line2D or None
        The cumulative explained fraction, or None unless ``cumulative=True``.

    cumulative_ax_ : matplotlib Axes or None
        The twin axes (right y axis) holding ``cumulative_line_``, or None.

    ax_ : matplotlib Axes
        The axes of the eigenvalues.

    figure_ : matplotlib Figure
        The figure containing ``ax_``.

    See Also
    --------
    RankCurveDisplay : Cross-validated score against the rank.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> import warnings
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.exceptions import ConvergenceWarning
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skhalfnet import HalfNetClassifier
    >>> from skhalfnet.plotting import SpectrumDisplay
    >>> X, y = load_digits(return_X_y=True)
    >>> X = StandardScaler().fit_transform(X)
    >>> clf = HalfNetClassifier(n_hidden=300, rank=8, max_iter=20, n_jobs=1, random_state=0,
    ...                         covariance="lowrank")  # the learned spectrum
    >>> with warnings.catch_warnings():  # 20 epochs are few: silence the ConvergenceWarning
    ...     warnings.simplefilter("ignore", ConvergenceWarning)
    ...     clf = clf.fit(X[:500], y[:500])
    >>> display = SpectrumDisplay.from_estimator(clf, cumulative=True)
    >>> display.line_.get_ydata().shape
    (8,)
    >>> bool(display.effective_rank_line_.get_xdata()[0] == clf.effective_rank_)
    True
    >>> plt.close("all")
    """

    def __init__(
        self,
        spectrum: Any,
        *,
        effective_rank: float | None = None,
        estimator_name: str | None = None,
    ) -> None:
        spectrum = np.asarray(spectrum, dtype=np.float64)
        if spectrum.ndim != 1 or spectrum.size == 0:
            raise ValueError(
                f"spectrum must be a non-empty 1-d array, got an array of shape {spectrum.shape}."
            )
        if not np.all(np.isfinite(spectrum)) or np.any(spectrum < 0):
            raise ValueError("spectrum must contain finite, non-negative eigenvalues.")
        if effective_rank is not None:
            if isinstance(effective_rank, bool) or not isinstance(effective_rank, numbers.Real):
                raise ValueError(f"effective_rank must be a number, got {effective_rank!r}.")
            effective_rank = float(effective_rank)
        self.spectrum = np.sort(spectrum)[::-1]
        self.effective_rank = effective_rank
        self.estimator_name = estimator_name

    def plot(
        self,
        ax: Any = None,
        *,
        normalize: bool = False,
        cumulative: bool = False,
        name: str | None = None,
        line_kw: dict | None = None,
        marker_kw: dict | None = None,
        cumulative_kw: dict | None = None,
    ) -> SpectrumDisplay:
        """Draw the spectrum.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw on; ``None`` creates a new figure.

        normalize : bool, default=False
            Draw ``spectrum / spectrum.sum()`` (fractions of the trace of
            ``Σ``) instead of the eigenvalues.

        cumulative : bool, default=False
            Also draw the cumulative fraction of the trace on a twin y axis.

        name : str, default=None
            Legend label of the eigenvalues; ``None`` uses ``estimator_name``.

        line_kw : dict, default=None
            Keywords passed to :meth:`matplotlib.axes.Axes.plot` for the eigenvalues.

        marker_kw : dict, default=None
            Keywords passed to :meth:`matplotlib.axes.Axes.axvline` for the
            effective-rank marker.

        cumulative_kw : dict, default=None
            Keywords passed to :meth:`matplotlib.axes.Axes.plot` for the
            cumulative fraction.

        Returns
        -------
        display : SpectrumDisplay
            The display, with the drawn artists as attributes.
        """
        ax = _get_axes(ax, f"{type(self).__name__}.plot")
        name = self.estimator_name if name is None else name
        total = float(self.spectrum.sum())
        values = self.spectrum / total if normalize and total > 0 else self.spectrum
        index = np.arange(1, self.spectrum.size + 1)

        line_kw = _validate_style_kwargs(
            {"marker": "o", "markersize": 3, "label": name}, line_kw or {}
        )
        (self.line_,) = ax.plot(index, values, **line_kw)
        ax.set_yscale("log")
        ax.set_xlabel("Index of the eigenvalue (decreasing order)")
        ax.set_ylabel("Fraction of the trace of Σ" if normalize else "Eigenvalue of Σ = V Vᵀ")

        self.effective_rank_line_ = None
        if self.effective_rank is not None:
            marker_kw = _validate_style_kwargs(
                {
                    "color": "black",
                    "linestyle": "--",
                    "linewidth": 1,
                    "label": f"effective rank = {self.effective_rank:.2f}",
                },
                marker_kw or {},
            )
            self.effective_rank_line_ = ax.axvline(self.effective_rank, **marker_kw)

        self.cumulative_line_, self.cumulative_ax_ = None, None
        if cumulative:
            fraction = np.cumsum(self.spectrum) / total if total > 0 else np.zeros_like(index)
            self.cumulative_ax_ = ax.twinx()
            cumulative_kw = _validate_style_kwargs(
                {"color": "tab:orange", "label": "cumulative fraction"}, cumulative_kw or {}
            )
            (self.cumulative_line_,) = self.cumulative_ax_.plot(index, fraction, **cumulative_kw)
            self.cumulative_ax_.set_ylim(0, 1.05)
            self.cumulative_ax_.set_ylabel("Cumulative fraction of the trace")

        if name is not None or self.effective_rank is not None:
            handles, labels = ax.get_legend_handles_labels()
            if self.cumulative_ax_ is not None:
                more_handles, more_labels = self.cumulative_ax_.get_legend_handles_labels()
                handles, labels = handles + more_handles, labels + more_labels
            ax.legend(handles, labels, loc="center right")

        self.ax_ = ax
        self.figure_ = ax.figure
        return self

    @classmethod
    def from_estimator(
        cls,
        estimator: Any,
        *,
        ax: Any = None,
        normalize: bool = False,
        cumulative: bool = False,
        name: str | None = None,
        line_kw: dict | None = None,
        marker_kw: dict | None = None,
        cumulative_kw: dict | None = None,
    ) -> SpectrumDisplay:
        """Plot the spectrum of a fitted HalfNet estimator.

        Parameters
        ----------
        estimator : fitted HalfNet estimator or Pipeline
            A fitted :class:`~skhalfnet.HalfNetClassifier`,
            :class:`~skhalfnet.HalfNetRegressor` or
            :class:`~skhalfnet.HalfNetTransformer` (anything with ``spectrum_``
            and ``effective_rank_``), or a fitted Pipeline whose last such step
            is used.

        ax : matplotlib Axes, default=None
            Axes to draw on; ``None`` creates a new figure.

        normalize : bool, default=False
            Draw fractions of the trace of ``Σ`` instead of the eigenvalues.

        cumulative : bool, default=False
            Also draw the cumulative fraction of the trace on a twin y axis.

        name : str, default=None
            Legend label; ``None`` uses the estimator's class name.

        line_kw, marker_kw, cumulative_kw : dict, default=None
            Keywords for the eigenvalues, the effective-rank marker and the
            cumulative fraction (see :meth:`plot`).

        Returns
        -------
        display : SpectrumDisplay
            The display, plotted.

        Raises
        ------
        sklearn.exceptions.NotFittedError
            If the estimator is not fitted.
        """
        check_matplotlib_support(f"{cls.__name__}.from_estimator")
        fitted = _halfnet_step(estimator)
        display = cls(
            fitted.spectrum_,
            effective_rank=getattr(fitted, "effective_rank_", None),
            estimator_name=type(fitted).__name__ if name is None else name,
        )
        return display.plot(
            ax,
            normalize=normalize,
            cumulative=cumulative,
            line_kw=line_kw,
            marker_kw=marker_kw,
            cumulative_kw=cumulative_kw,
        )
