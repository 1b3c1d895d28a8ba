"""Test-session setup shared by the test suite and the doctests."""

import os

# scikit-learn's array-API estimator check runs (instead of being skipped) only
# when scipy is imported with its array-API support switched on.
os.environ.setdefault("SCIPY_ARRAY_API", "1")
