"""The HalfNet layer in torch: random hidden weights drawn from N(0, V Vᵀ).

This module, :mod:`skhalfnet._training`, :mod:`skhalfnet._adam` and
:mod:`skhalfnet._threads` are the modules that import torch. It knows nothing of
scikit-learn: the estimators hand it numpy arrays
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

import dataclasses
import math
import warnings
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
import scipy.special
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


def cast_state(state: NetworkState, dtype) -> NetworkState:
    """``state`` with its arrays in ``dtype`` (the same arrays where they have it already)."""

    def cast(array):
        return None if array is None else np.asarray(array).astype(dtype, copy=False)

    return dataclasses.replace(
        state,
        components=cast(state.components),
        random_weights=cast(state.random_weights),
        hidden_bias=cast(state.hidden_bias),
        coef=cast(state.coef),
        intercept=cast(state.intercept),
    )


def draw_random_weights(
    seed: int, n_hidden: int, rank: int, activation: str, bias_scale: float, dtype
) -> tuple[np.ndarray, np.ndarray]:
    """Draw the frozen ``Z`` ~ N(0, 1) and the hidden bias from a local generator.

    The bias is uniform on [0, 2π] for ``cos`` (random Fourier features) and
    N(0, bias_scale²) for the other activations. Neither draw depends on the
    data, so fits on weighted or repeated samples share them. Float32 weights
    are drawn in float32 (torch's vectorised sampler: a (2000, 300) draw takes
    a tenth of the float64 one's time, which was a quarter of a default fit on
    48 rows of 300 features),
    all others in float64; the two are different draws of the same law.
    """
    draw_dtype = torch.float32 if np.dtype(dtype) == np.float32 else torch.float64
    generator = torch.Generator().manual_seed(int(seed))
    z = torch.randn(n_hidden, rank, generator=generator, dtype=draw_dtype)
    if activation == "cos":
        bias = torch.rand(n_hidden, generator=generator, dtype=draw_dtype) * (2 * math.pi)
    else:
        bias = torch.randn(n_hidden, generator=generator, dtype=draw_dtype) * bias_scale
    return z.numpy().astype(dtype), bias.numpy().astype(dtype)


#: φ for inference, φ for training (in place where autograd allows it: relu and
#: tanh keep what their backward needs in the output) and the constant factor
#: folded into the head (``sqrt(2)`` of the cos features).
_ACTIVATION_TABLE = {
    "relu": (torch.relu, torch.relu_, 1.0),
    "cos": (torch.cos, torch.cos, math.sqrt(2.0)),
    "erf": (torch.erf, torch.erf, 1.0),
    "tanh": (torch.tanh, torch.tanh_, 1.0),
}


#: The signed integer dtype of each float dtype's width, for :func:`relu_on_bits_`.
_SAME_WIDTH_INTS = {
    torch.bfloat16: torch.int16,
    torch.float16: torch.int16,
    torch.float32: torch.int32,
    torch.float64: torch.int64,
}


def relu_on_bits_(values: torch.Tensor) -> torch.Tensor:
    """ReLU in place, computed on the floats' bits; returns ``values``.

    A float whose sign bit is set reads as a negative integer of the same width, so
    clamping those integers at 0 zeroes exactly the negative floats (and -0.0, and a
    NaN with its sign bit set) and leaves the others' bits as they were. Torch's
    bfloat16 ``relu_`` converts each value to float32 and back; the int16 clamp is
    vectorised, about 2.5 times as fast on a (256, 2000) batch here.
    """
    values.view(_SAME_WIDTH_INTS[values.dtype]).clamp_min_(0)
    return values


def relu_backward_on_bits_(grad: torch.Tensor, activated: torch.Tensor) -> torch.Tensor:
    """``grad`` zeroed in place where the ReLU's output ``activated`` is 0; returns ``grad``.

    A ReLU output's bits, read as integers and clamped to [0, 1], are 1 where it is
    positive and 0 where the ReLU cut it; multiplying ``grad``'s bits by that keeps or
    zeroes each gradient exactly, as ``threshold_backward`` does, in a vectorised
    integer multiply (``threshold_backward`` on bfloat16 took twice as long here).
    """
    ints = _SAME_WIDTH_INTS[grad.dtype]
    grad.view(ints).mul_(activated.view(ints).clamp(0, 1))
    return grad


class _ReLUNetwork(torch.autograd.Function):
    """The ReLU network's outputs with a hand-written backward: one node in the graph.

    The matmuls run in the dtype of ``X`` (bfloat16 under autocast training), with the
    casts autocast would make and in its order, so that the gradients equal autograd's
    under autocast bit for bit (``tests/test_layer.py``); what it saves is autograd's
    and autocast's bookkeeping around seven small matmuls, and the slow bfloat16
    ReLU and its backward (:func:`relu_on_bits_`).
    """

    @staticmethod
    def forward(ctx, X, V, Z_t, bias, head_weight, head_bias, scale):
        dtype = X.dtype
        projected = X if V is None else X @ V.to(dtype)
        activated = relu_on_bits_(torch.addmm(bias, projected, Z_t))
        head = (head_weight * scale).to(dtype)
        outputs = torch.addmm(head_bias.to(dtype), activated, head.T)
        ctx.save_for_backward(X, activated, Z_t, head)
        ctx.scale = scale
        return outputs.to(head_weight.dtype)

    @staticmethod
    def backward(ctx, grad_outputs):
        X, activated, Z_t, head = ctx.saved_tensors
        weight_dtype = grad_outputs.dtype
        grad = grad_outputs.to(X.dtype)
        grad_head = (grad.T @ activated).to(weight_dtype).mul_(ctx.scale)
        grad_head_bias = grad.sum(0).to(weight_dtype)
        grad_components = None
        if ctx.needs_input_grad[1]:  # V is trained (not None, not frozen)
            grad_activated = relu_backward_on_bits_(grad @ head, activated)
            grad_components = (X.T @ (grad_activated @ Z_t.T)).to(weight_dtype)
        return None, grad_components, None, None, grad_head, grad_head_bias, None


class _Head(torch.autograd.Function):
    """The head on given hidden activations, with :class:`_ReLUNetwork`'s hand-written
    head backward: the identity network's steps on its fixed hidden layer."""

    @staticmethod
    def forward(ctx, hidden, head_weight, head_bias, scale):
        dtype = hidden.dtype
        head = (head_weight * scale).to(dtype)
        ctx.save_for_backward(hidden)
        ctx.scale = scale
        return torch.addmm(head_bias.to(dtype), hidden, head.T).to(head_weight.dtype)

    @staticmethod
    def backward(ctx, grad_outputs):
        (hidden,) = ctx.saved_tensors
        weight_dtype = grad_outputs.dtype
        grad = grad_outputs.to(hidden.dtype)
        grad_head = (grad.T @ hidden).to(weight_dtype).mul_(ctx.scale)
        return None, grad_head, grad.sum(0).to(weight_dtype), None


class _Tape:
    """Stands in for autograd's ``ctx`` where a training step calls a Function's
    ``forward`` and ``backward`` itself (:meth:`HalfNetModule.manual_step`), with the
    ``needs_input_grad`` flags autograd would set."""

    def __init__(self, needs_input_grad: tuple[bool, ...]):
        self.needs_input_grad = needs_input_grad

    def save_for_backward(self, *tensors):
        self.saved_tensors = tensors


def _activation(name: str):
    if name not in _ACTIVATION_TABLE:
        raise ValueError(f"Unknown activation {name!r}; expected one of {ACTIVATIONS}.")
    return _ACTIVATION_TABLE[name]


class HalfNetModule(nn.Module):
    """One hidden layer with weights ``V z_h`` and a linear head (see module docstring).

    The constant scales are folded where they cost nothing: ``1/sqrt(k)`` into
    the frozen ``Z``, and ``1/sqrt(H)`` (times φ's constant) into the head's
    small (n_outputs, H) weight before its matmul, so no (batch, H) array is
    ever rescaled. The trained parameters keep the scale of the public
    attributes, so Adam's steps are those of the unfolded network.
    Every array is copied into the module: training never writes into the
    arrays of a fitted estimator.
    """

    def __init__(self, state: NetworkState, *, device: torch.device, dtype: torch.dtype):
        super().__init__()

        def tensor(array, scale=None):
            values = np.asarray(array)
            if scale is not None:
                values = values.astype(np.float64) * scale
            return torch.tensor(values, device=device, dtype=dtype)

        n_hidden, rank = state.random_weights.shape
        if state.components is None:
            self.V = None
        else:
            # V is (d, k); stored transposed as scikit-learn's components_.
            self.V = nn.Parameter(tensor(state.components).T.contiguous())
        # The frozen draws are kept as given for export, and folded for compute.
        self._frozen = (state.random_weights, state.hidden_bias)
        folded_z = tensor(state.random_weights, 1.0 / math.sqrt(rank))
        self.register_buffer("Z_t", folded_z.T.contiguous())
        self.register_buffer("bias", tensor(state.hidden_bias))
        # The head's parameters are made from the given arrays (nn.Linear would
        # draw an initialisation from torch's global generator).
        self.head_weight = nn.Parameter(tensor(state.coef).T.contiguous())
        self.head_bias = nn.Parameter(tensor(state.intercept))
        self.activation = state.activation
        self._phi, self._phi_inplace, phi_constant = _activation(state.activation)
        self.output_scale = phi_constant / math.sqrt(n_hidden)
        self._low_precision = None

    def set_low_precision(self, dtype: torch.dtype | None) -> None:
        """Keep copies of the frozen Z and bias in ``dtype`` for autocast training.

        Under autocast they would otherwise be cast anew at every step.
        """
        self._low_precision = None if dtype is None else (self.Z_t.to(dtype), self.bias.to(dtype))

    def projection(self, X: torch.Tensor) -> torch.Tensor:
        """``Vᵀ x`` for each row (``x`` itself under the identity covariance)."""
        return X if self.V is None else X @ self.V

    def pre_activation(self, X: torch.Tensor) -> torch.Tensor:
        """``Z Vᵀ x / sqrt(k) + b`` for each row."""
        Z_t, bias = self.Z_t, self.bias
        if self._low_precision is not None and torch.is_autocast_enabled(X.device.type):
            Z_t, bias = self._low_precision
        return torch.addmm(bias, self.projection(X), Z_t)

    def features(self, X: torch.Tensor) -> torch.Tensor:
        """The ``n_hidden`` random features ``φ(Z Vᵀ x / sqrt(k) + b) / sqrt(H)``."""
        return self._phi(self.pre_activation(X)) * self.output_scale

    def training_outputs(self, X: torch.Tensor, autocast_dtype: torch.dtype | None):
        """A training step's outputs, in the weights' dtype, with autocast to ``autocast_dtype``.

        Dense rows through the ReLU take :class:`_ReLUNetwork` (the same numbers
        as :meth:`forward` under autocast, and their gradients); sparse rows and the
        other activations go through :meth:`forward` and autograd.
        """
        weight_dtype = self.head_weight.dtype
        if self.activation == "relu" and X.layout == torch.strided:
            Z_t, bias = self.Z_t, self.bias
            if autocast_dtype is not None:
                Z_t, bias = self._low_precision
                X = X.to(autocast_dtype)
            return _ReLUNetwork.apply(
                X, self.V, Z_t, bias, self.head_weight, self.head_bias, self.output_scale
            )
        if autocast_dtype is None:
            return self(X)
        with torch.autocast(device_type=X.device.type, dtype=autocast_dtype):
            return self(X).to(weight_dtype)

    def manual_step(self, inputs: torch.Tensor, autocast_dtype, *, hidden: bool):
        """A step's outputs and a function that sets the gradients, without autograd.

        ``inputs`` are rows of X, or rows of the fixed hidden layer when ``hidden``.
        Returns ``(outputs, backward)``, where ``backward(grad_outputs)`` sets each
        trained parameter's ``.grad``: the forward and backward of
        :class:`_ReLUNetwork` (or :class:`_Head`) called directly, the same arithmetic
        as :meth:`training_outputs` followed by autograd, without autograd's engine
        (about a tenth of a millisecond a step, most of a step on a few dozen rows).
        None where that path does not apply (sparse rows, other activations): the
        caller then uses :meth:`training_outputs` and autograd. As under autograd, V's
        gradient is computed and set only while V requires one.
        """
        with torch.no_grad():
            if hidden:
                function, parameters = _Head, (None, self.head_weight, self.head_bias, None)
                arguments = (inputs, self.head_weight, self.head_bias, self.output_scale)
            elif self.activation == "relu" and inputs.layout == torch.strided:
                Z_t, bias = self.Z_t, self.bias
                if autocast_dtype is not None:
                    Z_t, bias = self._low_precision
                    inputs = inputs.to(autocast_dtype)
                trained_v = self.V if self.V is not None and self.V.requires_grad else None
                function = _ReLUNetwork
                parameters = (None, trained_v, None, None, self.head_weight, self.head_bias, None)
                arguments = (inputs, self.V, Z_t, bias, self.head_weight, self.head_bias)
                arguments += (self.output_scale,)
            else:
                return None
            # The flags autograd would set: which inputs are trained parameters.
            tape = _Tape(tuple(parameter is not None for parameter in parameters))
            outputs = function.forward(tape, *arguments)

        @torch.no_grad()
        def backward(grad_outputs):
            grads = function.backward(tape, grad_outputs)
            for parameter, grad in zip(parameters, grads, strict=True):
                if parameter is not None:
                    parameter.grad = grad

        return outputs, backward

    def head_outputs(self, hidden: torch.Tensor) -> torch.Tensor:
        """The head's outputs, in the weights' dtype, for hidden activations ``φ(a)``.

        The matmul runs in ``hidden``'s dtype, with the casts and in the order of
        :meth:`forward` under autocast: the same numbers and gradients (:class:`_Head`).
        """
        return _Head.apply(hidden, self.head_weight, self.head_bias, self.output_scale)

    @torch.no_grad()
    def hidden(self, X: torch.Tensor, autocast_dtype: torch.dtype | None) -> torch.Tensor:
        """``φ(a)`` for rows ``X``, as a training step computes it (in ``autocast_dtype``)."""
        if autocast_dtype is None or X.layout != torch.strided:
            return self._phi_inplace(self.pre_activation(X))
        with torch.autocast(device_type=X.device.type, dtype=autocast_dtype):
            return self._phi_inplace(self.pre_activation(X))

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        hidden = self._phi_inplace(self.pre_activation(X))
        return torch.addmm(self.head_bias, hidden, (self.head_weight * self.output_scale).T)

    def parameters_finite(self) -> bool:
        """Whether every trained parameter is finite (one check and one sync for all).

        Read off each parameter's sum in float64: a NaN or an infinity anywhere makes
        it non-finite, and finite float32 values cannot overflow it (float64 values
        would need to be near 1e300, far past any divergence check). Half the time of
        checking every value, which on a few dozen rows is paid at every step.
        """
        sums = torch.stack([p.detach().sum(dtype=torch.float64) for p in self.parameters()])
        return bool(torch.isfinite(sums).all())

    def export_state(self) -> NetworkState:
        """The current weights as a :class:`NetworkState` of numpy arrays on the CPU."""

        def array(t):
            return t.detach().cpu().numpy().copy()

        return NetworkState(
            components=None if self.V is None else array(self.V.T),
            random_weights=self._frozen[0],
            hidden_bias=self._frozen[1],
            coef=array(self.head_weight.T),
            intercept=array(self.head_bias),
            activation=self.activation,
        )


class InferenceLayer:
    """The fitted network for prediction, built from views of the fitted arrays.

    Training's :class:`HalfNetModule` copies every array and folds the constant
    scales into copies; a prediction needs neither, so where the fitted arrays
    already have the dtype asked for, on the CPU, nothing of the network's size is
    copied and building the layer costs microseconds, not the half millisecond of
    a one-row ``predict``. ``1/sqrt(k)`` is applied as the matmul's ``alpha``.
    Same methods and arithmetic as the module's, up to that rounding.
    """

    def __init__(self, state: NetworkState, *, device: torch.device, dtype: torch.dtype):
        def tensor(array):
            array = np.asarray(array)
            if not array.flags.writeable:  # a loaded model's arrays: only ever read here
                with warnings.catch_warnings():
                    warnings.filterwarnings("ignore", message="The given NumPy array is not")
                    return torch.as_tensor(array).to(device=device, dtype=dtype)
            return torch.as_tensor(array).to(device=device, dtype=dtype)

        n_hidden, rank = state.random_weights.shape
        self.V = None if state.components is None else tensor(state.components).T
        self.Z_t = tensor(state.random_weights).T
        self.bias = tensor(state.hidden_bias)
        self._phi, self._phi_inplace, phi_constant = _activation(state.activation)
        self._alpha = 1.0 / math.sqrt(rank)
        self.output_scale = phi_constant / math.sqrt(n_hidden)
        # (n_outputs, n_hidden), small: the head's product is taken transposed (see __call__).
        self._head_t = (tensor(state.coef) * self.output_scale).T.contiguous()
        self.head_bias = tensor(state.intercept)

    def projection(self, X: torch.Tensor) -> torch.Tensor:
        """``Vᵀ x`` for each row (``x`` itself under the identity covariance)."""
        return X if self.V is None else X @ self.V

    def _hidden(self, X: torch.Tensor) -> torch.Tensor:
        # In place: inference keeps no graph.
        pre = torch.addmm(self.bias, self.projection(X), self.Z_t, alpha=self._alpha)
        return self._phi_inplace(pre)

    def features(self, X: torch.Tensor) -> torch.Tensor:
        """The ``n_hidden`` random features ``φ(Z Vᵀ x / sqrt(k) + b) / sqrt(H)``."""
        return self._hidden(X).mul_(self.output_scale)

    def __call__(self, X: torch.Tensor) -> torch.Tensor:
        # (W A^T)^T rather than A W: with a few outputs, the BLAS's product is a few
        # times as fast this way round (float32, (256, 2000) by (2000, 10): 4 times on an
        # AMD EPYC), and it was most of predict_proba's time after the hidden layer's.
        hidden = self._hidden(X)
        return torch.addmm(self.head_bias[:, None], self._head_t, hidden.T).T


#: φ in numpy, in place, for :func:`numpy_outputs` (the same functions as the torch table).
_NUMPY_ACTIVATIONS = {
    "relu": lambda a: np.maximum(a, 0, out=a),
    "cos": lambda a: np.cos(a, out=a),
    "erf": lambda a: scipy.special.erf(a, out=a),
    "tanh": lambda a: np.tanh(a, out=a),
}
#: Dense batches up to this many rows are answered by :func:`numpy_outputs` on the CPU.
NUMPY_MAX_ROWS = 64


def numpy_outputs(state: NetworkState, X: np.ndarray, kind: str, dtype) -> np.ndarray:
    """The network's outputs for a few dense rows, in numpy (see :class:`InferenceLayer`).

    A one-row ``predict`` is a few microseconds of arithmetic; through torch its
    dispatch and tensor wrapping cost several times that, so small dense batches on
    the CPU take this path (the same arithmetic, up to the BLAS's rounding). Their
    threads are the BLAS library's, which for a few rows is one.
    """
    X = np.ascontiguousarray(X, dtype=dtype)  # C order whatever X's, as the torch path
    components = state.components
    projected = X if components is None else X @ components.astype(dtype, copy=False).T
    if kind == "projection":
        return projected
    n_hidden, rank = state.random_weights.shape
    hidden = projected @ state.random_weights.astype(dtype, copy=False).T
    hidden *= dtype.type(1.0 / math.sqrt(rank))
    hidden += state.hidden_bias.astype(dtype, copy=False)
    _NUMPY_ACTIVATIONS[state.activation](hidden)
    scale = dtype.type(_activation(state.activation)[2] / math.sqrt(n_hidden))
    if kind == "features":
        hidden *= scale
        return hidden
    coef = state.coef.astype(dtype, copy=False) * scale
    return hidden @ coef + state.intercept.astype(dtype, copy=False)


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
        # The gather writes a new C-ordered batch: C- and Fortran-ordered X give the
        # same batches, bit for bit.
        batch = X.index_select(0, rows.to(X.device))
        return batch.to(device=device, dtype=dtype)
    batch = X[rows.cpu().numpy()]
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
    if any(stride < 0 for stride in X.strides):
        # torch cannot view negative strides (X[::-1], np.flip(X)): the one copy made.
        X = np.ascontiguousarray(X)
    with warnings.catch_warnings():
        # Read-only arrays (memory maps) are only ever read here.
        warnings.filterwarnings("ignore", message="The given NumPy array is not writable")
        return torch.from_numpy(X)


def on_device(X, device: torch.device):
    """Dense X moved to a CUDA device once, when it takes under half its free memory.

    On the CPU, and for sparse or larger X, X comes back as it is and each
    batch is moved on its own.
    """
    if device.type != "cuda" or not isinstance(X, torch.Tensor):
        return X
    free, _ = torch.cuda.mem_get_info(device)
    return X.to(device) if X.numel() * X.element_size() < free // 2 else X


def fast_bfloat16(device: torch.device) -> bool:
    """Whether bfloat16 matmuls run natively here (AVX512-BF16 or AMX CPUs, CUDA with bf16)."""
    if device.type == "cuda":
        return torch.cuda.is_bf16_supported()
    check = getattr(torch.ops.mkldnn, "_is_mkldnn_bf16_supported", None)
    return bool(check is not None and check())


#: The dtype of the weights and of every non-autocast matmul, by ``precision``.
COMPUTE_DTYPES = {
    "auto": np.float32,
    "float32": np.float32,
    "bfloat16": np.float32,
    "float64": np.float64,
}


def compute_dtype(precision: str) -> np.dtype:
    """The numpy dtype a fit with this ``precision`` trains and stores its weights in.

    It depends on ``precision`` alone, never on the input's dtype: float64 data
    from a scaler train as fast as float32 data unless ``"float64"`` is asked for.
    """
    return np.dtype(COMPUTE_DTYPES[precision])


def autocast_dtype(
    precision: str, device: torch.device, sparse: bool = False
) -> torch.dtype | None:
    """The dtype training autocasts its matmuls to, or None for none.

    ``"bfloat16"`` autocasts the matmuls (weights, Adam and the loss stay
    float32); ``"float32"`` and ``"float64"`` do not; ``"auto"`` autocasts
    dense data where :func:`fast_bfloat16` says the hardware runs it natively.
    Sparse data never autocast (torch has no bfloat16 sparse matmul): under
    ``"auto"`` they train in float32, and an explicit ``"bfloat16"`` is refused
    by the estimator before training starts.
    """
    if precision in ("float32", "float64") or sparse:
        return None
    if precision == "bfloat16" or fast_bfloat16(device):
        return torch.bfloat16
    return None
