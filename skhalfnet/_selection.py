"""How much geometry the data support: ``covariance="auto"``'s rule, as small pure functions.

A learned Σ = V Vᵀ is d × k numbers. On a few hundred rows V can travel far from
its start and fit the noise of the training rows, and the training loss cannot tell:
learned on it, any penalty or isotropic share of Σ goes to whatever fits the training
rows best. Held-out rows can tell. ``covariance="auto"`` therefore trains the two
candidate geometries on the same part of the training rows, with the same frozen
draws, each for :data:`CANDIDATE_BUDGET` of the final fit's epochs,

* ``"lowrank"``: V learned (HalfNet), and
* ``"identity"``: Σ = I, HalfNet's own N(0, I) random-feature network, which
  learns nothing before the head and so cannot overfit through the geometry,

compares them on the rows held out, and refits the learned geometry on all rows only
if it is clearly ahead there (a near tie goes to the geometry that cannot overfit
through V): for classifiers, if its 0/1 error is lower row by row by more than
:data:`Z_MARGIN` paired standard errors (the held-out log loss, which a confident
learned model inflates even where its accuracy is the identity's, chose the identity
on MNIST rows where the learned geometry was two points more accurate); for
regressors, if its held-out loss is below ``1 - LOSS_MARGIN`` times the identity's
(squared errors are too heavy-tailed for the paired test on a few hundred rows).
Classifiers choose on every table from :data:`MIN_ROWS` to :data:`MAX_ROWS` rows;
regressors only where V can memorise the rows, that is where it has at least as many
numbers as there are training rows (``n_features * rank >= n_rows``): on long narrow
tables the regression tuning sets' learned geometry was ahead or level, and the
loss-ratio rule would have given some of that away (friedman3_600). Above
:data:`MAX_ROWS` rows the fit is HalfNet's, as it is on MNIST's 60,000 rows. The
identity candidate is cheap: nothing before its head learns, so its hidden layer is
computed once (:func:`skhalfnet._training.fix_hidden`). The estimator code
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
#: Classifiers keep "lowrank" only when its mean held-out advantage (the identity's
#: 0/1 error minus its own, row by row) exceeds this many paired standard errors ...
Z_MARGIN = 1.5
#: ... regressors only when its held-out loss is below (1 - LOSS_MARGIN) times the
#: identity's.
LOSS_MARGIN = 0.2
#: The candidates train for this share of the final fit's epochs (a whole cosine
#: schedule of their own): the choice then costs one fit instead of two.
CANDIDATE_BUDGET = 0.5

#: The training losses of classification heads (the transformer trains either kind).
CLASSIFICATION_LOSSES = ("softmax", "logistic")


def makes_choice(
    covariance: str, n_rows: int, n_features: int, rank: int, incremental: bool, loss: str
) -> bool:
    """Whether a fit chooses its geometry on held-out rows.

    Only ``covariance="auto"`` does, only in ``fit`` (a stream has no held-out rows:
    its first ``partial_fit`` takes ``"lowrank"``), and only from :data:`MIN_ROWS` to
    :data:`MAX_ROWS` rows; a regressor (``loss`` not in
    :data:`CLASSIFICATION_LOSSES`) only where V has at least as many numbers as
    there are rows (``n_features * rank >= n_rows``).
    """
    most_rows = MAX_ROWS if loss in CLASSIFICATION_LOSSES else min(MAX_ROWS, n_features * rank)
    return covariance == "auto" and not incremental and MIN_ROWS <= n_rows <= most_rows


def candidate_epochs(final_epochs: int) -> int:
    """Epochs each candidate trains: :data:`CANDIDATE_BUDGET` of the final fit's, at least 1."""
    return max(1, int(np.ceil(CANDIDATE_BUDGET * final_epochs)))


def resolved_covariance(covariance: str) -> str:
    """The covariance a fit uses when no choice is made: ``"auto"`` is ``"lowrank"``."""
    return "lowrank" if covariance == "auto" else covariance


def paired_advantage(errors: dict[str, np.ndarray], weights: np.ndarray) -> float:
    """The learned geometry's mean held-out advantage in paired standard errors (z).

    ``errors`` holds each candidate's error on every held-out row; the advantage of a
    row is the identity's error minus the learned one's, weighted by ``weights``.
    ``+inf`` when the learned geometry is ahead on some rows and behind on none,
    ``-inf`` in the mirror case, 0 when they tie everywhere; a candidate with a
    non-finite error (one that diverged) loses to a finite one.
    """
    lowrank, identity = errors["lowrank"], errors["identity"]
    low_ok, id_ok = np.isfinite(lowrank).all(), np.isfinite(identity).all()
    if not (low_ok and id_ok):
        return 0.0 if low_ok == id_ok else (np.inf if low_ok else -np.inf)
    share = np.asarray(weights, dtype=np.float64) / np.sum(weights)
    advantage = identity - lowrank
    mean = float(share @ advantage)
    # The weighted variance over Kish's effective number of rows, 1 / sum(share²): the
    # usual standard error for equal weights, and the same whatever the weights' scale.
    variance = float(share @ (advantage - mean) ** 2)
    standard_error = np.sqrt(variance * float(share @ share))
    if standard_error == 0:
        return 0.0 if mean == 0 else float(np.sign(mean) * np.inf)
    return mean / standard_error


def best_candidate(scores: dict[str, float], loss: str) -> str:
    """``"lowrank"`` or ``"identity"`` from the held-out ``scores`` (see the module docstring).

    ``scores`` holds each candidate's mean held-out error and ``"z"``, the learned
    geometry's paired advantage (:func:`paired_advantage`). A candidate whose error is
    not finite (one that diverged) never wins over a finite one.
    """
    if loss in CLASSIFICATION_LOSSES:
        return "lowrank" if scores["z"] > Z_MARGIN else "identity"
    lowrank, identity = scores["lowrank"], scores["identity"]
    if not np.isfinite(identity):
        return "lowrank"
    return "lowrank" if lowrank < (1.0 - LOSS_MARGIN) * identity else "identity"
