"""skhalfnet's Adam: torch.optim.Adam's numbers bit for bit, without importing torch._dynamo."""

import copy
import functools
import subprocess
import sys

import numpy as np
import pytest
import torch

from skhalfnet import _adam
from skhalfnet._adam import Adam

#: Our two paths and the torch.optim.Adam each must equal bit for bit: on the CPU the
#: fused kernel (the default), and the single-tensor arithmetic used on other devices.
TORCH_ADAMS = {
    "fused": functools.partial(torch.optim.Adam, fused=True),
    "reference": functools.partial(torch.optim.Adam, foreach=False),
}


@pytest.fixture(params=sorted(TORCH_ADAMS))
def torch_adam(request, monkeypatch):
    """torch's Adam for this path, with ours switched to the same path."""
    if request.param == "reference":
        monkeypatch.setattr(_adam, "UPDATES", {})
    return TORCH_ADAMS[request.param]


def _params(dtype, seed=0):
    generator = torch.Generator().manual_seed(seed)
    return [
        torch.nn.Parameter(torch.randn(5, 3, generator=generator, dtype=dtype)),
        torch.nn.Parameter(torch.randn(3, generator=generator, dtype=dtype)),
    ]


def _run(make_optimizer, dtype, snapshot_at=None):
    params = _params(dtype)
    optimizer = make_optimizer(
        [
            {"params": [params[0]], "lr": 0.05, "weight_decay": 0.01},
            {"params": [params[1]], "lr": 0.05, "weight_decay": 0.0},
        ]
    )
    generator = torch.Generator().manual_seed(1)
    saved = None
    for step in range(25):
        for group in optimizer.param_groups:
            group["lr"] = 0.05 * (1 + np.cos(np.pi * step / 25)) / 2  # a cosine schedule
        optimizer.zero_grad(set_to_none=True)
        loss = sum((p**3).sum() * torch.randn((), generator=generator, dtype=dtype) for p in params)
        loss.backward()
        optimizer.step()
        if step == snapshot_at:
            saved = copy.deepcopy(optimizer.state_dict())  # as training's _snapshot does
            saved_params = [p.detach().clone() for p in params]
    if saved is not None:  # rewind to the snapshot and take the same steps again
        optimizer.load_state_dict(saved)
        with torch.no_grad():
            for p, value in zip(params, saved_params, strict=True):
                p.copy_(value)
    states = [optimizer.state[p] for p in params]
    return [p.detach().numpy().copy() for p in params], states


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_the_same_numbers_as_torch_adam(dtype, torch_adam):
    ours, our_states = _run(Adam, dtype)
    theirs, their_states = _run(torch_adam, dtype)
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_array_equal(a, b)
    for a, b in zip(our_states, their_states, strict=True):
        assert a.keys() == b.keys()
        for key in a:
            assert a[key].dtype == b[key].dtype
            np.testing.assert_array_equal(a[key].numpy(), b[key].numpy())


def test_the_two_paths_differ_in_the_last_bits():
    """The fused kernel is a different arithmetic: the fixture's switch reaches it."""
    fused, _ = _run(Adam, torch.float32)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_adam, "UPDATES", {})
        reference, _ = _run(Adam, torch.float32)
    np.testing.assert_allclose(fused[0], reference[0], rtol=1e-4)
    assert not np.array_equal(fused[0], reference[0])


def test_state_dict_round_trip_rewinds_as_torch_adam_does(torch_adam):
    rewound, states = _run(Adam, torch.float64, snapshot_at=10)
    theirs, their_states = _run(torch_adam, torch.float64, snapshot_at=10)
    full, _ = _run(Adam, torch.float64)
    for a, b in zip(rewound, theirs, strict=True):
        np.testing.assert_array_equal(a, b)
    assert (
        [float(s["step"]) for s in states]
        == [float(s["step"]) for s in their_states]
        == [
            11.0,
            11.0,
        ]
    )
    assert not np.array_equal(rewound[0], full[0])  # the snapshot is not the end state


def test_fitting_does_not_import_torch_dynamo():
    code = (
        "import sys, numpy as np\n"
        "from skhalfnet import HalfNetClassifier\n"
        "X = np.random.RandomState(0).randn(60, 4); y = (X[:, 0] > 0).astype(int)\n"
        "HalfNetClassifier(n_hidden=20, max_iter=2).fit(X, y).predict(X)\n"
        "print('torch._dynamo' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_fits_are_those_torch_adam_gives(monkeypatch, torch_adam):
    from sklearn.datasets import make_classification

    from skhalfnet import HalfNetClassifier, _training

    X, y = make_classification(n_samples=300, n_features=8, random_state=0)
    X_more, y_more = make_classification(n_samples=200, n_features=8, random_state=1)

    def fits():
        params = dict(n_hidden=40, rank=4, max_iter=3, alpha=0.5, random_state=0)
        warm = HalfNetClassifier(**params, warm_start=True).fit(X, y).fit(X, y)
        stream = HalfNetClassifier(**params).partial_fit(X, y, classes=[0, 1])
        stream.partial_fit(X_more, y_more)
        return [m.predict_proba(X) for m in (warm, stream)]

    ours = fits()
    monkeypatch.setattr(_training, "Adam", torch_adam)
    theirs = fits()
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_array_equal(a, b)
