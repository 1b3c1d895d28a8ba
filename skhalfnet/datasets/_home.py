"""The data directory, the restricted unpickler and the helpers both loaders share."""

from __future__ import annotations

import os
import pickle
from pathlib import Path
from typing import IO, Any

import numpy as np
from sklearn.utils import Bunch

#: Environment variable that overrides the default data directory.
DATA_HOME_ENV = "SKHALFNET_DATA_HOME"

# Globals a data pickle may reference: what numpy arrays, dtypes and scalars
# pickle to (under numpy 1.x and 2.x module names, protocols 2 to 5), plus
# ``_codecs.encode``, which Python 3 uses for bytes in protocol-2 pickles.
# Anything else (os.system, eval, ...) is refused, so that loading a file
# placed by hand cannot run arbitrary code.
_SAFE_PICKLE_GLOBALS = frozenset(
    {
        ("numpy", "ndarray"),
        ("numpy", "dtype"),
        ("numpy.core.multiarray", "_reconstruct"),
        ("numpy.core.multiarray", "scalar"),
        ("numpy._core.multiarray", "_reconstruct"),
        ("numpy._core.multiarray", "scalar"),
        ("numpy.core.numeric", "_frombuffer"),
        ("numpy._core.numeric", "_frombuffer"),
        ("_codecs", "encode"),
    }
)


class _ArrayUnpickler(pickle._Unpickler):
    """Unpickler that only resolves the globals needed for numpy arrays.

    Besides refusing every other global, it keeps a file from changing any
    object that outlives the load. The BUILD opcode sets the state of the
    object below it on the stack (``__setstate__``, or ``setattr`` for each
    item); a crafted file can point it at one of the shared objects the
    globals above give (numpy's ``_frombuffer``, ``_reconstruct``, ...), at a
    shared dtype (``numpy.dtype("f8", False, False)`` returns numpy's own
    float64 dtype) or at a shared scalar (``numpy.True_``). Here BUILD is
    allowed only on the numpy arrays and dtypes the file itself creates:
    arrays come only from ``_reconstruct`` and ``_frombuffer``, which always
    return new arrays, and ``numpy.dtype`` is called with ``copy=True`` (as
    numpy's own pickles do). Anything else raises ``UnpicklingError``.

    This is the pure-Python unpickler (``pickle._Unpickler``): the C one offers
    no hook for BUILD. The data files hold a few large arrays and lists of
    small items, so the speed difference does not matter.
    """

    dispatch = dict(pickle._Unpickler.dispatch)

    def __init__(self, file: IO[bytes], *, encoding: str) -> None:
        super().__init__(file, encoding=encoding)
        self._created_dtypes: list[np.dtype] = []  # held, so that identity checks hold

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in _SAFE_PICKLE_GLOBALS:
            raise pickle.UnpicklingError(
                f"refusing to load global {module}.{name!s}: a dataset pickle should "
                "contain only numpy arrays, lists, dicts and strings"
            )
        if (module, name) == ("numpy", "dtype"):
            return self._new_dtype
        return super().find_class(module, name)

    def _new_dtype(self, obj: Any, align: bool = False, copy: bool = False) -> np.dtype:
        """``numpy.dtype(obj, align)``, always a new object that this load may modify."""
        dtype = np.dtype(obj, bool(align), True)
        self._created_dtypes.append(dtype)
        return dtype

    def load_build(self) -> None:
        target = self.stack[-2] if len(self.stack) >= 2 else None
        if not (
            type(target) is np.ndarray or any(target is dtype for dtype in self._created_dtypes)
        ):
            raise pickle.UnpicklingError(
                f"refusing to set the state of a {type(target).__name__} object (BUILD "
                "opcode): a dataset pickle may only set the state of the numpy arrays and "
                "dtypes it creates"
            )
        super().load_build()

    dispatch[pickle.BUILD[0]] = load_build


def _load_pickle(f: IO[bytes], *, encoding: str, source: str, advice: str) -> Any:
    """Unpickle ``f`` with :class:`_ArrayUnpickler`; any failure is a ValueError.

    The exceptions a damaged pickle raises are an open set (the pickle
    documentation lists AttributeError, EOFError, ImportError and IndexError
    "but not limited to"; a flipped byte also gives OverflowError,
    UnicodeDecodeError, MemoryError, ...), so every ``Exception`` is turned
    into one ValueError that names ``source`` and ends with ``advice``.
    """
    try:
        return _ArrayUnpickler(f, encoding=encoding).load()
    except Exception as exc:
        raise ValueError(
            f"{source} is corrupt or not in the expected format: unpickling it failed "
            f"({type(exc).__name__}: {exc}). {advice}"
        ) from exc


def _read_bytes(
    path: Path, advice: str, *, max_bytes: int | None = None, size_advice: str = ""
) -> bytes:
    """The contents of ``path``; an unreadable file is an OSError naming it, with ``advice``.

    A file of more than ``max_bytes`` bytes is a ValueError naming it (with
    ``size_advice``), raised before anything is read; so is a file too large
    for the memory left (a MemoryError naming it).
    """
    try:
        size = path.stat().st_size
        if max_bytes is not None and size > max_bytes:
            raise ValueError(
                f"{path} is {size:,} bytes, more than the {max_bytes:,} bytes such a file can "
                f"have; it was not read. {size_advice}".rstrip()
            )
        try:
            return path.read_bytes()
        except MemoryError as exc:
            raise MemoryError(
                f"not enough memory to read {path} ({size:,} bytes). {size_advice}".rstrip()
            ) from exc
    except OSError as exc:
        raise OSError(f"could not read {path}: {exc.strerror or exc}. {advice}") from exc


def get_data_home(data_home: str | os.PathLike[str] | None = None) -> Path:
    """Return the directory where downloaded datasets are cached, creating it.

    Parameters
    ----------
    data_home : str or path-like, default=None
        Directory to use. If None, the environment variable
        ``SKHALFNET_DATA_HOME`` is used if it is set and not empty, else
        ``$XDG_CACHE_HOME/skhalfnet``, else ``~/.cache/skhalfnet``. A leading
        ``~`` is expanded.

    Returns
    -------
    data_home : pathlib.Path
        The directory; it exists when this function returns.

    Raises
    ------
    OSError
        If the directory does not exist and cannot be created; the message
        names it.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from skhalfnet.datasets import get_data_home
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     home = get_data_home(Path(tmp) / "cache")
    ...     print(home.name, home.is_dir())
    cache True
    """
    if data_home is None:
        data_home = os.environ.get(DATA_HOME_ENV) or None
    if data_home is None:
        xdg = os.environ.get("XDG_CACHE_HOME")
        # The XDG spec says to ignore empty or relative values.
        base = Path(xdg) if xdg and os.path.isabs(xdg) else Path("~/.cache").expanduser()
        path = base / "skhalfnet"
    else:
        path = Path(data_home).expanduser()
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OSError(
            f"could not create the data directory {path}: {exc.strerror or exc}. Pass a "
            f"directory you can write to as data_home, or set {DATA_HOME_ENV}."
        ) from exc
    return path


#: ``subset=`` of the loaders -> the rows ``return_X_y=True`` returns, given the
#: number of training rows (the training rows come first).
SUBSETS = {
    "all": lambda n_train: slice(None),
    "train": lambda n_train: slice(None, n_train),
    "test": lambda n_train: slice(n_train, None),
}


def _check_subset(subset: str, *, n_train: str, n_test: str) -> None:
    """Raise ValueError unless ``subset`` is one of :data:`SUBSETS` (sizes for the message)."""
    if subset not in SUBSETS:
        raise ValueError(
            f"subset={subset!r} is not one of {sorted(SUBSETS)}: 'train' is the "
            f"{n_train} training images, 'test' the {n_test} test images, 'all' both."
        )


def _make_bunch(
    X: np.ndarray,
    y: np.ndarray,
    n_train: int,
    *,
    feature_names: list[str],
    target_names: np.ndarray,
    descr: str,
) -> Bunch:
    return Bunch(
        data=X,
        target=y,
        data_train=X[:n_train],
        target_train=y[:n_train],
        data_test=X[n_train:],
        target_test=y[n_train:],
        feature_names=feature_names,
        target_names=target_names,
        DESCR=descr,
    )


def _check_xy(
    X: Any, y: Any, *, n_features: int, n_classes: int, what: str, advice: str = ""
) -> np.ndarray:
    """Return y as an integer array, or raise ValueError unless (X, y) are data and labels.

    X must be a numeric ``(n, n_features)`` ndarray whose values are finite and
    in ``[0, 1]`` (floats) or any ``uint8``; y must hold ``n`` integers in
    ``[0, n_classes)``. The message starts with ``what`` and ends with ``advice``.
    """

    def fail(problem: str) -> ValueError:
        return ValueError(f"{what}: {problem}. {advice}".rstrip())

    if not (isinstance(X, np.ndarray) and X.ndim == 2 and X.shape[1] == n_features):
        shape = getattr(X, "shape", type(X).__name__)
        raise fail(f"expected data of shape (n, {n_features}), got {shape}")
    if X.dtype != np.uint8:
        if not np.issubdtype(X.dtype, np.floating):
            raise fail(f"expected float or uint8 pixel data, got dtype {X.dtype}")
        # min and max propagate NaN, and NaN fails both comparisons.
        if X.size and not (X.min() >= 0 and X.max() <= 1):
            raise fail("pixel values must be finite and in [0, 1]")
    try:
        y = np.asarray(y)
    except (ValueError, TypeError, OverflowError) as exc:
        raise fail(f"the labels are not an array of integers ({exc})") from exc
    if y.ndim != 1 or y.shape[0] != X.shape[0]:
        raise fail(f"expected {X.shape[0]} labels, got shape {y.shape}")
    if y.size and (not np.issubdtype(y.dtype, np.integer) or y.min() < 0 or y.max() >= n_classes):
        raise fail(f"labels must be integers in [0, {n_classes - 1}]")
    return y.astype(np.int64, copy=False)
