"""halfnet_kernel, the dispatch by activation, the KERNELS table it uses, and the diagonal."""

from __future__ import annotations

from collections.abc import Callable

from numpy.typing import ArrayLike

from ._activations import _cos, _erf, _relu, _step, cos_kernel, erf_kernel, relu_kernel, step_kernel
from ._common import KernelMatrix, Matrix, _check_bias_scale
from ._geometry import _pairs
from ._tanh import _tanh, tanh_kernel

KERNELS: dict[str, Callable[..., KernelMatrix]] = {
    "relu": relu_kernel,
    "step": step_kernel,
    "erf": erf_kernel,
    "tanh": tanh_kernel,
    "cos": cos_kernel,
}

_FORMULAS = {"relu": _relu, "step": _step, "erf": _erf, "tanh": _tanh, "cos": _cos}


def _check_activation_and_bias_scale(activation: str, bias_scale: float) -> float:
    if activation not in KERNELS:
        raise ValueError(f"Unknown activation {activation!r}; expected one of {sorted(KERNELS)}.")
    return _check_bias_scale(bias_scale)


def halfnet_kernel(
    X: Matrix,
    Y: Matrix | None = None,
    *,
    activation: str = "relu",
    components: ArrayLike | None = None,
    bias_scale: float = 1.0,
) -> KernelMatrix:
    """Infinite-width kernel of a HalfNet layer with the given activation.

    Dispatches to the kernels in :data:`KERNELS`. ``bias_scale`` must be a
    valid value (finite, >= 0) for every activation but is ignored for
    ``"cos"``, whose bias is uniform on ``[0, 2π]``; ``"tanh"`` uses the
    default quadrature of :func:`tanh_kernel`.

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples_X, n_features)
        Input rows.
    Y : {array-like, sparse matrix} of shape (n_samples_Y, n_features), default=None
        Second set of rows; None means ``Y = X``.
    activation : {"relu", "step", "erf", "tanh", "cos"}, default="relu"
        The hidden activation (``"step"`` is the Heaviside step, kernel only).
    components : {array-like, sparse matrix} of shape (rank, n_features), default=None
        ``C = Vᵀ``; None, or the sparse identity that a fitted identity model
        has as ``components_``, means the identity covariance.
    bias_scale : float, default=1.0
        Standard deviation of the Gaussian hidden bias, >= 0.

    Returns
    -------
    K : ndarray of shape (n_samples_X, n_samples_Y), dtype float64
        The kernel matrix.

    Examples
    --------
    >>> import numpy as np
    >>> from skhalfnet.kernels import halfnet_kernel, relu_kernel
    >>> rng = np.random.default_rng(0)
    >>> X, C = rng.normal(size=(4, 5)), rng.normal(size=(3, 5))
    >>> K = halfnet_kernel(X, activation="relu", components=C)
    >>> K.shape
    (4, 4)
    >>> bool(np.array_equal(K, relu_kernel(X, components=C)))
    True
    """
    bias_scale = _check_activation_and_bias_scale(activation, bias_scale)
    if activation == "cos":
        return cos_kernel(X, Y, components=components)
    return KERNELS[activation](X, Y, components=components, bias_scale=bias_scale)


def _halfnet_kernel_diagonal(
    X: Matrix,
    *,
    activation: str = "relu",
    components: ArrayLike | None = None,
    bias_scale: float = 1.0,
) -> KernelMatrix:
    """``np.diag(halfnet_kernel(X, ...))`` in O(n_samples) memory and time.

    Each row is paired with itself only; the values are those of the full
    matrix's diagonal (the same formulas on the same norms, with ``cos θ = 1``).
    """
    bias_scale = _check_activation_and_bias_scale(activation, bias_scale)
    augmentation = None if activation == "cos" else bias_scale
    pairs = _pairs(X, None, components, augmentation, diagonal=True)
    return _FORMULAS[activation](pairs)[:, 0]
