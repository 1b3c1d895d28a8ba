"""Shared pieces of the kernels: input checks, inner products, angles and blocking.

Also the erf scale mixture that both the erf and the tanh kernels evaluate.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterator

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike, NDArray
from sklearn.utils import check_array
from sklearn.utils.extmath import row_norms, safe_sparse_dot

Matrix = ArrayLike | sp.spmatrix | sp.sparray
Kernel = NDArray[np.float64]

# Bound on the number of float64 elements of one temporary (r, c, n_nodes)
# block in the erf/tanh quadrature: 2**20 elements is 8 MiB.
_MAX_BLOCK_ELEMENTS = 2**20


def _check_bias_scale(bias_scale: float) -> float:
    """Return ``bias_scale`` as a float, or raise if it is not a finite number >= 0."""
    if isinstance(bias_scale, bool) or not isinstance(bias_scale, numbers.Real):
        raise ValueError(f"bias_scale must be a real number >= 0, got {bias_scale!r}.")
    value = float(bias_scale)
    if not np.isfinite(value) or value < 0:
        raise ValueError(f"bias_scale must be a finite number >= 0, got {bias_scale!r}.")
    return value


def _check_inputs(
    X: Matrix, Y: Matrix | None, components: ArrayLike | None
) -> tuple[Matrix, Matrix | None, NDArray[np.float64] | None]:
    """Validate X, Y (CSR or dense, float64) and components (dense ``(k, d)``)."""
    X = check_array(X, accept_sparse="csr", dtype=np.float64)
    n_features = X.shape[1]
    if Y is not None:
        Y = check_array(Y, accept_sparse="csr", dtype=np.float64)
        if Y.shape[1] != n_features:
            raise ValueError(
                f"X and Y must have the same number of features; X has {n_features} "
                f"and Y has {Y.shape[1]}."
            )
    if components is not None:
        components = check_array(components, dtype=np.float64, input_name="components")
        if components.shape[1] != n_features:
            raise ValueError(
                f"components has shape {components.shape}; its second dimension must be "
                f"n_features={n_features} (components is (rank, n_features))."
            )
    return X, Y, components


def _scaled_projection(X: Matrix, components: NDArray[np.float64] | None) -> Matrix:
    """``U = X Cᵀ / sqrt(k)``; ``X / sqrt(d)`` (still sparse if X is) when C is None."""
    if components is None:
        return X * (1.0 / np.sqrt(X.shape[1]))
    k = components.shape[0]
    return np.asarray(safe_sparse_dot(X, components.T, dense_output=True)) / np.sqrt(k)


def _inner_products(
    X: Matrix, Y: Matrix | None, components: NDArray[np.float64] | None
) -> tuple[Kernel, Kernel, Kernel]:
    """Gram matrix ``uᵀu'`` and squared norms ``‖u‖²``, ``‖u'‖²`` of the projections.

    When ``Y`` is None the Gram matrix is exactly symmetric and its diagonal
    equals the squared norms.
    """
    U = _scaled_projection(X, components)
    sq_x = row_norms(U, squared=True)
    if Y is None:
        gram = np.asarray(safe_sparse_dot(U, U.T, dense_output=True), dtype=np.float64)
        gram = (gram + gram.T) / 2
        np.fill_diagonal(gram, sq_x)
        return gram, sq_x, sq_x
    V = _scaled_projection(Y, components)
    gram = np.asarray(safe_sparse_dot(U, V.T, dense_output=True), dtype=np.float64)
    return gram, sq_x, row_norms(V, squared=True)


def _augment(
    gram: Kernel, sq_x: Kernel, sq_y: Kernel, bias_scale: float
) -> tuple[Kernel, Kernel, Kernel]:
    """Inner products of ``ũ = [u, bias_scale]``: add ``bias_scale²`` to each."""
    b2 = bias_scale**2
    return gram + b2, sq_x + b2, sq_y + b2


def _augmented_inner_products(
    X: Matrix, Y: Matrix | None, components: ArrayLike | None, bias_scale: float
) -> tuple[Kernel, Kernel, Kernel]:
    """Validate everything and return the augmented ``ũᵀũ'``, ``‖ũ‖²``, ``‖ũ'‖²``."""
    bias_scale = _check_bias_scale(bias_scale)
    X, Y, components = _check_inputs(X, Y, components)
    return _augment(*_inner_products(X, Y, components), bias_scale)


def _norms_and_cosines(
    gram: Kernel, sq_x: Kernel, sq_y: Kernel, symmetric: bool
) -> tuple[Kernel, Kernel, Kernel]:
    """Norms and the cosine of the angle, clipped to [-1, 1].

    The cosine is 0 where either vector is zero (any value would do: every
    kernel using it is multiplied by the norms or masked there). With
    ``symmetric`` the diagonal cosine of nonzero rows is exactly 1.
    """
    norm_x, norm_y = np.sqrt(sq_x), np.sqrt(sq_y)
    inv_x = np.divide(1.0, norm_x, out=np.zeros_like(norm_x), where=norm_x > 0)
    inv_y = np.divide(1.0, norm_y, out=np.zeros_like(norm_y), where=norm_y > 0)
    cosine = np.clip(gram * inv_x[:, None] * inv_y[None, :], -1.0, 1.0)
    if symmetric:
        np.fill_diagonal(cosine, (norm_x > 0).astype(np.float64))
    return norm_x, norm_y, cosine


def _angles(
    X: Matrix, Y: Matrix | None, components: ArrayLike | None, bias_scale: float
) -> tuple[Kernel, Kernel, Kernel, Kernel]:
    """Norms of ``ũ``, ``ũ'``, and ``cos θ``, ``θ`` between them."""
    gram, sq_x, sq_y = _augmented_inner_products(X, Y, components, bias_scale)
    norm_x, norm_y, cosine = _norms_and_cosines(gram, sq_x, sq_y, symmetric=Y is None)
    return norm_x, norm_y, cosine, np.arccos(cosine)


def _blocks(n_rows: int, n_cols: int, depth: int) -> Iterator[tuple[slice, slice]]:
    """Row/column slices tiling ``(n_rows, n_cols)`` so a block times ``depth``
    holds at most ``max(_MAX_BLOCK_ELEMENTS, depth)`` elements."""
    cols = min(n_cols, max(1, _MAX_BLOCK_ELEMENTS // depth))
    rows = min(n_rows, max(1, _MAX_BLOCK_ELEMENTS // (cols * depth)))
    for i in range(0, n_rows, rows):
        for j in range(0, n_cols, cols):
            yield slice(i, i + rows), slice(j, j + cols)


def _erf_mixture(
    gram: Kernel,
    sq_x: Kernel,
    sq_y: Kernel,
    scales: NDArray[np.float64],
    weights: NDArray[np.float64],
) -> Kernel:
    """``Σ_ij w_i w_j (2/π) arcsin(ũᵀũ' / sqrt((s_i + ‖ũ‖²)(s_j + ‖ũ'‖²)))``.

    This is ``E[T(a) T(a')]`` for the activation
    ``T(t) = Σ_i w_i erf(t / sqrt(2 s_i))`` (each term is the classic
    ``E[erf(β a) erf(β' a')]`` formula), hence a genuine positive
    semi-definite kernel. The ``(rows, cols, len(scales))`` temporaries are
    processed in blocks of bounded size.
    """
    p_x = 1.0 / np.sqrt(scales[None, :] + sq_x[:, None])  # (n, q), scales > 0
    p_y = 1.0 / np.sqrt(scales[None, :] + sq_y[:, None])  # (m, q)
    out = np.empty_like(gram)
    for rows, cols in _blocks(*gram.shape, depth=scales.size):
        g = gram[rows, cols][:, :, None]
        py = p_y[cols][None, :, :]
        block = np.zeros(g.shape[:2])
        for i, w_i in enumerate(weights):
            arg = np.clip(g * p_x[rows, i][:, None, None] * py, -1.0, 1.0)
            block += w_i * (np.arcsin(arg) @ weights)
        out[rows, cols] = block
    return out * (2.0 / np.pi)


def _symmetrize(K: Kernel, symmetric: bool) -> Kernel:
    """Average with the transpose when the kernel of X with itself was asked for."""
    return (K + K.T) / 2 if symmetric else K
