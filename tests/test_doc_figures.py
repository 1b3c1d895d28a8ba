"""Every figure quoted in the documentation's prose comes from a committed result file.

``PAGES`` maps each page (README, the guide pages, the gallery's text cells) to the
result files it quotes: the ``results.md`` tables and ``*.jsonl`` records that the
scripts under ``benchmarks/`` write. The test takes every decimal number (``0.9828``,
``89.6``) and every number with thousands separators (``140,362``) from the page's
prose, leaving out code blocks, inline code, math and link targets, and requires it to
occur in one of the page's sources, either as written or as the rounding of a longer
number there (``0.983`` for ``0.9828``). A number that is not a result (a parameter
value, a version) goes in the page's ``NOT_RESULTS`` with the reason; a difference or
ratio of two results goes in ``DERIVED`` with the formula, whose operands must
themselves be in the sources. Anything else fails, so a figure from a replaced run, or
one typed by hand, cannot stay on a page.

To add a page that quotes results, add it to ``PAGES`` with its sources. A page not
listed may not contain figures at all (``test_every_page_with_figures_is_registered``).
"""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# page -> the result files its figures come from (paths from the repository root).
PAGES = {
    "README.md": [
        "docs/suite/results.md",
        "docs/speed/side_by_side/results.md",
        "docs/speed/side_by_side/ten_seeds/results.md",
        "docs/speed/default_fit/before/results.md",
        "docs/speed/default_fit/after/results.md",
        "docs/mnist/results.md",
        "docs/mnist/previous/results.md",
        "docs/speed/results.md",
        "docs/speed/spin/results.md",
        "docs/speed/streaming.md",
        "docs/digits/results.md",
        "docs/kernel_bench/results.md",
        "docs/kernel_bench/runs.jsonl",
    ],
    "CHANGES.md": [
        "docs/speed/side_by_side/results.md",
        "docs/speed/side_by_side/ten_seeds/9a69c7a/results.md",
        "docs/speed/side_by_side/ten_seeds/last_sixth/results.md",
        "docs/suite/tuning/frozen_tail.md",
        "docs/speed/side_by_side/ten_seeds/results.md",
        "docs/speed/side_by_side/first/results.md",
        "docs/speed/side_by_side/previous/results.md",
        "docs/suite/results.md",
        "docs/suite/tuning/width.md",
    ],
    "docs/user_guide/when_to_use.md": [
        "docs/suite/results.md",
        "docs/mnist/results.md",
        "docs/kernel_bench/results.md",
        "docs/kernel_bench/runs.jsonl",
        "docs/kernel_bench/previous/results.md",
        "docs/digits/results.md",
    ],
    "docs/user_guide/rank_and_width.md": [
        "docs/suite/tuning/geometry.md",
        "docs/suite/tuning/width.md",
        "docs/suite/tuning/orthogonal.md",
        "docs/suite/tuning/budget_probe.md",
        "docs/mnist/results.md",
        "docs/mnist/previous/results.md",
        "docs/mnist/tuning.jsonl",
        "docs/mnist/probes.jsonl",
    ],
    "docs/user_guide/speed_and_scale.md": [
        "docs/speed/side_by_side/results.md",
        "docs/speed/side_by_side/ten_seeds/results.md",
        "docs/speed/side_by_side/ten_seeds/9a69c7a/results.md",
        "docs/speed/side_by_side/ten_seeds/d375bda/results.md",
        "docs/suite/tuning/cheaper_fits.md",
        "docs/suite/tuning/accuracy_knobs.md",
        "docs/suite/tuning/step_sizes.md",
        "docs/suite/tuning/frozen_tail.md",
        "docs/speed/side_by_side/ten_seeds/last_sixth/results.md",
        "docs/speed/side_by_side/ten_seeds/last_sixth/runs.jsonl",
        "docs/speed/side_by_side/first/results.md",
        "docs/speed/side_by_side/previous/results.md",
        "docs/speed/side_by_side/rerun/results.md",
        "docs/speed/streaming.md",
        "docs/speed/spin/results.md",
        "docs/speed/results.md",
        "docs/speed/v0_1_0/results.md",
        "docs/speed/default_fit/before/results.md",
        "docs/speed/default_fit/after/results.md",
    ],
    "docs/getting_started.md": [
        "docs/suite/results.md",
        "docs/mnist/results.md",
        "docs/kernel_bench/results.md",
        "docs/digits/results.md",
        "docs/speed/results.md",
        "docs/speed/side_by_side/ten_seeds/results.md",
        "docs/speed/side_by_side/results.md",
    ],
    "docs/suite.md": [
        "docs/suite/results.md",
        "docs/speed/side_by_side/ten_seeds/results.md",
        "docs/speed/side_by_side/results.md",
    ],
    "docs/metric_learning.md": [
        "docs/kernel_bench/results.md",
        "docs/kernel_bench/previous/results.md",
    ],
    "docs/kernels.md": ["docs/kernel_bench/results.md"],
    "docs/mnist.md": [
        "docs/mnist/results.md",
        "docs/mnist/previous/results.md",
        "docs/mnist/bfloat16/results.md",
        "docs/mnist/tuning.jsonl",
        "docs/mnist/probes.jsonl",
        "docs/mnist/runs.jsonl",
    ],
    "docs/scaling.md": [
        "docs/scale/results.md",
        "docs/scale/quick/results.md",
        "docs/scale/runs.jsonl",
    ],
    "examples/speed/plot_mnist_frontier.py": ["docs/mnist/results.md"],
    "examples/readings/plot_rank_sweep.py": ["docs/mnist/results.md"],
}

# Numbers on a page that are not results: page -> {number as written: reason}.
PYPROJECT = "a lowest supported version, from pyproject.toml"
BUDGETS = "the range of budgets compared, not a measurement"
BUDGET_RULE = "max_iter='auto': a rule's parameter or its value, not a measurement"
NOT_RESULTS = {
    "docs/suite.md": {"1,175": BUDGET_RULE},
    "README.md": {
        "2606.04583": "the paper's arXiv number",
        "20,000": "a data set's size",
        "5,000": "a subset's size",
        "3.10": PYPROJECT,
        "0.97": "the README example's printed accuracy, which tests/test_readme.py checks",
    },
    "docs/index.md": {"2606.04583": "the paper's arXiv number"},
    "docs/user_guide/when_to_use.md": {"25,000": BUDGETS, "150,000": BUDGETS},
    "docs/user_guide/rank_and_width.md": {
        "5,000": BUDGET_RULE,
        "0.8": "covariance='auto': the regressors' margin (skhalfnet._selection.LOSS_MARGIN)",
        "1.5": "covariance='auto': the classifiers' margin (skhalfnet._selection.Z_MARGIN)",
        "0.02": "the R² margin the suite calls level (one point of accuracy for classifiers)",
        "25,000": BUDGETS,
        "150,000": BUDGETS,
        "24,000": "the budget the validation runs were chosen around",
        "1,400": "the former max_iter='auto' step count (see CHANGES.md)",
        # The max_iter="auto" table: the rule's parameters and what it computes, checked
        # by tests/test_training_guards.py::test_auto_budget_follows_the_number_of_rows.
        **{
            n: BUDGET_RULE
            for n in ("1,175", "1,000", "10,000", "20,000", "60,000", "100,000", "1,000,000")
        },
        **{n: BUDGET_RULE for n in ("1,200", "1,185", "1,564", "7,814")},
    },
    "examples/speed/plot_mnist_frontier.py": {"25,000": BUDGETS, "150,000": BUDGETS},
    "examples/kernels/plot_gp_regression.py": {"0.95": "the nominal coverage of a 95 % interval"},
    "examples/metric_learning/plot_mnist_projection.py": {
        "5,000": "a subset's size",
        "2,000": "a subset's size",
        "1,000": "the example's n_hidden",
    },
    "docs/getting_started.md": {
        "2606.04583": "the paper's arXiv number",
        "0.96": "the lowest accuracy tests/test_readme.py accepts",
        "3.10": PYPROJECT,
        "1.6": PYPROJECT,
        "1.9": "the scikit-learn release with the callback API",
        "2.2": PYPROJECT,
        "1.24": PYPROJECT,
        "1.10": PYPROJECT,
        "1.3": PYPROJECT,
        "25,000": BUDGETS,
        "150,000": BUDGETS,
        "1,175": BUDGET_RULE,
    },
    "CHANGES.md": {
        "0.1.0": "the version",
        "0.2.0": "the version",
        **{
            n: BUDGET_RULE
            for n in ("1,400", "12,000", "60,000", "180,000", "6,000", "1,175", "10,000")
        },
        "10,000": "the divergence factor, a constant of skhalfnet._training",
        "0.8": "covariance='auto': the regressors' margin (skhalfnet._selection.LOSS_MARGIN)",
        "1.5": "covariance='auto': the classifiers' margin (skhalfnet._selection.Z_MARGIN)",
    },
    "docs/datasets.md": {
        "0.2.0": "a version of skhalfnet",
        "60,000": "a data set's size",
        "50,000": "a data set's size",
        "10,000": "a data set's size",
        "70,000": "a data set's size",
    },
    "docs/guide.md": {
        "5,000": "a sample size",
        "1,175": BUDGET_RULE,
        "10,000": "the divergence factor, a constant of skhalfnet._training",
    },
    "docs/user_guide/migrating.md": {
        "6,034": "a parameter count computed on the page",
        "37,510": "a parameter count computed on the page",
    },
    "docs/kernels.md": {
        "1,175": BUDGET_RULE,
        "0.5": "the slope the convergence test expects, not a measurement",
        "0.15": "the convergence test's tolerance",
        "0.3": "a slope that would make the convergence test fail",
    },
    "docs/callbacks.md": {
        "1.9": "a scikit-learn version",
        "1.6": "a scikit-learn version",
        "1.8": "a scikit-learn version",
    },
    "docs/scaling.md": {
        "2025.2.0": "a dask version",
        "2025.3": "a dask version",
        "60,000": "a data set's size",
    },
}

# Differences and ratios of results: page -> {number as written: formula}. The
# formula's numbers must be in the page's sources and its value must round to the
# number as written.
DERIVED = {
    "docs/user_guide/speed_and_scale.md": {
        "0.9808": "(0.9812 + 0.9792 + 0.9819) / 3",
        "0.9807": "(0.9801 + 0.9804 + 0.9817) / 3",
        "0.23": "2.35 / 10.2",
        "0.04": "(0.9810 - 0.9806) * 100",
        "0.01": "(0.9812 - 0.9811) * 100",
    },
    "docs/user_guide/when_to_use.md": {
        "4.80": "(0.9560 - 0.9080) * 100",
        "0.27": "(0.9798 - 0.9771) * 100",
        "0.61": "(0.9726 - 0.9665) * 100",
    },
    "docs/user_guide/rank_and_width.md": {
        "0.15": "(0.9742 - 0.9727) * 100",
        "0.71": "(0.9798 - 0.9727) * 100",
        "1.01": "(0.9828 - 0.9727) * 100",
        "0.27": "(0.9798 - 0.9771) * 100",
        "0.61": "(0.9726 - 0.9665) * 100",
    },
    "docs/metric_learning.md": {
        "0.22": "0.0022 * 100",  # the smallest and largest std on digits, in points
        "1.33": "0.0133 * 100",
    },
}

# Benchmark reports that are checked by hand, with the reason. Their tables are the
# result files' tables; their prose also records runs that were never committed.
EXEMPT = {
    "docs/mnist.md": (
        "the MNIST benchmark report: it compares three committed runs and records the "
        "test-image probes that chose the first step sizes, from scripts not in the "
        "repository (said so on the page)"
    ),
}

# The pages checked for figures: README and every markdown page of the site (the
# benchmark pages under docs/<name>/ are the sources themselves), and the gallery.
SOURCE_SUFFIXES = (".md", ".jsonl")


def checked_pages():
    pages = [ROOT / "README.md"]
    pages += sorted((ROOT / "docs").glob("*.md"))
    pages += sorted((ROOT / "docs" / "user_guide").glob("*.md"))
    pages += sorted((ROOT / "docs" / "development").glob("*.md"))
    pages += sorted((ROOT / "examples").glob("**/plot_*.py"))
    pages += [ROOT / "CHANGES.md", ROOT / "CONTRIBUTING.md"]
    return [p.relative_to(ROOT).as_posix() for p in pages]


# A decimal number (not part of a dotted version such as 2.13.0, checked as a whole)
# or an integer with thousands separators.
NUMBER = re.compile(r"(?<![\w.,])(?:\d+(?:\.\d+)+|\d{1,3}(?:,\d{3})+)(?![\w]|[.,]\d)")


def markdown_prose(text: str) -> str:
    """The prose of a markdown page: no code, math, directives' options or link targets."""
    text = re.sub(r"^(```|~~~).*?^\1\s*$", "", text, flags=re.S | re.M)  # fenced blocks
    text = re.sub(r"^(?: {4}|\t).*$", "", text, flags=re.M)  # indented code
    text = re.sub(r"\$\$.*?\$\$", "", text, flags=re.S)
    text = re.sub(r"\$[^$\n]+\$", "", text)
    text = re.sub(r"``[^`]+``|`[^`\n]+`", "", text)
    text = re.sub(r"\]\([^)]*\)", "]", text)  # link targets
    text = re.sub(r"^---\n.*?\n---\n", "", text, flags=re.S)  # front matter
    return text


def gallery_prose(text: str) -> str:
    """The text cells of a sphinx-gallery script: its docstring and ``# %%`` comments."""
    docstring = re.match(r'\s*"""(.*?)"""', text, flags=re.S)
    parts = [docstring.group(1)] if docstring else []
    in_text = False
    for line in text.splitlines():
        if line.startswith("# %%"):
            in_text = True
            continue
        if in_text and line.startswith("#"):
            parts.append(line[1:])
        else:
            in_text = False
    prose = "\n".join(parts)
    prose = re.sub(r"``[^`]+``", "", prose)  # rst inline code
    prose = re.sub(r"^\s*\.\. code-block::.*?(?=^\S|\Z)", "", prose, flags=re.S | re.M)
    prose = re.sub(r":math:`[^`]+`", "", prose)
    return markdown_prose(prose)


def prose_of(page: str) -> str:
    text = (ROOT / page).read_text(encoding="utf-8")
    return gallery_prose(text) if page.endswith(".py") else markdown_prose(text)


def figures(prose: str) -> list[str]:
    return [m.group(0) for m in NUMBER.finditer(prose)]


def _numbers_in(path: Path) -> set[str]:
    text = path.read_text(encoding="utf-8")
    return set(re.findall(r"\d+(?:,\d{3})*(?:\.\d+)*(?:e-?\d+)?", text))


def _decimals(figure: str) -> int:
    return len(figure.split(".")[1]) if "." in figure else 0


def _significant(figure: str) -> int:
    return len(figure.replace(",", "").replace(".", "").lstrip("0"))


def traced(figure: str, numbers: set[str]) -> bool:
    """Whether ``figure`` is in ``numbers`` as written or as the rounding of one of them.

    Only figures with at least three significant digits may be roundings: ``0.2`` would
    be the rounding of too many numbers to tell anything, so a figure that short must be
    in the sources as written (or be a ``DERIVED`` formula).
    """
    if figure in numbers or figure.replace(",", "") in numbers:
        return True
    if figure.count(".") > 1 or _significant(figure) < 3:  # a version, or too short
        return False
    value, places = float(figure.replace(",", "")), _decimals(figure)
    half = 0.5 * 10.0**-places + 1e-12
    for number in numbers:
        if number.count(".") > 1 or _decimals(number) <= places:
            continue
        try:
            source = abs(float(number.replace(",", "")))
        except ValueError:
            continue
        if abs(source - value) <= half:
            return True
    return False


def _sources(page: str) -> tuple[list[Path], set[str]]:
    paths = [ROOT / source for source in PAGES.get(page, [])]
    numbers = set()
    for path in paths:
        numbers |= _numbers_in(path)
    return paths, numbers


def untraced(page: str) -> list[str]:
    _, numbers = _sources(page)
    allowed = NOT_RESULTS.get(page, {})
    derived = DERIVED.get(page, {})
    return [
        figure
        for figure in figures(prose_of(page))
        if figure not in allowed and figure not in derived and not traced(figure, numbers)
    ]


@pytest.mark.parametrize("page", checked_pages())
def test_every_figure_on_the_page_is_in_its_result_files(page):
    if page in EXEMPT:
        pytest.skip(EXEMPT[page])
    missing = untraced(page)
    assert not missing, (
        f"{page} quotes figures found in none of its result files "
        f"{PAGES.get(page, [])}: {missing}. Quote the committed results, or list a "
        "number that is not a result in NOT_RESULTS with the reason."
    )


@pytest.mark.parametrize("page", sorted(DERIVED))
def test_derived_figures_follow_from_the_results(page):
    _, numbers = _sources(page)
    for figure, formula in DERIVED[page].items():
        operands = re.findall(r"\d+\.\d+", formula)
        assert operands, f"{page}: {formula!r} has no operands"
        for operand in operands:
            assert traced(operand, numbers), f"{page}: {operand} of {formula!r} not in sources"
        value = eval(formula, {"__builtins__": {}}, {})  # numbers and + - * / only
        places = _decimals(figure)
        assert abs(value - float(figure)) <= 0.5 * 10.0**-places + 1e-9, (
            f"{page}: {figure} is written for {formula} = {value}"
        )


def test_registered_pages_and_sources_exist():
    for page, sources in PAGES.items():
        assert (ROOT / page).is_file(), page
        for source in sources:
            assert (ROOT / source).is_file(), f"{page}: {source}"
            assert source.endswith(SOURCE_SUFFIXES), source
    for table in (NOT_RESULTS, DERIVED):
        for page, entries in table.items():
            prose_figures = set(figures(prose_of(page)))
            stale = set(entries) - prose_figures
            assert not stale, f"{page}: listed but no longer on the page: {sorted(stale)}"


# -- the check itself ------------------------------------------------------------------


def test_a_changed_figure_is_caught():
    numbers = {"0.9828", "140,362", "89.60"}
    assert traced("0.9828", numbers)
    assert traced("0.983", numbers)  # a rounding of 0.9828
    assert traced("89.6", numbers)
    assert traced("140,362", numbers)
    assert not traced("0.984", numbers)
    assert not traced("0.9827", numbers)
    assert not traced("130,186", numbers)
    assert not traced("10.0", numbers)
    assert not traced("0.98", numbers)  # too short to be a rounding


def test_prose_leaves_out_code_and_math():
    text = (
        "It scored 0.981.\n\n```python\nx = 0.5\n```\n\n    y = 1.5\n\n"
        "Inline `z=2.5` and $a = 3.5$ and [link](v1.2.html).\n"
    )
    assert figures(markdown_prose(text)) == ["0.981"]
    script = '"""\nTitle\n=====\n\nIt scored 0.97.\n"""\n\n# %%\n# Text 0.91.\nx = 0.5  # 0.6\n'
    assert figures(gallery_prose(script)) == ["0.97", "0.91"]
