"""Kernel and metric views of HalfNet beside standard kernel and metric-learning methods.

On digits (stratified 75/25 split, StandardScaler fitted on the training part)
and on an MNIST subset (a stratified ``--mnist-train`` / ``--mnist-test``
sample of the official training / test images, pixels in [0, 1] unscaled),
one HalfNetClassifier is fitted and compared with:

* ``SVC(kernel=clf.kernel)``: the exact infinite-width kernel in the learned
  metric (its fit time includes the HalfNetClassifier's);
* the same SVC with the kernel for ``Σ = I`` (nothing learned);
* ``SVC(kernel="rbf")`` with gamma chosen by a 3-fold GridSearchCV over
  ``gamma_scale * {1/4, 1/2, 1, 2, 4}`` (``gamma_scale = 1 / (d Var X)``,
  scikit-learn's ``gamma="scale"``), ``C = 1`` as for the other SVCs; the
  search is part of its fit time;
* the HalfNet head itself (``HalfNetClassifier.score``);
* ``RBFSampler`` and ``Nystroem`` + ``LogisticRegression`` with as many features as
  HalfNet's ``n_hidden``, using the gamma the RBF search selected (the search
  time is not counted there);
* ``NeighborhoodComponentsAnalysis(n_components=rank)`` + 5-NN, beside
  HalfNet's projection ``X @ components_.T`` (what
  ``HalfNetTransformer(output="projection")`` returns; the transformer with the
  same parameters learns the same V) + 5-NN, and 5-NN on the raw inputs.

Writes ``results.md`` (markdown table and machine; accuracy as mean ± sample
standard deviation over the splits), ``runs.jsonl`` (one line per method and
split, with its seed, package versions, skhalfnet commit and machine) and
``kernels.png`` under ``--out``. Usage::

    python benchmarks/bench_kernels.py --threads 1 --out docs/kernel_bench
    python benchmarks/bench_kernels.py --threads 1 --repeats 1 --no-mnist  # quick: digits once
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import torch
from _provenance import describe, provenance
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.kernel_approximation import Nystroem, RBFSampler
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.neighbors import KNeighborsClassifier, NeighborhoodComponentsAnalysis
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC
from threadpoolctl import threadpool_limits

from skhalfnet import HalfNetClassifier
from skhalfnet.kernels import halfnet_kernel


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default="benchmarks/results/kernels", help="output directory")
    parser.add_argument("--mnist-train", type=int, default=5000, help="MNIST training rows")
    parser.add_argument("--mnist-test", type=int, default=2000, help="MNIST test rows")
    parser.add_argument("--no-mnist", action="store_true", help="digits only")
    parser.add_argument("--n-hidden", type=int, default=1000, help="HalfNet width H")
    parser.add_argument("--rank", type=int, default=16, help="HalfNet rank k")
    parser.add_argument("--max-iter", type=int, default=60, help="HalfNet epochs")
    parser.add_argument("--learning-rate", type=float, default=3e-3, help="learning_rate_init")
    parser.add_argument(
        "--activations", nargs="+", default=["relu", "cos"], help="HalfNet activations to run"
    )
    parser.add_argument(
        "--repeats",
        type=int,
        default=3,
        help="splits (seeds seed, seed+1, ...): mean ± std accuracy, median seconds",
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=None,
        help="limit torch, BLAS and OpenMP to this many threads (default: leave as is)",
    )
    parser.add_argument("--seed", type=int, default=0, help="first seed")
    parser.add_argument(
        "--defaults",
        action="store_true",
        help="HalfNet at the library's defaults (--n-hidden, --rank, --max-iter and "
        "--learning-rate are ignored; covariance='auto'), and C of every SVC searched "
        "by 3-fold CV over {0.1, 1, 10, 100} (the RBF SVC's jointly with gamma)",
    )
    return parser.parse_args(argv)


def load_data(args, seed: int, mnist=None) -> dict[str, tuple]:
    """``{name: (X_train, X_test, y_train, y_test)}`` for one seed, float32 inputs."""
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, stratify=y, random_state=seed
    )
    scaler = StandardScaler().fit(X_train)
    data = {
        "digits": (
            scaler.transform(X_train).astype(np.float32),
            scaler.transform(X_test).astype(np.float32),
            y_train,
            y_test,
        )
    }
    if mnist is not None:
        X_train, _, y_train, _ = train_test_split(
            mnist.data_train,
            mnist.target_train,
            train_size=args.mnist_train,
            stratify=mnist.target_train,
            random_state=seed,
        )
        X_test, _, y_test, _ = train_test_split(
            mnist.data_test,
            mnist.target_test,
            train_size=args.mnist_test,
            stratify=mnist.target_test,
            random_state=seed,
        )
        data[f"MNIST {args.mnist_train}/{args.mnist_test}"] = (X_train, X_test, y_train, y_test)
    return data


def timed(function, *args, **kwargs):
    """``(result, seconds)`` of one call."""
    start = time.perf_counter()
    result = function(*args, **kwargs)
    return result, time.perf_counter() - start


#: C values searched with ``--defaults``.
C_GRID = [0.1, 1.0, 10.0, 100.0]


def rbf_svc_search(X_train, cv: int = 3, search_c: bool = False) -> GridSearchCV:
    """An RBF ``SVC`` whose gamma a ``cv``-fold search picks among 1/4 to 4 x "scale".

    "scale" is scikit-learn's ``gamma="scale"``, ``1 / (n_features * X_train.var())``;
    C is 1, or searched over :data:`C_GRID` jointly with gamma when ``search_c``.
    """
    gamma_scale = 1.0 / (X_train.shape[1] * X_train.var())
    grid = {"gamma": [float(gamma_scale * factor) for factor in (0.25, 0.5, 1.0, 2.0, 4.0)]}
    if search_c:
        grid["C"] = C_GRID
    return GridSearchCV(SVC(kernel="rbf"), grid, cv=cv)


class _KernelSVC:
    """SVC on a kernel function: C = 1, or C searched by 3-fold CV on the Gram matrix."""

    def __init__(self, kernel, search_c: bool):
        self.kernel, self.search_c = kernel, search_c

    def fit(self, X, y):
        if not self.search_c:
            self.svc_ = SVC(kernel=self.kernel).fit(X, y)
            return self
        self.X_ = X
        search = GridSearchCV(SVC(kernel="precomputed"), {"C": C_GRID}, cv=3)
        self.svc_ = search.fit(self.kernel(X, X), y)
        return self

    def predict(self, X):
        if not self.search_c:
            return self.svc_.predict(X)
        return self.svc_.predict(self.kernel(X, self.X_))


def run_dataset(name: str, split: tuple, args, seed: int) -> list[dict]:
    """One row per method: fit and predict seconds and test accuracy on one split."""
    X_train, X_test, y_train, y_test = split
    H, k, d = args.n_hidden, args.rank, X_train.shape[1]
    rows = []

    def add(method, size, fit_s, predict_s, accuracy):
        rows.append(
            {
                "seed": seed,
                "dataset": name,
                "method": method,
                "n_features/rank": size,
                "fit s": fit_s,
                "predict s": predict_s,
                "test accuracy": accuracy,
                "provenance": provenance(),
            }
        )
        print(f"  {method:<50} {size:>14} fit {fit_s:8.2f} s  acc {accuracy:.4f}", flush=True)

    def score(model, X):
        predicted, seconds = timed(model.predict, X)
        return seconds, float(np.mean(predicted == y_test))

    print(f"{name}, seed {seed}: {X_train.shape[0]} train, {X_test.shape[0]} test, {d} features")

    for activation in args.activations:
        settings = (
            {}
            if args.defaults
            else {
                "n_hidden": H,
                "rank": k,
                "max_iter": args.max_iter,
                "learning_rate_init": args.learning_rate,
            }
        )
        clf = HalfNetClassifier(
            **settings, activation=activation, random_state=seed, n_jobs=args.threads
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            _, halfnet_s = timed(clf.fit, X_train, y_train)
        H, k = clf.n_hidden, clf.rank_
        print(f"  ({activation}: {clf.n_iter_} epochs, effective rank {clf.effective_rank_:.2f})")
        add(f"HalfNet head, {activation}", f"H={H}, k={k}", halfnet_s, *score(clf, X_test))

        svc, svc_s = timed(_KernelSVC(clf.kernel, args.defaults).fit, X_train, y_train)
        method = f"SVC, HalfNet {activation} kernel, learned metric"
        add(method, f"k={k}", halfnet_s + svc_s, *score(svc, X_test))

        identity = functools.partial(halfnet_kernel, activation=activation, bias_scale=1.0)
        svc, svc_s = timed(_KernelSVC(identity, args.defaults).fit, X_train, y_train)
        add(f"SVC, HalfNet {activation} kernel, Σ = I", f"d={d}", svc_s, *score(svc, X_test))

        projection = clf.components_.T  # HalfNetTransformer(output="projection"): X @ this
        knn, fit_s = timed(KNeighborsClassifier().fit, X_train @ projection, y_train)
        method = f"HalfNet {activation} projection + 5-NN"
        add(method, f"k={k}", halfnet_s + fit_s, *score(knn, X_test @ projection))

    search, search_s = timed(rbf_svc_search(X_train, search_c=args.defaults).fit, X_train, y_train)
    gamma = search.best_params_["gamma"]
    print(f"  (RBF search chose gamma = {gamma * d * X_train.var():g} x scale)")
    what = "C and gamma" if args.defaults else "gamma"
    add(f"SVC, RBF, {what} by 3-fold CV", f"d={d}", search_s, *score(search, X_test))

    for sampler in (
        RBFSampler(gamma=gamma, n_components=H, random_state=seed),
        Nystroem(gamma=gamma, n_components=H, random_state=seed),
    ):
        model = make_pipeline(sampler, LogisticRegression(max_iter=2000))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            _, fit_s = timed(model.fit, X_train, y_train)
        method = f"{type(sampler).__name__} + LogisticRegression"
        add(method, f"{H} features", fit_s, *score(model, X_test))

    nca = make_pipeline(
        # NCA keeps --rank components (16 by default) whatever HalfNet's rank: with 64 it
        # takes tens of minutes on the MNIST subset.
        NeighborhoodComponentsAnalysis(n_components=args.rank, random_state=seed),
        KNeighborsClassifier(),
    )
    _, fit_s = timed(nca.fit, X_train, y_train)
    add("NCA + 5-NN", f"k={args.rank}", fit_s, *score(nca, X_test))

    knn, fit_s = timed(KNeighborsClassifier().fit, X_train, y_train)
    add("5-NN, Euclidean (no metric learning)", f"d={d}", fit_s, *score(knn, X_test))
    return rows


def aggregate(runs: list[dict]) -> list[dict]:
    """Per (dataset, method): mean and std of the accuracy, median seconds, over the runs."""
    groups: dict[tuple, list[dict]] = {}
    for row in runs:
        groups.setdefault((row["dataset"], row["method"], row["n_features/rank"]), []).append(row)
    table = []
    for (dataset, method, size), rows in groups.items():
        accuracy = np.array([row["test accuracy"] for row in rows])
        table.append(
            {
                "dataset": dataset,
                "method": method,
                "n_features/rank": size,
                "fit s": float(np.median([row["fit s"] for row in rows])),
                "predict s": float(np.median([row["predict s"] for row in rows])),
                "test accuracy": float(accuracy.mean()),
                "accuracy std": float(accuracy.std(ddof=1)) if len(rows) > 1 else float("nan"),
                "runs": len(rows),
            }
        )
    return table


def machine() -> dict[str, str]:
    """Versions, commit and machine (from ``_provenance``), with the load average now."""
    return {
        "recorded": describe(provenance()),
        "load average (1 min) at start": f"{os.getloadavg()[0]:.2f}",
    }


def markdown_table(rows: list[dict]) -> str:
    """The aggregated rows as a markdown table."""
    columns = (
        "dataset",
        "method",
        "n_features/rank",
        "fit s (median)",
        "predict s (median)",
        "test accuracy (mean ± std)",
    )
    lines = ["| " + " | ".join(columns) + " |", "|" + "|".join("---" for _ in columns) + "|"]
    for row in rows:
        cells = [
            row["dataset"],
            row["method"],
            row["n_features/rank"],
            f"{row['fit s']:.2f}",
            f"{row['predict s']:.2f}",
            f"{row['test accuracy']:.4f}"
            + (f" ± {row['accuracy std']:.4f}" if row["runs"] > 1 else ""),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def bar_plot(rows: list[dict], path: Path) -> None:
    """Accuracy (with ±std error bars) and fit seconds per method, one colour per dataset."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    datasets = list(dict.fromkeys(row["dataset"] for row in rows))
    methods = list(dict.fromkeys(row["method"] for row in rows))
    fig, axes = plt.subplots(1, 2, figsize=(13, 0.3 * len(methods) * len(datasets) + 1.5))
    height = 0.8 / len(datasets)
    for j, dataset in enumerate(datasets):
        found = {row["method"]: row for row in rows if row["dataset"] == dataset}
        position = np.arange(len(methods)) + j * height

        def column(key, found=found):
            return [found[m][key] if m in found else np.nan for m in methods]

        axes[0].barh(
            position,
            column("test accuracy"),
            height,
            xerr=np.nan_to_num(column("accuracy std")),
            label=dataset,
        )
        axes[1].barh(position, column("fit s"), height, label=dataset)
    for ax in axes:
        ax.set_yticks(np.arange(len(methods)) + 0.4 - height / 2)
        ax.invert_yaxis()
    axes[0].set_yticklabels(methods)
    axes[1].set_yticklabels([])
    low = min(row["test accuracy"] for row in rows)
    axes[0].set_xlim(max(0.0, low - 0.05), 1.0)
    axes[0].set_xlabel("test accuracy (mean ± std over the splits)")
    axes[1].set_xscale("log")
    axes[1].set_xlabel("fit seconds, median (log scale)")
    fig.legend(*axes[0].get_legend_handles_labels(), loc="upper center", ncol=len(datasets))
    fig.tight_layout(rect=(0, 0, 1, 1 - 0.5 / fig.get_figheight()))
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main(argv=None) -> None:
    args = parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    info = machine()
    command = "python " + " ".join([Path(sys.argv[0]).as_posix(), *sys.argv[1:]])
    for key, value in info.items():
        print(f"{key}: {value}")
    print(f"command: {command}", flush=True)

    mnist = None
    if not args.no_mnist:
        from skhalfnet.datasets import load_mnist

        mnist = load_mnist()
    runs = []
    limits = threadpool_limits(args.threads) if args.threads is not None else None
    try:
        start = time.perf_counter()
        for seed in range(args.seed, args.seed + args.repeats):
            for name, split in load_data(args, seed, mnist).items():
                runs.extend(run_dataset(name, split, args, seed))
        total = time.perf_counter() - start
    finally:
        if limits is not None:
            limits.restore_original_limits()
    info["load average (1 min) at the end"] = f"{os.getloadavg()[0]:.2f}"

    rows = aggregate(runs)
    table = markdown_table(rows)
    print()
    print(table)
    print(f"\ntotal {total:.0f} s")
    header = "\n".join(f"- {key}: {value}" for key, value in info.items())
    settings = (
        f"HalfNetClassifier(activation in {args.activations}, random_state=seed) at its "
        "defaults; every SVC's C searched over {0.1, 1, 10, 100} by 3-fold CV"
        if args.defaults
        else f"HalfNetClassifier(n_hidden={args.n_hidden}, rank={args.rank}, "
        f"max_iter={args.max_iter}, learning_rate_init={args.learning_rate}, "
        f"activation in {args.activations}, random_state=seed)"
    )
    (out / "results.md").write_text(
        f"# Kernel benchmark\n\n{header}\n- command: `{command}`\n- HalfNet: `{settings}`\n"
        f"- seeds: {args.seed} to {args.seed + args.repeats - 1} (split, subset and models)\n"
        f"- total time: {total:.0f} s\n\n{table}\n",
        encoding="utf-8",
    )
    with open(out / "runs.jsonl", "w", encoding="utf-8") as file:
        file.writelines(json.dumps(run) + "\n" for run in runs)
    bar_plot(rows, out / "kernels.png")
    print(f"wrote {out / 'results.md'}, {out / 'runs.jsonl'}, {out / 'kernels.png'}")


if __name__ == "__main__":
    main()
