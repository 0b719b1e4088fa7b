"""A stand-in for the repository's root, for tests that run `make` and the docs' commands as a reader would.

Every top-level entry of the repository is a symlink in it, except what `make local`, `make deploy` and
`make synth` write (the outputs files, ``cdk.out``, ``.local``): those belong to the directory. So a test's
`make token` or `jq ... cdk-outputs.local.json` reaches the test's own local cloud, and a developer's running
`make local` is never read, nor overwritten.
"""

from pathlib import Path

__all__ = ["ROOT", "linked_work_tree"]

ROOT = Path(__file__).resolve().parents[1]
_WRITTEN_BY_MAKE = ("cdk.out", ".local")


def linked_work_tree(destination: Path) -> Path:
    """Fills ``destination`` with links to the repository's top-level entries and returns it."""
    destination.mkdir(parents=True, exist_ok=True)
    for entry in ROOT.iterdir():
        if entry.name in _WRITTEN_BY_MAKE or entry.name == ".git" or entry.name.startswith("cdk-outputs"):
            continue
        (destination / entry.name).symlink_to(entry)
    return destination
