"""scikit-learn's callback API (``sklearn.callback``, scikit-learn >= 1.9) for the estimators.

Contract with the training loop (``_base`` / ``_training``):

- ``CallbackSupportMixin`` is a base class of the estimators: scikit-learn's
  where it exists, otherwise an empty class (older scikit-learn), with what
  pickling keeps of callbacks and routing requests (see its docstring).
- ``fit_callbacks(estimator, max_epochs=..., task_name=..., X=..., y=...,
  sample_weight=...)`` is a context manager wrapped around one ``fit`` /
  ``partial_fit`` call. ``X``, ``y`` and ``sample_weight`` are the data of the
  call as the user gave them (before validation): callbacks such as
  ``ScoringMonitor`` score on them. It yields
  ``on_epoch(epoch, loss, fitted_attributes) -> bool``, called after each
  epoch with the epoch's index in this call (0-based), its training loss and
  a zero-argument callable returning the estimator's fitted attributes for
  the current weights as a dict (name -> numpy value). It returns True when a
  callback asks training to stop.

The task tree given to the callbacks is scikit-learn's: a root task named
``task_name`` with up to ``max_epochs`` sequential subtasks named "epoch"
(any number when ``max_epochs`` is None).
Callbacks asking for a ``fitted_estimator`` get a copy of the estimator with
the attributes ``fitted_attributes()`` returns, so they can predict with the
weights of that epoch. The last ``fitted_attributes`` given is called again
when the block exits normally, for the root task's end: it must read the
weights at call time (those training ends with, e.g. the best ones restored
by early stopping). The callbacks' ``teardown`` runs however the block exits.
"""

from __future__ import annotations

import functools
from contextlib import contextmanager

try:  # scikit-learn >= 1.9
    from sklearn.callback import CallbackSupportMixin as _SklearnCallbackSupportMixin
    from sklearn.callback._callback_support import callback_management_context
except ImportError:  # pragma: no cover - older scikit-learn
    callback_management_context = None

    class _SklearnCallbackSupportMixin:
        """Stands in for scikit-learn's mixin where ``sklearn.callback`` is missing."""


#: What scikit-learn's set_callbacks, fits and meta-estimators store on an estimator.
_CALLBACK_ATTRIBUTES = (
    "_skl_callbacks",
    "_skl_callbacks_to_teardown",
    "_callback_fit_ctx",
    "_parent_callback_ctx",
)


class CallbackSupportMixin(_SklearnCallbackSupportMixin):
    """scikit-learn's callback support, and what pickling and skops store of it.

    A fitted estimator's state (``__getstate__``, used by pickle, joblib,
    ``copy`` and skops) holds no callbacks: a saved model is plain data, not
    the monitors, logs and listener keys of the fit that made it; set the
    callbacks again after loading. An unfitted estimator keeps them: that is
    how scikit-learn sends an estimator and its callbacks to the worker
    processes of a parallel search.

    The metadata routing requests (``set_fit_request`` and the like) are kept,
    as plain dicts: scikit-learn 1.9's request object refers back to its
    estimator, and skops recurses on that cycle.
    """

    def __getstate__(self):
        state = dict(super().__getstate__())
        # "Fitted" as check_is_fitted sees it: an attribute ending in "_".
        if any(key.endswith("_") and not key.startswith("__") for key in state):
            for key in _CALLBACK_ATTRIBUTES:
                state.pop(key, None)
        request = state.pop("_metadata_request", None)
        if request is not None:
            state["_metadata_request_data"] = _request_as_data(request, owner=self)
        return state

    def __setstate__(self, state):
        state = dict(state)
        data = state.pop("_metadata_request_data", None)
        super().__setstate__(state)
        if data is not None:
            self._metadata_request = _request_from_data(data, owner=self)


def _request_as_data(request, owner) -> dict:
    """A ``MetadataRequest`` as dicts of strings, booleans and None."""
    requests = {
        name: dict(method.requests)
        for name, method in vars(request).items()
        if hasattr(method, "add_request")
    }
    # scikit-learn < 1.9 names the owner (a string); 1.9 refers to the estimator.
    name = request.owner if isinstance(request.owner, str) else None
    return {"owner": name, "requests": requests}


def _request_from_data(data: dict, owner):
    from sklearn.utils.metadata_routing import MetadataRequest

    request = MetadataRequest(owner=owner if data["owner"] is None else data["owner"])
    for name, requests in data["requests"].items():
        for param, alias in requests.items():
            getattr(request, name).add_request(param=param, alias=alias)
    return request


def _no_callbacks(epoch, loss, fitted_attributes):
    return False


class _EpochTasks:
    """The callback contexts of one fit: a root task and one subtask per epoch.

    Each epoch's subtask begins before the epoch runs (when the previous one
    ends, or with the root) and ends in :meth:`on_epoch`.
    """

    def __init__(self, estimator, max_epochs, task_name, hook_data):
        self._estimator = estimator
        self._hook_data = hook_data
        self._max_epochs = max_epochs
        self._n_begun = 0
        self._last_attributes = None
        self._root = estimator._init_callback_context(task_name=task_name, max_subtasks=max_epochs)
        self._root.call_on_fit_task_begin(estimator=estimator, **hook_data)
        self._current = self._begin_epoch(None)

    def _begin_epoch(self, attributes):
        if self._n_begun == self._max_epochs:
            return None
        self._n_begun += 1
        context = self._root.subcontext(task_name="epoch")
        context.call_on_fit_task_begin(
            estimator=self._estimator, **self._hook_data, reconstruction_attributes=attributes
        )
        return context

    def on_epoch(self, epoch, loss, fitted_attributes):
        """End the running epoch's task, begin the next one; True if a callback asks to stop."""
        if self._current is None:
            raise RuntimeError(
                f"on_epoch called for epoch {epoch}, more than max_epochs={self._max_epochs} "
                "epochs or after a callback asked to stop."
            )
        self._last_attributes = fitted_attributes
        attributes = functools.cache(fitted_attributes)  # evaluated at most once per epoch
        stop = self._current.call_on_fit_task_end(
            estimator=self._estimator, **self._hook_data, reconstruction_attributes=attributes
        )
        self._current = None if stop else self._begin_epoch(attributes)
        return bool(stop)

    def finish(self):
        """End the task of an epoch that did not run, then the root task."""
        if self._current is not None:
            self._current.call_on_fit_task_end(estimator=self._estimator)
        self._root.call_on_fit_task_end(
            estimator=self._estimator,
            **self._hook_data,
            reconstruction_attributes=self._last_attributes,
        )


@contextmanager
def fit_callbacks(
    estimator, *, max_epochs: int | None, task_name: str = "fit", X=None, y=None, sample_weight=None
):
    """Run the estimator's callbacks around one fit; yield the per-epoch hook.

    Parameters
    ----------
    estimator : estimator instance
        The estimator being fitted; without ``sklearn.callback`` (scikit-learn
        < 1.9) the hook does nothing.
    max_epochs : int or None
        The most epochs this call can run; None when it is not known in advance.
    task_name : str, default="fit"
        The name of the root task ("fit" or "partial_fit").
    X, y : array-like, default=None
        The data of this call, passed to the callbacks.
    sample_weight : array-like, default=None
        The sample weights of this call, passed as metadata.

    Yields
    ------
    on_epoch : callable
        ``on_epoch(epoch, loss, fitted_attributes) -> bool``, see the module
        docstring.
    """
    if callback_management_context is None or not hasattr(estimator, "_init_callback_context"):
        yield _no_callbacks
        return
    metadata = {} if sample_weight is None else {"sample_weight": sample_weight}
    hook_data = {"X": X, "y": y, "metadata": metadata}
    with callback_management_context(estimator):
        tasks = _EpochTasks(estimator, max_epochs, task_name, hook_data)
        yield tasks.on_epoch
        tasks.finish()
