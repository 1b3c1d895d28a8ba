"""HalfNet against its peers across data sets: the page users look for first.

Every model runs with its defaults inside ``make_pipeline(StandardScaler(), model)``
(scikit-learn's bundled sets, its synthetic generators with fixed seeds, an MNIST
subset and a synthetic set of 1,000,000 rows), scored by 5-fold cross-validation
(stratified for classification), one thread. For each fold the script records the
test score (accuracy, or R² for regression) and the CPU seconds of ``fit``; the
report gives the mean with the sample standard deviation over the folds.

None of these data sets was used to choose HalfNet's defaults: those were chosen on
``benchmarks/tuning/tune_budget.py``'s own sets (docs/suite/tuning/).

    OMP_NUM_THREADS=1 python benchmarks/bench_suite.py --out docs/suite
    OMP_NUM_THREADS=1 python benchmarks/bench_suite.py --out docs/suite --sets million --append

The 1,000,000-row set is scored on one 80/20 split (five folds of it would take
hours for the MLP alone), and only the peers that finish in minutes at that size
run on it (no SVC or random forest). ``--report-only`` rewrites results.md and the
figure from runs.jsonl.
"""

from __future__ import annotations

import argparse
import json
import time
import warnings
from pathlib import Path

import numpy as np
from _kernel_svc import HalfNetKernelSVC, SearchedRBFSVC
from _provenance import describe, provenance
from _report import markdown, read_records
from _synthetic import shifted_curves
from sklearn import datasets
from sklearn.ensemble import (
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.kernel_approximation import Nystroem, RBFSampler
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import KFold, StratifiedKFold, train_test_split
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC, SVR

from skhalfnet import HalfNetClassifier, HalfNetRegressor, HalfNetTransformer
from skhalfnet.datasets import load_mnist


def _mnist_subset():
    """MNIST's first 10,000 training images (HalfNet's defaults were tuned on rows 50,000+)."""
    X, y = load_mnist(subset="train", return_X_y=True)
    return X[:10000], y[:10000]


def _vega(name, target, task):
    """A table shipped inside the vega_datasets wheel: numeric columns, rows without gaps."""
    from vega_datasets import data

    frame = getattr(data, name)().dropna()
    y = frame.pop(target).to_numpy()
    X = frame.select_dtypes("number").to_numpy(dtype=np.float64)
    if name == "cars" and target == "Miles_per_Gallon":
        X = np.column_stack([X, frame["Origin"].eq("USA"), frame["Origin"].eq("Europe")])
    return X, (y.astype(np.float64) if task == "r" else y)


#: name -> (task, loader returning X, y). "c": accuracy, "r": R².
SETS = {
    "iris": ("c", lambda: datasets.load_iris(return_X_y=True)),
    "wine": ("c", lambda: datasets.load_wine(return_X_y=True)),
    "breast_cancer": ("c", lambda: datasets.load_breast_cancer(return_X_y=True)),
    "digits": ("c", lambda: datasets.load_digits(return_X_y=True)),
    "moons": ("c", lambda: datasets.make_moons(n_samples=1000, noise=0.3, random_state=0)),
    "circles": (
        "c",
        lambda: datasets.make_circles(n_samples=1000, noise=0.2, factor=0.5, random_state=0),
    ),
    "make_classification": (
        "c",
        lambda: datasets.make_classification(n_samples=20000, n_features=40, random_state=0),
    ),
    "mnist_10k": ("c", _mnist_subset),
    "diabetes": ("r", lambda: datasets.load_diabetes(return_X_y=True)),
    "friedman1": (
        "r",
        lambda: datasets.make_friedman1(n_samples=5000, noise=1.0, random_state=0),
    ),
    "make_regression": (
        "r",
        lambda: datasets.make_regression(
            n_samples=2000, n_features=50, n_informative=10, noise=10.0, random_state=0
        ),
    ),
    # Added in round 4 (issue 21): real tables from the vega_datasets wheel, and shapes
    # the suite lacked, with seeds unlike those of benchmarks/tuning/tune_geometry.py.
    "cars_origin": ("c", lambda: _vega("cars", "Origin", "c")),
    "cars_mpg": ("r", lambda: _vega("cars", "Miles_per_Gallon", "r")),
    "seattle_weather": ("c", lambda: _vega("seattle_weather", "weather", "c")),
    "wide_lowrank_150x400": (
        "c",
        lambda: datasets.make_classification(
            n_samples=150,
            n_features=400,
            n_informative=5,
            n_redundant=5,
            n_classes=3,
            class_sep=2.0,
            random_state=1,
        ),
    ),
    "wide_spread_150x400": (
        "c",
        lambda: datasets.make_classification(
            n_samples=150,
            n_features=400,
            n_informative=200,
            n_redundant=0,
            n_classes=2,
            class_sep=3.0,
            random_state=2,
        ),
    ),
    "curves_60x300": ("c", lambda: shifted_curves(60, 300, 3, 1.0, seed=3)),
    "curves_250x200": ("c", lambda: shifted_curves(250, 200, 4, 1.5, seed=4)),
    "friedman3_800": (
        "r",
        lambda: datasets.make_friedman3(n_samples=800, noise=0.1, random_state=5),
    ),
    "radial_2000x10": ("c", lambda: datasets.make_hastie_10_2(n_samples=2000, random_state=6)),
    "million": (
        "c",
        lambda: datasets.make_classification(
            n_samples=1_000_000, n_features=40, n_informative=20, random_state=0
        ),
    ),
}

#: The peers, by task: name -> a model with its defaults (seeded where it draws).
PEERS = {
    "c": {
        "HalfNet": lambda seed: HalfNetClassifier(random_state=seed, n_jobs=1),
        "MLP": lambda seed: MLPClassifier(random_state=seed),
        "LogisticRegression": lambda seed: LogisticRegression(max_iter=1000),
        "SVC": lambda seed: SVC(),
        "HistGradientBoosting": lambda seed: HistGradientBoostingClassifier(random_state=seed),
        "RandomForest": lambda seed: RandomForestClassifier(random_state=seed, n_jobs=1),
        "HalfNet identity": lambda seed: HalfNetClassifier(
            covariance="identity", random_state=seed, n_jobs=1
        ),
        # The kernel view: random features ahead of a linear model (issue 21).
        "HalfNet features + LR": lambda seed: make_pipeline(
            HalfNetTransformer(random_state=seed, n_jobs=1), LogisticRegression(max_iter=1000)
        ),
        # The same features standardised before the regression: transform's features
        # carry the 1/sqrt(n_hidden) of a kernel approximation, small for LR's default C.
        "HalfNet features + scaler + LR": lambda seed: make_pipeline(
            HalfNetTransformer(random_state=seed, n_jobs=1),
            StandardScaler(),
            LogisticRegression(max_iter=1000),
        ),
        "Nystroem(500) + LR": lambda seed: make_pipeline(
            Nystroem(n_components=500, random_state=seed), LogisticRegression(max_iter=1000)
        ),
        # SVCs with C (and a width) searched on the training rows (issue 21).
        "SVC on HalfNet's kernel (searched)": lambda seed: HalfNetKernelSVC(random_state=seed),
        "RBF SVC (searched)": lambda seed: SearchedRBFSVC(),
        "RBFSampler(2000) + LR": lambda seed: make_pipeline(
            # gamma="scale" is 1 / (d * X.var()): 1/d after the suite's StandardScaler,
            # the same width as Nystroem's default (RBFSampler's own default is 1.0).
            RBFSampler(n_components=2000, gamma="scale", random_state=seed),
            LogisticRegression(max_iter=1000),
        ),
    },
    "r": {
        "HalfNet": lambda seed: HalfNetRegressor(random_state=seed, n_jobs=1),
        "MLP": lambda seed: MLPRegressor(random_state=seed),
        "Ridge": lambda seed: Ridge(),
        "SVR": lambda seed: SVR(),
        "HistGradientBoosting": lambda seed: HistGradientBoostingRegressor(random_state=seed),
        "RandomForest": lambda seed: RandomForestRegressor(random_state=seed, n_jobs=1),
        "HalfNet identity": lambda seed: HalfNetRegressor(
            covariance="identity", random_state=seed, n_jobs=1
        ),
    },
}
#: Peers left out at a million rows: each would take hours on one core.
TOO_SLOW_FOR_A_MILLION = {
    "SVC",
    "RandomForest",
    "HalfNet identity",
    "HalfNet features + LR",
    "HalfNet features + scaler + LR",
    "Nystroem(500) + LR",
    "RBFSampler(2000) + LR",
}
#: The searched SVCs run on the classification sets up to this many rows (their
#: kernel matrices and grid searches take minutes per fold beyond).
SEARCHED_SVC_MAX_ROWS = 2_000
SEARCHED_SVCS = {"SVC on HalfNet's kernel (searched)", "RBF SVC (searched)"}
#: The models of the kernel view, left out of "best peer" (HalfNet's own variants too,
#: and the searched SVCs: every peer there runs at its defaults).
NOT_PEERS = SEARCHED_SVCS | {
    "HalfNet identity",
    "HalfNet features + LR",
    "HalfNet features + scaler + LR",
    "Nystroem(500) + LR",
    "RBFSampler(2000) + LR",
}


def folds(task: str, X, y, name: str):
    """(train, test) row indices: 5 folds, or one 80/20 split for the million rows."""
    if name == "million":
        rows = np.arange(len(y))
        train, test = train_test_split(rows, test_size=0.2, random_state=0, stratify=y)
        return [(train, test)]
    splitter = (
        StratifiedKFold(5, shuffle=True, random_state=0)
        if task == "c"
        else KFold(5, shuffle=True, random_state=0)
    )
    return list(splitter.split(X, y))


def run_set(name: str, models: list[str] | None) -> list[dict]:
    task, load = SETS[name]
    X, y = load()
    X = np.asarray(X, dtype=np.float64)
    records = []
    for fold, (train, test) in enumerate(folds(task, X, y, name)):
        for model_name, make in PEERS[task].items():
            if models and model_name not in models:
                continue
            if name == "million" and model_name in TOO_SLOW_FOR_A_MILLION:
                continue
            if model_name in SEARCHED_SVCS and len(y) > SEARCHED_SVC_MAX_ROWS:
                continue
            pipe = make_pipeline(StandardScaler(), make(fold))
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # ConvergenceWarnings of the defaults
                start = time.process_time()
                pipe.fit(X[train], y[train])
                cpu = time.process_time() - start
                score = pipe.score(X[test], y[test])
            record = {
                "set": name,
                "task": task,
                "n_rows": len(y),
                "n_features": X.shape[1],
                "fold": fold,
                "model": model_name,
                "score": float(score),
                "fit_cpu_s": cpu,
            }
            records.append(record)
            print(json.dumps(record), flush=True)
    return records


def summarise(records: list[dict]) -> dict:
    """(set, model) -> mean score, sample sd, mean fit CPU s, folds."""
    groups: dict = {}
    for r in records:
        groups.setdefault((r["set"], r["model"]), []).append(r)
    out = {}
    for key, runs in groups.items():
        scores = np.array([r["score"] for r in runs])
        out[key] = {
            "score": float(scores.mean()),
            "sd": float(scores.std(ddof=1)) if len(scores) > 1 else float("nan"),
            "cpu": float(np.mean([r["fit_cpu_s"] for r in runs])),
            "cpu_median": float(np.median([r["fit_cpu_s"] for r in runs])),
            "cpu_first": runs[0]["fit_cpu_s"],
            "folds": len(runs),
            "task": runs[0]["task"],
            "n_rows": runs[0]["n_rows"],
            "n_features": runs[0]["n_features"],
        }
    return out


def _score(entry) -> str:
    if np.isnan(entry["sd"]):
        return f"{entry['score']:.4f}"
    return f"{entry['score']:.4f} ± {entry['sd']:.4f}"


def verdicts(summary: dict) -> list[dict]:
    """One line per data set: HalfNet, the default MLP and the best peer."""
    lines = []
    for name in SETS:
        if (name, "HalfNet") not in summary:
            continue
        halfnet, mlp = summary[name, "HalfNet"], summary.get((name, "MLP"))
        peers = {
            m: e
            for (s, m), e in summary.items()
            if s == name and m != "HalfNet" and m not in NOT_PEERS
        }
        if not peers:  # a run of HalfNet alone (--models HalfNet) has nothing to compare
            continue
        best_name = max(peers, key=lambda m: peers[m]["score"])
        margin = 0.01 if halfnet["task"] == "c" else 0.02
        lines.append(
            {
                "set": name,
                "halfnet": halfnet,
                "mlp": mlp,
                "best_name": best_name,
                "best": peers[best_name],
                "margin": margin,
                "behind_mlp": mlp is not None and mlp["score"] - halfnet["score"] > margin,
                "behind_best": peers[best_name]["score"] - halfnet["score"] > margin,
            }
        )
    return lines


def _points(a: dict, b: dict) -> str:
    scale = 100 if a["task"] == "c" else 1
    unit = " pt" if a["task"] == "c" else ""
    return f"{scale * (a['score'] - b['score']):+.2f}{unit}"


def geometry_section(summary: dict) -> list[str]:
    """Does the learned geometry pay (default against identity), and the kernel view."""
    rows, kernel_rows = [], []
    for name in SETS:
        default, identity = summary.get((name, "HalfNet")), summary.get((name, "HalfNet identity"))
        if default is None or identity is None:
            continue
        rows.append([name, _score(default), _score(identity), _points(default, identity)])
        features = summary.get((name, "HalfNet features + LR"))
        scaled = summary.get((name, "HalfNet features + scaler + LR"))
        rbf = [summary.get((name, m)) for m in ("Nystroem(500) + LR", "RBFSampler(2000) + LR")]
        if features is not None and all(e is not None for e in rbf):
            best = max(rbf, key=lambda e: e["score"])
            kernel_rows.append(
                [
                    name,
                    _score(features),
                    _points(features, best),
                    "–" if scaled is None else _score(scaled),
                    "–" if scaled is None else _points(scaled, best),
                    _score(rbf[0]),
                    _score(rbf[1]),
                ]
            )
    if not rows:
        return []
    parts = [
        "## Does the learned geometry pay?",
        "",
        'HalfNet at its defaults (`covariance="auto"`) against HalfNet\'s own N(0, I) network '
        '(`covariance="identity"`), same width and budget; differences in points of '
        "accuracy (R² for regression).",
        "",
        markdown(["data set", "HalfNet (auto)", "HalfNet identity", "difference"], rows),
        "",
    ]
    if kernel_rows:
        parts += [
            "## The kernel view: random features ahead of a linear model",
            "",
            f"`HalfNetTransformer()` ({HalfNetTransformer().n_hidden:,} features, in the "
            'geometry `covariance="auto"` '
            "chose) against scikit-learn's "
            "unsupervised approximations of the RBF kernel (gamma = 1 / n_features), each "
            "followed by `LogisticRegression(max_iter=1000)`, and HalfNet's features with a "
            "`StandardScaler` before the regression (its features carry a kernel "
            "approximation's 1/sqrt(n_hidden), small for the regression's default C); the "
            "differences are to the better of the two RBF pipelines.",
            "",
            markdown(
                [
                    "data set",
                    "HalfNet features + LR",
                    "difference",
                    "HalfNet features + scaler + LR",
                    "difference",
                    "Nystroem(500) + LR",
                    "RBFSampler(2000) + LR",
                ],
                kernel_rows,
            ),
            "",
        ]
    return parts + svc_section(summary)


def svc_section(summary: dict) -> list[str]:
    """SVC on HalfNet's exact kernel against a searched RBF SVC (sets up to 2,000 rows)."""
    rows = []
    for name in SETS:
        ours = summary.get((name, "SVC on HalfNet's kernel (searched)"))
        rbf = summary.get((name, "RBF SVC (searched)"))
        if ours is None or rbf is None:
            continue
        rows.append([name, _score(ours), _score(rbf), _points(ours, rbf)])
    if not rows:
        return []
    return [
        "## The kernel view: SVC on HalfNet's exact kernel against a searched RBF SVC",
        "",
        "On the classification sets up to "
        f'{SEARCHED_SVC_MAX_ROWS:,} rows: `SVC(kernel="precomputed")` on the exact '
        "infinite-width kernel of a default `HalfNetClassifier` fitted on the training "
        'fold (its learned metric, or the identity\'s where `covariance="auto"` chose '
        "it), with C in {0.1, 1, 10, 100} and a scale of the metric in {0.5, 1, 2} "
        'searched by 3-fold CV on the training fold; against `SVC(kernel="rbf")` with '
        "the same C grid and gamma in {1/4, 1/2, 1, 2, 4} / n_features searched the same "
        "way (`benchmarks/_kernel_svc.py`).",
        "",
        markdown(["data set", "SVC, HalfNet kernel", "SVC, RBF", "difference"], rows),
        "",
    ]


def _first_fit(summary: dict) -> float:
    """CPU seconds of HalfNet's first fit in the run (the first fold of the first set)."""
    first = next(name for name in SETS if (name, "HalfNet") in summary)
    return summary[first, "HalfNet"]["cpu_first"]


def report(records: list[dict], meta: dict, command: str) -> str:
    summary = summarise(records)
    rows = []
    for v in verdicts(summary):
        h, m, b = v["halfnet"], v["mlp"], v["best"]
        rows.append(
            [
                v["set"],
                f"{h['n_rows']:,} × {h['n_features']}",
                "accuracy" if h["task"] == "c" else "R²",
                _score(h),
                _score(m),
                f"{v['best_name']} {_score(b)}",
                # The verdict next to the scores: the wide table's right end is off
                # screen on a laptop.
                "behind" if v["behind_best"] else ("level" if b["score"] > h["score"] else "ahead"),
                f"{h['cpu']:.2f} ({h['cpu_median']:.2f})",
                f"{m['cpu']:.2f} ({m['cpu_median']:.2f})",
                f"{h['cpu'] / m['cpu']:.2f} ({h['cpu_median'] / m['cpu_median']:.2f})",
            ]
        )
    header = [
        "data set",
        "rows × features",
        "score",
        "HalfNet",
        "MLP (default)",
        "best peer",
        "vs best peer",
        "HalfNet fit CPU s, mean (median)",
        "MLP fit CPU s, mean (median)",
        "CPU ratio, means (medians)",
    ]
    parts = [
        "# Benchmark suite: HalfNet against its peers",
        "",
        f"Command: `{command}`. {describe(meta)}",
        "",
        "Every model with its defaults inside `make_pipeline(StandardScaler(), model)`; "
        "5-fold cross-validation (one 80/20 split for the million rows), mean ± sample "
        "standard deviation over the folds; fit CPU seconds are the mean over the folds, "
        "one thread; the median leaves out one-off costs of the first HalfNet fit in the "
        "process (iris is the first data set; HalfNet's fit on its first fold took "
        f"{_first_fit(summary):.2f} s). "
        '"vs best peer": *behind* when the best peer is ahead by more than '
        "1 point of accuracy (0.02 R²), *level* when ahead by less, *ahead* when HalfNet "
        "is the most accurate.",
        "",
        markdown(header, rows),
        "",
        *geometry_section(summary),
        "## Every model",
        "",
    ]
    detail = []
    for (name, model), e in summary.items():
        detail.append(
            [name, model, _score(e), f"{e['cpu']:.2f}", f"{e['cpu_median']:.2f}", e["folds"]]
        )
    parts.append(
        markdown(
            ["data set", "model", "score", "fit CPU s, mean", "fit CPU s, median", "folds"],
            detail,
        )
    )
    return "\n".join(parts) + "\n"


#: The score panel shows differences in points, clipped to this range (and labelled).
POINTS_SHOWN = 6.0


def plot(records: list[dict], path: Path) -> None:
    """Left: HalfNet's score minus the best peer's and the default MLP's, in points (100 ×
    accuracy or R²); right: median fit CPU seconds of HalfNet and the default MLP."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    lines = verdicts(summarise(records))
    names = [v["set"] for v in lines]
    y = np.arange(len(names))
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 0.5 * len(names) + 2.2), sharey=True)
    for offset, key, label in ((-0.2, "best", "best peer"), (0.2, "mlp", "default MLP")):
        gaps = np.array([100 * (v["halfnet"]["score"] - v[key]["score"]) for v in lines])
        shown = np.clip(gaps, -POINTS_SHOWN, POINTS_SHOWN)
        left.barh(y + offset, shown, height=0.4, label=f"HalfNet minus {label}")
        for row, (gap, bar) in enumerate(zip(gaps, shown, strict=True)):
            if gap != bar:
                left.text(
                    bar,
                    row + offset,
                    f" {gap:+.0f} ",
                    va="center",
                    fontsize=10,
                    ha="right" if bar > 0 else "left",
                )
    left.axvline(0, color="black", linewidth=0.8)
    for bound in (-1, 1):
        left.axvline(bound, color="grey", linewidth=0.8, linestyle=":")
    left.set_xlim(-POINTS_SHOWN, POINTS_SHOWN)
    left.set_title(
        "Accuracy: HalfNet ahead right of 0; dotted: ±1 point;\n"
        f"bars clipped at ±{POINTS_SHOWN:g}, the true value printed",
        fontsize=11,
    )
    left.set_xlabel("score difference, points (accuracy or R² × 100)", fontsize=12)
    left.set_yticks(y, names, fontsize=12)
    left.legend(fontsize=11, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=2)
    for offset, key, label in ((-0.2, "halfnet", "HalfNet"), (0.2, "mlp", "default MLP")):
        right.barh(y + offset, [v[key]["cpu_median"] for v in lines], height=0.4, label=label)
    right.set_xscale("log")
    right.set_title("Cost: fit CPU seconds, one thread\n(shorter is faster)", fontsize=11)
    right.set_xlabel("fit CPU seconds, median over folds (log)", fontsize=12)
    right.legend(fontsize=11, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=2)
    left.invert_yaxis()
    for axis in (left, right):
        axis.tick_params(labelsize=11)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/suite"))
    parser.add_argument("--sets", nargs="*", choices=list(SETS))
    parser.add_argument("--models", nargs="*")
    parser.add_argument("--append", action="store_true", help="add to the run's records")
    parser.add_argument("--report-only", action="store_true")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    runs = args.out / "runs.jsonl"
    meta_path = args.out / "machine.json"
    if not args.report_only:
        if not args.append:
            runs.write_text("")
            meta_path.write_text(json.dumps(provenance(), indent=1))
        for name in args.sets or [s for s in SETS if s != "million"]:
            records = run_set(name, args.models)
            # A re-run of a (set, model) replaces its earlier records.
            rerun = {(r["set"], r["model"]) for r in records}
            kept = [r for r in read_records(runs) if (r["set"], r["model"]) not in rerun]
            runs.write_text("".join(json.dumps(r) + "\n" for r in kept + records))
    records = read_records(runs)
    meta = json.loads(meta_path.read_text())
    command = "OMP_NUM_THREADS=1 python benchmarks/bench_suite.py --out docs/suite"
    (args.out / "results.md").write_text(report(records, meta, command))
    plot(records, args.out / "suite.png")
    print((args.out / "results.md").read_text())


if __name__ == "__main__":
    main()
