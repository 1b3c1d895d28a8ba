"""Threads: OpenMP's wait policy, torch's thread count in concurrent fits, CUDA placement."""

import os
import subprocess
import sys
import threading
import warnings
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
import torch
from joblib import cpu_count

from skhalfnet import HalfNetClassifier, HalfNetRegressor, _training
from skhalfnet._threads import effective_threads, torch_threads

FAST = {"n_hidden": 100, "rank": 4, "max_iter": 3, "random_state": 0}


def _fit(estimator, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # 3 epochs do not converge
        return estimator.fit(X, y)


def _output_of(code, **extra_env):
    """The lines ``code`` prints, run with no OpenMP wait settings in its environment."""
    env = {k: v for k, v in os.environ.items() if k not in ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT")}
    env.pop("SKHALFNET_OMP_WAIT_POLICY", None)
    env.update(extra_env)
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    return result.stdout.strip().splitlines()


def _policy_after(code, **extra_env):
    code += "\nimport os; print(os.environ.get('OMP_WAIT_POLICY'))"
    return _output_of(code, **extra_env)[-1]


def test_importing_skhalfnet_first_makes_openmp_wait_passively():
    assert _policy_after("import skhalfnet") == "PASSIVE"


def test_a_user_choice_or_an_earlier_torch_import_is_left_alone():
    assert _policy_after("import torch, skhalfnet") == "None"
    code = "import os; os.environ['OMP_WAIT_POLICY'] = 'ACTIVE'; import skhalfnet"
    assert _policy_after(code) == "ACTIVE"


_CHILD_POLICY = """
import subprocess, sys
import skhalfnet
child = "import os; print('child', os.environ.get('OMP_WAIT_POLICY'))"
print(subprocess.run([sys.executable, "-c", child], capture_output=True, text=True).stdout)
"""


@pytest.mark.parametrize(("opt_out", "expected"), [(None, "PASSIVE"), ("0", "None")])
def test_child_processes_inherit_the_wait_policy_unless_opted_out(opt_out, expected):
    # The variable stays in os.environ (skhalfnet's docstring says so): a child process
    # started after the import sees it, unless SKHALFNET_OMP_WAIT_POLICY=0.
    extra = {} if opt_out is None else {"SKHALFNET_OMP_WAIT_POLICY": opt_out}
    assert f"child {expected}" in _output_of(_CHILD_POLICY, **extra)


@pytest.mark.parametrize("opt_out", ["0", " 0 "])
def test_skhalfnet_omp_wait_policy_0_leaves_the_environment_alone(opt_out):
    assert _policy_after("import skhalfnet", SKHALFNET_OMP_WAIT_POLICY=opt_out) == "None"
    assert _policy_after("import skhalfnet", SKHALFNET_OMP_WAIT_POLICY="1") == "PASSIVE"


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_fit_moves_x_once_and_matches_the_cpu(small_digits, monkeypatch):
    from skhalfnet import HalfNetClassifier, _layer, _training

    X, y = small_digits
    moves = []
    original = _layer.on_device

    def spy(X_, device):
        moved = original(X_, device)
        moves.append(moved.device.type if isinstance(moved, torch.Tensor) else "host")
        return moved

    monkeypatch.setattr(_training, "on_device", spy)
    params = dict(n_hidden=100, rank=4, max_iter=3, random_state=0, precision="float32")
    gpu = HalfNetClassifier(**params, device="cuda").fit(X, y)
    assert moves == ["cuda"]  # one move for the whole fit
    cpu = HalfNetClassifier(**params, device="cpu").fit(X, y)
    np.testing.assert_allclose(gpu.predict_proba(X), cpu.predict_proba(X), atol=1e-3)
    assert isinstance(gpu.head_coef_, np.ndarray)


# -- torch's thread count (issue 17, item 3) ------------------------------------------


@pytest.fixture
def torch_count_kept():
    """Restore the calling thread's torch count after the test, whatever happens."""
    before = torch.get_num_threads()
    yield before
    torch.set_num_threads(before)


@pytest.mark.parametrize("n_jobs", [0, 1.5, "2"])
def test_a_bad_n_jobs_at_predict_names_n_jobs_and_breaks_nothing(
    small_digits, torch_count_kept, n_jobs
):
    X, y = small_digits
    clf = _fit(HalfNetClassifier(**FAST, n_jobs=1), X, y)
    expected = clf.predict_proba(X)
    clf.set_params(n_jobs=n_jobs)  # fit validates n_jobs; predict did not
    with pytest.raises(ValueError, match=f"n_jobs={n_jobs!r} is not a number of threads"):
        clf.predict(X)
    assert torch.get_num_threads() == torch_count_kept
    # Every later fit and prediction, of this estimator or another, works as before.
    np.testing.assert_array_equal(clf.set_params(n_jobs=1).predict_proba(X), expected)
    other = _fit(HalfNetRegressor(**FAST, n_jobs=1), X, y.astype(float))
    assert other.predict(X).shape == (X.shape[0],)
    assert torch.get_num_threads() == torch_count_kept


@pytest.mark.parametrize("n_jobs", [2**31, 100_000])
def test_a_huge_n_jobs_is_clipped_to_the_cpus(small_digits, torch_count_kept, monkeypatch, n_jobs):
    X, y = small_digits
    requested, seen = [], []
    set_num_threads, fit_arrays = torch.set_num_threads, _training.fit_arrays

    def set_spy(n):  # records the request; never asks OpenMP for more threads than CPUs
        requested.append(n)
        set_num_threads(min(n, cpu_count()))

    def fit_spy(*args, **kwargs):
        seen.append(torch.get_num_threads())
        return fit_arrays(*args, **kwargs)

    monkeypatch.setattr(torch, "set_num_threads", set_spy)
    monkeypatch.setattr(_training, "fit_arrays", fit_spy)
    clf = _fit(HalfNetClassifier(**FAST, n_jobs=n_jobs), X, y)
    clf.predict(X)
    # Every training call (the two candidates of covariance="auto" and the refit).
    assert seen and seen == [cpu_count()] * len(seen)
    assert max(requested) == cpu_count()
    assert torch.get_num_threads() == torch_count_kept


def test_torch_threads_refuses_a_bad_count_and_changes_nothing(torch_count_kept):
    for bad in (0, -1, 1.5, None):
        with pytest.raises(ValueError, match="n_threads must be a positive int"):
            with torch_threads(bad):
                pass  # pragma: no cover
        assert torch.get_num_threads() == torch_count_kept
    with torch_threads(1):
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == torch_count_kept
    assert effective_threads(-1) == cpu_count()


def _in_thread(target, name):
    """Start ``target`` in a new thread named ``name``; returns it and its result dict."""
    result = {}

    def run():
        try:
            result["value"] = target()
        except BaseException as exc:  # handed to the caller's thread
            result["error"] = exc

    thread = threading.Thread(target=run, name=name)
    thread.start()
    return thread, result


@pytest.mark.skipif(cpu_count() < 2, reason="needs 2 CPUs for a fit with 2 torch threads")
def test_overlapping_fits_each_restore_their_own_threads_count(
    small_digits, torch_count_kept, monkeypatch
):
    # torch's count is per OS thread: A sets 1 and B sets 2 in their own threads, and
    # when A's fit ends while B's still runs, each thread must get back its own count
    # (A: 4, B: 3), not the other's request or the count from before the first fit.
    X, y = small_digits
    a_in, b_in, a_done = threading.Event(), threading.Event(), threading.Event()
    seen = {}
    fit_arrays = _training.fit_arrays

    def fit_spy(*args, **kwargs):
        name = threading.current_thread().name
        seen[name] = torch.get_num_threads()
        if name == "A":
            a_in.set()
            assert b_in.wait(60)  # B enters while A is inside
        else:
            b_in.set()
            assert a_done.wait(60)  # B leaves after A has left
        return fit_arrays(*args, **kwargs)

    monkeypatch.setattr(_training, "fit_arrays", fit_spy)

    def fit_in_thread(own_count, n_jobs, then=None):
        def target():
            torch.set_num_threads(own_count)
            _fit(HalfNetClassifier(**FAST, n_jobs=n_jobs), X, y)
            after = torch.get_num_threads()
            if then is not None:
                then.set()
            return after

        return target

    thread_a, result_a = _in_thread(fit_in_thread(4, 1, then=a_done), "A")
    assert a_in.wait(60)
    thread_b, result_b = _in_thread(fit_in_thread(3, 2), "B")
    for thread in (thread_a, thread_b):
        thread.join(120)
    for result in (result_a, result_b):
        if "error" in result:
            raise result["error"]
    assert seen == {"A": 1, "B": 2}
    assert (result_a["value"], result_b["value"]) == (4, 3)
    assert torch.get_num_threads() == torch_count_kept


@pytest.mark.skipif(cpu_count() < 2, reason="needs 2 CPUs for fits with 2 torch threads")
def test_concurrent_fits_learn_what_sequential_fits_learn(small_digits, torch_count_kept):
    X, y = small_digits
    settings = [{"n_jobs": n_jobs, "random_state": seed} for seed in (0, 1) for n_jobs in (1, 2)]
    sequential = [_fit(HalfNetClassifier(**{**FAST, **s}), X, y).predict_proba(X) for s in settings]
    with ThreadPoolExecutor(max_workers=2) as pool:
        fitted = list(pool.map(lambda s: _fit(HalfNetClassifier(**{**FAST, **s}), X, y), settings))
    for estimator, expected in zip(fitted, sequential, strict=True):
        np.testing.assert_array_equal(estimator.predict_proba(X), expected)
    assert torch.get_num_threads() == torch_count_kept
