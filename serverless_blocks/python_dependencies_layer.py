"""A Lambda layer of pinned Python dependencies, installed by pip on the synthesizing machine, without Docker.

It is meant for the few libraries that neither the Lambda runtime nor the Powertools layer ship, such
as ``PyJWT[crypto]`` and its compiled ``cryptography`` wheel. pip downloads wheels built for Lambda's
CPU and Python, whatever machine runs the synthesis.

Example::

    jwt = PythonDependenciesLayer(
        self, "JwtLayer", props=PythonDependenciesLayerProps(requirements_path="layers/jwt/requirements.txt")
    )
    authorizer = PythonFunction(
        self,
        "Authorizer",
        props=PythonFunctionProps(code_path="lambdas", handler="ws.authorizer.handler", layers=(jwt.layer,)),
    )
"""

import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import jsii
from aws_cdk import AssetHashType, BundlingOptions, DockerImage, ILocalBundling
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from serverless_blocks.bytecode import BUNDLING_IMAGE_UNUSED, compile_tree, interpreter_or_warning
from serverless_blocks.python_runtimes import is_python3

__all__ = [
    "DependencyInstallError",
    "PythonDependenciesLayer",
    "PythonDependenciesLayerProps",
    "RequirementsFileNotFoundError",
    "UnsupportedLayerRuntimeError",
]

# Lambda adds /opt/python, where a layer's "python/" directory lands, to sys.path.
_LAYER_MOUNT: Final = "/opt"
_LAYER_PYTHON_DIR: Final = "python"
_WHEEL_PLATFORMS: Final = {"arm64": "manylinux2014_aarch64", "x86_64": "manylinux2014_x86_64"}
# Shown with a failure: the end of pip's output is where it says what it could not install.
_PIP_OUTPUT_TAIL_CHARS: Final = 2000


class RequirementsFileNotFoundError(FileNotFoundError):
    """Raised when the requirements path does not name an existing file."""

    def __init__(self, path: Path) -> None:
        super().__init__(
            f"Requirements file {path} does not exist; pass the path of a pinned requirements.txt."
        )


class UnsupportedLayerRuntimeError(ValueError):
    """Raised when the runtime is not a Python 3 runtime that pip can pick wheels for."""

    def __init__(self, runtime: lambda_.Runtime) -> None:
        super().__init__(
            f"Runtime {runtime.name} is not a Python 3 runtime; "
            "choose one such as lambda_.Runtime.PYTHON_3_13."
        )


class DependencyInstallError(RuntimeError):
    """Raised when pip cannot install the requirements for the layer's platform."""

    def __init__(self, requirements: Path, pip_output: str) -> None:
        super().__init__(
            f"pip could not install {requirements} for the layer. Check that every requirement is pinned "
            "and published as a wheel for the layer's architecture and Python version (source "
            f"distributions are refused), and that the package index is reachable. pip said:\n{pip_output}"
        )


@dataclass(frozen=True, kw_only=True)
class PythonDependenciesLayerProps:
    """The requirements file, and the CPU architecture and Python runtime the wheels must fit."""

    requirements_path: str
    architecture: lambda_.Architecture = field(default_factory=lambda: lambda_.Architecture.ARM_64)
    runtime: lambda_.Runtime = field(default_factory=lambda: lambda_.Runtime.PYTHON_3_13)
    description: str | None = None


class PythonDependenciesLayer(Construct):
    """``LayerVersion`` whose ``python/`` directory holds the requirements, installed as binary wheels only.

    The asset hash comes from the requirements file and the pip command, so an unchanged file keeps
    its hash and pip does not run again while the asset is already staged.
    """

    def __init__(self, scope: Construct, construct_id: str, *, props: PythonDependenciesLayerProps) -> None:
        super().__init__(scope, construct_id)
        requirements = Path(props.requirements_path).resolve()
        if not requirements.is_file():
            raise RequirementsFileNotFoundError(requirements)
        pip_arguments = _pip_arguments(requirements.name, props)
        interpreter = interpreter_or_warning(self, props.runtime)
        code = lambda_.Code.from_asset(
            str(requirements.parent),
            # Only the requirements file is the source, so nothing else in its directory changes the hash.
            exclude=["*", f"!{requirements.name}"],
            asset_hash_type=AssetHashType.SOURCE,
            bundling=BundlingOptions(
                image=DockerImage.from_registry(BUNDLING_IMAGE_UNUSED),
                # CDK hashes the bundling options with the source: the platform is part of the command,
                # so an arm64 and an x86_64 layer of the same file never share an asset.
                command=pip_arguments,
                # Hashed with the command, so a layer with bytecode and one without never share an asset.
                environment={"COMPILED_FOR": props.runtime.name if interpreter else "none"},
                local=_PipInstall(requirements, interpreter),
            ),
        )
        self.layer = lambda_.LayerVersion(
            self,
            "Layer",
            code=code,
            compatible_architectures=[props.architecture],
            compatible_runtimes=[props.runtime],
            description=props.description,
        )


@jsii.implements(ILocalBundling)
class _PipInstall:
    """Runs the bundling command with this interpreter's pip instead of inside a container, then compiles
    the libraries with the runtime's interpreter (pip would compile them for this one)."""

    def __init__(self, requirements: Path, interpreter: str | None) -> None:
        self._requirements = requirements
        self._interpreter = interpreter

    def try_bundle(self, output_dir: str, options: BundlingOptions) -> bool:
        target = Path(output_dir) / _LAYER_PYTHON_DIR
        arguments = [*(options.command or []), "--target", str(target)]
        # The arguments come from the construct's own props, never from a shell, so nothing is interpolated.
        result = subprocess.run(  # noqa: S603
            [sys.executable, "-m", "pip", *arguments],
            cwd=self._requirements.parent,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise DependencyInstallError(
                self._requirements, (result.stderr or result.stdout)[-_PIP_OUTPUT_TAIL_CHARS:]
            )
        if self._interpreter is not None:
            compile_tree(
                target, self._interpreter, f"{_LAYER_MOUNT}/{_LAYER_PYTHON_DIR}", source=self._requirements
            )
        return True


def _pip_arguments(requirements_file: str, props: PythonDependenciesLayerProps) -> list[str]:
    """pip install arguments that pick wheels for Lambda's platform and Python, never the local machine's."""
    runtime = props.runtime
    if not is_python3(runtime):
        raise UnsupportedLayerRuntimeError(runtime)
    return [
        "install",
        "--requirement",
        requirements_file,
        "--platform",
        _WHEEL_PLATFORMS[props.architecture.name],
        "--implementation",
        "cp",
        "--python-version",
        runtime.name.removeprefix("python"),
        "--only-binary=:all:",
        "--no-compile",
        "--quiet",
    ]
