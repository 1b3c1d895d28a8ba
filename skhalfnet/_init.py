"""Initial values of the learned factor V, as small pure numpy functions.

Both initialisations return ``components`` = Vᵀ of shape (rank, n_features),
scaled so that the pre-activations ``zᵀ Vᵀ x / sqrt(rank)`` have unit variance
on average over the (weighted) training rows. Every random draw here is made
independently of the number of samples, so that fitting with integer sample
weights equals fitting on repeated rows.

Dense and sparse X take the same path: X is read in chunks of rows, divided
by its largest absolute value (so that huge but finite values do not
overflow), and centred implicitly through its weighted moments, as
scikit-learn's PCA does for sparse input. Nothing of the size of X is copied.
"""

from __future__ import annotations

import numpy as np
import scipy.linalg
import scipy.linalg.blas
import scipy.sparse as sp
from sklearn.utils.extmath import svd_flip

#: Rows used to initialise V; a random subset of this size is taken from larger data.
INIT_SAMPLE_SIZE = 5000
#: Up to this many features, PCA eigendecomposes the covariance; above, subspace iteration.
EXACT_PCA_MAX_FEATURES = 2048
#: Rows read at a time.
CHUNK_ROWS = 1024
#: Power iterations of the subspace method for wide data.
N_POWER_ITERATIONS = 7


def init_rows(n_samples: int, rng: np.random.RandomState) -> np.ndarray:
    """The rows used for initialisation, sorted: all of them when there are few."""
    if n_samples <= INIT_SAMPLE_SIZE:
        return np.arange(n_samples)
    return np.sort(rng.choice(n_samples, INIT_SAMPLE_SIZE, replace=False))


def _chunks(X, rows: np.ndarray, scale: float = 1.0):
    """``(rows slice, chunk)``: row chunks of X as float64, C-ordered when dense, / ``scale``."""
    for start in range(0, rows.shape[0], CHUNK_ROWS):
        part = slice(start, start + CHUNK_ROWS)
        chunk = X[rows[part]]
        if sp.issparse(chunk):
            yield part, sp.csr_matrix(chunk, dtype=np.float64) / scale
        else:
            yield part, np.ascontiguousarray(chunk, dtype=np.float64) / scale


def max_abs(X, rows: np.ndarray) -> float:
    """The largest absolute value in the rows, or 1 when they are all zero."""
    largest = 0.0
    for _, chunk in _chunks(X, rows):
        values = chunk.data if sp.issparse(chunk) else chunk
        largest = max(largest, float(np.abs(values).max(initial=0.0)))
    return largest if largest > 0 else 1.0


def _dense(matrix) -> np.ndarray:
    return matrix.toarray() if sp.issparse(matrix) else np.asarray(matrix)


def _product(X, rows, scale, right: np.ndarray) -> np.ndarray:
    """``(X[rows] / scale) @ right``, chunk by chunk."""
    return np.vstack([_dense(chunk @ right) for _, chunk in _chunks(X, rows, scale)])


def _transposed_product(X, rows, scale, left: np.ndarray) -> np.ndarray:
    """``(X[rows] / scale).T @ left``, chunk by chunk."""
    total = np.zeros((X.shape[1], left.shape[1]))
    for part, chunk in _chunks(X, rows, scale):
        total += _dense(chunk.T @ left[part])
    return total


def _weighted_gram(chunk, w: np.ndarray) -> np.ndarray:
    """``chunkᵀ diag(w) chunk``. Dense chunks take BLAS's symmetric rank-k update on
    ``sqrt(w) chunk``, which computes one triangle: half the multiply-adds of the
    general product (about half its time at 784 features)."""
    if sp.issparse(chunk):
        return _dense(chunk.T @ (sp.diags(w) @ chunk))
    # The C-ordered rows, transposed, are the Fortran-ordered matrix BLAS reads without a copy.
    lower = scipy.linalg.blas.dsyrk(1.0, (np.sqrt(w)[:, None] * chunk).T, lower=1)
    return lower + np.tril(lower, -1).T


def weighted_covariance(X, rows, weights, scale) -> np.ndarray:
    """Weighted covariance of the scaled rows (weights sum to 1), centred implicitly."""
    mean = _transposed_product(X, rows, scale, weights[:, None]).ravel()
    second = np.zeros((X.shape[1], X.shape[1]))
    for part, chunk in _chunks(X, rows, scale):
        second += _weighted_gram(chunk, weights[part])
    return second - np.outer(mean, mean)


def unit_rows(matrix: np.ndarray) -> np.ndarray:
    """Rows rescaled to unit Euclidean norm (zero rows stay zero)."""
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms > 0, norms, 1.0)


def _top_eigenvectors(covariance: np.ndarray, n_directions: int):
    # Only the top eigenpairs are computed (LAPACK's evr driver): about 60 % of a full
    # eigendecomposition's time at d = 784, k = 64.
    d = covariance.shape[0]
    first = max(0, d - n_directions)
    variances, vectors = scipy.linalg.eigh(covariance, subset_by_index=[first, d - 1])
    order = np.argsort(variances)[::-1][:n_directions]
    return variances[order], vectors[:, order].T


def _few_rows_directions(X, rows, weights, scale, n_directions):
    """Top directions of dense rows fewer than their features, from one thin SVD.

    The weighted, centred rows (at most ``d`` × ``d`` values, as the covariance the
    other path forms) are decomposed directly: on 48 rows of 300 features, a tenth of
    the time of the covariance's eigendecomposition.
    """
    centred = np.ascontiguousarray(X[rows], dtype=np.float64) / scale
    centred -= weights @ centred
    centred *= np.sqrt(weights)[:, None]
    _, singular_values, vt = np.linalg.svd(centred, full_matrices=False)
    return singular_values[:n_directions] ** 2, vt[:n_directions]


def _subspace_iteration(X, rows, weights, scale, n_directions, rng):
    """Top directions of the implicitly centred, weighted rows by randomized subspace iteration."""
    sqrt_w = np.sqrt(weights)[:, None]
    mean = _transposed_product(X, rows, scale, weights[:, None]).ravel()
    n_basis = min(n_directions + 10, X.shape[1])
    basis = np.linalg.qr(rng.standard_normal((X.shape[1], n_basis)))[0]
    for _ in range(N_POWER_ITERATIONS):
        left = sqrt_w * (_product(X, rows, scale, basis) - mean @ basis)
        right = _transposed_product(X, rows, scale, sqrt_w * left)
        basis = np.linalg.qr(right - np.outer(mean, (sqrt_w * left).sum(axis=0)))[0]
    left = sqrt_w * (_product(X, rows, scale, basis) - mean @ basis)
    _, singular_values, vt = np.linalg.svd(left, full_matrices=False)
    return singular_values[:n_directions] ** 2, (vt @ basis.T)[:n_directions]


def principal_directions(X, rows, weights, scale, n_directions, rng) -> np.ndarray:
    """Up to ``n_directions`` weighted principal directions of the rows, as unit rows.

    Directions with a negligible variance are dropped, so fewer rows may come
    back. Signs follow :func:`sklearn.utils.extmath.svd_flip`.
    """
    if not sp.issparse(X) and rows.shape[0] < X.shape[1] <= EXACT_PCA_MAX_FEATURES:
        variances, directions = _few_rows_directions(X, rows, weights, scale, n_directions)
    elif X.shape[1] <= EXACT_PCA_MAX_FEATURES:
        covariance = weighted_covariance(X, rows, weights, scale)
        variances, directions = _top_eigenvectors(covariance, n_directions)
    else:
        variances, directions = _subspace_iteration(X, rows, weights, scale, n_directions, rng)
    _, directions = svd_flip(None, directions, u_based_decision=False)
    keep = variances > 1e-8 * max(variances.max(initial=0.0), np.finfo(float).tiny)
    return directions[keep]


def mean_square_projection(X, rows, weights, scale, components) -> float:
    """Weighted mean of ``||components · x / scale||²`` over the rows."""
    total = 0.0
    for part, chunk in _chunks(X, rows, scale):
        projected = _dense(chunk @ components.T)
        total += float(weights[part] @ np.square(projected).sum(axis=1))
    return total


def initial_components(
    X, sample_weight: np.ndarray, rank: int, init: str, rng: np.random.RandomState
) -> np.ndarray:
    """Vᵀ at the start of training: "random" Gaussian or "pca" directions, rescaled.

    With "pca", directions beyond those the data span are random unit rows.
    """
    n_features = X.shape[1]
    random_rows = unit_rows(rng.standard_normal((rank, n_features)))
    rows = init_rows(X.shape[0], rng)
    weights = np.asarray(sample_weight, dtype=np.float64)[rows]
    if not weights.max() > 0:  # the sampled rows all have zero weight
        weights = np.ones_like(weights)
    weights = weights / weights.max()
    weights = weights / weights.sum()
    scale = max_abs(X, rows)
    if init == "pca":
        directions = principal_directions(X, rows, weights, scale, rank, rng)
        components = np.vstack([directions, random_rows[directions.shape[0] :]])
    else:
        components = random_rows
    mean_square = mean_square_projection(X, rows, weights, scale, components)
    if mean_square > 0:
        components = components * (np.sqrt(rank / mean_square) / scale)
    return components
