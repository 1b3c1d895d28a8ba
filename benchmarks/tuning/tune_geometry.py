"""Choose ``covariance="auto"``'s rule (skhalfnet/_selection.py) on tuning data only.

None of these sets is in the benchmark suite: they are generated here, with shapes
the suite did not have before (few rows and many columns with and without a
low-rank signal, smooth curves shifted in time, narrow smooth regression, noisy
small tables, a radial boundary) and MNIST rows from its "valid" part. Each set is
split once 75/25 per seed and scaled with a StandardScaler fitted on the training
part. For every set and seed the script fits HalfNet with each covariance
("auto", "lowrank", "fixed", "identity") and scikit-learn's default MLP, and
appends one JSON line per fit to ``--out``: the score on the 25 %, the covariance
``"auto"`` chose, its held-out losses, and the fit's CPU seconds.

    OMP_NUM_THREADS=1 python benchmarks/tuning/tune_geometry.py \
        --out docs/suite/tuning/geometry.jsonl
    python benchmarks/tuning/tune_geometry.py --summary docs/suite/tuning/geometry.jsonl \
        > docs/suite/tuning/geometry.md  # then add the header
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings
from collections import defaultdict
from pathlib import Path

import numpy as np
from sklearn import datasets
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.preprocessing import StandardScaler

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from _synthetic import shifted_curves

from skhalfnet import HalfNetClassifier, HalfNetRegressor
from skhalfnet.datasets import load_mnist


def _mnist_valid(n, seed):
    X, y = load_mnist(return_X_y=True, subset="train")
    rows = np.random.RandomState(seed).choice(np.arange(50000, 60000), n, replace=False)
    return X[rows], y[rows]


def tuning_sets():
    """name -> (task, loader(seed) -> (X, y)); every set is split 75/25 by seed."""
    mc = datasets.make_classification
    return {
        "wide_lowrank_80x300": (
            "c",
            lambda s: mc(
                n_samples=107,
                n_features=300,
                n_informative=6,
                n_redundant=0,
                n_classes=3,
                class_sep=2.0,
                random_state=100 + s,
            ),
        ),
        "wide_lowrank_200x800": (
            "c",
            lambda s: mc(
                n_samples=267,
                n_features=800,
                n_informative=8,
                n_redundant=4,
                n_classes=4,
                class_sep=2.0,
                random_state=110 + s,
            ),
        ),
        "wide_noisy_120x400": (
            "c",
            lambda s: mc(
                n_samples=160,
                n_features=400,
                n_informative=30,
                n_redundant=0,
                n_classes=2,
                flip_y=0.1,
                class_sep=1.5,
                random_state=120 + s,
            ),
        ),
        "curves_40x250": ("c", lambda s: shifted_curves(53, 250, 3, 1.0, 130 + s)),
        "curves_75x150": ("c", lambda s: shifted_curves(100, 150, 2, 1.5, 140 + s)),
        "curves_150x500": ("c", lambda s: shifted_curves(200, 500, 6, 1.0, 150 + s)),
        # MNIST "valid" rows at a size where the learned geometry should pay.
        "mnist_8000": ("c", lambda s: _mnist_valid(8000, s)),
        "mnist_400": ("c", lambda s: _mnist_valid(533, 160 + s)),
        "friedman3_600": (
            "r",
            lambda s: datasets.make_friedman3(n_samples=800, noise=0.1, random_state=170 + s),
        ),
        "friedman2_noisy_300": (
            "r",
            lambda s: datasets.make_friedman2(n_samples=400, noise=100.0, random_state=180 + s),
        ),
        "regression_noisy_200x15": (
            "r",
            lambda s: datasets.make_regression(
                n_samples=267, n_features=15, n_informative=5, noise=60.0, random_state=190 + s
            ),
        ),
        "wide_regression_150x300": (
            "r",
            lambda s: datasets.make_regression(
                n_samples=200,
                n_features=300,
                n_informative=10,
                effective_rank=8,
                noise=5.0,
                random_state=200 + s,
            ),
        ),
        "classif_noisy_500x10": (
            "c",
            lambda s: mc(
                n_samples=667, n_features=10, n_informative=5, flip_y=0.2, random_state=210 + s
            ),
        ),
        "quantiles_1200x8": (
            "c",
            lambda s: datasets.make_gaussian_quantiles(
                n_samples=1600, n_features=8, n_classes=2, random_state=220 + s
            ),
        ),
        "classif_6k": (
            "c",
            lambda s: mc(
                n_samples=8000, n_features=20, n_informative=10, n_classes=3, random_state=230 + s
            ),
        ),
    }


COVARIANCES = ("auto", "lowrank", "identity")


def run(out: Path, names, seeds):
    warnings.filterwarnings("ignore")
    for name, (task, load) in tuning_sets().items():
        if names and name not in names:
            continue
        Est, Mlp = (
            (HalfNetClassifier, MLPClassifier) if task == "c" else (HalfNetRegressor, MLPRegressor)
        )
        records = []
        for seed in seeds:
            X, y = load(seed)
            X_tr, X_va, y_tr, y_va = train_test_split(X, y, test_size=0.25, random_state=seed)
            scaler = StandardScaler().fit(X_tr)
            X_tr, X_va = scaler.transform(X_tr), scaler.transform(X_va)
            models = {f"halfnet_{c}": Est(covariance=c, random_state=seed) for c in COVARIANCES}
            models["mlp"] = Mlp(random_state=seed)
            for model_name, model in models.items():
                start = time.process_time()
                model.fit(X_tr, y_tr)
                record = {
                    "set": name,
                    "task": task,
                    "seed": seed,
                    "model": model_name,
                    "n_train": X_tr.shape[0],
                    "n_features": X_tr.shape[1],
                    "cpu_s": time.process_time() - start,
                    "valid": float(model.score(X_va, y_va)),
                }
                if model_name == "halfnet_auto":
                    record["chosen"] = model.covariance_
                    record["held_out_losses"] = model.geometry_scores_
                records.append(record)
        with out.open("a") as f:
            for r in records:
                f.write(json.dumps(r) + "\n")
        print(name, "done", flush=True)


def summary(path: Path):
    rows = [json.loads(line) for line in path.open()]
    table = defaultdict(lambda: defaultdict(list))
    chosen = defaultdict(list)
    for r in rows:
        table[r["set"]][r["model"]].append((r["valid"], r["cpu_s"]))
        if "chosen" in r:
            chosen[r["set"]].append(r["chosen"][0])
    models = ["halfnet_auto", "halfnet_lowrank", "halfnet_identity", "mlp"]
    print(
        f"{'set':26s} "
        + " ".join(f"{m.replace('halfnet_', ''):>9s}" for m in models)
        + "  chosen  auto-id  cost(auto/mlp)"
    )
    for name, by_model in table.items():
        means = {m: np.mean([v for v, _ in by_model[m]]) for m in models}
        cpu = {m: np.mean([c for _, c in by_model[m]]) for m in models}
        print(
            f"{name:26s} "
            + " ".join(f"{means[m]:9.4f}" for m in models)
            + f"  {''.join(chosen[name]):6s}"
            + f" {100 * (means['halfnet_auto'] - means['halfnet_identity']):+7.2f}"
            + f"  {cpu['halfnet_auto'] / cpu['mlp']:.2f}"
        )


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path)
    parser.add_argument("--summary", type=Path)
    parser.add_argument("--sets", nargs="*")
    parser.add_argument("--seeds", type=int, nargs="*", default=[0, 1, 2])
    args = parser.parse_args()
    if args.summary:
        summary(args.summary)
        return
    args.out.parent.mkdir(parents=True, exist_ok=True)
    run(args.out, args.sets, args.seeds)


if __name__ == "__main__":
    main()
