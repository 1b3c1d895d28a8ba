"""
===========================================
Learning from a stream with ``partial_fit``
===========================================

When the data arrive in chunks, or do not fit in memory, ``partial_fit`` trains on
one chunk at a time: each call runs one epoch of Adam over the chunk it is given,
continuing from the current weights, the optimiser's state and its step sizes.
The first call needs the list of all classes, as for scikit-learn's incremental
estimators.

This example streams the digits in chunks of 100 rows, three times over, and follows
the test accuracy after every chunk, beside an
:class:`~sklearn.neural_network.MLPClassifier` of the same width fed the same
chunks.
"""

# %%
# The stream
# ----------
# The scaler is fitted on the first chunk only, as it would be on a real stream.
import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y, random_state=0)
chunk_size, n_passes = 100, 3
chunks = [slice(start, start + chunk_size) for start in range(0, len(X_train), chunk_size)]
scaler = StandardScaler().fit(X_train[chunks[0]])
X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
classes = np.unique(y)
print(f"{len(chunks)} chunks of up to {chunk_size} rows, {n_passes} passes")

# %%
# Incremental training
# --------------------
# Each ``partial_fit`` call is one epoch over its chunk, so a small ``batch_size``
# gives several Adam steps per chunk; the MLP gets the same batch size. The step
# schedule chosen by ``learning_rate`` applies to ``fit``, which knows how many epochs
# it will run; ``partial_fit`` follows a rule of its own for streams, which have no
# known end (see the ``learning_rate`` parameter of
# :class:`~skhalfnet.HalfNetClassifier`). The first chunk also initialises V (from
# its principal directions, with the default ``init="pca"``).
from sklearn.neural_network import MLPClassifier

from skhalfnet import HalfNetClassifier

models = {
    "HalfNet (width 500, rank 16)": HalfNetClassifier(
        n_hidden=500, rank=16, batch_size=20, random_state=0
    ),
    "MLPClassifier (width 500)": MLPClassifier(
        hidden_layer_sizes=(500,), batch_size=20, random_state=0
    ),
}
seen, curves = [], {name: [] for name in models}
for _ in range(n_passes):
    for chunk in chunks:
        for name, model in models.items():
            model.partial_fit(X_train[chunk], y_train[chunk], classes=classes)
            curves[name].append(model.score(X_test, y_test))
        seen.append((seen[-1] if seen else 0) + len(y_train[chunk]))

for name, curve in curves.items():
    print(f"{name}: {curve[0]:.3f} after one chunk, {curve[-1]:.3f} at the end")

# What the text below the plot says, checked on the numbers printed above.
halfnet_curve, mlp_curve = curves.values()
first_pass = len(chunks)
assert all(h > m for h, m in zip(halfnet_curve[:3], mlp_curve[:3], strict=True))  # ahead early
for curve in curves.values():  # the first pass gains more than the later ones
    assert curve[first_pass - 1] - curve[0] > curve[-1] - curve[first_pass - 1]

# %%
# The same network fitted on all the data at once, for reference:
# The learned geometry, as the stream trains it (a stream makes no held-out choice).
batch = HalfNetClassifier(n_hidden=500, rank=16, covariance="lowrank", random_state=0)
batch = batch.fit(X_train, y_train)
print(f"HalfNet fitted on all rows: {batch.score(X_test, y_test):.3f}")

# %%
# Accuracy along the stream
# -------------------------
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(6.4, 4.2))
for name, curve in curves.items():
    ax.plot(seen, curve, marker=".", label=name)
ax.axhline(batch.score(X_test, y_test), color="k", linestyle=":", label="HalfNet, one fit")
for n_pass in range(1, n_passes):
    ax.axvline(n_pass * len(X_train), color="tab:gray", linewidth=0.8)
    ax.text(n_pass * len(X_train), 0.8, f" pass {n_pass + 1}", color="tab:gray", fontsize=8)
ax.set(
    xlabel="training rows seen",
    ylabel="test accuracy",
    ylim=(0.5, 1.0),
    title="Digits streamed in chunks of 100 rows",
)
ax.legend(loc="lower right")
plt.show()

# %%
# Both networks learn most as the first pass brings new rows; later passes over
# the same rows add less. HalfNet is ahead over the first three chunks (the
# example asserts both). The dotted
# line, a single ``fit`` on all the rows, is the reference a stream tries to reach.
# ``n_iter_`` counts the epochs run, one per ``partial_fit`` call:
print(models["HalfNet (width 500, rank 16)"].n_iter_)
