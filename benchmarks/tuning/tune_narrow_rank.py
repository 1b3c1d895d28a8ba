"""Does a lower default rank make narrow inputs cheaper at no cost in accuracy?

For tuning sets of ``tune_budget.py`` with 4 to 60 features, fits HalfNet at its
defaults with ``rank`` = min(64, d), d/2 and d/4 (two seeds) and prints the validation
score and fit CPU seconds (one thread):

    OMP_NUM_THREADS=1 python benchmarks/tuning/tune_narrow_rank.py
"""

from __future__ import annotations

import math
import time
import warnings

import numpy as np
from sklearn.preprocessing import StandardScaler
from tune_budget import tuning_sets

from skhalfnet import HalfNetClassifier, HalfNetRegressor

SETS = (
    "hastie_2500",
    "classif_10k",
    "classif_60k",
    "quantiles_600",
    "friedman3_2500",
    "sparse_450",
)


def main() -> None:
    warnings.filterwarnings("ignore")
    sets = tuning_sets()
    print("| set | features | rank | valid score (mean of 2 seeds) | fit CPU s |")
    print("|---|---|---|---|---|")
    for name in SETS:
        task, load = sets[name]
        X_tr, y_tr, X_va, y_va = load()
        scaler = StandardScaler().fit(X_tr)
        X_tr = scaler.transform(X_tr).astype(np.float32)
        X_va = scaler.transform(X_va).astype(np.float32)
        d = X_tr.shape[1]
        Estimator = HalfNetClassifier if task == "c" else HalfNetRegressor
        ranks = sorted({min(64, d), max(1, math.ceil(d / 2)), max(1, math.ceil(d / 4))})
        for rank in reversed(ranks):
            scores, cpu = [], []
            for seed in (0, 1):
                start = time.process_time()
                model = Estimator(rank=rank, random_state=seed, n_jobs=1).fit(X_tr, y_tr)
                cpu.append(time.process_time() - start)
                scores.append(model.score(X_va, y_va))
            print(f"| {name} | {d} | {rank} | {np.mean(scores):.4f} | {np.mean(cpu):.2f} |")


if __name__ == "__main__":
    main()
