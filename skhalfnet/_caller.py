"""Warnings that point at the user's line, however deep in the library they are raised.

A fixed ``stacklevel`` is right for one call path only: the same warning raised
under ``fit``, ``partial_fit``, a pipeline or a grid search sits at a different
depth, and scikit-learn's fit wrapper and context managers add frames of their
own. :func:`warn` counts the frames up to the first one outside skhalfnet,
scikit-learn, joblib (a grid search's workers) and the standard library's
:mod:`contextlib`, as Python 3.12's ``skip_file_prefixes`` would.
"""

from __future__ import annotations

import contextlib
import os
import sys
import warnings

import joblib
import sklearn

#: Frames from files under these folders are the library's, not the caller's.
LIBRARY_FOLDERS = (
    *(os.path.dirname(package.__file__) + os.sep for package in (sklearn, joblib)),
    os.path.dirname(__file__) + os.sep,
    contextlib.__file__,
)


def caller_stacklevel() -> int:
    """The ``stacklevel`` for :func:`warnings.warn` called by this function's caller."""
    frame, level = sys._getframe(1), 1
    while frame is not None and frame.f_code.co_filename.startswith(LIBRARY_FOLDERS):
        frame, level = frame.f_back, level + 1
    return level


def warn(message: str, category: type[Warning]) -> None:
    """``warnings.warn`` attributed to the first frame outside the library."""
    warnings.warn(message, category, stacklevel=caller_stacklevel())
