"""Reading records and writing markdown tables: shared by the benchmark scripts."""

from __future__ import annotations

import json
from pathlib import Path


def read_records(path: Path) -> list[dict]:
    """The JSON records of a ``runs.jsonl`` file, one per non-empty line."""
    with open(path, encoding="utf-8") as runs:
        return [json.loads(line) for line in runs if line.strip()]


def markdown(header: list[str], rows: list[list]) -> str:
    """A GitHub-flavoured markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)
