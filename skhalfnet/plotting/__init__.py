"""Displays of a fitted HalfNet's learned geometry, in scikit-learn's display style.

:class:`SpectrumDisplay` plots the eigenvalues of the learned covariance
``Σ = V Vᵀ`` (the estimators' ``spectrum_``) and marks the effective rank;
:class:`RankCurveDisplay` plots a cross-validated score against the rank ``k``
of ``Σ`` from a grid search.

As in :mod:`sklearn.metrics` and :mod:`sklearn.model_selection`, a display
holds the data, ``plot`` draws it and returns the display with ``ax_``,
``figure_`` and the drawn artists as attributes, and the ``from_*``
classmethods build a display from fitted objects and plot it. matplotlib is
imported only when something is drawn, so :mod:`skhalfnet` works without it.
"""

from ._rank_curve import RankCurveDisplay
from ._spectrum import SpectrumDisplay

__all__ = ["RankCurveDisplay", "SpectrumDisplay"]
