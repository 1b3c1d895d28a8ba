"""Choose the training budget of ``max_iter="auto"`` and ``n_hidden="auto"`` on tuning data.

None of these data sets is in the benchmark suite (``benchmarks/bench_suite.py``):
they are scikit-learn's generators with other shapes and seeds than the suite's,
and MNIST's first training images scored on its 10,000 "valid" images (never the
test images). Each set is split once 75/25 (MNIST: train rows vs. the valid part)
and scaled with a StandardScaler fitted on the training part, then cast to float32.

For every set and seed the script fits HalfNet at a grid of epoch budgets (cosine
schedule, so each budget is its own fit) and two widths (2000, and the width rule
under test), and appends one JSON line per fit to ``--out``: the data set, rows,
epochs, steps, width, validation score, train score and fit CPU seconds. The
default MLP of scikit-learn is fitted on the same split for reference.

    OMP_NUM_THREADS=1 python benchmarks/tuning/tune_budget.py --out docs/suite/tuning/budget.jsonl
"""

from __future__ import annotations

import argparse
import json
import math
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn import datasets
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.preprocessing import StandardScaler

from skhalfnet import HalfNetClassifier, HalfNetRegressor
from skhalfnet.datasets import load_mnist


def _mnist(n):
    bunch = load_mnist()
    X, y = bunch.data[:60000], bunch.target[:60000]
    return X[:n], y[:n], X[50000:60000], y[50000:60000]


#: name -> (task, loader); the loader returns (X_train, y_train, X_valid, y_valid).
def tuning_sets():
    def split(X, y, seed):
        X_tr, X_va, y_tr, y_va = train_test_split(X, y, test_size=0.25, random_state=seed)
        return X_tr, y_tr, X_va, y_va

    return {
        "blobs_200": (
            "c",
            lambda: split(
                *datasets.make_blobs(
                    n_samples=200, centers=3, n_features=4, cluster_std=2.5, random_state=11
                ),
                11,
            ),
        ),
        "quantiles_600": (
            "c",
            lambda: split(
                *datasets.make_gaussian_quantiles(
                    n_samples=600, n_features=6, n_classes=3, random_state=12
                ),
                12,
            ),
        ),
        "hastie_2500": (
            "c",
            lambda: split(*datasets.make_hastie_10_2(n_samples=2500, random_state=13), 13),
        ),
        "classif_10k": (
            "c",
            lambda: split(
                *datasets.make_classification(
                    n_samples=10000,
                    n_features=30,
                    n_informative=12,
                    n_redundant=6,
                    n_classes=4,
                    flip_y=0.02,
                    class_sep=0.8,
                    random_state=14,
                ),
                14,
            ),
        ),
        "classif_60k": (
            "c",
            lambda: split(
                *datasets.make_classification(
                    n_samples=80000, n_features=60, n_informative=20, n_classes=5, random_state=15
                ),
                15,
            ),
        ),
        "mnist_2k": ("c", lambda: _mnist(2000)),
        "mnist_10k": ("c", lambda: _mnist(10000)),
        "friedman2_400": (
            "r",
            lambda: split(*datasets.make_friedman2(n_samples=400, noise=30.0, random_state=21), 21),
        ),
        "sparse_450": (
            "r",
            lambda: split(
                *datasets.make_sparse_uncorrelated(n_samples=450, n_features=10, random_state=23),
                23,
            ),
        ),
        "friedman3_2500": (
            "r",
            lambda: split(
                *datasets.make_friedman3(n_samples=2500, noise=0.05, random_state=22), 22
            ),
        ),
        "friedman3_20k": (
            "r",
            lambda: split(
                *datasets.make_friedman3(n_samples=26000, noise=0.05, random_state=24), 24
            ),
        ),
    }


def width_rule(n):
    return int(min(2000, max(128, round(10 * math.sqrt(n)))))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--sets", nargs="*")
    parser.add_argument(
        "--epochs", type=int, nargs="*", default=[2, 3, 4, 6, 10, 15, 20, 30, 50, 100, 200]
    )
    parser.add_argument(
        "--max-passes",
        type=float,
        default=1.5e6,
        help="skip budgets with more row passes than this",
    )
    args = parser.parse_args()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    warnings.filterwarnings("ignore")
    for name, (task, load) in tuning_sets().items():
        if args.sets and name not in args.sets:
            continue
        X_tr, y_tr, X_va, y_va = load()
        scaler = StandardScaler().fit(X_tr)
        X_tr = scaler.transform(X_tr).astype(np.float32)
        X_va = scaler.transform(X_va).astype(np.float32)
        n = X_tr.shape[0]
        seeds = [0, 1, 2] if n < 5000 else [0]
        Est, Mlp = (
            (HalfNetClassifier, MLPClassifier) if task == "c" else (HalfNetRegressor, MLPRegressor)
        )
        records = []
        for seed in seeds:
            start = time.process_time()
            mlp = Mlp(random_state=seed).fit(X_tr, y_tr)
            records.append(
                {
                    "model": "mlp",
                    "epochs": mlp.n_iter_,
                    "width": 100,
                    "cpu_s": time.process_time() - start,
                    "seed": seed,
                    "valid": mlp.score(X_va, y_va),
                    "train": mlp.score(X_tr, y_tr),
                }
            )
            for epochs in args.epochs:
                if epochs * n > args.max_passes:
                    continue
                for width in sorted({2000, width_rule(n)}):
                    start = time.process_time()
                    model = Est(n_hidden=width, max_iter=epochs, random_state=seed, n_jobs=1)
                    model.fit(X_tr, y_tr)
                    records.append(
                        {
                            "model": "halfnet",
                            "epochs": epochs,
                            "width": width,
                            "steps": epochs * math.ceil(n / 256),
                            "cpu_s": time.process_time() - start,
                            "seed": seed,
                            "valid": model.score(X_va, y_va),
                            "train": model.score(X_tr, y_tr),
                        }
                    )
        with args.out.open("a") as f:
            for r in records:
                r.update(set=name, task=task, n_train=n, n_features=X_tr.shape[1])
                f.write(json.dumps(r) + "\n")
        print(name, n, "done", flush=True)


if __name__ == "__main__":
    main()
