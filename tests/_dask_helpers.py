"""Objects the dask tests send to worker processes: importable without the test module."""

import torch

from skhalfnet import HalfNetClassifier
from skhalfnet._callbacks import CallbackSupportMixin


class TorchThreadsSeen:
    """A callback storing torch's thread count during the last epoch on the estimator."""

    def setup(self, estimator, context):
        pass

    def on_fit_task_begin(self, estimator, context):
        pass

    def on_fit_task_end(self, estimator, context):
        if context.task_name == "epoch":
            estimator.torch_threads_in_fit_ = torch.get_num_threads()

    def teardown(self, estimator, context):
        pass


class ThreadsSeenClassifier(HalfNetClassifier, CallbackSupportMixin):
    """HalfNetClassifier with set_callbacks, whatever its own bases are."""


def torch_threads_in_fit(estimator, X, y):
    """A 'scorer' reporting the thread count the fit ran with (in the worker that fitted it)."""
    return estimator.torch_threads_in_fit_
