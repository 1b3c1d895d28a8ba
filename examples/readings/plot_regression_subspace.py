"""
=====================================================
Regression on a hidden subspace with HalfNetRegressor
=====================================================

Many targets depend on a few directions of the input only: ``y = f(Wᵀx)`` with a
``d × m`` matrix ``W`` and ``m`` much smaller than ``d``. A network whose hidden
weights are drawn from N(0, I) spreads them over all ``d`` directions, most of
which are noise for such a target. HalfNet learns the covariance of its hidden
weights, so it can concentrate them on the directions that matter, and its
learned Σ = V Vᵀ tells which directions those are.

This example draws such a target with ``d = 20`` and ``m = 2``, fits
:class:`~skhalfnet.HalfNetRegressor` and the identity-covariance network, and
checks that the leading eigenvectors of the learned Σ span the hidden subspace.
"""

# %%
# A target on two hidden directions
# ---------------------------------
import numpy as np
from sklearn.model_selection import train_test_split

rng = np.random.default_rng(0)
n_samples, n_features = 3000, 20
W, _ = np.linalg.qr(rng.standard_normal((n_features, 2)))  # two orthonormal directions
X = rng.standard_normal((n_samples, n_features))
U = X @ W
y = np.sin(2 * U[:, 0]) + 0.5 * U[:, 1] ** 2 + 0.1 * rng.standard_normal(n_samples)
X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)

# %%
# HalfNet against the identity covariance
# ---------------------------------------
# All networks have 500 hidden units. Rank 8 leaves HalfNet more directions than
# the target needs.
from skhalfnet import HalfNetRegressor

common = dict(n_hidden=500, random_state=0)
learned = dict(common, covariance="lowrank")  # the learned geometry, whatever the rows
models = {
    "HalfNet, rank 2": HalfNetRegressor(rank=2, **learned),
    "HalfNet, rank 8": HalfNetRegressor(rank=8, **learned),
    "identity covariance": HalfNetRegressor(covariance="identity", **common),
}
for name, model in models.items():
    model.fit(X_train, y_train)
    print(f"{name:20s} test R² = {model.score(X_test, y_test):.3f}")

# %%
# The identity-covariance network sees 20 directions with equal weight and fits
# the two that matter poorly; HalfNet puts its hidden weights where the target
# varies.
#
# What the learned metric found
# -----------------------------
# The eigenvalues of Σ of the rank-8 model: two stand out, one per hidden
# direction.
import matplotlib.pyplot as plt
from scipy.linalg import subspace_angles

from skhalfnet.plotting import SpectrumDisplay

rank8 = models["HalfNet, rank 8"]
print("eigenvalues of Σ:", np.round(rank8.spectrum_, 2))
print(f"effective rank: {rank8.effective_rank_:.2f}")

# %%
# The two leading eigenvectors of Σ against the true directions W: the principal
# angles between the two planes are close to zero.
_, _, directions = np.linalg.svd(rank8.components_, full_matrices=False)
angles = np.degrees(subspace_angles(directions[:2].T, W))
print("principal angles to the hidden plane (degrees):", np.round(angles, 1))

# %%
# Drawn: the spectrum, and the test rows in the plane of the two leading
# eigenvectors, coloured by the target. In that plane the target is a smooth
# function; in any other pair of input directions it would look like noise. (The
# two eigenvectors are a basis of the hidden plane, not necessarily the columns of
# W themselves.)
fig, (ax_spec, ax_plane) = plt.subplots(1, 2, figsize=(10, 4.2))
SpectrumDisplay.from_estimator(rank8, ax=ax_spec, name="HalfNet, rank 8")
ax_spec.set_title("Eigenvalues of the learned Σ")
P = X_test @ directions[:2].T
points = ax_plane.scatter(P[:, 0], P[:, 1], c=y_test, s=6, cmap="viridis")
fig.colorbar(points, ax=ax_plane, label="y")
ax_plane.set(
    xlabel="first eigenvector of Σ",
    ylabel="second eigenvector of Σ",
    title="Test rows in the learned plane",
    aspect="equal",
)
fig.tight_layout()
plt.show()
