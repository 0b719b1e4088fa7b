"""A stand-in for the repository's root, for tests that run `make` and the docs' commands as a reader would.

Every top-level entry of the repository is a symlink in it, except what `make local`, `make deploy` and
`make synth` write (the outputs files, ``cdk.out``, ``.local``): those belong to the directory. So a test's
`make token` or `jq ... cdk-outputs.local.json` reaches the test's own local cloud, and a developer's running
`make local` is never read, nor overwritten.
"""

import shutil
import subprocess
from pathlib import Path

__all__ = ["ROOT", "SetupNotCurrentError", "linked_work_tree"]

ROOT = Path(__file__).resolve().parents[1]
_WRITTEN_BY_MAKE = ("cdk.out", ".local")


class SetupNotCurrentError(RuntimeError):
    """The venv or node_modules is older than its pins: `make` in a linked tree would install through it."""


def linked_work_tree(destination: Path) -> Path:
    """Fills ``destination`` with links to the repository's top-level entries and returns it."""
    _require_current_setup()
    destination.mkdir(parents=True, exist_ok=True)
    for entry in ROOT.iterdir():
        if entry.name in _WRITTEN_BY_MAKE or entry.name == ".git" or entry.name.startswith("cdk-outputs"):
            continue
        (destination / entry.name).symlink_to(entry)
    return destination


def _require_current_setup() -> None:
    """`make` in the linked tree must find nothing to install.

    `npm ci` there would replace the linked node_modules with a directory of its own, emptying the
    repository's. `make test` sets up before it runs the tests, so this only stops a bare `pytest`.
    """
    make = shutil.which("make") or "make"
    stamps = subprocess.run(
        [make, "--question", "-C", str(ROOT), ".make/venv", ".make/node"], capture_output=True, check=False
    )
    if stamps.returncode != 0:
        raise SetupNotCurrentError(
            "The venv or node_modules is older than requirements*.txt or package*.json: run `make setup` "
            "(or `make test`, which does) before these tests."
        )
