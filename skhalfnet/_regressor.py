"""HalfNetRegressor: a HalfNet layer with a linear head and squared loss."""

from __future__ import annotations

import numpy as np
from sklearn.base import RegressorMixin, _fit_context

from . import _targets
from ._base import BaseHalfNet
from ._docs import COMMON_ATTRIBUTES, COMMON_PARAMETERS


class HalfNetRegressor(RegressorMixin, BaseHalfNet):
    __doc__ = f"""Regressor on random features whose weights are drawn from N(0, V Vᵀ), V learned.

    The targets are standardised internally (with the weighted mean and
    standard deviation of the first fit) and the squared loss is minimised
    on that scale; predictions are returned on the original scale. In a
    ``partial_fit`` stream whose first chunk has almost no spread, a later
    chunk whose targets spread more than twice as much re-standardises them
    (the head is rescaled so that predictions do not jump), so that the
    stream learns whatever its first chunk holds. Single and multi-output
    targets are supported.

    Parameters
    ----------
{COMMON_PARAMETERS}

    Attributes
    ----------
{COMMON_ATTRIBUTES}

    See Also
    --------
    HalfNetClassifier : The same network for classification.
    sklearn.neural_network.MLPRegressor : A fully trained MLP.

    Examples
    --------
    >>> from sklearn.datasets import load_diabetes
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skhalfnet import HalfNetRegressor
    >>> X, y = load_diabetes(return_X_y=True)
    >>> X = StandardScaler().fit_transform(X)
    >>> reg = HalfNetRegressor(n_hidden=500, rank=4, max_iter=50, random_state=0)
    >>> reg.fit(X, y).score(X, y) > 0.5
    True
    """

    def __init__(
        self,
        n_hidden: int = 2000,
        rank: int | None = None,
        *,
        activation: str = "relu",
        covariance: str = "auto",
        init: str = "pca",
        bias_scale: float = 1.0,
        alpha: float = 0.0,
        batch_size: int = 256,
        learning_rate: str = "cosine",
        learning_rate_init: float = 0.1,
        max_iter: int | str = "auto",
        shuffle: bool = True,
        tol: float = 1e-4,
        n_iter_no_change: int = 10,
        early_stopping: bool = False,
        validation_fraction: float = 0.1,
        warm_start: bool = False,
        device: str = "auto",
        precision: str = "auto",
        n_jobs: int | None = None,
        random_state: int | np.random.RandomState | None = None,
        verbose: int = 0,
    ) -> None:
        super().__init__(
            n_hidden,
            rank,
            activation=activation,
            covariance=covariance,
            init=init,
            bias_scale=bias_scale,
            alpha=alpha,
            batch_size=batch_size,
            learning_rate=learning_rate,
            learning_rate_init=learning_rate_init,
            max_iter=max_iter,
            shuffle=shuffle,
            tol=tol,
            n_iter_no_change=n_iter_no_change,
            early_stopping=early_stopping,
            validation_fraction=validation_fraction,
            warm_start=warm_start,
            device=device,
            precision=precision,
            n_jobs=n_jobs,
            random_state=random_state,
            verbose=verbose,
        )

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None) -> HalfNetRegressor:
        """Train V and the head on (X, y).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data; float32 stays float32, CSR input is used sparsely.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the rows.

        Returns
        -------
        self : HalfNetRegressor
            The fitted estimator.
        """
        return self._fit(X, y, sample_weight)

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, sample_weight=None) -> HalfNetRegressor:
        """Run one epoch of Adam on (X, y), continuing the stream of earlier calls.

        Training continues from the weights the previous call trained; the
        fitted attributes (and so the predictions) are a running average of
        the trained weights over about the last 40 steps (see
        ``learning_rate``).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            A chunk of training data.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets; the first call sets their standardisation, which later
            calls change only when their running standard deviation exceeds
            the first call's more than twice.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the rows.

        Returns
        -------
        self : HalfNetRegressor
            The updated estimator.
        """
        return self._fit(X, y, sample_weight, incremental=True)

    def _prepare_targets(self, y, weights, first_call, classes=None):
        return _targets.standardize_targets(self, y, weights, first_call)

    def _validation_scorer(self, targets, weights):
        return _targets.r2_scorer(targets, weights)

    def _rescale_targets(self, old_mean, old_scale) -> None:
        """Keep predictions unchanged when the target standardisation changes.

        Called by :func:`~skhalfnet._targets.standardize_targets` after it set
        ``_target_mean`` and ``_target_scale`` anew (a stream whose first chunk
        had almost no spread). The head outputs ``o`` become
        ``(o * old_scale + old_mean - mean) / scale``: the averaged head
        (``head_coef_``, ``head_intercept_``), the trained head the stream
        continues from, and Adam's moments of the head, which scale with the
        residuals (the moments of V scale with their square, averaged over the
        outputs). New arrays are assigned, none is changed in place, so that
        a failing fit can restore the estimator.
        """
        if not hasattr(self, "head_coef_"):
            return
        ratio = (old_scale / self._target_scale).astype(self.head_coef_.dtype)
        shift = ((old_mean - self._target_mean) / self._target_scale).astype(ratio.dtype)
        self.head_coef_ = self.head_coef_ * ratio
        self.head_intercept_ = self.head_intercept_ * ratio + shift
        history = dict(self._history)
        weights = history.get("training_weights")
        if weights is not None:
            # The module's parameters end with the head: weight (n_outputs, n_hidden), bias.
            *components, head_weight, head_bias = weights
            history["training_weights"] = [
                *components,
                head_weight * ratio[:, None],
                head_bias * ratio + shift,
            ]
        moments = history.get("optimizer_state")
        if moments is not None:
            # Adam's parameter order: head weight, head bias, then V (if any).
            mean_ratio = float(np.sqrt(np.mean(np.square(ratio))))
            factors = [ratio[:, None], ratio] + [mean_ratio**2] * (len(moments) - 2)
            history["optimizer_state"] = [
                {
                    **state,
                    **({"exp_avg": state["exp_avg"] * factor} if "exp_avg" in state else {}),
                    **(
                        {"exp_avg_sq": state["exp_avg_sq"] * np.square(factor)}
                        if "exp_avg_sq" in state
                        else {}
                    ),
                }
                for state, factor in zip(moments, factors, strict=True)
            ]
        self._history = history

    def predict(self, X) -> np.ndarray:
        """Predicted targets.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            Predictions on the scale of the training targets.
        """
        outputs = self._outputs(X, "decision")
        # The target statistics are float64: the result keeps the outputs' dtype
        # (float32 for float32 X, as scikit-learn's MLPRegressor).
        outputs = (outputs * self._target_scale + self._target_mean).astype(
            outputs.dtype, copy=False
        )
        return outputs[:, 0] if outputs.shape[1] == 1 else outputs

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags
