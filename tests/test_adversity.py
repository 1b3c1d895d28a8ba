"""Hostile inputs of issue 17: crafted data files, degenerate streams, odd labels and weights."""

from __future__ import annotations

import io
import pickle
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy._core import multiarray, numeric
from sklearn.datasets import make_regression
from sklearn.metrics import r2_score

from skhalfnet import HalfNetClassifier, HalfNetRegressor
from skhalfnet.datasets import load_cifar10
from skhalfnet.datasets._home import _load_pickle

# -- item 1: a data file must not modify objects that outlive the load -----------------


def _build_on_global(module: str, name: str, state) -> bytes:
    """A protocol-2 pickle: push global ``module.name``, BUILD ``state`` on it, load ``{}``."""
    state_ops = pickle.dumps(state, protocol=2)[2:-1]  # without PROTO and STOP
    return (
        (b"\x80\x02c" + f"{module}\n{name}\n".encode() + state_ops + pickle.BUILD + pickle.POP)
        + pickle.EMPTY_DICT
        + pickle.STOP
    )


def _build_on_call(module: str, name: str, args: tuple, state) -> bytes:
    """A protocol-2 pickle: ``module.name(*args)``, BUILD ``state`` on the result, keep it."""
    args_ops = pickle.dumps(args, protocol=2)[2:-1]
    state_ops = pickle.dumps(state, protocol=2)[2:-1]
    return (
        b"\x80\x02c"
        + f"{module}\n{name}\n".encode()
        + args_ops
        + pickle.REDUCE
        + state_ops
        + pickle.BUILD
        + pickle.STOP
    )


def _numpy_pickling_works() -> bool:
    x = np.arange(6.0).reshape(2, 3)
    return all(np.array_equal(pickle.loads(pickle.dumps(x, protocol=p)), x) for p in range(2, 6))


@pytest.mark.parametrize(
    ("module", "name", "function"),
    [
        ("numpy._core.numeric", "_frombuffer", numeric._frombuffer),
        ("numpy._core.multiarray", "_reconstruct", multiarray._reconstruct),
        ("numpy._core.multiarray", "scalar", multiarray.scalar),
        ("numpy.core.multiarray", "_reconstruct", multiarray._reconstruct),
    ],
)
@pytest.mark.parametrize("attribute", ["__module__", "__qualname__"])
def test_a_data_file_cannot_set_attributes_on_numpy_functions(module, name, function, attribute):
    # (None, {...}) is BUILD's "slot state": setattr(obj, key, value) for each item. On
    # numpy's shared functions it broke pickling of arrays for the rest of the process.
    before = getattr(function, attribute)
    raw = _build_on_global(module, name, (None, {attribute: "evil"}))
    with pytest.raises(ValueError, match=r"source\.pkl.*refusing to set the state"):
        _load_pickle(io.BytesIO(raw), encoding="bytes", source="source.pkl", advice="")
    assert getattr(function, attribute) == before
    assert _numpy_pickling_works()


def test_a_data_file_cannot_fill_a_numpy_functions_dict():
    raw = _build_on_global("numpy._core.numeric", "_frombuffer", {"marker": 1})
    with pytest.raises(ValueError, match="refusing to set the state of a function"):
        _load_pickle(io.BytesIO(raw), encoding="bytes", source="f", advice="")
    assert "marker" not in numeric._frombuffer.__dict__


def test_a_data_file_cannot_set_the_state_of_a_shared_scalar():
    # numpy's scalar() returns the shared np.True_ for a boolean.
    raw = _build_on_call(
        "numpy._core.multiarray", "scalar", (np.dtype(bool), b"\x01"), (None, {"x": 1})
    )
    with pytest.raises(ValueError, match="refusing to set the state of a bool"):
        _load_pickle(io.BytesIO(raw), encoding="bytes", source="f", advice="")


def test_a_data_file_gets_its_own_dtypes():
    # numpy.dtype("f8", False, False) is numpy's own float64 dtype; the file's BUILD must
    # act on a copy of it.
    state = (3, ">", None, None, None, -1, -1, 0)
    raw = _build_on_call("numpy", "dtype", ("f8", False, False), state)
    loaded = _load_pickle(io.BytesIO(raw), encoding="bytes", source="f", advice="")
    assert loaded == np.dtype(">f8")
    assert loaded is not np.dtype("f8")
    assert np.dtype("f8").byteorder == "="
    assert np.zeros(2).dtype.isnative


@pytest.mark.parametrize("protocol", [2, 3, 4, 5])
def test_numpy_pickles_still_load(protocol):
    content = {
        b"data": np.arange(12, dtype=np.uint8).reshape(2, 6),
        b"labels": [1, 2],
        b"big_endian": np.arange(3, dtype=">f8"),
        b"record": np.array([(1, 2.0)], dtype=[("a", "i4"), ("b", "f8")]),
        b"scalar": np.float32(3),
        b"flag": np.True_,
    }
    raw = pickle.dumps(content, protocol=protocol)
    loaded = _load_pickle(io.BytesIO(raw), encoding="bytes", source="f", advice="")
    # The reference is pickle's own loader (numpy itself loads ">f8" arrays of protocols
    # 2-4 as native float64).
    expected = pickle.loads(raw)
    assert loaded.keys() == content.keys()
    for key, value in expected.items():
        assert repr(loaded[key]) == repr(value)
        assert getattr(loaded[key], "dtype", None) == getattr(value, "dtype", None)


def test_a_crafted_cifar_batch_leaves_numpy_alone(tmp_path: Path):
    rng = np.random.default_rng(0)
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        batch = {b"data": rng.integers(0, 256, (2, 3072), dtype=np.uint8), b"labels": [0, 1]}
        (tmp_path / name).write_bytes(pickle.dumps(batch, protocol=2))
    (tmp_path / "data_batch_3").write_bytes(
        _build_on_global("numpy._core.multiarray", "_reconstruct", (None, {"__module__": "x"}))
    )
    with pytest.raises(ValueError, match=r"data_batch_3 is corrupt.*refusing to set the state"):
        load_cifar10(tmp_path)
    assert multiarray._reconstruct.__module__ != "x"
    assert _numpy_pickling_works()


# -- item 8c: an oversized CIFAR file is refused before it is read ---------------------


def _write_tiny_cifar(directory: Path) -> None:
    rng = np.random.default_rng(0)
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        batch = {b"data": rng.integers(0, 256, (2, 3072), dtype=np.uint8), b"labels": [0, 1]}
        (directory / name).write_bytes(pickle.dumps(batch, protocol=2))


def _memory_error_when_read(monkeypatch, path: Path) -> list[Path]:
    """Reading ``path`` raises a bare MemoryError, as a huge file does; returns the reads."""
    original = Path.read_bytes
    reads = []

    def read_bytes(self):
        reads.append(self)
        if self == path:
            raise MemoryError()
        return original(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    return reads


def test_an_oversized_cifar_file_is_refused_unread(tmp_path, monkeypatch):
    _write_tiny_cifar(tmp_path)
    big = tmp_path / "data_batch_2"
    with open(big, "r+b") as f:
        f.truncate(129 * 2**20)  # sparse: takes no disk space
    reads = _memory_error_when_read(monkeypatch, big)
    with pytest.raises(ValueError, match=r"data_batch_2 is 135,266,304 bytes.*not read"):
        load_cifar10(tmp_path)
    assert big not in reads


def test_running_out_of_memory_names_the_cifar_file(tmp_path, monkeypatch):
    _write_tiny_cifar(tmp_path)
    _memory_error_when_read(monkeypatch, tmp_path / "test_batch")
    with pytest.raises(MemoryError, match=r"not enough memory to read .*test_batch"):
        load_cifar10(tmp_path)


# -- item 8b: labels of mixed types are scikit-learn's ValueError ----------------------

_MIXED_LABELS = {
    "ints and strings": np.array([1, "a", 1, "a", 2, 2], dtype=object),
    "strings and None": np.array(["a", None, "a", None, "b", "b"], dtype=object),
    "numbers and None": np.array([1.5, None, 1.5, None, 2, 2], dtype=object),
}


@pytest.mark.parametrize(
    "y",
    [*_MIXED_LABELS.values(), pd.Series(_MIXED_LABELS["ints and strings"])],
    ids=[*_MIXED_LABELS.keys(), "ints and strings in a Series"],
)
def test_mixed_label_types_are_refused_like_scikit_learn(y):
    # (A Series of strings and None is "Input contains NaN": pandas' None is NaN.)
    X = np.random.RandomState(0).rand(6, 3)
    with pytest.raises(ValueError, match=r"Mix of label input types \(.+ and .+\) in y"):
        HalfNetClassifier(n_hidden=10, max_iter=1).fit(X, y)


def test_mixed_classes_in_partial_fit_are_refused():
    X = np.random.RandomState(0).rand(6, 3)
    classes = np.array([0, 1, "a"], dtype=object)
    with pytest.raises(
        ValueError, match=r"Mix of label input types \(string and number\) in classes"
    ):
        HalfNetClassifier(n_hidden=10).partial_fit(X, [0, 1] * 3, classes=classes)


# -- items 5 and 9b: regression targets --------------------------------------------------


@pytest.fixture(scope="module")
def stream_data():
    X, y = make_regression(n_samples=4000, n_features=8, n_informative=4, noise=5.0, random_state=0)
    return X[:3000], y[:3000], X[3000:], y[3000:]


def _stream_score(data, first_chunk):
    X, y, X_test, y_test = data
    reg = HalfNetRegressor(n_hidden=300, rank=4, random_state=0)
    if first_chunk is not None:
        reg.partial_fit(X[:50], first_chunk)
    for _ in range(10):
        for start in range(0, len(X), 300):
            reg.partial_fit(X[start : start + 300], y[start : start + 300])
    return r2_score(y_test, reg.predict(X_test))


def test_a_stream_whose_first_chunk_has_almost_no_spread_still_learns(stream_data):
    informative = _stream_score(stream_data, None)
    degenerate = _stream_score(stream_data, np.full(50, 3.0) + 1e-6 * np.arange(50))
    assert informative > 0.99
    assert degenerate > informative - 0.01


def test_rescaling_the_targets_keeps_the_predictions(stream_data):
    X, _, X_test, _ = stream_data
    reg = HalfNetRegressor(n_hidden=100, rank=4, random_state=0)
    reg.partial_fit(X[:50], np.full(50, 3.0) + 1e-6 * np.arange(50))
    before = reg.predict(X_test)
    scale = reg._target_scale.copy()
    reg._target_mean, reg._target_scale = reg._target_mean - 5.0, scale * 1e4
    reg._rescale_targets(reg._target_mean + 5.0, scale)
    # (up to the rounding of the head's dtype)
    rtol = 10 * np.finfo(reg.head_coef_.dtype).eps
    np.testing.assert_allclose(reg.predict(X_test), before, rtol=rtol)


def test_tiny_uniform_weights_predict_like_unit_weights(stream_data):
    X, y, X_test, _ = stream_data
    params = {"n_hidden": 100, "rank": 4, "max_iter": 5, "random_state": 0}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # 5 epochs do not converge
        tiny = HalfNetRegressor(**params).fit(X[:500], y[:500], sample_weight=np.full(500, 1e-320))
        unit = HalfNetRegressor(**params).fit(X[:500], y[:500])
    np.testing.assert_allclose(tiny.predict(X_test), unit.predict(X_test), rtol=1e-12)
