"""Scale-out on a dask cluster: joblib's dask backend and dask-ml's incremental search.

One ``distributed.LocalCluster`` (2 worker processes, 1 thread each) serves
the whole module.
"""

import os
from unittest import mock

import joblib
import numpy as np
import pytest
from _dask_helpers import ThreadsSeenClassifier, TorchThreadsSeen, torch_threads_in_fit
from packaging.version import Version
from sklearn.model_selection import GridSearchCV, train_test_split

from skhalfnet import HalfNetClassifier

dask = pytest.importorskip("dask")
distributed = pytest.importorskip("distributed")
da = pytest.importorskip("dask.array")

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

N_WORKERS = 2


@pytest.fixture(scope="module")
def client():
    # The workers' thread limit must come from the cluster, not from the
    # environment the tests run in (which often sets OMP_NUM_THREADS=1).
    env = {k: v for k, v in os.environ.items() if k != "OMP_NUM_THREADS"}
    with mock.patch.dict(os.environ, env, clear=True):
        cluster = distributed.LocalCluster(
            n_workers=N_WORKERS, threads_per_worker=1, processes=True, dashboard_address=None
        )
    with cluster, distributed.Client(cluster) as client:
        yield client


@pytest.mark.skipif(joblib.cpu_count() < 2, reason="one core: every share is the whole machine")
def test_grid_search_on_a_cluster_matches_n_jobs_1_and_shares_the_cores(client, small_digits):
    X, y = small_digits
    estimator = ThreadsSeenClassifier(n_hidden=100, max_iter=5, random_state=0)
    estimator.set_callbacks(TorchThreadsSeen())
    search = dict(
        param_grid={"rank": [2, 4, 8]},
        cv=3,
        scoring={"accuracy": "accuracy", "threads": torch_threads_in_fit},
        refit="accuracy",
    )
    with joblib.parallel_backend("dask"):
        on_cluster = GridSearchCV(estimator, **search).fit(X, y)
    local = GridSearchCV(estimator, **search, n_jobs=1).fit(X, y)
    np.testing.assert_array_equal(
        on_cluster.cv_results_["mean_test_accuracy"], local.cv_results_["mean_test_accuracy"]
    )
    # Each of the 2 single-threaded worker processes trains with one torch
    # thread, not with all the machine's cores.
    np.testing.assert_array_equal(on_cluster.cv_results_["mean_test_threads"], 1)
    assert on_cluster.best_params_ == local.best_params_


@pytest.fixture(scope="module")
def digits_split(digits):
    X, y = digits
    return train_test_split(X, y, test_size=0.25, random_state=0, stratify=y)


@pytest.mark.xfail(
    Version(dask.__version__) >= Version("2025.3.0"),
    raises=RuntimeError,
    strict=True,
    reason="dask-ml's searches call dask.persist with an asynchronous client, which dask "
    ">= 2025.3 refuses (https://github.com/dask/dask-ml/issues/1016)",
)
def test_incremental_search_over_rank(client, digits_split):
    dask_ml_selection = pytest.importorskip("dask_ml.model_selection")
    X_train, _, y_train, _ = digits_split
    search = dask_ml_selection.IncrementalSearchCV(
        HalfNetClassifier(n_hidden=200, random_state=0),
        {"rank": [2, 16]},
        n_initial_parameters="grid",
        max_iter=3,
        decay_rate=None,
        random_state=0,
    )
    X_chunks = da.from_array(X_train, chunks=(300, -1))
    y_chunks = da.from_array(y_train, chunks=300)
    search.fit(X_chunks, y_chunks, classes=np.unique(y_train))
    assert search.best_params_ == {"rank": 16}
    assert search.best_estimator_.rank_ == 16
