"""Check the built HTML against the package's public names and documentation links.

Run after ``sphinx-build -b html docs docs/_build/html``::

    python docs/check_doc_links.py docs/_build/html

It fails (exit status 1) when

- the documentation link of an estimator's HTML representation (the "?" icon,
  ``estimator._get_doc_link()``) points at a page the build did not produce,
- a public name (in ``__all__`` of :mod:`skhalfnet` or of its subpackages) has no
  page in the API reference, or
- a link or image between the built pages leads nowhere: a relative ``href`` or
  ``src`` whose file is missing, or whose ``#anchor`` is not an ``id`` in that file.
  (Links to other sites are not followed; the build has no network.)
- a page's text carries internal wording meant for the project's own tracker
  ("issue 8") or a path of the machine that built it (``/work/...``, ``/tmp/...``).
  The highlighted source listings under ``_modules/`` are left out: they show the
  package's code as it is.
"""

import argparse
import inspect
import re
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

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


class _LinksAndIds(HTMLParser):
    """The relative links (``href``, ``src``) and the element ids of one HTML page."""

    def __init__(self):
        super().__init__()
        self.links, self.ids = [], set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        if tag == "a" and attrs.get("name"):
            self.ids.add(attrs["name"])
        for key in ("href", "src"):
            target = attrs.get(key)
            if target and not urlsplit(target).scheme and not target.startswith("//"):
                self.links.append(target)


def _parse(page: Path) -> _LinksAndIds:
    parser = _LinksAndIds()
    parser.feed(page.read_text(encoding="utf-8", errors="replace"))
    return parser


def internal_link_problems(html: Path) -> list[str]:
    """Relative links of the built pages whose file or anchor does not exist."""
    pages = {
        page.resolve(): _parse(page)
        for page in html.rglob("*.html")
        if "_static" not in page.relative_to(html).parts  # the theme's templates
    }
    problems = []
    for page, parsed in pages.items():
        for link in parsed.links:
            parts = urlsplit(link)
            path, anchor = parts.path, parts.fragment
            target = (page.parent / unquote(path)).resolve() if path else page
            if not target.exists():
                problems.append(f"{page.relative_to(html.resolve())}: {link} does not exist")
            elif anchor and target.suffix == ".html":
                ids = pages[target].ids if target in pages else _parse(target).ids
                if unquote(anchor) not in ids:
                    problems.append(f"{page.relative_to(html.resolve())}: no anchor in {link}")
    return problems


INTERNAL = re.compile(
    r"(?<![\w#-])[Ii]ssues? \d+\b"  # the project's tracker, not a public one (dask-ml#1016)
    r"|(?<![\w.])/(?:work|tmp|home|root|opt|mnt|srv)/[\w.-]+"  # a machine's absolute paths
)


class _Text(HTMLParser):
    """The text of a page, without scripts and styles."""

    def __init__(self):
        super().__init__()
        self.parts, self._skip = [], 0

    def handle_starttag(self, tag, attrs):
        self._skip += tag in ("script", "style")

    def handle_endtag(self, tag):
        self._skip -= tag in ("script", "style") and self._skip > 0

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def page_text(page: Path) -> str:
    parser = _Text()
    parser.feed(page.read_text(encoding="utf-8", errors="replace"))
    return " ".join(parser.parts)


def internal_wording_problems(html: Path) -> list[str]:
    """Pages whose text names the project's issues or the build machine's paths."""
    problems = []
    for page in sorted(html.rglob("*.html")):
        parts = page.relative_to(html).parts
        if parts[0] in ("_static", "_modules"):
            continue
        for match in sorted(set(INTERNAL.findall(page_text(page)))):
            problems.append(f"{page.relative_to(html)}: internal wording or path {match!r}")
    return problems


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("html", type=Path, help="the html output directory of sphinx-build")
    args = parser.parse_args(argv)
    problems = (
        doc_link_problems(args.html)
        + api_page_problems(args.html)
        + internal_link_problems(args.html)
        + internal_wording_problems(args.html)
    )
    for problem in problems:
        print(problem, file=sys.stderr)
    if not problems:
        print(
            f"{len(ESTIMATORS)} estimator documentation links, {len(public_names())} API "
            f"pages and the links between the pages found in {args.html}; no internal "
            "wording or machine paths"
        )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
