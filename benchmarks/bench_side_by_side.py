"""This checkout's default MNIST fit and prediction beside an older commit's and the MLP's.

One run, one thread, every measurement in a fresh process (``OMP_NUM_THREADS=1``), the
two checkouts alternating seed by seed so that both meet the same machine conditions:

``fit``
    ``HalfNetClassifier(random_state=seed).fit`` on MNIST's 60,000 training images
    (float32), its process CPU seconds and test accuracy, for seeds 0, 1 and 2 (or the
    ``--seeds`` given), with this checkout's skhalfnet and with the one under
    ``--baseline`` (a ``git worktree`` of the older commit); the report gives each
    checkout's mean accuracy ± its sample sd, and how many seeds fall below 0.980.
``mlp``
    ``MLPClassifier((256,), batch_size=128)`` (its fastest setting on MNIST) stepped one
    ``partial_fit`` epoch at a time until its test accuracy reaches 0.980, CPU seconds
    without the scoring (seed 0).
``predict``
    One-row ``predict`` latency (median over 2,000 calls) and ``predict_proba`` on the
    10,000 test images (best of 5), for each checkout's default HalfNet (fitted for one
    epoch: the time depends on the shapes, not the weights) and for the MLP(256).
``step``
    The default bf16 training step against its own seven matmuls at the same shapes
    (``_speed_peers.step_matmul_gflops``): the step's time is the difference between
    fits of 2 and 1 epochs divided by the steps of an epoch, best of 3.

Writes ``OUT/runs.jsonl`` and ``OUT/results.md``::

    git worktree add /tmp/baseline be44cbb
    python benchmarks/bench_side_by_side.py --baseline /tmp/baseline --out docs/speed/side_by_side
    python benchmarks/bench_side_by_side.py --baseline /tmp/baseline --seeds 0 1 2 3 4 5 6 7 8 9 \
        --out docs/speed/side_by_side/ten_seeds
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SEEDS = (0, 1, 2)
TARGET = 0.980


def _data():
    from skhalfnet.datasets import load_mnist

    X, y = load_mnist(return_X_y=True, subset="train")
    X_test, y_test = load_mnist(return_X_y=True, subset="test")
    return X, y, X_test, y_test


def task_fit(seed: int) -> dict:
    from skhalfnet import HalfNetClassifier

    X, y, X_test, y_test = _data()
    HalfNetClassifier(max_iter=1, random_state=seed).fit(X[:512], y[:512])  # warm-up
    start = time.process_time()
    model = HalfNetClassifier(random_state=seed).fit(X, y)
    cpu = time.process_time() - start
    return {"cpu_s": cpu, "accuracy": float(model.score(X_test, y_test)), "epochs": model.n_iter_}


def task_mlp(seed: int) -> dict:
    sys.path.insert(0, str(HERE))
    from _speed_peers import make_sklearn_mlp

    X, y, X_test, y_test = _data()
    peer = make_sklearn_mlp(X, y, width=256, batch_size=128, seed=seed)
    cpu, points = 0.0, []
    for epoch in range(1, 31):
        start = time.process_time()
        peer.step()
        cpu += time.process_time() - start
        points.append({"epochs": epoch, "cpu_s": cpu, "accuracy": peer.score(X_test, y_test)})
        if points[-1]["accuracy"] >= TARGET:
            break
    return {"points": points}


def _latency(predict, row, calls=2000) -> float:
    for _ in range(50):
        predict(row)
    times = []
    for _ in range(calls):
        start = time.perf_counter()
        predict(row)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _throughput(predict_proba, X, repeats=5) -> float:
    predict_proba(X)
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        predict_proba(X)
        best = min(best, time.perf_counter() - start)
    return best


def task_predict(seed: int, model: str) -> dict:
    import warnings

    X, y, X_test, _ = _data()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if model == "mlp":
            from sklearn.neural_network import MLPClassifier

            fitted = MLPClassifier((256,), max_iter=1, random_state=seed).fit(X, y)
        else:
            from skhalfnet import HalfNetClassifier

            fitted = HalfNetClassifier(max_iter=1, random_state=seed).fit(X, y)
    return {
        "one_row_ms": 1e3 * _latency(fitted.predict, X_test[:1]),
        "rows_10k_ms": 1e3 * _throughput(fitted.predict_proba, X_test),
    }


def task_step(seed: int) -> dict:
    sys.path.insert(0, str(HERE))
    from _speed_peers import step_matmul_gflops

    from skhalfnet import HalfNetClassifier

    X, y, _, _ = _data()
    model = HalfNetClassifier(random_state=seed)
    HalfNetClassifier(max_iter=1, random_state=seed).fit(X[:512], y[:512])  # warm-up
    best = {}
    for epochs in (1, 2):
        times = []
        for _ in range(3):
            start = time.process_time()
            model.set_params(max_iter=epochs).fit(X, y)
            times.append(time.process_time() - start)
        best[epochs] = min(times)
    steps = -(-X.shape[0] // model.batch_size)
    step_s = (best[2] - best[1]) / steps
    n_hidden, rank, batch = model.n_hidden, model.rank_, model.batch_size
    gflops = step_matmul_gflops(n_hidden, rank, batch, X.shape[1], 10, "bfloat16", 50)
    flops = batch * (4 * X.shape[1] * rank + 4 * rank * n_hidden + 6 * n_hidden * 10)
    return {
        "step_ms": 1e3 * step_s,
        "matmuls_ms": 1e3 * flops / (gflops * 1e9),
        "shape": {"batch": batch, "d": X.shape[1], "k": rank, "H": n_hidden, "C": 10},
    }


TASKS = {"fit": task_fit, "mlp": task_mlp, "predict": task_predict, "step": task_step}


def measure(checkout: Path, task: str, **kwargs) -> dict:
    """Run one task in a fresh one-thread process importing skhalfnet from ``checkout``."""
    env = dict(os.environ, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    env["PYTHONPATH"] = str(checkout)
    code = (
        "import json, sys, torch; torch.set_num_threads(1); "
        f"sys.path.insert(1, {str(HERE)!r}); import bench_side_by_side as b, skhalfnet; "
        f"result = b.TASKS[{task!r}](**{kwargs!r}); result['module'] = skhalfnet.__file__; "
        "print(json.dumps(result))"
    )
    # Run from the checkout: `python -c` puts the working directory first on sys.path.
    out = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        cwd=checkout,
        capture_output=True,
        text=True,
        check=True,
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    if not Path(result["module"]).resolve().is_relative_to(checkout.resolve()):
        raise RuntimeError(f"imported {result['module']}, not the checkout {checkout}")
    return result


def commit_of(checkout: Path) -> str:
    return subprocess.run(
        ["git", "-C", str(checkout), "rev-parse", "--short=12", "HEAD"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


def run(baseline: Path, out: Path, seeds=SEEDS) -> list[dict]:
    checkouts = {"this": HERE.parent, "baseline": baseline}
    records = []

    def record(**fields):
        records.append(fields)
        print(json.dumps(fields), flush=True)
        with (out / "runs.jsonl").open("a") as f:
            f.write(json.dumps(fields) + "\n")

    for seed in seeds:
        for name, checkout in checkouts.items():
            record(
                part="fit",
                checkout=name,
                commit=commit_of(checkout),
                seed=seed,
                **measure(checkout, "fit", seed=seed),
            )
    record(part="mlp", seed=0, **measure(HERE.parent, "mlp", seed=0))
    for name, checkout in checkouts.items():
        record(
            part="predict",
            checkout=name,
            model="halfnet",
            **measure(checkout, "predict", seed=0, model="halfnet"),
        )
    record(
        part="predict",
        checkout="this",
        model="mlp",
        **measure(HERE.parent, "predict", seed=0, model="mlp"),
    )
    for name, checkout in checkouts.items():
        record(part="step", checkout=name, **measure(checkout, "step", seed=0))
    return records


def _mean_sd(values, digits=2) -> str:
    sd = statistics.stdev(values) if len(values) > 1 else float("nan")
    return f"{statistics.mean(values):.{digits}f} ± {sd:.{digits}f}"


def report(records: list[dict], command: str) -> str:
    sys.path.insert(0, str(HERE))
    from _provenance import describe, provenance

    fits = {
        name: [r for r in records if r["part"] == "fit" and r["checkout"] == name]
        for name in ("this", "baseline")
    }
    mlp = next(r for r in records if r["part"] == "mlp")
    reached = [p for p in mlp["points"] if p["accuracy"] >= TARGET]
    mlp_cpu = reached[0]["cpu_s"] if reached else float("nan")
    this_cpu = statistics.mean(r["cpu_s"] for r in fits["this"])
    base_cpu = statistics.mean(r["cpu_s"] for r in fits["baseline"])
    seeds = ", ".join(str(r["seed"]) for r in fits["this"])
    lines = [
        "# The default MNIST fit and prediction, side by side",
        "",
        f"Command: `{command}` (each measurement in its own one-thread process; the line "
        f"below describes the launching process). {describe(provenance())}",
        "",
        f"## The default fit (60,000 rows, one thread, seeds {seeds})",
        "",
        "| checkout | commit | CPU s, mean ± sd | test accuracy, mean ± sd | per seed "
        f"| seeds below {TARGET:.3f} | epochs |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, runs in fits.items():
        accuracies = [r["accuracy"] for r in runs]
        below = sum(a < TARGET for a in accuracies)
        lines.append(
            f"| {name} | {runs[0]['commit']} | {_mean_sd([r['cpu_s'] for r in runs])} | "
            f"{_mean_sd(accuracies, 4)} | {', '.join(f'{a:.4f}' for a in accuracies)} | "
            f"{below} of {len(runs)} | {runs[0]['epochs']} |"
        )
    lines += [
        "",
        f"CPU ratio this / baseline: {this_cpu / base_cpu:.2f}. "
        f"MLPClassifier(256), batch 128, reaches {TARGET} in {mlp_cpu:.1f} CPU s "
        f"({reached[0]['epochs'] if reached else '–'} epochs): "
        f"{mlp_cpu / this_cpu:.1f} times this checkout's default fit.",
        "",
        "## Prediction (one thread)",
        "",
        "| model | one-row predict, ms (median) | predict_proba on 10,000 rows, ms (best of 5) |",
        "|---|---|---|",
    ]
    for r in (r for r in records if r["part"] == "predict"):
        label = "MLPClassifier(256)" if r["model"] == "mlp" else f"HalfNet ({r['checkout']})"
        lines.append(f"| {label} | {r['one_row_ms']:.3f} | {r['rows_10k_ms']:.1f} |")
    lines += ["", "## The bf16 training step against its own matmuls", ""]
    lines += [
        "| checkout | step, ms | its seven matmuls alone, ms | ratio | shape |",
        "|---|---|---|---|---|",
    ]
    for r in (r for r in records if r["part"] == "step"):
        shape = ", ".join(f"{k} {v}" for k, v in r["shape"].items())
        lines.append(
            f"| {r['checkout']} | {r['step_ms']:.2f} | {r['matmuls_ms']:.2f} | "
            f"{r['step_ms'] / r['matmuls_ms']:.2f} | {shape} |"
        )
    return "\n".join(lines) + "\n"


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", type=Path, required=True)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/side_by_side"))
    parser.add_argument("--report-only", action="store_true")
    parser.add_argument("--seeds", type=int, nargs="+", default=list(SEEDS))
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    if not args.report_only:
        (args.out / "runs.jsonl").unlink(missing_ok=True)
        run(args.baseline, args.out, args.seeds)
    records = [json.loads(line) for line in (args.out / "runs.jsonl").open()]
    fits = [r for r in records if r["part"] == "fit"]
    baseline = next(r["commit"][:7] for r in fits if r["checkout"] == "baseline")
    command = f"python benchmarks/bench_side_by_side.py --baseline <worktree of {baseline}>"
    seeds = sorted({r["seed"] for r in fits})
    if seeds != list(SEEDS):
        command += " --seeds " + " ".join(map(str, seeds))
    (args.out / "results.md").write_text(report(records, command))
    print((args.out / "results.md").read_text())


if __name__ == "__main__":
    main()
