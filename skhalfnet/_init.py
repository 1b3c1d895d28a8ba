"""Initial values of the learned factor V, as small pure numpy functions.

Both initialisations return ``components`` = Vᵀ of shape (rank, n_features),
scaled so that the pre-activations ``zᵀ Vᵀ x / sqrt(rank)`` have unit variance
on average over the (weighted) training rows. Every random draw here is made
independently of the number of samples, so that fitting with integer sample
weights equals fitting on repeated rows.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from sklearn.utils.extmath import randomized_svd, svd_flip

#: Rows used to initialise V; a random subset of this size is taken from larger data.
INIT_SAMPLE_SIZE = 5000
#: Up to this many features, PCA uses an exact eigendecomposition of the covariance.
EXACT_PCA_MAX_FEATURES = 2048


def init_sample(X, sample_weight: np.ndarray, rng: np.random.RandomState):
    """The rows of X and their weights used for initialisation (all rows when few)."""
    n_samples = X.shape[0]
    if n_samples <= INIT_SAMPLE_SIZE:
        return X, sample_weight
    rows = np.sort(rng.choice(n_samples, INIT_SAMPLE_SIZE, replace=False))
    return X[rows], sample_weight[rows]


def unit_rows(matrix: np.ndarray) -> np.ndarray:
    """Rows rescaled to unit Euclidean norm (zero rows stay zero)."""
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms > 0, norms, 1.0)


def principal_directions(X, sample_weight: np.ndarray, n_directions: int, rng) -> np.ndarray:
    """Up to ``n_directions`` weighted principal directions of X, as unit rows.

    Dense X is centred with its weighted mean; sparse X is not centred (as
    TruncatedSVD). Directions with a negligible variance are dropped, so
    fewer rows may come back. Signs follow :func:`sklearn.utils.extmath.svd_flip`.
    """
    weights = sample_weight / sample_weight.sum()
    n_features = X.shape[1]
    if sp.issparse(X):
        scaled = sp.diags(np.sqrt(weights)) @ X.astype(np.float64)
    else:
        X = np.asarray(X, dtype=np.float64)
        scaled = np.sqrt(weights)[:, None] * (X - weights @ X)
    if not sp.issparse(X) and n_features <= EXACT_PCA_MAX_FEATURES:
        variances, vectors = np.linalg.eigh(scaled.T @ scaled)
        order = np.argsort(variances)[::-1][:n_directions]
        variances, directions = variances[order], vectors[:, order].T
    else:
        n_components = min(n_directions, *scaled.shape)
        _, singular_values, directions = randomized_svd(scaled, n_components, random_state=rng)
        variances = singular_values**2
    _, directions = svd_flip(None, directions, u_based_decision=False)
    keep = variances > 1e-8 * max(variances.max(initial=0.0), np.finfo(float).tiny)
    return directions[keep]


def initial_components(
    X, sample_weight: np.ndarray, rank: int, init: str, rng: np.random.RandomState
) -> np.ndarray:
    """Vᵀ at the start of training: "random" Gaussian or "pca" directions, rescaled.

    With "pca", directions beyond those the data span are random unit rows.
    """
    n_features = X.shape[1]
    random_rows = unit_rows(rng.standard_normal((rank, n_features)))
    X_init, weights = init_sample(X, sample_weight, rng)
    if init == "pca":
        directions = principal_directions(X_init, weights, rank, rng)
        components = np.vstack([directions, random_rows[directions.shape[0] :]])
    else:
        components = random_rows
    projected = X_init @ components.T
    mean_square = float(weights @ np.square(projected).sum(axis=1)) / float(weights.sum())
    if mean_square > 0:
        components = components * np.sqrt(rank / mean_square)
    return components
