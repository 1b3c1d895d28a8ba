"""partial_fit on a stream against fit on the same data (MNIST, 1000-row chunks).

Streams the 60,000 training images in chunks of ``--chunk`` rows for
``--passes`` passes (classes given on the first call), scoring on the test
images after each pass, and compares with ``fit`` of the same network on
the same rows: with as many epochs as the stream has passes (the same amount
of training) and with the default budget. Writes a markdown table and JSON
lines to ``--out``.

    python benchmarks/bench_streaming.py --out docs/speed
"""

from __future__ import annotations

import argparse
import json
import os
import time

import numpy as np
import torch

from skhalfnet import HalfNetClassifier
from skhalfnet.datasets import load_mnist

try:
    from _provenance import describe, provenance
except ImportError:  # pragma: no cover - run from another directory
    provenance, describe = dict, str


def stream(params, X, y, X_test, y_test, chunk, passes, seed):
    """Accuracy on the test rows after each pass of partial_fit over (X, y) in chunks."""
    clf = HalfNetClassifier(**params)
    order = np.random.default_rng(seed).permutation(len(y))  # one shuffle, then fixed chunks
    scores, start = [], time.process_time()
    for _ in range(passes):
        for begin in range(0, len(y), chunk):
            rows = order[begin : begin + chunk]
            clf.partial_fit(X[rows], y[rows], classes=np.arange(10))
        scores.append(float(clf.score(X_test, y_test)))
    return scores, time.process_time() - start


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunk", type=int, default=1000)
    parser.add_argument("--passes", type=int, default=3)
    parser.add_argument("--n-hidden", type=int, default=1000)
    parser.add_argument("--rank", type=int, default=32)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", default="docs/speed")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    X, y = load_mnist(subset="train", return_X_y=True)
    X_test, y_test = load_mnist(subset="test", return_X_y=True)
    params = dict(n_hidden=args.n_hidden, rank=args.rank, random_state=args.seed)
    scores, stream_cpu = stream(params, X, y, X_test, y_test, args.chunk, args.passes, args.seed)
    fits = {}
    for label, budget in (("same passes", {"max_iter": args.passes}), ("default budget", {})):
        start = time.process_time()
        fitted = HalfNetClassifier(**params, **budget).fit(X, y)
        fits[label] = {
            "epochs": fitted.n_iter_,
            "cpu_seconds": round(time.process_time() - start, 1),
            "test_accuracy": float(fitted.score(X_test, y_test)),
        }
    record = {
        "params": params,
        "chunk": args.chunk,
        "passes": args.passes,
        "stream_test_accuracy": scores,
        "stream_cpu_seconds": round(stream_cpu, 1),
        "fits": fits,
        "gap_points": {
            label: round(100 * (fit["test_accuracy"] - scores[-1]), 2)
            for label, fit in fits.items()
        },
        "provenance": provenance(),
    }
    lines = [
        f"# partial_fit on a stream against fit (MNIST, {args.chunk}-row chunks)",
        "",
        f"`python benchmarks/bench_streaming.py --chunk {args.chunk} --passes {args.passes}"
        f" --n-hidden {args.n_hidden} --rank {args.rank} --seed {args.seed}`; "
        f"{describe(record['provenance'])}",
        "",
        "| model | test accuracy | CPU s |",
        "|---|---|---|",
        *(f"| partial_fit, pass {i + 1} | {s:.4f} | |" for i, s in enumerate(scores)),
        f"| partial_fit total | | {stream_cpu:.0f} |",
        *(
            f"| fit, {label} ({fit['epochs']} epochs) | {fit['test_accuracy']:.4f} "
            f"| {fit['cpu_seconds']:.0f} |"
            for label, fit in fits.items()
        ),
        "",
        *(
            f"Fit ({label}) minus stream after {args.passes} passes: {gap:+.2f} points."
            for label, gap in record["gap_points"].items()
        ),
    ]
    print("\n".join(lines))
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "streaming.md"), "w") as out:
        out.write("\n".join(lines) + "\n")
    with open(os.path.join(args.out, "streaming.jsonl"), "a") as out:
        out.write(json.dumps(record) + "\n")


if __name__ == "__main__":
    main()
