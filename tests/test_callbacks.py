"""scikit-learn's callback API (sklearn.callback) on the HalfNet estimators."""

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skhalfnet import HalfNetClassifier, HalfNetRegressor, HalfNetTransformer, _callbacks
from skhalfnet._callbacks import CallbackSupportMixin, fit_callbacks

callback = pytest.importorskip("sklearn.callback")

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


class Recorder:
    """A callback recording its hooks as (hook, task name, task id); asks to stop at an epoch."""

    def __init__(self, stop_at_epoch=None):
        self.stop_at_epoch = stop_at_epoch
        self.record = []

    def setup(self, estimator, context):
        self.record.append(("setup", context.task_name, context.task_id))

    def on_fit_task_begin(self, estimator, context):
        self.record.append(("begin", context.task_name, context.task_id))

    def on_fit_task_end(self, estimator, context, *, fitted_estimator=None):
        self.record.append(("end", context.task_name, context.task_id))
        return context.task_name == "epoch" and context.task_id == self.stop_at_epoch

    def teardown(self, estimator, context):
        self.record.append(("teardown", context.task_name, context.task_id))


class CallbackClassifier(HalfNetClassifier, CallbackSupportMixin):
    """HalfNetClassifier with set_callbacks, whatever its own bases are."""


def _fitted_attributes(estimator):
    """The attributes a fitted estimator predicts with."""
    names = [name for name in vars(estimator) if name.endswith("_") and not name.startswith("_")]
    return {name: getattr(estimator, name) for name in [*names, "_fitted_layer"]}


def _train(estimator, X, y, n_epochs, *, max_epochs=..., task_name="fit"):
    """Train ``estimator`` epoch by epoch as the training loop does, through fit_callbacks.

    A separate estimator runs the epochs (partial_fit); its attributes after
    each epoch are handed to the hook; ``max_epochs`` defaults to ``n_epochs``.
    Returns the number of epochs run and each epoch's attributes.
    """
    trainer = HalfNetClassifier(n_hidden=100, rank=4, random_state=0)
    snapshots = []
    max_epochs = n_epochs if max_epochs is ... else max_epochs
    with fit_callbacks(estimator, max_epochs=max_epochs, task_name=task_name, X=X, y=y) as hook:
        for epoch in range(n_epochs):
            trainer.partial_fit(X, y, classes=np.unique(y))
            snapshots.append(_fitted_attributes(trainer))
            if hook(epoch, trainer.loss_curve_[-1], lambda a=snapshots[-1]: a):
                break
        vars(estimator).update(snapshots[-1])
    return len(snapshots), snapshots


def _validation_monitor(X_val, y_val):
    """A ScoringMonitor scoring accuracy on (X_val, y_val), whatever data the fit passes."""
    return callback.ScoringMonitor(
        scoring={"validation": lambda model, X_, y_: model.score(X_val, y_val)}
    )


@pytest.fixture(scope="module")
def data(small_digits):
    X, y = small_digits
    return X[:200], y[:200], X[200:], y[200:]


def test_task_tree_one_subtask_per_epoch(data):
    X, y, _, _ = data
    recorder = Recorder()
    _train(CallbackClassifier().set_callbacks(recorder), X, y, 3)
    epochs = [("begin", "epoch", i) for i in range(3)], [("end", "epoch", i) for i in range(3)]
    assert recorder.record[:2] == [("setup", "fit", 0), ("begin", "fit", 0)]
    assert [r for r in recorder.record if r[0] == "begin" and r[1] == "epoch"] == epochs[0]
    assert [r for r in recorder.record if r[0] == "end" and r[1] == "epoch"] == epochs[1]
    assert recorder.record[-2:] == [("end", "fit", 0), ("teardown", "fit", 0)]


def test_epoch_that_did_not_run_is_closed(data):
    # Training converges after 2 of at most 5 epochs: the third epoch's task,
    # begun when the second ended, is ended before the root.
    X, y, _, _ = data
    recorder = Recorder()
    _train(CallbackClassifier().set_callbacks(recorder), X, y, 2, max_epochs=5)
    ends = [r for r in recorder.record if r[0] == "end"]
    assert ends == [*[("end", "epoch", i) for i in range(3)], ("end", "fit", 0)]


def test_unknown_number_of_epochs(data):
    X, y, _, _ = data
    recorder = Recorder()
    _train(CallbackClassifier().set_callbacks(recorder), X, y, 3, max_epochs=None)
    ends = [r for r in recorder.record if r[0] == "end"]
    assert ends == [*[("end", "epoch", i) for i in range(4)], ("end", "fit", 0)]


def test_stop_request_ends_training(data):
    X, y, _, _ = data
    recorder = Recorder(stop_at_epoch=1)
    n_run, _ = _train(CallbackClassifier().set_callbacks(recorder), X, y, 6)
    assert n_run == 2
    # No epoch task begins after the stop request.
    assert ("begin", "epoch", 2) not in recorder.record


@pytest.mark.parametrize("error", [KeyboardInterrupt, ValueError])
def test_teardown_runs_on_errors(data, error):
    X, y, _, _ = data
    recorder = Recorder()
    estimator = CallbackClassifier().set_callbacks(recorder)
    with pytest.raises(error):
        with fit_callbacks(estimator, max_epochs=3, X=X, y=y) as hook:
            hook(0, 1.0, dict)
            raise error
    assert recorder.record[-1] == ("teardown", "fit", 0)
    assert ("end", "fit", 0) not in recorder.record
    assert not hasattr(estimator, "_callback_fit_ctx")


def test_scoring_monitor_scores_each_epoch_on_validation_data(data):
    pytest.importorskip("pandas")
    X, y, X_val, y_val = data
    monitor = _validation_monitor(X_val, y_val)
    estimator = CallbackClassifier().set_callbacks(monitor)
    n_run, snapshots = _train(estimator, X, y, 4)
    log = monitor.get_logs().data_as_pandas
    epochs = log[log["task_name"] == "epoch"]
    assert list(epochs["task_id"]) == list(range(n_run))
    # Each score is that of the model with the epoch's weights.
    models = [CallbackClassifier() for _ in snapshots]
    for model, attributes in zip(models, snapshots, strict=True):
        vars(model).update(attributes)
    assert list(epochs["validation"]) == [m.score(X_val, y_val) for m in models]
    assert len(set(epochs["validation"])) > 1  # the weights change between epochs
    root = log[log["task_name"] == "fit"]
    assert list(root["validation"]) == [models[-1].score(X_val, y_val)]


def test_no_op_without_sklearn_callback(data, monkeypatch):
    X, y, _, _ = data
    recorder = Recorder(stop_at_epoch=0)
    estimator = CallbackClassifier().set_callbacks(recorder)
    monkeypatch.setattr(_callbacks, "callback_management_context", None)
    n_run, _ = _train(estimator, X, y, 2)
    assert n_run == 2
    assert recorder.record == []


# -- through fit and partial_fit --------------------------------------------------------

ESTIMATORS = [HalfNetClassifier, HalfNetRegressor, HalfNetTransformer]
FAST = {"n_hidden": 100, "rank": 4, "random_state": 0}


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_every_estimator_takes_callbacks(Estimator, data):
    X, y, _, _ = data
    recorder = Recorder()
    estimator = Estimator(**FAST, max_iter=3, learning_rate="constant", tol=0)
    assert estimator.set_callbacks(recorder) is estimator
    estimator.fit(X, y)
    epochs = [r for r in recorder.record if r[:2] == ("end", "epoch")]
    assert len(epochs) == estimator.n_iter_ == 3
    assert recorder.record[-1] == ("teardown", "fit", 0)


def test_progress_bar_shows_fit_and_partial_fit(data, capsys):
    pytest.importorskip("rich")
    X, y, _, _ = data
    estimator = HalfNetClassifier(**FAST, max_iter=3).set_callbacks(callback.ProgressBar())
    estimator.fit(X, y)
    assert "HalfNetClassifier - fit" in capsys.readouterr().out
    estimator.partial_fit(X, y)
    out = capsys.readouterr().out
    assert "HalfNetClassifier - partial_fit" in out
    assert "100%" in out


def test_progress_bar_in_a_pipeline_shows_the_epochs(data, capsys):
    pytest.importorskip("rich")
    X, y, _, _ = data
    pipeline = make_pipeline(StandardScaler(), HalfNetClassifier(**FAST, max_iter=3))
    pipeline.set_callbacks(callback.ProgressBar()).fit(X, y)
    out = capsys.readouterr().out
    assert "Pipeline - fit" in out
    assert "HalfNetClassifier - fit" in out


def test_scoring_monitor_scores_each_epoch_of_fit(data):
    pytest.importorskip("pandas")
    X, y, X_val, y_val = data
    monitor = _validation_monitor(X_val, y_val)
    # Constant steps: the first k epochs of a longer fit are a fit of k epochs (of one
    # geometry: covariance="auto" may choose another for another budget).
    params = {**FAST, "learning_rate": "constant", "tol": 0, "covariance": "lowrank"}
    HalfNetClassifier(**params, max_iter=4).set_callbacks(monitor).fit(X, y)
    log = monitor.get_logs().data_as_pandas
    scores = log.loc[log["task_name"] == "epoch", "validation"]
    expected = [
        HalfNetClassifier(**params, max_iter=k).fit(X, y).score(X_val, y_val) for k in range(1, 5)
    ]
    assert list(scores) == expected
    assert len(set(expected)) > 1


def test_stop_request_ends_fit_early(data):
    X, y, X_val, _ = data
    recorder = Recorder(stop_at_epoch=1)
    params = {**FAST, "learning_rate": "constant", "tol": 0, "covariance": "lowrank"}
    with warnings.catch_warnings():
        # A callback's stop is not the epoch budget running out: no ConvergenceWarning.
        warnings.simplefilter("error", ConvergenceWarning)
        stopped = HalfNetClassifier(**params, max_iter=10).set_callbacks(recorder).fit(X, y)
    assert stopped.n_iter_ == 2
    two_epochs = HalfNetClassifier(**params, max_iter=2).fit(X, y)
    np.testing.assert_array_equal(stopped.predict_proba(X_val), two_epochs.predict_proba(X_val))
