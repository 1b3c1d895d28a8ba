"""CIFAR-10: read the "python version" batch files from a local directory."""

from __future__ import annotations

import os
import pickle
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.utils import Bunch

from ._home import _check_xy, _load_pickle, _make_bunch

CIFAR10_URL = "https://www.cs.toronto.edu/~kriz/cifar.html"
_CIFAR10_SUBDIR = "cifar-10-batches-py"
_CIFAR10_TRAIN_FILES = tuple(f"data_batch_{i}" for i in range(1, 6))
_CIFAR10_TEST_FILE = "test_batch"
_CIFAR10_META_FILE = "batches.meta"
_CIFAR10_N_FEATURES = 3 * 32 * 32
_CIFAR10_LABEL_NAMES = (
    "airplane",
    "automobile",
    "bird",
    "cat",
    "deer",
    "dog",
    "frog",
    "horse",
    "ship",
    "truck",
)

_CIFAR10_DESCR = f"""\
CIFAR-10
--------

60,000 colour images of 32x32 pixels in 10 classes (airplane, automobile,
bird, cat, deer, dog, frog, horse, ship, truck), 6,000 per class. Each row has
3072 features: the 1024 red values, then the 1024 green, then the 1024 blue
values, each channel row-major (feature names "r_<row>_<col>", "g_...",
"b_..."). Values are float32 in [0, 1] (the 8-bit value divided by 255);
targets are int64 class indices.

Split: 50,000 training images (data_batch_1 ... data_batch_5, in that order)
and 10,000 test images (test_batch). ``data``/``target`` hold all rows,
training first.

Source: A. Krizhevsky, "Learning Multiple Layers of Features from Tiny
Images", 2009; the "CIFAR-10 python version" files from {CIFAR10_URL}.
"""


def _cifar10_dir(path: Path) -> Path:
    """Return the directory that holds the batch files, or raise FileNotFoundError."""
    required = (*_CIFAR10_TRAIN_FILES, _CIFAR10_TEST_FILE)
    candidates = [path, path / _CIFAR10_SUBDIR]
    for directory in candidates:
        if all((directory / name).is_file() for name in required):
            return directory
    # Report the missing files of the more complete candidate.
    help_text = (
        "load_cifar10 needs data_batch_1 ... data_batch_5 and test_batch from the "
        f'"CIFAR-10 python version" (cifar-10-python.tar.gz, {CIFAR10_URL}). '
        "Download and extract that archive, and pass the extracted "
        f"{_CIFAR10_SUBDIR} directory, or the directory that contains it."
    )
    if not path.is_dir():
        raise FileNotFoundError(f"CIFAR-10 directory {path} does not exist. {help_text}")
    # Report the missing files of the more complete candidate.
    directory = max(candidates, key=lambda d: sum((d / n).is_file() for n in required))
    missing = [name for name in required if not (directory / name).is_file()]
    raise FileNotFoundError(
        f"CIFAR-10 file(s) missing in {directory}: {', '.join(missing)}. {help_text}"
    )


def _get_key(d: dict[Any, Any], key: str) -> Any:
    # Files pickled with Python 2 have bytes keys; re-pickled ones may have str.
    for k in (key.encode(), key):
        if k in d:
            return d[k]
    raise KeyError(key)


def _read_cifar10_batch(file: Path) -> tuple[np.ndarray, np.ndarray]:
    try:
        with open(file, "rb") as f:
            batch = _load_pickle(f, encoding="bytes")
        data = _get_key(batch, "data")
        labels = np.asarray(_get_key(batch, "labels"))
    except (EOFError, pickle.UnpicklingError, KeyError, TypeError) as exc:
        raise ValueError(f"{file} is not a CIFAR-10 python batch file: {exc!r}") from exc
    _check_xy(data, labels, n_features=_CIFAR10_N_FEATURES, n_classes=10, what=str(file))
    if data.dtype != np.uint8:
        raise ValueError(f"{file}: expected uint8 pixel data, got {data.dtype}")
    return data, labels.astype(np.int64, copy=False)


def _read_cifar10_label_names(directory: Path) -> np.ndarray:
    meta_file = directory / _CIFAR10_META_FILE
    names: Sequence[Any] = _CIFAR10_LABEL_NAMES
    if meta_file.is_file():
        with open(meta_file, "rb") as f:
            meta = _load_pickle(f, encoding="bytes")
        try:
            names = _get_key(meta, "label_names")
        except (KeyError, TypeError) as exc:
            raise ValueError(f"{meta_file} has no label_names entry") from exc
        if len(names) != 10:
            raise ValueError(f"{meta_file}: expected 10 label names, got {len(names)}")
    return np.asarray([n.decode() if isinstance(n, bytes) else str(n) for n in names])


def load_cifar10(
    path: str | os.PathLike[str],
    *,
    return_X_y: bool = False,
) -> Bunch | tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Load CIFAR-10 from the "python version" batch files in a local directory.

    =================   ==============================
    Classes             10
    Samples total       60,000
    Training samples    50,000 (data_batch_1 ... data_batch_5)
    Test samples        10,000 (test_batch)
    Dimensionality      3072 (3 channels x 32 x 32)
    Features            float32 in [0, 1]
    Targets             int64
    =================   ==============================

    Nothing is downloaded. Get ``cifar-10-python.tar.gz`` from
    https://www.cs.toronto.edu/~kriz/cifar.html and extract it; it contains
    the directory ``cifar-10-batches-py``.

    Parameters
    ----------
    path : str or path-like
        Directory that holds ``data_batch_1`` ... ``data_batch_5`` and
        ``test_batch`` (and optionally ``batches.meta``), or the directory
        that contains ``cifar-10-batches-py``. All six batch files are
        required.
    return_X_y : bool, default=False
        If True, return ``(X_train, X_test, y_train, y_test)`` (the order of
        :func:`sklearn.model_selection.train_test_split`) instead of a Bunch.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with the following attributes.

        data_train : ndarray of shape (50000, 3072), dtype float32
            Training images, the pixel values divided by 255. Each row holds
            the red channel, then the green, then the blue one, each 32x32
            row-major: ``row.reshape(3, 32, 32)`` gives the image.
        target_train : ndarray of shape (50000,), dtype int64
            Training labels.
        data_test : ndarray of shape (10000, 3072), dtype float32
            Test images.
        target_test : ndarray of shape (10000,), dtype int64
            Test labels.
        data : ndarray of shape (60000, 3072), dtype float32
            All images, the training images first. ``data_train`` and
            ``data_test`` are views into this array (no copy).
        target : ndarray of shape (60000,), dtype int64
            All labels, in the same order.
        feature_names : list of str
            ``"r_0_0"`` ... ``"r_31_31"``, ``"g_0_0"`` ..., ``"b_31_31"``.
        target_names : ndarray of shape (10,), dtype str
            Class names, from ``batches.meta`` if present, else the standard
            ones (``"airplane"``, ``"automobile"``, ...).
        DESCR : str
            Description of the dataset, its source and the split.

    (X_train, X_test, y_train, y_test) : tuple of ndarray
        Returned instead of the Bunch if ``return_X_y`` is True.

    Raises
    ------
    FileNotFoundError
        If a batch file is missing; the message names the missing files and
        says where to get the data.
    ValueError
        If a file does not have the CIFAR-10 batch format.

    Examples
    --------
    A tiny directory in the CIFAR-10 format, with 4 images per batch:

    >>> import pickle, tempfile
    >>> from pathlib import Path
    >>> import numpy as np
    >>> from skhalfnet.datasets import load_cifar10
    >>> tmp = tempfile.TemporaryDirectory()
    >>> rng = np.random.default_rng(0)
    >>> for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
    ...     batch = {b"data": rng.integers(0, 256, size=(4, 3072), dtype=np.uint8),
    ...              b"labels": [0, 1, 2, 3]}
    ...     with open(Path(tmp.name) / name, "wb") as f:
    ...         pickle.dump(batch, f)
    >>> cifar = load_cifar10(tmp.name)
    >>> cifar.data_train.shape, cifar.data_test.shape, cifar.data.dtype
    ((20, 3072), (4, 3072), dtype('float32'))
    >>> cifar.target_test, cifar.target_names[:2]
    (array([0, 1, 2, 3]), array(['airplane', 'automobile'], dtype='<U10'))
    >>> X_train, X_test, y_train, y_test = load_cifar10(tmp.name, return_X_y=True)
    >>> tmp.cleanup()
    """
    directory = _cifar10_dir(Path(path).expanduser())
    batches = [
        _read_cifar10_batch(directory / name)
        for name in (*_CIFAR10_TRAIN_FILES, _CIFAR10_TEST_FILE)
    ]
    n_rows = [data.shape[0] for data, _ in batches]
    n_train = sum(n_rows[:-1])
    X = np.empty((sum(n_rows), _CIFAR10_N_FEATURES), dtype=np.float32)
    start = 0
    for data, _ in batches:
        # uint8 -> float32 directly; x / 255 is exact at 0 and 255.
        np.divide(data, 255, out=X[start : start + data.shape[0]], dtype=np.float32)
        start += data.shape[0]
    y = np.concatenate([labels for _, labels in batches])
    del batches

    if return_X_y:
        return X[:n_train], X[n_train:], y[:n_train], y[n_train:]
    return _make_bunch(
        X,
        y,
        n_train,
        feature_names=[f"{c}_{i}_{j}" for c in "rgb" for i in range(32) for j in range(32)],
        target_names=_read_cifar10_label_names(directory),
        descr=_CIFAR10_DESCR,
    )
