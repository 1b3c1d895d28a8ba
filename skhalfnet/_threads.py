"""Torch's thread count during a fit or a prediction, safe for concurrent fits.

Torch's CPU builds use OpenMP, whose thread count is a setting of each OS
thread: ``torch.set_num_threads`` in one Python thread leaves the others'
counts alone (a thread that has not used torch yet starts from the count set
last). :func:`torch_threads` therefore saves the calling thread's count,
sets the requested one and restores the saved count in the same thread, so
fits running at once in several threads (a threading joblib backend, a web
server) each get their own count and each thread gets its own back,
whatever order they finish in. Nothing is shared between calls: a request
that fails changes nothing, and later fits are unaffected.

Counts larger than the number of CPUs available to the process
(``joblib.cpu_count()``) are clipped to it: more threads than cores only
slow the matrix products down, torch refuses counts above ``2**31 - 1``, and
OpenMP aborts the interpreter when it cannot create the threads of a huge
count.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from numbers import Integral

import torch
from joblib import cpu_count


def effective_threads(n_jobs: int | None) -> int:
    """Torch threads for one fit: ``n_jobs``, or the limit joblib gives its workers.

    ``None`` honours ``OMP_NUM_THREADS`` (which joblib's process workers and
    dask's nannies set to share the cores among them) and otherwise keeps
    torch's own setting; negative values count back from the number of cores
    as in joblib (``-1`` is all of them). Values larger than the number of
    cores are returned as they are; :func:`torch_threads` clips them.

    Raises
    ------
    ValueError
        If ``n_jobs`` is 0 or not an integer (``n_jobs`` is validated by
        ``fit``, but ``set_params`` can change it before a prediction).
    """
    if n_jobs is None:
        limit = os.environ.get("OMP_NUM_THREADS", "")
        return int(limit) if limit.isdigit() and int(limit) > 0 else torch.get_num_threads()
    if not isinstance(n_jobs, Integral) or isinstance(n_jobs, bool) or n_jobs == 0:
        raise ValueError(
            f"n_jobs={n_jobs!r} is not a number of threads: use None, a positive int, or a "
            f"negative int counting back from the {cpu_count()} CPUs (-1 is all of them)."
        )
    if n_jobs < 0:
        return max(1, cpu_count() + 1 + int(n_jobs))
    return int(n_jobs)


@contextmanager
def torch_threads(n_threads: int) -> Iterator[None]:
    """Run the block with ``n_threads`` torch threads in this thread; restore the count after.

    ``n_threads`` larger than ``joblib.cpu_count()`` is clipped to it. The
    count is set and restored in the calling thread only (see the module
    docstring), so concurrent and nested blocks each restore what they found.

    Raises
    ------
    ValueError
        If ``n_threads`` is not a positive integer; nothing is changed then.
    """
    if not isinstance(n_threads, Integral) or isinstance(n_threads, bool) or n_threads < 1:
        raise ValueError(f"n_threads must be a positive int, got {n_threads!r}.")
    saved = torch.get_num_threads()
    # One thread needs no clipping (joblib.cpu_count reads the cgroup files at each
    # call), and a count already in place is not set again: a one-row predict is
    # a few hundred microseconds, of which these calls were a fifth.
    wanted = 1 if n_threads == 1 else min(int(n_threads), cpu_count())
    if wanted != saved:
        torch.set_num_threads(wanted)  # if this raises, nothing to undo
    try:
        yield
    finally:
        if torch.get_num_threads() != saved:
            torch.set_num_threads(saved)
