"""HalfNet on scikit-learn's digits: a grid search over rank, and the transformer + LR.

    python benchmarks/bench_digits.py [--n-hidden 4000] [--cv 3]

Stratified 75/25 split (random_state=0), StandardScaler first, every other
HalfNet parameter at its default. Prints a markdown table.
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import numpy as np
import torch
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skhalfnet import HalfNetClassifier, HalfNetTransformer


def timed(estimator, X_train, y_train, X_test, y_test):
    start = time.perf_counter()
    estimator.fit(X_train, y_train)
    return time.perf_counter() - start, estimator.score(X_test, y_test)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-hidden", type=int, default=4000)
    parser.add_argument("--cv", type=int, default=3)
    args = parser.parse_args(argv)
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X.astype(np.float32), y, test_size=0.25, stratify=y, random_state=0
    )
    print(
        f"# digits: {len(y_train)} train / {len(y_test)} test; {platform.platform()}, "
        f"{os.cpu_count()} cores, torch {torch.__version__}"
    )
    rows = []
    search = GridSearchCV(
        make_pipeline(StandardScaler(), HalfNetClassifier(n_hidden=args.n_hidden, random_state=0)),
        {"halfnetclassifier__rank": [2, 8, 32]},
        cv=args.cv,
    )
    seconds, score = timed(search, X_train, y_train, X_test, y_test)
    for rank, cv_score in zip([2, 8, 32], search.cv_results_["mean_test_score"], strict=True):
        rows.append((f"HalfNetClassifier rank={rank} (cv={args.cv} mean)", "", f"{cv_score:.4f}"))
    best = search.best_params_["halfnetclassifier__rank"]
    rows.append(
        (f"GridSearchCV over rank, best rank={best}: test", f"{seconds:.1f}", f"{score:.4f}")
    )
    pipe = make_pipeline(
        StandardScaler(),
        HalfNetTransformer(n_hidden=args.n_hidden, rank=16, random_state=0),
        LogisticRegression(max_iter=2000),
    )
    seconds, score = timed(pipe, X_train, y_train, X_test, y_test)
    rows.append(
        ("HalfNetTransformer(rank=16) + LogisticRegression", f"{seconds:.1f}", f"{score:.4f}")
    )
    mlp = make_pipeline(StandardScaler(), MLPClassifier((100,), max_iter=500, random_state=0))
    seconds, score = timed(mlp, X_train, y_train, X_test, y_test)
    rows.append(("MLPClassifier(100), for reference", f"{seconds:.1f}", f"{score:.4f}"))
    print("\n| what | fit s | accuracy |\n|---|---:|---:|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
