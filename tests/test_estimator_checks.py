"""scikit-learn's own estimator checks, on all three estimators, nothing skipped."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from skhalfnet import HalfNetClassifier, HalfNetRegressor, HalfNetTransformer


@parametrize_with_checks(
    [HalfNetClassifier(), HalfNetRegressor(), HalfNetTransformer()],
)
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)
