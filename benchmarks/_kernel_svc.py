"""The kernel view's SVCs for the suite: HalfNet's exact kernel against a searched RBF.

Both search ``C`` (and a width) by 3-fold cross-validation on the training rows
only; the suite scores them on its outer folds like every other model.

* :class:`HalfNetKernelSVC`: a default ``HalfNetClassifier`` is fitted on the
  training rows, then an SVC runs on the exact infinite-width kernel of its fitted
  layer (``kernel(X, Y)``: the arc-cosine kernel in the learned metric, or in the
  identity's where ``covariance="auto"`` chose it), with ``C`` and a scale of the
  metric (the inputs times ``s``, the kernel's analogue of gamma) searched on
  precomputed kernel matrices. The inner folds' rows were seen by the HalfNet fit,
  so the inner search is slightly optimistic; the outer score is not.
* :class:`SearchedRBFSVC`: ``SVC(kernel="rbf")`` with ``C`` and ``gamma`` searched,
  gamma around scikit-learn's ``"scale"`` (``1 / (d Var X)``).
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.model_selection import GridSearchCV
from sklearn.svm import SVC

from skhalfnet import HalfNetClassifier

#: The grids: C, the metric's scale s (HalfNet) and gamma's factor on "scale" (RBF).
C_GRID = (0.1, 1.0, 10.0, 100.0)
SCALE_GRID = (0.5, 1.0, 2.0)
GAMMA_FACTORS = (0.25, 0.5, 1.0, 2.0, 4.0)


class HalfNetKernelSVC(ClassifierMixin, BaseEstimator):
    """SVC on a fitted default HalfNetClassifier's exact kernel; C and scale searched."""

    def __init__(self, random_state=None):
        self.random_state = random_state

    def fit(self, X, y):
        X = np.asarray(X, dtype=np.float64)
        self.net_ = HalfNetClassifier(random_state=self.random_state, n_jobs=1).fit(X, y)
        best = None
        for scale in SCALE_GRID:
            gram = self.net_.kernel(X * scale)
            search = GridSearchCV(SVC(kernel="precomputed"), {"C": list(C_GRID)}, cv=3)
            search.fit(gram, y)
            if best is None or search.best_score_ > best[0]:
                best = (search.best_score_, scale, search.best_estimator_)
        _, self.scale_, self.svc_ = best
        self.X_fit_ = X
        self.classes_ = self.svc_.classes_
        return self

    def predict(self, X):
        X = np.asarray(X, dtype=np.float64)
        return self.svc_.predict(self.net_.kernel(X * self.scale_, self.X_fit_ * self.scale_))


class SearchedRBFSVC(ClassifierMixin, BaseEstimator):
    """SVC(kernel="rbf") with C and gamma searched by 3-fold CV on the training rows."""

    def fit(self, X, y):
        X = np.asarray(X, dtype=np.float64)
        scale = 1.0 / (X.shape[1] * X.var())
        grid = {"C": list(C_GRID), "gamma": [scale * f for f in GAMMA_FACTORS]}
        self.search_ = GridSearchCV(SVC(kernel="rbf"), grid, cv=3).fit(X, y)
        self.classes_ = self.search_.classes_
        return self

    def predict(self, X):
        return self.search_.predict(X)
