"""HalfNetTransformer: the learned random features, or the learned projection."""

from __future__ import annotations

import numpy as np
from sklearn.base import TransformerMixin, _fit_context
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import _check_feature_names_in, check_is_fitted

from . import _targets
from ._base import BaseHalfNet
from ._docs import COMMON_ATTRIBUTES, COMMON_PARAMETERS


class HalfNetTransformer(TransformerMixin, BaseHalfNet):
    __doc__ = f"""Supervised random-feature embedding with learned subspace geometry.

    ``fit(X, y)`` trains V with a classification or regression head (chosen
    from y); ``transform`` returns the ``n_hidden`` random features
    ``φ(Z Vᵀ x / sqrt(rank) + b) / sqrt(n_hidden)``, whose inner products
    approximate the exact kernel in the learned metric, or, with
    ``output="projection"``, the ``rank``-dimensional projection ``Vᵀ x``
    (the metric-learning view, for neighbours). Ahead of a linear model,
    standardise the features first
    (``make_pipeline(HalfNetTransformer(), StandardScaler(), LogisticRegression())``):
    their ``1/sqrt(n_hidden)`` makes them small for the model's default
    regularisation (on the benchmark suite's small tables, the scaler was
    worth up to 13 points of accuracy).

    Parameters
    ----------
{COMMON_PARAMETERS}

    objective : {{"auto", "classification", "regression"}}, default="auto"
        The head V is trained with. ``"auto"`` picks regression for continuous
        targets and classification otherwise.

    output : {{"features", "projection"}}, default="features"
        What ``transform`` returns: the ``n_hidden`` random features, or the
        projection ``X @ components_.T`` of shape (n_samples, ``rank_``).

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The class labels (classification objective only).

{COMMON_ATTRIBUTES}

    See Also
    --------
    sklearn.kernel_approximation.RBFSampler : Random Fourier features, nothing learned.
    sklearn.neighbors.NeighborhoodComponentsAnalysis : A supervised linear metric.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.pipeline import make_pipeline
    >>> from skhalfnet import HalfNetTransformer
    >>> X, y = load_digits(return_X_y=True)
    >>> embed = HalfNetTransformer(n_hidden=500, rank=8, max_iter=10, random_state=0)
    >>> embed.fit_transform(X / 16, y).shape
    (1797, 500)
    >>> pipe = make_pipeline(embed, LogisticRegression(max_iter=500)).fit(X / 16, y)
    >>> embed.set_params(output="projection").fit_transform(X / 16, y).shape
    (1797, 8)
    """

    _parameter_constraints: dict = {
        **BaseHalfNet._parameter_constraints,
        "objective": [StrOptions({"auto", "classification", "regression"})],
        "output": [StrOptions({"features", "projection"})],
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
        objective: str = "auto",
        output: str = "features",
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
        self.objective = objective
        self.output = output

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None) -> HalfNetTransformer:
        """Learn V (and a head, discarded by ``transform``) from labelled data.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data; float32 stays float32, CSR input is used sparsely.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Class labels or continuous targets (see ``objective``).
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the rows.

        Returns
        -------
        self : HalfNetTransformer
            The fitted transformer.
        """
        return self._fit(X, y, sample_weight)

    def _classifies(self, y) -> bool:
        if self.objective != "auto":
            return self.objective == "classification"
        return type_of_target(y) not in ("continuous", "continuous-multioutput")

    def _prepare_targets(self, y, weights, first_call, classes=None, incremental=False):
        if first_call:
            self.objective_ = "classification" if self._classifies(y) else "regression"
        if self.objective_ == "classification":
            return _targets.encode_classes(self, y, weights, first_call, classes)
        return _targets.standardize_targets(self, y, weights, first_call)

    def _validation_scorer(self, targets, weights):
        if self.objective_ == "classification":
            return _targets.accuracy_scorer(targets, weights)
        return _targets.r2_scorer(targets, weights)

    def _stratify(self, targets):
        if self.objective_ == "classification":
            return _targets.stratification(targets)
        return None

    def transform(self, X) -> np.ndarray:
        """The random features (or the projection) of X.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        X_new : ndarray of shape (n_samples, n_hidden) or (n_samples, ``rank_``)
            Features whose inner products approximate the learned kernel, or
            ``X @ components_.T`` with ``output="projection"``.
        """
        return self._outputs(X, "features" if self.output == "features" else "projection")

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        """Names of the output columns.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Only checked against the names seen in ``fit``.

        Returns
        -------
        feature_names_out : ndarray of str
            ``halfnettransformer0``, ... for the features, or
            ``halfnetprojection0``, ... for the projection.
        """
        check_is_fitted(self, "head_coef_")
        _check_feature_names_in(self, input_features, generate_names=False)
        if self.output == "features":
            prefix, n_out = "halfnettransformer", self.random_weights_.shape[0]
        else:
            prefix, n_out = "halfnetprojection", self.rank_
        return np.asarray([f"{prefix}{i}" for i in range(n_out)], dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
