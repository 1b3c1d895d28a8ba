"""Data larger than memory: partial_fit fed by dask-ml's Incremental, and memory-mapped files."""

import numpy as np
import pytest
from sklearn.model_selection import train_test_split

from skhalfnet import HalfNetClassifier

dask = pytest.importorskip("dask")
da = pytest.importorskip("dask.array")
dask_ml_wrappers = pytest.importorskip("dask_ml.wrappers")

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture(scope="module")
def digits_split(digits):
    X, y = digits
    return train_test_split(X, y, test_size=0.25, random_state=0, stratify=y)


def test_incremental_on_chunks_matches_an_in_memory_fit(digits_split):
    X_train, X_test, y_train, y_test = digits_split
    params = {"n_hidden": 500, "rank": 16, "random_state": 0}
    # 14 chunks of 100 rows, 5 passes: 70 partial_fit calls, enough for steps
    # that decay from call to call to stall well below the in-memory fit.
    n_passes = 5
    X_chunks = da.from_array(X_train, chunks=(100, -1))
    y_chunks = da.from_array(y_train, chunks=100)
    stream = dask_ml_wrappers.Incremental(HalfNetClassifier(**params), random_state=0)
    with dask.config.set(scheduler="synchronous"):
        for _ in range(n_passes):
            stream.partial_fit(X_chunks, y_chunks, classes=np.unique(y_train))
    assert stream.estimator_.n_iter_ == n_passes * X_chunks.numblocks[0]
    # Within half a point of the same number of epochs in memory, default schedule.
    in_memory = HalfNetClassifier(**params, max_iter=n_passes)
    reference = in_memory.fit(X_train, y_train).score(X_test, y_test)
    streamed = stream.score(X_test, y_test)
    assert streamed >= reference - 0.005, (streamed, reference)


def test_memory_mapped_file_trains_like_the_array(small_digits, tmp_path):
    X, y = small_digits
    np.save(tmp_path / "X.npy", X)
    X_file = np.load(tmp_path / "X.npy", mmap_mode="r")
    params = {"n_hidden": 100, "rank": 4, "random_state": 0}

    def stream(data):
        model = HalfNetClassifier(**params)
        for start in range(0, len(y), 100):
            rows = slice(start, start + 100)
            model.partial_fit(data[rows], y[rows], classes=np.unique(y))
        return model

    np.testing.assert_array_equal(stream(X_file).predict_proba(X), stream(X).predict_proba(X))
    whole = HalfNetClassifier(**params, max_iter=3)
    np.testing.assert_array_equal(
        whole.fit(X_file, y).predict_proba(X),
        HalfNetClassifier(**params, max_iter=3).fit(X, y).predict_proba(X),
    )
    np.testing.assert_array_equal(np.load(tmp_path / "X.npy"), X)  # the file is left as it was
