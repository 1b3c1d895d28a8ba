"""Shared pieces of the kernels: type aliases, input checks and blocking."""

from __future__ import annotations

import numbers
from collections.abc import Iterator

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike, NDArray
from sklearn.utils import check_array

Matrix = ArrayLike | sp.spmatrix | sp.sparray
KernelMatrix = NDArray[np.float64]

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
    if components is not None and sp.issparse(components):
        # The components_ of a fitted identity model (covariance="identity", or the
        # choice of "auto") is a sparse identity: the identity covariance, None here.
        identity = sp.identity(n_features, format="csr")
        if components.shape == identity.shape and (components != identity).nnz == 0:
            components = None
        else:
            components = components.toarray()
    if components is not None:
        components = check_array(components, dtype=np.float64, input_name="components")
        if components.shape[1] != n_features:
            raise ValueError(
                f"components has shape {components.shape}; its second dimension must be "
                f"n_features={n_features} (components is (rank, n_features))."
            )
    return X, Y, components


def _blocks(n_rows: int, n_cols: int, depth: int) -> Iterator[tuple[slice, slice]]:
    """Row/column slices tiling ``(n_rows, n_cols)`` so a block times ``depth``
    holds at most ``max(_MAX_BLOCK_ELEMENTS, depth)`` elements."""
    cols = min(n_cols, max(1, _MAX_BLOCK_ELEMENTS // depth))
    rows = min(n_rows, max(1, _MAX_BLOCK_ELEMENTS // (cols * depth)))
    for i in range(0, n_rows, rows):
        for j in range(0, n_cols, cols):
            yield slice(i, i + rows), slice(j, j + cols)
