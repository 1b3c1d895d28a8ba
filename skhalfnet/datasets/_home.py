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


class _ArrayUnpickler(pickle.Unpickler):
    """Unpickler that only resolves the globals needed for numpy arrays."""

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in _SAFE_PICKLE_GLOBALS:
            raise pickle.UnpicklingError(
                f"refusing to load global {module}.{name!s}: a dataset pickle should "
                "contain only numpy arrays, lists, dicts and strings"
            )
        return super().find_class(module, name)


def _load_pickle(f: IO[bytes], *, encoding: str) -> Any:
    return _ArrayUnpickler(f, encoding=encoding).load()


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
    path.mkdir(parents=True, exist_ok=True)
    return path


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


def _check_xy(X: Any, y: Any, *, n_features: int, n_classes: int, what: str) -> None:
    """Raise ValueError unless (X, y) are a float/uint8 matrix and integer labels."""
    if not (isinstance(X, np.ndarray) and X.ndim == 2 and X.shape[1] == n_features):
        shape = getattr(X, "shape", type(X).__name__)
        raise ValueError(f"{what}: expected data of shape (n, {n_features}), got {shape}")
    y = np.asarray(y)
    if y.ndim != 1 or y.shape[0] != X.shape[0]:
        raise ValueError(f"{what}: expected {X.shape[0]} labels, got shape {y.shape}")
    if y.size and (not np.issubdtype(y.dtype, np.integer) or y.min() < 0 or y.max() >= n_classes):
        raise ValueError(f"{what}: labels must be integers in [0, {n_classes - 1}]")
