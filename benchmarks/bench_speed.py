"""Speed of HalfNetClassifier on MNIST beside MLPs: time to accuracy, throughput, memory, load.

One run measures, at 1 and at 2 torch/BLAS threads, on MNIST (60,000 training and
10,000 test images, float32 pixels in [0, 1]):

``accuracy``
    Time to 0.975 and 0.980 test accuracy, in process CPU seconds and wall seconds,
    evaluation excluded, for HalfNet (its defaults and the configurations in
    ``HALFNET_ROWS``), ``MLPClassifier`` at several widths and a plain torch MLP; and
    one full default ``HalfNetClassifier().fit`` (its epochs, time and accuracy).
    HalfNet's step schedule may span ``max_iter``, so its time to an accuracy is that
    of the cheapest *whole fit* reaching it: fits with ``max_iter`` in
    ``Settings.budgets`` in turn (replacing any ``max_iter`` of the row), each timed
    from scratch, until one reaches the highest target. The default fit is also
    scored after each epoch through scikit-learn's callbacks where the estimator
    supports them. The MLPs are stepped one epoch per call and scored after each
    epoch, outside the timed region.
``throughput``
    ``torch.mm`` peaks (float32 and bf16); the estimator's epoch time in GFLOP/s
    counting the work done per sample, ``4 d k + 4 k H + 6 H C`` flops (no gradient
    for X or the frozen Z), as a fraction of the peaks; and the epoch of a bare torch
    loop of the same model, timed in turn with the estimator's in the same process
    (:func:`paired_epochs`); and the step's seven matmuls alone at the same shape.
``memory``
    Peak RSS above the loaded data of fit, predict and transform at the default
    width, each in a fresh process.
``load``
    A fit with the default parameters (``max_iter`` capped) at 1 thread and at
    torch's default threads (``--threads`` does not apply) while 0, 2 and 4
    busy-loop processes, started by the measuring process after its warm-up, run.

Every measurement runs in its own process, started with ``OMP_NUM_THREADS``,
``MKL_NUM_THREADS`` and ``OPENBLAS_NUM_THREADS`` set to its thread count (and
``torch.set_num_threads``), after a warm-up on 512 rows. Results go to
``OUT/runs.jsonl`` as they come, then ``OUT/results.md`` and
``OUT/accuracy_vs_time.png``::

    python benchmarks/bench_speed.py --quick            # development: 3-4 min of CPU
    python benchmarks/bench_speed.py                    # the full run: about 30 min,
                                                        # on an otherwise idle machine
    python benchmarks/bench_speed.py --part throughput --threads 1
    python benchmarks/bench_speed.py --report-only      # tables and plot from runs.jsonl

The configurations below are meant to be edited.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import pickle
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))

# -- configuration -----------------------------------------------------------------------

from _speed_settings import DEFAULT_ROW, DEVICE, SEED

#: HalfNet rows of the accuracy part: name -> HalfNetClassifier parameters. The
#: "defaults" row is also fitted once with nothing changed (the default fit).
HALFNET_ROWS = {
    "HalfNet defaults": {},
    "HalfNet 1000x64": {"n_hidden": 1000, "rank": 64},
    "HalfNet 4000x64": {"n_hidden": 4000, "rank": 64},
    "HalfNet 2000x64 float32": {"n_hidden": 2000, "rank": 64, "precision": "float32"},
}
#: MLPClassifier rows: name -> (width, batch_size); adam and its other defaults. Batch 128
#: was the fastest of 128, 200, 256 and 512 to 0.975 (and the only one to reach 0.980 in 30
#: epochs) for MLPClassifier(256) on the validation split (50,000 / 10,000) at 1 thread;
#: 200 is scikit-learn's default.
MLP_ROWS = {
    "MLPClassifier(128), batch 128": (128, 128),
    "MLPClassifier(256), batch 128": (256, 128),
    "MLPClassifier(256), batch 200": (256, 200),
    "MLPClassifier(256), batch 256": (256, 256),
    "MLPClassifier(512), batch 128": (512, 128),
}
#: Plain torch MLP rows: name -> (width, batch_size, Adam step).
TORCH_MLP_ROWS = {"torch MLP(256), batch 256": (256, 256, 1e-3)}
#: The estimator's precision parameter and its values, used where the estimator has it.
PRECISION_PARAMETER = "precision"
PRECISIONS = {"float32": "float32", "bfloat16": "bfloat16"}
#: (n_hidden, rank) of the throughput part, at each precision.
THROUGHPUT_SHAPES = ((4000, 64), (4000, 128), (1000, 64), (1000, 16))
THREAD_VARIABLES = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")


@dataclasses.dataclass(frozen=True)
class Settings:
    """What one run does; ``QUICK`` is the development version of ``FULL``."""

    n_train: int | None = None  # None: all 60,000 training images
    threads: tuple = (1, 2)
    targets: tuple = (0.975, 0.980)
    budgets: tuple = (4, 6, 8, 10, 12, 16)  # HalfNet max_iter values, fitted in turn
    max_epochs: int = 60  # cap for the epoch-stepped MLPs
    halfnet_rows: tuple = tuple(HALFNET_ROWS)
    mlp_rows: tuple = tuple(MLP_ROWS)
    matmul_sizes: tuple = (2048, 4096)
    matmul_repeats: int = 5
    throughput_shapes: tuple = THROUGHPUT_SHAPES
    throughput_epochs: int = 3
    throughput_rounds: int = 3
    memory_max_iter: int = 2
    memory_predict_rows: int = 60_000
    load_processes: tuple = (0, 2, 4)
    load_max_iter: int = 4
    timeout: float = 1800.0  # seconds per measurement


FULL = Settings()
QUICK = dataclasses.replace(
    FULL,
    n_train=10_000,
    threads=(1,),
    targets=(0.93, 0.94),
    budgets=(2, 4, 6),
    max_epochs=10,
    halfnet_rows=(DEFAULT_ROW, "HalfNet 1000x64"),
    mlp_rows=("MLPClassifier(256), batch 128",),
    matmul_sizes=(1024, 2048),
    matmul_repeats=3,
    throughput_shapes=((1000, 64),),
    throughput_epochs=2,
    throughput_rounds=2,
    memory_max_iter=1,
    memory_predict_rows=10_000,
    load_processes=(2,),
    load_max_iter=1,
    timeout=600.0,
)
PARTS = ("accuracy", "throughput", "memory", "load")


# -- inside a measurement's process ------------------------------------------------------


def timed(function):
    """``function()``'s result, process CPU seconds and wall seconds."""
    cpu, wall = time.process_time(), time.perf_counter()
    result = function()
    return result, time.process_time() - cpu, time.perf_counter() - wall


def load_data(n_train):
    """MNIST as float32 in [0, 1]: (X_train, y_train, X_test, y_test)."""
    from skhalfnet.datasets import load_mnist

    X_train, y_train = load_mnist(subset="train", return_X_y=True)
    X_test, y_test = load_mnist(subset="test", return_X_y=True)
    if n_train is not None:
        X_train, y_train = X_train[:n_train], y_train[:n_train]
    assert X_train.dtype == np.float32 and 0 <= X_train.min() and X_train.max() <= 1
    return X_train, y_train, X_test, y_test


def halfnet(params, **overrides):
    """A HalfNetClassifier with ``params`` (``precision`` dropped where it does not exist)."""
    from skhalfnet import HalfNetClassifier

    params = {"random_state": SEED, "device": DEVICE, **params, **overrides}
    if PRECISION_PARAMETER not in HalfNetClassifier().get_params():
        if params.pop(PRECISION_PARAMETER, PRECISIONS["float32"]) != PRECISIONS["float32"]:
            raise ValueError(f"HalfNetClassifier has no {PRECISION_PARAMETER!r} parameter")
    return HalfNetClassifier(**params)


def warm_up(data, make):
    """One step of a throw-away model on 512 rows (thread pools, kernel selection)."""
    X, y = data[0][:512], data[1][:512]
    make(X, y)


def has_reached(points, targets):
    return bool(points) and max(p["accuracy"] for p in points) >= max(targets)


def trace_epochs(peer, data, settings):
    """Step ``peer`` an epoch at a time, scoring on the test set outside the timed region."""
    points, cpu, wall = [], 0.0, 0.0
    for epoch in range(1, settings.max_epochs + 1):
        _, epoch_cpu, epoch_wall = timed(peer.step)
        cpu, wall = cpu + epoch_cpu, wall + epoch_wall
        points.append(
            {"epochs": epoch, "cpu_s": cpu, "wall_s": wall, "accuracy": peer.score(*data[2:])}
        )
        if has_reached(points, settings.targets):
            break
    return {"points": points}


def fit_halfnet_budgets(data, spec, settings):
    """Whole fits at each ``max_iter`` in ``budgets`` until one reaches the highest target."""
    X, y, X_test, y_test = data
    warm_up(data, lambda X, y: halfnet(spec["params"], max_iter=1).fit(X, y))
    points = []
    for budget in settings.budgets:
        model, cpu, wall = timed(lambda b=budget: halfnet(spec["params"], max_iter=b).fit(X, y))
        points.append(
            {
                "epochs": int(model.n_iter_),
                "max_iter": budget,
                "cpu_s": cpu,
                "wall_s": wall,
                "accuracy": float(model.score(X_test, y_test)),
            }
        )
        if has_reached(points, settings.targets):
            break
    return {"points": points}


class _EpochEndCallback:
    """The scikit-learn callback hooks these measurements leave empty."""

    def setup(self, estimator, context):
        pass

    def teardown(self, estimator, context):
        pass

    def on_fit_task_begin(self, estimator, context):
        pass


class EpochScores(_EpochEndCallback):
    """A scikit-learn callback: the test accuracy of each epoch's weights and the time to it.

    The time spent scoring is measured and left out of the times recorded.
    """

    def __init__(self, X, y):
        self.X, self.y = X, y
        self.start()

    def start(self):
        """Forget what was recorded and start the clocks (call just before fit)."""
        self.points, self.eval_cpu, self.eval_wall = [], 0.0, 0.0
        self.start_cpu, self.start_wall = time.process_time(), time.perf_counter()

    def on_fit_task_end(self, estimator, context, *, fitted_estimator=None):
        if context.task_name != "epoch" or fitted_estimator is None:
            return False
        cpu, wall = time.process_time(), time.perf_counter()
        accuracy = float(fitted_estimator.score(self.X, self.y))
        self.points.append(
            {
                "epochs": len(self.points) + 1,
                "cpu_s": cpu - self.start_cpu - self.eval_cpu,
                "wall_s": wall - self.start_wall - self.eval_wall,
                "accuracy": accuracy,
            }
        )
        self.eval_cpu += time.process_time() - cpu
        self.eval_wall += time.perf_counter() - wall
        return False


def fit_halfnet_once(data, spec, settings):
    """One fit with the row's parameters as they are; per-epoch scores where callbacks exist."""
    X, y, X_test, y_test = data
    warm_up(data, lambda X, y: halfnet(spec["params"], max_iter=1).fit(X, y))
    model = halfnet(spec["params"])
    scores = EpochScores(X_test, y_test) if hasattr(model, "set_callbacks") else None
    if scores is not None:
        model.set_callbacks(scores)
        scores.start()
    model, cpu, wall = timed(lambda: model.fit(X, y))
    traced = scores is not None and len(scores.points) == model.n_iter_
    return {
        "epochs": int(model.n_iter_),
        "max_iter": model.max_iter,
        "cpu_s": cpu - (scores.eval_cpu if scores else 0.0),
        "wall_s": wall - (scores.eval_wall if scores else 0.0),
        "accuracy": float(model.score(X_test, y_test)),
        "params": {k: v for k, v in model.get_params().items() if np.isscalar(v) or v is None},
        "points": scores.points if traced else None,
    }


def fit_mlp(data, spec, settings):
    from _speed_peers import make_sklearn_mlp

    width, batch_size = spec["width"], spec["batch_size"]
    warm_up(data, lambda X, y: make_sklearn_mlp(X, y, width=width, batch_size=256, seed=1).step())
    peer = make_sklearn_mlp(*data[:2], width=width, batch_size=batch_size, seed=SEED)
    return trace_epochs(peer, data, settings)


def fit_torch_mlp(data, spec, settings):
    from _speed_peers import make_torch_mlp

    kwargs = {"width": spec["width"], "lr": spec["lr"]}
    warm_up(data, lambda X, y: make_torch_mlp(X, y, batch_size=256, seed=1, **kwargs).step())
    peer = make_torch_mlp(*data[:2], batch_size=spec["batch_size"], seed=SEED, **kwargs)
    return trace_epochs(peer, data, settings)


def matmul_peaks(data, spec, settings):
    from _speed_peers import matmul_gflops

    return {
        "peaks": [
            {"dtype": dtype, "size": size, "gflops": matmul_gflops(size, dtype, spec["repeats"])}
            for dtype in PRECISIONS
            for size in spec["sizes"]
        ]
    }


def flops_per_sample(n_features, rank, n_hidden, n_outputs):
    """Flops of one HalfNet training step per sample: no gradient for X or the frozen Z."""
    return 4 * n_features * rank + 4 * rank * n_hidden + 6 * n_hidden * n_outputs


class EpochClock(_EpochEndCallback):
    """A scikit-learn callback: the process CPU and wall clocks at the end of each epoch."""

    def __init__(self):
        self.marks = []

    def on_fit_task_end(self, estimator, context, **kwargs):
        if context.task_name == "epoch":
            self.marks.append((time.process_time(), time.perf_counter()))
        return False

    def epochs(self):
        """(CPU s, wall s) of each epoch after the first (which starts with the fit's setup)."""
        return [
            (cpu - last_cpu, wall - last_wall)
            for (last_cpu, last_wall), (cpu, wall) in zip(
                self.marks[:-1], self.marks[1:], strict=True
            )
        ]


def paired_epochs(data, spec, settings):
    """The estimator's epoch and the bare loop's, timed in turn in one process.

    ``rounds`` times: a fit of ``1 + E`` epochs whose epochs after the first are timed
    by :class:`EpochClock` (the time between two epoch ends: everything the estimator
    does per epoch), then ``E`` epochs of the bare torch loop of the same model, each
    timed alone. Alternating the two within one process exposes both to the same
    machine conditions; the medians over all timed epochs are compared.
    """
    from _speed_peers import make_bare_halfnet

    X, y = data[:2]
    params, epochs, rounds = spec["params"], spec["epochs"], spec["rounds"]
    shape = {"n_hidden": params["n_hidden"], "rank": params["rank"]}
    warm_up(data, lambda X, y: halfnet(params, max_iter=1).fit(X, y))
    model = halfnet(params, max_iter=1 + epochs)
    if not hasattr(model, "set_callbacks"):
        raise RuntimeError("timing the estimator's epochs needs scikit-learn's callbacks")
    peer = make_bare_halfnet(
        X, y, batch_size=model.batch_size, precision=spec["precision"], seed=SEED, **shape
    )
    _, _, first_bare_wall = timed(peer.step)
    estimator_epochs, bare_epochs = [], []
    for _ in range(rounds):
        clock = EpochClock()
        model = halfnet(params, max_iter=1 + epochs).set_callbacks(clock)
        model.fit(X, y)
        if model.n_iter_ != 1 + epochs:
            raise RuntimeError(f"the fit stopped early, after {model.n_iter_} epochs")
        estimator_epochs += clock.epochs()
        bare_epochs += [timed(peer.step)[1:] for _ in range(epochs)]

    def medians(times):
        cpu, wall = np.median(np.array(times), axis=0)
        return {"epoch_cpu_s": float(cpu), "epoch_wall_s": float(wall), "epochs": times}

    return {
        "estimator": {**medians(estimator_epochs), "accuracy": float(model.score(*data[2:]))},
        "bare": {
            **medians(bare_epochs),
            "first_epoch_wall_s": first_bare_wall,
            "accuracy": peer.score(*data[2:]),
        },
        "batch_size": int(model.batch_size),
        "flops_per_sample": flops_per_sample(
            model.n_features_in_, model.rank_, model.n_hidden, model.head_coef_.shape[1]
        ),
        "n_samples": int(X.shape[0]),
    }


def memory(data, spec, settings):
    """Peak RSS above the loaded data of one fit, predict or transform (MiB)."""
    from _speed_peers import peak_rss_above

    from skhalfnet import HalfNetTransformer

    X, y, X_test, _ = data
    operation, path = spec["operation"], spec.get("model_path")
    if operation.startswith("fit"):
        if operation == "fit_transformer":
            model = HalfNetTransformer(random_state=SEED, device=DEVICE, max_iter=spec["max_iter"])
        else:
            model = halfnet({}, max_iter=spec["max_iter"], **spec.get("params", {}))
        _, peak, before = peak_rss_above(lambda: model.fit(X, y))
        if path is not None:
            with open(path, "wb") as f:
                pickle.dump(model, f)
        return {"peak_mib": peak, "rss_before_mib": before, "output_mib": 0.0, "rows": len(X)}
    with open(path, "rb") as f:
        model = pickle.load(f)
    rows = X if operation == "predict" else X_test
    rows = rows[: spec["rows"]]
    out, peak, before = peak_rss_above(lambda: getattr(model, operation)(rows))
    return {
        "peak_mib": peak,
        "rss_before_mib": before,
        "output_mib": out.nbytes / 2**20,
        "rows": len(rows),
    }


def loaded_fit(data, spec, settings):
    """A fit with the default parameters but ``max_iter``, while ``busy`` processes spin."""
    import torch
    from _speed_peers import competing_load

    X, y = data[:2]
    warm_up(data, lambda X, y: halfnet({}, max_iter=1).fit(X, y))
    model = halfnet({}, max_iter=spec["max_iter"])
    with competing_load(spec["busy"], max_seconds=settings.timeout):
        _, cpu, wall = timed(lambda: model.fit(X, y))
    return {
        "epochs": int(model.n_iter_),
        "cpu_s": cpu,
        "wall_s": wall,
        "torch_threads": torch.get_num_threads(),
        "accuracy": float(model.score(*data[2:])),
    }


def step_matmuls(data, spec, settings):
    """GFLOP/s of a training step's seven matmuls alone, at the shape (see _speed_peers)."""
    from _speed_peers import step_matmul_gflops

    gflops = step_matmul_gflops(
        spec["n_hidden"],
        spec["rank"],
        spec["batch_size"],
        784,
        10,
        spec["precision"],
        settings.matmul_repeats,
    )
    return {"gflops": gflops}


TASKS = {
    "step_matmuls": step_matmuls,
    "halfnet_budgets": fit_halfnet_budgets,
    "halfnet_once": fit_halfnet_once,
    "mlp": fit_mlp,
    "torch_mlp": fit_torch_mlp,
    "matmul": matmul_peaks,
    "paired_epochs": paired_epochs,
    "memory": memory,
    "loaded_fit": loaded_fit,
}


def run_task(spec, settings, result_path):
    """The body of a measurement's process: set the threads, load the data, measure."""
    # skhalfnet first, as a user would import it: imported before torch, it makes
    # OpenMP's threads wait passively unless OMP_WAIT_POLICY is set (see the load part).
    from sklearn.exceptions import ConvergenceWarning

    import skhalfnet  # noqa: F401

    threads = spec["threads"]
    if threads is not None:
        import torch
        from threadpoolctl import threadpool_limits

        torch.set_num_threads(threads)
        threadpool_limits(threads)
    warnings.simplefilter("ignore", ConvergenceWarning)
    data = load_data(settings.n_train) if spec["task"] not in ("matmul", "step_matmuls") else None
    result = TASKS[spec["task"]](data, spec, settings)
    Path(result_path).write_text(json.dumps(result))


# -- the parent process ------------------------------------------------------------------


class Runner:
    """Starts each measurement in a fresh process and appends its record to runs.jsonl."""

    def __init__(self, settings, quick, out, append=False):
        self.settings, self.quick, self.out = settings, quick, out
        self.records = []
        self.runs_path = out / "runs.jsonl"
        if not append:
            self.runs_path.write_text("")

    def measure(self, part, name, spec, threads):
        spec = {**spec, "threads": threads}
        env = dict(os.environ)
        for variable in (*THREAD_VARIABLES, "OMP_WAIT_POLICY", "GOMP_SPINCOUNT"):
            env.pop(variable, None)
            if threads is not None and variable in THREAD_VARIABLES:
                env[variable] = str(threads)
        env.update(spec.get("env", {}))
        command = [sys.executable, __file__, "--worker", json.dumps(spec)]
        command += ["--quick"] if self.quick else []
        label = f"[{part}] {name}, threads={threads if threads else 'torch default'}"
        print(label, "...", flush=True)
        with tempfile.NamedTemporaryFile(suffix=".json") as result_file:
            start = time.perf_counter()
            try:
                done = subprocess.run(
                    [*command, "--result", result_file.name],
                    env=env,
                    timeout=self.settings.timeout,
                    check=False,
                )
                error = None if done.returncode == 0 else f"exit status {done.returncode}"
            except subprocess.TimeoutExpired:
                error = f"timed out after {self.settings.timeout:.0f} s"
            text = Path(result_file.name).read_text()
        record = {
            "part": part,
            "name": name,
            "threads": threads,
            "spec": spec,
            "result": json.loads(text) if error is None and text else None,
            "error": error,
            "seconds": time.perf_counter() - start,
            "provenance": provenance_record(),
        }
        print(f"    {summary(record)}", flush=True)
        self.records.append(record)
        with open(self.runs_path, "a", encoding="utf-8") as runs:
            runs.write(json.dumps(record) + "\n")
        return record


def summary(record):
    if record["error"]:
        return f"failed: {record['error']}"
    result = record["result"]
    keys = ("accuracy", "epochs", "cpu_s", "wall_s", "epoch_wall_s", "peak_mib")
    shown = {k: result[k] for k in keys if k in result}
    if "peaks" in result:
        shown = {f"{p['dtype']} {p['size']} GFLOP/s": p["gflops"] for p in result["peaks"]}
    if "estimator" in result:
        shown = {f"{k} epoch wall_s": result[k]["epoch_wall_s"] for k in ("estimator", "bare")}
    if result.get("points"):
        last = result["points"][-1]
        shown = {f"last {k}": last[k] for k in ("epochs", "cpu_s", "accuracy")}
    text = ", ".join(
        f"{k} {v:.4g}" if isinstance(v, float) else f"{k} {v}" for k, v in shown.items()
    )
    return f"{text} ({record['seconds']:.0f} s)"


def provenance_record():
    from _provenance import provenance

    record = provenance()
    record["machine"]["cpu_flags"] = cpu_flags()
    return record


def cpu_flags():
    """The CPU features that decide matmul speed, from /proc/cpuinfo."""
    wanted = ("avx2", "avx512f", "avx512_bf16", "amx_bf16", "amx_tile")
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("flags"):
                    present = set(line.split(":", 1)[1].split())
                    return [flag for flag in wanted if flag in present]
    except OSError:
        pass
    return []


def precisions():
    """The precisions the estimator offers: float32 only unless it has the parameter."""
    from skhalfnet import HalfNetClassifier

    if PRECISION_PARAMETER in HalfNetClassifier().get_params():
        return dict(PRECISIONS)
    return {"float32": PRECISIONS["float32"]}


def run_accuracy(runner, settings):
    for threads in settings.threads:
        for name in settings.halfnet_rows:
            spec = {"params": HALFNET_ROWS[name]}
            runner.measure("accuracy", name, {"task": "halfnet_budgets", **spec}, threads)
            if name == DEFAULT_ROW:
                runner.measure("default_fit", name, {"task": "halfnet_once", **spec}, threads)
        for name in settings.mlp_rows:
            width, batch_size = MLP_ROWS[name]
            spec = {"task": "mlp", "width": width, "batch_size": batch_size}
            runner.measure("accuracy", name, spec, threads)
        for name, (width, batch_size, lr) in TORCH_MLP_ROWS.items():
            spec = {"task": "torch_mlp", "width": width, "batch_size": batch_size, "lr": lr}
            runner.measure("accuracy", name, spec, threads)


def run_throughput(runner, settings):
    from skhalfnet import HalfNetClassifier

    default_batch = HalfNetClassifier().batch_size
    for threads in settings.threads:
        spec = {
            "task": "matmul",
            "sizes": settings.matmul_sizes,
            "repeats": settings.matmul_repeats,
        }
        runner.measure("peak", "torch.mm", spec, threads)
        for n_hidden, rank in settings.throughput_shapes:
            for precision, value in precisions().items():
                shape = {"n_hidden": n_hidden, "rank": rank}
                params = {
                    **shape,
                    **({PRECISION_PARAMETER: value} if len(precisions()) > 1 else {}),
                }
                name = f"{n_hidden}x{rank} {precision}"
                spec = {"task": "paired_epochs", "params": params, "precision": precision}
                spec.update(epochs=settings.throughput_epochs, rounds=settings.throughput_rounds)
                runner.measure("throughput", name, spec, threads)
                spec = {"task": "step_matmuls", **shape, "batch_size": default_batch}
                runner.measure("ceiling", name, {**spec, "precision": precision}, threads)


def run_memory(runner, settings):
    with tempfile.TemporaryDirectory() as tmp:
        classifier, transformer = str(Path(tmp) / "clf.pkl"), str(Path(tmp) / "tr.pkl")
        max_iter = settings.memory_max_iter
        plan = [
            ("fit", {"operation": "fit", "model_path": classifier}),
            (
                "fit, early_stopping=True",
                {"operation": "fit", "params": {"early_stopping": True}},
            ),
            (
                "fit (HalfNetTransformer)",
                {"operation": "fit_transformer", "model_path": transformer},
            ),
            ("predict", {"operation": "predict", "model_path": classifier}),
            ("transform", {"operation": "transform", "model_path": transformer}),
        ]
        for name, spec in plan:
            spec = {
                "task": "memory",
                "max_iter": max_iter,
                "rows": settings.memory_predict_rows,
                **spec,
            }
            runner.measure("memory", name, spec, 1)


#: libgomp's own default (spin up to this many times, then sleep); setting it also stops
#: skhalfnet from choosing passive waiting, so these rows show the behaviour without it.
SPINNING = {"GOMP_SPINCOUNT": "300000"}


def run_load(runner, settings):
    for busy in settings.load_processes:
        for threads in (1, None):
            spec = {"task": "loaded_fit", "max_iter": settings.load_max_iter, "busy": busy}
            runner.measure("load", f"{busy} busy processes", spec, threads)
        spec = {**spec, "env": SPINNING}
        runner.measure("load", f"{busy} busy processes, OpenMP spinning", spec, None)


def run_default_fit(runner, settings):
    for threads in settings.threads:
        spec = {"task": "halfnet_once", "params": HALFNET_ROWS[DEFAULT_ROW]}
        runner.measure("default_fit", DEFAULT_ROW, spec, threads)


RUNS = {
    "default": run_default_fit,
    "accuracy": run_accuracy,
    "throughput": run_throughput,
    "memory": run_memory,
    "load": run_load,
}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="10,000 training rows, fewer rows")
    parser.add_argument(
        "--part",
        action="append",
        choices=(*PARTS, "default"),
        help="run only this part (repeatable); all parts by default; 'default' is the "
        "default fit alone (also part of accuracy)",
    )
    parser.add_argument(
        "--append",
        action="store_true",
        help="add the records to OUT/runs.jsonl and report all of them, instead of starting anew",
    )
    parser.add_argument("--threads", help="comma-separated thread counts, e.g. 1,2")
    parser.add_argument(
        "--out", type=Path, help="default docs/speed (docs/speed/quick with --quick)"
    )
    parser.add_argument(
        "--report-only",
        action="store_true",
        help="write results.md and the plot from OUT/runs.jsonl",
    )
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--result", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    settings = QUICK if args.quick else FULL
    if args.threads:
        settings = dataclasses.replace(
            settings, threads=tuple(int(t) for t in args.threads.split(","))
        )
    if args.worker:
        run_task(json.loads(args.worker), settings, args.result)
        return
    from _report import read_records
    from _speed_report import write_report

    repository = Path(__file__).resolve().parent.parent
    out = args.out or repository / ("docs/speed/quick" if args.quick else "docs/speed")
    out.mkdir(parents=True, exist_ok=True)
    if args.report_only:
        records = read_records(out / "runs.jsonl")
    else:
        runner = Runner(settings, args.quick, out, append=args.append)
        for part in args.part or PARTS:
            RUNS[part](runner, settings)
        records = read_records(out / "runs.jsonl") if args.append else runner.records
    command = "python benchmarks/bench_speed.py " + " ".join(sys.argv[1:] if argv is None else argv)
    print(write_report(records, out, settings, command=command))


if __name__ == "__main__":
    main()
