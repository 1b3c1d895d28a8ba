"""Scale-safe geometry of the projected rows: norms and cosines without overflow.

Every kernel depends on the rows only through the norms of ``v = ũ`` (or of
``v = u`` for cos) and the cosine of the angle between two of them. Squaring
a norm overflows float64 from about ``1e154`` on, so nothing here squares an
unscaled quantity: each row is stored as ``v = 2**exponent · mantissa · ê``
with ``ê`` a unit vector and ``mantissa`` of order one. Scaling by powers of
two is exact, so at ordinary scales the projection is bit for bit the one
computed without scaling.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray
from sklearn.utils.extmath import row_norms, safe_sparse_dot
from sklearn.utils.sparsefuncs import min_max_axis

from . import _common
from ._common import KernelMatrix, Matrix, _check_bias_scale, _check_inputs

# Exponent given to zero rows: far below any row's, and 2**_ZERO_EXPONENT is 0.
_ZERO_EXPONENT = -(2**20)

# The cos kernel recomputes ‖u − u'‖² from u − u' itself wherever the expansion
# ‖u‖² + ‖u'‖² − 2uᵀu' could put an error above this on the kernel value.
_DISTANCE_TOLERANCE = 1e-13


def _row_exponents(A: Matrix) -> NDArray[np.int64]:
    """Binary exponent ``e`` of each row's largest absolute entry (in ``[2**(e-1), 2**e)``).

    Zero rows get ``_ZERO_EXPONENT``.
    """
    if sp.issparse(A):
        low, high = min_max_axis(A, axis=1)
        largest = np.maximum(-low, high)
    else:
        largest = np.abs(A).max(axis=1, initial=0.0)
    exponents = np.frexp(largest)[1].astype(np.int64)
    return np.where(largest > 0, exponents, _ZERO_EXPONENT)


def _scale_rows(A: Matrix, exponents: NDArray[np.int64]) -> Matrix:
    """``diag(2**-exponents) A``, exactly, as a new array (sparse stays sparse)."""
    shifts = -np.maximum(exponents, -1100)  # zero rows: any finite shift
    if sp.issparse(A):
        A = A.copy()
        A.data = np.ldexp(A.data, np.repeat(shifts, np.diff(A.indptr)))
        return A
    return np.ldexp(A, shifts[:, None])


def _projected_rows(X: Matrix, components: NDArray[np.float64] | None):
    """``u = X Cᵀ / sqrt(k)`` as ``(W, E)`` with ``u_i = 2**E_i W_i`` and ``|W| <= 1``."""
    x_exponents = _row_exponents(X)
    X = _scale_rows(X, x_exponents)
    if components is None:
        return X * (1.0 / np.sqrt(X.shape[1])), x_exponents
    (c_exponent,) = _row_exponents(components.reshape(1, -1))
    c_exponent = 0 if c_exponent == _ZERO_EXPONENT else int(c_exponent)
    C = np.ldexp(components, -c_exponent)
    P = np.asarray(safe_sparse_dot(X, C.T, dense_output=True)) / np.sqrt(C.shape[0])
    p_exponents = _row_exponents(P)
    exponents = np.where(
        (x_exponents > _ZERO_EXPONENT) & (p_exponents > _ZERO_EXPONENT),
        x_exponents + c_exponent + p_exponents,
        _ZERO_EXPONENT,
    )
    return _scale_rows(P, p_exponents), exponents


@dataclass(frozen=True)
class _Rows:
    """Rows ``v_i = 2**exponent_i · mantissa_i · ê_i`` with ``ê_i = [factor_i W_i, bias_i]``.

    ``ê_i`` is a unit vector (zero for a zero row, where ``mantissa_i`` is 0);
    ``bias_i`` is its bias coordinate (0 without augmentation).
    """

    W: Matrix
    factor: NDArray[np.float64]
    bias: NDArray[np.float64]
    mantissa: NDArray[np.float64]
    exponent: NDArray[np.int64]


def _rows(X: Matrix, components: NDArray[np.float64] | None, bias_scale: float | None) -> _Rows:
    """The rows of ``ũ = [u, bias_scale]``, or of ``u`` when ``bias_scale`` is None."""
    W, exponent = _projected_rows(X, components)
    w_norm = row_norms(W)
    if bias_scale is None:
        bias_mantissa, bias_exponent = 0.0, _ZERO_EXPONENT
    else:
        bias_mantissa, bias_exponent = np.frexp(bias_scale)
        bias_exponent = int(bias_exponent) if bias_scale > 0 else _ZERO_EXPONENT
    common = np.maximum(exponent, bias_exponent)
    with np.errstate(under="ignore"):
        shrink = np.ldexp(1.0, np.maximum(exponent - common, -1100))
        bias = np.ldexp(bias_mantissa, np.maximum(bias_exponent - common, -1100))
    mantissa = np.hypot(shrink * w_norm, bias)
    nonzero = mantissa > 0
    factor = np.divide(shrink, mantissa, out=np.zeros_like(mantissa), where=nonzero)
    bias = np.divide(bias, mantissa, out=np.zeros_like(mantissa), where=nonzero)
    return _Rows(W, factor, bias, mantissa, np.where(nonzero, common, _ZERO_EXPONENT))


@dataclass(frozen=True)
class _Pairs:
    """What the kernels need of each pair: ``cosine`` of the angle, and both norms.

    ``‖v‖ = 2**exp_x · norm_x`` (and likewise for the other side), broadcast
    against ``cosine``: ``(n, 1)`` and ``(1, m)`` for a kernel matrix, ``(n, 1)``
    and ``(n, 1)`` for its diagonal. ``symmetric`` is True for the kernel of X
    with itself, whose cosines are exactly symmetric.
    """

    cosine: KernelMatrix
    norm_x: NDArray[np.float64]
    exp_x: NDArray[np.int64]
    norm_y: NDArray[np.float64]
    exp_y: NDArray[np.int64]
    symmetric: bool
    rows: tuple[_Rows, _Rows] | None = None  # both sides' rows; None for a diagonal


def _cosines(x: _Rows, y: _Rows | None) -> KernelMatrix:
    """``ê_iᵀ ê'_j`` clipped to [-1, 1]; exactly symmetric with unit diagonal if y is None."""
    other = x if y is None else y
    cosine = np.asarray(safe_sparse_dot(x.W, other.W.T, dense_output=True), dtype=np.float64)
    if y is None:
        cosine = (cosine + cosine.T) / 2
    cosine *= np.outer(x.factor, other.factor)
    cosine += np.outer(x.bias, other.bias)
    np.clip(cosine, -1.0, 1.0, out=cosine)
    if y is None:
        np.fill_diagonal(cosine, (x.mantissa > 0).astype(np.float64))
    return cosine


def _pairs(
    X: Matrix,
    Y: Matrix | None,
    components,
    bias_scale: float | None,
    *,
    diagonal: bool = False,
) -> _Pairs:
    """Validate the inputs and return the geometry of every pair (or of each row with itself).

    ``bias_scale=None`` means no augmentation (the cos kernel); with
    ``diagonal=True``, ``Y`` must be None and each row is paired with itself only.
    """
    if bias_scale is not None:
        bias_scale = _check_bias_scale(bias_scale)
    X, Y, components = _check_inputs(X, Y, components)
    x = _rows(X, components, bias_scale)
    if diagonal:
        column = x.mantissa[:, None]
        cosine = (column > 0).astype(np.float64)
        return _Pairs(cosine, column, x.exponent[:, None], column, x.exponent[:, None], False)
    y = None if Y is None else _rows(Y, components, bias_scale)
    other = x if y is None else y
    return _Pairs(
        _cosines(x, y),
        x.mantissa[:, None],
        x.exponent[:, None],
        other.mantissa[None, :],
        other.exponent[None, :],
        Y is None,
        (x, other),
    )


def _erf_ratios(
    norm: NDArray[np.float64], exponent: NDArray[np.int64], scales: NDArray[np.float64]
) -> NDArray[np.float64]:
    """``‖ũ‖ / sqrt(s + ‖ũ‖²)`` for each scale ``s`` (last axis), without squaring ``‖ũ‖``."""
    with np.errstate(over="ignore"):
        root = np.ldexp(np.sqrt(scales), -np.maximum(exponent[..., None], -1100))
    return norm[..., None] / np.hypot(root, norm[..., None])


def _erf_mixture(
    pairs: _Pairs, scales: NDArray[np.float64], weights: NDArray[np.float64]
) -> KernelMatrix:
    """``Σ_ij w_i w_j (2/π) arcsin(ũᵀũ' / sqrt((s_i + ‖ũ‖²)(s_j + ‖ũ'‖²)))``.

    This is ``E[T(a) T(a')]`` for the activation
    ``T(t) = Σ_i w_i erf(t / sqrt(2 s_i))`` (each term is the classic
    ``E[erf(β a) erf(β' a')]`` formula), hence a genuine positive
    semi-definite kernel. The arcsine's argument is evaluated as
    ``cos θ · ρ_i(‖ũ‖) · ρ_j(‖ũ'‖)`` with ``ρ_i(r) = r / sqrt(s_i + r²)``. The
    ``(rows, cols, len(scales))`` temporaries are processed in blocks of
    bounded size.
    """
    shape = (*pairs.cosine.shape, scales.size)
    rho_x = np.broadcast_to(_erf_ratios(pairs.norm_x, pairs.exp_x, scales), shape)
    rho_y = np.broadcast_to(_erf_ratios(pairs.norm_y, pairs.exp_y, scales), shape)
    out = np.empty_like(pairs.cosine)
    for rows, cols in _common._blocks(*pairs.cosine.shape, depth=scales.size):
        cosine = pairs.cosine[rows, cols][:, :, None]
        rx, ry = rho_x[rows, cols], rho_y[rows, cols]
        block = np.zeros(cosine.shape[:2])
        for i, w_i in enumerate(weights):
            arg = np.clip(cosine * rx[:, :, i : i + 1] * ry, -1.0, 1.0)
            block += w_i * (np.arcsin(arg) @ weights)
        out[rows, cols] = block
    out *= 2.0 / np.pi
    return (out + out.T) / 2 if pairs.symmetric else out


def _squared_distances(pairs: _Pairs) -> KernelMatrix:
    """``‖u − u'‖²`` of the (unaugmented) rows of the pairs, ``inf`` beyond float64.

    The expansion ``(‖u‖ − ‖u'‖)² + 2‖u‖‖u'‖(1 − cos θ)`` is taken at the scale of
    the largest row. Its rounding error grows with ``‖u‖ ‖u'‖`` (for identical
    rows of norm ``1e8`` it is already of order 1), so the pairs where it could
    change ``exp(−‖u − u'‖² / 2)`` by more than ``_DISTANCE_TOLERANCE``, and the
    pairs of rows too small for that scale, are recomputed from the differences.
    """
    if pairs.rows is None:  # a diagonal
        return np.zeros_like(pairs.cosine)
    top = max(pairs.exp_x.max(initial=_ZERO_EXPONENT), pairs.exp_y.max(initial=_ZERO_EXPONENT))
    with np.errstate(under="ignore"):
        norm_x = np.ldexp(pairs.norm_x, np.maximum(pairs.exp_x - top, -1100))
        norm_y = np.ldexp(pairs.norm_y, np.maximum(pairs.exp_y - top, -1100))
    product = norm_x * norm_y
    scaled = (norm_x - norm_y) ** 2 + 2 * product * (1 - pairs.cosine)
    with np.errstate(over="ignore"):
        squared = np.ldexp(scaled, 2 * max(top, -1100))
    x, y = pairs.rows
    # |error of cos θ| <= (k + 4) eps, k the length of the dot products
    error = product * (2 * (x.W.shape[1] + 4) * np.finfo(np.float64).eps)
    rows, cols = _inexact_pairs(scaled, error, top)
    # rows (zero rows included) so small beside the largest that the expansion underflows
    small_x, small_y = (np.flatnonzero(e < top - 400) for e in (x.exponent, y.exponent))
    if small_x.size and small_y.size:
        mask = np.zeros(squared.shape, dtype=bool)
        mask[np.ix_(small_x, small_y)] = True
        mask[rows, cols] = True
        rows, cols = np.nonzero(mask)
    squared[rows, cols] = _exact_squared_distances(x, y, rows, cols)
    return squared


def _inexact_pairs(scaled, error, top):
    """Pairs whose kernel ``exp(−4**top scaled / 2)`` may be off by more than the tolerance.

    With ``Δ = 4**top error`` the bound on the error of ``4**top scaled``,
    that is where ``exp(−lower / 2) Δ / 2 > _DISTANCE_TOLERANCE`` for the lower
    bound ``lower = 4**top (scaled − error)``.
    """
    log_margin = np.log(2 * _DISTANCE_TOLERANCE) - 2 * top * np.log(2.0)
    with np.errstate(divide="ignore"):
        largest = np.log(error.max(initial=0.0)) - log_margin
    if not largest > 0:
        return np.empty(0, dtype=np.intp), np.empty(0, dtype=np.intp)
    with np.errstate(over="ignore", under="ignore"):
        bound = np.ldexp(2 * largest, -2 * max(top, -1100))
    rows, cols = np.nonzero(scaled - error < bound)  # candidates: lower < 2 largest
    with np.errstate(over="ignore", under="ignore", divide="ignore"):
        lower = np.ldexp(np.maximum(scaled[rows, cols] - error[rows, cols], 0.0), 2 * top)
        keep = lower / 2 < np.log(error[rows, cols]) - log_margin
    return rows[keep], cols[keep]


def _exact_squared_distances(
    x: _Rows, y: _Rows, rows: NDArray[np.intp], cols: NDArray[np.intp]
) -> NDArray[np.float64]:
    """``‖u_i − u'_j‖²`` for the pairs ``(rows[p], cols[p])``, from the differences.

    Processed in chunks of at most ``_MAX_BLOCK_ELEMENTS`` differences' entries.
    """
    out = np.empty(rows.size)
    step = max(1, _common._MAX_BLOCK_ELEMENTS // x.W.shape[1])
    for start in range(0, rows.size, step):
        i, j = rows[start : start + step], cols[start : start + step]
        common = np.maximum(x.exponent[i], y.exponent[j])
        with np.errstate(under="ignore"):
            diff = np.ldexp(_dense(x.W[i]), np.maximum(x.exponent[i] - common, -1100)[:, None])
            diff -= np.ldexp(_dense(y.W[j]), np.maximum(y.exponent[j] - common, -1100)[:, None])
        exponents = _row_exponents(diff)
        norms = row_norms(_scale_rows(diff, exponents))
        shift = 2 * (common + np.maximum(exponents, -1100))
        with np.errstate(over="ignore", under="ignore"):
            out[start : start + step] = np.ldexp(norms**2, shift)
    return out


def _dense(A: Matrix) -> NDArray[np.float64]:
    return A.toarray() if sp.issparse(A) else np.asarray(A)
