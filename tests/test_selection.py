"""covariance="auto": the geometry chosen on held-out rows (skhalfnet/_selection.py)."""

import warnings

import numpy as np
import pytest
from sklearn.datasets import make_classification, make_regression

from skhalfnet import HalfNetClassifier, HalfNetRegressor, RankCappedWarning, _selection

FAST = {"n_hidden": 200, "random_state": 0, "max_iter": 5}


def wide_noise(n=60, d=120, seed=0):
    """Few rows, many columns, labels from a few columns: V can memorise the rows."""
    X, y = make_classification(
        n_samples=n, n_features=d, n_informative=3, n_redundant=0, random_state=seed
    )
    return X, y


def quiet_fit(estimator, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return estimator.fit(X, y)


@pytest.mark.parametrize("loss", ["softmax", "logistic"])
@pytest.mark.parametrize(
    ("z", "expected"),
    [(3.0, "lowrank"), (1.51, "lowrank"), (1.5, "identity"), (0.0, "identity"), (-2, "identity")],
)
def test_classifiers_choose_by_the_paired_advantage(loss, z, expected):
    assert _selection.Z_MARGIN == 1.5
    # The mean errors do not decide for a classifier: only z does.
    scores = {"lowrank": 0.9, "identity": 0.1, "z": z}
    assert _selection.best_candidate(scores, loss) == expected


@pytest.mark.parametrize("loss", ["squared", "poisson"])
@pytest.mark.parametrize(
    ("losses", "expected"),
    [
        ({"lowrank": 0.5, "identity": 1.0}, "lowrank"),
        ({"lowrank": 0.79, "identity": 1.0}, "lowrank"),
        # A near tie (within LOSS_MARGIN) goes to the geometry that cannot overfit.
        ({"lowrank": 0.81, "identity": 1.0}, "identity"),
        ({"lowrank": 1.2, "identity": 1.0}, "identity"),
        ({"lowrank": np.nan, "identity": 1.0}, "identity"),
        ({"lowrank": np.inf, "identity": 1.0}, "identity"),
        ({"lowrank": 1.0, "identity": np.nan}, "lowrank"),
    ],
)
def test_regressors_choose_by_the_loss_ratio(loss, losses, expected):
    assert _selection.LOSS_MARGIN == 0.2
    # z does not decide for a regressor: only the mean losses do.
    assert _selection.best_candidate({**losses, "z": -10.0}, loss) == expected


def _errors(lowrank, identity):
    return {"lowrank": np.array(lowrank, float), "identity": np.array(identity, float)}


def test_paired_advantage_is_the_mean_over_its_standard_error():
    errors = _errors([0, 0, 1, 0], [1, 0, 1, 1])  # advantages 1, 0, 0, 1
    weights = np.ones(4)
    advantage = np.array([1.0, 0, 0, 1])
    expected = advantage.mean() / np.sqrt(np.sum((advantage - advantage.mean()) ** 2) / 16)
    assert _selection.paired_advantage(errors, weights) == pytest.approx(expected)
    # Weights: their scale does not matter, and a heavier row counts more.
    assert _selection.paired_advantage(errors, 1000 * weights) == pytest.approx(expected)
    heavier = _selection.paired_advantage(errors, np.array([5.0, 1, 1, 5]))
    assert heavier > expected
    assert _selection.paired_advantage(_errors([1, 0], [0, 1]), np.ones(2)) == 0.0


@pytest.mark.parametrize(
    ("lowrank", "identity", "expected"),
    [
        ([0, 0], [1, 1], np.inf),  # ahead everywhere, no spread
        ([1, 1], [0, 0], -np.inf),
        ([0, 1], [0, 1], 0.0),  # a tie everywhere
        ([np.nan, 0], [0, 0], -np.inf),  # a diverged candidate loses
        ([0, 0], [np.inf, 0], np.inf),
        ([np.nan, 0], [np.nan, 0], 0.0),
    ],
)
def test_paired_advantage_edges(lowrank, identity, expected):
    assert _selection.paired_advantage(_errors(lowrank, identity), np.ones(2)) == expected


@pytest.mark.parametrize(
    ("covariance", "n_rows", "n_features", "rank", "incremental", "loss", "expected"),
    [
        ("auto", 100, 50, 10, False, "squared", True),
        ("auto", 500, 50, 10, False, "squared", True),  # 500 = 50 * 10: as many numbers as rows
        ("auto", 501, 50, 10, False, "squared", False),
        ("auto", 501, 50, 10, False, "softmax", True),  # classifiers choose on long tables too
        ("auto", 5000, 4, 4, False, "logistic", True),
        ("auto", 100, 50, 10, True, "softmax", False),  # a stream has no held-out rows
        ("auto", 19, 50, 10, False, "softmax", False),  # too few rows to split
        ("auto", 20, 50, 10, False, "softmax", True),
        ("auto", 10_000, 784, 64, False, "softmax", True),
        ("auto", 10_001, 784, 64, False, "softmax", False),
        ("auto", 10_001, 784, 64, False, "squared", False),
        ("lowrank", 100, 50, 10, False, "softmax", False),
        ("identity", 100, 50, 10, False, "softmax", False),
    ],
)
def test_makes_choice(covariance, n_rows, n_features, rank, incremental, loss, expected):
    choice = _selection.makes_choice(covariance, n_rows, n_features, rank, incremental, loss)
    assert choice is expected


def test_auto_is_the_default():
    for Estimator in (HalfNetClassifier, HalfNetRegressor):
        assert Estimator().covariance == "auto"


@pytest.mark.parametrize("chosen", ["identity", "lowrank"])
def test_auto_refits_the_chosen_geometry_on_all_rows(chosen, monkeypatch):
    X, y = wide_noise()
    monkeypatch.setattr(_selection, "best_candidate", lambda scores, loss: chosen)
    auto = quiet_fit(HalfNetClassifier(**FAST), X, y)
    explicit = quiet_fit(HalfNetClassifier(**FAST, covariance=chosen), X, y)
    assert auto.covariance_ == chosen
    assert set(auto.geometry_scores_) == {"lowrank", "identity", "z"}
    assert all(np.isfinite(v) for v in auto.geometry_scores_.values())
    # The same draws and the same rows: the model of the explicit covariance, bit for bit.
    np.testing.assert_array_equal(auto.predict_proba(X), explicit.predict_proba(X))
    assert auto.rank_ == explicit.rank_
    assert auto.n_trainable_params_ == explicit.n_trainable_params_


def test_auto_picks_identity_where_learning_v_overfits():
    """On 15 held-out rows a draw may favour V by chance; most draws must not."""
    X, y = wide_noise()
    chosen = []
    for seed in range(10):
        auto = quiet_fit(HalfNetClassifier(**{**FAST, "random_state": seed}), X, y)
        assert (auto.covariance_ == "lowrank") == (auto.geometry_scores_["z"] > _selection.Z_MARGIN)
        chosen.append(auto.covariance_)
    # 8 of 10 here (a margin of 0 would give 5).
    assert chosen.count("identity") >= 7


def test_auto_picks_the_learned_geometry_where_it_is_clearly_ahead():
    """Labels from one direction of many noisy columns: V finds it, N(0, I) spreads out."""
    rng = np.random.RandomState(0)
    X = rng.randn(400, 30)
    y = (X[:, 0] + 0.3 * X[:, 1] > 0).astype(int)
    auto = quiet_fit(HalfNetClassifier(n_hidden=200, rank=30, random_state=0), X, y)
    assert auto.geometry_scores_["z"] > _selection.Z_MARGIN
    assert auto.covariance_ == "lowrank"


@pytest.mark.parametrize("task", ["regressor on a long table", "classifier above MAX_ROWS"])
def test_auto_keeps_halfnet_where_the_rows_are_many(task):
    if task.startswith("regressor"):
        X, y = make_regression(n_samples=600, n_features=8, random_state=0)
        Estimator = HalfNetRegressor
    else:
        X, y = make_classification(n_samples=_selection.MAX_ROWS + 1, n_features=8, random_state=0)
        Estimator = HalfNetClassifier
    auto = quiet_fit(Estimator(**FAST), X, y)
    lowrank = quiet_fit(Estimator(**FAST, covariance="lowrank"), X, y)
    assert auto.covariance_ == "lowrank"
    assert auto.geometry_scores_ is None
    np.testing.assert_array_equal(auto.components_, lowrank.components_)


def test_a_classifier_chooses_on_a_long_narrow_table():
    X, y = make_classification(n_samples=600, n_features=8, random_state=0)
    auto = quiet_fit(HalfNetClassifier(**FAST), X, y)
    assert set(auto.geometry_scores_) == {"lowrank", "identity", "z"}


def test_the_held_out_errors_are_measured_on_rows_not_trained_on():
    """Trained on the held-out rows too, V would classify them as well as the training rows."""
    X, y = wide_noise()
    auto = quiet_fit(HalfNetClassifier(**FAST), X, y)
    lowrank = quiet_fit(HalfNetClassifier(**FAST, covariance="lowrank"), X, y)
    assert lowrank.score(X, y) > 0.95  # V nearly memorises the rows it trains on
    assert auto.geometry_scores_["lowrank"] > 0.2  # and errs on the rows held out


def test_the_rank_warning_is_given_once():
    X, y = wide_noise(n=40, d=30)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        HalfNetClassifier(**FAST, rank=64).fit(X, y)
    assert sum(issubclass(w.category, RankCappedWarning) for w in caught) == 1


def test_partial_fit_takes_lowrank_under_auto():
    X, y = wide_noise()
    model = HalfNetClassifier(**FAST).partial_fit(X, y, classes=np.unique(y))
    assert model.covariance_ == "lowrank"
    assert model.geometry_scores_ is None


def test_warm_start_continues_the_chosen_geometry(monkeypatch):
    X, y = wide_noise()
    monkeypatch.setattr(_selection, "best_candidate", lambda scores, loss: "identity")
    model = quiet_fit(HalfNetClassifier(**FAST, warm_start=True), X, y)
    scores = model.geometry_scores_
    quiet_fit(model, X, y)
    assert model.covariance_ == "identity"
    assert model.n_iter_ == 2 * FAST["max_iter"]
    assert model.geometry_scores_ == scores
    with pytest.raises(ValueError, match="covariance"):
        quiet_fit(model.set_params(covariance="lowrank"), X, y)


def test_regressor_chooses_too():
    rng = np.random.RandomState(0)
    X = rng.randn(60, 100)
    y = X[:, 0] + 0.5 * rng.randn(60)
    model = quiet_fit(HalfNetRegressor(**FAST), X, y)
    assert model.covariance_ in ("lowrank", "identity")
    assert set(model.geometry_scores_) == {"lowrank", "identity", "z"}
    assert model.geometry_scores_["identity"] > 0  # held-out squared error, not 0/1


@pytest.mark.parametrize(("final", "expected"), [(30, 15), (7, 4), (1, 1), (2, 1)])
def test_candidate_epochs_are_half_the_final_fits(final, expected):
    assert _selection.CANDIDATE_BUDGET == 0.5
    assert _selection.candidate_epochs(final) == expected


def test_the_candidates_train_for_half_the_epochs(monkeypatch):
    from skhalfnet import _training

    epochs = []
    fit_arrays = _training.fit_arrays

    def spy(state, X, targets, weights, config, *args, **kwargs):
        epochs.append(config.max_iter)
        return fit_arrays(state, X, targets, weights, config, *args, **kwargs)

    monkeypatch.setattr(_training, "fit_arrays", spy)
    X, y = wide_noise()
    quiet_fit(HalfNetClassifier(**{**FAST, "max_iter": 8}), X, y)
    assert epochs == [4, 4, 8]  # lowrank and identity candidates, then the refit


def test_the_refit_starts_from_the_winners_initial_state(monkeypatch):
    """Drawn and initialised once: the candidate's initial state is the refit's."""
    from skhalfnet import _training
    from skhalfnet._base import BaseHalfNet

    states, calls = [], []
    fit_arrays, initial_state = _training.fit_arrays, BaseHalfNet._initial_state

    def spy(state, *args, **kwargs):
        states.append(state)
        return fit_arrays(state, *args, **kwargs)

    def counted(self, *args, **kwargs):
        calls.append(args[4])  # the covariance
        return initial_state(self, *args, **kwargs)

    monkeypatch.setattr(_training, "fit_arrays", spy)
    monkeypatch.setattr(BaseHalfNet, "_initial_state", counted)
    X, y = wide_noise()
    auto = quiet_fit(HalfNetClassifier(**FAST), X, y)
    assert calls == ["lowrank", "identity"]
    winner = list(_selection.CANDIDATES).index(auto.covariance_)
    assert states[2] is states[winner]
