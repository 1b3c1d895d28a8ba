"""Where ``precision="auto"`` should use bfloat16 matmuls: epoch time by input width.

On synthetic data (20,000 rows, d features, 2 classes) the script times one epoch of
HalfNet at the default width and rank min(64, d), in float32 and under bfloat16
autocast, and one epoch of scikit-learn's MLPClassifier(256) (batch 256) for scale;
each is the median of ``--repeats`` epochs, CPU seconds, one thread. It appends one
JSON line per measurement to ``--out`` and prints a table.

    OMP_NUM_THREADS=1 python benchmarks/tuning/tune_precision.py \
        --out docs/suite/tuning/precision.jsonl
"""

from __future__ import annotations

import argparse
import json
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn.neural_network import MLPClassifier

from skhalfnet import HalfNetClassifier


def epoch_seconds(make, X, y, repeats: int) -> float:
    """Median CPU seconds of one epoch: fits of 1 and 3 epochs, differenced."""
    times = []
    for _ in range(repeats):
        spent = []
        for epochs in (1, 3):
            model = make(epochs)
            start = time.process_time()
            model.fit(X, y)
            spent.append(time.process_time() - start)
        times.append((spent[1] - spent[0]) / 2)
    return float(np.median(times))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--widths", type=int, nargs="*", default=[10, 20, 50, 100, 200, 400, 784])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    rng = np.random.RandomState(0)
    rows = []
    for d in args.widths:
        X = rng.randn(20000, d).astype(np.float32)
        y = (X[:, 0] + 0.5 * rng.randn(20000) > 0).astype(int)
        record = {"n_features": d, "rank": min(64, d)}
        for precision in ("float32", "bfloat16"):
            record[precision] = epoch_seconds(
                lambda e, p=precision: HalfNetClassifier(
                    max_iter=e, precision=p, n_jobs=1, random_state=0
                ),
                X,
                y,
                args.repeats,
            )
        record["mlp256"] = epoch_seconds(
            lambda e: MLPClassifier((256,), batch_size=256, max_iter=e, tol=0, random_state=0),
            X,
            y,
            args.repeats,
        )
        rows.append(record)
        print(json.dumps(record), flush=True)
    with args.out.open("a") as f:
        for r in rows:
            f.write(json.dumps(r) + "\n")
    print("| d | rank | float32 s | bfloat16 s | bf16/f32 | MLP(256) s | f32/MLP |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['n_features']} | {r['rank']} | {r['float32']:.3f} | {r['bfloat16']:.3f} | "
            f"{r['bfloat16'] / r['float32']:.2f} | {r['mlp256']:.3f} | "
            f"{r['float32'] / r['mlp256']:.2f} |"
        )


if __name__ == "__main__":
    main()
