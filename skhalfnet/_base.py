"""The estimator layer shared by the HalfNet estimators (it imports no torch: torch work goes
through :mod:`skhalfnet._layer`, :mod:`skhalfnet._training` and :mod:`skhalfnet._threads`).

:class:`BaseHalfNet` validates parameters and data, draws the random weights,
initialises V, hands numpy arrays to :mod:`skhalfnet._training` and keeps the
fitted network as plain numpy attributes, so a fitted estimator is device
independent: one fitted on CUDA pickles and predicts on a CPU-only machine.
"""

from __future__ import annotations

import dataclasses
import warnings
from abc import abstractmethod
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import (
    _check_sample_weight,
    check_is_fitted,
    validate_data,
)

from . import _callbacks, _caller, _layer, _selection, _training
from ._init import initial_components
from ._layer import NetworkState
from ._rules import (  # noqa: F401  (re-exported: tests and benchmarks read them here)
    AUTO_MAX_EPOCHS,
    AUTO_MAX_EPOCHS_REGRESSION,
    AUTO_MIN_EPOCHS,
    AUTO_STEPS,
    DEFAULT_RANK,
    INPUT_DTYPES,
    _physical_memory,
    _rows_of,
    buffer_bytes,
    effective_rank,
    learning_rates,
    output_dtype,
    resolved_epochs,
    training_dtype,
    weight_bytes,
)
from ._threads import effective_threads, torch_threads
from .kernels import halfnet_kernel


class RankCappedWarning(UserWarning):
    """``rank`` was larger than the number of features and was capped to it."""


#: Where the API reference lives: the HTML repr's "?" links to the estimator's page there.
DOCS_URL = "https://skhalfnet.readthedocs.io/en/latest/"


class BaseHalfNet(_callbacks.CallbackSupportMixin, BaseEstimator):
    """Parameters, validation and training shared by the HalfNet estimators."""

    _doc_link_module = "skhalfnet"
    _doc_link_template = DOCS_URL + "api/generated/skhalfnet.{estimator_name}.html"

    _parameter_constraints: dict = {
        "n_hidden": [Interval(Integral, 1, None, closed="left")],
        "rank": [Interval(Integral, 1, None, closed="left"), None],
        "activation": [StrOptions(set(_layer.ACTIVATIONS))],
        "covariance": [StrOptions({"auto", "lowrank", "identity"})],
        "init": [StrOptions({"pca", "random"})],
        "bias_scale": [Interval(Real, 0, None, closed="left")],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "learning_rate": [StrOptions({"constant", "adaptive", "cosine"})],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
        "max_iter": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
        "shuffle": ["boolean"],
        "tol": [Interval(Real, 0, None, closed="left")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "warm_start": ["boolean"],
        "device": [StrOptions({"auto", "cpu", "cuda"})],
        "precision": [StrOptions({"auto", "float32", "bfloat16", "float64"})],
        "n_jobs": [
            Interval(Integral, None, -1, closed="right"),
            Interval(Integral, 1, None, closed="left"),
            None,
        ],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    @abstractmethod
    def __init__(
        self,
        n_hidden,
        rank,
        *,
        activation,
        covariance,
        init,
        bias_scale,
        alpha,
        batch_size,
        learning_rate,
        learning_rate_init,
        max_iter,
        shuffle,
        tol,
        n_iter_no_change,
        early_stopping,
        validation_fraction,
        warm_start,
        device,
        precision,
        n_jobs,
        random_state,
        verbose,
    ):
        self.n_hidden = n_hidden
        self.rank = rank
        self.activation = activation
        self.covariance = covariance
        self.init = init
        self.bias_scale = bias_scale
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.warm_start = warm_start
        self.device = device
        self.precision = precision
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.verbose = verbose

    # -- hooks for the subclasses -------------------------------------------------

    @abstractmethod
    def _prepare_targets(self, y, weights, first_call: bool, classes=None, incremental=False):
        """Return (targets, loss name, number of outputs, sample weights).

        ``incremental`` tells a ``partial_fit`` from a ``warm_start`` refit (both
        continue the fitted network: ``first_call`` is False for both).
        """

    @abstractmethod
    def _validation_scorer(self, targets, weights):
        """Return score(head outputs) -> float for the early-stopping rows."""

    def _stratify(self, targets):
        return None

    # -- shared machinery ---------------------------------------------------------

    def _validate_input(self, X, y, reset: bool):
        X, y = validate_data(
            self,
            X,
            y,
            reset=reset,
            accept_sparse="csr",
            dtype=INPUT_DTYPES,
            multi_output=True,
            y_numeric=False,
        )
        if sp.issparse(X) and not X.has_sorted_indices:
            X = X.sorted_indices()  # a sorted copy: the caller's matrix stays as it was
        return X, y

    def _resolved_rank(self, n_features: int, covariance: str) -> int:
        if covariance == "identity":
            return n_features
        if self.rank is None:
            return min(DEFAULT_RANK, n_features)
        if self.rank > n_features:
            _caller.warn(
                f"rank={self.rank} is larger than the number of features "
                f"(n_features = {n_features}); the factor V of Σ = V Vᵀ has at most "
                f"n_features columns, so rank {n_features} is used (see rank_).",
                RankCappedWarning,
            )
            return n_features
        return self.rank

    def _initial_state(self, X, weights, n_outputs, rank, covariance, seeds, dtype):
        random_weights, hidden_bias = _layer.draw_random_weights(
            seeds[0], self.n_hidden, rank, self.activation, self.bias_scale, dtype
        )
        if covariance == "identity":
            components = None
        else:
            rng = np.random.RandomState(seeds[1])
            components = initial_components(X, weights, rank, self.init, rng)
            with np.errstate(over="ignore"):
                components = components.astype(dtype)
            if not np.isfinite(components).all():
                raise ValueError(
                    f"The values of X are too small or too large for {np.dtype(dtype).name} "
                    "training: the initial V, which scales X to unit spread, overflows. "
                    "Scale X (e.g. with a StandardScaler) or use precision='float64'."
                )
        return NetworkState(
            components=components,
            random_weights=random_weights,
            hidden_bias=hidden_bias,
            coef=np.zeros((self.n_hidden, n_outputs), dtype=dtype),
            intercept=np.zeros(n_outputs, dtype=dtype),
            activation=self.activation,
        )

    def _fit(self, X, y, sample_weight=None, *, incremental=False, classes=None):
        """Fit, or leave the estimator exactly as it was if anything fails or interrupts it."""
        if incremental and self.early_stopping:
            raise ValueError(
                "partial_fit does not support early_stopping=True: there is no held-out "
                "set in a stream. Use fit, or score your own validation data between calls."
            )
        before = dict(self.__dict__)
        max_epochs = 1 if incremental else self._epochs(_rows_of(X))
        try:
            with _callbacks.fit_callbacks(
                self,
                max_epochs=max_epochs,
                task_name="partial_fit" if incremental else "fit",
                X=X,
                y=y,
                sample_weight=sample_weight,
            ) as on_epoch:
                state, history, geometry = self._train(
                    X, y, sample_weight, incremental, classes, on_epoch
                )
            fitted = {
                **self.__dict__,
                **self._fitted_attributes(state, covariance=geometry["covariance"]),
                "geometry_scores_": geometry["scores"],
                **self._history_attributes(history),
                "_history": dataclasses.asdict(history),
            }
            # The store is inside the try: validation has already written to self, so
            # an interrupt just before it must also put the old state back.
            self.__dict__ = fitted
        except BaseException:
            # One store puts the old state back (or the new one in place above): an
            # interrupt can never leave a mix of the two, or an emptied estimator.
            self.__dict__ = before
            raise
        if (
            not incremental
            and self.learning_rate != "cosine"
            and not history.converged
            and not history.non_finite
        ):
            budget = f"max_iter={self.max_iter!r}"
            if self.max_iter == "auto":
                budget += f" ({max_epochs} epochs for these data)"
            _caller.warn(
                f"{type(self).__name__}: the epoch budget {budget} was "
                "reached and the optimisation has not converged yet.",
                ConvergenceWarning,
            )
        return self

    def _train(self, X, y, sample_weight, incremental, classes, on_epoch):
        """Validate, initialise and train; returns the new state and history (self is scratch)."""
        first_call = not ((incremental or self.warm_start) and hasattr(self, "head_coef_"))
        X, y = self._validate_input(X, y, reset=first_call)
        if sp.issparse(X) and self.precision == "bfloat16":
            raise ValueError(
                "precision='bfloat16' cannot be honoured for sparse X: torch has no "
                "bfloat16 sparse matmul. Use precision='auto' or 'float32' (sparse data "
                "train in float32), or densify X."
            )
        if first_call:
            dtype = training_dtype(self.precision, X)
            covariance = _selection.resolved_covariance(self.covariance)
            rank = self._resolved_rank(X.shape[1], covariance)
        else:
            covariance, rank = self._check_same_architecture(X.shape[1])
            # The precision asked for now: a changed one converts the fitted weights.
            dtype = training_dtype(self.precision, X)
        weights = _check_sample_weight(sample_weight, X, dtype=np.float64, ensure_non_negative=True)
        targets, loss, n_outputs, weights = self._prepare_targets(
            y, weights, first_call, classes, incremental=incremental
        )
        if not weights.sum() > 0:
            raise ValueError("The sample weights (times class weights) sum to zero.")
        lr_head, lr_components = learning_rates(self.learning_rate_init, self.n_hidden, rank)
        if max(lr_head, lr_components) > float(np.finfo(dtype).max):
            raise ValueError(
                f"learning_rate_init={self.learning_rate_init} gives Adam steps that overflow "
                f"{dtype}; use a smaller learning_rate_init."
            )
        self._check_memory(X, rank, n_outputs, dtype)
        if self.bias_scale > float(np.finfo(dtype).max):
            raise ValueError(
                f"bias_scale={self.bias_scale} overflows {np.dtype(dtype).name}, the dtype "
                "of the weights; use a bias_scale below "
                f"{float(np.finfo(dtype).max):.3g} (the hidden bias is N(0, bias_scale²))."
            )
        seeds = check_random_state(self.random_state).randint(np.iinfo(np.int32).max, size=4)

        early_stopping = self.early_stopping and not incremental
        train_rows, validation_rows, scorer = None, None, None
        if early_stopping:
            train_rows, validation_rows = train_test_split(
                np.arange(X.shape[0]),
                test_size=self.validation_fraction,
                random_state=seeds[2],
                stratify=self._stratify(targets),
            )
            scorer = self._validation_scorer(targets[validation_rows], weights[validation_rows])
        n_train = X.shape[0] if train_rows is None else len(train_rows)
        device = _layer.resolve_device(self.device)
        config = _training.TrainingConfig(
            loss=loss,
            batch_size=self.batch_size,
            max_iter=1 if incremental else self._resolved_epochs(n_train),
            lr_head=lr_head,
            lr_components=lr_components,
            # scikit-learn's MLP convention: alpha / (2 · rows in the batch) · ||W||²
            # is added to each batch's mean loss.
            weight_decay=self.alpha / min(self.batch_size, n_train),
            shuffle=self.shuffle,
            tol=self.tol,
            n_iter_no_change=self.n_iter_no_change,
            early_stopping=early_stopping,
            seed=int(seeds[3]),
            verbose=self.verbose,
            # A stream has no end to anneal towards: partial_fit's steps follow the
            # number of steps taken, whatever the calls (see _schedule.stream).
            schedule="stream" if incremental else self.learning_rate,
            autocast_dtype=(
                None
                if dtype == np.float64
                else _layer.autocast_dtype(self.precision, device, sp.issparse(X))
            ),
        )
        scores = None if first_call else self.geometry_scores_
        candidates = {}
        if first_call and _selection.makes_choice(
            self.covariance, X.shape[0], X.shape[1], rank, incremental, loss
        ):
            self._check_memory(X, X.shape[1], n_outputs, dtype)  # the identity candidate
            with torch_threads(effective_threads(self.n_jobs)):
                scores, candidates = self._held_out_errors(
                    X, targets, weights, n_outputs, rank, seeds, config, dtype, device
                )
            covariance = _selection.best_candidate(scores, config.loss)
            rank = X.shape[1] if covariance == "identity" else rank
        if first_call:
            # The winner starts from the initial state its candidate was given (the same
            # draws and V): drawn and initialised once, not again.
            state = candidates.get(covariance) or self._initial_state(
                X, weights, n_outputs, rank, covariance, seeds, dtype
            )
            history = _training.TrainingHistory()
        else:
            state = _layer.cast_state(self._network_state(), dtype)
            history = _training.TrainingHistory(**self._history)
        geometry = {"covariance": covariance, "scores": scores}
        n_features = X.shape[1]

        def snapshot(export):
            # A callback's copy owns its arrays: editing it never edits the model.
            state = export()
            state = dataclasses.replace(
                state,
                random_weights=state.random_weights.copy(),
                hidden_bias=state.hidden_bias.copy(),
            )
            return self._fitted_attributes(state, n_features, covariance)

        def epoch_hook(epoch, loss, export):
            return on_epoch(epoch, loss, lambda: snapshot(export))

        with torch_threads(effective_threads(self.n_jobs)):
            state, history = _training.fit_arrays(
                state,
                X,
                targets,
                weights,
                config,
                history,
                device=device,
                train_rows=train_rows,
                validation_rows=validation_rows,
                validation_scorer=scorer,
                on_epoch=epoch_hook,
            )
        return state, history, geometry

    def _held_out_errors(
        self, X, targets, weights, n_outputs, rank, seeds, config, dtype, device
    ) -> tuple[dict, dict]:
        """Each candidate geometry's mean error on held-out rows, trained on the others (same
        draws), the learned one's paired advantage ``z``, and each candidate's initial
        state (a refit on all rows starts from the same one).

        The split is stratified by class where every class has two rows; each
        candidate trains as the final fit will (same frozen draws and initial V),
        on the kept rows only, with no early stopping, for
        :data:`~skhalfnet._selection.CANDIDATE_BUDGET` of the budget rule's epochs.
        """
        kept, held_out = train_test_split(
            np.arange(X.shape[0]),
            test_size=_selection.HELD_OUT_FRACTION,
            random_state=seeds[2],
            stratify=self._stratify(targets),
        )
        candidate_config = dataclasses.replace(
            config,
            early_stopping=False,
            verbose=0,
            max_iter=_selection.candidate_epochs(self._resolved_epochs(len(kept))),
            weight_decay=self.alpha / min(self.batch_size, len(kept)),
        )
        errors, initial_states = {}, {}
        for covariance in _selection.CANDIDATES:
            state = initial_states[covariance] = self._initial_state(
                X,
                weights,
                n_outputs,
                X.shape[1] if covariance == "identity" else rank,
                covariance,
                seeds,
                dtype,
            )
            with warnings.catch_warnings():
                # A candidate that diverges loses the choice; its warning is not the user's.
                warnings.simplefilter("ignore", _training.NonFiniteLossWarning)
                trained, _ = _training.fit_arrays(
                    state,
                    X,
                    targets,
                    weights,
                    candidate_config,
                    _training.TrainingHistory(),
                    device=device,
                    train_rows=kept,
                )
            errors[covariance] = _training.held_out_errors(
                trained, X, targets[held_out], config.loss, held_out, device=device
            )
        held_out_weights = weights[held_out]
        scores = {
            name: float(np.average(row_errors, weights=held_out_weights))
            for name, row_errors in errors.items()
        }
        scores["z"] = _selection.paired_advantage(errors, held_out_weights)
        return scores, initial_states

    def _epochs(self, n_rows: int | None) -> int | None:
        """Epochs of a fit on ``n_rows`` rows, for the callbacks before X is validated.

        Under early stopping, the rows the split will hold out are taken off
        first, as ``train_test_split`` does.
        """
        if n_rows is not None and self.early_stopping:
            n_rows -= int(np.ceil(self.validation_fraction * n_rows))
        return self._resolved_epochs(n_rows)

    #: The most epochs ``max_iter="auto"`` gives (the regressor allows more).
    _auto_max_epochs = AUTO_MAX_EPOCHS

    def _resolved_epochs(self, n_train: int | None) -> int | None:
        """Epochs of a fit on ``n_train`` training rows (see :func:`resolved_epochs`)."""
        return resolved_epochs(self.max_iter, n_train, self.batch_size, self._auto_max_epochs)

    def _check_memory(self, X, rank: int, n_outputs: int, dtype) -> None:
        """Refuse sizes that cannot fit in memory before anything is allocated."""
        batch_rows = min(self.batch_size, X.shape[0])
        itemsize = np.dtype(dtype).itemsize
        weights = weight_bytes(self.n_hidden, rank, X.shape[1], n_outputs, itemsize)
        buffers = buffer_bytes(self.n_hidden, batch_rows, itemsize)
        needed = weights + buffers
        available = _physical_memory()
        if available is not None and needed > available:
            raise ValueError(
                f"n_hidden={self.n_hidden} with rank={rank} and {batch_rows} rows a batch "
                f"needs at least {needed / 2**30:.1f} GiB ({weights / 2**30:.1f} GiB for "
                f"the weights, which grow with n_hidden, rank and n_features, and "
                f"{buffers / 2**30:.1f} GiB of batch buffers, which grow with n_hidden "
                f"and batch_size), more than this machine's {available / 2**30:.1f} GiB "
                "of memory. Use a smaller n_hidden, rank or batch_size."
            )

    def _check_same_architecture(self, n_features: int) -> tuple[str, int]:
        """warm_start and partial_fit continue the fitted network: its shape must not change.

        Returns the fitted covariance and rank, which the continued training keeps
        (``covariance="auto"`` continues whatever the first fit chose).
        """
        layer = self._fitted_layer
        fitted = (
            self.random_weights_.shape,
            layer["activation"],
            layer["covariance"],
            layer["bias_scale"],
        )
        covariance = layer["covariance"] if self.covariance == "auto" else self.covariance
        rank = self._resolved_rank(n_features, covariance)
        wanted = ((self.n_hidden, rank), self.activation, covariance, self.bias_scale)
        if fitted != wanted:
            raise ValueError(
                "warm_start / partial_fit continue the fitted network, but n_hidden, rank, "
                "activation, covariance or bias_scale (which shaped the frozen random "
                f"weights) changed since it was fitted ({fitted} -> {wanted}). "
                "Set warm_start=False to fit a new network."
            )
        return covariance, rank

    def _fitted_attributes(
        self, state: NetworkState, n_features: int | None = None, covariance: str | None = None
    ) -> dict:
        """The public fitted attributes for the network ``state`` (a pure mapping)."""
        covariance = self._fitted_layer["covariance"] if covariance is None else covariance
        n_features = self.n_features_in_ if n_features is None else n_features
        if state.components is None:
            components = sp.identity(n_features, dtype=state.coef.dtype, format="csr")
            spectrum = np.ones(n_features, dtype=state.coef.dtype)
        else:
            components = state.components
            spectrum = np.linalg.svd(state.components, compute_uv=False) ** 2
        n_params = state.coef.size + state.intercept.size
        if state.components is not None:
            n_params += state.components.size
        return {
            "components_": components,
            "spectrum_": spectrum,
            "effective_rank_": effective_rank(spectrum),
            "random_weights_": state.random_weights,
            "hidden_bias_": state.hidden_bias,
            "head_coef_": state.coef,
            "head_intercept_": state.intercept,
            "rank_": state.random_weights.shape[1],
            "covariance_": covariance,
            "n_trainable_params_": int(n_params),
            # What the fitted arrays were drawn with, whatever set_params does later.
            "_fitted_layer": {
                "activation": state.activation,
                "covariance": covariance,
                "bias_scale": self.bias_scale,
            },
        }

    def _history_attributes(self, history) -> dict:
        return {
            "loss_curve_": list(history.loss_curve),
            "n_iter_": len(history.loss_curve),
            "best_loss_": history.best_loss if history.loss_curve else None,
            "validation_scores_": list(history.validation_scores) or None,
            "best_validation_score_": (
                history.best_validation_score if history.validation_scores else None
            ),
        }

    def _network_state(self) -> NetworkState:
        return NetworkState(
            components=None if sp.issparse(self.components_) else self.components_,
            random_weights=self.random_weights_,
            hidden_bias=self.hidden_bias_,
            coef=self.head_coef_,
            intercept=self.head_intercept_,
            activation=self._fitted_layer["activation"],
        )

    def _outputs(self, X, kind: str) -> np.ndarray:
        """Head outputs, features or projection of X, computed by the fitted network."""
        check_is_fitted(self, "head_coef_")
        X = validate_data(self, X, reset=False, accept_sparse="csr", dtype=INPUT_DTYPES)
        if self.device == "auto" or not _layer.torch.cuda.is_available():
            device = _layer.resolve_device("auto")
        else:
            device = _layer.resolve_device(self.device)
        with torch_threads(effective_threads(self.n_jobs)):
            # float64 input is answered in float64 arithmetic: each row's output then
            # depends on its batch in the last bits only (float32 sums, in the 7th digit).
            # Other inputs (float32, or integers cast batch by batch) use the weights' dtype.
            dtype = np.float64 if X.dtype == np.float64 else self.head_coef_.dtype
            outputs = _training.predict_arrays(
                self._network_state(), X, kind, device=device, dtype=dtype
            )
        return outputs.astype(output_dtype(X), copy=False)

    def kernel(self, X, Y=None) -> np.ndarray:
        """The exact infinite-width kernel of the fitted layer, in the learned metric.

        ``kernel(X, Y)[i, j]`` is the limit of ``transform`` features' inner
        products as ``n_hidden`` grows (see :mod:`skhalfnet.kernels`), so it
        can be passed as ``SVC(kernel=fitted.kernel)``, or precomputed for
        :class:`~sklearn.kernel_ridge.KernelRidge`; for Gaussian processes use
        :class:`skhalfnet.kernels.HalfNetKernel` (``HalfNetKernel.from_estimator(self)``).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples_X, n_features)
            Left rows.
        Y : {array-like, sparse matrix} of shape (n_samples_Y, n_features), default=None
            Right rows; ``None`` means ``X``.

        Returns
        -------
        K : ndarray of shape (n_samples_X, n_samples_Y)
            The kernel matrix, float64.
        """
        check_is_fitted(self, "head_coef_")
        X = validate_data(self, X, reset=False, accept_sparse="csr", dtype=np.float64)
        if Y is not None:
            Y = validate_data(self, Y, reset=False, accept_sparse="csr", dtype=np.float64)
        return halfnet_kernel(
            X,
            Y,
            activation=self._fitted_layer["activation"],
            components=self.components_,  # an identity model's sparse identity: Σ = I
            bias_scale=self._fitted_layer["bias_scale"],
        )

    def get_mahalanobis_matrix(self) -> np.ndarray:
        """Σ = V Vᵀ = ``components_.T @ components_``, shape (n_features, n_features).

        The Mahalanobis matrix of the learned metric
        ``d(x, x')² = (x - x')ᵀ Σ (x - x')`` (the name metric-learn uses). The
        hidden weights are draws from N(0, Σ / ``rank_``) (the layer scales the
        projection by ``1/sqrt(rank_)``); with ``covariance="identity"`` it
        returns I and the weights are N(0, I / ``n_features_in_``).
        """
        check_is_fitted(self, "components_")
        if sp.issparse(self.components_):
            return self.components_.toarray()
        return self.components_.T @ self.components_

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.target_tags.required = True
        tags.non_deterministic = False
        return tags
