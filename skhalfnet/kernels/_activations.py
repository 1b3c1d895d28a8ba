"""The closed-form kernels: relu and step (arc-cosine), erf, and cos (Gaussian).

Their convention is the one in the docstring of :mod:`skhalfnet.kernels`, which the
"module docstring" of the docstrings below refers to.
"""

from __future__ import annotations

import warnings

import numpy as np
from numpy.typing import ArrayLike

from ._common import KernelMatrix, Matrix
from ._geometry import _erf_mixture, _Pairs, _pairs, _squared_distances


def relu_kernel(
    X: Matrix,
    Y: Matrix | None = None,
    *,
    components: ArrayLike | None = None,
    bias_scale: float = 1.0,
) -> KernelMatrix:
    """Infinite-width kernel of HalfNet's ReLU features (arc-cosine, order 1).

    ``K(x, x') = ‖ũ‖ ‖ũ'‖ (sin θ + (π − θ) cos θ) / (2π)`` with
    ``ũ = [Cx / sqrt(k), bias_scale]`` and ``θ`` the angle between ``ũ`` and
    ``ũ'``; this is ``E[max(0, a) max(0, a')]`` (see the module docstring).

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples_X, n_features)
        Input rows.
    Y : {array-like, sparse matrix} of shape (n_samples_Y, n_features), default=None
        Second set of rows; None means ``Y = X``.
    components : array-like of shape (rank, n_features), default=None
        ``C = Vᵀ``; None means the identity covariance (``C = I``, ``rank = n_features``).
    bias_scale : float, default=1.0
        Standard deviation of the Gaussian hidden bias, >= 0.

    Returns
    -------
    K : ndarray of shape (n_samples_X, n_samples_Y), dtype float64
        The kernel matrix.

    Examples
    --------
    >>> import numpy as np
    >>> from skhalfnet.kernels import relu_kernel
    >>> X = np.array([[1.0, 0.0], [0.0, 1.0]])
    >>> K = relu_kernel(X, bias_scale=0.0)
    >>> print(np.round(K, 4))  # diagonal ‖u‖²/2 = 1/4, off-diagonal 1/(4π)
    [[0.25   0.0796]
     [0.0796 0.25  ]]
    """
    return _relu(_pairs(X, Y, components, bias_scale))


def step_kernel(
    X: Matrix,
    Y: Matrix | None = None,
    *,
    components: ArrayLike | None = None,
    bias_scale: float = 1.0,
) -> KernelMatrix:
    """Infinite-width kernel of Heaviside-step features (arc-cosine, order 0).

    ``K(x, x') = (π − θ) / (2π) = E[1[a > 0] 1[a' > 0]]``, with ``θ`` the angle
    between the augmented projections ``ũ`` and ``ũ'`` (see the module
    docstring). A row with ``ũ = 0`` gives 0 (``a = 0`` is not positive).

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples_X, n_features)
        Input rows.
    Y : {array-like, sparse matrix} of shape (n_samples_Y, n_features), default=None
        Second set of rows; None means ``Y = X``.
    components : array-like of shape (rank, n_features), default=None
        ``C = Vᵀ``; None means the identity covariance.
    bias_scale : float, default=1.0
        Standard deviation of the Gaussian hidden bias, >= 0.

    Returns
    -------
    K : ndarray of shape (n_samples_X, n_samples_Y), dtype float64
        The kernel matrix, with entries in ``[0, 1/2]``.

    Examples
    --------
    >>> import numpy as np
    >>> from skhalfnet.kernels import step_kernel
    >>> X = np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0]])
    >>> print(np.round(step_kernel(X, bias_scale=0.0), 4))
    [[0.5  0.25 0.  ]
     [0.25 0.5  0.25]
     [0.   0.25 0.5 ]]
    """
    return _step(_pairs(X, Y, components, bias_scale))


def erf_kernel(
    X: Matrix,
    Y: Matrix | None = None,
    *,
    components: ArrayLike | None = None,
    bias_scale: float = 1.0,
) -> KernelMatrix:
    """Infinite-width kernel of HalfNet's erf features.

    ``K(x, x') = (2/π) arcsin(2 ũᵀũ' / sqrt((1 + 2‖ũ‖²)(1 + 2‖ũ'‖²)))``
    ``= E[erf(a) erf(a')]`` with ``ũ`` the augmented projection (see the
    module docstring).

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples_X, n_features)
        Input rows.
    Y : {array-like, sparse matrix} of shape (n_samples_Y, n_features), default=None
        Second set of rows; None means ``Y = X``.
    components : array-like of shape (rank, n_features), default=None
        ``C = Vᵀ``; None means the identity covariance.
    bias_scale : float, default=1.0
        Standard deviation of the Gaussian hidden bias, >= 0.

    Returns
    -------
    K : ndarray of shape (n_samples_X, n_samples_Y), dtype float64
        The kernel matrix.

    Examples
    --------
    >>> import numpy as np
    >>> from skhalfnet.kernels import erf_kernel
    >>> X = np.array([[1.0, 0.0]])  # ũ = [1/√2, 0, 1], ‖ũ‖² = 3/2
    >>> K = erf_kernel(X)
    >>> bool(np.isclose(K[0, 0], 2 / np.pi * np.arcsin(3 / 4)))
    True
    """
    return _erf(_pairs(X, Y, components, bias_scale))


def cos_kernel(
    X: Matrix,
    Y: Matrix | None = None,
    *,
    components: ArrayLike | None = None,
) -> KernelMatrix:
    """Infinite-width kernel of HalfNet's cos features: Gaussian in the learned metric.

    With features ``sqrt(2) cos(zᵀu + b) / sqrt(H)`` and ``b ~ Uniform[0, 2π]``
    (random Fourier features), ``K(x, x') = exp(−‖u − u'‖² / 2)`` with
    ``u = Cx / sqrt(k)``. There is no bias augmentation.

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples_X, n_features)
        Input rows.
    Y : {array-like, sparse matrix} of shape (n_samples_Y, n_features), default=None
        Second set of rows; None means ``Y = X``.
    components : array-like of shape (rank, n_features), default=None
        ``C = Vᵀ``; None means the identity covariance, i.e.
        ``exp(−‖x − x'‖² / (2 n_features))``.

    Returns
    -------
    K : ndarray of shape (n_samples_X, n_samples_Y), dtype float64
        The kernel matrix, with entries in ``(0, 1]``.

    Examples
    --------
    >>> import numpy as np
    >>> from skhalfnet.kernels import cos_kernel
    >>> X = np.array([[0.0, 0.0], [2.0, 0.0]])
    >>> K = cos_kernel(X)  # ‖u − u'‖² = 4 / 2 = 2
    >>> bool(np.isclose(K[0, 1], np.exp(-1.0)))
    True
    """
    return _cos(_pairs(X, Y, components, None))


# The formulas, from the geometry of the pairs (see ._geometry). Each is exactly
# symmetric when the pairs are (the erf mixture symmetrizes itself), and works
# on the (n, 1) pairs of a diagonal as on the (n, m) pairs of a matrix.


def _relu(pairs: _Pairs) -> KernelMatrix:
    """``‖ũ‖ ‖ũ'‖ (sin θ + (π − θ) cos θ) / (2π)``; inf only beyond float64's range."""
    cosine = pairs.cosine
    sine = np.sqrt((1 - cosine) * (1 + cosine))  # 0 at θ = π, where sin(arccos(-1)) is not
    shape = sine + (np.pi - np.arccos(cosine)) * cosine
    mantissa = pairs.norm_x * pairs.norm_y * shape / (2 * np.pi)
    with np.errstate(over="ignore"):
        K = np.ldexp(mantissa, pairs.exp_x + pairs.exp_y)
    if np.isinf(K).any():
        warnings.warn(
            "Some relu kernel values exceed the float64 range (about 1.8e308) and are inf: "
            "the projected rows are too large (norms of about 1e154 or more). Rescale X.",
            RuntimeWarning,
            stacklevel=3,
        )
    return K


def _step(pairs: _Pairs) -> KernelMatrix:
    """``(π − θ) / (2π)``, and 0 for a zero ``ũ``."""
    nonzero = (pairs.norm_x > 0) & (pairs.norm_y > 0)
    return np.where(nonzero, (np.pi - np.arccos(pairs.cosine)) / (2 * np.pi), 0.0)


def _erf(pairs: _Pairs) -> KernelMatrix:
    """``(2/π) arcsin(2 ũᵀũ' / sqrt((1 + 2‖ũ‖²)(1 + 2‖ũ'‖²)))``."""
    return _erf_mixture(pairs, np.array([0.5]), np.array([1.0]))


def _cos(pairs: _Pairs) -> KernelMatrix:
    """``exp(−‖u − u'‖² / 2)``."""
    return np.exp(-_squared_distances(pairs) / 2)
