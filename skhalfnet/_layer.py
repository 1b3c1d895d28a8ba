"""The HalfNet layer in torch: random hidden weights drawn from N(0, V Vᵀ).

This module is the only place, with :mod:`skhalfnet._training`, that imports
torch. It knows nothing of scikit-learn: the estimators hand it numpy arrays
and get numpy arrays back, so a fitted estimator holds no torch state and
pickles on any machine.

The layer, for an input row ``x`` of ``d`` features::

    u = Vᵀ x / sqrt(k)            # learned projection, V is (d, k)
    a = Z u + b                   # Z (H, k) frozen N(0, 1), b (H,) frozen
    h = scale * φ(a) / sqrt(H)    # random features
    out = h W + c                 # trained linear head

Each hidden weight vector ``w_h = V z_h / sqrt(k)`` is a draw from
``N(0, V Vᵀ / k)``; the product is computed as ``(x V) Zᵀ`` and the
``(d, H)`` matrix ``V Zᵀ`` is never formed. With ``covariance="identity"``
there is no ``V``: ``u = x / sqrt(d)``.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
import torch
from torch import nn

ACTIVATIONS = ("relu", "cos", "erf", "tanh")

_TORCH_DTYPES = {np.dtype(np.float32): torch.float32, np.dtype(np.float64): torch.float64}
_NUMPY_DTYPES = {value: key for key, value in _TORCH_DTYPES.items()}


@dataclass
class NetworkState:
    """All the arrays of a HalfNet network, as numpy arrays.

    ``components`` is ``Vᵀ`` of shape ``(rank, n_features)``, or None for the
    identity covariance. ``random_weights`` is ``Z`` (n_hidden, rank),
    ``hidden_bias`` is ``b`` (n_hidden,), ``coef`` is the head's weight
    (n_hidden, n_outputs) and ``intercept`` its bias (n_outputs,).
    """

    components: np.ndarray | None
    random_weights: np.ndarray
    hidden_bias: np.ndarray
    coef: np.ndarray
    intercept: np.ndarray
    activation: str


def draw_random_weights(
    seed: int, n_hidden: int, rank: int, activation: str, bias_scale: float, dtype
) -> tuple[np.ndarray, np.ndarray]:
    """Draw the frozen ``Z`` ~ N(0, 1) and the hidden bias from a local generator.

    The bias is uniform on [0, 2π] for ``cos`` (random Fourier features) and
    N(0, bias_scale²) for the other activations. Neither draw depends on the
    data, so fits on weighted or repeated samples share them.
    """
    generator = torch.Generator().manual_seed(int(seed))
    z = torch.randn(n_hidden, rank, generator=generator, dtype=torch.float64)
    if activation == "cos":
        bias = torch.rand(n_hidden, generator=generator, dtype=torch.float64) * (2 * math.pi)
    else:
        bias = torch.randn(n_hidden, generator=generator, dtype=torch.float64) * bias_scale
    return z.numpy().astype(dtype), bias.numpy().astype(dtype)


def _activation(name: str):
    if name == "relu":
        return torch.relu
    if name == "cos":
        return lambda a: math.sqrt(2.0) * torch.cos(a)
    if name == "erf":
        return torch.erf
    if name == "tanh":
        return torch.tanh
    raise ValueError(f"Unknown activation {name!r}; expected one of {ACTIVATIONS}.")


class HalfNetModule(nn.Module):
    """One hidden layer with weights ``V z_h`` and a linear head (see module docstring)."""

    def __init__(self, state: NetworkState, *, device: torch.device, dtype: torch.dtype):
        super().__init__()

        def tensor(array):
            return torch.as_tensor(np.asarray(array), device=device).to(dtype)

        if state.components is None:
            self.V = None
            self.input_scale = 1.0 / math.sqrt(state.random_weights.shape[1])
        else:
            # V is (d, k); stored transposed as scikit-learn's components_.
            self.V = nn.Parameter(tensor(state.components).T.contiguous())
            self.input_scale = 1.0 / math.sqrt(state.components.shape[0])
        self.register_buffer("Z_t", tensor(state.random_weights).T.contiguous())
        self.register_buffer("bias", tensor(state.hidden_bias))
        # The head's parameters are made from the given arrays (nn.Linear would
        # draw an initialisation from torch's global generator).
        self.head_weight = nn.Parameter(tensor(state.coef).T.contiguous())
        self.head_bias = nn.Parameter(tensor(state.intercept))
        self.activation = state.activation
        self._phi = _activation(state.activation)
        self.feature_scale = 1.0 / math.sqrt(state.random_weights.shape[0])

    def projection(self, X: torch.Tensor) -> torch.Tensor:
        """``Vᵀ x`` for each row (``x`` itself under the identity covariance)."""
        return X if self.V is None else X @ self.V

    def features(self, X: torch.Tensor) -> torch.Tensor:
        """The ``n_hidden`` random features ``φ(Z Vᵀ x / sqrt(k) + b) / sqrt(H)``."""
        pre_activation = torch.addmm(
            self.bias, self.projection(X), self.Z_t, alpha=self.input_scale
        )
        return self._phi(pre_activation) * self.feature_scale

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return torch.nn.functional.linear(self.features(X), self.head_weight, self.head_bias)

    def export_state(self) -> NetworkState:
        """The current weights as a :class:`NetworkState` of numpy arrays on the CPU."""

        def array(t):
            return t.detach().cpu().numpy().copy()

        return NetworkState(
            components=None if self.V is None else array(self.V.T),
            random_weights=array(self.Z_t.T),
            hidden_bias=array(self.bias),
            coef=array(self.head_weight.T),
            intercept=array(self.head_bias),
            activation=self.activation,
        )


def torch_dtype(dtype) -> torch.dtype:
    """The torch dtype for a numpy float32 or float64 dtype."""
    return _TORCH_DTYPES[np.dtype(dtype)]


def resolve_device(device: str) -> torch.device:
    """Map ``"auto"``, ``"cpu"`` or ``"cuda"`` to a torch device, with a clear error."""
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device == "cuda" and not torch.cuda.is_available():
        raise ValueError(
            "device='cuda' was requested but torch finds no CUDA device on this machine; "
            "use device='cpu' or device='auto'."
        )
    return torch.device(device)


def as_torch_rows(X, rows, device: torch.device, dtype: torch.dtype | None = None) -> torch.Tensor:
    """Rows ``rows`` of X as a torch tensor on ``device`` (cast to ``dtype`` if given).

    Dense X is wrapped once by :func:`wrap_dense` and sliced here; sparse X is
    sliced with scipy and becomes a sparse CSR tensor, never densified.
    """
    if isinstance(X, torch.Tensor):
        return X.index_select(0, rows).to(device=device, dtype=dtype)
    batch = X[rows.numpy()]
    if dtype is not None and batch.dtype != _NUMPY_DTYPES[dtype]:
        batch = batch.astype(_NUMPY_DTYPES[dtype])
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Sparse CSR tensor support is in beta")
        tensor = torch.sparse_csr_tensor(
            torch.from_numpy(batch.indptr.astype(np.int64)),
            torch.from_numpy(batch.indices.astype(np.int64)),
            torch.from_numpy(batch.data),
            size=batch.shape,
            check_invariants=False,
        )
    return tensor.to(device)


def wrap_dense(X):
    """Wrap a numpy array as a CPU tensor without copying it (sparse X passes through)."""
    if sp.issparse(X):
        return X
    with warnings.catch_warnings():
        # Read-only arrays (memory maps) are only ever read here.
        warnings.filterwarnings("ignore", message="The given NumPy array is not writable")
        return torch.from_numpy(X)


@contextmanager
def torch_threads(n_threads: int) -> Iterator[None]:
    """Set torch's intra-op thread count for the block, then restore it."""
    previous = torch.get_num_threads()
    torch.set_num_threads(n_threads)
    try:
        yield
    finally:
        torch.set_num_threads(previous)
