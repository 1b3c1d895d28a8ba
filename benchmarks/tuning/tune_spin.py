"""How long torch's OpenMP threads should spin before they sleep, with and without load.

libgomp, the OpenMP runtime of torch's CPU wheels, lets a thread that waits for
work spin ``GOMP_SPINCOUNT`` times before it sleeps (300,000 by default, 0 under
``OMP_WAIT_POLICY=PASSIVE``). Spinning steals the time of busy cores from other
processes; sleeping costs a wake-up at every parallel region, which inside a
virtual machine can take far longer than the region itself. This script times a
default fit (``max_iter`` capped, as in ``bench_speed.py``'s load part) at torch's
default thread count under each setting, and at 1 thread, while 0, 2 and 4
busy-loop processes run, each measurement in a fresh process::

    python benchmarks/tuning/tune_spin.py --out docs/speed/spin

Results go to ``OUT/runs.jsonl`` (one line per measurement, with provenance) and
``OUT/results.md``. The setting skhalfnet applies at import (``skhalfnet/__init__.py``)
is chosen from this table.
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # benchmarks/
from _provenance import describe
from bench_speed import FULL, Runner

#: name -> environment of the measuring process (None: 1 thread, no OpenMP waiting).
VARIANTS = {
    "1 thread": None,
    "passive (spin 0)": {"OMP_WAIT_POLICY": "PASSIVE"},
    "spin 3,000": {"GOMP_SPINCOUNT": "3000"},
    "spin 30,000": {"GOMP_SPINCOUNT": "30000"},
    "spin 300,000 (libgomp's default)": {"GOMP_SPINCOUNT": "300000"},
}


def measure(runner: Runner, busy: tuple, repeats: int, max_iter: int) -> None:
    """Every variant at every load, ``repeats`` times, the variants interleaved."""
    for _ in range(repeats):
        for n_busy in busy:
            for name, env in VARIANTS.items():
                spec = {"task": "loaded_fit", "max_iter": max_iter, "busy": n_busy}
                spec["env"] = env or {}
                threads = 1 if env is None else None  # None: torch's default count
                runner.measure("spin", f"{n_busy} busy processes | {name}", spec, threads)


def table(records: list[dict]) -> str:
    """Mean wall seconds (and each repeat) per load and variant; ratio to 1 thread."""
    walls = defaultdict(list)
    for record in records:
        if record["result"] is not None:
            walls[record["name"]].append(record["result"]["wall_s"])
    loads = sorted({name.split(" | ")[0] for name in walls}, key=lambda s: int(s.split()[0]))
    lines = [
        "| competing load | " + " | ".join(VARIANTS) + " |",
        "|---|" + "---|" * len(VARIANTS),
    ]
    for load in loads:
        one = np.mean(walls.get(f"{load} | 1 thread", [np.nan]))
        cells = []
        for name in VARIANTS:
            times = walls.get(f"{load} | {name}", [])
            if not times:
                cells.append("–")
                continue
            each = ", ".join(f"{t:.1f}" for t in times)
            cells.append(f"{np.mean(times):.1f} ({each}; {np.mean(times) / one:.2f})")
        lines.append(f"| {load} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("docs/speed/spin"))
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--busy", type=int, nargs="+", default=[0, 2, 4])
    parser.add_argument("--max-iter", type=int, default=FULL.load_max_iter)
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    runner = Runner(FULL, False, args.out)
    measure(runner, tuple(args.busy), args.repeats, args.max_iter)
    first, last = runner.records[0], runner.records[-1]
    text = (
        "# How long OpenMP threads spin before they sleep\n\n"
        f"Command: `python benchmarks/tuning/tune_spin.py {' '.join(sys.argv[1:])}`  \n"
        f"Machine and versions: {describe(first['provenance'])}; "
        f"last measurement {last['provenance']['time']}.\n\n"
        f"Wall seconds of a default fit with max_iter={args.max_iter} on MNIST, at torch's "
        "default thread count unless the column says 1 thread, while busy-loop processes "
        "run: the mean, each repeat, and the ratio of the mean to the 1-thread mean.\n\n"
        + table(runner.records)
        + "\n"
    )
    (args.out / "results.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
