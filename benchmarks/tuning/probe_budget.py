"""Would a longer fixed budget help? The default at 1, 2 and 4 times its epochs, on tuning data.

Issue 21 asks for a budget that does not underfit narrow smooth targets and still
does not memorise small noisy data. This probe fits the default estimator (its
``covariance="auto"`` included) at ``max_iter`` = factor × the epochs of the
``max_iter="auto"`` rule, on the sets of ``tune_geometry.py`` (none in the benchmark
suite), 75/25 split per seed, StandardScaler fitted on the 75 %. One JSON line per
fit to ``--out``; ``--summary`` prints the mean held-out score per set and factor::

    OMP_NUM_THREADS=1 python benchmarks/tuning/probe_budget.py \
        --out docs/suite/tuning/budget_probe.jsonl
    python benchmarks/tuning/probe_budget.py --summary docs/suite/tuning/budget_probe.jsonl \
        > docs/suite/tuning/budget_probe.md
"""

from __future__ import annotations

import argparse
import json
import time
import warnings
from collections import defaultdict
from pathlib import Path

import numpy as np
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
from tune_geometry import tuning_sets

from skhalfnet import HalfNetClassifier, HalfNetRegressor
from skhalfnet._rules import resolved_epochs

FACTORS = (1, 2, 4)
SEEDS = (0, 1, 2)
#: Left out: 4,500 training rows at four times the budget take longer than the rest.
SKIPPED = {"classif_6k"}


def run(out: Path) -> None:
    warnings.filterwarnings("ignore")
    for name, (task, load) in tuning_sets().items():
        if name in SKIPPED:
            continue
        Est = HalfNetClassifier if task == "c" else HalfNetRegressor
        for seed in SEEDS:
            X, y = load(seed)
            X_tr, X_va, y_tr, y_va = train_test_split(X, y, test_size=0.25, random_state=seed)
            scaler = StandardScaler().fit(X_tr)
            X_tr, X_va = scaler.transform(X_tr), scaler.transform(X_va)
            epochs = resolved_epochs("auto", len(X_tr), 256)
            for factor in FACTORS:
                start = time.process_time()
                model = Est(random_state=seed, max_iter=factor * epochs).fit(X_tr, y_tr)
                record = {
                    "set": name,
                    "task": task,
                    "seed": seed,
                    "factor": factor,
                    "epochs": factor * epochs,
                    "valid": float(model.score(X_va, y_va)),
                    "cpu_s": time.process_time() - start,
                }
                with out.open("a") as f:
                    f.write(json.dumps(record) + "\n")
        print(name, "done", flush=True)


def summary(path: Path) -> None:
    scores = defaultdict(list)
    for line in path.open():
        r = json.loads(line)
        scores[r["set"], r["factor"]].append(r["valid"])
    names = list(dict.fromkeys(name for name, _ in scores))
    print("# The default at 1, 2 and 4 times its epochs (mean held-out score, 3 seeds)\n")
    print("| set | " + " | ".join(f"x{f}" for f in FACTORS) + " |")
    print("|---|" + "---|" * len(FACTORS))
    for name in names:
        means = [np.mean(scores[name, f]) for f in FACTORS]
        print(f"| {name} | " + " | ".join(f"{m:.4f}" for m in means) + " |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path)
    parser.add_argument("--summary", type=Path)
    args = parser.parse_args()
    if args.summary:
        summary(args.summary)
    else:
        run(args.out)


if __name__ == "__main__":
    main()
