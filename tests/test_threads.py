"""Thread handling a user cannot see from one process: OpenMP's wait policy, CUDA placement."""

import os
import subprocess
import sys

import numpy as np
import pytest
import torch


def _policy_after(code):
    env = {k: v for k, v in os.environ.items() if k not in ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT")}
    result = subprocess.run(
        [sys.executable, "-c", code + "; import os; print(os.environ.get('OMP_WAIT_POLICY'))"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip().splitlines()[-1]


def test_importing_skhalfnet_first_makes_openmp_wait_passively():
    assert _policy_after("import skhalfnet") == "PASSIVE"


def test_a_user_choice_or_an_earlier_torch_import_is_left_alone():
    assert _policy_after("import torch, skhalfnet") == "None"
    code = "import os; os.environ['OMP_WAIT_POLICY'] = 'ACTIVE'; import skhalfnet"
    assert _policy_after(code) == "ACTIVE"


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
