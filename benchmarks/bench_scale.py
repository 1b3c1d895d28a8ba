"""Past one process: a rank search on more cores and on a dask cluster; data read from disk.

Three measurements, printed as markdown tables and written to ``--out``
(``results.md``, one JSON line per run appended to ``runs.jsonl``):

1. **Rank search.** ``GridSearchCV`` over ``rank`` (3-fold) timed with
   ``n_jobs=1`` (one process; torch uses its default threads), with
   ``n_jobs=2`` (joblib's loky processes, which limit each worker to its
   share of the cores) and through joblib's dask backend on a
   ``distributed.LocalCluster(n_workers=2, threads_per_worker=1)``. Each
   route's start (worker processes, imports, a first tiny fit in every
   process) is timed apart from the search. Each route's cross-validation
   scores are compared with ``n_jobs=1``'s.
2. **Out-of-core accuracy.** The training images are saved as a stack of
   ``.npy`` files of ``chunk`` rows each (``dask.array.to_npy_stack``) and
   read back lazily with ``dask.array.from_npy_stack``; dask-ml's
   ``Incremental`` feeds the chunks to ``partial_fit`` for ``passes`` passes.
   Test accuracy against ``fit`` on the in-memory array for as many epochs
   (with the default step schedule, and with constant steps).
3. **Peak memory.** Each way of training runs in a fresh subprocess:
   ``fit`` on the array loaded into memory, ``fit`` on the file opened with
   ``numpy.load(mmap_mode="r")``, ``Incremental`` over the ``.npy`` stack, and
   ``Incremental`` over ``dask.array.from_array`` of the memory-mapped file
   (which copies the whole array into memory: dask's ``from_array`` copies
   array-likes that have a ``copy`` method). It reports, above
   the level measured after the imports, the peak of the process's
   anonymous memory (``RssAnon`` in ``/proc/self/status``, sampled every
   2 ms: what the process itself allocated) and of its whole resident set
   (``VmHWM``, which also counts the file's pages in the page cache that
   the kernel can drop at will). Linux only.

    python benchmarks/bench_scale.py --quick            # digits, a few minutes
    python benchmarks/bench_scale.py --out docs/scale   # MNIST, the committed table

``--quick`` uses scikit-learn's digits and small networks and writes to
``--out`` only when it is given. Run it with no other heavy process on the
machine: wall times are the point.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from _provenance import describe, provenance

#: What each mode trains: (n_hidden, ranks searched, epochs of a search fit,
#: search rows, rank of the out-of-core network, chunk rows, passes).
SETTINGS = {
    "full": dict(
        n_hidden=1000,
        ranks=[8, 16, 32, 64],
        search_epochs=10,
        search_rows=10_000,
        stream_rank=32,
        chunk=1000,
        passes=5,
    ),
    "quick": dict(
        n_hidden=200,
        ranks=[4, 8, 16],
        search_epochs=5,
        search_rows=1200,
        stream_rank=16,
        chunk=100,
        passes=5,
    ),
}


def load_data(quick):
    """(X_train, y_train, X_test, y_test, name): MNIST, or digits scaled to [0, 1]."""
    if quick:
        from sklearn.datasets import load_digits
        from sklearn.model_selection import train_test_split

        X, y = load_digits(return_X_y=True)
        X_train, X_test, y_train, y_test = train_test_split(
            (X / 16).astype(np.float32), y, test_size=0.25, random_state=0, stratify=y
        )
        return X_train, y_train, X_test, y_test, "digits"
    from skhalfnet.datasets import load_mnist

    X_train, y_train = load_mnist(subset="train", return_X_y=True)
    X_test, y_test = load_mnist(subset="test", return_X_y=True)
    return X_train, y_train, X_test, y_test, "MNIST"


# -- 1. rank search -------------------------------------------------------------------


def _search(X, y, settings, n_jobs=None):
    from sklearn.model_selection import GridSearchCV

    from skhalfnet import HalfNetClassifier

    estimator = HalfNetClassifier(
        n_hidden=settings["n_hidden"], max_iter=settings["search_epochs"], random_state=0
    )
    search = GridSearchCV(estimator, {"rank": settings["ranks"]}, cv=3, n_jobs=n_jobs)
    start = time.perf_counter()
    search.fit(X, y)
    return time.perf_counter() - start, search


def rank_search(X, y, settings):
    """Wall seconds of the search on each route, its best rank and its scores.

    Each route is warmed up first (worker processes started, skhalfnet imported,
    one tiny fit run in every process) and that start is timed apart.
    """
    import joblib
    from distributed import Client, LocalCluster

    X, y = X[: settings["search_rows"]], y[: settings["search_rows"]]
    rows = {}
    start = time.perf_counter()
    _warm_up()
    rows["n_jobs=1"] = (time.perf_counter() - start, *_search(X, y, settings, 1))
    start = time.perf_counter()
    joblib.Parallel(n_jobs=2)(joblib.delayed(_warm_up)() for _ in range(4))
    rows["n_jobs=2 (loky)"] = (time.perf_counter() - start, *_search(X, y, settings, 2))
    start = time.perf_counter()
    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        Client(cluster) as client,
    ):
        client.run(_warm_up)
        warm = time.perf_counter() - start
        with joblib.parallel_backend("dask"):
            rows["dask LocalCluster, 2 workers x 1 thread"] = (warm, *_search(X, y, settings))
    reference = rows["n_jobs=1"][2].cv_results_["mean_test_score"]
    return {
        "rows": len(y),
        "routes": {
            label: {
                "start_seconds": round(warm, 2),
                "seconds": round(seconds, 2),
                "best_rank": search.best_params_["rank"],
                "best_score": round(float(search.best_score_), 4),
                "same_scores_as_n_jobs_1": bool(
                    np.array_equal(search.cv_results_["mean_test_score"], reference)
                ),
            }
            for label, (warm, seconds, search) in rows.items()
        },
    }


def _warm_up():
    """Import skhalfnet and fit a tiny network, so that the search times the search."""
    from skhalfnet import HalfNetClassifier

    X = np.random.default_rng(0).normal(size=(20, 4)).astype(np.float32)
    HalfNetClassifier(n_hidden=8, rank=2, max_iter=1).fit(X, np.arange(20) % 2)
    return os.getpid()


# -- 2. out-of-core accuracy ----------------------------------------------------------


def _incremental(X_chunks, y, settings):
    """dask-ml Incremental over the dask array ``X_chunks``, ``passes`` passes; returns it."""
    import dask
    import dask.array as da
    from dask_ml.wrappers import Incremental

    from skhalfnet import HalfNetClassifier

    y_chunks = da.from_array(y, chunks=(X_chunks.chunks[0],))
    model = HalfNetClassifier(
        n_hidden=settings["n_hidden"], rank=settings["stream_rank"], random_state=0
    )
    stream = Incremental(model, random_state=0)
    with dask.config.set(scheduler="synchronous"):
        for _ in range(settings["passes"]):
            stream.partial_fit(X_chunks, y_chunks, classes=np.unique(y))
    return stream.estimator_


def _stack(folder):
    """The training images as a lazily read dask array, one chunk per .npy file."""
    import dask.array as da

    return da.from_npy_stack(Path(folder, "X_stack"), mmap_mode="r")


def out_of_core(folder, y_train, X_test, y_test, settings):
    """Test accuracy of the stream and of in-memory fits of as many epochs."""
    from sklearn.exceptions import ConvergenceWarning

    from skhalfnet import HalfNetClassifier

    start = time.perf_counter()
    streamed = _incremental(_stack(folder), y_train, settings)
    stream_seconds = time.perf_counter() - start
    X_train = np.load(Path(folder, "X_train.npy"))
    result = {
        "stream": {
            "accuracy": float(streamed.score(X_test, y_test)),
            "seconds": round(stream_seconds, 1),
            "partial_fit_calls": streamed.n_iter_,
        }
    }
    schedules = {"fit, default schedule": {}, "fit, constant steps": {"learning_rate": "constant"}}
    for label, schedule in schedules.items():
        model = HalfNetClassifier(
            n_hidden=settings["n_hidden"],
            rank=settings["stream_rank"],
            max_iter=settings["passes"],
            random_state=0,
            **schedule,
        )
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", category=ConvergenceWarning)
            model.fit(X_train, y_train)
        result[label] = {
            "accuracy": float(model.score(X_test, y_test)),
            "seconds": round(time.perf_counter() - start, 1),
        }
    return result


# -- 3. peak memory (in subprocesses) -------------------------------------------------


def _status_kib(field):
    """A field of /proc/self/status in KiB (RssAnon, VmHWM, ...)."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"{field} is not in /proc/self/status")


class _PeakSampler(threading.Thread):
    """Samples RssAnon every 2 ms until stopped; keeps the maximum."""

    def __init__(self):
        super().__init__(daemon=True)
        self.peak = _status_kib("RssAnon")
        self._stop_event = threading.Event()

    def run(self):
        while not self._stop_event.wait(0.002):
            self.peak = max(self.peak, _status_kib("RssAnon"))

    def stop(self):
        self._stop_event.set()
        self.join()
        self.peak = max(self.peak, _status_kib("RssAnon"))
        return self.peak


def memory_probe(mode, folder, settings):
    """Train one way in this (fresh) process; return its memory use above the imports."""
    import dask.array as da
    import dask_ml.wrappers  # noqa: F401 - imported before the baseline, as the others

    from skhalfnet import HalfNetClassifier

    path = Path(folder, "X_train.npy")
    y = np.load(Path(folder, "y_train.npy"))
    base_anon, base_hwm = _status_kib("RssAnon"), _status_kib("VmHWM")
    sampler = _PeakSampler()
    sampler.start()
    model = HalfNetClassifier(
        n_hidden=settings["n_hidden"],
        rank=settings["stream_rank"],
        max_iter=settings["passes"],
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if mode == "fit, in memory":
            model.fit(np.load(path), y)
        elif mode == "fit, numpy.load(mmap_mode='r')":
            model.fit(np.load(path, mmap_mode="r"), y)
        elif mode == "Incremental, dask.array.from_npy_stack":
            _incremental(_stack(folder), y, settings)
        else:
            X_file = np.load(path, mmap_mode="r")
            _incremental(da.from_array(X_file, chunks=(settings["chunk"], -1)), y, settings)
    peak_anon = sampler.stop()
    return {
        "peak_anonymous_mib": round((peak_anon - base_anon) / 1024, 1),
        "peak_resident_mib": round((_status_kib("VmHWM") - base_hwm) / 1024, 1),
    }


MEMORY_MODES = (
    "fit, in memory",
    "fit, numpy.load(mmap_mode='r')",
    "Incremental, dask.array.from_npy_stack",
    "Incremental, dask.array.from_array of the memory-mapped file",
)


def peak_memory(folder, mode_name):
    """Run each memory probe in a fresh interpreter."""
    results = {}
    for mode in MEMORY_MODES:
        command = [
            sys.executable,
            __file__,
            "--memory-probe",
            mode,
            str(folder),
            "--settings",
            mode_name,
        ]
        done = subprocess.run(command, capture_output=True, text=True, check=True)
        results[mode] = json.loads(done.stdout.strip().splitlines()[-1])
    return results


# -- report ---------------------------------------------------------------------------


def report(record):
    """The markdown tables of one run."""
    s, search = record["settings"], record["rank_search"]
    ooc, memory = record["out_of_core"], record["peak_memory"]
    lines = [
        f"# Scaling HalfNet: rank search, out-of-core training ({record['data']})",
        "",
        f"`{record['command']}`; {describe(record['provenance'])}",
        "",
        "Load average of the machine (1 min) when the run started and ended: "
        f"{record['load_average_1min'][0]:.1f}, {record['load_average_1min'][1]:.1f} "
        f"(on {record['provenance']['machine']['cpu_count']} CPUs; above that, other "
        "processes competed for the cores and the wall times are longer than on an idle "
        "machine).",
        "",
        f"## Rank search: GridSearchCV over rank {s['ranks']}, 3 folds, "
        f"{search['rows']} rows, n_hidden={s['n_hidden']}, {s['search_epochs']} epochs",
        "",
        "| route | search wall s | start wall s | best rank | best CV accuracy "
        "| CV scores equal n_jobs=1's |",
        "|---|---|---|---|---|---|",
        *(
            f"| {label} | {r['seconds']:.1f} | {r['start_seconds']:.1f} | {r['best_rank']} "
            f"| {r['best_score']:.4f} | {'yes' if r['same_scores_as_n_jobs_1'] else 'no'} |"
            for label, r in search["routes"].items()
        ),
        "",
        "Start: starting the worker processes (none for n_jobs=1), importing skhalfnet and "
        "fitting a tiny network in each process, before the search.",
        "",
        f"## Out-of-core: {s['passes']} passes of {s['chunk']}-row chunks read from "
        f".npy files ({record['file_mib']:.1f} MiB in all), n_hidden={s['n_hidden']}, "
        f"rank={s['stream_rank']}",
        "",
        "| training | test accuracy | wall s |",
        "|---|---|---|",
        f"| dask-ml Incremental ({ooc['stream']['partial_fit_calls']} partial_fit calls) "
        f"| {ooc['stream']['accuracy']:.4f} | {ooc['stream']['seconds']:.1f} |",
        *(
            f"| {label}, {s['passes']} epochs, in memory | {r['accuracy']:.4f} "
            f"| {r['seconds']:.1f} |"
            for label, r in ooc.items()
            if label != "stream"
        ),
        "",
        *(
            f"Stream minus {label}: {100 * (ooc['stream']['accuracy'] - r['accuracy']):+.2f} "
            "points."
            for label, r in ooc.items()
            if label != "stream"
        ),
        "",
        f"## Peak memory above the imports (training file {record['file_mib']:.1f} MiB)",
        "",
        "| training | peak anonymous MiB | peak resident MiB (with file pages) |",
        "|---|---|---|",
        *(
            f"| {mode} | {r['peak_anonymous_mib']:.0f} | {r['peak_resident_mib']:.0f} |"
            for mode, r in memory.items()
        ),
    ]
    return "\n".join(lines)


def _save(folder, X_train, y_train, chunk):
    """X_train.npy, y_train.npy and the stack X_stack/ of ``chunk``-row .npy files."""
    import dask.array as da

    np.save(Path(folder, "X_train.npy"), X_train)
    np.save(Path(folder, "y_train.npy"), y_train)
    da.to_npy_stack(Path(folder, "X_stack"), da.from_array(X_train, chunks=(chunk, -1)))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="digits, small networks")
    parser.add_argument("--out", default=None, help="directory for results.md and runs.jsonl")
    parser.add_argument("--memory-probe", nargs=2, metavar=("MODE", "FOLDER"))
    parser.add_argument("--settings", choices=sorted(SETTINGS), default="full")
    args = parser.parse_args(argv)
    if args.memory_probe:
        mode, folder = args.memory_probe
        print(json.dumps(memory_probe(mode, folder, SETTINGS[args.settings])))
        return
    mode_name = "quick" if args.quick else "full"
    settings = SETTINGS[mode_name]
    out = args.out or (None if args.quick else "docs/scale")
    X_train, y_train, X_test, y_test, name = load_data(args.quick)
    with tempfile.TemporaryDirectory() as folder:
        _save(folder, X_train, y_train, settings["chunk"])
        load_at_start = os.getloadavg()[0]
        record = {
            "data": name,
            "command": "python benchmarks/bench_scale.py" + (" --quick" if args.quick else ""),
            "settings": settings,
            "file_mib": Path(folder, "X_train.npy").stat().st_size / 2**20,
            "rank_search": rank_search(X_train, y_train, settings),
            "out_of_core": out_of_core(folder, y_train, X_test, y_test, settings),
            "peak_memory": peak_memory(folder, mode_name),
            "provenance": provenance(),
        }
        record["load_average_1min"] = [load_at_start, os.getloadavg()[0]]
    text = report(record)
    print(text)
    if out:
        os.makedirs(out, exist_ok=True)
        Path(out, "results.md").write_text(text + "\n")
        with open(Path(out, "runs.jsonl"), "a") as runs:
            runs.write(json.dumps(record) + "\n")


if __name__ == "__main__":
    main()
