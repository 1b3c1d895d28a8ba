"""Choose partial_fit's stream schedule on MNIST's validation split only.

Streams the first 50,000 training images in 1000-row chunks (one shuffle,
then fixed chunks, classes on the first call) for ``--passes`` passes and
scores on the other 10,000 (the classic "valid" part) after each pass; the
test images are never read. The constants of :func:`skhalfnet._schedule.stream`
are set per configuration. ``fit`` of the same network with as many epochs as
passes and with the default budget is scored the same way, for reference.
Appends one JSON line a run to ``--out``.

    python benchmarks/tuning/tune_stream.py --out docs/speed/stream_tuning.jsonl
"""

from __future__ import annotations

import sys as _sys
from pathlib import Path as _Path

_sys.path.insert(0, str(_Path(__file__).resolve().parent.parent))  # benchmarks/

import argparse
import json
import time

import torch

from skhalfnet import HalfNetClassifier, _schedule
from skhalfnet.datasets import load_mnist

try:
    from _provenance import provenance
    from bench_streaming import stream
except ImportError:  # pragma: no cover - run from another directory
    raise SystemExit("run from benchmarks/: python tune_stream.py") from None

#: name -> constants of skhalfnet._schedule set for that run. The first round (no
#: averaging: STREAM_AVERAGE_STEPS=1) tried the steps alone; the second the averaging.
GRID = {
    "s.3-t1000-f.1": dict(STREAM_START=0.3, STREAM_STEPS=1000, STREAM_FLOOR=0.1),
    "s.3-t100-f.1": dict(STREAM_START=0.3, STREAM_STEPS=100, STREAM_FLOOR=0.1),
    "s.6-t100-f.1": dict(STREAM_START=0.6, STREAM_STEPS=100, STREAM_FLOOR=0.1),
    "s.6-t300-f.1": dict(STREAM_START=0.6, STREAM_STEPS=300, STREAM_FLOOR=0.1),
    "s1-t100-f.1": dict(STREAM_START=1.0, STREAM_STEPS=100, STREAM_FLOOR=0.1),
    "s1-t30-f.05": dict(STREAM_START=1.0, STREAM_STEPS=30, STREAM_FLOOR=0.05),
    "s.6-t30-f.05": dict(STREAM_START=0.6, STREAM_STEPS=30, STREAM_FLOOR=0.05),
    "s.3-t300-f.1": dict(STREAM_START=0.3, STREAM_STEPS=300, STREAM_FLOOR=0.1),
    # second round: the estimator predicts with the average of the recent weights
    "s.3-t1000-a20": dict(STREAM_START=0.3, STREAM_STEPS=1000, STREAM_AVERAGE_STEPS=20),
    "s.3-t1000-a40": dict(STREAM_START=0.3, STREAM_STEPS=1000, STREAM_AVERAGE_STEPS=40),
    "s.3-t1000-a100": dict(STREAM_START=0.3, STREAM_STEPS=1000, STREAM_AVERAGE_STEPS=100),
    "s.6-t1000-a40": dict(STREAM_START=0.6, STREAM_STEPS=1000, STREAM_AVERAGE_STEPS=40),
    "s.6-t1000-a100": dict(STREAM_START=0.6, STREAM_STEPS=1000, STREAM_AVERAGE_STEPS=100),
    "s1-t1000-a100": dict(STREAM_START=1.0, STREAM_STEPS=1000, STREAM_AVERAGE_STEPS=100),
}
#: The values every run starts from (the first round's runs had no averaging).
BASE = dict(STREAM_START=0.3, STREAM_STEPS=1000, STREAM_FLOOR=0.1, STREAM_AVERAGE_STEPS=1)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunk", type=int, default=1000)
    parser.add_argument("--passes", type=int, default=3)
    parser.add_argument("--n-hidden", type=int, default=1000)
    parser.add_argument("--rank", type=int, default=32)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--configs", nargs="+", default=list(GRID))
    parser.add_argument("--fits", action="store_true", help="also score the two fits")
    parser.add_argument("--out", default="docs/speed/stream_tuning.jsonl")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    X, y = load_mnist(subset="train", return_X_y=True)
    X_train, y_train, X_valid, y_valid = X[:50_000], y[:50_000], X[50_000:], y[50_000:]
    params = dict(n_hidden=args.n_hidden, rank=args.rank, random_state=args.seed, n_jobs=1)
    records = []
    for name in args.configs:
        for constant, value in {**BASE, **GRID[name]}.items():
            setattr(_schedule, constant, value)
        scores, cpu = stream(
            params, X_train, y_train, X_valid, y_valid, args.chunk, args.passes, args.seed
        )
        records.append(
            {
                "config": name,
                "constants": {**BASE, **GRID[name]},
                "valid_by_pass": scores,
                "cpu_seconds": round(cpu, 2),
            }
        )
    if args.fits:
        for label, budget in (
            ("fit, same passes", {"max_iter": args.passes}),
            ("fit, default", {}),
        ):
            clf = HalfNetClassifier(**params, **budget)
            start = time.process_time()
            clf.fit(X_train, y_train)
            records.append(
                {
                    "config": label,
                    "valid": float(clf.score(X_valid, y_valid)),
                    "epochs": clf.n_iter_,
                    "cpu_seconds": round(time.process_time() - start, 2),
                }
            )
    for record in records:
        record.update(chunk=args.chunk, passes=args.passes, params=params, provenance=provenance())
        print(
            json.dumps({k: v for k, v in record.items() if k not in ("provenance", "params")}),
            flush=True,
        )
        with open(args.out, "a") as out:
            out.write(json.dumps(record) + "\n")


if __name__ == "__main__":
    main()
