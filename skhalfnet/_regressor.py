"""HalfNetRegressor: a HalfNet layer with a linear head, squared or Poisson loss."""

from __future__ import annotations

import numpy as np
from sklearn.base import RegressorMixin, _fit_context
from sklearn.utils._param_validation import StrOptions

from . import _targets
from ._base import AUTO_MAX_EPOCHS_REGRESSION, BaseHalfNet
from ._docs import COMMON_ATTRIBUTES, COMMON_PARAMETERS

#: Per loss: how the targets are prepared, and how the head's outputs become
#: predictions on the targets' scale (given the outputs, mean and scale).
_TARGETS = {
    "squared_error": _targets.standardize_targets,
    "poisson": _targets.count_targets,
}
_SCORERS = {
    "squared_error": _targets.r2_scorer,
    "poisson": _targets.poisson_r2_scorer,
}
_INVERSE_LINKS = {
    "squared_error": lambda outputs, mean, scale: outputs * scale + mean,
    # Log-means standardised as the squared error's targets are (the exponential in
    # float64: a float32 one overflows above 88).
    "poisson": lambda outputs, mean, scale: np.exp(outputs.astype(np.float64) * scale + mean),
}


class HalfNetRegressor(RegressorMixin, BaseHalfNet):
    __doc__ = f"""Regressor on random features whose weights are drawn from N(0, V Vᵀ), V learned.

    With the squared error, the targets are standardised internally (with
    the weighted mean and standard deviation of the fit's data, computed
    without squaring the raw targets, so that any finite scale works) and
    the loss is minimised on that scale; predictions are returned on the
    original scale. A ``warm_start`` refit standardises with its own data
    and continues the network in standardised units, so a refit on shifted
    targets keeps what was learned about their variation. In a
    ``partial_fit`` stream the statistics are running ones: when the first
    chunks had no spread (one row, or constant targets) and a later chunk
    has some, or when the targets come to spread more than twice as much as
    the scale in use, they are re-standardised (the head is rescaled so that
    predictions do not jump), so that the stream learns whatever its first
    chunk holds. With ``loss="poisson"`` the head is a log link, standardised
    in log space: the predicted mean is ``exp(m + s * output)``, with m the
    log of the mean count and s the counts' coefficient of variation
    (between 0.1 and 1); the counts themselves are never centred. Single and
    multi-output targets are supported.

    Parameters
    ----------
{COMMON_PARAMETERS}

    loss : {{"squared_error", "poisson"}}, default="squared_error"
        The loss minimised, as in :class:`sklearn.neural_network.MLPRegressor`:
        half the squared error, or half the Poisson deviance with a log link
        (``predict`` returns the exponential of the head's log-means; the
        targets must be non-negative, with a positive sum, such as counts or
        rates). The log-means are ``m + s * output``, m the log of the
        weighted mean count and s the counts' weighted coefficient of
        variation (clipped to [0.1, 1]): a reparametrisation of the linear
        head that starts it at the mean count and gives its outputs about
        unit spread, as standardisation does for the squared error; the
        counts are not standardised. ``warm_start`` and ``partial_fit``
        refuse a changed loss.

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

    _auto_max_epochs = AUTO_MAX_EPOCHS_REGRESSION

    _parameter_constraints: dict = {
        **BaseHalfNet._parameter_constraints,
        "loss": [StrOptions(set(_TARGETS))],
    }

    def __init__(
        self,
        n_hidden: int = 1600,
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
        loss: str = "squared_error",
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
        self.loss = loss

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
            the scale in use more than twice, or when the targets seen so
            far had no spread and these have some. With ``loss="poisson"``
            the first call's mean count and variation are kept.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the rows.

        Returns
        -------
        self : HalfNetRegressor
            The updated estimator.
        """
        return self._fit(X, y, sample_weight, incremental=True)

    def _prepare_targets(self, y, weights, first_call, classes=None, incremental=False):
        fitted_loss = getattr(self, "_fitted_loss", "squared_error")
        if not first_call and self.loss != fitted_loss:
            raise ValueError(
                "warm_start / partial_fit continue the fitted network, but loss changed "
                f"since it was fitted ({fitted_loss!r} -> {self.loss!r}). Set "
                "warm_start=False to fit a new network."
            )
        self._fitted_loss = self.loss
        refit = not first_call and not incremental  # a warm-start fit, not a stream
        return _TARGETS[self.loss](self, y, weights, first_call, refit=refit)

    def _validation_scorer(self, targets, weights):
        return _SCORERS[self._fitted_loss](targets, weights)

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
            Predictions on the scale of the training targets (the predicted
            means with ``loss="poisson"``).
        """
        outputs = self._outputs(X, "decision")
        inverse_link = _INVERSE_LINKS[getattr(self, "_fitted_loss", "squared_error")]
        # The target statistics are float64: the result keeps the outputs' dtype
        # (float32 for float32 X, as scikit-learn's MLPRegressor).
        predictions = inverse_link(outputs, self._target_mean, self._target_scale)
        predictions = predictions.astype(outputs.dtype, copy=False)
        return predictions[:, 0] if predictions.shape[1] == 1 else predictions

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        tags.target_tags.positive_only = self.loss == "poisson"
        return tags
