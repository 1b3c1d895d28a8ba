"""Where and with what a benchmark row was measured.

Every benchmark script stores :func:`provenance` in each row it writes, so a
figure can be traced to the package versions, the skhalfnet commit and the
machine that produced it, and :func:`describe` turns it into one line of text
for a table's header::

    >>> from _provenance import describe, provenance
    >>> record = provenance()
    >>> sorted(record["versions"])
    ['numpy', 'python', 'scikit-learn', 'scipy', 'skhalfnet', 'torch']
    >>> describe(record).startswith("python ")
    True
"""

from __future__ import annotations

import datetime
import functools
import os
import platform
import subprocess
from pathlib import Path

import numpy as np
import scipy
import sklearn
import torch

import skhalfnet

__all__ = ["describe", "provenance"]

REPOSITORY = Path(__file__).resolve().parent.parent


def _git(*args: str) -> str | None:
    """Output of ``git args`` in the repository, or None where git cannot answer."""
    try:
        done = subprocess.run(
            ["git", "-C", str(REPOSITORY), *args],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip()


def _cpu_model() -> str:
    """The CPU's model name from /proc/cpuinfo, else what :mod:`platform` knows."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


@functools.lru_cache(maxsize=1)
def _static() -> dict:
    """The parts that do not change while a process runs (git is asked once)."""
    modified = _git("status", "--porcelain", "--", "skhalfnet")
    return {
        "versions": {
            "python": platform.python_version(),
            "numpy": np.__version__,
            "scipy": scipy.__version__,
            "scikit-learn": sklearn.__version__,
            "torch": torch.__version__,
            "skhalfnet": skhalfnet.__version__,
        },
        "git_commit": _git("rev-parse", "HEAD"),
        # Uncommitted changes under skhalfnet/ at run time: the commit alone does not
        # describe the code that ran when this list is not empty.
        "git_modified": None if modified is None else modified.splitlines(),
        "machine": {
            "platform": platform.platform(),
            "cpu": _cpu_model(),
            "cpu_count": os.cpu_count(),
        },
    }


def provenance() -> dict:
    """Versions, skhalfnet commit, machine, torch threads and the time, as a JSON-able dict.

    Returns
    -------
    record : dict
        ``versions`` (python, numpy, scipy, scikit-learn, torch, skhalfnet),
        ``git_commit`` and ``git_modified`` (uncommitted files under
        ``skhalfnet/``; None where git is not available), ``machine``
        (platform, CPU model, CPU count), ``torch_threads`` and ``time`` (UTC,
        when the row was recorded).
    """
    static = _static()
    return {
        **static,
        "versions": dict(static["versions"]),
        "machine": dict(static["machine"]),
        "torch_threads": torch.get_num_threads(),
        "time": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC"),
    }


def describe(record: dict) -> str:
    """One line of text for a table's header from a :func:`provenance` record."""
    versions = ", ".join(f"{name} {version}" for name, version in record["versions"].items())
    commit = (record.get("git_commit") or "unknown")[:12]
    if record.get("git_modified"):
        commit += f" with {len(record['git_modified'])} uncommitted file(s) under skhalfnet/"
    machine = record["machine"]
    return (
        f"{versions}; skhalfnet commit {commit}; {machine['platform']}, {machine['cpu']}, "
        f"{machine['cpu_count']} CPUs, {record['torch_threads']} torch thread(s); "
        f"{record['time']}"
    )
