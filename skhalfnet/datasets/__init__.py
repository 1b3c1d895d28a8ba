"""Dataset loaders: MNIST (fetched once, then cached) and CIFAR-10 (from local files).

Both loaders return a :class:`sklearn.utils.Bunch` with the same layout:

- ``data_train``, ``target_train``, ``data_test``, ``target_test``: the
  standard train/test split;
- ``data``, ``target``: all rows, the training rows first;
- ``feature_names``, ``target_names``, ``DESCR``.

The feature matrices are float32 in ``[0, 1]`` and the targets are int64.
``data_train`` and ``data_test`` are views into ``data`` (no copy is made), so
modifying one of them in place modifies ``data`` too.

With ``return_X_y=True`` both return ``(data, target)``, as scikit-learn's
loaders do, of the rows ``subset=`` names: ``"all"`` (the default),
``"train"`` or ``"test"``.
"""

from ._cifar10 import CIFAR10_URL as CIFAR10_URL
from ._cifar10 import load_cifar10
from ._home import DATA_HOME_ENV as DATA_HOME_ENV
from ._home import get_data_home
from ._mnist import MNIST_WHEEL_NAME as MNIST_WHEEL_NAME
from ._mnist import MNIST_WHEEL_REQUIREMENT as MNIST_WHEEL_REQUIREMENT
from ._mnist import MNIST_WHEEL_SHA256 as MNIST_WHEEL_SHA256
from ._mnist import load_mnist

__all__ = ["get_data_home", "load_cifar10", "load_mnist"]
