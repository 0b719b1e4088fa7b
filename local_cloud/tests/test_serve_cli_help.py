"""``cdk-local --help`` says what the tool is in one line; the module's notes for its maintainers stay out."""

import subprocess
import sys
from pathlib import Path

CONSOLE_SCRIPT = Path(sys.executable).parent / "cdk-local"


def test_the_help_describes_the_tool_in_one_line_before_its_commands() -> None:
    shown = subprocess.run(
        [CONSOLE_SCRIPT, "--help"], capture_output=True, text=True, check=True, timeout=60
    ).stdout

    before_the_commands = shown.split("positional arguments:")[0].strip().splitlines()
    assert before_the_commands == [
        "usage: cdk-local [-h] {serve,token} ...",
        "",
        "``cdk-local serve|token``: the local cloud's command line.",
    ]
