"""Synthetic shapes shared by the suite and the tuning scripts (each with its own seeds)."""

from __future__ import annotations

import numpy as np


def shifted_curves(n, length, n_classes, noise, seed):
    """Time-series-like rows: per class a sum of four random sinusoids, shifted in time
    (up to 8 % of the length) and rescaled per row, plus white noise."""
    rng = np.random.RandomState(seed)
    t = np.linspace(0, 1, length)
    params = [
        (rng.uniform(1, 6, size=4), rng.uniform(0, 2 * np.pi, size=4), rng.uniform(0.5, 1.5, 4))
        for _ in range(n_classes)
    ]
    y = rng.randint(n_classes, size=n)
    shifts = rng.uniform(-0.08, 0.08, size=n)
    X = np.empty((n, length))
    for row, (label, shift) in enumerate(zip(y, shifts, strict=True)):
        freq, phase, amp = params[label]
        X[row] = (amp * np.sin(2 * np.pi * freq * (t[:, None] + shift) + phase)).sum(1)
    X = X * rng.uniform(0.7, 1.3, size=(n, 1)) + noise * rng.randn(n, length)
    return X, y
