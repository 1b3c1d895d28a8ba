"""Torch's thread count during a fit or a prediction, safe for concurrent fits.

``torch.set_num_threads`` is process wide. Fits running in several Python
threads at once (a threading joblib backend, a web server) would each save
and restore it, and out-of-order exits would leave the process with another
fit's count. :func:`torch_threads` keeps one registry under a lock instead:
the count saved is the one from before the first active block, and it is
restored only when the last active block exits.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import torch
from joblib import cpu_count

_LOCK = threading.Lock()
#: The requests of the blocks active now, in the order they entered.
_ACTIVE: list[tuple[object, int]] = []
_SAVED: list[int] = []


def effective_threads(n_jobs: int | None) -> int:
    """Torch threads for one fit: ``n_jobs``, or the limit joblib gives its workers.

    ``None`` honours ``OMP_NUM_THREADS`` (which joblib's process workers and
    dask's nannies set to share the cores among them) and otherwise keeps
    torch's own setting; negative values count back from the number of cores
    as in joblib (``-1`` is all of them).
    """
    if n_jobs is None:
        limit = os.environ.get("OMP_NUM_THREADS", "")
        return int(limit) if limit.isdigit() and int(limit) > 0 else torch.get_num_threads()
    if n_jobs < 0:
        return max(1, cpu_count() + 1 + n_jobs)
    return int(n_jobs)


@contextmanager
def torch_threads(n_threads: int) -> Iterator[None]:
    """Run the block with ``n_threads`` torch threads; restore the count afterwards.

    Concurrent blocks (in other Python threads) share the process-wide
    setting: the latest active request applies, and the count from before
    the first block comes back when the last one exits, whatever the order.
    """
    token = (object(), int(n_threads))
    with _LOCK:
        if not _ACTIVE:
            _SAVED[:] = [torch.get_num_threads()]
        _ACTIVE.append(token)
        torch.set_num_threads(int(n_threads))
    try:
        yield
    finally:
        with _LOCK:
            _ACTIVE.remove(token)
            torch.set_num_threads(_ACTIVE[-1][1] if _ACTIVE else _SAVED[0])
