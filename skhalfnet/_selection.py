"""How much geometry the data support: ``covariance="auto"``'s rule, as small pure functions.

A learned Σ = V Vᵀ is d × k numbers. On a few hundred rows V can travel far from
its start and fit the noise of the training rows, and the training loss cannot tell:
learned on it, any penalty or isotropic share of Σ goes to whatever fits the training
rows best. Held-out rows can tell. ``covariance="auto"`` therefore trains the two
candidate geometries on the same part of the training rows, with the same frozen
draws and the same budget,

* ``"lowrank"``: V learned (HalfNet), and
* ``"identity"``: Σ = I, HalfNet's own N(0, I) random-feature network, which
  learns nothing before the head and so cannot overfit through the geometry,

scores both on the rows held out, and refits the better one on all rows. The choice
is made only where V can memorise the rows, that is where it has at least as many
numbers as there are training rows (``n_features * rank >= n_rows``); on longer
tables the fit is HalfNet's, as it is on MNIST's 60,000 rows. The estimator code
lives in :mod:`skhalfnet._base`; the constants were chosen on the sets of
``benchmarks/tuning/tune_geometry.py`` (none of them in the benchmark suite; their
runs are in ``docs/suite/tuning/geometry.jsonl``).
"""

from __future__ import annotations

import numpy as np

#: The geometries ``covariance="auto"`` chooses between, in order of preference on a tie.
CANDIDATES = ("lowrank", "identity")
#: Share of the training rows held out to choose on.
HELD_OUT_FRACTION = 0.25
#: The choice is made on up to this many training rows; above, "auto" is "lowrank".
MAX_ROWS = 10_000
#: ... and from this many on (fewer cannot be split into two useful parts).
MIN_ROWS = 20
#: "lowrank" is kept only when its held-out loss is below (1 - MARGIN) times the
#: identity's: a near tie goes to the geometry that cannot overfit.
MARGIN = 0.2
#: The candidates train for this share of the final fit's epochs (a whole cosine
#: schedule of their own): the choice then costs one fit instead of two.
CANDIDATE_BUDGET = 0.5


def makes_choice(
    covariance: str, n_rows: int, n_features: int, rank: int, incremental: bool
) -> bool:
    """Whether a fit chooses its geometry on held-out rows.

    Only ``covariance="auto"`` does, only in ``fit`` (a stream has no held-out rows:
    its first ``partial_fit`` takes ``"lowrank"``), only from :data:`MIN_ROWS` to
    :data:`MAX_ROWS` rows, and only where V has at least as many numbers as there
    are rows (``n_features * rank >= n_rows``).
    """
    return (
        covariance == "auto"
        and not incremental
        and MIN_ROWS <= n_rows <= min(MAX_ROWS, n_features * rank)
    )


def candidate_epochs(final_epochs: int) -> int:
    """Epochs each candidate trains: :data:`CANDIDATE_BUDGET` of the final fit's, at least 1."""
    return max(1, int(np.ceil(CANDIDATE_BUDGET * final_epochs)))


def resolved_covariance(covariance: str) -> str:
    """The covariance a fit uses when no choice is made: ``"auto"`` is ``"lowrank"``."""
    return "lowrank" if covariance == "auto" else covariance


def best_candidate(held_out_losses: dict[str, float]) -> str:
    """``"lowrank"`` if its held-out loss is below ``(1 - MARGIN)`` times the identity's.

    A non-finite loss (a candidate that diverged) never wins over a finite one.
    """
    lowrank = held_out_losses["lowrank"]
    identity = held_out_losses["identity"]
    if not np.isfinite(identity):
        return "lowrank"
    return "lowrank" if lowrank < (1.0 - MARGIN) * identity else "identity"
