"""What each estimator adds: labels and probabilities, regression targets, transforms."""

import warnings

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skhalfnet import HalfNetClassifier, HalfNetRegressor, HalfNetTransformer, _targets


@pytest.fixture(autouse=True)
def _no_convergence_noise():
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*max_iter=.*epochs reached")
        yield


# -- classifier ---------------------------------------------------------------------


def test_string_labels_and_probabilities(small_digits, fast):
    X, y = small_digits
    names = np.array(["zero", "one", "two", "three", "four"])[y]
    clf = HalfNetClassifier(**fast).fit(X, names)
    assert list(clf.classes_) == sorted(set(names))
    assert set(clf.predict(X)) <= set(names)
    proba = clf.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-5)
    np.testing.assert_allclose(np.exp(clf.predict_log_proba(X)), proba, rtol=1e-5, atol=1e-7)
    np.testing.assert_array_equal(clf.classes_[proba.argmax(axis=1)], clf.predict(X))
    assert clf.decision_function(X).shape == (len(y), 5)
    assert clf.score(X, names) > 0.9


def test_binary_uses_one_logistic_output(small_digits, fast):
    X, y = small_digits
    keep = y < 2
    labels = np.where(y[keep] == 0, -1, 1)
    clf = HalfNetClassifier(**fast).fit(X[keep], labels)
    assert clf.head_coef_.shape == (fast["n_hidden"], 1)
    scores = clf.decision_function(X[keep])
    assert scores.shape == (keep.sum(),)
    np.testing.assert_array_equal(clf.predict(X[keep]), np.where(scores > 0, 1, -1))
    proba = clf.predict_proba(X[keep])
    np.testing.assert_allclose(proba[:, 1], 1 / (1 + np.exp(-scores)), rtol=1e-5)
    assert clf.score(X[keep], labels) > 0.95


def test_partial_fit(small_digits, fast):
    X, y = small_digits
    clf = HalfNetClassifier(**fast)
    with pytest.raises(ValueError, match="classes must be passed"):
        clf.partial_fit(X[:50], y[:50])
    for _ in range(10):
        for start in range(0, len(y), 100):
            clf.partial_fit(X[start : start + 100], y[start : start + 100], classes=np.arange(5))
    assert clf.n_iter_ == 40 and clf.score(X, y) > 0.9
    with pytest.raises(ValueError, match="differs from the classes"):
        clf.partial_fit(X[:10], y[:10], classes=np.arange(6))
    with pytest.raises(ValueError, match="not in classes_"):
        clf.partial_fit(X[:2], np.array([7, 7]))
    with pytest.raises(ValueError, match="balanced"):
        HalfNetClassifier(class_weight="balanced").partial_fit(X, y, classes=np.arange(5))


def test_sample_weight_and_class_weight_shift_predictions(small_digits, fast):
    X, y = small_digits
    others = y != 0

    def class_zero_belief(model):  # mean probability of class 0 on the other classes' rows
        return model.predict_proba(X[others])[:, 0].mean()

    plain = HalfNetClassifier(**fast).fit(X, y)
    weighted = HalfNetClassifier(**fast).fit(X, y, sample_weight=np.where(y == 0, 50.0, 1.0))
    by_class = HalfNetClassifier(**fast, class_weight={0: 50.0}).fit(X, y)
    assert class_zero_belief(weighted) > 2 * class_zero_belief(plain)
    assert class_zero_belief(by_class) == pytest.approx(class_zero_belief(weighted), rel=1e-5)
    dropped = HalfNetClassifier(**fast).fit(X, y, sample_weight=(y != 4).astype(float))
    assert dropped.predict_proba(X[y == 4])[:, 4].mean() < 0.5


def test_validation_score_is_weighted():
    targets = np.array([0, 1, 1, 1])
    outputs = np.array([[5.0, 0], [0, 5], [5, 0], [5, 0]])  # right, right, wrong, wrong
    assert _targets.accuracy_scorer(targets, None)(outputs) == pytest.approx(0.5)
    weights = np.array([10.0, 10.0, 1.0, 1.0])
    assert _targets.accuracy_scorer(targets, weights)(outputs) == pytest.approx(20 / 22)


def test_single_class_is_an_error(small_digits, fast):
    X, _ = small_digits
    with pytest.raises(ValueError, match="at least 2 classes"):
        HalfNetClassifier(**fast).fit(X, np.zeros(len(X)))


def test_continuous_target_is_an_error_for_the_classifier(small_digits, fast):
    X, _ = small_digits
    with pytest.raises(ValueError, match="Unknown label type"):
        HalfNetClassifier(**fast).fit(X, np.linspace(0, 1, len(X)))


# -- regressor ----------------------------------------------------------------------


def test_regressor_single_and_multi_output(regression_data, fast):
    X, y = regression_data
    reg = HalfNetRegressor(**{**fast, "max_iter": 60}).fit(X, y)
    assert reg.predict(X).shape == (len(y),) and reg.score(X, y) > 0.8
    # Targets are standardised internally: far from zero and large, they still fit.
    assert abs(reg.predict(X).mean() - y.mean()) < 0.1 * y.std()
    Y = np.column_stack([y, -2 * y + 7])
    multi = HalfNetRegressor(**{**fast, "max_iter": 60}).fit(X, Y)
    assert multi.predict(X).shape == (len(y), 2) and multi.score(X, Y) > 0.8
    assert multi.head_coef_.shape == (fast["n_hidden"], 2)
    with pytest.raises(ValueError, match="outputs"):
        multi.partial_fit(X, y)


def test_regressor_early_stopping_uses_r2(regression_data, fast):
    X, y = regression_data
    reg = HalfNetRegressor(**{**fast, "max_iter": 30}, early_stopping=True).fit(X, y)
    assert -1 < reg.best_validation_score_ <= 1
    assert reg.best_validation_score_ == max(reg.validation_scores_)


# -- transformer --------------------------------------------------------------------


def test_transformer_features_and_names(small_digits, fast):
    X, y = small_digits
    tr = HalfNetTransformer(**fast).fit(X, y)
    assert tr.objective_ == "classification" and list(tr.classes_) == list(range(5))
    features = tr.transform(X)
    assert features.shape == (len(y), fast["n_hidden"]) and features.dtype == np.float32
    names = tr.get_feature_names_out()
    assert names[0] == "halfnettransformer0" and len(names) == fast["n_hidden"]
    # the features are those the classifier's head reads
    clf = HalfNetClassifier(**fast).fit(X, y)
    np.testing.assert_allclose(
        features @ clf.head_coef_ + clf.head_intercept_,
        clf.decision_function(X),
        rtol=1e-4,
        atol=1e-4,
    )


def test_transformer_projection_output(small_digits, fast):
    X, y = small_digits
    tr = HalfNetTransformer(**fast, output="projection").fit(X, y)
    projected = tr.transform(X)
    np.testing.assert_allclose(projected, X @ tr.components_.T, rtol=1e-4, atol=1e-4)
    assert list(tr.get_feature_names_out()) == [f"halfnetprojection{i}" for i in range(4)]


def test_transformer_objective_from_targets(regression_data, fast):
    X, y = regression_data
    tr = HalfNetTransformer(**fast).fit(X, y)
    assert tr.objective_ == "regression" and not hasattr(tr, "classes_")
    forced = HalfNetTransformer(**fast, objective="classification").fit(X, y > y.mean())
    assert forced.objective_ == "classification"


def test_transformer_set_output_pandas(small_digits, fast):
    pd = pytest.importorskip("pandas")
    X, y = small_digits
    frame = pd.DataFrame(X, columns=[f"px{i}" for i in range(X.shape[1])])
    tr = HalfNetTransformer(**fast).set_output(transform="pandas").fit(frame, y)
    out = tr.transform(frame)
    assert isinstance(out, pd.DataFrame)
    assert list(out.columns) == list(tr.get_feature_names_out())
    assert list(tr.feature_names_in_) == list(frame.columns)


# -- scikit-learn workflows on digits ----------------------------------------------


@pytest.fixture(scope="module")
def digits_split(digits):
    X, y = digits
    return train_test_split(X, y, test_size=0.25, stratify=y, random_state=0)


def test_grid_search_over_rank_on_digits(digits_split):
    X_train, X_test, y_train, y_test = digits_split
    search = GridSearchCV(
        make_pipeline(
            StandardScaler(),
            HalfNetClassifier(covariance="lowrank", n_hidden=500, max_iter=30, random_state=0),
        ),
        {"halfnetclassifier__rank": [2, 8, 32]},
        cv=3,
    ).fit(X_train, y_train)
    assert search.best_params_["halfnetclassifier__rank"] in (8, 32)
    scores = search.cv_results_["mean_test_score"]
    assert scores[0] < scores[1]  # rank 2 is too small for digits
    assert search.score(X_test, y_test) >= 0.96


def test_transformer_then_logistic_regression_on_digits(digits_split):
    X_train, X_test, y_train, y_test = digits_split
    pipe = make_pipeline(
        StandardScaler(),
        HalfNetTransformer(
            covariance="lowrank", n_hidden=1000, rank=16, max_iter=40, random_state=0
        ),
        LogisticRegression(max_iter=1000),
    ).fit(X_train, y_train)
    assert pipe.score(X_test, y_test) >= 0.95
