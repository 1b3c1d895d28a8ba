"""HalfNet on scikit-learn's digits beside an MLP and a tuned RBF SVC.

    python benchmarks/bench_digits.py [--n-hidden 4000] [--cv 3] [--seed 0] --out docs/digits

One stratified 75/25 split (``random_state=seed``), StandardScaler first in
every pipeline, every HalfNet parameter other than the width at its default:

* ``GridSearchCV`` over HalfNet's rank (2, 8, 32), with each rank's
  cross-validation accuracy on the training part, and the test accuracy of
  the refitted best rank;
* ``HalfNetTransformer(rank=16)`` + ``LogisticRegression``;
* ``MLPClassifier(100)``, trained fully;
* ``SVC(kernel="rbf")``, gamma chosen by cross-validation as in
  ``bench_kernels.py`` (the grid is set from the scaled training part, so the
  scaler is fitted once, outside the search).

Prints a markdown table and writes it to ``--out/results.md``, with one JSON
line per row (seed, package versions, skhalfnet commit, machine) in
``--out/runs.jsonl``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
from _provenance import describe, provenance
from bench_kernels import rbf_svc_search
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skhalfnet import HalfNetClassifier, HalfNetTransformer

RANKS = (2, 8, 32)


def timed_score(estimator, X_train, y_train, X_test, y_test):
    """Fit seconds and test accuracy of ``estimator``."""
    start = time.perf_counter()
    estimator.fit(X_train, y_train)
    return time.perf_counter() - start, float(estimator.score(X_test, y_test))


def fold_scores(search, index):
    """The cross-validation accuracies of the ``index``-th candidate of a fitted search."""
    results = search.cv_results_
    return np.array([results[f"split{i}_test_score"][index] for i in range(search.n_splits_)])


def run(args, split):
    """``(method, scored on, fit seconds or None, accuracy, sample std or None)`` per row."""
    rows = []
    scaled = lambda estimator: make_pipeline(StandardScaler(), estimator)  # noqa: E731
    search = GridSearchCV(
        scaled(HalfNetClassifier(n_hidden=args.n_hidden, random_state=args.seed)),
        {"halfnetclassifier__rank": list(RANKS)},
        cv=args.cv,
    )
    seconds, score = timed_score(search, *split)
    where = f"{args.cv}-fold CV on the training part (mean ± std over folds)"
    for index, rank in enumerate(RANKS):
        folds = fold_scores(search, index)
        label = f"HalfNetClassifier(n_hidden={args.n_hidden}, rank={rank})"
        rows.append((label, where, None, folds.mean(), folds.std(ddof=1)))
    best = search.best_params_["halfnetclassifier__rank"]
    label = f"GridSearchCV over rank, refitted best rank={best}"
    rows.append((label, "test", seconds, score, None))
    transformer = make_pipeline(
        StandardScaler(),
        HalfNetTransformer(n_hidden=args.n_hidden, rank=16, random_state=args.seed),
        LogisticRegression(max_iter=2000),
    )
    label = f"HalfNetTransformer(n_hidden={args.n_hidden}, rank=16) + LogisticRegression"
    rows.append((label, "test", *timed_score(transformer, *split), None))
    mlp = scaled(MLPClassifier((100,), max_iter=500, random_state=args.seed))
    rows.append(("MLPClassifier(100)", "test", *timed_score(mlp, *split), None))
    # As in bench_kernels.py: the gamma grid is set from the scaled training part.
    X_train, y_train, X_test, y_test = split
    scaler = StandardScaler().fit(X_train)
    X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
    svc = rbf_svc_search(X_train, cv=args.cv)
    seconds, score = timed_score(svc, X_train, y_train, X_test, y_test)
    rows.append((f"SVC, RBF, gamma by {args.cv}-fold CV", "test", seconds, score, None))
    return rows


def markdown(runs):
    lines = ["| method | scored on | fit s | accuracy |", "|---|---|---:|---|"]
    for run in runs:
        seconds = "" if run["fit_seconds"] is None else f"{run['fit_seconds']:.1f}"
        accuracy = f"{run['accuracy']:.4f}"
        if run["std"] is not None:
            accuracy += f" ± {run['std']:.4f}"
        lines.append(f"| {run['method']} | {run['scored_on']} | {seconds} | {accuracy} |")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-hidden", type=int, default=4000)
    parser.add_argument("--cv", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0, help="the split and every model's seed")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/digits"))
    args = parser.parse_args(argv)
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X.astype(np.float32), y, test_size=0.25, stratify=y, random_state=args.seed
    )
    print(f"# digits: {len(y_train)} train / {len(y_test)} test", flush=True)
    start = time.perf_counter()
    runs = [
        {
            "method": method,
            "scored_on": scored_on,
            "fit_seconds": None if seconds is None else round(seconds, 2),
            "accuracy": float(accuracy),
            "std": None if std is None else float(std),
            "seed": args.seed,
            "provenance": provenance(),
        }
        for method, scored_on, seconds, accuracy, std in run(
            args, (X_train, y_train, X_test, y_test)
        )
    ]
    total = time.perf_counter() - start
    command = "python " + " ".join([Path(sys.argv[0]).as_posix(), *sys.argv[1:]])
    text = markdown(runs)
    print("\n" + text + f"\n\ntotal {total:.0f} s")
    args.out.mkdir(parents=True, exist_ok=True)
    with (args.out / "runs.jsonl").open("w") as file:
        file.writelines(json.dumps(run) + "\n" for run in runs)
    (args.out / "results.md").write_text(
        f"# digits: HalfNet, MLP and RBF SVC\n\n- command: `{command}`\n"
        f"- split: {len(y_train)} train / {len(y_test)} test, seed {args.seed}\n"
        f"- {describe(runs[0]['provenance'])}\n- total time: {total:.0f} s\n\n{text}\n"
    )
    print(f"wrote {args.out / 'results.md'} and {args.out / 'runs.jsonl'}")


if __name__ == "__main__":
    main()
