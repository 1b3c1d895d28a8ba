"""skhalfnet: HalfNet random-feature networks with learned subspace geometry.

HalfNet draws the hidden weights of a one-hidden-layer network from N(0, Σ)
with a low-rank Σ = V Vᵀ learned from data (arXiv 2606.04583).
"""

import os as _os
import sys as _sys

# torch's OpenMP threads spin while they wait for work; on a machine whose cores
# are busy with other processes they then steal time from each other and a fit
# with 2 threads can run ten times slower than with one (benchmarks/bench_speed.py
# measures it). Passive waiting avoids the collapse. OpenMP reads the variable
# once, when torch loads it, so this only acts when skhalfnet is imported first,
# and never overrides a value the user set.
if "torch" not in _sys.modules and not {"OMP_WAIT_POLICY", "GOMP_SPINCOUNT"} & set(_os.environ):
    _os.environ["OMP_WAIT_POLICY"] = "PASSIVE"

from . import datasets, kernels
from ._classifier import HalfNetClassifier
from ._regressor import HalfNetRegressor
from ._training import NonFiniteLossWarning
from ._transformer import HalfNetTransformer

__all__ = [
    "HalfNetClassifier",
    "HalfNetRegressor",
    "HalfNetTransformer",
    "NonFiniteLossWarning",
    "datasets",
    "kernels",
]
__version__ = "0.1.0"
