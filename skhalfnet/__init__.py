"""skhalfnet: HalfNet random-feature networks with learned subspace geometry.

HalfNet draws the hidden weights of a one-hidden-layer network from N(0, Σ)
with a low-rank Σ = V Vᵀ learned from data (arXiv 2606.04583).

Importing skhalfnet before torch sets the environment variable
``OMP_WAIT_POLICY=PASSIVE`` (OpenMP's threads then sleep instead of spinning
while they wait, which keeps fits fast on a machine whose cores are busy),
unless ``OMP_WAIT_POLICY`` or ``GOMP_SPINCOUNT`` is already set, or torch was
imported first. The variable stays in ``os.environ``, so every child process
started afterwards (``subprocess``, ``multiprocessing``, joblib's workers)
inherits it, whatever OpenMP program it runs. Set
``SKHALFNET_OMP_WAIT_POLICY=0`` before importing skhalfnet to leave the
environment alone.
"""

import os as _os
import sys as _sys

# torch's OpenMP threads spin while they wait for work; on a machine whose cores
# are busy with other processes they then steal time from each other and a fit
# with 2 threads can run ten times slower than with one (benchmarks/bench_speed.py
# measures it). Passive waiting avoids the collapse. OpenMP reads the variable
# once, when torch loads it, so this only acts when skhalfnet is imported first,
# and never overrides a value the user set. SKHALFNET_OMP_WAIT_POLICY=0 opts out
# (the variable is inherited by child processes, see the docstring).
if (
    _os.environ.get("SKHALFNET_OMP_WAIT_POLICY", "").strip() != "0"
    and "torch" not in _sys.modules
    and not {"OMP_WAIT_POLICY", "GOMP_SPINCOUNT"} & set(_os.environ)
):
    _os.environ["OMP_WAIT_POLICY"] = "PASSIVE"

from . import datasets, kernels
from ._base import RankCappedWarning
from ._classifier import HalfNetClassifier
from ._regressor import HalfNetRegressor
from ._training import NonFiniteLossWarning
from ._transformer import HalfNetTransformer

__all__ = [
    "HalfNetClassifier",
    "HalfNetRegressor",
    "HalfNetTransformer",
    "NonFiniteLossWarning",
    "RankCappedWarning",
    "datasets",
    "kernels",
]
__version__ = "0.2.0"
