"""skhalfnet: HalfNet random-feature networks with learned subspace geometry.

HalfNet draws the hidden weights of a one-hidden-layer network from N(0, Σ)
with a low-rank Σ = V Vᵀ learned from data (arXiv 2606.04583).
"""

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
