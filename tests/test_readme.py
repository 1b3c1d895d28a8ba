"""The README's Python example runs as written and prints what the README says."""

import ast
import contextlib
import io
import re
import warnings
from pathlib import Path

from sklearn.exceptions import ConvergenceWarning

from skhalfnet import NonFiniteLossWarning

README = Path(__file__).resolve().parents[1] / "README.md"


def python_blocks(markdown: str) -> list[str]:
    """The bodies of the ```python fenced blocks of a markdown text."""
    return re.findall(r"^```python\n(.*?)^```$", markdown, flags=re.MULTILINE | re.DOTALL)


def test_python_blocks_finds_fenced_code_only():
    text = "intro\n```python\nx = 1\n```\n\n```bash\nls\n```\n```python\ny = 2\n```\n"
    assert python_blocks(text) == ["x = 1\n", "y = 2\n"]


def test_readme_example_runs_and_prints_the_stated_result():
    (code,) = python_blocks(README.read_text(encoding="utf-8"))
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed), warnings.catch_warnings():
        # A reader who copies the example should not see training warnings.
        warnings.simplefilter("error", ConvergenceWarning)
        warnings.simplefilter("error", NonFiniteLossWarning)
        exec(compile(code, str(README), "exec"), {"__name__": "readme_example"})
    # The README says: "rank 32 and about 0.97".
    params, score = printed.getvalue().strip().rsplit(" ", 1)
    assert ast.literal_eval(params) == {"halfnetclassifier__rank": 32}
    assert 0.96 <= float(score) <= 1.0
