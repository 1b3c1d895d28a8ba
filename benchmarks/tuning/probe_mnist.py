"""Probe training variants that HalfNetClassifier has no parameter for, on MNIST's validation split.

The tuning runs of ``tune_mnist.py`` cover the estimator's own parameters.
This script records what else was tried to raise the validation accuracy, by
wrapping private functions of ``skhalfnet._training`` and methods of its layer for
the duration of one fit (a probe, not an API):

- ``dropout=p``: dropout on the hidden features while training;
- ``noise=s``: Gaussian noise of s times the batch's spread added to Vᵀx while training;
- ``smoothing=e``: label smoothing e in the softmax cross-entropy;
- ``cosine=1``: the step sizes follow a cosine from their initial value to
  zero over ``max_iter`` epochs (with ``learning_rate="constant"``);
- ``center=1``: the pixels minus their training mean, for training and validation.

    python benchmarks/tuning/probe_mnist.py --threads 1 --out probes.jsonl \\
        "n_hidden=4000 rank=64 dropout=0.2" "n_hidden=4000 rank=64 cosine=1"

Same split and output format as ``tune_mnist.py``.
"""

from __future__ import annotations

import math
from contextlib import contextmanager

import torch
import torch.nn.functional as F
from tune_mnist import fit_one, main

from skhalfnet import _training

VARIANTS = ("dropout", "noise", "smoothing", "cosine", "center")


@contextmanager
def patched(patches):
    """Replace ``(owner, name, new)`` attributes for the block, then restore them."""
    originals = [(owner, name, getattr(owner, name)) for owner, name, _ in patches]
    for owner, name, new in patches:
        setattr(owner, name, new)
    try:
        yield
    finally:
        for owner, name, original in reversed(originals):
            setattr(owner, name, original)


def noisy_projection(noise: float, original):
    """Wrap ``HalfNetModule.projection`` to add noise of ``noise`` times the batch's spread."""

    def projection(module, X):
        projected = original(module, X)
        return projected + noise * projected.std() * torch.randn_like(projected)

    return projection


def dropped_features(dropout: float, original):
    """Wrap ``HalfNetModule.features`` to apply dropout to the hidden features."""

    def features(module, X):
        return F.dropout(original(module, X), dropout, training=True)

    return features


def smoothed_loss(smoothing: float, original):
    def per_sample_loss(kind, outputs, targets):
        if kind != "softmax":
            return original(kind, outputs, targets)
        return F.cross_entropy(outputs, targets, reduction="none", label_smoothing=smoothing)

    return per_sample_loss


def cosine_epochs(n_epochs: int, original):
    epochs_run = []

    def run_epoch(module, optimizer, *args, **kwargs):
        scale = 0.5 * (1 + math.cos(math.pi * len(epochs_run) / n_epochs))
        for group in optimizer.param_groups:
            group["lr"] = group["initial_lr"] * scale
        epochs_run.append(scale)
        return original(module, optimizer, *args, **kwargs)

    return run_epoch


def probe(data, config: dict, seed: int) -> dict:
    """Fit one configuration with its probe variants active during ``fit`` only."""
    variant = {key: config.pop(key) for key in VARIANTS if key in config}
    if variant.get("center"):
        X_train, y_train, X_valid, y_valid = data
        mean = X_train.mean(axis=0)
        data = (X_train - mean, y_train, X_valid - mean, y_valid)
    patches = []
    module = _training.HalfNetModule
    if variant.get("noise"):
        patches.append(
            (module, "projection", noisy_projection(variant["noise"], module.projection))
        )
    if variant.get("dropout"):
        patches.append((module, "features", dropped_features(variant["dropout"], module.features)))
    if variant.get("smoothing"):
        loss = smoothed_loss(variant["smoothing"], _training.per_sample_loss)
        patches.append((_training, "per_sample_loss", loss))
    if variant.get("cosine"):
        config = {"learning_rate": "constant", "n_iter_no_change": 10**6, **config}
        schedule = cosine_epochs(config.get("max_iter", 20), _training._run_epoch)
        patches.append((_training, "_run_epoch", schedule))
    # Dropout and noise draw from torch's global generator: seed it for repeatable probes.
    torch.manual_seed(seed)
    line = fit_one(data, config, seed, while_fitting=lambda: patched(patches))
    line["config"] = {**line["config"], **variant}
    return line


if __name__ == "__main__":
    main(run=probe, description=__doc__)
