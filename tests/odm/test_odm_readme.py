"""dynamo_odm's README runs: its Python blocks, in order, as one program on moto, each printing what it shows.

A Python block followed directly by a ``text`` block must print exactly that text; any other Python block
must run without error. The README creates its own table, so the test only provides an empty account.
"""

import contextlib
import io
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from markdown_it import MarkdownIt

from tests.work_tree import ROOT

README = ROOT / "lambdas" / "dynamo_odm" / "README.md"


@dataclass(frozen=True)
class PythonBlock:
    """A Python block of the page, where it starts, and the output shown under it (if any)."""

    line: int
    code: str
    expected_output: str | None


class ReadmeBlockError(AssertionError):
    """A block did not run, or printed something else than the page shows; the message says which."""


def python_blocks(page: Path) -> list[PythonBlock]:
    fences = [token for token in MarkdownIt("commonmark").parse(page.read_text()) if token.type == "fence"]
    blocks = []
    for index, fence in enumerate(fences):
        if fence.info.strip() != "python":
            continue
        after = fences[index + 1] if index + 1 < len(fences) else None
        shown = after is not None and after.info.strip() == "text" and after.map[0] == fence.map[1]
        blocks.append(PythonBlock(fence.map[0] + 1, fence.content, after.content if shown else None))
    return blocks


def run_block(block: PythonBlock, namespace: dict[str, Any]) -> None:
    printed = io.StringIO()
    try:
        with contextlib.redirect_stdout(printed):
            exec(compile(block.code, f"{README.name}:{block.line}", "exec"), namespace)  # noqa: S102
    except Exception as error:
        raise ReadmeBlockError(
            f"README.md:{block.line} raised {error!r}\n{block.code}\n{traceback.format_exc()}"
        ) from error
    if block.expected_output is not None and printed.getvalue() != block.expected_output:
        raise ReadmeBlockError(
            f"README.md:{block.line} printed\n{printed.getvalue()}which is not what the page shows:\n"
            f"{block.expected_output}"
        )


def test_every_python_block_of_the_readme_runs_and_prints_what_it_shows(aws: None) -> None:
    blocks = python_blocks(README)
    assert len(blocks) >= 10, "the README's examples were not found; check the fences are ```python"
    assert sum(block.expected_output is not None for block in blocks) >= 8
    namespace: dict[str, Any] = {"__name__": "readme"}
    for block in blocks:
        run_block(block, namespace)


def test_a_block_that_prints_something_else_fails(aws: None) -> None:
    with pytest.raises(ReadmeBlockError, match="not what the page shows"):
        run_block(PythonBlock(1, "print('yes')\n", "no\n"), {})
