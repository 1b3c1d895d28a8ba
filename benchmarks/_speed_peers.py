"""The peers and probes of ``bench_speed.py``, written without skhalfnet's internals.

- :func:`matmul_gflops`: the best GFLOP/s of ``torch.mm`` at one size and dtype, at the
  current thread count (the peak an epoch's throughput is compared with).
- :class:`BareHalfNet`: the HalfNet step in a dozen lines of plain torch, to compare the
  estimator's epoch with a loop that does the same math and nothing else.
- :func:`make_torch_mlp`, :func:`make_sklearn_mlp`: the MLP peers, stepped one epoch per
  call so that they can be scored after each epoch outside the timed region.
- :func:`competing_load`: busy-loop processes that run while a measurement runs.
- :func:`peak_rss_above`: the peak resident memory of a call above the memory before it.

Everything here runs at the thread count the calling process was started with.
"""

from __future__ import annotations

import gc
import math
import multiprocessing
import sys
import time
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.neural_network import MLPClassifier
from torch import nn

sys.path.insert(0, str(Path(__file__).parent))
from baselines import TorchMLP

TORCH_DTYPES = {"float32": torch.float32, "bfloat16": torch.bfloat16}


def matmul_gflops(size: int, dtype: str, repeats: int, seed: int = 0) -> float:
    """Best GFLOP/s of ``torch.mm`` on two ``size x size`` matrices (``2 size³`` flops)."""
    generator = torch.Generator().manual_seed(seed)
    a = torch.randn(size, size, generator=generator).to(TORCH_DTYPES[dtype])
    b = torch.randn(size, size, generator=generator).to(TORCH_DTYPES[dtype])
    out = torch.empty_like(a)
    torch.mm(a, b, out=out)  # warm-up: thread pool and kernel selection
    best = math.inf
    for _ in range(repeats):
        start = time.perf_counter()
        torch.mm(a, b, out=out)
        best = min(best, time.perf_counter() - start)
    return 2.0 * size**3 / best / 1e9


def step_matmul_gflops(
    n_hidden: int,
    rank: int,
    batch_size: int,
    n_features: int,
    n_classes: int,
    dtype: str,
    repeats: int,
    seed: int = 0,
) -> float:
    """Best GFLOP/s of the seven matmuls of one HalfNet training step, and nothing else.

    Forward ``X V``, ``P Z`` (with the bias), ``A Wᵀ``; backward ``G W``, ``Gᵀ A``,
    ``G_A Zᵀ``, ``Xᵀ G_P``: the 4·d·k + 4·k·H + 6·H·C flops per sample that the
    throughput table counts, into preallocated outputs. No activation, loss, optimiser
    or row gather, so no training step at these shapes can run faster than this.
    """
    generator = torch.Generator().manual_seed(seed)
    kind = TORCH_DTYPES[dtype]

    def rand(*shape):
        return torch.randn(*shape, generator=generator).to(kind)

    X, V = rand(batch_size, n_features), rand(n_features, rank)
    Z_t, b, W = rand(rank, n_hidden), rand(n_hidden), rand(n_classes, n_hidden)
    G = rand(batch_size, n_classes)
    P, A, out = rand(batch_size, rank), rand(batch_size, n_hidden), rand(batch_size, n_classes)
    G_A, G_W, G_P, G_V = (
        torch.empty_like(A),
        torch.empty_like(W),
        torch.empty_like(P),
        torch.empty_like(V),
    )

    def step():
        torch.mm(X, V, out=P)
        torch.addmm(b, P, Z_t, out=A)
        torch.mm(A, W.T, out=out)
        torch.mm(G, W, out=G_A)
        torch.mm(G.T, A, out=G_W)
        torch.mm(G_A, Z_t.T, out=G_P)
        torch.mm(X.T, G_P, out=G_V)

    step()  # warm-up
    best = math.inf
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(10):
            step()
        best = min(best, (time.perf_counter() - start) / 10)
    flops = batch_size * (4 * n_features * rank + 4 * rank * n_hidden + 6 * n_hidden * n_classes)
    return flops / best / 1e9


class BareHalfNet(nn.Module):
    """``out = relu((X V) Zᵀ / sqrt(k) + b) Wᵀ / sqrt(H) + c``; V, W and c trained, Z and b frozen.

    The two constant scales ride on the matmuls (``addmm``'s ``alpha``), the
    activation is in place, and under bf16 autocast the frozen Z and b are kept in
    bf16 (``compute_dtype``) rather than cast anew at each step: the plainest fast
    way to write the step in torch. V starts random, scaled so that the
    pre-activations have about unit variance.
    """

    def __init__(
        self,
        X: torch.Tensor,
        rank: int,
        n_hidden: int,
        n_classes: int,
        generator,
        compute_dtype=torch.float32,
    ):
        super().__init__()
        n_features = X.shape[1]
        mean_square_norm = float(X[:4096].square().sum(dim=1).mean())
        scale = 1.0 / math.sqrt(max(mean_square_norm, 1e-12))
        self.V = nn.Parameter(torch.randn(n_features, rank, generator=generator) * scale)
        self.register_buffer("Z_t", torch.randn(rank, n_hidden, generator=generator))
        self.register_buffer("b", torch.randn(n_hidden, generator=generator))
        self.Z_t, self.b = self.Z_t.to(compute_dtype), self.b.to(compute_dtype)
        self.W = nn.Parameter(torch.zeros(n_classes, n_hidden))
        self.c = nn.Parameter(torch.zeros(n_classes))
        self.input_scale = 1.0 / math.sqrt(rank)
        self.feature_scale = 1.0 / math.sqrt(n_hidden)

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        a = torch.addmm(self.b, X @ self.V, self.Z_t, alpha=self.input_scale)
        h = torch.relu_(a)  # relu's backward needs only its output; addmm's needs no `a`
        return torch.addmm(self.c, h, self.W.t(), alpha=self.feature_scale)

    def optimizer(self) -> torch.optim.Adam:
        """Adam with the step sizes HalfNet used at release: head 0.03·sqrt(4000/H), V a tenth.

        (Written out here, not imported: only the speed of the loop is compared, and
        its accuracy is a sanity check that the loop learns.)
        """
        n_hidden, rank = self.Z_t.shape[1], self.Z_t.shape[0]
        head = 0.03 * min(10.0, math.sqrt(4000 / n_hidden))
        components = 0.003 * min(10.0, math.sqrt(64 / rank))
        return torch.optim.Adam(
            [{"params": [self.W, self.c], "lr": head}, {"params": [self.V], "lr": components}]
        )


class TorchPeer:
    """A torch classifier trained one epoch per :meth:`step` with minibatch Adam.

    Parameters
    ----------
    model : nn.Module
        Maps a float32 batch to logits.
    optimizer : torch.optim.Optimizer
        Over the model's parameters.
    X, y : ndarray
        Training data (float32) and integer labels 0 ... C-1; X is not copied.
    batch_size : int
        Rows per step.
    precision : {"float32", "bfloat16"}
        ``"bfloat16"`` runs the forward pass under CPU autocast (float32 weights and
        optimiser state, matmuls in bf16).
    seed : int
        Seed of the shuffling.
    """

    def __init__(self, model, optimizer, X, y, *, batch_size, precision="float32", seed=0):
        self.model, self.optimizer = model, optimizer
        self.X = torch.from_numpy(np.ascontiguousarray(X, dtype=np.float32))
        self.y = torch.from_numpy(np.asarray(y, dtype=np.int64))
        self.batch_size = batch_size
        self.autocast = precision != "float32"
        self.generator = torch.Generator().manual_seed(seed)

    def _autocast(self):
        return torch.autocast("cpu", dtype=torch.bfloat16, enabled=self.autocast)

    def step(self) -> None:
        """One shuffled pass over the training rows."""
        n_samples = self.X.shape[0]
        order = torch.randperm(n_samples, generator=self.generator)
        for start in range(0, n_samples, self.batch_size):
            rows = order[start : start + self.batch_size]
            with self._autocast():
                loss = F.cross_entropy(self.model(self.X.index_select(0, rows)), self.y[rows])
            self.optimizer.zero_grad(set_to_none=True)
            loss.backward()
            self.optimizer.step()

    @torch.inference_mode()
    def score(self, X, y, batch_size: int = 4096) -> float:
        """Accuracy on (X, y)."""
        X = torch.from_numpy(np.ascontiguousarray(X, dtype=np.float32))
        with self._autocast():
            predicted = torch.cat(
                [self.model(X[i : i + batch_size]).argmax(1) for i in range(0, len(X), batch_size)]
            )
        return float((predicted.numpy() == np.asarray(y)).mean())


def make_bare_halfnet(X, y, *, n_hidden, rank, batch_size, precision, seed) -> TorchPeer:
    """The bare HalfNet loop on (X, y), ready to :meth:`TorchPeer.step`."""
    generator = torch.Generator().manual_seed(seed)
    X_tensor = torch.from_numpy(np.ascontiguousarray(X, dtype=np.float32))
    n_classes = int(np.max(y)) + 1
    model = BareHalfNet(X_tensor, rank, n_hidden, n_classes, generator, TORCH_DTYPES[precision])
    return TorchPeer(
        model, model.optimizer(), X, y, batch_size=batch_size, precision=precision, seed=seed
    )


def make_torch_mlp(X, y, *, width, batch_size, lr, seed) -> TorchPeer:
    """``baselines.TorchMLP`` (Linear-ReLU-Linear, torch's initialisation) with Adam at ``lr``."""
    model = TorchMLP(X.shape[1], width, int(np.max(y)) + 1, torch.Generator().manual_seed(seed))
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    return TorchPeer(model, optimizer, X, y, batch_size=batch_size, seed=seed)


class SklearnPeer:
    """``MLPClassifier`` stepped one epoch per :meth:`step` with ``partial_fit``."""

    def __init__(self, X, y, *, width, batch_size, seed, **params):
        self.model = MLPClassifier(
            hidden_layer_sizes=(width,), batch_size=batch_size, random_state=seed, **params
        )
        self.X, self.y, self.classes = X, y, np.unique(y)

    def step(self) -> None:
        """One epoch of the estimator's solver (adam by default), continuing its state."""
        self.model.partial_fit(self.X, self.y, classes=self.classes)

    def score(self, X, y) -> float:
        """Accuracy on (X, y)."""
        return float(self.model.score(X, y))


def make_sklearn_mlp(X, y, *, width, batch_size, seed, **params) -> SklearnPeer:
    """An ``MLPClassifier((width,))`` on (X, y), ready to :meth:`SklearnPeer.step`."""
    return SklearnPeer(X, y, width=width, batch_size=batch_size, seed=seed, **params)


# -- a competing load -----------------------------------------------------------------


def _spin(stop, deadline: float) -> None:
    """Keep one core busy until ``stop`` is set or the monotonic clock passes ``deadline``."""
    x = 0
    while not stop.is_set() and time.monotonic() < deadline:
        for _ in range(200_000):
            x += 1


@contextmanager
def competing_load(n_processes: int, max_seconds: float):
    """Run ``n_processes`` busy loops for the block (and never longer than ``max_seconds``)."""
    context = multiprocessing.get_context("fork")  # the children run pure Python only
    stop = context.Event()
    deadline = time.monotonic() + max_seconds
    workers = [
        context.Process(target=_spin, args=(stop, deadline), daemon=True)
        for _ in range(n_processes)
    ]
    for worker in workers:
        worker.start()
    try:
        yield
    finally:
        stop.set()
        for worker in workers:
            worker.join(timeout=10)
            if worker.is_alive():
                worker.terminate()
                worker.join()


# -- peak memory ------------------------------------------------------------------------


def _status_kib(field: str) -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise KeyError(field)


def peak_rss_above(function: Callable[[], object]) -> tuple[object, float, float]:
    """Run ``function()``; return its result, the peak RSS above the RSS before, and that RSS.

    Linux only: the process's peak (``VmHWM``) is reset through
    ``/proc/self/clear_refs`` just before the call, so the peak is the call's.
    Sizes in MiB.
    """
    gc.collect()
    with open("/proc/self/clear_refs", "w", encoding="ascii") as clear_refs:
        clear_refs.write("5")
    before = _status_kib("VmRSS")
    result = function()
    peak = _status_kib("VmHWM")
    return result, (peak - before) / 1024, before / 1024
