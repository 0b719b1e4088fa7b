"""A stand-in for the repository's root, for tests that run `make` and the docs' commands as a reader would.

Every top-level entry of the repository is a symlink in it, except what `make local`, `make deploy` and
`make synth` write (the outputs files, ``cdk.out``, ``.local``): those belong to the directory. So a test's
`make token` or `jq ... cdk-outputs.local.json` reaches the test's own local cloud, and a developer's running
`make local` is never read, nor overwritten.

``.make`` is the directory's own too, with fresh set-up stamps: `make` there never installs anything. An
`npm ci` through a linked node_modules would replace the link with a directory of its own and empty the
repository's node_modules; the venv and node_modules are the test run's to set up (`make test` does).
"""

from pathlib import Path

__all__ = ["ROOT", "linked_work_tree"]

ROOT = Path(__file__).resolve().parents[1]
_OWN = ("cdk.out", ".local", ".make", ".git")
# The stamps `make setup` leaves (see the Makefile): with them, make takes the venv and the CDK CLI as set up.
_SETUP_STAMPS = ("venv", "node")


def linked_work_tree(destination: Path) -> Path:
    """Fills ``destination`` with links to the repository's top-level entries and returns it."""
    destination.mkdir(parents=True, exist_ok=True)
    for entry in ROOT.iterdir():
        if entry.name in _OWN or entry.name.startswith("cdk-outputs"):
            continue
        (destination / entry.name).symlink_to(entry)
    stamps = destination / ".make"
    stamps.mkdir(exist_ok=True)
    for stamp in _SETUP_STAMPS:
        (stamps / stamp).touch()
    return destination
