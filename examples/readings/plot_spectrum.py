"""
====================================
The spectrum of the learned metric Σ
====================================

A fitted HalfNet learns Σ = V Vᵀ, the covariance of its hidden weights, and with
it a Mahalanobis metric on the inputs. The eigenvalues of Σ (``spectrum_``) tell
how many directions the learned metric really uses, and its eigenvectors which
ones. :class:`~skhalfnet.plotting.SpectrumDisplay` draws the eigenvalues and marks
the effective rank, the exponential of the entropy of the normalised spectrum.
"""

# %%
# Fit with a generous rank
# ------------------------
# Rank 32 on the 64 pixels of the digits leaves room to see how much of it
# training uses.
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.preprocessing import StandardScaler

from skhalfnet import HalfNetClassifier
from skhalfnet.plotting import SpectrumDisplay

X, y = load_digits(return_X_y=True)
X = StandardScaler().fit_transform(X)
clf = HalfNetClassifier(n_hidden=1000, rank=32, covariance="lowrank", random_state=0).fit(X, y)
print(f"rank {clf.rank_}, effective rank {clf.effective_rank_:.1f}")

# %%
# The spectrum
# ------------
# ``cumulative=True`` adds the cumulative fraction of the trace of Σ on a second
# axis; ``normalize=True`` plots each eigenvalue as a fraction of the trace.
display = SpectrumDisplay.from_estimator(clf, normalize=True, cumulative=True)
display.ax_.set_title("Eigenvalues of Σ, HalfNet rank 32 on digits")
plt.show()

# %%
# Training against initialisation
# --------------------------------
# Training starts (with the default ``init="pca"``) from the leading principal
# directions of the data as unit vectors with one common scale, that is from a flat
# spectrum. A fit stopped after one epoch shows the spectrum close to that start;
# both are drawn on the same axes.
import warnings

from sklearn.exceptions import ConvergenceWarning

with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)  # one epoch on purpose
    early = HalfNetClassifier(
        n_hidden=1000, rank=32, max_iter=1, covariance="lowrank", random_state=0
    ).fit(X, y)

fig, ax = plt.subplots(figsize=(6.4, 4.2))
for model, name, color in [
    (early, "after 1 epoch", "tab:blue"),
    (clf, f"after {clf.n_iter_} epochs", "tab:orange"),
]:
    SpectrumDisplay.from_estimator(
        model,
        normalize=True,
        ax=ax,
        name=name,
        line_kw={"color": color},
        marker_kw={"color": color},
    )
ax.set_title("Normalised spectrum of Σ")
ax.legend()
plt.show()
print(f"effective rank after 1 epoch: {early.effective_rank_:.1f}")
print(f"effective rank after {clf.n_iter_} epochs: {clf.effective_rank_:.1f}")

# %%
# The leading directions
# ----------------------
# The eigenvectors of Σ are the right singular vectors of ``components_`` (Vᵀ).
# On the digits each one is an 8×8 image: the pixel contrasts the learned metric
# stretches most.
_, singular_values, directions = np.linalg.svd(clf.components_, full_matrices=False)
fig, axes = plt.subplots(2, 4, figsize=(8, 4.8), layout="constrained")
for i, ax in enumerate(axes.ravel()):
    limit = np.abs(directions[i]).max()
    ax.imshow(directions[i].reshape(8, 8), cmap="RdBu_r", vmin=-limit, vmax=limit)
    ax.set_title(f"eigenvalue {singular_values[i] ** 2:.2g}", fontsize=9)
    ax.set_axis_off()
fig.suptitle("Top eigenvectors of Σ as images")
plt.show()

# %%
# The eigenvalues from the SVD are those of ``spectrum_``, by definition:
print(np.allclose(singular_values**2, clf.spectrum_))
