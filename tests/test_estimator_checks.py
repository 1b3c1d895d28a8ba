"""scikit-learn's own estimator checks, on all three estimators, nothing skipped or xfailed.

The instances use a narrower layer than the default (``n_hidden=500``) so that
the ~60 checks per estimator run in reasonable time; every other parameter is
the default.
"""

from sklearn.utils.estimator_checks import parametrize_with_checks

from skhalfnet import HalfNetClassifier, HalfNetRegressor, HalfNetTransformer


@parametrize_with_checks(
    [
        HalfNetClassifier(n_hidden=500),
        HalfNetRegressor(n_hidden=500),
        HalfNetTransformer(n_hidden=500),
    ],
)
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)
