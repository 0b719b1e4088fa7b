"""PythonDependenciesLayer: pip installs the pinned wheels into the layer, the hash follows the source only.

One synthesis runs pip (a tiny pure-Python pin, ``six``, from PyPI); every other check skips bundling
through CDK's ``aws:cdk:bundling-stacks`` context, which still computes the asset hash from the source.
"""

import importlib.util
import marshal
import sys
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, Stack
from aws_cdk import aws_lambda as lambda_
from aws_cdk.assertions import Template

from serverless_blocks import (
    DependencyInstallError,
    PythonDependenciesLayer,
    PythonDependenciesLayerProps,
    RequirementsFileNotFoundError,
    UnsupportedLayerRuntimeError,
)
from serverless_blocks import python_dependencies_layer as layer_module
from serverless_blocks.testing import acknowledgments, assert_nag_clean
from tests.infra.blocks.block_synthesis import SynthesizedBlock, synthesize
from tests.infra.cfn_lint_check import lint_template

LAYER = "AWS::Lambda::LayerVersion"
REQUIREMENTS = "six==1.17.0\n"
# PEP 552: hash-based (bit 0), unchecked (bit 1 clear).
UNCHECKED_HASH_FLAGS = 0b01
# CDK bundles only the stacks this context lists; an empty list skips bundling, not hashing.
SKIP_BUNDLING: dict[str, Any] = {"aws:cdk:bundling-stacks": []}


@pytest.fixture(scope="module")
def requirements_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A pinned requirements file next to a file that must neither ship nor change the asset hash."""
    directory = tmp_path_factory.mktemp("requirements")
    (directory / "NOTES.md").write_text("not a requirement")
    requirements = directory / "requirements.txt"
    requirements.write_text(REQUIREMENTS)
    return requirements


@pytest.fixture(scope="module")
def default(
    requirements_file: Path, tmp_path_factory: pytest.TempPathFactory
) -> SynthesizedBlock[PythonDependenciesLayer]:
    def build(stack: Stack) -> PythonDependenciesLayer:
        props = PythonDependenciesLayerProps(requirements_path=str(requirements_file))
        return PythonDependenciesLayer(stack, "Deps", props=props)

    return synthesize(build, tmp_path_factory.mktemp("default"))


def _layer_properties(template: Template) -> dict[str, Any]:
    (layer,) = template.find_resources(LAYER).values()
    return layer["Properties"]


def _asset_hash(template: Template) -> str:
    return _layer_properties(template)["Content"]["S3Key"].removesuffix(".zip")


def _template_without_bundling(requirements_file: Path, **overrides: Any) -> Template:
    stack = Stack(App(context=SKIP_BUNDLING), "Layer")
    props = PythonDependenciesLayerProps(requirements_path=str(requirements_file), **overrides)
    PythonDependenciesLayer(stack, "Deps", props=props)
    return Template.from_stack(stack)


def test_default_layer_ships_the_packages_under_python(
    default: SynthesizedBlock[PythonDependenciesLayer],
) -> None:
    staged = default.assembly_dir / f"asset.{_asset_hash(default.template)}"
    assert (staged / "python" / "six.py").is_file()
    assert {path.name for path in staged.iterdir()} == {"python"}


def test_default_layer_ships_bytecode_compiled_for_the_runtime(
    default: SynthesizedBlock[PythonDependenciesLayer],
) -> None:
    """A layer is read-only in Lambda too: its libraries' bytecode must come with it."""
    python = default.assembly_dir / f"asset.{_asset_hash(default.template)}" / "python"
    compiled = (python / "__pycache__" / f"six.{sys.implementation.cache_tag}.pyc").read_bytes()
    assert compiled[:4] == importlib.util.MAGIC_NUMBER
    assert int.from_bytes(compiled[4:8], "little") == UNCHECKED_HASH_FLAGS
    assert compiled[8:16] == importlib.util.source_hash((python / "six.py").read_bytes())
    # Bytecode this very synthesis compiled from the library pip just installed.
    assert marshal.loads(compiled[16:]).co_filename == "/opt/python/six.py"  # noqa: S302


def test_default_layer_fits_arm64_and_python_3_13(default: SynthesizedBlock[PythonDependenciesLayer]) -> None:
    properties = _layer_properties(default.template)
    assert properties["CompatibleArchitectures"] == ["arm64"]
    assert properties["CompatibleRuntimes"] == ["python3.13"]
    assert "Description" not in properties


def test_default_exposes_the_layer(default: SynthesizedBlock[PythonDependenciesLayer]) -> None:
    assert isinstance(default.block.layer, lambda_.LayerVersion)


def test_default_is_nag_clean_without_acknowledgments(
    default: SynthesizedBlock[PythonDependenciesLayer],
) -> None:
    assert_nag_clean(default.nag_findings)
    assert acknowledgments(default.stack) == []


def test_default_template_is_cfn_lint_clean(default: SynthesizedBlock[PythonDependenciesLayer]) -> None:
    assert lint_template(default.template.to_json()) == []


def test_second_synthesis_reuses_the_staged_asset_without_pip(
    default: SynthesizedBlock[PythonDependenciesLayer],
    requirements_file: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def pip_must_not_run(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"pip ran again for an already staged asset: {args}")

    monkeypatch.setattr(layer_module.subprocess, "run", pip_must_not_run)
    app = App(outdir=str(default.assembly_dir))
    stack = Stack(app, "Again")
    PythonDependenciesLayer(
        stack, "Deps", props=PythonDependenciesLayerProps(requirements_path=str(requirements_file))
    )
    assert _asset_hash(Template.from_stack(stack)) == _asset_hash(default.template)


def test_asset_hash_is_known_before_bundling(
    default: SynthesizedBlock[PythonDependenciesLayer], requirements_file: Path
) -> None:
    assert _asset_hash(_template_without_bundling(requirements_file)) == _asset_hash(default.template)


def test_asset_hash_follows_the_requirements_and_the_platform(
    requirements_file: Path, tmp_path: Path
) -> None:
    other_pins = tmp_path / "requirements.txt"
    other_pins.write_text("six==1.16.0\n")
    arm64 = _asset_hash(_template_without_bundling(requirements_file))
    x86_64 = _asset_hash(
        _template_without_bundling(requirements_file, architecture=lambda_.Architecture.X86_64)
    )
    python_3_12 = _asset_hash(
        _template_without_bundling(requirements_file, runtime=lambda_.Runtime.PYTHON_3_12)
    )
    assert len({arm64, x86_64, python_3_12, _asset_hash(_template_without_bundling(other_pins))}) == 4


def test_asset_hash_ignores_other_files_next_to_the_requirements(
    requirements_file: Path, tmp_path: Path
) -> None:
    alone = tmp_path / "requirements.txt"
    alone.write_text(REQUIREMENTS)
    assert _asset_hash(_template_without_bundling(alone)) == _asset_hash(
        _template_without_bundling(requirements_file)
    )


def test_override_architecture_runtime_and_description(requirements_file: Path) -> None:
    template = _template_without_bundling(
        requirements_file,
        architecture=lambda_.Architecture.X86_64,
        runtime=lambda_.Runtime.PYTHON_3_12,
        description="PyJWT and cryptography",
    )
    properties = _layer_properties(template)
    assert properties["CompatibleArchitectures"] == ["x86_64"]
    assert properties["CompatibleRuntimes"] == ["python3.12"]
    assert properties["Description"] == "PyJWT and cryptography"


def test_pip_failure_names_the_file_and_what_pip_said(tmp_path: Path) -> None:
    """The error crosses the jsii boundary inside CDK's own bundling error, so its message is what arrives."""
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("not a valid requirement ===\n")
    stack = Stack(App(outdir=str(tmp_path / "cdk.out")), "Broken")
    props = PythonDependenciesLayerProps(requirements_path=str(requirements))
    with pytest.raises(RuntimeError, match=r"pip could not install .*requirements\.txt") as raised:
        PythonDependenciesLayer(stack, "Deps", props=props)
    assert "Invalid requirement: 'not a valid requirement ==='" in str(raised.value)


def test_install_error_message_tells_what_to_check(tmp_path: Path) -> None:
    error = DependencyInstallError(tmp_path / "requirements.txt", "ERROR: No matching distribution")
    assert "published as a wheel for the layer's architecture" in str(error)
    assert str(error).endswith("ERROR: No matching distribution")


def test_missing_requirements_file_is_refused(tmp_path: Path) -> None:
    props = PythonDependenciesLayerProps(requirements_path=str(tmp_path / "missing.txt"))
    with pytest.raises(RequirementsFileNotFoundError, match=r"missing\.txt"):
        PythonDependenciesLayer(Stack(), "Deps", props=props)


def test_non_python_runtime_is_refused(requirements_file: Path) -> None:
    props = PythonDependenciesLayerProps(
        requirements_path=str(requirements_file), runtime=lambda_.Runtime.NODEJS_22_X
    )
    with pytest.raises(UnsupportedLayerRuntimeError, match=r"nodejs22\.x"):
        PythonDependenciesLayer(Stack(), "Deps", props=props)
