"""Target encoding and validation scores for classification and regression (numpy only)."""

from __future__ import annotations

from numbers import Number

import numpy as np
from sklearn.metrics import accuracy_score, r2_score
from sklearn.utils import column_or_1d
from sklearn.utils.class_weight import compute_sample_weight
from sklearn.utils.multiclass import check_classification_targets


def _label_kind(value) -> str:
    if isinstance(value, str):
        return "string"
    if isinstance(value, Number):
        return "number"
    return "None" if value is None else type(value).__name__


def _sorted_unique(labels, what: str) -> np.ndarray:
    """``np.unique(labels)``; labels of types that cannot be sorted together are a ValueError.

    Strings mixed with numbers or None make ``np.unique`` (and scikit-learn's
    ``type_of_target``) raise TypeError (``'<' not supported``); this raises
    scikit-learn's ValueError for mixed labels instead, naming ``what``.
    """
    try:
        return np.unique(labels)
    except TypeError as exc:
        kinds = {_label_kind(v) for v in np.ravel(np.asarray(labels, dtype=object))}
        order = ["string", "number"]  # scikit-learn's message: "(string and number)"
        kinds = sorted(kinds, key=lambda k: (order.index(k) if k in order else 2, k))
        raise ValueError(
            f"Mix of label input types ({' and '.join(kinds)}) in {what}: classification "
            "labels must all be strings or all be numbers."
        ) from exc


def encode_classes(estimator, y, weights, first_call: bool, classes=None, class_weight=None):
    """Class indices for y, fitting ``estimator.classes_`` on the first call.

    Returns ``(targets, loss, n_outputs, weights)``: binary problems use one
    logistic output, more classes a softmax; ``weights`` are multiplied by the
    class weights.
    """
    labels = _sorted_unique(y, "y")  # before scikit-learn's checks, which sort the labels too
    check_classification_targets(y)
    y = column_or_1d(y, warn=True)
    if first_call:
        estimator.classes_ = labels if classes is None else _sorted_unique(classes, "classes")
        if len(estimator.classes_) < 2:
            raise ValueError(
                f"{type(estimator).__name__} needs samples of at least 2 classes, but the "
                f"data contain only one class: {estimator.classes_[0]!r}."
            )
    elif classes is not None and not np.array_equal(
        _sorted_unique(classes, "classes"), estimator.classes_
    ):
        raise ValueError(
            f"classes={np.unique(classes)!r} differs from the classes of the first call, "
            f"{estimator.classes_!r}."
        )
    unknown = np.setdiff1d(labels, estimator.classes_)
    if unknown.size:
        raise ValueError(f"y contains labels not in classes_: {unknown!r}.")
    targets = np.searchsorted(estimator.classes_, y)
    if isinstance(class_weight, dict) and any(
        not np.isfinite(w) or w < 0 for w in class_weight.values()
    ):
        raise ValueError(
            f"class_weight must hold finite, non-negative weights; got {class_weight!r}."
        )
    if class_weight is not None:
        weights = weights * compute_sample_weight(class_weight, y).astype(weights.dtype)
    if len(estimator.classes_) == 2:
        return targets.astype(weights.dtype), "logistic", 1, weights
    return targets, "softmax", len(estimator.classes_), weights


def class_indices(outputs: np.ndarray) -> np.ndarray:
    """Predicted class indices from head outputs (one logistic column or softmax logits)."""
    if outputs.shape[1] == 1:
        return (outputs[:, 0] > 0).astype(np.intp)
    return outputs.argmax(axis=1)


def stratification(targets: np.ndarray):
    """Targets to stratify the validation split by, or None when a class is too rare."""
    _, counts = np.unique(targets, return_counts=True)
    return targets if counts.min() >= 2 else None


def accuracy_scorer(targets, weights):
    """Weighted accuracy on the validation rows, from head outputs."""
    return lambda outputs: accuracy_score(targets, class_indices(outputs), sample_weight=weights)


#: A later stream chunk re-standardises the targets when their running standard
#: deviation exceeds the scale in use by this factor (a first chunk with almost no
#: spread); below it, the first call's scale is kept.
RESCALE_FACTOR = 2.0


def _weighted_stats(targets, weights):
    """Weighted mean and variance per output, in float64, weights scaled to a max of 1.

    Scaling first keeps tiny weights (1e-320) from underflowing in the sums.
    """
    weights = np.asarray(weights, dtype=np.float64)
    weights = weights / weights.max() if weights.max() > 0 else weights
    targets = np.asarray(targets, dtype=np.float64)
    mean = np.average(targets, axis=0, weights=weights)
    var = np.average(np.square(targets - mean), axis=0, weights=weights)
    return mean, var, float(weights.sum())


def standardize_targets(estimator, y, weights, first_call: bool):
    """Regression targets as (n, n_outputs), standardised with weighted stats.

    Returns ``(targets, loss, n_outputs, weights)``; the mean and scale are
    stored on the estimator as ``_target_mean`` and ``_target_scale``. The
    first call sets them. Later calls (``partial_fit``, warm starts) keep
    running statistics of all the targets seen (``_target_stream``); when the
    running standard deviation exceeds the scale in use ``RESCALE_FACTOR``
    times (the first chunk had almost no spread), mean and scale become the
    running ones and ``estimator._rescale_targets(old_mean, old_scale)`` is
    called after the change, to keep the head's predictions where they were.
    """
    y = np.asarray(y, dtype=weights.dtype)
    targets = y.reshape(-1, 1) if y.ndim == 1 else y
    if not first_call and targets.shape[1] != estimator._target_mean.shape[0]:
        raise ValueError(
            f"y has {targets.shape[1]} outputs, but the estimator was fitted with "
            f"{estimator._target_mean.shape[0]}."
        )
    mean, var, total = _weighted_stats(targets, weights)
    stream = getattr(estimator, "_target_stream", None)
    if not first_call and stream is not None:
        # Chan et al.'s merge of two weighted means and variances.
        old_total, old_mean, old_var = stream["weight"], stream["mean"], stream["var"]
        new_total = old_total + total
        delta = mean - old_mean
        mean = old_mean + delta * (total / new_total)
        var = (
            old_var * (old_total / new_total)
            + var * (total / new_total)
            + np.square(delta) * (old_total / new_total) * (total / new_total)
        )
        total = new_total
    estimator._target_stream = {"weight": total, "mean": mean, "var": var}
    scale = np.sqrt(var)
    scale = np.where(scale > 0, scale, 1.0)
    if first_call:
        estimator._target_mean = mean.astype(weights.dtype)
        estimator._target_scale = scale.astype(weights.dtype)
    elif np.any(scale > RESCALE_FACTOR * estimator._target_scale):
        old_mean, old_scale = estimator._target_mean, estimator._target_scale
        estimator._target_mean = mean.astype(weights.dtype)
        estimator._target_scale = scale.astype(weights.dtype)
        rescale = getattr(estimator, "_rescale_targets", None)
        if rescale is not None:
            rescale(old_mean, old_scale)
    targets = (targets - estimator._target_mean) / estimator._target_scale
    return targets, "squared", targets.shape[1], weights


def r2_scorer(targets, weights):
    """Weighted R² on the validation rows (on standardised targets, which R² does not see)."""
    return lambda outputs: r2_score(targets, outputs, sample_weight=weights)
