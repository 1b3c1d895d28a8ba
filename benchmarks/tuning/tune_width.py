"""Choose the default width (``n_hidden``) on tuning data only.

Two parts, neither in the benchmark suite:

* MNIST: the first 50,000 training images, scored on the 10,000 "valid" images
  (never the test images), for each width and each budget of ``--mnist-epochs``
  (7 epochs of 196 steps are about the 6 × 235 steps of the default fit on all
  60,000 rows, 6 epochs about 5 × 235), one thread; and
* the tuning sets of ``tune_geometry.py`` (few rows and many columns, shifted
  curves, narrow smooth regression, noisy small tables, MNIST "valid" samples),
  each split 75/25 per seed and scaled on its training part, default estimator.

For every width (and MNIST budget), set and seed it appends one JSON line to ``--out``: the score on
the held-out part and the fit's CPU seconds (with the default MLP's, on the tuning
sets, for the cost ratio).

    OMP_NUM_THREADS=1 python benchmarks/tuning/tune_width.py --widths 2000 1600 \\
        --mnist-epochs 7 6 5 --seeds 0 1 2 3 4 --no-sets --out docs/suite/tuning/width.jsonl
    OMP_NUM_THREADS=1 python benchmarks/tuning/tune_width.py --widths 2000 1600 \\
        --no-mnist --out docs/suite/tuning/width.jsonl
    python benchmarks/tuning/tune_width.py --summary docs/suite/tuning/width.jsonl
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import time
import warnings
from collections import defaultdict
from pathlib import Path

import numpy as np
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.preprocessing import StandardScaler

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from _provenance import provenance
from tune_geometry import tuning_sets

from skhalfnet import HalfNetClassifier, HalfNetRegressor
from skhalfnet.datasets import load_mnist


def _timed_fit(model, X, y):
    start = time.process_time()
    model.fit(X, y)
    return time.process_time() - start


def mnist_records(widths, epochs, seeds):
    X, y = load_mnist(return_X_y=True, subset="train")
    X_tr, y_tr, X_va, y_va = X[:50000], y[:50000], X[50000:], y[50000:]
    for width in widths:
        for n_epochs, seed in itertools.product(epochs, seeds):
            model = HalfNetClassifier(n_hidden=width, max_iter=n_epochs, random_state=seed)
            cpu = _timed_fit(model, X_tr, y_tr)
            yield {
                "set": f"mnist_50k_{n_epochs}_epochs",
                "width": width,
                "seed": seed,
                "model": "halfnet",
                "cpu_s": cpu,
                "valid": float(model.score(X_va, y_va)),
            }


def tuning_records(widths, seeds, names):
    for name, (task, load) in tuning_sets().items():
        if names and name not in names:
            continue
        Est, Mlp = (
            (HalfNetClassifier, MLPClassifier) if task == "c" else (HalfNetRegressor, MLPRegressor)
        )
        for seed in seeds:
            X, y = load(seed)
            X_tr, X_va, y_tr, y_va = train_test_split(X, y, test_size=0.25, random_state=seed)
            scaler = StandardScaler().fit(X_tr)
            X_tr, X_va = scaler.transform(X_tr), scaler.transform(X_va)
            models = {("halfnet", w): Est(n_hidden=w, random_state=seed) for w in widths}
            models["mlp", None] = Mlp(random_state=seed)
            for (model_name, width), model in models.items():
                cpu = _timed_fit(model, X_tr, y_tr)
                yield {
                    "set": name,
                    "width": width,
                    "seed": seed,
                    "model": model_name,
                    "cpu_s": cpu,
                    "valid": float(model.score(X_va, y_va)),
                }


def run(out: Path, widths, seeds, names, mnist_epochs, sets: bool):
    warnings.filterwarnings("ignore")
    record_provenance = provenance()
    parts = [mnist_records(widths, mnist_epochs, seeds)] if mnist_epochs else []
    if sets:
        parts.append(tuning_records(widths, seeds, names))
    for part in parts:
        for record in part:
            with out.open("a") as f:
                f.write(json.dumps({**record, "provenance": record_provenance}) + "\n")
            print(
                record["set"],
                record["model"],
                record["width"],
                record["seed"],
                f"{record['valid']:.4f}",
                flush=True,
            )


def summary(path: Path):
    rows = [json.loads(line) for line in path.open()]
    scores, cpu = defaultdict(list), defaultdict(list)
    for r in rows:
        key = (r["set"], r["model"] if r["model"] == "mlp" else r["width"])
        scores[key].append(r["valid"])
        cpu[key].append(r["cpu_s"])
    widths = sorted({r["width"] for r in rows if r["model"] == "halfnet"}, reverse=True)
    sets = list(dict.fromkeys(r["set"] for r in rows))
    head = " ".join(f"{'w' + str(w):>17s}" for w in widths)
    print(f"{'set':26s} {head}  " + "  ".join(f"cost w{w}/mlp" for w in widths))
    for name in sets:
        cells = []
        for w in widths:
            v = scores[name, w]
            spread = np.std(v, ddof=1) if len(v) > 1 else float("nan")
            cells.append(f"{np.mean(v):8.4f} ± {spread:.4f}")
        costs = [
            f"{np.mean(cpu[name, w]) / np.mean(cpu[name, 'mlp']):13.2f}"
            if cpu[name, "mlp"]
            else f"{np.mean(cpu[name, w]):11.2f} s"
            for w in widths
        ]
        print(f"{name:26s} {' '.join(cells)}  " + "  ".join(costs))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path)
    parser.add_argument("--summary", type=Path)
    parser.add_argument("--widths", type=int, nargs="*", default=[2000, 1200])
    parser.add_argument("--sets", nargs="*")
    parser.add_argument("--seeds", type=int, nargs="*", default=[0, 1, 2])
    parser.add_argument("--mnist-epochs", type=int, nargs="*", default=[7])
    parser.add_argument("--no-mnist", action="store_true")
    parser.add_argument("--no-sets", action="store_true")
    args = parser.parse_args()
    if args.summary:
        summary(args.summary)
        return
    args.out.parent.mkdir(parents=True, exist_ok=True)
    mnist_epochs = [] if args.no_mnist else args.mnist_epochs
    run(args.out, args.widths, args.seeds, args.sets, mnist_epochs, not args.no_sets)


if __name__ == "__main__":
    main()
