"""A Python function's asset with bytecode compiled for its runtime, so cold starts do not compile the code.

Lambda imports a function's modules from /var/task, which is read-only: Python cannot write ``__pycache__``
there, so without shipped bytecode every cold start compiles every module it imports (30-45 ms of
Corkboard's REST API, ``bench/cold_import.py``). Bytecode is only valid for the Python version that wrote
it, so it is compiled by an interpreter of the runtime's version: this one when it matches, else
``python3.X`` on the PATH. Without either the asset ships sources only, as before, and the construct warns.

The ``.pyc`` files are hash-based and unchecked (PEP 552): they hold no timestamps, so the output depends on
the sources alone, and Python never stats or hashes the sources to validate them on a read-only file system
that cannot change. They record ``/var/task/...`` as their file names, where Lambda puts the code.

Written by hand because CDK's own Python bundling (``aws-lambda-python-alpha``) needs Docker and is an alpha
module; this needs only an interpreter of the right version and CDK's own copy with the asset's excludes.
"""

import shutil
import subprocess
import sys
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Final

import jsii
from aws_cdk import Annotations, BundlingOptions, CopyOptions, DockerImage, FileSystem, ILocalBundling
from aws_cdk import aws_lambda as lambda_
from constructs import IConstruct

__all__ = [
    "BUNDLING_IMAGE_UNUSED",
    "LAMBDA_TASK_ROOT",
    "UNCOMPILED_CONSEQUENCE",
    "BytecodeCompileError",
    "bytecode_bundling",
    "compile_tree",
    "interpreter_or_warning",
    "runtime_interpreter",
    "stage_with_bytecode",
]

# Where Lambda unpacks a function's code; the file name each compiled module records.
LAMBDA_TASK_ROOT: Final = "/var/task"
# Bundling never reaches Docker because the local bundler always succeeds or raises; CDK still needs an image.
BUNDLING_IMAGE_UNUSED: Final = "unused"
# Also the consequence quoted when a team turns compilation off.
UNCOMPILED_CONSEQUENCE: Final = "every cold start compiles each module it imports (tens of milliseconds)."
_NO_INTERPRETER_WARNING: Final = "serverless-blocks:bytecode-not-compiled"
# Shown with a failure: the end of the compiler's output names the file that did not compile.
_OUTPUT_TAIL_CHARS: Final = 2000


class BytecodeCompileError(RuntimeError):
    """Raised when a module of the asset does not compile: Lambda would fail to import it too."""

    def __init__(self, source: Path, output: str) -> None:
        super().__init__(
            f"The Python code in {source} does not compile, so Lambda could not import it:\n{output}"
        )


def runtime_interpreter(runtime: lambda_.Runtime) -> str | None:
    """An interpreter of the runtime's Python version: this one if it matches, else ``python3.X`` on PATH."""
    version = runtime.name.removeprefix("python")
    if f"{sys.version_info.major}.{sys.version_info.minor}" == version:
        return sys.executable
    return _working_interpreter(f"python{version}", version)


def interpreter_or_warning(scope: IConstruct, runtime: lambda_.Runtime) -> str | None:
    """The runtime's interpreter (:func:`runtime_interpreter`); without one, a synth warning on ``scope``."""
    interpreter = runtime_interpreter(runtime)
    if interpreter is None:
        Annotations.of(scope).add_warning_v2(
            _NO_INTERPRETER_WARNING,
            f"No {runtime.name} interpreter on this machine (this one is {sys.version.split()[0]}), so the "
            f"asset ships without bytecode and {UNCOMPILED_CONSEQUENCE} Synthesize with {runtime.name}, "
            "or put it on the PATH.",
        )
    return interpreter


@cache
def _working_interpreter(command: str, version: str) -> str | None:
    """``command``'s path if it runs and is that version: a pyenv shim of a version not selected exits 127."""
    path = shutil.which(command)
    if path is None:
        return None
    # A path found on PATH, run with fixed arguments and no shell.
    result = subprocess.run(  # noqa: S603
        [path, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
        capture_output=True,
        text=True,
        check=False,
    )
    return path if result.returncode == 0 and result.stdout.strip() == version else None


def stage_with_bytecode(
    source: Path, destination: Path, excludes: Sequence[str], interpreter: str | None
) -> None:
    """Copy ``source`` to ``destination`` as CDK would stage it (same excludes), then compile it there.

    With no ``interpreter`` the copy is left as sources only.
    """
    FileSystem.copy_directory(str(source), str(destination), CopyOptions(exclude=list(excludes)))
    if interpreter is not None:
        compile_tree(destination, interpreter, LAMBDA_TASK_ROOT, source=source)


def compile_tree(directory: Path, interpreter: str, runtime_path: str, *, source: Path | None = None) -> None:
    """Write bytecode for every module under ``directory``, named as Lambda will find it (``runtime_path``).

    BytecodeCompileError, naming ``source`` (or ``directory``), if a module does not compile.
    """
    # The arguments come from the constructs and this module, never from a shell.
    result = subprocess.run(  # noqa: S603
        [
            interpreter,
            "-m",
            "compileall",
            "-q",
            # Rewrite every file: a stale .pyc the excludes let through must not pass for current code.
            "-f",
            "--invalidation-mode",
            "unchecked-hash",
            "-s",
            str(directory),
            "-p",
            runtime_path,
            str(directory),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise BytecodeCompileError(source or directory, (result.stdout + result.stderr)[-_OUTPUT_TAIL_CHARS:])


def bytecode_bundling(
    source: Path, excludes: Sequence[str], runtime: lambda_.Runtime, interpreter: str | None
) -> BundlingOptions:
    """Bundling options that stage the asset with bytecode on this machine, without Docker.

    CDK hashes the bundling options with the source: the command names the runtime (never the interpreter's
    path, which differs between machines), so an asset compiled and one left as sources never share a hash.
    """
    command = ["compileall", runtime.name] if interpreter else ["copy"]
    return BundlingOptions(
        image=DockerImage.from_registry(BUNDLING_IMAGE_UNUSED),
        command=command,
        local=_StageWithBytecode(source, excludes, interpreter),
    )


@jsii.implements(ILocalBundling)
class _StageWithBytecode:
    """CDK's local bundling hook: stage the asset with its bytecode instead of running a container."""

    def __init__(self, source: Path, excludes: Sequence[str], interpreter: str | None) -> None:
        self._source = source
        self._excludes = tuple(excludes)
        self._interpreter = interpreter

    def try_bundle(self, output_dir: str, options: BundlingOptions) -> bool:
        stage_with_bytecode(self._source, Path(output_dir), self._excludes, self._interpreter)
        return True
