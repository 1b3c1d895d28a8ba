"""CIFAR-10: read the "python version" batch files from a local directory."""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.utils import Bunch

from ._home import SUBSETS, _check_subset, _check_xy, _load_pickle, _make_bunch, _read_bytes

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


# A batch file holds 10,000 images (30.7 MB of pixels) and is about 31 MB as
# distributed or re-pickled with a binary protocol. A file over four times that is
# not a CIFAR-10 batch, and is refused before it is read.
_CIFAR10_MAX_FILE_BYTES = 128 * 2**20

_CIFAR10_ADVICE = (
    'Extract the file again from cifar-10-python.tar.gz (the "CIFAR-10 python version" '
    f"from {CIFAR10_URL}); if the archive itself is damaged, download it again."
)


def _unpickle_cifar10_file(file: Path) -> dict[Any, Any]:
    """Read and unpickle one CIFAR-10 file (only builtin types and numpy arrays), a dict."""
    raw = _read_bytes(
        file,
        "Check that the file exists and is readable.",
        max_bytes=_CIFAR10_MAX_FILE_BYTES,
        size_advice=f"A CIFAR-10 batch file is about 30 MiB. {_CIFAR10_ADVICE}",
    )
    # From memory, not the file: a damaged length field then cannot ask for more
    # bytes than the file has.
    content = _load_pickle(
        io.BytesIO(raw), encoding="bytes", source=str(file), advice=_CIFAR10_ADVICE
    )
    if not isinstance(content, dict):
        raise ValueError(
            f"{file}: expected a dict, got {type(content).__name__}. {_CIFAR10_ADVICE}"
        )
    return content


def _get_key(content: dict[Any, Any], key: str, file: Path) -> Any:
    # Files pickled with Python 2 have bytes keys; re-pickled ones may have str.
    for k in (key.encode(), key):
        if k in content:
            return content[k]
    raise ValueError(f"{file} has no {key!r} entry. {_CIFAR10_ADVICE}")


def _read_cifar10_batch(file: Path) -> tuple[np.ndarray, np.ndarray]:
    batch = _unpickle_cifar10_file(file)
    data = _get_key(batch, "data", file)
    if getattr(data, "dtype", None) != np.uint8:
        dtype = getattr(data, "dtype", type(data).__name__)
        raise ValueError(f"{file}: expected uint8 pixel data, got {dtype}. {_CIFAR10_ADVICE}")
    labels = _check_xy(
        data,
        _get_key(batch, "labels", file),
        n_features=_CIFAR10_N_FEATURES,
        n_classes=10,
        what=str(file),
        advice=_CIFAR10_ADVICE,
    )
    return data, labels


def _read_cifar10_label_names(directory: Path) -> np.ndarray:
    meta_file = directory / _CIFAR10_META_FILE
    if not meta_file.is_file():
        return np.asarray(_CIFAR10_LABEL_NAMES)
    names = _get_key(_unpickle_cifar10_file(meta_file), "label_names", meta_file)
    if not (
        isinstance(names, (list, tuple))
        and len(names) == 10
        and all(isinstance(n, (bytes, str)) for n in names)
    ):
        raise ValueError(f"{meta_file}: expected 10 label names (strings). {_CIFAR10_ADVICE}")
    try:
        return np.asarray([n.decode() if isinstance(n, bytes) else n for n in names])
    except UnicodeDecodeError as exc:
        raise ValueError(
            f"{meta_file}: a label name is not valid UTF-8 ({exc}). {_CIFAR10_ADVICE}"
        ) from exc


def load_cifar10(
    path: str | os.PathLike[str],
    *,
    subset: str = "all",
    return_X_y: bool = False,
) -> Bunch | tuple[np.ndarray, np.ndarray]:
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
    subset : {"all", "train", "test"}, default="all"
        The rows ``return_X_y=True`` returns: all 60,000 images (training
        images first), the 50,000 training images or the 10,000 test images.
        The Bunch always holds all of them, with the split as views. As in
        :func:`load_mnist`.
    return_X_y : bool, default=False
        If True, return ``(data, target)`` of ``subset`` instead of a Bunch,
        as scikit-learn's loaders and :func:`load_mnist` do.

        .. versionchanged:: 0.2
           It returned the four arrays ``(X_train, X_test, y_train, y_test)``;
           use ``load_cifar10(path, subset="train", return_X_y=True)`` and
           ``subset="test"`` for them.

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

    (data, target) : tuple of ndarray
        The images and labels of ``subset``, returned instead of the Bunch if
        ``return_X_y`` is True (views into the loaded arrays, no copy).

    Raises
    ------
    FileNotFoundError
        If a batch file is missing; the message names the missing files and
        says where to get the data.
    OSError
        If a file cannot be read (permissions, I/O error); the message names it.
    ValueError
        If ``subset`` is not "all", "train" or "test"; if a file,
        ``batches.meta`` included, is damaged or does not have the CIFAR-10
        format, or is larger than 128 MiB (checked before reading it): the
        message names the file and says how to replace it.

    Notes
    -----
    The batch files are pickles, and unpickling an arbitrary file can run
    arbitrary code. This loader unpickles them with a restricted unpickler that
    resolves only the globals numpy arrays need (``numpy.ndarray``,
    ``numpy.dtype``, numpy's ``_reconstruct``, ``scalar`` and ``_frombuffer``,
    and ``_codecs.encode``); dicts, lists, bytes, strings and numbers need no
    globals. Any other global (``os.system``, ``builtins.eval``, ...) makes it
    raise ValueError instead of loading the file, and so does a file that tries
    to set the state of anything but the arrays and dtypes it creates (numpy's
    shared functions, say): loading a file cannot modify an object that
    outlives the load.

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
    >>> X_train, y_train = load_cifar10(tmp.name, subset="train", return_X_y=True)
    >>> X_test, y_test = load_cifar10(tmp.name, subset="test", return_X_y=True)
    >>> X_train.shape, y_test.shape
    ((20, 3072), (4,))
    >>> tmp.cleanup()
    """
    _check_subset(subset, n_train="50,000", n_test="10,000")
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
        rows = SUBSETS[subset](n_train)
        return X[rows], y[rows]
    return _make_bunch(
        X,
        y,
        n_train,
        feature_names=[f"{c}_{i}_{j}" for c in "rgb" for i in range(32) for j in range(32)],
        target_names=_read_cifar10_label_names(directory),
        descr=_CIFAR10_DESCR,
    )
