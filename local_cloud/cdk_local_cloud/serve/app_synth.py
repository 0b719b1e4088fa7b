"""``cdk-local serve --app``: the local cloud synthesizes the app itself, unstaged, skipped when unchanged.

Unstaged (``--no-staging``): every asset points at its source folder, so a code edit reloads its function
without a new synth. The synth runs through the project's own CDK CLI, so context from ``cdk.json`` and
``cdk.context.json`` applies exactly as in ``cdk synth``. A restart with the same command, context, CLI and
sources reuses the last assembly: the fingerprint of what went into it is kept beside it.
"""

import hashlib
import json
import os
import shlex
import shutil
import subprocess
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = ["AppSynthError", "AppSynthesis", "find_cdk_cli", "synthesize_app"]

_FINGERPRINT_FILE = "cdk-local.fingerprint.json"
# Outside git, folders that are never the app's sources (besides hidden ones and cloud assemblies).
_NOT_SOURCES = frozenset({"node_modules", "venv", "__pycache__"})


class AppSynthError(RuntimeError):
    """The app could not be synthesized: no CDK CLI, or the synth failed (its own output says why)."""


@dataclass(frozen=True)
class AppSynthesis:
    """Where the assembly is, and whether this run synthesized it or reused the last one."""

    cdk_out: Path
    reused: bool


def find_cdk_cli(app_dir: Path) -> list[str]:
    """The project's pinned CLI (``node_modules/.bin/cdk``) first, else a ``cdk`` on the PATH."""
    local_cli = app_dir / "node_modules" / ".bin" / "cdk"
    if local_cli.exists():
        return [str(local_cli)]
    on_path = shutil.which("cdk")
    if on_path:
        return [on_path]
    raise AppSynthError(
        "no CDK CLI found: install the one your app pins (npm install aws-cdk) or pass --cdk PATH"
    )


def synthesize_app(
    app: str,
    *,
    cdk_out: Path,
    app_dir: Path,
    cdk_cli: Sequence[str],
    context: Sequence[str] = (),
) -> AppSynthesis:
    """Synthesizes ``app`` (a command, as ``cdk --app`` takes it) into ``cdk_out`` unless nothing changed."""
    fingerprint = _fingerprint(app, app_dir=app_dir, cdk_out=cdk_out, cdk_cli=cdk_cli, context=context)
    fingerprint_file = cdk_out / _FINGERPRINT_FILE
    if (cdk_out / "manifest.json").exists() and _read(fingerprint_file) == fingerprint:
        return AppSynthesis(cdk_out, reused=True)
    fingerprint_file.unlink(missing_ok=True)
    command = [*cdk_cli, "synth", "--quiet", "--no-staging", "--app", app, "--output", str(cdk_out)]
    for entry in context:
        command += ["--context", entry]
    completed = subprocess.run(command, cwd=app_dir, check=False)  # noqa: S603
    if completed.returncode != 0:
        raise AppSynthError(f"the synth failed (exit {completed.returncode}): {shlex.join(command)}")
    fingerprint_file.write_text(json.dumps(fingerprint, indent=1, sort_keys=True))
    return AppSynthesis(cdk_out, reused=False)


def _fingerprint(
    app: str, *, app_dir: Path, cdk_out: Path, cdk_cli: Sequence[str], context: Sequence[str]
) -> dict[str, object]:
    """What the synth's result depends on: the command, context and CLI, and every source file's stamp.

    Size and modification time stand in for content, as make does: a file rewritten with the same bytes
    costs one needless synth, and reading every file's bytes would cost more than that on every start.
    """
    sources = hashlib.sha256()
    # cdk.context.json is often git-ignored, yet the synth reads it.
    context_files = [
        app_dir / name for name in ("cdk.json", "cdk.context.json") if (app_dir / name).is_file()
    ]
    for path in sorted({*_source_files(app_dir, skip=cdk_out.resolve()), *context_files}):
        stat = path.stat()
        sources.update(f"{path.relative_to(app_dir)}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return {"app": app, "cdk": list(cdk_cli), "context": list(context), "sources": sources.hexdigest()}


def _source_files(app_dir: Path, *, skip: Path) -> Iterator[Path]:
    """In a git work tree, the files git would commit (so outputs and state it ignores never count)."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],  # noqa: S607
        cwd=app_dir,
        capture_output=True,
        check=False,
    )
    if listed.returncode == 0:
        for name in listed.stdout.decode().split("\0"):
            path = app_dir / name
            if name and path.is_file() and not path.resolve().is_relative_to(skip):
                yield path
        return
    for directory, folders, files in os.walk(app_dir):
        here = Path(directory)
        folders[:] = [
            name
            for name in folders
            if name not in _NOT_SOURCES
            and not name.startswith(".")
            and (here / name).resolve() != skip
            and not (here / name / "manifest.json").exists()
        ]
        for name in files:
            yield here / name


def _read(path: Path) -> object:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None
