"""Tables and the plot of ``bench_speed.py``, from its records (one dict per measurement)."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from _report import markdown
from _speed_settings import DEFAULT_ROW, DEVICE, REFERENCE_MLP, SEED
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter


def threads_label(threads) -> str:
    return "torch default" if threads is None else str(threads)


def first_reaching(points: list[dict], target: float) -> dict | None:
    """The first point (fewest epochs) whose test accuracy reaches ``target``."""
    return next((p for p in points if p["accuracy"] >= target), None)


def by_part(records: list[dict], part: str) -> list[dict]:
    return [r for r in records if r["part"] == part and r["result"] is not None]


def reference_cpu(records: list[dict], threads, target: float) -> float | None:
    """The reference MLP's CPU seconds to ``target`` (fastest of its rows) at ``threads``."""
    times = [
        hit["cpu_s"]
        for r in by_part(records, "accuracy")
        if r["name"] in REFERENCE_MLP and r["threads"] == threads
        if (hit := first_reaching(r["result"]["points"], target))
    ]
    return min(times) if times else None


def ratio(cpu: float | None, reference: float | None) -> str:
    return f"{cpu / reference:.2f}" if cpu is not None and reference else "–"


def protocol(record: dict) -> str:
    if record["spec"]["task"] == "halfnet_budgets":
        budgets = [p["max_iter"] for p in record["result"]["points"]]
        return "whole fits, max_iter " + ", ".join(map(str, budgets))
    return "one epoch per call"


def accuracy_table(records: list[dict], targets: tuple) -> str:
    header = ["threads", "model", "how"]
    for t in targets:
        header += [f"epochs to {t}", f"CPU s to {t}", f"wall s to {t}", f"CPU / MLP(256) at {t}"]
    header += ["best test acc."]
    rows = []
    for r in by_part(records, "accuracy"):
        points = r["result"]["points"]
        row = [threads_label(r["threads"]), r["name"], protocol(r)]
        for t in targets:
            hit = first_reaching(points, t)
            if hit is None:
                row += ["not reached", "–", "–", "–"]
                continue
            reference = reference_cpu(records, r["threads"], t)
            row += [hit["epochs"], f"{hit['cpu_s']:.1f}", f"{hit['wall_s']:.1f}"]
            row += [ratio(hit["cpu_s"], reference)]
        best = max(points, key=lambda p: p["accuracy"])
        row += [f"{best['accuracy']:.4f} ({best['epochs']} ep.)"]
        rows.append(row)
    return markdown(header, rows)


def default_fit_table(records: list[dict], targets: tuple) -> str:
    header = ["threads", "max_iter", "epochs run", "CPU s", "wall s", "test acc."]
    header += [f"CPU / MLP(256) to {targets[-1]}", "epoch reaching " + ", ".join(map(str, targets))]
    rows = []
    for r in by_part(records, "default_fit"):
        result = r["result"]
        reference = reference_cpu(records, r["threads"], targets[-1])
        if result["points"] is None:
            within = "not traced (no per-epoch hook)"
        else:
            hits = [first_reaching(result["points"], t) for t in targets]
            within = ", ".join(str(h["epochs"]) if h else "–" for h in hits)
        rows.append(
            [
                threads_label(r["threads"]),
                result["max_iter"],
                result["epochs"],
                f"{result['cpu_s']:.1f}",
                f"{result['wall_s']:.1f}",
                f"{result['accuracy']:.4f}",
                ratio(result["cpu_s"], reference) if result["accuracy"] >= targets[-1] else "–",
                within,
            ]
        )
    return markdown(header, rows)


def peaks(records: list[dict]) -> dict:
    """(threads, dtype) -> best GFLOP/s over the sizes measured."""
    best = defaultdict(float)
    for r in by_part(records, "peak"):
        for p in r["result"]["peaks"]:
            key = (r["threads"], p["dtype"])
            best[key] = max(best[key], p["gflops"])
    return best


def peak_table(records: list[dict]) -> str:
    rows = [
        [threads_label(r["threads"]), p["dtype"], f"{p['size']}³", f"{p['gflops']:.0f}"]
        for r in by_part(records, "peak")
        for p in r["result"]["peaks"]
    ]
    return markdown(["threads", "dtype", "torch.mm size", "GFLOP/s (best)"], rows)


def throughput_table(records: list[dict]) -> str:
    best = peaks(records)
    ceiling = {(r["name"], r["threads"]): r["result"] for r in by_part(records, "ceiling")}
    header = ["threads", "n_hidden x rank, precision", "batch", "epoch wall s (CPU s)"]
    header += ["GFLOP/s (per CPU s)", "of float32 peak", "of bf16 peak"]
    header += ["the step's matmuls alone: GFLOP/s, of float32 peak"]
    header += ["bare loop epoch wall s (CPU s)", "estimator / bare, wall (CPU)"]
    header += ["test acc.: estimator, bare loop"]
    rows = []
    for r in by_part(records, "throughput"):
        result, threads = r["result"], r["threads"]
        estimator, loop = result["estimator"], result["bare"]
        work = result["flops_per_sample"] * result["n_samples"] / 1e9
        gflops = work / estimator["epoch_wall_s"]
        fractions = [
            f"{gflops / best[(threads, dtype)]:.0%}" if best.get((threads, dtype)) else "–"
            for dtype in ("float32", "bfloat16")
        ]
        row = [threads_label(threads), r["name"], result["batch_size"]]
        row += [f"{estimator['epoch_wall_s']:.2f} ({estimator['epoch_cpu_s']:.2f})"]
        row += [f"{gflops:.0f} ({work / estimator['epoch_cpu_s']:.0f})", *fractions]
        alone = ceiling.get((r["name"], threads))
        f32_peak = best.get((threads, "float32"))
        row += [
            f"{alone['gflops']:.0f}, {alone['gflops'] / f32_peak:.0%}"
            if alone and f32_peak
            else "–"
        ]
        row += [f"{loop['epoch_wall_s']:.2f} ({loop['epoch_cpu_s']:.2f})"]
        row += [
            f"{estimator['epoch_wall_s'] / loop['epoch_wall_s']:.2f} "
            f"({estimator['epoch_cpu_s'] / loop['epoch_cpu_s']:.2f})"
        ]
        rows.append([*row, f"{estimator['accuracy']:.4f}, {loop['accuracy']:.4f}"])
    return markdown(header, rows)


def memory_table(records: list[dict]) -> str:
    rows = [
        [
            r["name"],
            r["result"]["rows"],
            f"{r['result']['rss_before_mib']:.0f}",
            f"{r['result']['peak_mib']:.0f}",
            f"{r['result']['output_mib']:.0f}",
        ]
        for r in by_part(records, "memory")
    ]
    header = ["operation (default width)", "rows", "RSS before (MiB)", "peak above (MiB)"]
    return markdown([*header, "of which the result (MiB)"], rows)


def load_table(records: list[dict]) -> str:
    results = {(r["name"], r["threads"]): r for r in records if r["part"] == "load"}
    rows = []
    for (name, threads), r in results.items():
        if r["result"] is None:
            rows.append([name, threads_label(threads), "–", r["error"], "–", "–", "–"])
            continue
        result = r["result"]
        one = results.get((name, 1))
        versus = "–"
        if one and one["result"]:
            versus = f"{result['wall_s'] / one['result']['wall_s']:.2f}"
        rows.append(
            [
                name,
                f"{threads_label(threads)} ({result['torch_threads']})",
                result["epochs"],
                f"{result['wall_s']:.1f}",
                f"{result['cpu_s']:.1f}",
                f"{result['wall_s'] / result['epochs']:.2f}",
                versus,
            ]
        )
    header = ["competing load", "threads (torch's)", "epochs", "wall s", "CPU s"]
    return markdown([*header, "wall s per epoch", "wall / 1-thread wall"], rows)


def plot(records: list[dict], path: Path, targets: tuple, title: str) -> None:
    """Test accuracy against CPU seconds for every model, one panel per thread count."""
    curves = by_part(records, "accuracy") + [
        r for r in by_part(records, "default_fit") if r["result"]["points"]
    ]
    thread_counts = sorted({r["threads"] for r in curves}, key=lambda t: (t is None, t))
    if not thread_counts:
        return
    fig, axes = plt.subplots(
        1, len(thread_counts), figsize=(7 * len(thread_counts), 5), squeeze=False, sharey=True
    )
    for ax, threads in zip(axes[0], thread_counts, strict=True):
        for r in curves:
            if r["threads"] != threads:
                continue
            points = r["result"]["points"]
            budgets = r["spec"]["task"] == "halfnet_budgets"
            label = r["name"] + (" (whole fits)" if budgets else "")
            if r["part"] == "default_fit":
                label = f"{r['name']}: default fit, per epoch"
            ax.plot(
                [p["cpu_s"] for p in points],
                [p["accuracy"] for p in points],
                marker="o" if budgets else ".",
                linestyle="--" if budgets else "-",
                label=label,
            )
        for r in by_part(records, "default_fit"):
            if r["threads"] == threads:
                ax.plot(
                    r["result"]["cpu_s"],
                    r["result"]["accuracy"],
                    marker="*",
                    markersize=14,
                    linestyle="none",
                    color="black",
                    label=f"{DEFAULT_ROW}: one full default fit",
                )
        for t in targets:
            ax.axhline(t, color="grey", linewidth=0.8, linestyle=":")
        ax.set_xscale("log")
        ax.xaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.set_ylim(min(targets) - 0.03, 1.0)
        ax.set_xlabel("CPU seconds of training (process time, evaluation excluded)")
        ax.set_title(f"{threads_label(threads)} thread(s)")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8, loc="lower right")
    axes[0][0].set_ylabel("MNIST test accuracy")
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def machine_line(records: list[dict]) -> tuple[str, str]:
    from _provenance import describe

    with_provenance = [r["provenance"] for r in records if r.get("provenance")]
    if not with_provenance:
        return "unknown machine", "unknown date"
    first, last = with_provenance[0], with_provenance[-1]
    flags = ", ".join(first["machine"].get("cpu_flags", [])) or "none listed"
    line = f"{describe(first)} (run ended {last['time']}); CPU features: {flags}"
    return line, first["time"][:10]


def sections(settings) -> list[tuple[str, str, str, object]]:
    """(part, title, explanation, table builder) of each section of results.md."""
    targets = settings.targets
    return [
        (
            "accuracy",
            "Time to test accuracy",
            "CPU seconds are the process time of the measurement's process (all its "
            "threads), wall seconds its elapsed time; both leave out scoring. HalfNet rows: "
            "the cheapest whole fit (a fresh estimator, `max_iter` = the budget, budgets "
            "tried in increasing order) whose final model reaches the accuracy. MLP rows: "
            'cumulative time of one-epoch steps. "CPU / MLP(256)" divides by the faster of '
            + " and ".join(REFERENCE_MLP)
            + " at the same thread count.",
            lambda records: accuracy_table(records, targets),
        ),
        (
            "default_fit",
            "The default fit",
            f'`HalfNetClassifier(random_state={SEED}, device="{DEVICE}").fit` with every '
            "other parameter at its default; the last column reads the test accuracy of "
            "each epoch's weights through the estimator's callbacks, where it has them.",
            lambda records: default_fit_table(records, targets),
        ),
        ("peak", "Matmul peaks", "Best of several `torch.mm` calls.", peak_table),
        (
            "throughput",
            "Epoch throughput",
            "Flops counted per sample: 4·d·k + 4·k·H + 6·H·C (the work done: no gradient "
            "for X or the frozen Z). The estimator's epochs and those of a bare loop of the "
            "same model in plain torch (benchmarks/_speed_peers.py) are timed in turn in "
            f"one process: {settings.throughput_rounds} rounds of a fit of "
            f"1 + {settings.throughput_epochs} epochs (each epoch after the first timed "
            f"between two epoch ends by a callback) and {settings.throughput_epochs} "
            "epochs of the bare loop; the table gives the median epoch of each. Accuracy "
            "after the last fit (1 + E epochs) and after all of the bare loop's epochs. "
            'GFLOP/s and the fractions of the peaks from wall time. "The '
            "step's matmuls alone\" times only the seven matmuls of one step at the same "
            "shape and batch (no activation, loss, optimiser or gather): the ceiling for "
            "any training loop at that shape with torch's matmuls.",
            throughput_table,
        ),
        (
            "memory",
            "Peak memory",
            "Peak RSS of the call above the RSS before it, in a fresh process holding the "
            "loaded data (and, for predict and transform, the fitted model), at 1 thread; "
            f"fits run max_iter={settings.memory_max_iter}.",
            memory_table,
        ),
        (
            "load",
            "Under a competing load",
            f"A fit with the default parameters but max_iter={settings.load_max_iter}, "
            'while busy-loop processes run; "torch default" leaves the thread variables '
            "unset (the number in brackets is torch's thread count in that process).",
            load_table,
        ),
    ]


def write_report(records: list[dict], out: Path, settings, *, command: str) -> str:
    """Write OUT/results.md and OUT/accuracy_vs_time.png; return the markdown."""
    machine, date = machine_line(records)
    n_train = settings.n_train or 60_000
    cpu = records[0]["provenance"]["machine"]["cpu"] if records else "unknown CPU"
    parts = {r["part"] for r in records}
    text = [
        f"# Speed on MNIST ({n_train:,} training rows, 10,000 test rows, float32)",
        f"Command: `{command}`  \nMachine and versions: {machine}  \n"
        f"Seed: {SEED} for every model (random_state, torch generators).",
    ]
    for part, title, explanation, table in sections(settings):
        if part in parts:
            text.append(f"## {title}\n\n{explanation}\n\n{table(records)}")
    failed = [r for r in records if r["error"]]
    if failed:
        lines = [
            f"- {r['part']}, {r['name']}, threads {r['threads']}: {r['error']}" for r in failed
        ]
        text.append("## Failed measurements\n\n" + "\n".join(lines))
    if "accuracy" in parts:
        title = f"MNIST, {n_train:,} training rows: test accuracy against CPU time\n{cpu}, {date}"
        plot(records, out / "accuracy_vs_time.png", settings.targets, title)
        text.append("![test accuracy against CPU time](accuracy_vs_time.png)")
    markdown_text = "\n\n".join(text) + "\n"
    (out / "results.md").write_text(markdown_text, encoding="utf-8")
    return markdown_text
