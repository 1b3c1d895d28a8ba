"""Helpers shared by the displays: the axes to draw on, the fitted HalfNet step."""

from __future__ import annotations

from typing import Any

from sklearn.pipeline import Pipeline
from sklearn.utils._optional_dependencies import check_matplotlib_support
from sklearn.utils.validation import check_is_fitted


def _get_axes(ax: Any, caller: str) -> Any:
    """Return ``ax``, or the axes of a new figure when ``ax`` is None."""
    check_matplotlib_support(caller)
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots()
    return ax


def _has_spectrum(estimator: Any) -> bool:
    """Whether ``estimator`` is (or, once fitted, will be) a HalfNet-like estimator."""
    return hasattr(estimator, "spectrum_") or hasattr(type(estimator), "get_mahalanobis_matrix")


def _halfnet_step(estimator: Any) -> Any:
    """The fitted object holding ``spectrum_``: the estimator, or a step of a Pipeline.

    Raises :class:`~sklearn.exceptions.NotFittedError` when it is not fitted,
    and TypeError when there is no HalfNet-like estimator at all.
    """
    if isinstance(estimator, Pipeline):
        steps = [step for _, step in estimator.steps if _has_spectrum(step)]
        if not steps:
            raise TypeError("The pipeline has no step with a spectrum_ (no HalfNet estimator).")
        estimator = steps[-1]
    elif not _has_spectrum(estimator):
        raise TypeError(
            f"{type(estimator).__name__} has no spectrum_; expected a HalfNet estimator."
        )
    check_is_fitted(estimator, "spectrum_")
    return estimator
