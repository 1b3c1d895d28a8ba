"""
===========================================================
MNIST: accuracy against trained parameters, HalfNet and MLP
===========================================================

How much accuracy does each trained parameter buy? HalfNet trains
``n_features * rank`` numbers for V and ``(n_hidden + 1) * n_classes`` for its
output layer; a fully trained one-hidden-layer MLP trains all its hidden weights
too. This example draws test accuracy against the number of trained parameters
on full MNIST (60,000 training and 10,000 test images, 20 epochs) for both.

Training these networks takes about twenty minutes, too long for a documentation
build, so the example reads the results the benchmark script
``benchmarks/bench_mnist.py`` saved in the repository
(``docs/mnist/runs.jsonl``, one fit per line) and only draws them. The
:doc:`MNIST benchmark page </mnist>` describes the runs.
"""

# %%
# The saved runs
# --------------
# Each line records one fit (one seed): the method, its width and rank, the number
# of trained parameters and the test accuracy. Older files store the same fields as
# a list. The example runs from a checkout of the repository.
import json
from pathlib import Path

import pandas as pd

FIELDS = ["method", "width", "rank", "trainable_params", "fit_seconds", "test_accuracy"]


def read_run(line):
    run = json.loads(line)
    return dict(zip(FIELDS, run, strict=True)) if isinstance(run, list) else run


try:
    here = Path(__file__).resolve().parent
except NameError:  # run interactively
    here = Path.cwd()
# The repository's docs/ folder, wherever in examples/ this script sits.
runs_file = next(
    folder / "docs" / "mnist" / "runs.jsonl"
    for folder in (here, *here.parents)
    if (folder / "docs" / "mnist" / "runs.jsonl").is_file()
)
runs = pd.DataFrame([read_run(line) for line in runs_file.read_text().splitlines()])
runs = runs[FIELDS].rename(columns={"trainable_params": "params", "test_accuracy": "accuracy"})
print(runs["method"].value_counts().to_string())

# %%
# Mean and spread over seeds
# --------------------------
# Every configuration was trained with several seeds; the spread is the sample
# standard deviation.
keys = ["method", "width", "rank", "params"]
summary = (
    runs.fillna({"rank": 0})
    .astype({"rank": int})
    .groupby(keys)["accuracy"]
    .agg(mean="mean", std=lambda a: a.std(ddof=1), seeds="count")
    .reset_index()
)
halfnet = summary[summary["method"] == "HalfNet"].sort_values("params")
mlp = summary[summary["method"] == "MLP, scikit-learn"].sort_values("params")
print(halfnet[["width", "rank", "params", "mean", "std", "seeds"]].round(4).to_string(index=False))
print(mlp[["width", "params", "mean", "std", "seeds"]].round(4).to_string(index=False))

# %%
# The frontier
# ------------
# HalfNet points are labelled ``width×rank``, MLP points by their hidden width.
# The HalfNets of rank 1, 2 and 4 at width 4000 fall below the axis; an arrow
# marks where they are.
import matplotlib.pyplot as plt
from matplotlib.ticker import FuncFormatter

floor = 0.94
fig, ax = plt.subplots(figsize=(8, 5.4))
for width, marker in zip(sorted(halfnet["width"].unique()), "sDo^v", strict=False):
    rows = halfnet[(halfnet["width"] == width) & (halfnet["mean"] >= floor)]
    ax.errorbar(
        rows["params"],
        rows["mean"],
        yerr=rows["std"],
        marker=marker,
        linestyle="-",
        color={1000: "tab:green", 4000: "tab:blue"}.get(width, "tab:purple"),
        capsize=3,
        label=f"HalfNet, width {width}",
    )
    for _, row in rows.iterrows():
        ax.annotate(
            f"{row['width']}×{row['rank']}",
            (row["params"], row["mean"]),
            textcoords="offset points",
            xytext=(5, -10),
            fontsize=7,
        )
hidden = halfnet[halfnet["mean"] < floor]
if not hidden.empty:
    text = ", ".join(f"{r['width']}×{r['rank']}: {r['mean']:.2f}" for _, r in hidden.iterrows())
    x = hidden["params"].median()
    ax.annotate(
        f"below the axis: {text}",
        (x, floor),
        xytext=(x * 1.08, floor + 0.004),
        arrowprops=dict(arrowstyle="->"),
        fontsize=7,
    )
ax.errorbar(
    mlp["params"],
    mlp["mean"],
    yerr=mlp["std"],
    marker="o",
    color="tab:orange",
    capsize=3,
    label="MLP (scikit-learn), all weights trained",
)
for _, row in mlp.iterrows():
    ax.annotate(
        f"MLP({row['width']})",
        (row["params"], row["mean"]),
        textcoords="offset points",
        xytext=(-6, 6),
        ha="right",
        fontsize=7,
        color="tab:orange",
    )
ax.set(
    xscale="log",
    ylim=(floor, 0.99),
    xlabel="trained parameters",
    ylabel="test accuracy (mean over seeds, ± 1 std)",
    title="MNIST, 20 epochs: test accuracy against trained parameters",
)
ax.set_xticks([1e4, 2e4, 5e4, 1e5, 2e5, 5e5, 1e6])
ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{x / 1000:.0f}k"))
ax.xaxis.set_minor_formatter(FuncFormatter(lambda x, _: ""))
ax.grid(True, alpha=0.3)
ax.legend(loc="center right")
plt.show()

# %%
# Reading the frontier
# --------------------
# For each MLP, the best HalfNet that trains no more parameters:
verdicts = []
for _, row in mlp.iterrows():
    cheaper = halfnet[halfnet["params"] <= row["params"]]
    if cheaper.empty:
        print(f"MLP({row['width']}) {row['mean']:.4f}: no HalfNet that small")
        continue
    best = cheaper.loc[cheaper["mean"].idxmax()]
    verdicts.append((row["params"], row["mean"], best["mean"], row["std"], best["std"]))
    print(
        f"MLP({row['width']}, {row['params']:,} params) {row['mean']:.4f} | "
        f"HalfNet {best['width']}×{best['rank']:.0f} ({best['params']:,} params) "
        f"{best['mean']:.4f}"
    )

# What the next paragraph says, checked on the lines printed above: between about
# 25,000 and 150,000 parameters every MLP is behind the best cheaper HalfNet, and
# the MLP(1000) and the best HalfNet differ by less than the larger of their spreads.
for params, mlp_mean, halfnet_mean, _, _ in verdicts:
    if 25_000 <= params <= 150_000:
        assert halfnet_mean > mlp_mean, params
widest = verdicts[-1]
assert abs(widest[1] - widest[2]) < max(widest[3], widest[4])

# %%
# Between about 25,000 and 150,000 trained parameters, the best HalfNet with no
# more parameters than an MLP is ahead of it. The wide MLP(1000), with several
# times more parameters, is level with the best HalfNet: their means differ by less
# than the standard deviation over the seeds. HalfNet's advantage is the accuracy
# per trained parameter, not the best accuracy. The
# :doc:`user guide </user_guide/rank_and_width>` turns this into advice on choosing
# the rank and the width.
