"""Settings of the speed benchmark that its report needs too (no imports: no cycles)."""

SEED = 0
#: HalfNet's device in every row: the peers run on the CPU ("auto" would take a GPU).
DEVICE = "cpu"
#: The row of bench_speed.HALFNET_ROWS that is the estimator with its defaults.
DEFAULT_ROW = "HalfNet defaults"
#: The MLP HalfNet's times are compared with (the fastest of these rows at each target).
REFERENCE_MLP = (
    "MLPClassifier(256), batch 128",
    "MLPClassifier(256), batch 200",
    "MLPClassifier(256), batch 256",
)
