"""Sphinx configuration of the skhalfnet documentation.

Build the site from the repository root with::

    pip install -e ".[docs]"
    sphinx-build -W --keep-going -b html docs docs/_build/html

The gallery (``examples/plot_*.py``) is executed during the build; add
``-D plot_gallery=0`` to skip it while editing prose.

Links into the documentation of scikit-learn, numpy, scipy and torch
(intersphinx) need their ``objects.inv`` inventories from the network. They are
fetched only when ``SKHALFNET_DOCS_INTERSPHINX=1`` is set (Read the Docs builds,
which set ``READTHEDOCS=True``, turn them on by default); offline builds, as in
CI, leave those names as plain code instead of failing on the download.
"""

import logging
import os
import re
import sys
from pathlib import Path

# Tiny example networks train fastest on one thread, and one thread keeps a
# shared machine from being oversubscribed. Set before torch is imported.
os.environ.setdefault("OMP_NUM_THREADS", "1")

DOCS = Path(__file__).resolve().parent
sys.path.insert(0, str(DOCS))  # for the local helpers of the build

from _gallery_order import SUBSECTIONS  # noqa: E402

import skhalfnet  # noqa: E402

project = "skhalfnet"
author = "skhalfnet developers"
copyright = "2026, skhalfnet developers"
version = release = skhalfnet.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    "sphinx-mathjax-offline",  # MathJax served with the site, so an offline copy shows formulas
    "sphinx.ext.viewcode",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
    "myst_parser",
    "sphinx_copybutton",
]

# The copy button leaves out the prompts and the output of console and doctest blocks.
copybutton_prompt_text = r">>> |\.\.\. |\$ |In \[\d*\]: | {2,5}\.\.\.: "
copybutton_prompt_is_regexp = True
copybutton_only_copy_prompt_lines = True

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
templates_path = ["_templates"]
exclude_patterns = [
    "_build",
    "conftest.py",
    "Thumbs.db",
    ".DS_Store",
]

# -- autodoc / autosummary / numpydoc ----------------------------------------

autosummary_generate = True
autodoc_typehints = "none"  # numpydoc's Parameters sections carry the types
autodoc_default_options = {"members": True, "inherited-members": True}
add_module_names = False
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False

# -- intersphinx --------------------------------------------------------------


def _intersphinx_enabled() -> bool:
    flag = os.environ.get("SKHALFNET_DOCS_INTERSPHINX")
    if flag is not None:
        return flag.strip().lower() not in {"", "0", "false", "no"}
    return os.environ.get("READTHEDOCS", "").lower() == "true"


intersphinx_mapping = (
    {
        "python": ("https://docs.python.org/3", None),
        "numpy": ("https://numpy.org/doc/stable/", None),
        "scipy": ("https://docs.scipy.org/doc/scipy/", None),
        "sklearn": ("https://scikit-learn.org/stable/", None),
        "torch": ("https://docs.pytorch.org/docs/stable/", None),
        "matplotlib": ("https://matplotlib.org/stable/", None),
    }
    if _intersphinx_enabled()
    else {}
)
intersphinx_timeout = 10

# -- MyST (the markdown pages) -------------------------------------------------

myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence", "deflist"]
myst_heading_anchors = 3

# -- sphinx-gallery -----------------------------------------------------------

sphinx_gallery_conf = {
    "examples_dirs": str(DOCS.parent / "examples"),
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    # The topics in order (the three readings, metric learning, kernels, speed and scale).
    "subsection_order": [f"../examples/{name}" for name in SUBSECTIONS],
    "within_subsection_order": "_gallery_order.GalleryOrder",
    "doc_module": ("skhalfnet",),
    "backreferences_dir": "api/generated/backreferences",
    "remove_config_comments": True,
    "show_memory": False,
    "min_reported_time": 1,
}

# -- HTML -----------------------------------------------------------------------

html_theme = "pydata_sphinx_theme"
html_title = f"skhalfnet {release}"
html_static_path = ["_static"]
html_css_files = ["skhalfnet.css"]
REPOSITORY_URL = "https://github.com/skhalfnet/skhalfnet"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "header_links_before_dropdown": 6,
    # The "On this page" contents stay on every page (the theme's default). The API
    # pages, whose contents list every inherited method and ran off the page, remove
    # theirs with a field at the top of their templates (docs/_templates/*.rst): a
    # dict here would have to match every other page too.
    "github_url": REPOSITORY_URL,
}
# The getting-started page has no subpages: no empty "Section Navigation" column.
html_sidebars = {"getting_started": []}
html_context = {"default_mode": "light"}


# -- scikit-learn's inherited docstrings ---------------------------------------
# The estimators inherit methods such as ``score``, ``set_output`` and the
# ``set_*_request`` family from scikit-learn, and their docstrings refer to
# labels and glossary terms of scikit-learn's own site. Intersphinx resolves
# them when it is on; offline, they are shown as plain text. Only references
# that come from scikit-learn's docstrings are handled here: a broken reference
# in skhalfnet's own text still fails the build.


def _sklearn_docstring_reference(app, env, node, contnode):
    if "docstring of sklearn." in (node.source or ""):
        return contnode
    return None


# -- optional pages -------------------------------------------------------------
# Some pages (``speed*``, ``scaling*`` and the pages in ``speed/`` and ``scale/``
# other than the ``results`` tables) are listed in the toctrees by glob patterns so
# that they join the site when they are written. A pattern that
# matches no page yet is not an error. (Sphinx's ``suppress_warnings`` cannot
# silence this warning, which carries a subtype but no type, so it is filtered.)
OPTIONAL_GLOBS = ("'speed*'", "'speed/[!r]*'", "'scaling*'", "'scale/[!r]*'")


class _OptionalGlobFilter(logging.Filter):
    def filter(self, record):
        message = record.getMessage()
        return not (
            message.startswith("toctree glob pattern")
            and message.endswith("didn't match any documents")
            and any(pattern in message for pattern in OPTIONAL_GLOBS)
        )


# The ``results.md`` tables that the benchmark scripts write beside their data
# (``mnist/results.md``, ...) are linked from the benchmark pages, not listed in the
# navigation: they are marked as orphan documents.


def _orphan_benchmark_tables(app, docname, source):
    if docname.rsplit("/", 1)[-1] == "results" and "/" in docname:
        source[0] = "---\norphan: true\n---\n" + source[0]


# Methods inherited from scikit-learn (``set_fit_request``, ``get_metadata_routing``, ...)
# carry scikit-learn's version notes, which would read as skhalfnet's own: they are
# rewritten to name scikit-learn.
_SKLEARN_VERSION_NOTE = re.compile(r"^(\s*)\.\. (versionadded|versionchanged):: (\S+)")


def _mark_inherited_version_notes(app, what, name, obj, options, lines):
    module = getattr(obj, "__module__", "") or ""
    if not module.startswith("sklearn"):
        return
    for i, line in enumerate(lines):
        match = _SKLEARN_VERSION_NOTE.match(line)
        if match:
            indent, kind, version = match.groups()
            verb = "Added" if kind == "versionadded" else "Changed"
            lines[i] = f"{indent}*{verb} in scikit-learn {version}.*"


def setup(app):
    app.connect("autodoc-process-docstring", _mark_inherited_version_notes)
    app.connect("source-read", _orphan_benchmark_tables)
    # After intersphinx (priority 500), which resolves these when it has the inventory.
    app.connect("missing-reference", _sklearn_docstring_reference, priority=900)
    logging.getLogger("sphinx.sphinx.directives.other").addFilter(_OptionalGlobFilter())
