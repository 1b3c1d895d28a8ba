"""HalfNetClassifier: a HalfNet layer with a softmax (or logistic, or per-label sigmoid) head."""

from __future__ import annotations

import numpy as np
from scipy.special import expit, softmax
from sklearn.base import ClassifierMixin, _fit_context
from sklearn.utils._param_validation import StrOptions

from . import _targets
from ._base import BaseHalfNet
from ._docs import COMMON_ATTRIBUTES, COMMON_PARAMETERS


def _binary_probabilities(outputs: np.ndarray) -> np.ndarray:
    positive = expit(outputs[:, 0])
    return np.column_stack([1 - positive, positive])


#: Class probabilities from the head's outputs, per kind of target.
_PROBABILITIES = {
    "binary": _binary_probabilities,
    "multiclass": lambda outputs: softmax(outputs, axis=1),
    _targets.MULTILABEL: expit,
}


class HalfNetClassifier(ClassifierMixin, BaseHalfNet):
    __doc__ = f"""Classifier on random features whose weights are drawn from N(0, V Vᵀ), V learned.

    A one-hidden-layer network: the hidden weights are frozen random draws
    whose covariance factor V is trained with the softmax head (binary
    problems use one logistic output). Multilabel indicator targets, as
    :func:`sklearn.datasets.make_multilabel_classification` makes them, get
    one logistic output per label, as in
    :class:`sklearn.neural_network.MLPClassifier`: ``predict`` returns the
    indicator matrix and ``predict_proba`` each label's probability. The
    training rules are in the user guide: :doc:`/guide`.

    Parameters
    ----------
{COMMON_PARAMETERS}

    class_weight : dict, "balanced" or None, default=None
        Weights of the classes, multiplied into ``sample_weight`` (as in
        :class:`sklearn.linear_model.LogisticRegression`).

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The class labels; for multilabel targets, the label columns
        ``arange(n_labels)`` (as MLPClassifier sets them).

{COMMON_ATTRIBUTES}

    See Also
    --------
    HalfNetRegressor : The same network for regression.
    HalfNetTransformer : Its random features (or projection) as a transformer.
    sklearn.neural_network.MLPClassifier : A fully trained MLP.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.model_selection import train_test_split
    >>> from skhalfnet import HalfNetClassifier
    >>> X, y = load_digits(return_X_y=True)
    >>> X_train, X_test, y_train, y_test = train_test_split(X / 16, y, random_state=0)
    >>> clf = HalfNetClassifier(n_hidden=1000, rank=16, max_iter=30, random_state=0)
    >>> clf.fit(X_train, y_train).score(X_test, y_test) > 0.9
    True
    >>> clf.components_.shape
    (16, 64)
    """

    _parameter_constraints: dict = {
        **BaseHalfNet._parameter_constraints,
        "class_weight": [dict, StrOptions({"balanced"}), None],
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
        class_weight: dict | str | None = None,
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
        self.class_weight = class_weight

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None) -> HalfNetClassifier:
        """Train V and the head on (X, y).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data; float32 stays float32, CSR input is used sparsely.
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Class labels, of any type, or a multilabel indicator matrix.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the rows.

        Returns
        -------
        self : HalfNetClassifier
            The fitted estimator.
        """
        return self._fit(X, y, sample_weight)

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, classes=None, sample_weight=None) -> HalfNetClassifier:
        """Run one epoch of Adam on (X, y), continuing the stream of earlier calls.

        Training continues from the weights the previous call trained; the
        fitted attributes (and so the predictions) are a running average of
        the trained weights over about the last 40 steps (see
        ``learning_rate``).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            A chunk of training data.
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Class labels, or a multilabel indicator matrix.
        classes : array-like of shape (n_classes,), default=None
            All the classes; required on the first call. For multilabel
            targets, the label columns ``arange(n_labels)``.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the rows.

        Returns
        -------
        self : HalfNetClassifier
            The updated estimator.
        """
        if not hasattr(self, "classes_") and classes is None:
            raise ValueError("classes must be passed on the first call to partial_fit.")
        if self.class_weight == "balanced":
            raise ValueError(
                "class_weight='balanced' is not supported by partial_fit: the class "
                "frequencies of one chunk are not those of the data. Pass a dict."
            )
        return self._fit(X, y, sample_weight, incremental=True, classes=classes)

    def _prepare_targets(self, y, weights, first_call, classes=None, incremental=False):
        return _targets.encode_classes(self, y, weights, first_call, classes, self.class_weight)

    def _validation_scorer(self, targets, weights):
        return _targets.accuracy_scorer(targets, weights)

    def _stratify(self, targets):
        return _targets.stratification(targets)

    def decision_function(self, X) -> np.ndarray:
        """Head outputs: logits, or for two classes the log-odds of ``classes_[1]``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_classes)
            One column for binary problems, else one per class (for
            multilabel targets, each label's log-odds).
        """
        outputs = self._outputs(X, "decision")
        return outputs[:, 0] if outputs.shape[1] == 1 else outputs

    def predict(self, X) -> np.ndarray:
        """Predicted class labels.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_labels)
            Labels from ``classes_``; for multilabel targets, the indicator
            matrix (int64, as MLPClassifier's).
        """
        outputs = self._outputs(X, "decision")
        if _targets.target_kind(self) == _targets.MULTILABEL:
            return _targets.label_indicators(outputs)
        return self.classes_[_targets.class_indices(outputs)]

    def predict_proba(self, X) -> np.ndarray:
        """Class probabilities.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Probabilities, columns in the order of ``classes_``; for
            multilabel targets, each label's probability (the rows need not
            sum to 1), as MLPClassifier's.
        """
        outputs = self._outputs(X, "decision")
        return _PROBABILITIES[_targets.target_kind(self)](outputs)

    def predict_log_proba(self, X) -> np.ndarray:
        """Logarithm of the class probabilities, ``log(predict_proba(X))``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            Log-probabilities, columns in the order of ``classes_``; ``-inf``
            where a probability underflows to zero, as in scikit-learn's MLP.
        """
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags
