"""What pytest collects under docs/: the markdown pages' doctests, nothing else.

``conf.py`` configures Sphinx; ``_build``, ``auto_examples`` and ``api/generated``
are build outputs (the gallery's copies of the examples among them); the examples
run when the site is built, not under pytest. (``docs/__init__.py`` gives this file
the module name ``docs.conftest``, so that it does not clash with ``tests/conftest.py``
under ``--doctest-modules``.)
"""

collect_ignore = [
    "conf.py",
    "conftest.py",
    "check_doc_links.py",
    "_gallery_order.py",
    "screenshots.py",
]
collect_ignore_glob = ["_build/*", "auto_examples/*", "api/*"]
