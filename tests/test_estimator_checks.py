"""scikit-learn's own estimator checks, on all three estimators.

The instances use a narrower layer than the default (``n_hidden=500``) so that
the ~60 checks per estimator run in reasonable time. With ``precision="float64"``
and ``covariance="lowrank"`` (the paper's HalfNet) every check passes, nothing
skipped or xfailed. At the defaults every check passes but the two sample-weight
equivalence checks, for two reasons: weights of 2 and repeated rows give the same
model only up to float32/bfloat16 rounding, which training amplifies beyond the
checks' rtol of 1e-7 (scikit-learn's MLP marks the same checks as expected
failures); and ``covariance="auto"`` chooses its geometry on held-out rows, and a
split of repeated rows is not a split of weighted ones.
"""

from sklearn.utils.estimator_checks import parametrize_with_checks

from skhalfnet import HalfNetClassifier, HalfNetRegressor, HalfNetTransformer

ESTIMATORS = (HalfNetClassifier, HalfNetRegressor, HalfNetTransformer)
ROUNDING = (
    "float32 training sums weighted and repeated rows in other orders, and "
    "covariance='auto' holds out other rows; exact at precision='float64' with "
    "covariance='lowrank', which passes this check"
)


def expected_failures(estimator):
    if estimator.precision == "float64" and estimator.covariance == "lowrank":
        return {}
    return {
        "check_sample_weight_equivalence_on_dense_data": ROUNDING,
        "check_sample_weight_equivalence_on_sparse_data": ROUNDING,
    }


@parametrize_with_checks(
    [Estimator(n_hidden=500) for Estimator in ESTIMATORS]
    + [
        Estimator(n_hidden=500, precision="float64", covariance="lowrank")
        for Estimator in ESTIMATORS
    ],
    expected_failed_checks=expected_failures,
)
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)
