"""Cheaper fits at the same accuracy? Probes of the paths toward ten times the MLP.

A probe on MNIST's validation part only, not a library feature. Each variant fits on
the first 50,000 training images and is scored on the 10,000 "valid" images, seeds
0-2, one thread; the default at 6 epochs is about the steps of the default fit on all
60,000 rows, and the default at 4 and 5 epochs gives its own cost-accuracy curve, the
line a cheaper variant has to beat. The variants:

``V from half the batch``
    V's gradient from the batch's first 128 rows only (rescaled), the head's from all
    256: the V half of the backward, 39 of the step's 90 million multiply-adds, halved.
``batch 512``
    Twice the batch (half the steps), learning_rate_init 0.14.
``PCA-m inputs``
    The rows projected on their top m principal directions first (scikit-learn's PCA,
    not timed: the projection is a one-off cost the table leaves out), so that the
    product with V costs m instead of 784 columns.
``PCA(96) then HalfNet``
    The same as a scikit-learn pipeline, ``make_pipeline(PCA(96), HalfNetClassifier())``,
    timed whole: the PCA's fit and both projections are inside the fit's time.
``narrow V first``
    V trained first in a 400-wide network for 2 epochs, then the default network for 4
    epochs from that V.
``head on fixed features``
    The default for 3 epochs, then V frozen and the head trained for 2 more epochs on
    the hidden activations computed once (Adam, cosine from 0.3 of the head's step).

It prints the table of ``docs/suite/tuning/cheaper_fits.md``::

    OMP_NUM_THREADS=1 python benchmarks/tuning/probe_cheaper_fits.py
"""

from __future__ import annotations

import math

import numpy as np
import torch
from _seed_rows import seed_cells
from sklearn.decomposition import PCA
from sklearn.pipeline import make_pipeline

from skhalfnet import HalfNetClassifier, _base, _layer
from skhalfnet._rules import learning_rates
from skhalfnet._training import LOSS_GRADIENTS
from skhalfnet.datasets import load_mnist

SEEDS = (0, 1, 2)
BF16 = torch.bfloat16
BATCH_512 = {"batch_size": 512, "learning_rate_init": 0.14}


def half_batch_backward(ctx, grad_outputs):
    """_ReLUNetwork's backward with V's gradient from the first half of the batch."""
    X, activated, Z_t, head = ctx.saved_tensors
    weight_dtype = grad_outputs.dtype
    grad = grad_outputs.to(X.dtype)
    grad_head = (grad.T @ activated).to(weight_dtype).mul_(ctx.scale)
    grad_head_bias = grad.sum(0).to(weight_dtype)
    half = X.shape[0] // 2
    masked = _layer.relu_backward_on_bits_(grad[:half] @ head, activated[:half])
    grad_components = (X[:half].T @ (masked @ Z_t.T)).to(weight_dtype).mul_(X.shape[0] / half)
    return None, grad_components, None, None, grad_head, grad_head_bias, None


def fit_default(X, y, seed, **params):
    return HalfNetClassifier(random_state=seed, **params).fit(X, y)


def fit_half_batch_v(X, y, seed):
    original = _layer._ReLUNetwork.backward
    _layer._ReLUNetwork.backward = staticmethod(half_batch_backward)
    try:
        return fit_default(X, y, seed, max_iter=6)
    finally:
        _layer._ReLUNetwork.backward = original


def fit_narrow_first(X, y, seed):
    narrow = fit_default(X, y, seed + 100, n_hidden=400, max_iter=2)
    components = narrow.components_.copy()
    original = _base.initial_components
    _base.initial_components = lambda *args, **kwargs: components
    try:
        return fit_default(X, y, seed, max_iter=4)
    finally:
        _base.initial_components = original


def fit_head_on_fixed_features(X, y, seed, joint_epochs=3, head_epochs=2, step=0.3):
    model = fit_default(X, y, seed, max_iter=joint_epochs)
    module = _layer.HalfNetModule(
        model._network_state(), device=torch.device("cpu"), dtype=torch.float32
    )
    module.set_low_precision(BF16)
    rows = torch.from_numpy(X).to(BF16)
    hidden = torch.cat([module.hidden(rows[s : s + 2048], BF16) for s in range(0, len(X), 2048)])
    targets = torch.as_tensor(np.searchsorted(model.classes_, y))
    peak = step * learning_rates(0.1, model.n_hidden, model.rank_)[0]
    optimizer = torch.optim.Adam([module.head_weight, module.head_bias], lr=peak)
    generator = torch.Generator().manual_seed(seed)
    total = head_epochs * math.ceil(len(X) / 256)
    for t in range(total):
        if t % math.ceil(len(X) / 256) == 0:
            order = torch.randperm(len(X), generator=generator)
        batch = order[(t % math.ceil(len(X) / 256)) * 256 :][:256]
        outputs, backward = module.manual_step(hidden.index_select(0, batch), BF16, hidden=True)
        grad = LOSS_GRADIENTS["softmax"](outputs, targets.index_select(0, batch))
        backward(grad.div_(batch.shape[0]))
        optimizer.param_groups[0]["lr"] = peak * 0.5 * (1 + math.cos(math.pi * t / total))
        optimizer.step()
    state = module.export_state()
    model.head_coef_, model.head_intercept_ = state.coef, state.intercept
    return model


def main():
    torch.set_num_threads(1)
    X, y = load_mnist(return_X_y=True, subset="train")
    X_tr, y_tr, X_va, y_va = X[:50000], y[:50000], X[50000:], y[50000:]
    pca = {m: PCA(m, svd_solver="covariance_eigh").fit(X_tr) for m in (96, 192)}
    projected = {
        m: (p.transform(X_tr).astype(np.float32), p.transform(X_va).astype(np.float32))
        for m, p in pca.items()
    }

    def pipeline_fit(seed):
        pca = PCA(96, svd_solver="covariance_eigh", random_state=seed)
        model = HalfNetClassifier(max_iter=6, random_state=seed)
        return make_pipeline(pca, model).fit(X_tr, y_tr)

    variants = [
        ("default, 4 epochs", lambda s: fit_default(X_tr, y_tr, s, max_iter=4), X_va),
        ("default, 5 epochs", lambda s: fit_default(X_tr, y_tr, s, max_iter=5), X_va),
        ("default, 6 epochs", lambda s: fit_default(X_tr, y_tr, s, max_iter=6), X_va),
        ("V from half the batch, 6 epochs", lambda s: fit_half_batch_v(X_tr, y_tr, s), X_va),
        (
            "batch 512, step 0.14, 6 epochs",
            lambda s: fit_default(
                X_tr, y_tr, s, max_iter=6, batch_size=512, learning_rate_init=0.14
            ),
            X_va,
        ),
        (
            "PCA-96 inputs, 6 epochs",
            lambda s: fit_default(projected[96][0], y_tr, s, max_iter=6),
            projected[96][1],
        ),
        (
            "PCA-192 inputs, 6 epochs",
            lambda s: fit_default(projected[192][0], y_tr, s, max_iter=6),
            projected[192][1],
        ),
        ("PCA(96) then HalfNet, a pipeline timed whole, 6 epochs", pipeline_fit, X_va),
        (
            "narrow V first (400 wide, 2) + 4 epochs",
            lambda s: fit_narrow_first(X_tr, y_tr, s),
            X_va,
        ),
        (
            "3 epochs + 2 head epochs on fixed features",
            lambda s: fit_head_on_fixed_features(X_tr, y_tr, s),
            X_va,
        ),
    ]

    fit_default(X_tr[:512], y_tr[:512], 0, max_iter=1)  # warm-up
    print("| variant | valid accuracy, mean ± sd (per seed) | fit CPU s, mean |")
    print("|---|---|---|")
    for name, fit, X_valid in variants:
        print(f"| {name} | {seed_cells(fit, X_valid, y_va, SEEDS)} |", flush=True)


if __name__ == "__main__":
    main()
