"""
============================================
Quick start: classifying digits with HalfNet
============================================

:class:`~skhalfnet.HalfNetClassifier` is a one-hidden-layer network whose hidden
weights are random draws from a Gaussian N(0, V Vᵀ / k). Only the low-rank factor V
(``n_features × rank`` numbers) and the linear output layer are trained. It is a
plain scikit-learn estimator: it goes into pipelines, grid searches and
cross-validation like any other.

This example fits it on the 8×8 digits, looks at what the fitted estimator holds,
and counts its trained parameters against a fully trained MLP of the same width.
"""

# %%
# Data and model
# --------------
# Standardising the pixels helps, as for any network. ``n_hidden`` is the number of
# hidden units, ``rank`` the number of columns of V. ``covariance="lowrank"`` asks for
# the learned V of the paper's HalfNet; the default, ``"auto"``, first asks held-out
# rows whether the data support it, and on these training digits it keeps the
# N(0, I) network instead (see the user guide's page on rank and width).
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skhalfnet import HalfNetClassifier

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y, random_state=0)

model = make_pipeline(
    StandardScaler(),
    HalfNetClassifier(n_hidden=1000, rank=16, covariance="lowrank", random_state=0),
)
model = model.fit(X_train, y_train)  # an assignment: the pipeline is shown once, below

# %%
# The fitted pipeline is displayed as usual; the "?" icon of the HalfNet step leads
# to its page in the API reference.
model

# %%
print(f"test accuracy: {model.score(X_test, y_test):.3f}")

# %%
# What the fitted network holds
# -----------------------------
# The fitted weights are plain numpy arrays. ``components_`` is Vᵀ, the rows of
# ``random_weights_`` are the frozen Gaussian draws z, and the head is
# ``head_coef_`` and ``head_intercept_``.
halfnet = model[-1]
print("components_ (V transposed):", halfnet.components_.shape)
print("random_weights_ (frozen):  ", halfnet.random_weights_.shape)
print("head_coef_:                ", halfnet.head_coef_.shape)
print("epochs run:", halfnet.n_iter_)

# %%
# Trained parameters
# ------------------
# V has ``n_features * rank`` entries and the head ``(n_hidden + 1) * n_classes``.
# A fully trained MLP with the same 1000 hidden units would also train the
# ``n_features * n_hidden`` hidden weights and their biases.
n_features, n_classes = X.shape[1], len(halfnet.classes_)
mlp_params = (n_features + 1) * 1000 + (1000 + 1) * n_classes
print(f"HalfNet trains {halfnet.n_trainable_params_:,} parameters")
print(f"an MLP of the same width trains {mlp_params:,}")

# %%
# Training curve and errors
# -------------------------
# ``loss_curve_`` holds the training loss after each epoch; ``n_iter_`` says how many
# epochs ran (at most ``max_iter``). The ``learning_rate`` parameter chooses how the
# step sizes change along the way, as documented in
# :class:`~skhalfnet.HalfNetClassifier`.
import matplotlib.pyplot as plt
from sklearn.metrics import ConfusionMatrixDisplay

fig, (ax_loss, ax_cm) = plt.subplots(1, 2, figsize=(10, 4.2))
ax_loss.plot(range(1, len(halfnet.loss_curve_) + 1), halfnet.loss_curve_)
ax_loss.set(xlabel="epoch", ylabel="training loss", yscale="log", title="Training loss")
ConfusionMatrixDisplay.from_estimator(model, X_test, y_test, ax=ax_cm, colorbar=False)
ax_cm.set_title("Confusion matrix on the test set")
fig.tight_layout()
plt.show()
