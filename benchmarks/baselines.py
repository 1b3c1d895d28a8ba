"""Comparison models for the MNIST benchmark, in plain torch.

All models are one hidden ReLU layer of width ``H`` followed by a trained linear
head to ``C`` classes, trained with softmax cross-entropy and Adam on float32
minibatches:

``"torch_mlp"``
    A fully trained MLP, ``nn.Linear(d, H) -> ReLU -> nn.Linear(H, C)``: the same
    network as scikit-learn's ``MLPClassifier(hidden_layer_sizes=(H,))`` (but with
    PyTorch's default initialisation and no L2 penalty).
``"sign_flip"``, ``"mask"``
    Trained signs and a trained on/off mask: the hidden weights ``W`` (He normal)
    are frozen at random and what is learned is one real-valued score ``s`` per
    weight, used through a straight-through estimator as the weight's sign
    (effective weight ``|W| * sign(s)``, ``s`` initialised to ``sign(W)``) or as
    an on/off switch (effective weight ``W * 1[s > 0]``, ``s`` initialised to 1:
    all connections on). Each score is a single bit at inference.
``"scaled_random"``
    Random weights with a learned bias and scale (Rosenfeld & Tsotsos 2018): the
    hidden weights are frozen at random, and only a per-unit scale and bias
    (``2 H`` parameters) are learned.

The public entry point is :func:`fit_and_score`.

Default learning rates were tuned on MNIST (width 1000, 3 epochs, batch 256).
The frozen-weight models want a larger head lr (1e-2) than the MLP (1e-3), and
the sign/mask scores, which start at +-1, need 0.1 to move: at 1e-3 no score
crosses zero within a few epochs and the net stays a plain random-feature net.
At width 4000 a head lr of 3e-3 did as well as 1e-2 (within 0.3 points).
"""

from __future__ import annotations

import math
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["MODELS", "fit_and_score"]


def _linear(d_in: int, d_out: int, generator: torch.Generator) -> nn.Linear:
    """Return an ``nn.Linear`` initialised like PyTorch's default, from ``generator``."""
    layer = nn.utils.skip_init(nn.Linear, d_in, d_out)  # leaves the global RNG untouched
    nn.init.kaiming_uniform_(layer.weight, a=math.sqrt(5), generator=generator)
    bound = 1.0 / math.sqrt(d_in)
    nn.init.uniform_(layer.bias, -bound, bound, generator=generator)
    return layer


def _straight_through(hard: torch.Tensor, soft: torch.Tensor) -> torch.Tensor:
    """Return ``hard`` in the forward pass, with the gradient of ``soft`` (identity)."""
    return soft + (hard - soft).detach()


class TorchMLP(nn.Module):
    """Fully trained one-hidden-layer ReLU network.

    Parameters
    ----------
    d, width, n_classes : int
        Input dimension, hidden width and number of classes.
    generator : torch.Generator
        Source of the initial weights.
    """

    lr = hidden_lr = 1e-3  # default Adam learning rates (scikit-learn's MLPClassifier default)

    def __init__(self, d: int, width: int, n_classes: int, generator: torch.Generator) -> None:
        super().__init__()
        self.hidden = _linear(d, width, generator)
        self.head = _linear(width, n_classes, generator)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Return the logits of ``x``."""
        return self.head(F.relu(self.hidden(x)))


class _FrozenRandom(nn.Module):
    """Base of the frozen-random-weight nets: a He-normal buffer ``weight`` and a head.

    Parameters are those of :class:`TorchMLP`.
    """

    lr = hidden_lr = 1e-2  # default Adam learning rates of the head and the hidden layer

    def __init__(self, d: int, width: int, n_classes: int, generator: torch.Generator) -> None:
        super().__init__()
        weight = torch.randn(width, d, generator=generator) * math.sqrt(2.0 / d)
        self.register_buffer("weight", weight)  # a buffer: never trained
        self.head = _linear(width, n_classes, generator)

    def hidden(self, x: torch.Tensor) -> torch.Tensor:
        """Return the hidden activations of ``x``."""
        raise NotImplementedError

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Return the logits of ``x``."""
        return self.head(self.hidden(x))


class SignFlipNet(_FrozenRandom):
    """Frozen random magnitudes, learned signs: effective weight ``|W| * sign(s)``."""

    hidden_lr = 0.1  # scores start at +-1: a large lr lets them cross zero

    def __init__(self, d: int, width: int, n_classes: int, generator: torch.Generator) -> None:
        super().__init__(d, width, n_classes, generator)
        self.scores = nn.Parameter(torch.sign(self.weight))

    def hidden(self, x: torch.Tensor) -> torch.Tensor:
        """Return ``relu(x @ (|W| * sign(s)).T)``."""
        sign = torch.where(self.scores >= 0, 1.0, -1.0)
        return F.relu(F.linear(x, self.weight.abs() * _straight_through(sign, self.scores)))


class MaskNet(_FrozenRandom):
    """Frozen random weights, learned on/off switches: weight ``W * 1[s > 0]``."""

    hidden_lr = 0.1  # scores start at 1 (all connections on): a large lr lets them cross zero

    def __init__(self, d: int, width: int, n_classes: int, generator: torch.Generator) -> None:
        super().__init__(d, width, n_classes, generator)
        self.scores = nn.Parameter(torch.ones_like(self.weight))

    def hidden(self, x: torch.Tensor) -> torch.Tensor:
        """Return ``relu(x @ (W * 1[s > 0]).T)``."""
        mask = (self.scores > 0).to(self.weight.dtype)
        return F.relu(F.linear(x, self.weight * _straight_through(mask, self.scores)))


class ScaledRandomNet(_FrozenRandom):
    """Frozen random weights, learned per-unit scale and bias (Rosenfeld & Tsotsos 2018)."""

    hidden_lr = 1e-2  # 1e-3 did as well on MNIST; 0.1 was unstable

    def __init__(self, d: int, width: int, n_classes: int, generator: torch.Generator) -> None:
        super().__init__(d, width, n_classes, generator)
        self.scale = nn.Parameter(torch.ones(width))
        self.bias = nn.Parameter(torch.zeros(width))

    def hidden(self, x: torch.Tensor) -> torch.Tensor:
        """Return ``relu(scale * (x @ W.T) + bias)``."""
        return F.relu(F.linear(x, self.weight) * self.scale + self.bias)


MODELS: dict[str, type[nn.Module]] = {
    "torch_mlp": TorchMLP,
    "sign_flip": SignFlipNet,
    "mask": MaskNet,
    "scaled_random": ScaledRandomNet,
}


def _train(
    net: nn.Module,
    X: torch.Tensor,
    y: torch.Tensor,
    *,
    epochs: int,
    batch_size: int,
    lr: float,
    hidden_lr: float,
    generator: torch.Generator,
    verbose: bool,
) -> None:
    """Minimise the cross-entropy of ``net`` on ``(X, y)`` with minibatch Adam.

    The head is trained at ``lr``, every other trainable parameter at ``hidden_lr``.
    ``X`` stays one tensor; each epoch slices it along a fresh permutation.
    """
    head = list(net.head.parameters())
    hidden = [p for n, p in net.named_parameters() if not n.startswith("head.")]
    optimizer = torch.optim.Adam([{"params": head, "lr": lr}, {"params": hidden, "lr": hidden_lr}])
    n = X.shape[0]
    net.train()
    for epoch in range(epochs):
        order = torch.randperm(n, generator=generator)
        total = 0.0
        for start in range(0, n, batch_size):
            idx = order[start : start + batch_size]
            loss = F.cross_entropy(net(X[idx]), y[idx])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            total += loss.item() * idx.numel()
        if verbose:
            print(f"epoch {epoch + 1}/{epochs}: train loss {total / n:.4f}", flush=True)


@torch.no_grad()
def _predict(net: nn.Module, X: torch.Tensor, batch_size: int = 4096) -> torch.Tensor:
    """Return the predicted class indices of ``X``."""
    net.eval()
    return torch.cat([net(X[i : i + batch_size]).argmax(1) for i in range(0, len(X), batch_size)])


def fit_and_score(
    model: str,
    X_train: np.ndarray,
    y_train: np.ndarray,
    X_test: np.ndarray,
    y_test: np.ndarray,
    *,
    width: int,
    epochs: int,
    batch_size: int = 256,
    lr: float | None = None,
    hidden_lr: float | None = None,
    seed: int = 0,
    n_threads: int = 2,
    verbose: bool = False,
) -> dict:
    """Train one comparison model and return its test accuracy.

    Parameters
    ----------
    model : {"torch_mlp", "sign_flip", "mask", "scaled_random"}
        Which model to train (see the module docstring).
    X_train, X_test : ndarray of shape (n_samples, n_features)
        Inputs, float32 (other dtypes are cast to float32, never to float64).
    y_train, y_test : ndarray of shape (n_samples,)
        Integer class labels; test labels unseen in training count as errors.
    width : int
        Hidden width ``H``.
    epochs : int
        Number of passes over the training data.
    batch_size : int, default=256
        Minibatch size.
    lr : float or None, default=None
        Adam learning rate of the head; None means the model's ``lr``.
    hidden_lr : float or None, default=None
        Adam learning rate of the trained hidden-layer parameters (weights and
        biases, scores, or scales and biases). None keeps the model's ratio
        ``hidden_lr / lr``: 1 for ``"torch_mlp"``, 10 for ``"sign_flip"`` and
        ``"mask"``, 1 for ``"scaled_random"``.
    seed : int, default=0
        Seed of the local ``torch.Generator`` behind the initial weights and the
        minibatch order; the global RNGs are neither seeded nor consumed.
    n_threads : int, default=2
        Torch threads for fitting and predicting; the previous setting is restored.
    verbose : bool, default=False
        Print the training loss after every epoch.

    Returns
    -------
    dict
        ``method``, ``width``, ``trainable_params`` (every trained scalar, head
        included), ``fit_seconds`` (wall time of training only) and
        ``test_accuracy``.
    """
    if model not in MODELS:
        raise ValueError(f"model must be one of {sorted(MODELS)}, got {model!r}")
    classes, y_idx = np.unique(y_train, return_inverse=True)
    X_tr = torch.from_numpy(np.ascontiguousarray(X_train, dtype=np.float32))
    X_te = torch.from_numpy(np.ascontiguousarray(X_test, dtype=np.float32))
    y_tr = torch.from_numpy(y_idx.astype(np.int64))

    previous_threads = torch.get_num_threads()
    torch.set_num_threads(n_threads)
    try:
        generator = torch.Generator().manual_seed(seed)
        cls = MODELS[model]
        lr = cls.lr if lr is None else lr
        hidden_lr = lr * cls.hidden_lr / cls.lr if hidden_lr is None else hidden_lr
        net = cls(X_tr.shape[1], width, len(classes), generator)
        start = time.perf_counter()
        _train(
            net,
            X_tr,
            y_tr,
            epochs=epochs,
            batch_size=batch_size,
            lr=lr,
            hidden_lr=hidden_lr,
            generator=generator,
            verbose=verbose,
        )
        fit_seconds = time.perf_counter() - start
        pred = classes[_predict(net, X_te).numpy()]
    finally:
        torch.set_num_threads(previous_threads)

    return {
        "method": model,
        "width": width,
        "trainable_params": sum(p.numel() for p in net.parameters() if p.requires_grad),
        "fit_seconds": fit_seconds,
        "test_accuracy": float(np.mean(pred == np.asarray(y_test))),
    }
