"""The rules a fit follows, as small pure functions: its training budget, step sizes,
arithmetic and memory estimate (no estimator code and no torch calls here)."""

from __future__ import annotations

import os

import numpy as np
import scipy.sparse as sp
from sklearn.utils.validation import _num_samples

from . import _layer

#: The rank used when ``rank=None``, capped by the number of features.
DEFAULT_RANK = 64
#: ``max_iter="auto"``: about this many Adam steps in all (5 epochs of MNIST's 60,000
#: rows; with the default width of 1600 as accurate on MNIST's validation part as
#: 1,400 steps at width 2000, ``benchmarks/tuning/tune_width.py``) ...
AUTO_STEPS = 1175
#: ... in at least this many epochs (large data: each row is seen more than once) ...
AUTO_MIN_EPOCHS = 2
#: ... and at most this many (small data: a few full-batch steps are enough, and
#: hundreds of them at the default step memorise the rows).
AUTO_MAX_EPOCHS = 30
#: ... or this many for regressors: smooth targets (friedman3-like) were still
#: underfitted at 30, while 60 cost the noisy regression tuning sets at most 0.02 R².
AUTO_MAX_EPOCHS_REGRESSION = 60


def resolved_epochs(
    max_iter, n_train: int | None, batch_size: int, max_epochs: int = AUTO_MAX_EPOCHS
) -> int | None:
    """Epochs of a fit: ``max_iter``, or what ``"auto"`` comes to on ``n_train`` rows.

    ``"auto"`` runs about :data:`AUTO_STEPS` Adam steps, in whole epochs, and never
    fewer than :data:`AUTO_MIN_EPOCHS` or more than ``max_epochs``
    (:data:`AUTO_MAX_EPOCHS`; the regressor passes :data:`AUTO_MAX_EPOCHS_REGRESSION`): 30
    epochs up to about 10,000 rows (at the default batch of 256), then fewer as the
    data grow (5 on MNIST's 60,000 rows), and 2 from about 150,000 rows. None when
    the number of rows is not known yet.
    """
    if max_iter != "auto":
        return max_iter
    if not n_train:
        return None
    steps_per_epoch = -(-n_train // batch_size)
    epochs = -(-AUTO_STEPS // steps_per_epoch)
    return int(min(max_epochs, max(AUTO_MIN_EPOCHS, epochs)))


#: Width and rank at which ``learning_rate_init`` is the head's step (see ``learning_rates``).
REFERENCE_WIDTH, REFERENCE_RANK = 4000, 64
#: V's step relative to the head's at the reference width and rank.
COMPONENTS_STEP_RATIO = 0.1


def learning_rates(learning_rate_init: float, n_hidden: int, rank: int) -> tuple[float, float]:
    """Adam step sizes (head, V) for a network of the given width and rank.

    The head reads ``n_hidden`` features scaled by ``1/sqrt(n_hidden)``: its
    step grows as ``sqrt(4000 / n_hidden)`` so that the outputs move alike at
    every width. V's step is a tenth of that at rank 64 and grows as
    ``sqrt(64 / rank)``. Each factor is capped at 10.
    """
    head = float(learning_rate_init * min(10.0, np.sqrt(REFERENCE_WIDTH / n_hidden)))
    components = float(
        COMPONENTS_STEP_RATIO * learning_rate_init * min(10.0, np.sqrt(REFERENCE_RANK / rank))
    )
    return head, components


def effective_rank(spectrum: np.ndarray) -> float:
    """Roy & Vetterli's effective rank: exp of the entropy of the normalised spectrum.

    Equals r when r eigenvalues are equal and the rest zero, and falls smoothly
    as the spectrum concentrates on fewer directions.
    """
    total = float(np.sum(spectrum))
    if total <= 0:
        return 0.0
    p = np.asarray(spectrum, dtype=np.float64) / total
    p = p[p > 0]
    return float(np.exp(-np.sum(p * np.log(p))))


def _rows_of(X) -> int | None:
    """The number of rows of X before validation, or None if it has no clear one."""
    try:
        return _num_samples(X)
    except TypeError:
        return None


def _physical_memory() -> int | None:
    """Bytes of physical memory, where the OS tells (None elsewhere)."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        return None


def weight_bytes(n_hidden, rank, n_features, n_outputs, itemsize) -> int:
    """A lower estimate of the memory a fit's weights take.

    The frozen draws (drawn in float64, kept as drawn and folded), and the
    head and V with their gradients, Adam moments, epoch snapshots and the
    exported copy (7 copies).
    """
    # Python integers: numpy int32 arguments would wrap around in their own type.
    n_hidden, rank, n_features, n_outputs = map(int, (n_hidden, rank, n_features, n_outputs))
    frozen = n_hidden * (rank + 1) * (2 * 8 + 2 * itemsize)
    trained = 7 * itemsize * (n_hidden * n_outputs + n_features * rank)
    return frozen + trained


def buffer_bytes(n_hidden, batch_rows, itemsize) -> int:
    """The three batch × n_hidden buffers of a training step."""
    return 3 * itemsize * int(batch_rows) * int(n_hidden)


#: Input dtypes kept as they are (rows are cast to the weights' dtype batch by batch, so
#: a uint8 or float16 memory map is never converted whole); others become float64.
INPUT_DTYPES = (np.float64, np.float32, np.float16, np.uint8, np.int8, np.int16, np.int32, np.int64)


#: float64 data with values beyond this magnitude train in float64 under "auto":
#: cast to float32 they would overflow (float32's largest value is about 3.4e38).
FLOAT32_SAFE_MAGNITUDE = 1e30
#: ... and so do float64 data whose largest value is below this one: V is scaled by
#: the inverse of the data's spread, which would overflow float32 (or the data underflow).
FLOAT32_SAFE_MIN_MAGNITUDE = 1e-30


def _magnitude(X) -> float:
    """The largest absolute value in X, read without a temporary of X's size."""
    values = X.data if sp.issparse(X) else X
    if values.size == 0:
        return 0.0
    return float(max(values.max(), -values.min()))


def training_dtype(precision: str, X) -> np.dtype:
    """The dtype of a fit's weights: the precision's, unless float64 X would overflow it."""
    dtype = _layer.compute_dtype(precision)
    if precision == "auto" and X.dtype == np.float64:
        magnitude = _magnitude(X)
        if magnitude > FLOAT32_SAFE_MAGNITUDE or 0 < magnitude < FLOAT32_SAFE_MIN_MAGNITUDE:
            return np.dtype(np.float64)
    return dtype


def output_dtype(X) -> np.dtype:
    """The dtype of predictions and transforms for input X: float32 or float64, as X has."""
    return np.dtype(np.float32) if X.dtype == np.float32 else np.dtype(np.float64)
