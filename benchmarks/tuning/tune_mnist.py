"""Tune HalfNet on MNIST's validation split, never on the test images.

Trains on MNIST's 50,000 "train" images and scores on its 10,000 "valid"
images (rows 50,000 to 59,999 of ``load_mnist``'s training part). Each
positional argument is one configuration, ``key=value`` pairs separated by
spaces and passed to :class:`~skhalfnet.HalfNetClassifier`::

    python benchmarks/tuning/tune_mnist.py --threads 1 --out tune.jsonl \\
        "n_hidden=4000 rank=64" "n_hidden=8000 rank=64 alpha=1e-5"

One JSON line per fit is appended to ``--out`` (configuration, seed, trainable
parameters, fit seconds, validation accuracy, final training loss, epochs run,
and the package versions, skhalfnet commit and machine), and a table of all
lines in the file is printed at the end (± is the sample standard deviation
over seeds). The choices this record supports are written up in
``docs/mnist.md``.
"""

from __future__ import annotations

import sys as _sys
from pathlib import Path as _Path

_sys.path.insert(0, str(_Path(__file__).resolve().parent.parent))  # benchmarks/

import argparse
import ast
import json
import time
from collections import defaultdict
from contextlib import nullcontext
from pathlib import Path

import numpy as np
import torch
from _provenance import provenance
from threadpoolctl import threadpool_limits

from skhalfnet import HalfNetClassifier
from skhalfnet.datasets import load_mnist

N_TRAIN = 50_000


def parse_config(text: str) -> dict:
    """``"n_hidden=4000 rank=64 activation=cos"`` -> keyword arguments."""
    config = {}
    for item in text.split():
        key, _, value = item.partition("=")
        try:
            config[key] = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            config[key] = value
    return config


def validation_split():
    X, y = load_mnist(subset="train", return_X_y=True)
    return X[:N_TRAIN], y[:N_TRAIN], X[N_TRAIN:], y[N_TRAIN:]


def fit_one(data, config: dict, seed: int, while_fitting=nullcontext) -> dict:
    """Fit on the train part (inside ``while_fitting()``) and score on the valid part."""
    X_train, y_train, X_valid, y_valid = data
    params = {"max_iter": 20, **config, "random_state": seed}
    model = HalfNetClassifier(**params)
    start = time.perf_counter()
    with while_fitting():
        model.fit(X_train, y_train)
    seconds = time.perf_counter() - start
    return {
        "config": config,
        "seed": seed,
        "trainable_params": int(model.n_trainable_params_),
        "fit_seconds": round(seconds, 1),
        "epochs": int(model.n_iter_),
        "final_loss": float(model.loss_curve_[-1]),
        "valid_accuracy": float(model.score(X_valid, y_valid)),
        "provenance": provenance(),
    }


def table(lines: list[dict]) -> str:
    groups = defaultdict(list)
    for line in lines:
        groups[json.dumps(line["config"], sort_keys=True)].append(line)
    rows = [
        "| configuration | params | epochs | fit s | final loss | valid accuracy |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for key, runs in groups.items():
        accuracy = np.array([run["valid_accuracy"] for run in runs])
        spread = f" ± {accuracy.std(ddof=1):.4f} (n={len(runs)})" if len(runs) > 1 else ""
        config = " ".join(f"{k}={v}" for k, v in json.loads(key).items())
        rows.append(
            f"| {config} | {runs[0]['trainable_params']:,} | {runs[0]['epochs']} "
            f"| {np.mean([r['fit_seconds'] for r in runs]):.0f} "
            f"| {np.mean([r['final_loss'] for r in runs]):.4f} | {accuracy.mean():.4f}{spread} |"
        )
    return "\n".join(rows)


def main(argv=None, run=fit_one, description=__doc__) -> None:
    parser = argparse.ArgumentParser(description=description.splitlines()[0])
    parser.add_argument("configs", nargs="*", help="key=value ... per configuration")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--out", type=Path, default=Path("tune_mnist.jsonl"))
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.configs:
        data = validation_split()
        with threadpool_limits(args.threads):
            for text in args.configs:
                for seed in args.seeds:
                    line = run(data, parse_config(text), seed)
                    print(json.dumps(line), flush=True)
                    with args.out.open("a") as file:
                        file.write(json.dumps(line) + "\n")
    if args.out.exists():
        print(table([json.loads(line) for line in args.out.read_text().splitlines()]))


if __name__ == "__main__":
    main()
