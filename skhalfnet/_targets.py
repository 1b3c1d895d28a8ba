"""Target encoding and validation scores for classification and regression (numpy only)."""

from __future__ import annotations

from numbers import Number

import numpy as np
import scipy.sparse as sp
from sklearn.metrics import accuracy_score, r2_score
from sklearn.utils import column_or_1d
from sklearn.utils.class_weight import compute_sample_weight
from sklearn.utils.multiclass import check_classification_targets, type_of_target

#: The kind of classification targets (scikit-learn's ``type_of_target`` names).
MULTILABEL = "multilabel-indicator"


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


def target_kind(estimator) -> str:
    """ "binary", "multiclass" or "multilabel-indicator": what the classifier was fitted on.

    Models saved before multilabel support have no ``_y_type``: theirs follows
    from ``classes_``.
    """
    kind = getattr(estimator, "_y_type", None)
    if kind is None:
        kind = "binary" if len(estimator.classes_) == 2 else "multiclass"
    return kind


def _check_same_kind(estimator, multilabel: bool, first_call: bool) -> None:
    """A warm start or a later chunk must bring targets of the kind fitted first."""
    if first_call or multilabel == (target_kind(estimator) == MULTILABEL):
        return
    given, fitted = ("a multilabel indicator matrix", "class labels")
    if not multilabel:
        given, fitted = fitted, given
    raise ValueError(
        f"y holds {given}, but the estimator was fitted on {fitted}. Set "
        "warm_start=False to fit a new network."
    )


def encode_labels(estimator, y, weights, first_call: bool, classes=None, class_weight=None):
    """Multilabel indicator targets: one logistic output per label column.

    As in scikit-learn's MLPClassifier, ``classes_`` is ``arange(n_labels)``
    and ``classes`` (partial_fit) must name those columns. Returns
    ``(targets, "logistic", n_labels, weights)``.
    """
    y = np.asarray(y)
    n_labels = y.shape[1]
    if class_weight is not None:
        raise ValueError(
            "class_weight is not supported for multilabel targets: weigh the rows "
            "with sample_weight instead."
        )
    if first_call:
        estimator.classes_ = np.arange(n_labels)
        estimator._y_type = MULTILABEL
    expected = estimator.classes_
    if classes is not None and not np.array_equal(_sorted_unique(classes, "classes"), expected):
        raise ValueError(
            f"classes={np.unique(classes)!r}, but multilabel targets have the label "
            f"columns {expected!r} as their classes."
        )
    if n_labels != len(expected):
        raise ValueError(
            f"y has {n_labels} label columns, but the estimator was fitted with {len(expected)}."
        )
    return y.astype(weights.dtype), "logistic", n_labels, weights


def encode_classes(estimator, y, weights, first_call: bool, classes=None, class_weight=None):
    """Class indices for y, fitting ``estimator.classes_`` on the first call.

    Returns ``(targets, loss, n_outputs, weights)``: binary problems use one
    logistic output, more classes a softmax, and multilabel indicator
    matrices one logistic output per label (:func:`encode_labels`);
    ``weights`` are multiplied by the class weights.
    """
    if sp.issparse(y):
        y = y.toarray()  # a sparse label indicator matrix
    labels = _sorted_unique(y, "y")  # before scikit-learn's checks, which sort the labels too
    check_classification_targets(y)
    multilabel = type_of_target(y) == MULTILABEL
    _check_same_kind(estimator, multilabel, first_call)
    if multilabel:
        return encode_labels(estimator, y, weights, first_call, classes, class_weight)
    y = column_or_1d(y, warn=True)
    if first_call:
        estimator.classes_ = labels if classes is None else _sorted_unique(classes, "classes")
        if len(estimator.classes_) < 2:
            raise ValueError(
                f"{type(estimator).__name__} needs samples of at least 2 classes, but the "
                f"data contain only one class: {estimator.classes_[0]!r}."
            )
        estimator._y_type = "binary" if len(estimator.classes_) == 2 else "multiclass"
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


def label_indicators(outputs: np.ndarray) -> np.ndarray:
    """Predicted multilabel indicator matrix (int, as MLPClassifier's) from logistic outputs."""
    return (outputs > 0).astype(np.int64)


def stratification(targets: np.ndarray):
    """Targets to stratify the validation split by, or None when a class is too rare.

    Multilabel targets are not stratified (as in scikit-learn's MLP).
    """
    if targets.ndim > 1:
        return None
    _, counts = np.unique(targets, return_counts=True)
    return targets if counts.min() >= 2 else None


def accuracy_scorer(targets, weights):
    """Weighted accuracy on the validation rows, from head outputs.

    For multilabel targets, the subset accuracy (all labels of a row right),
    which is what ``score`` gives.
    """
    predicted = label_indicators if targets.ndim > 1 else class_indices
    return lambda outputs: accuracy_score(targets, predicted(outputs), sample_weight=weights)


#: A later stream chunk re-standardises the targets when their running standard
#: deviation exceeds the scale in use by this factor (a first chunk with little
#: spread); below it, the first call's scale is kept. Statistics that had no spread
#: at all re-standardise as soon as any appears.
RESCALE_FACTOR = 2.0


def _unit(values: np.ndarray) -> np.ndarray:
    """Largest magnitude of each column of ``values`` (1 where it is 0).

    Dividing by it before summing squares keeps targets near float64's limits
    (1e±160) from overflowing or underflowing in the squares.
    """
    largest = np.max(np.abs(values), axis=0)
    return np.where(largest > 0, largest, 1.0)


def _weighted_stats(targets, weights) -> tuple[np.ndarray, np.ndarray, float]:
    """Weighted mean, standard deviation and total weight, per output, in float64.

    The weights are scaled to a max of 1 (so that tiny weights, 1e-320, do not
    underflow in the sums) and the targets by their largest magnitude (so that
    their squares neither overflow nor underflow); the results are scaled back.
    """
    weights = np.asarray(weights, dtype=np.float64)
    weights = weights / weights.max() if weights.max() > 0 else weights
    targets = np.asarray(targets, dtype=np.float64)
    unit = _unit(targets)
    scaled = targets / unit
    mean = np.average(scaled, axis=0, weights=weights)
    std = np.sqrt(np.average(np.square(scaled - mean), axis=0, weights=weights))
    return mean * unit, std * unit, float(weights.sum())


def _merged_stats(first: tuple, second: tuple) -> tuple[np.ndarray, np.ndarray, float]:
    """Chan et al.'s merge of two ``(mean, std, total weight)`` summaries.

    Computed in units of the largest mean or deviation of either, for the
    same reason as :func:`_weighted_stats`.
    """
    (mean_a, std_a, weight_a), (mean_b, std_b, weight_b) = first, second
    total = weight_a + weight_b
    share_a, share_b = weight_a / total, weight_b / total
    unit = _unit(np.stack([mean_a, std_a, mean_b, std_b]))
    mean_a, std_a, mean_b, std_b = (v / unit for v in (mean_a, std_a, mean_b, std_b))
    delta = mean_b - mean_a
    mean = mean_a + delta * share_b
    var = share_a * np.square(std_a) + share_b * np.square(std_b)
    var = var + np.square(delta) * share_a * share_b
    return mean * unit, np.sqrt(var) * unit, total


def _stream_stats(stream: dict) -> tuple[np.ndarray, np.ndarray, float]:
    """``(mean, std, total weight)`` of ``_target_stream`` (older saved models hold "var")."""
    std = stream["std"] if "std" in stream else np.sqrt(stream["var"])
    return stream["mean"], std, stream["weight"]


def _as_columns(estimator, y, dtype, first_call: bool) -> np.ndarray:
    """Regression targets as an (n, n_outputs) array, the outputs checked on later calls."""
    y = np.asarray(y, dtype=dtype)
    targets = y.reshape(-1, 1) if y.ndim == 1 else y
    if not first_call and targets.shape[1] != estimator._target_mean.shape[0]:
        raise ValueError(
            f"y has {targets.shape[1]} outputs, but the estimator was fitted with "
            f"{estimator._target_mean.shape[0]}."
        )
    return targets


def standardize_targets(estimator, y, weights, first_call: bool, refit: bool = False):
    """Regression targets as (n, n_outputs), standardised with weighted stats.

    Returns ``(targets, loss, n_outputs, weights)``; the mean and scale are
    stored on the estimator as ``_target_mean`` and ``_target_scale``, and the
    running statistics of the targets as ``_target_stream``.

    - A first call, and a warm-start ``refit``, standardise with their own
      data's statistics, as a fresh fit does; a refit continues the network
      in standardised units (its head is not rescaled), so a refit on shifted
      or rescaled targets starts from what the network learned about their
      variation, not from predictions many new standard deviations away.
    - Later stream calls (``partial_fit``) merge their targets into the
      running statistics. When those had no spread before (a first chunk of
      one row, or of constant targets) and now have some, or when their
      standard deviation exceeds the scale in use ``RESCALE_FACTOR`` times,
      mean and scale become the running ones and
      ``estimator._rescale_targets(old_mean, old_scale)`` keeps the head's
      predictions where they were, for the outputs whose statistics had
      spread (the others were trained on zeros only: they had learned
      nothing to keep, and start from the new mean as a fresh fit would).

    Where the statistics have no spread, the scale is 1 on a first call and
    the scale in use otherwise (a refit on constant targets).
    """
    targets = _as_columns(estimator, y, weights.dtype, first_call)
    stats = _weighted_stats(targets, weights)
    continues = not (first_call or refit)
    stream = getattr(estimator, "_target_stream", None) if continues else None
    previous = None if stream is None else _stream_stats(stream)
    if previous is not None:
        stats = _merged_stats(previous, stats)
    mean, std, total = stats
    estimator._target_stream = {"weight": total, "mean": mean, "std": std}
    in_use = np.ones_like(std) if first_call else estimator._target_scale
    scale = np.where(std > 0, std, in_use)
    if not continues:
        estimator._target_mean = mean.astype(weights.dtype)
        estimator._target_scale = scale.astype(weights.dtype)
    elif previous is not None and np.any(
        (std > 0) & ((previous[1] == 0) | (std > RESCALE_FACTOR * in_use))
    ):
        # An output whose statistics had no spread was trained on zeros only: its head
        # learned nothing to keep, and it takes the new statistics as a fresh one would.
        learned = previous[1] > 0
        old_mean = np.where(learned, estimator._target_mean, mean).astype(weights.dtype)
        old_scale = np.where(learned, estimator._target_scale, scale).astype(weights.dtype)
        estimator._target_mean = mean.astype(weights.dtype)
        estimator._target_scale = scale.astype(weights.dtype)
        rescale = getattr(estimator, "_rescale_targets", None)
        if rescale is not None:
            rescale(old_mean, old_scale)
    targets = (targets - estimator._target_mean) / estimator._target_scale
    return targets, "squared", targets.shape[1], weights


#: Bounds of the Poisson head's log-scale (the targets' coefficient of variation).
POISSON_LOG_SCALE = (0.1, 1.0)


def count_targets(estimator, y, weights, first_call: bool, refit: bool = False):
    """Poisson targets: counts relative to their mean, and the head's log-scale.

    The Poisson head is standardised in log space: the predicted mean is
    ``exp(_target_mean + _target_scale * output)``. ``_target_mean`` is the
    log of the weighted mean count (so the zero output predicts the mean, as
    an intercept of log(mean) would), and ``_target_scale`` is the targets'
    weighted coefficient of variation, within :data:`POISSON_LOG_SCALE` (1
    where they have no spread): outputs of unit spread then cover the
    targets' relative spread, as standardised targets do for the squared
    error, so the step sizes tuned for those suit counts too. Both are only
    a reparametrisation of the log link's linear head; nothing is
    subtracted from the counts, which stay non-negative.

    Returns ``(targets, "poisson", n_outputs, weights)``, where ``targets``
    holds the counts over their mean and, in ``n_outputs`` more columns,
    each output's log-scale, which the loss needs
    (:func:`~skhalfnet._training.per_sample_loss`). A first call and a
    warm-start ``refit`` set the statistics; stream calls keep them (any
    values are exact for a log link). Negative targets are a ValueError, and
    so are targets that sum to zero where the statistics are set, as in
    scikit-learn's Poisson criteria.
    """
    targets = _as_columns(estimator, y, weights.dtype, first_call)
    if np.any(targets < 0):
        raise ValueError(
            "Some value(s) of y are negative which is not allowed for Poisson regression."
        )
    if first_call or refit:
        if not np.sum(targets) > 0:
            raise ValueError(
                "Sum of y is not strictly positive which is necessary for Poisson regression."
            )
        mean, std, _ = _weighted_stats(targets, weights)
        mean = np.where(mean > 0, mean, 1.0)
        variation = np.where(std > 0, std / mean, POISSON_LOG_SCALE[1])
        estimator._target_mean = np.log(mean).astype(weights.dtype)
        estimator._target_scale = np.clip(variation, *POISSON_LOG_SCALE).astype(weights.dtype)
    relative = targets / np.exp(estimator._target_mean)
    log_scale = np.broadcast_to(estimator._target_scale, targets.shape)
    return np.hstack([relative, log_scale]), "poisson", targets.shape[1], weights


def r2_scorer(targets, weights):
    """Weighted R² on the validation rows (on standardised targets, which R² does not see)."""
    return lambda outputs: r2_score(targets, outputs, sample_weight=weights)


def poisson_r2_scorer(targets, weights):
    """Weighted R² of the predicted means, as ``score`` gives, from the Poisson head's outputs.

    ``targets`` are :func:`count_targets`' (relative counts, then the
    log-scales); R² does not see the counts' scale.
    """
    n_outputs = targets.shape[1] // 2
    counts, log_scale = targets[:, :n_outputs], targets[0, n_outputs:]

    def score(outputs):
        # (capped below float64's overflow: a wild epoch scores badly, it does not raise)
        log_means = np.minimum(np.asarray(outputs, np.float64) * log_scale, 700.0)
        return r2_score(counts, np.exp(log_means), sample_weight=weights)

    return score
