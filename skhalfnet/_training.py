"""Minibatch Adam training and batched inference for :class:`HalfNetModule`.

Torch only, no scikit-learn. The training data stay one tensor (or one scipy
CSR matrix) that is sliced by a permutation each epoch: there is no
per-sample dataset indexing.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F

from ._layer import (
    _NUMPY_DTYPES,
    HalfNetModule,
    NetworkState,
    as_torch_rows,
    torch_dtype,
    wrap_dense,
)

LOSSES = ("softmax", "logistic", "squared")


class NonFiniteLossWarning(UserWarning):
    """Training stopped because the loss became NaN or infinite."""


@dataclass
class TrainingConfig:
    """What one call of :func:`train` does; built by the estimator layer."""

    loss: str
    batch_size: int
    max_iter: int
    lr_head: float
    lr_components: float
    alpha: float
    shuffle: bool
    tol: float
    n_iter_no_change: int
    early_stopping: bool
    seed: int
    verbose: int = 0
    adaptive: bool = False


@dataclass
class TrainingHistory:
    """What training records; carried over between warm starts and partial fits."""

    loss_curve: list[float] = field(default_factory=list)
    validation_scores: list[float] = field(default_factory=list)
    best_loss: float = math.inf
    best_validation_score: float = -math.inf
    no_improvement_count: int = 0
    step_scale: float = 1.0
    optimizer_state: dict | None = None
    converged: bool = False
    non_finite: bool = False


def per_sample_loss(kind: str, outputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """The loss of each row: softmax cross-entropy, logistic, or half squared error."""
    if kind == "softmax":
        return F.cross_entropy(outputs, targets, reduction="none")
    if kind == "logistic":
        return F.binary_cross_entropy_with_logits(outputs[:, 0], targets, reduction="none")
    if kind == "squared":
        return 0.5 * (outputs - targets).square().mean(dim=1)
    raise ValueError(f"Unknown loss {kind!r}; expected one of {LOSSES}.")


def make_optimizer(module: HalfNetModule, config: TrainingConfig, state: dict | None):
    """Adam with one rate for V and one for the head; L2 penalty ``alpha`` on the weights."""
    groups = [
        {"params": [module.head_weight], "lr": config.lr_head, "weight_decay": config.alpha},
        {"params": [module.head_bias], "lr": config.lr_head, "weight_decay": 0.0},
    ]
    if module.V is not None:
        groups.append(
            {"params": [module.V], "lr": config.lr_components, "weight_decay": config.alpha}
        )
    optimizer = torch.optim.Adam(groups)
    if state is not None:
        optimizer.load_state_dict(state)
        for group, wanted in zip(optimizer.param_groups, groups, strict=True):
            group["lr"], group["weight_decay"] = wanted["lr"], wanted["weight_decay"]
    for group in optimizer.param_groups:
        group["initial_lr"] = group["lr"]
    return optimizer


#: With ``adaptive`` steps, two epochs in a row without improvement divide the steps by this.
ADAPTIVE_DIVISOR = 5.0


def _scale_steps(optimizer, scale: float) -> None:
    for group in optimizer.param_groups:
        group["lr"] = group["initial_lr"] * scale


def _penalty(module: HalfNetModule, alpha: float) -> float:
    if alpha == 0:
        return 0.0
    total = module.head_weight.detach().square().sum()
    if module.V is not None:
        total = total + module.V.detach().square().sum()
    return 0.5 * alpha * float(total)


def _snapshot(module: HalfNetModule) -> dict[str, torch.Tensor]:
    return {name: p.detach().clone() for name, p in module.named_parameters()}


def _restore(module: HalfNetModule, snapshot: dict[str, torch.Tensor]) -> None:
    with torch.no_grad():
        for name, p in module.named_parameters():
            p.copy_(snapshot[name])


def _run_epoch(module, optimizer, X, targets, weights, train_rows, config, generator, mean_weight):
    """One pass over ``train_rows``; returns the weighted sum of per-sample losses (a tensor)."""
    n_samples = train_rows.shape[0]
    device = targets.device
    if config.shuffle:
        order = train_rows[torch.randperm(n_samples, generator=generator)]
    else:
        order = train_rows
    total = torch.zeros((), dtype=weights.dtype, device=device)
    for start in range(0, n_samples, config.batch_size):
        rows = order[start : start + config.batch_size]
        rows_on_device = rows.to(device)
        batch_weights = weights.index_select(0, rows_on_device)
        losses = per_sample_loss(
            config.loss, module(as_torch_rows(X, rows, device)), targets[rows_on_device]
        )
        weighted = (batch_weights * losses).sum()
        # Normalised by the batch's expected weight, so that a full batch gives the
        # weighted mean and minibatches give unbiased estimates of it.
        loss = weighted / (mean_weight * rows.shape[0])
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        total += weighted.detach()
    return total


def train(
    module: HalfNetModule,
    X,
    targets: torch.Tensor,
    weights: torch.Tensor,
    train_rows: torch.Tensor,
    config: TrainingConfig,
    history: TrainingHistory,
    validation_score: Callable[[HalfNetModule], float] | None = None,
) -> TrainingHistory:
    """Train ``module`` on rows ``train_rows`` for up to ``config.max_iter`` epochs.

    ``X`` is a CPU tensor from :func:`wrap_dense` or a scipy CSR matrix;
    ``targets`` and ``weights`` are already on the module's device. Stops
    early as scikit-learn's MLP does: on the training loss, or on
    ``validation_score`` (higher is better) when ``config.early_stopping``,
    in which case the best weights are restored. A non-finite loss stops
    training with a :class:`NonFiniteLossWarning` and keeps the weights of the
    last finite epoch.
    """
    generator = torch.Generator().manual_seed(config.seed)
    optimizer = make_optimizer(module, config, history.optimizer_state)
    _scale_steps(optimizer, history.step_scale)
    total_weight = float(weights[train_rows.to(weights.device)].sum())
    mean_weight = total_weight / train_rows.shape[0]
    best_snapshot = _snapshot(module) if config.early_stopping else None
    history.converged = False
    for _ in range(config.max_iter):
        epoch_start = _snapshot(module)
        weighted_sum = _run_epoch(
            module, optimizer, X, targets, weights, train_rows, config, generator, mean_weight
        )
        loss = float(weighted_sum) / total_weight + _penalty(module, config.alpha)
        if not math.isfinite(loss):
            _restore(module, epoch_start)
            history.non_finite = True
            warnings.warn(
                f"The training loss became non-finite ({loss}) in epoch "
                f"{len(history.loss_curve) + 1}; training stopped and the weights of the "
                "last finite epoch were kept. Lower learning_rate_init, or scale the input.",
                NonFiniteLossWarning,
                stacklevel=3,
            )
            break
        history.loss_curve.append(loss)
        message = f"Iteration {len(history.loss_curve)}, loss = {loss:.8f}"
        if config.early_stopping:
            score = validation_score(module)
            history.validation_scores.append(score)
            message += f", validation score = {score:.6f}"
            improved = score > history.best_validation_score + config.tol
            if score > history.best_validation_score:
                history.best_validation_score = score
                best_snapshot = _snapshot(module)
        else:
            improved = loss < history.best_loss - config.tol
            history.best_loss = min(history.best_loss, loss)
        history.no_improvement_count = 0 if improved else history.no_improvement_count + 1
        if (
            config.adaptive
            and history.no_improvement_count
            and history.no_improvement_count % 2 == 0
        ):
            history.step_scale /= ADAPTIVE_DIVISOR
            _scale_steps(optimizer, history.step_scale)
            message += f", steps divided by {ADAPTIVE_DIVISOR:g}"
        if config.verbose:
            print(message, flush=True)
        if history.no_improvement_count > config.n_iter_no_change:
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
        _restore(module, best_snapshot)
    history.optimizer_state = _cpu_state(optimizer.state_dict())
    return history


def _cpu_state(state):
    if isinstance(state, torch.Tensor):
        return state.detach().cpu().clone()
    if isinstance(state, dict):
        return {key: _cpu_state(value) for key, value in state.items()}
    if isinstance(state, list):
        return [_cpu_state(value) for value in state]
    return state


@torch.inference_mode()
def compute_outputs(
    module: HalfNetModule, X, kind: str, rows: torch.Tensor | None = None, batch_size: int = 4096
) -> np.ndarray:
    """Batched inference: ``kind`` is "decision" (head outputs), "features" or "projection".

    ``X`` is a CPU tensor or scipy CSR matrix, cast batch by batch to the
    model's dtype; ``rows`` selects a subset. Each batch is written into one
    preallocated numpy array.
    """
    method = {"decision": module, "features": module.features, "projection": module.projection}[
        kind
    ]
    buffer = next(module.buffers())
    if rows is None:
        rows = torch.arange(X.shape[0])
    n_samples = rows.shape[0]
    dtype = _NUMPY_DTYPES[buffer.dtype]
    result = None
    for start in range(0, n_samples, batch_size):
        batch = as_torch_rows(X, rows[start : start + batch_size], buffer.device, buffer.dtype)
        out = method(batch)
        if out.layout != torch.strided:
            out = out.to_dense()
        if result is None:
            result = np.empty((n_samples, out.shape[1]), dtype=dtype)
        result[start : start + out.shape[0]] = out.cpu().numpy()
    return result


def _target_tensor(targets: np.ndarray, loss: str, dtype: torch.dtype, device) -> torch.Tensor:
    if loss == "softmax":
        return torch.as_tensor(targets, dtype=torch.int64, device=device)
    return torch.as_tensor(targets, dtype=dtype, device=device)


def _row_tensor(rows) -> torch.Tensor | None:
    return None if rows is None else torch.as_tensor(np.asarray(rows), dtype=torch.int64)


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
) -> tuple[NetworkState, TrainingHistory]:
    """Train the network given by ``state`` on numpy/scipy data; return the new state.

    ``X`` is never copied: a dense array is wrapped as a tensor and sliced per
    batch; a CSR matrix is sliced with scipy. ``validation_scorer`` maps the
    head outputs on ``validation_rows`` to a score (higher is better).
    """
    dtype = torch_dtype(state.coef.dtype)
    module = HalfNetModule(state, device=device, dtype=dtype)
    X_wrapped = wrap_dense(X)
    target_tensor = _target_tensor(targets, config.loss, dtype, device)
    weight_tensor = torch.as_tensor(weights, dtype=dtype, device=device)
    train_rows = _row_tensor(train_rows)
    if train_rows is None:
        train_rows = torch.arange(X.shape[0])
    validation_score = None
    if validation_scorer is not None:
        validation_rows = _row_tensor(validation_rows)

        def validation_score(current):
            return validation_scorer(
                compute_outputs(current, X_wrapped, "decision", validation_rows)
            )

    history = train(
        module,
        X_wrapped,
        target_tensor,
        weight_tensor,
        train_rows,
        config,
        history,
        validation_score,
    )
    return module.export_state(), history


def predict_arrays(state: NetworkState, X, kind: str, *, device: torch.device) -> np.ndarray:
    """Outputs of the network given by ``state`` for numpy/scipy ``X`` (see compute_outputs)."""
    module = HalfNetModule(state, device=device, dtype=torch_dtype(state.coef.dtype))
    return compute_outputs(module, wrap_dense(X), kind)
