"""Do orthogonal random draws of Z buy accuracy per hidden unit? (issue: more accuracy
per hidden unit). A probe on MNIST's validation part only, not a library feature.

Orthogonal random features: within each block of ``rank`` hidden units the rows of Z
are orthogonal (QR of a Gaussian block, signs fixed by R's diagonal so that the block
is Haar-distributed) and rescaled by chi(rank) norms, so each row is still N(0, I_k)
and the layer has the same limit kernel, with lower-variance kernel estimates. The
probe swaps it in for ``skhalfnet._layer.draw_random_weights`` and fits the default
classifier on the first 50,000 training images, scored on the 10,000 "valid" images
(6 epochs: about the steps of the default fit on all 60,000 rows), seeds 0-2, one
thread, at each width of ``--widths``, with i.i.d. and orthogonal draws::

    OMP_NUM_THREADS=1 python benchmarks/tuning/probe_orthogonal.py --widths 1600 1000 \\
        > docs/suite/tuning/orthogonal.txt
"""

from __future__ import annotations

import argparse

import torch
from _seed_rows import seed_cells

from skhalfnet import HalfNetClassifier, _layer
from skhalfnet.datasets import load_mnist


def orthogonal_draws(seed, n_hidden, rank, activation, bias_scale, dtype):
    """Z with orthogonal rows within blocks of ``rank``, each row N(0, I_k); bias as usual."""
    generator = torch.Generator().manual_seed(int(seed))
    blocks, left = [], n_hidden
    while left > 0:
        gaussian = torch.randn(rank, rank, generator=generator, dtype=torch.float64)
        q, r = torch.linalg.qr(gaussian)
        q = q * torch.sign(torch.diagonal(r))
        norms = torch.randn(rank, rank, generator=generator, dtype=torch.float64).norm(dim=1)
        blocks.append((q.T * norms[:, None])[: min(rank, left)])
        left -= rank
    z = torch.cat(blocks)
    bias = torch.randn(n_hidden, generator=generator, dtype=torch.float64) * bias_scale
    return z.numpy().astype(dtype), bias.numpy().astype(dtype)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--widths", type=int, nargs="*", default=[1600, 1000])
    parser.add_argument("--seeds", type=int, nargs="*", default=[0, 1, 2])
    args = parser.parse_args()
    X, y = load_mnist(return_X_y=True, subset="train")
    X_tr, y_tr, X_va, y_va = X[:50000], y[:50000], X[50000:], y[50000:]
    iid = _layer.draw_random_weights
    print("| width | Z | valid accuracy, mean ± sd (per seed) | fit CPU s, mean |")
    print("|---|---|---|---|")
    for width in args.widths:
        for name, draw in (("i.i.d.", iid), ("orthogonal", orthogonal_draws)):
            _layer.draw_random_weights = draw

            def fit(seed, width=width):
                model = HalfNetClassifier(n_hidden=width, max_iter=6, random_state=seed)
                return model.fit(X_tr, y_tr)

            cells = seed_cells(fit, X_va, y_va, args.seeds)
            print(f"| {width} | {name} | {cells} |", flush=True)
    _layer.draw_random_weights = iid


if __name__ == "__main__":
    main()
