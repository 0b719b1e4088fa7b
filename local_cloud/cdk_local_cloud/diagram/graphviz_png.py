"""Render DOT text to a PNG with Graphviz's ``dot`` program.

Running the ``dot`` binary keeps the project free of a Python Graphviz binding; the Debian package
``graphviz`` provides it (``apt-get install -y graphviz``).
"""

import shutil
import subprocess
from pathlib import Path

__all__ = ["GraphvizError", "write_png"]

_DOT = "dot"
# Fixed resolution so that re-rendering unchanged templates gives the same PNG.
_DPI = "110"


class GraphvizError(RuntimeError):
    """Raised when Graphviz is missing or refuses the DOT text."""


def write_png(dot_text: str, output: Path) -> None:
    """Draw ``dot_text`` into ``output`` (a .png file), creating its directory if needed."""
    dot = shutil.which(_DOT)
    if dot is None:
        raise GraphvizError(
            "Graphviz's `dot` program is not on PATH; install it (Debian/Ubuntu: "
            "apt-get install -y graphviz, macOS: brew install graphviz) and run `make docs` again."
        )
    output.parent.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(  # noqa: S603 - fixed program and arguments; the DOT text goes to stdin
        [dot, "-Tpng", f"-Gdpi={_DPI}", "-o", str(output)],
        input=dot_text,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise GraphvizError(
            f"dot failed with exit code {result.returncode}: {result.stderr.strip()}; "
            "the DOT text comes from cdk_local_cloud/diagram/dot_language.py: "
            "report the templates that caused it."
        )
