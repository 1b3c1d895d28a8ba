"""The probes' shared measurement: one variant fitted on several seeds, as a table cell."""

from __future__ import annotations

import time

import numpy as np


def seed_cells(fit, X_valid, y_valid, seeds) -> str:
    """Fit ``fit(seed)`` for each seed; score it on the validation rows.

    Returns the two last cells of a probe's table row: the validation accuracy,
    mean ± sample standard deviation (and each seed's), and the fit's mean
    process CPU seconds, as ``"0.9812 ± 0.0010 (...) | 2.36"``.
    """
    scores, seconds = [], []
    for seed in seeds:
        start = time.process_time()
        model = fit(seed)
        seconds.append(time.process_time() - start)
        scores.append(model.score(X_valid, y_valid))
    per_seed = ", ".join(f"{s:.4f}" for s in scores)
    return (
        f"{np.mean(scores):.4f} ± {np.std(scores, ddof=1):.4f} ({per_seed})"
        f" | {np.mean(seconds):.2f}"
    )
