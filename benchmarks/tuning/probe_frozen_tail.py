"""What does training V cost at the end of a cosine fit, where its steps are small?

A probe on MNIST's validation part only, not a library feature. From epoch
``epochs - tail`` on, V is frozen: each row's projection ``x V`` is computed once
(as the steps compute it, in bfloat16) and the remaining steps train only the head on
the frozen projections, so they skip the product with V, the backward through Z and
V's update. The cosine schedule still runs over all the epochs. Each variant fits on
the first 50,000 training images and is scored on the 10,000 "valid" images, seeds
0-2, one thread. It prints the table of ``docs/suite/tuning/frozen_tail.md``::

    OMP_NUM_THREADS=1 python benchmarks/tuning/probe_frozen_tail.py
"""

from __future__ import annotations

import torch
from _seed_rows import seed_cells

from skhalfnet import HalfNetClassifier, _training
from skhalfnet.datasets import load_mnist

SEEDS = (0, 1, 2)
#: (epochs, frozen tail epochs, rank).
VARIANTS = [(6, 0, 64), (6, 1, 64), (6, 2, 64), (6, 3, 64), (7, 3, 64), (6, 0, 96), (6, 2, 96)]


def freezing_epochs(run_epoch, tail):
    """``_training._run_epoch`` with V frozen for the last ``tail`` epochs of each fit."""
    held = {}

    def run(module, optimizer, data, config, generator, history, average=None):
        epoch = data.step // data.steps_per_epoch
        frozen = epoch >= config.max_iter - tail
        if frozen and module.V is not None:
            with torch.no_grad():
                V = module.V.to(data.X.dtype)
                projected = torch.cat([chunk @ V for chunk in data.X.split(4096)])
            module.V.grad = None  # Adam skips a parameter without a gradient
            held["V"], held["X"] = module.V, data.X
            module.V, data.X = None, projected  # the layer then reads x V as its input
        try:
            return run_epoch(module, optimizer, data, config, generator, history, average)
        finally:
            if frozen and epoch == config.max_iter - 1:
                module.V, data.X = held.pop("V"), held.pop("X")

    return run


def main():
    torch.set_num_threads(1)
    X, y = load_mnist(return_X_y=True, subset="train")
    X_tr, y_tr, X_va, y_va = X[:50000], y[:50000], X[50000:], y[50000:]
    HalfNetClassifier(max_iter=1, random_state=0).fit(X_tr[:512], y_tr[:512])  # warm-up
    original = _training._run_epoch
    print(
        "| epochs | V frozen for the last | rank | valid accuracy, mean ± sd (per seed) "
        "| fit CPU s, mean |"
    )
    print("|---|---|---|---|---|")
    for epochs, tail, rank in VARIANTS:
        _training._run_epoch = freezing_epochs(original, tail)

        def fit(seed, epochs=epochs, rank=rank):
            model = HalfNetClassifier(rank=rank, max_iter=epochs, random_state=seed)
            return model.fit(X_tr, y_tr)

        try:
            cells = seed_cells(fit, X_va, y_va, SEEDS)
        finally:
            _training._run_epoch = original
        print(f"| {epochs} | {tail} | {rank} | {cells} |", flush=True)


if __name__ == "__main__":
    main()
