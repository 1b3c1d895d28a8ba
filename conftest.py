"""Test-session setup shared by the test suite and the doctests."""

import os

# scikit-learn's array-API estimator check runs (instead of being skipped) only
# when scipy is imported with its array-API support switched on.
os.environ.setdefault("SCIPY_ARRAY_API", "1")
# The tests fit tiny networks: one thread is fastest for them, and it keeps a
# shared or loaded machine from being oversubscribed by OpenMP's spinning threads
# (measured here: the whole suite in 20 s with one thread, over 15 min with two
# under load). Set before torch is imported.
os.environ.setdefault("OMP_NUM_THREADS", "1")
