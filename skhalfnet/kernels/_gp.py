"""HalfNetKernel: the exact kernel of a fitted layer as a Gaussian-process kernel."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike
from sklearn.gaussian_process.kernels import Kernel
from sklearn.utils.validation import check_is_fitted

from ._common import KernelMatrix, Matrix
from ._halfnet import _halfnet_kernel_diagonal, halfnet_kernel


class HalfNetKernel(Kernel):
    """The infinite-width kernel of a fitted HalfNet layer, for Gaussian processes.

    A :class:`sklearn.gaussian_process.kernels.Kernel` that evaluates
    :func:`halfnet_kernel` with fixed ``components``, ``activation`` and
    ``bias_scale``. Built with :meth:`from_estimator`, it is the kernel of a
    fitted estimator in the metric it learned: ``HalfNetKernel.from_estimator(
    est)(X, Y)`` equals ``est.kernel(X, Y)``. It works in
    :class:`~sklearn.gaussian_process.GaussianProcessRegressor` and
    :class:`~sklearn.gaussian_process.GaussianProcessClassifier` and combines
    with scikit-learn's kernels (``ConstantKernel() * HalfNetKernel(...) +
    WhiteKernel()``), whose hyperparameters the GP then optimises.

    It has no hyperparameters of its own: the metric was learned by the
    estimator, not by the GP's marginal likelihood, so ``theta`` is empty and
    the gradient has shape ``(n, n, 0)``.

    Parameters
    ----------
    components : array-like of shape (rank, n_features), default=None
        ``C = Vᵀ``, the fitted ``components_``; None means the identity
        covariance (the kernel then accepts any number of features).
    activation : {"relu", "step", "erf", "tanh", "cos"}, default="relu"
        The hidden activation.
    bias_scale : float, default=1.0
        Standard deviation of the Gaussian hidden bias, >= 0 (ignored for
        ``"cos"``).

    See Also
    --------
    halfnet_kernel : The kernel as a function with scikit-learn's pairwise signature.

    Notes
    -----
    The kernel holds the fitted arrays, not the estimator. A GP clones its
    kernel, and :func:`sklearn.base.clone` of an estimator gives an *unfitted*
    copy, so a kernel holding an estimator would need a special case to keep
    it fitted; plain arrays clone (a deep copy), pickle and compare as
    parameters like any other kernel's, are a few kilobytes (rank ×
    n_features numbers), and do not change when the estimator is refitted
    later. :meth:`from_estimator` copies them out of a fitted estimator.

    ``is_stationary()`` is True for ``"cos"`` only: its kernel
    ``exp(−‖C(x − x')‖² / (2 rank))`` depends on ``x − x'`` alone, while the
    others depend on the norms of the inputs as well. :meth:`diag` evaluates
    each row with itself only, in time and memory linear in the number of rows.

    Examples
    --------
    >>> import warnings
    >>> import numpy as np
    >>> from sklearn.exceptions import ConvergenceWarning
    >>> from sklearn.gaussian_process import GaussianProcessRegressor
    >>> from sklearn.gaussian_process.kernels import ConstantKernel, WhiteKernel
    >>> from skhalfnet import HalfNetRegressor
    >>> from skhalfnet.kernels import HalfNetKernel
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(60, 5))
    >>> y = np.sin(X[:, 0]) + 0.1 * rng.normal(size=60)
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore", ConvergenceWarning)
    ...     net = HalfNetRegressor(n_hidden=64, rank=2, max_iter=20, random_state=0).fit(X, y)
    >>> kernel = HalfNetKernel.from_estimator(net)
    >>> kernel
    HalfNetKernel(activation='relu', rank=2, bias_scale=1.0)
    >>> bool(np.allclose(kernel(X[:3], X[3:6]), net.kernel(X[:3], X[3:6])))
    True
    >>> gp = GaussianProcessRegressor(ConstantKernel() * kernel + WhiteKernel(), random_state=0)
    >>> mean, std = gp.fit(X, y).predict(X[:3], return_std=True)
    >>> mean.shape, std.shape
    ((3,), (3,))
    """

    def __init__(
        self,
        components: ArrayLike | None = None,
        *,
        activation: str = "relu",
        bias_scale: float = 1.0,
    ):
        self.components = components
        self.activation = activation
        self.bias_scale = bias_scale

    @classmethod
    def from_estimator(cls, estimator) -> HalfNetKernel:
        """The kernel of a fitted HalfNet estimator, in the metric it learned.

        Parameters
        ----------
        estimator : HalfNetClassifier, HalfNetRegressor or HalfNetTransformer
            A fitted estimator.

        Returns
        -------
        kernel : HalfNetKernel
            A kernel with a float64 copy of ``estimator.components_`` (None
            for ``covariance="identity"``) and the fitted activation and bias
            scale.
        """
        check_is_fitted(estimator, "components_")
        layer = getattr(estimator, "_fitted_layer", None)
        if layer is None:
            raise TypeError(f"{type(estimator).__name__} is not a fitted HalfNet estimator.")
        fitted = estimator.components_
        components = None if sp.issparse(fitted) else np.array(fitted, dtype=np.float64)
        return cls(components, activation=layer["activation"], bias_scale=layer["bias_scale"])

    def _parameters(self) -> dict:
        return {
            "activation": self.activation,
            "components": self.components,
            "bias_scale": self.bias_scale,
        }

    def __call__(
        self, X: Matrix, Y: Matrix | None = None, eval_gradient: bool = False
    ) -> KernelMatrix | tuple[KernelMatrix, KernelMatrix]:
        """Return the kernel ``K(X, Y)`` and, optionally, its (empty) gradient.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples_X, n_features)
            Left rows.
        Y : {array-like, sparse matrix} of shape (n_samples_Y, n_features), default=None
            Right rows; None means ``X``.
        eval_gradient : bool, default=False
            Also return the gradient with respect to the log of the
            hyperparameters; only allowed when ``Y`` is None.

        Returns
        -------
        K : ndarray of shape (n_samples_X, n_samples_Y)
            The kernel matrix.
        K_gradient : ndarray of shape (n_samples_X, n_samples_X, 0)
            Returned if ``eval_gradient`` is True; empty, as there are no
            hyperparameters.
        """
        if eval_gradient and Y is not None:
            raise ValueError("Gradient can only be evaluated when Y is None.")
        K = halfnet_kernel(X, Y, **self._parameters())
        if eval_gradient:
            return K, np.empty((K.shape[0], K.shape[1], 0))
        return K

    def diag(self, X: Matrix) -> KernelMatrix:
        """Return the diagonal of ``K(X, X)``, without computing the matrix.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Rows.

        Returns
        -------
        K_diag : ndarray of shape (n_samples,)
            ``K(x, x)`` for each row.
        """
        return _halfnet_kernel_diagonal(X, **self._parameters())

    def is_stationary(self) -> bool:
        """True for ``"cos"`` (a Gaussian kernel in the learned metric), else False."""
        return self.activation == "cos"

    def __eq__(self, other) -> bool:
        if type(self) is not type(other):
            return False
        mine, theirs = self.components, other.components
        same_components = (mine is None and theirs is None) or (
            mine is not None
            and theirs is not None
            and np.array_equal(np.asarray(mine), np.asarray(theirs))
        )
        return (
            same_components
            and self.activation == other.activation
            and self.bias_scale == other.bias_scale
        )

    def __repr__(self) -> str:
        rank = "None" if self.components is None else np.shape(self.components)[0]
        return (
            f"{type(self).__name__}(activation={self.activation!r}, rank={rank}, "
            f"bias_scale={self.bias_scale!r})"
        )
