"""Docstring pieces shared by the three HalfNet estimators (indented for class docstrings)."""

from textwrap import indent

COMMON_PARAMETERS = """\
n_hidden : int, default=1600
    Number of hidden units H (random features). The default, with
    ``learning_rate_init=0.1`` and ``max_iter="auto"``, was chosen for the time
    to reach 0.98 accuracy on MNIST's validation split: width 1600 in 1,175
    steps was as accurate there as width 2000 (the default through 0.2.0) in
    1,400 steps, and on the tuning sets of ``benchmarks/tuning/tune_geometry.py``
    level with it within their spreads (``benchmarks/tuning/tune_width.py``,
    ``docs/suite/tuning/width.md``). Wider layers approximate the exact kernel
    more closely.

rank : int or None, default=None
    Rank k of the learned covariance Σ = V Vᵀ of the hidden weights, so V has
    shape (n_features, rank). ``None`` means ``min(64, n_features)``. A rank
    larger than ``n_features`` is capped to ``n_features`` with a
    :class:`~skhalfnet.RankCappedWarning` (so a grid over ``rank`` runs on narrow tables too;
    ``rank_`` is the rank used). Ignored with ``covariance="identity"``.

activation : {"relu", "cos", "erf", "tanh"}, default="relu"
    Activation φ of the hidden layer. With ``"cos"`` the features are
    ``sqrt(2) cos(a)`` with a hidden bias uniform on [0, 2π] (random Fourier
    features of a Gaussian kernel in the learned metric); the other
    activations use a hidden bias drawn from N(0, ``bias_scale**2``).

covariance : {"auto", "lowrank", "identity"}, default="auto"
    ``"lowrank"`` learns V (HalfNet, as in the paper). ``"identity"`` fixes
    Σ = I: the hidden weights are plain N(0, I / n_features) draws and only
    the head learns (an extreme learning machine / random-features network).
    ``"auto"`` asks held-out rows how much geometry the data support: on 20
    to 10,000 rows (for a regressor, only where V has at least as many
    numbers as there are rows, ``n_features * rank_ >= n_samples``), ``fit``
    trains both on 75 % of the rows with the same draws, for half the final
    fit's epochs, and compares them on the other 25 %: a classifier keeps
    ``"lowrank"`` only if its 0/1 error there is lower row by row by more
    than 1.5 paired standard errors, a regressor only if its held-out loss
    is below 0.8 times the identity's. The choice is refitted on all rows
    from the same initial weights (the identity's candidate is cheap: its
    hidden layer is computed once; the choice costs one to two fits);
    elsewhere, and in ``partial_fit``, it is ``"lowrank"``. ``covariance_``
    tells which was used. A warm start continues the fitted choice. Rows
    repeated in X can fall on both sides of the split and favour
    ``"lowrank"``: pass counts as ``sample_weight``.

init : {"pca", "random"}, default="pca"
    Initial V: the top weighted principal directions of the training data
    (random directions where the data span fewer), or random Gaussian
    directions. Either is rescaled so that the pre-activations have unit
    variance over the training data.

bias_scale : float, default=1.0
    Standard deviation of the fixed random hidden bias for relu, erf and tanh.

alpha : float, default=0.0
    L2 penalty on V and the head's weights, as in scikit-learn's MLP:
    ``alpha / (2 * batch rows) * (||V||² + ||W_head||²)`` is added to each
    batch's mean loss.

batch_size : int, default=256
    Rows per Adam step (all rows when there are fewer).

learning_rate : {"cosine", "adaptive", "constant"}, default="cosine"
    Step-size schedule of ``fit``. ``"cosine"`` warms the steps up linearly
    over the first 5 % of the steps (at most one epoch), then lowers them
    along a half cosine to zero at the end of ``max_iter`` epochs: the fit
    runs its ``max_iter`` epochs as a budget (``tol`` on the training loss
    does not cut it short; ``early_stopping`` on the validation score does),
    and a ``warm_start`` refit runs a new cosine. In the last sixth of a
    cosine fit's steps, where V's step has fallen below a tenth of its peak,
    only the head trains: those steps skip V's gradient. ``"adaptive"`` divides
    both steps by 5 each time two epochs in a row fail to improve the
    training loss (or the validation score with ``early_stopping``) by
    ``tol``; ``"constant"`` keeps them. ``partial_fit`` ignores this: a
    stream has no end to anneal towards, so its steps start at 0.6 times the
    peak and fall with the number of steps taken over all calls, as
    ``1 / sqrt(1 + steps / 1000)``, never below a tenth of the first
    (whatever the chunk sizes, and never because a call failed to improve);
    and the weights it predicts with are a running average of the trained
    weights over about the last 40 steps, which does for a stream what the
    end of the cosine does for ``fit``.

learning_rate_init : float, default=0.1
    Peak Adam step of the head at ``n_hidden=4000``. The head's step is
    ``learning_rate_init * sqrt(4000 / n_hidden)`` and V's is
    ``0.1 * learning_rate_init * sqrt(64 / rank)`` (each factor capped at 10),
    which keeps training alike across widths and ranks. The default suits the
    cosine schedule, which spends few steps at its peak (it was chosen on
    MNIST's validation split, ``benchmarks/tuning/tune_speed.py``); with
    ``"constant"`` or ``"adaptive"`` steps, 0.03 is a safer start.

max_iter : int or "auto", default="auto"
    Maximum number of epochs (passes over the training data); with the
    cosine schedule, the length of the schedule. ``"auto"`` follows the
    number of training rows n: about 1,175 Adam steps in whole epochs, at
    least 2 and at most 30 epochs (60 for the regressor). At the default
    batch of 256 that is 30 epochs up to about 10,000 rows (a few dozen
    full-batch steps on a small table, which cannot memorise it; the
    regressor's 60 up to about 4,900 rows, where smooth targets still
    underfit at 30), 15 at 20,000, 5 at 60,000 (MNIST), 4 at 100,000 and 2
    from about 150,000 rows. It was chosen on the tuning sets of
    ``benchmarks/tuning/tune_budget.py`` and ``probe_budget.py``, and its
    step count with the width (``tune_width.py``; records in
    ``docs/suite/tuning/``); ``partial_fit`` runs one epoch per call.

shuffle : bool, default=True
    Whether to shuffle the rows each epoch.

tol : float, default=1e-4
    Improvement of the training loss (or of the validation score with
    ``early_stopping``) below which an epoch counts as no improvement. With
    the cosine schedule, only the validation score stops a fit early.

n_iter_no_change : int, default=10
    Training stops after more than this many epochs without improvement.

early_stopping : bool, default=False
    Hold out ``validation_fraction`` of the training rows (stratified for
    classification), stop when the validation score stops improving, and
    restore the weights of the best epoch. Sample and class weights weigh
    the validation score too.

validation_fraction : float, default=0.1
    Fraction of the training rows held out with ``early_stopping``.

warm_start : bool, default=False
    Continue from the fitted weights (and Adam state) on the next ``fit``, in
    the ``precision`` set then. The regressor standardises the targets of each
    such fit with that fit's own data, as a fresh fit does.

device : {"auto", "cpu", "cuda"}, default="auto"
    Where torch trains: ``"auto"`` picks CUDA when available. The fitted
    weights are stored as numpy arrays, so a model fitted on CUDA predicts
    on a CPU-only machine.

precision : {"auto", "float32", "bfloat16", "float64"}, default="auto"
    Arithmetic of training, whatever the input's dtype: rows are cast to it
    batch by batch, so float64 data from a ``StandardScaler`` (or a uint8
    memory map) train as fast as float32 data and are never copied whole in
    float32 or float64. Under bfloat16 autocast, float32 and float64 rows are
    cast to bfloat16 once per fit where that copy, smaller than X, takes at
    most 256 MiB.
    ``"float32"`` keeps the weights and every matmul in float32;
    ``"bfloat16"`` runs the matmuls under torch's bfloat16 autocast while
    the weights, Adam's state and the loss stay float32; ``"auto"`` does so
    where the hardware runs bfloat16 natively (CPUs with AVX512-BF16 or
    AMX, CUDA GPUs with bfloat16) and uses float32 elsewhere;
    ``"float64"`` trains exactly in float64. Under ``"auto"``, sparse data
    train in float32 (torch has no bfloat16 sparse matmul; an explicit
    ``"bfloat16"`` on sparse data is an error), so a sparse and a dense copy
    of the same data can give models that differ within bfloat16's rounding
    (``"float32"`` gives them the same model), and float64 data with values
    beyond 1e30 train in float64 (float32 would overflow). Predictions for
    float64 input run in float64 (a row's output then depends on the rows
    predicted with it only in the last bits, about 1e-15 relative: the
    matmuls sum in an order that follows the batch's size), others in the
    dtype of the fitted weights; they are
    returned as float32 for float32 input and float64 otherwise. A
    ``warm_start`` refit or a ``partial_fit`` trains in the precision set
    now: after ``set_params(precision="float64")`` the fitted weights and
    Adam's moments are converted to float64 (and back to float32, rounded,
    for the other precisions).

n_jobs : int or None, default=None
    Torch threads during ``fit`` and prediction, restored afterwards.
    ``None`` uses ``OMP_NUM_THREADS`` when set (joblib's process workers set
    it, so a parallel grid search does not oversubscribe the cores), and
    torch's own setting otherwise; ``-1`` means all cores. Counts above the
    number of CPUs (``joblib.cpu_count()``) are clipped to it; 0 or a
    non-integer set after fitting raises a ValueError at prediction. Results are
    bit-identical for a fixed ``random_state`` and thread count on one
    machine; other thread counts may differ in the last bits.

random_state : int, RandomState instance or None, default=None
    Seeds the random hidden weights, the initial V, the validation split and
    the shuffling, through local generators (torch and numpy's global seeds
    are never touched). An int gives identical results run after run on
    the same machine.

verbose : int or bool, default=0
    Print the loss (and validation score) after each epoch."""

COMMON_ATTRIBUTES = """\
components_ : ndarray of shape (``rank_``, ``n_features_in_``)
    Vᵀ, the learned factor of Σ = V Vᵀ; the rows span the learned subspace.
    A sparse identity matrix with ``covariance="identity"``.

spectrum_ : ndarray of shape (``rank_``,)
    Eigenvalues of Σ = V Vᵀ (the squared singular values of V), in descending
    order. The hidden weights' covariance is Σ / ``rank_``.

effective_rank_ : float
    Effective rank of Σ (Roy & Vetterli, 2007): ``exp(-sum(p * log p))`` with
    ``p = spectrum_ / spectrum_.sum()``; it equals r for r equal eigenvalues.

random_weights_ : ndarray of shape (n_hidden, ``rank_``)
    The frozen N(0, 1) draws Z; the hidden weights are ``V Z.T / sqrt(rank_)``.

hidden_bias_ : ndarray of shape (n_hidden,)
    The frozen random hidden bias.

head_coef_ : ndarray of shape (n_hidden, n_outputs)
    Weights of the trained linear head.

head_intercept_ : ndarray of shape (n_outputs,)
    Bias of the trained linear head.

rank_ : int
    The rank used (``n_features_in_`` with ``covariance="identity"``).

covariance_ : {"lowrank", "identity"}
    The covariance the network was trained with: ``covariance``, or what
    ``"auto"`` chose.

geometry_scores_ : dict or None
    With ``covariance="auto"``, when the choice was made: each candidate's
    mean error on the held-out rows (the 0/1 error for classifiers, the
    share of wrong labels for multilabel targets; for regressors half the
    squared error on standardised targets, or the scaled half Poisson
    deviance), and ``"z"``, the learned geometry's mean advantage row by row
    in paired standard errors: ``{"lowrank": ..., "identity": ..., "z": ...}``.
    A classifier chose ``"lowrank"`` when ``z > 1.5``, a regressor when its
    error was below 0.8 times the identity's. None otherwise.

n_trainable_params_ : int
    Number of trained parameters: V (unless identity) and the head.

loss_curve_ : list of float
    Mean training loss (with the penalty) after each epoch.

best_loss_ : float
    Lowest training loss seen (also with ``early_stopping``).

n_iter_ : int
    Number of epochs run, over all calls with ``warm_start`` or ``partial_fit``.

validation_scores_ : list of float or None
    Validation score after each epoch with ``early_stopping``, else None.

best_validation_score_ : float or None
    Best validation score with ``early_stopping``, else None.

n_features_in_ : int
    Number of features seen during fit.

feature_names_in_ : ndarray of shape (``n_features_in_``,)
    Names of features seen during fit, when X has string column names."""


COMMON_PARAMETERS = indent(COMMON_PARAMETERS, "    ")
COMMON_ATTRIBUTES = indent(COMMON_ATTRIBUTES, "    ")
