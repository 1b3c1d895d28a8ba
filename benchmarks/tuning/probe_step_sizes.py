"""Are the default fit's step sizes, V's share of them and Adam's settings at their best?

A probe on MNIST's validation part only, not a library feature. Each variant fits on
the first 50,000 training images for 6 epochs (about the steps of the default fit on
all 60,000 rows) and is scored on the 10,000 "valid" images, seeds 0-2, one thread:

* ``learning_rate_init`` (the head's step; V's is a fixed share of it);
* that share, :data:`skhalfnet._rules.COMPONENTS_STEP_RATIO` (0.1 by default);
* no warm-up (:data:`skhalfnet._schedule.WARMUP_FRACTION` 0 instead of 0.05);
* Adam's second-moment decay 0.99 instead of 0.999 (:data:`skhalfnet._adam.BETAS`).

The module constants are patched for one variant and put back after it. It prints
the table of ``docs/suite/tuning/step_sizes.md``::

    OMP_NUM_THREADS=1 python benchmarks/tuning/probe_step_sizes.py
"""

from __future__ import annotations

import torch
from _seed_rows import seed_cells

from skhalfnet import HalfNetClassifier, _adam, _rules, _schedule
from skhalfnet.datasets import load_mnist

SEEDS = (0, 1, 2)

#: name, estimator parameters, and the module constants the variant sets.
VARIANTS = [
    ("default", {}, {}),
    ("learning_rate_init 0.05", {"learning_rate_init": 0.05}, {}),
    ("learning_rate_init 0.07", {"learning_rate_init": 0.07}, {}),
    ("learning_rate_init 0.14", {"learning_rate_init": 0.14}, {}),
    ("learning_rate_init 0.2", {"learning_rate_init": 0.2}, {}),
    ("V's share 0.05", {}, {(_rules, "COMPONENTS_STEP_RATIO"): 0.05}),
    ("V's share 0.2", {}, {(_rules, "COMPONENTS_STEP_RATIO"): 0.2}),
    ("V's share 0.3", {}, {(_rules, "COMPONENTS_STEP_RATIO"): 0.3}),
    ("no warm-up", {}, {(_schedule, "WARMUP_FRACTION"): 0.0}),
    ("Adam beta2 0.99", {}, {(_adam, "BETAS"): (0.9, 0.99)}),
]


def main():
    torch.set_num_threads(1)
    X, y = load_mnist(return_X_y=True, subset="train")
    X_tr, y_tr, X_va, y_va = X[:50000], y[:50000], X[50000:], y[50000:]
    HalfNetClassifier(max_iter=1, random_state=0).fit(X_tr[:512], y_tr[:512])  # warm-up
    print("| variant | valid accuracy, mean ± sd (per seed) | fit CPU s, mean |")
    print("|---|---|---|")
    for name, params, constants in VARIANTS:
        saved = {key: getattr(*key) for key in constants}

        def fit(seed, params=params):
            return HalfNetClassifier(max_iter=6, random_state=seed, **params).fit(X_tr, y_tr)

        try:
            for (module, attribute), value in constants.items():
                setattr(module, attribute, value)
            cells = seed_cells(fit, X_va, y_va, SEEDS)
        finally:
            for (module, attribute), value in saved.items():
                setattr(module, attribute, value)
        print(f"| {name} | {cells} |", flush=True)


if __name__ == "__main__":
    main()
