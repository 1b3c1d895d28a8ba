"""Minibatch Adam training and batched inference for :class:`HalfNetModule`.

Torch only, no scikit-learn. The training data stay one tensor (or one scipy
CSR matrix) that is sliced by a permutation each epoch: there is no
per-sample dataset indexing. Everything :func:`fit_arrays` takes and returns
is numpy; the caller's arrays are never written to.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
import torch
import torch.nn.functional as F

from . import _caller
from ._adam import Adam
from ._layer import (
    _NUMPY_DTYPES,
    NUMPY_MAX_ROWS,
    HalfNetModule,
    InferenceLayer,
    NetworkState,
    as_torch_rows,
    numpy_outputs,
    on_device,
    torch_dtype,
    wrap_dense,
)
from ._schedule import ADAPTIVE_DIVISOR, SCHEDULES, stream_average_weight, trains_components

LOSSES = ("softmax", "logistic", "squared", "poisson")
#: At most this many hidden values per inference batch (2 MiB in float32: a batch's hidden
#: layer stays in a core's cache between the activation and the head, which made
#: predict_proba on 10,000 MNIST rows a third faster than batches of 16 MiB).
INFERENCE_BATCH_VALUES = 2**19


#: An epoch whose mean training loss exceeds this many times the loss of the constant
#: zero output (log C for softmax, log 2 for logistic, half the mean squared target,
#: the Poisson deviance of the mean count), floored at :data:`REFERENCE_LOSS_FLOOR`,
#: has diverged: training stops and keeps the last weights known to be sound.
DIVERGENCE_FACTOR = 1e4


class NonFiniteLossWarning(UserWarning):
    """Training stopped because the loss or the weights became NaN or infinite, or diverged.

    Diverged means an epoch's mean training loss above
    :data:`DIVERGENCE_FACTOR` times that of the constant zero output.
    """


@dataclass
class TrainingConfig:
    """What one call of :func:`train` does; built by the estimator layer."""

    loss: str
    batch_size: int
    max_iter: int
    lr_head: float
    lr_components: float
    weight_decay: float
    shuffle: bool
    tol: float
    n_iter_no_change: int
    early_stopping: bool
    seed: int
    verbose: int = 0
    schedule: str = "constant"
    autocast_dtype: torch.dtype | None = None


@dataclass
class TrainingHistory:
    """What training records; carried over between warm starts and partial fits.

    Plain Python and numpy only (``optimizer_state`` holds Adam's moments as
    numpy arrays), so a fitted estimator pickles and dumps with skops.
    """

    loss_curve: list[float] = field(default_factory=list)
    validation_scores: list[float] = field(default_factory=list)
    best_loss: float = math.inf
    best_validation_score: float = -math.inf
    no_improvement_count: int = 0
    step_scale: float = 1.0
    n_steps: int = 0
    optimizer_state: list[dict] | None = None
    #: partial_fit only: the trained weights (numpy, in the module's parameter order)
    #: behind the averaged weights the estimator predicts with.
    training_weights: list | None = None
    converged: bool = False
    non_finite: bool = False


def _over_classes(function, outputs: torch.Tensor) -> torch.Tensor:
    """``function(outputs, dim=1)``, a (log-)softmax over each row, taken along the
    first dimension of the transposed outputs and transposed back (contiguous).

    Torch's CPU kernels over a last dimension as short as a classifier's classes are
    slow: on a (256, 10) batch about 45 µs here, against about 3 µs along the first
    dimension of its (10, 256) transpose, and 7 µs with both copies: about 5 % of a
    default MNIST step, for the loss and its gradient together.
    """
    return function(outputs.T.contiguous(), dim=0).T.contiguous()


def _softmax_loss(outputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    # Cross-entropy: minus the log-probability of each row's class.
    log_probabilities = _over_classes(torch.log_softmax, outputs)
    return log_probabilities.gather(1, targets[:, None]).squeeze(1).neg()


def _logistic_loss(outputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    # One sigmoid per output (binary: one output, 1-d targets; multilabel: one per
    # label), summed over the labels as scikit-learn's MLP sums its log loss.
    losses = F.binary_cross_entropy_with_logits(
        outputs, targets.reshape(outputs.shape), reduction="none"
    )
    return losses.sum(dim=1)


def _squared_loss(outputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    return 0.5 * (outputs - targets).square().mean(dim=1)


def _poisson_loss(outputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    # Half the Poisson deviance (zero at a perfect fit) of the means exp(s * outputs): a
    # log link standardised in log space. ``targets`` holds the relative counts and then
    # each output's log-scale s (see _targets.count_targets); dividing by s² keeps the
    # loss, and the divergence yardstick, on the outputs' scale.
    counts, log_scale = targets.split(outputs.shape[1], dim=1)
    log_means = log_scale * outputs
    deviance = log_means.exp() - counts * log_means + torch.xlogy(counts, counts) - counts
    return (deviance / log_scale.square()).mean(dim=1)


_LOSS_FUNCTIONS = {
    "softmax": _softmax_loss,
    "logistic": _logistic_loss,
    "squared": _squared_loss,
    "poisson": _poisson_loss,
}


# The gradients of the row losses above with respect to the outputs (each row's own).


def _softmax_gradient(outputs, targets):
    grad = _over_classes(torch.softmax, outputs)
    return grad.scatter_add_(1, targets[:, None], torch.full_like(grad[:, :1], -1.0))


def _logistic_gradient(outputs, targets):
    return torch.sigmoid(outputs) - targets.reshape(outputs.shape)


def _squared_gradient(outputs, targets):
    return (outputs - targets) / outputs.shape[1]


def _poisson_gradient(outputs, targets):
    counts, log_scale = targets.split(outputs.shape[1], dim=1)
    return ((log_scale * outputs).exp() - counts) / (log_scale * outputs.shape[1])


#: The gradient of each loss's row values (:func:`per_sample_loss`) with respect to the
#: outputs, for the steps that skip autograd (:meth:`HalfNetModule.manual_step`): the
#: gradients autograd would take (``tests/test_layer.py`` compares the two).
LOSS_GRADIENTS = {
    "softmax": _softmax_gradient,
    "logistic": _logistic_gradient,
    "squared": _squared_gradient,
    "poisson": _poisson_gradient,
}


def per_sample_loss(kind: str, outputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """The loss of each row: softmax cross-entropy, logistic (summed over the labels),
    half squared error or half Poisson deviance (averaged over the outputs)."""
    if kind not in _LOSS_FUNCTIONS:
        raise ValueError(f"Unknown loss {kind!r}; expected one of {LOSSES}.")
    return _LOSS_FUNCTIONS[kind](outputs, targets)


def _parameter_groups(module: HalfNetModule, config: TrainingConfig) -> list[dict]:
    groups = [
        {"params": [module.head_weight], "lr": config.lr_head, "weight_decay": config.weight_decay},
        {"params": [module.head_bias], "lr": config.lr_head, "weight_decay": 0.0},
    ]
    if module.V is not None:
        groups.append(
            {"params": [module.V], "lr": config.lr_components, "weight_decay": config.weight_decay}
        )
    return groups


def optimizer_state_to_numpy(optimizer: Adam) -> list[dict]:
    """Adam's per-parameter state (step and moments) as plain floats and numpy arrays."""
    saved = []
    for group in optimizer.param_groups:
        for param in group["params"]:
            state = optimizer.state.get(param, {})
            saved.append(
                {
                    key: float(value) if value.ndim == 0 else value.detach().cpu().numpy().copy()
                    for key, value in state.items()
                }
            )
    return saved


def _load_numpy_state(optimizer: Adam, saved: list[dict]) -> None:
    params = [p for group in optimizer.param_groups for p in group["params"]]
    for param, state in zip(params, saved, strict=True):
        optimizer.state[param] = {
            key: (
                torch.tensor(value, dtype=torch.float32)
                if np.ndim(value) == 0
                else torch.tensor(value, device=param.device, dtype=param.dtype)
            )
            for key, value in state.items()
        }


def make_optimizer(module: HalfNetModule, config: TrainingConfig, state: list[dict] | None):
    """Adam with one rate for V and one for the head; L2 penalty on the weights."""
    optimizer = Adam(_parameter_groups(module, config))
    if state is not None:
        _load_numpy_state(optimizer, state)
    for group in optimizer.param_groups:
        group["initial_lr"] = group["lr"]
    return optimizer


def _set_step_factor(optimizer, factor: float) -> None:
    for group in optimizer.param_groups:
        group["lr"] = group["initial_lr"] * factor


def _penalty(module: HalfNetModule, weight_decay: float) -> float:
    if weight_decay == 0:
        return 0.0
    total = module.head_weight.detach().double().square().sum()
    if module.V is not None:
        total = total + module.V.detach().double().square().sum()
    return 0.5 * weight_decay * float(total)


def _snapshot(module: HalfNetModule, optimizer, average=None) -> tuple:
    params = {name: p.detach().clone() for name, p in module.named_parameters()}
    averaged = None if average is None else [v.clone() for v in average.values]
    return params, optimizer.state_dict(), averaged  # state_dict returns copies


def _restore(module: HalfNetModule, optimizer, snapshot: tuple, average=None) -> None:
    params, optimizer_state, averaged = snapshot
    with torch.no_grad():
        for name, p in module.named_parameters():
            p.copy_(params[name])
        if average is not None:
            for value, saved in zip(average.values, averaged, strict=True):
                value.copy_(saved)
    optimizer.load_state_dict(optimizer_state)


class _StreamAverage:
    """partial_fit's model: a running average of the trained weights.

    A stream has no end for the steps to anneal towards, so the estimator
    predicts with an average of the weights over the last
    :data:`~skhalfnet._schedule.STREAM_AVERAGE_STEPS` steps (Polyak averaging),
    while training goes on from the trained weights, which
    ``history.training_weights`` carries to the next call. The average starts
    from the weights the call was given (the previous call's average).
    """

    def __init__(self, module: HalfNetModule, history: TrainingHistory):
        self.params = list(module.parameters())
        self.values = [p.detach().clone() for p in self.params]
        if history.training_weights is not None:
            with torch.no_grad():
                for p, saved in zip(self.params, history.training_weights, strict=True):
                    p.copy_(torch.as_tensor(saved))

    @torch.no_grad()
    def update(self, step: int) -> None:
        """Fold in the weights after ``step`` steps of the whole stream."""
        weight = stream_average_weight(step)
        for value, p in zip(self.values, self.params, strict=True):
            value.lerp_(p.detach(), weight)

    @torch.no_grad()
    def export(self, module: HalfNetModule) -> NetworkState:
        """The averaged network as numpy arrays (the module keeps its trained weights)."""
        trained = [p.detach().clone() for p in self.params]
        for p, value in zip(self.params, self.values, strict=True):
            p.copy_(value)
        state = module.export_state()
        for p, saved in zip(self.params, trained, strict=True):
            p.copy_(saved)
        return state

    @torch.no_grad()
    def finish(self, module: HalfNetModule, history: TrainingHistory) -> None:
        """Keep the trained weights in ``history`` and leave the average in the module."""
        history.training_weights = [p.detach().cpu().numpy().copy() for p in self.params]
        for p, value in zip(self.params, self.values, strict=True):
            p.copy_(value)


@dataclass
class _Data:
    """The training data on their way to the module, and this call's step counter."""

    X: object
    targets: torch.Tensor
    weights: torch.Tensor
    rows: torch.Tensor
    steps_per_epoch: int
    total_steps: int
    step: int = 0
    #: Whether ``X`` holds the rows' fixed hidden activations (see :func:`fix_hidden`).
    hidden: bool = False
    #: Whether ``X`` holds the rows already cast to the autocast dtype (:func:`cast_rows`).
    cast: bool = False


#: Under the identity covariance nothing before the head is trained, so each row's hidden
#: activations are the same at every step: :func:`fix_hidden` computes them once, where
#: they take at most this many bytes, and the steps train the head on them. On 48 rows of
#: 300 features a step then costs a (48, 2000) by (2000, C) matmul instead of the
#: (48, 300) by (300, 2000) one before it. :func:`cast_rows` keeps its bfloat16 copy of
#: the rows under the same bound.
FIXED_HIDDEN_MAX_BYTES = 2**28


def fix_hidden(module: HalfNetModule, data: _Data, autocast_dtype) -> None:
    """Replace ``data.X`` by every row's hidden activations, when V is absent and they fit.

    Only under the identity covariance (no V: nothing before the head learns), and
    only where ``n_rows * n_hidden`` values take at most :data:`FIXED_HIDDEN_MAX_BYTES`.
    The activations are computed by :meth:`HalfNetModule.hidden`, as each step would
    compute them, so training follows the same arithmetic up to the matmuls' rounding
    for a different batch.
    """
    if module.V is not None or data.hidden:
        return
    n_rows, width = data.X.shape[0], module.Z_t.shape[1]
    dense = isinstance(data.X, torch.Tensor)
    dtype = autocast_dtype if dense and autocast_dtype is not None else module.Z_t.dtype
    if n_rows * width * dtype.itemsize > FIXED_HIDDEN_MAX_BYTES:
        return
    hidden = torch.empty((n_rows, width), dtype=dtype, device=data.targets.device)
    weight_dtype = module.Z_t.dtype
    for start in range(0, n_rows, inference_batch_rows(width)):
        rows = torch.arange(start, min(n_rows, start + inference_batch_rows(width)))
        batch = as_torch_rows(data.X, rows, hidden.device, weight_dtype)
        hidden[start : start + rows.shape[0]] = module.hidden(batch, autocast_dtype)
    data.X, data.hidden = hidden, True


def cast_rows(data: _Data, weight_dtype: torch.dtype, autocast_dtype) -> None:
    """Replace dense ``data.X`` by its rows cast to ``autocast_dtype`` once, where they fit.

    Each step casts its batch to ``autocast_dtype`` anyway (through the weights' dtype,
    as done here): casting every row once instead gives the same numbers and halves the
    bytes each step gathers. Only where the copy is smaller than X (float32 or float64
    X: a uint8 memory map stays as it is) and takes at most
    :data:`FIXED_HIDDEN_MAX_BYTES` (MNIST's 60,000 rows: 94 MB in bfloat16).
    """
    X = data.X
    if autocast_dtype is None or data.hidden or not isinstance(X, torch.Tensor):
        return
    if X.dtype.itemsize <= autocast_dtype.itemsize:
        return
    if X.numel() * autocast_dtype.itemsize > FIXED_HIDDEN_MAX_BYTES:
        return
    cast = torch.empty(X.shape, dtype=autocast_dtype, device=X.device)
    chunk = inference_batch_rows(X.shape[1])
    for start in range(0, X.shape[0], chunk):
        cast[start : start + chunk] = X[start : start + chunk].to(weight_dtype)
    data.X, data.cast = cast, True


def _batch_inputs(data: _Data, rows: torch.Tensor, device: torch.device) -> torch.Tensor:
    """A step's inputs: ``rows`` of the fixed hidden layer or of the rows cast once, as
    they are, or of X cast to the weights' dtype one batch at a time (X itself, float64
    from a scaler or a uint8 memory map, is never converted whole)."""
    if data.hidden or data.cast:
        return data.X.index_select(0, rows)
    return as_torch_rows(data.X, rows, device, data.weights.dtype)


@contextmanager
def _components_frozen(module, frozen: bool):
    """V requires no gradient inside the block, when ``frozen``, and has none (Adam skips
    it): autograd and :meth:`HalfNetModule.manual_step` then leave it out alike."""
    if not frozen or module.V is None:
        yield
        return
    module.V.grad = None
    module.V.requires_grad_(False)
    try:
        yield
    finally:
        module.V.requires_grad_(True)


def _step_loss(module, optimizer, data: _Data, config, inputs, targets, row_weights):
    """Set the trained parameters' gradients for one batch; return its weighted loss sum.

    The hand-written step where it applies (:meth:`HalfNetModule.manual_step`),
    otherwise the forward pass and autograd.
    """
    step = module.manual_step(inputs, config.autocast_dtype, hidden=data.hidden)
    if step is not None:
        outputs, backward = step
        with torch.no_grad():
            weighted = (row_weights * per_sample_loss(config.loss, outputs, targets)).sum()
            grad = LOSS_GRADIENTS[config.loss](outputs, targets)
            backward(grad.mul_((row_weights / targets.shape[0])[:, None]))
        return weighted
    optimizer.zero_grad(set_to_none=True)
    if data.hidden:
        outputs = module.head_outputs(inputs)
    else:
        outputs = module.training_outputs(inputs, config.autocast_dtype)
    weighted = (row_weights * per_sample_loss(config.loss, outputs, targets)).sum()
    (weighted / targets.shape[0]).backward()
    return weighted


def _run_epoch(
    module, optimizer, data: _Data, config, generator, history, average=None
) -> torch.Tensor:
    """One pass over ``data.rows``; returns the sum of the weighted per-sample losses."""
    n_samples = data.rows.shape[0]
    device = data.targets.device
    order = data.rows
    if config.shuffle:
        order = order[torch.randperm(n_samples, generator=generator)]
    schedule = SCHEDULES[config.schedule]
    total = torch.zeros((), dtype=torch.float64, device=device)
    for start in range(0, n_samples, config.batch_size):
        # The stream schedule counts every step ever taken; the others count this call's.
        position = data.step + (history.n_steps if config.schedule == "stream" else 0)
        factor = schedule(position, data.total_steps, data.steps_per_epoch, history.step_scale)
        _set_step_factor(optimizer, factor)
        rows = order[start : start + config.batch_size].to(device)
        inputs = _batch_inputs(data, rows, device)
        targets = data.targets.index_select(0, rows)
        # The weights are normalised to mean 1 over the training rows, so the weighted
        # sum over the batch's rows is an unbiased estimate of the weighted mean loss.
        row_weights = data.weights.index_select(0, rows)
        frozen = not trains_components(config.schedule, position, data.total_steps)
        with _components_frozen(module, frozen):
            weighted = _step_loss(module, optimizer, data, config, inputs, targets, row_weights)
        optimizer.step()
        if average is not None:
            average.update(position + 1)
        total += weighted.detach()
        data.step += 1
    return total


def _non_finite_warning(loss: float, epoch: int, kept_epochs: int) -> None:
    kept = (
        f"the weights after epoch {kept_epochs} were kept"
        if kept_epochs
        else "the initial weights were kept"
    )
    what = "became non-finite" if not math.isfinite(loss) else "diverged"
    _caller.warn(
        f"The training loss or the weights {what} (loss {loss}) in epoch {epoch}; "
        f"training stopped and {kept}. Lower learning_rate_init, or scale the input.",
        NonFiniteLossWarning,
    )


#: The least yardstick :func:`reference_loss` returns: the zero output's half squared
#: error on standardised targets (unit variance). Targets with no spread around the
#: zero output (a stream chunk at the running mean, a refit on constant targets)
#: would otherwise give a yardstick of 0, and any loss would count as diverged.
REFERENCE_LOSS_FLOOR = 0.5


def reference_loss(data: _Data, loss: str, n_outputs: int) -> float:
    """Mean training loss of the constant zero output: the yardstick for divergence.

    At least :data:`REFERENCE_LOSS_FLOOR` (log 2 and log C, the classification
    losses' values, are above it anyway).
    """
    rows = data.rows.to(data.targets.device)
    zeros = torch.zeros((rows.shape[0], n_outputs), dtype=data.weights.dtype, device=rows.device)
    losses = per_sample_loss(loss, zeros, data.targets.index_select(0, rows))
    return max(float((data.weights.index_select(0, rows) * losses).mean()), REFERENCE_LOSS_FLOOR)


def _is_overflow(error: RuntimeError) -> bool:
    return "overflow" in str(error) or "non-finite" in str(error).lower()


def train(
    module: HalfNetModule,
    data: _Data,
    config: TrainingConfig,
    history: TrainingHistory,
    validation_score: Callable[[HalfNetModule], float] | None = None,
    on_epoch: Callable[[int, float, Callable[[], NetworkState]], bool] | None = None,
) -> TrainingHistory:
    """Train ``module`` for up to ``config.max_iter`` epochs; update ``history`` in place.

    Stops early as scikit-learn's MLP does: on the training loss, or on
    ``validation_score`` (higher is better) when ``config.early_stopping``,
    in which case the best weights are restored. After each epoch the loss
    and every parameter are checked: a non-finite value, or a loss above
    :data:`DIVERGENCE_FACTOR` times that of the zero output, restores the
    weights and Adam's state of the start of the epoch before (the last ones
    known to be sound; the first epoch's start if it failed), stops training
    and warns with :class:`NonFiniteLossWarning`. ``on_epoch(epoch, loss, export)`` is called
    after each epoch; a true return value stops training.
    """
    generator = torch.Generator().manual_seed(config.seed)
    module.set_low_precision(config.autocast_dtype)
    fix_hidden(module, data, config.autocast_dtype)
    cast_rows(data, module.head_weight.dtype, config.autocast_dtype)
    average = _StreamAverage(module, history) if config.schedule == "stream" else None
    history.training_weights = None
    export = module.export_state if average is None else lambda: average.export(module)
    optimizer = make_optimizer(module, config, history.optimizer_state)
    best_snapshot = _snapshot(module, optimizer) if config.early_stopping else None
    history.converged = history.non_finite = False
    n_outputs = module.head_bias.shape[0]
    divergence = DIVERGENCE_FACTOR * max(reference_loss(data, config.loss, n_outputs), 1e-12)
    # The weights at the start of the last epoch whose loss was sound: they gave that
    # loss, whereas the epoch's last step may already have sent the weights off.
    sound, sound_epochs = None, len(history.loss_curve)
    for epoch in range(config.max_iter):
        epoch_start = _snapshot(module, optimizer, average)
        try:
            weighted_sum = _run_epoch(module, optimizer, data, config, generator, history, average)
            data_loss = float(weighted_sum) / data.rows.shape[0]
            loss = data_loss + _penalty(module, config.weight_decay)
            finite = math.isfinite(loss) and module.parameters_finite()
        except RuntimeError as error:  # Adam's step overflowing the dtype
            if not _is_overflow(error):
                raise
            data_loss = loss = math.nan
            finite = False
        if not finite or data_loss > divergence:
            failed_epoch = len(history.loss_curve) + 1
            # The last step of the epoch before may already have sent the weights off
            # (with one batch an epoch, it always has): go back to that epoch's start.
            _restore(module, optimizer, epoch_start if sound is None else sound, average)
            del history.loss_curve[sound_epochs:]
            history.non_finite = True
            _non_finite_warning(loss, failed_epoch, len(history.loss_curve))
            break
        sound, sound_epochs = epoch_start, len(history.loss_curve)
        history.loss_curve.append(loss)
        message = f"Iteration {len(history.loss_curve)}, loss = {loss:.8f}"
        improved_loss = loss < history.best_loss - config.tol
        history.best_loss = min(history.best_loss, loss)
        if config.early_stopping:
            score = validation_score(module)
            history.validation_scores.append(score)
            message += f", validation score = {score:.6f}"
            improved = score > history.best_validation_score + config.tol
            if score > history.best_validation_score:
                history.best_validation_score = score
                best_snapshot = _snapshot(module, optimizer)
        else:
            improved = improved_loss
        history.no_improvement_count = 0 if improved else history.no_improvement_count + 1
        if (
            config.schedule == "adaptive"
            and history.no_improvement_count
            and history.no_improvement_count % 2 == 0
        ):
            history.step_scale /= ADAPTIVE_DIVISOR
            message += f", steps divided by {ADAPTIVE_DIVISOR:g}"
        if config.verbose:
            print(message, flush=True)
        if on_epoch is not None and on_epoch(epoch, loss, export):
            history.converged = True  # a callback's stop is not a budget running out
            break
        # A cosine schedule is a budget: only a validation score may cut it short.
        stall_stops = config.early_stopping or config.schedule != "cosine"
        if stall_stops and history.no_improvement_count > config.n_iter_no_change:
            history.converged = True
            if config.verbose:
                what = "Validation score" if config.early_stopping else "Training loss"
                print(
                    f"{what} did not improve more than tol={config.tol} for "
                    f"{config.n_iter_no_change} consecutive epochs. Stopping.",
                    flush=True,
                )
            break
    if config.early_stopping and best_snapshot is not None and history.validation_scores:
        _restore(module, optimizer, best_snapshot)
    history.optimizer_state = optimizer_state_to_numpy(optimizer)
    history.n_steps += data.step
    if average is not None:
        average.finish(module, history)
    return history


def inference_batch_rows(width: int) -> int:
    """Rows per inference batch: at most :data:`INFERENCE_BATCH_VALUES` hidden values."""
    return max(1, min(4096, INFERENCE_BATCH_VALUES // max(1, width)))


@torch.inference_mode()
def compute_outputs(module, X, kind: str, rows: torch.Tensor | None = None):
    """Batched inference: ``kind`` is "decision" (head outputs), "features" or "projection".

    ``X`` is a tensor or scipy CSR matrix, cast batch by batch to the model's
    dtype; ``rows`` selects a subset. Each batch is written into one
    preallocated numpy array, so memory beyond the result is bounded by
    :func:`inference_batch_rows`.
    """
    method = {"decision": module, "features": module.features, "projection": module.projection}[
        kind
    ]
    buffer = module.Z_t
    # All rows of a dense X are read as slices (views), not gathered.
    slices = rows is None and isinstance(X, torch.Tensor)
    if rows is None:
        rows = torch.arange(X.shape[0])
    n_samples = rows.shape[0]
    n_out = {
        "decision": module.head_bias.shape[0],
        "features": buffer.shape[1],
        "projection": buffer.shape[0] if module.V is not None else X.shape[1],
    }[kind]
    result = np.empty((n_samples, n_out), dtype=_NUMPY_DTYPES[buffer.dtype])
    batch_size = inference_batch_rows(buffer.shape[1])
    for start in range(0, n_samples, batch_size):
        if slices:
            # C-ordered, as gathered batches are: a Fortran-ordered X gives the same
            # numbers (the BLAS may round a transposed layout differently).
            batch = X[start : start + batch_size].to(device=buffer.device, dtype=buffer.dtype)
            batch = batch.contiguous()
        else:
            batch = as_torch_rows(X, rows[start : start + batch_size], buffer.device, buffer.dtype)
        out = method(batch)
        if out.layout != torch.strided:
            out = out.to_dense()
        result[start : start + out.shape[0]] = out.cpu().numpy()
    return result


def _target_tensor(targets: np.ndarray, loss: str, dtype: torch.dtype, device) -> torch.Tensor:
    if loss == "softmax":
        return torch.as_tensor(targets, dtype=torch.int64, device=device)
    return torch.as_tensor(targets, dtype=dtype, device=device)


def _row_tensor(rows) -> torch.Tensor | None:
    return None if rows is None else torch.as_tensor(np.asarray(rows), dtype=torch.int64)


def normalized_weights(weights: np.ndarray, train_rows: np.ndarray) -> np.ndarray:
    """Sample weights rescaled to mean 1 over the training rows, without overflow or underflow."""
    weights = np.asarray(weights, dtype=np.float64)
    weights = weights / weights.max()
    mean = weights[train_rows].mean()
    if not mean > 0:
        raise ValueError("The sample weights of the training rows sum to zero.")
    return weights / mean


def fit_arrays(
    state: NetworkState,
    X,
    targets: np.ndarray,
    weights: np.ndarray,
    config: TrainingConfig,
    history: TrainingHistory,
    *,
    device: torch.device,
    train_rows=None,
    validation_rows=None,
    validation_scorer: Callable[[np.ndarray], float] | None = None,
    on_epoch=None,
) -> tuple[NetworkState, TrainingHistory]:
    """Train the network given by ``state`` on numpy/scipy data; return the new state.

    Neither ``state`` nor ``history`` is modified: the returned ones are new.
    ``X`` is never copied in its own dtype on the CPU: a dense array is wrapped as a
    tensor and sliced per batch (on CUDA it is moved to the device once, when it
    fits), or cast to the autocast dtype once where that is smaller and fits
    (:func:`cast_rows`); a CSR matrix is sliced with scipy. ``weights`` must have mean 1 over
    ``train_rows``. ``validation_scorer`` maps the head outputs on
    ``validation_rows`` to a score (higher is better).
    """
    history = copy.deepcopy(history)
    train_rows = _row_tensor(train_rows)
    if train_rows is None:
        train_rows = torch.arange(X.shape[0])
    weights = normalized_weights(weights, train_rows.numpy())
    dtype = torch_dtype(state.coef.dtype)
    module = HalfNetModule(state, device=device, dtype=dtype)
    X_wrapped = on_device(wrap_dense(X), device)
    steps_per_epoch = math.ceil(train_rows.shape[0] / config.batch_size)
    data = _Data(
        X=X_wrapped,
        targets=_target_tensor(targets, config.loss, dtype, device),
        weights=torch.as_tensor(weights, dtype=dtype, device=device),
        rows=train_rows,
        steps_per_epoch=steps_per_epoch,
        total_steps=steps_per_epoch * config.max_iter,
    )
    validation_score = None
    if validation_scorer is not None:
        validation_rows = _row_tensor(validation_rows)

        def validation_score(current):
            return validation_scorer(
                compute_outputs(current, X_wrapped, "decision", validation_rows)
            )

    history = train(module, data, config, history, validation_score, on_epoch)
    return module.export_state(), history


def predict_arrays(
    state: NetworkState, X, kind: str, *, device: torch.device, dtype=None
) -> np.ndarray:
    """Outputs of the network given by ``state`` for numpy/scipy ``X`` (see compute_outputs).

    The network computes in ``dtype`` (default: the dtype of its weights).
    """
    dtype = np.dtype(state.coef.dtype if dtype is None else dtype)
    if device.type == "cpu" and not sp.issparse(X) and X.shape[0] <= NUMPY_MAX_ROWS:
        return numpy_outputs(state, X, kind, dtype)
    layer = InferenceLayer(state, device=device, dtype=torch_dtype(dtype))
    return compute_outputs(layer, on_device(wrap_dense(X), device), kind)


def _misclassified(outputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    return (outputs.argmax(dim=1) != targets).to(torch.float64)


def _wrong_labels(outputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    # Binary (one output) or multilabel: the share of the row's labels predicted wrong.
    wrong = (outputs > 0).to(torch.float64) != targets.reshape(outputs.shape)
    return wrong.to(torch.float64).mean(dim=1)


#: Held-out error of each row, by loss: the 0/1 error for classifiers (the log loss
#: punishes a confident model's few mistakes far beyond what they cost in accuracy),
#: the training loss itself for regressors.
ROW_ERRORS = {
    "softmax": _misclassified,
    "logistic": _wrong_labels,
    "squared": _squared_loss,
    "poisson": _poisson_loss,
}


def held_out_errors(state: NetworkState, X, targets: np.ndarray, loss: str, rows, *, device):
    """Each row's error (see :data:`ROW_ERRORS`) of the network ``state`` on rows ``rows``.

    ``targets`` are those of the rows given (in their order).
    """
    layer = InferenceLayer(state, device=device, dtype=torch_dtype(state.coef.dtype))
    outputs = compute_outputs(
        layer, on_device(wrap_dense(X), device), "decision", _row_tensor(rows)
    )
    outputs = torch.as_tensor(outputs, dtype=torch.float64)
    target_tensor = _target_tensor(targets, loss, torch.float64, "cpu")
    return ROW_ERRORS[loss](outputs, target_tensor).numpy()
