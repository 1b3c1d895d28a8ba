"""Step-size schedules, and a stream that keeps learning under partial_fit."""

import numpy as np
import pytest
from sklearn.model_selection import train_test_split

from skhalfnet import HalfNetClassifier, _schedule


def test_cosine_warms_up_then_anneals_to_zero():
    total, per_epoch = 1000, 100
    factors = [_schedule.cosine(t, total, per_epoch, 1.0) for t in range(total)]
    warmup = round(_schedule.WARMUP_FRACTION * total)
    assert factors[0] == pytest.approx(1 / warmup)
    assert np.all(np.diff(factors[:warmup]) > 0) and factors[warmup - 1] == pytest.approx(1.0)
    assert np.all(np.diff(factors[warmup:]) <= 0)
    assert factors[-1] < 1e-4


def test_stream_steps_depend_on_steps_taken_and_never_vanish():
    first = _schedule.stream(0, 0, 0, 1.0)
    assert first == pytest.approx(_schedule.STREAM_START)
    assert _schedule.stream(_schedule.STREAM_STEPS, 0, 0, 1.0) == pytest.approx(first / np.sqrt(2))
    # However long the stream, and whatever the adaptive scale says, the floor holds.
    assert _schedule.stream(10**12, 0, 0, 1e-13) == pytest.approx(first * _schedule.STREAM_FLOOR)


def test_partial_fit_keeps_learning_on_a_stream(digits):
    X, y = digits
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0, stratify=y)
    params = dict(n_hidden=300, rank=16, batch_size=32, random_state=0)
    clf = HalfNetClassifier(**params)
    scores, heads = [], []
    for _ in range(3):
        for start in range(0, len(y_train), 100):
            rows = slice(start, start + 100)
            clf.partial_fit(X_train[rows], y_train[rows], classes=np.arange(10))
        scores.append(clf.score(X_test, y_test))
        heads.append(clf.head_coef_.copy())
    assert clf.n_iter_ == 3 * int(np.ceil(len(y_train) / 100))
    # The third pass still moves the weights (steps that decay per call freeze them) ...
    moved = np.linalg.norm(heads[2] - heads[1]) / np.linalg.norm(heads[1])
    assert moved > 0.01
    # ... and the stream is as good as a fit with as many epochs as passes.
    same_passes = HalfNetClassifier(**params, max_iter=3).fit(X_train, y_train)
    assert scores[2] >= same_passes.score(X_test, y_test) - 0.02
