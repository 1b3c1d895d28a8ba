"""Choose the defaults for time to accuracy, on MNIST's validation split only.

Fits on the first 50,000 training images, scores on the other 10,000 (the
classic "valid" part); the test images are never read. Each configuration is
one fit with the given epoch budget (the cosine schedule spans it), timed in
CPU seconds of this process at a fixed thread count. Appends one JSON line a
fit to ``--out`` with the seed, versions and machine.

    python benchmarks/tuning/tune_speed.py --threads 1 --out docs/speed/tuning.jsonl
"""

from __future__ import annotations

import sys as _sys
from pathlib import Path as _Path

_sys.path.insert(0, str(_Path(__file__).resolve().parent.parent))  # benchmarks/

import argparse
import json
import time

import torch

from skhalfnet import HalfNetClassifier
from skhalfnet.datasets import load_mnist

try:
    from _provenance import provenance
except ImportError:  # pragma: no cover - run from another directory
    provenance = dict

#: name -> parameters; every fit also gets random_state=seed.
GRID = {
    "w4000-k64-e8-bf16": dict(n_hidden=4000, rank=64, max_iter=8),
    "w4000-k64-e8-f32": dict(n_hidden=4000, rank=64, max_iter=8, precision="float32"),
    "w4000-k64-e12-bf16": dict(n_hidden=4000, rank=64, max_iter=12),
    "w4000-k64-e6-bf16": dict(n_hidden=4000, rank=64, max_iter=6),
    "w2000-k64-e8-bf16": dict(n_hidden=2000, rank=64, max_iter=8),
    "w1000-k64-e8-bf16": dict(n_hidden=1000, rank=64, max_iter=8),
    "w1000-k64-e12-bf16": dict(n_hidden=1000, rank=64, max_iter=12),
    "w4000-k64-e8-lr.06": dict(n_hidden=4000, rank=64, max_iter=8, learning_rate_init=0.06),
    "w4000-k64-e8-lr.015": dict(n_hidden=4000, rank=64, max_iter=8, learning_rate_init=0.015),
    "w4000-k64-e8-b512": dict(n_hidden=4000, rank=64, max_iter=8, batch_size=512),
    "w4000-k32-e8-bf16": dict(n_hidden=4000, rank=32, max_iter=8),
    "w4000-k64-e8-adaptive": dict(n_hidden=4000, rank=64, max_iter=8, learning_rate="adaptive"),
    # second round, after the first showed larger peak steps help the cosine schedule
    "w4000-k64-e8-lr.1": dict(n_hidden=4000, rank=64, max_iter=8, learning_rate_init=0.1),
    "w4000-k64-e6-lr.06": dict(n_hidden=4000, rank=64, max_iter=6, learning_rate_init=0.06),
    "w4000-k64-e6-lr.1": dict(n_hidden=4000, rank=64, max_iter=6, learning_rate_init=0.1),
    "w2000-k64-e8-lr.06": dict(n_hidden=2000, rank=64, max_iter=8, learning_rate_init=0.06),
    "w1000-k64-e8-lr.06": dict(n_hidden=1000, rank=64, max_iter=8, learning_rate_init=0.06),
    "w1000-k64-e8-lr.1": dict(n_hidden=1000, rank=64, max_iter=8, learning_rate_init=0.1),
    "w4000-k64-e8-b512-lr.1": dict(
        n_hidden=4000, rank=64, max_iter=8, batch_size=512, learning_rate_init=0.1
    ),
    "w4000-k32-e8-lr.06": dict(n_hidden=4000, rank=32, max_iter=8, learning_rate_init=0.06),
    # third round: the peak step 0.1 won the second; shorter budgets and middle widths
    "w4000-k64-e5-lr.1": dict(n_hidden=4000, rank=64, max_iter=5, learning_rate_init=0.1),
    "w4000-k64-e6-lr.15": dict(n_hidden=4000, rank=64, max_iter=6, learning_rate_init=0.15),
    "w2000-k64-e6-lr.1": dict(n_hidden=2000, rank=64, max_iter=6, learning_rate_init=0.1),
    "w2000-k64-e8-lr.1": dict(n_hidden=2000, rank=64, max_iter=8, learning_rate_init=0.1),
    "w1000-k64-e6-lr.1": dict(n_hidden=1000, rank=64, max_iter=6, learning_rate_init=0.1),
    "w1000-k64-e8-lr.15": dict(n_hidden=1000, rank=64, max_iter=8, learning_rate_init=0.15),
    # fourth round: the default width and step over shorter budgets (time to accuracy)
    "w2000-k64-e4-lr.1": dict(n_hidden=2000, rank=64, max_iter=4, learning_rate_init=0.1),
    "w2000-k64-e5-lr.1": dict(n_hidden=2000, rank=64, max_iter=5, learning_rate_init=0.1),
}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--configs", nargs="+", default=list(GRID))
    parser.add_argument("--out", default="docs/speed/tuning.jsonl")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    X, y = load_mnist(subset="train", return_X_y=True)
    X_train, y_train, X_valid, y_valid = X[:50_000], y[:50_000], X[50_000:], y[50_000:]
    for name in args.configs:
        for seed in args.seeds:
            params = {**GRID[name], "random_state": seed, "n_jobs": args.threads}
            clf = HalfNetClassifier(**params)
            start = time.process_time()
            clf.fit(X_train, y_train)
            cpu = time.process_time() - start
            record = {
                "config": name,
                "params": params,
                "seed": seed,
                "threads": args.threads,
                "epochs": clf.n_iter_,
                "cpu_seconds": round(cpu, 2),
                "valid_accuracy": float(clf.score(X_valid, y_valid)),
                "provenance": provenance(),
            }
            print(json.dumps({k: v for k, v in record.items() if k != "provenance"}), flush=True)
            with open(args.out, "a") as out:
                out.write(json.dumps(record) + "\n")


if __name__ == "__main__":
    main()
