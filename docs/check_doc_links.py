"""Check the built HTML against the package's public names and documentation links.

Run after ``sphinx-build -b html docs docs/_build/html``::

    python docs/check_doc_links.py docs/_build/html

It fails (exit status 1) when

- the documentation link of an estimator's HTML representation (the "?" icon,
  ``estimator._get_doc_link()``) points at a page the build did not produce, or
- a public name (in ``__all__`` of :mod:`skhalfnet` or of its subpackages) has no
  page in the API reference.
"""

import argparse
import inspect
import sys
from pathlib import Path

import skhalfnet
from skhalfnet import datasets, kernels, plotting
from skhalfnet._base import DOCS_URL

ESTIMATORS = (skhalfnet.HalfNetClassifier, skhalfnet.HalfNetRegressor, skhalfnet.HalfNetTransformer)
MODULES = (skhalfnet, datasets, kernels, plotting)


def doc_link_problems(html: Path) -> list[str]:
    """Estimators whose HTML-repr link does not lead to a built page."""
    problems = []
    for estimator in ESTIMATORS:
        link = estimator()._get_doc_link()
        if not link.startswith(DOCS_URL):
            problems.append(f"{estimator.__name__}: link {link!r} is outside {DOCS_URL}")
        elif not (html / link.removeprefix(DOCS_URL)).is_file():
            problems.append(f"{estimator.__name__}: {link} has no page in {html}")
    return problems


def public_names() -> list[str]:
    """Dotted names of the public objects, without the subpackages themselves."""
    names = []
    for module in MODULES:
        for name in module.__all__:
            if not inspect.ismodule(getattr(module, name)):
                names.append(f"{module.__name__}.{name}")
    return names


def api_page_problems(html: Path) -> list[str]:
    """Public names with no page under ``api/generated``."""
    pages = html / "api" / "generated"
    return [
        f"{name}: no API page {pages / name}.html"
        for name in public_names()
        if not (pages / f"{name}.html").is_file()
    ]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("html", type=Path, help="the html output directory of sphinx-build")
    args = parser.parse_args(argv)
    problems = doc_link_problems(args.html) + api_page_problems(args.html)
    for problem in problems:
        print(problem, file=sys.stderr)
    if not problems:
        print(
            f"{len(ESTIMATORS)} estimator documentation links and "
            f"{len(public_names())} API pages found in {args.html}"
        )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
