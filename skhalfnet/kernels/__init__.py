"""Infinite-width kernels of the HalfNet layer.

A HalfNet layer with ``H`` hidden units maps an input row ``x`` (``d``
features) to random features ``f(x)`` whose inner products converge, as
``H → ∞``, to a fixed kernel ``K(x, x') = lim f(x)·f(x')``. This module
evaluates those kernels in closed form (or by a quadrature accurate to about
``1e-10`` for tanh), as functions with scikit-learn's pairwise signature, and
as :class:`HalfNetKernel`, a Gaussian-process kernel built from a fitted
estimator.

Convention (identical to the layer)
-----------------------------------
``components`` ``C`` is a ``(k, d)`` array (``Vᵀ``, "rank × n_features",
like scikit-learn's ``components_``); ``components=None`` means the identity
covariance, ``C = I_d`` and ``k = d``. The scaled projection of the rows of
``X`` is ::

    U = X Cᵀ / sqrt(k)                      # (n, k)

Hidden unit ``h`` has a frozen ``z_h ~ N(0, I_k)`` and bias ``b_h`` and
pre-activation ``a_h(x) = z_hᵀ u(x) + b_h``. For ``"relu"``, ``"erf"``,
``"tanh"`` (and the kernel-only ``"step"``) ``b_h ~ N(0, bias_scale²)`` and the
features are ``φ(a_h) / sqrt(H)`` with ``φ = max(0, ·)``, ``erf``, ``tanh``
or ``1[· > 0]``. For ``"cos"`` ``b_h ~ Uniform[0, 2π]`` and the features are
``sqrt(2) cos(a_h) / sqrt(H)``.

The Gaussian bias is folded in by augmenting ``u`` with a constant,
``ũ = [u, bias_scale]``, so that ``a = z̃ᵀ ũ`` with ``z̃ ~ N(0, I_{k+1})``. With
``θ`` the angle between ``ũ`` and ``ũ'``:

* relu (arc-cosine kernel of order 1):
  ``‖ũ‖ ‖ũ'‖ (sin θ + (π − θ) cos θ) / (2π)``;
* step (arc-cosine kernel of order 0): ``(π − θ) / (2π)``;
* erf: ``(2/π) arcsin(2 ũᵀũ' / sqrt((1 + 2‖ũ‖²)(1 + 2‖ũ'‖²)))``;
* cos (uniform bias): ``exp(−‖u − u'‖² / 2)``, the Gaussian kernel in the
  learned metric (no augmentation);
* tanh: ``E[tanh(a) tanh(a')]`` has no closed form; see :func:`tanh_kernel`.

Every kernel only needs the norms of ``ũ`` and ``ũ'`` and the cosine of the
angle between them (for cos: of ``u`` and ``u'``). The augmentation is applied
to those, so sparse ``X`` stays sparse under the identity covariance.

Numerical notes: all computations are in float64 and nothing is squared
unscaled: each row is rescaled by a power of two (exact) before it is
projected, and the norms are carried as a mantissa and a binary exponent. So
finite rows of any size (norms of ``1e154`` and more, or below ``1e-154``) give
the kernel without NaN: as the rows grow, erf and tanh approach their limit
``1 − 2θ/π`` (the kernel of ``sign(a)``), step its bias-free value, and cos
tends to 0 between distinct rows. Only relu values themselves can exceed
float64's range (``‖ũ‖ ‖ũ'‖`` beyond about ``1.8e308``); they are then
``inf``, with a RuntimeWarning. ``cos θ`` is clipped to ``[−1, 1]`` before ``arccos``; a row
with ``ũ = 0`` (only possible with ``bias_scale=0``) has ``a = 0`` for every
unit and gets the exact limit (``0`` for relu, step, erf and tanh) instead of
NaN. When ``Y`` is None the result is symmetric to the last bit and the angle
on the diagonal is exactly zero; otherwise, ``θ`` of two (numerically)
identical rows is only accurate to about ``1e-8`` because of the ``arccos``
of a rounded cosine, which matters for the step kernel alone (``(π − θ)/(2π)``
is linear in ``θ`` there; relu is quadratic, and erf, tanh and cos use no
angle).
"""

from ._activations import cos_kernel, erf_kernel, relu_kernel, step_kernel
from ._common import KernelMatrix as KernelMatrix
from ._common import Matrix as Matrix
from ._gp import HalfNetKernel
from ._halfnet import KERNELS, halfnet_kernel
from ._tanh import tanh_kernel

__all__ = [
    "KERNELS",
    "HalfNetKernel",
    "cos_kernel",
    "erf_kernel",
    "halfnet_kernel",
    "relu_kernel",
    "step_kernel",
    "tanh_kernel",
]
