"""Reads a synthesized CDK app (cdk.out): its stacks in deployment order, their templates and their assets.

Only what the local cloud needs is read: ``aws:cloudformation:stack`` artifacts (also inside nested
assemblies, which CDK Stages produce) and the file assets of ``cdk:asset-manifest`` artifacts.
"""

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cdk_local_cloud.assembly.dependency_order import dependency_order
from cdk_local_cloud.assembly.errors import (
    AssetMissingError,
    BadTemplateError,
    CloudAssemblyMissingError,
    ManifestUnreadableError,
    TemplateMissingError,
)

__all__ = ["CloudAssembly", "StackArtifact", "read_cloud_assembly"]

_STACK = "aws:cloudformation:stack"
_ASSET_MANIFEST = "cdk:asset-manifest"
_NESTED_ASSEMBLY = "cdk:cloud-assembly"
_SYNTHESIZE_AGAIN = "run `cdk synth` again (or serve with `--app`, which synthesizes)"


@dataclass(frozen=True)
class StackArtifact:
    """One stack: ``name`` is its CloudFormation stack name, the one ``Fn::GetStackOutput`` uses."""

    name: str
    template: Mapping[str, Any]


@dataclass(frozen=True)
class CloudAssembly:
    """The stacks of a cdk.out in an order that deploys every stack after the stacks it depends on."""

    directory: Path
    stacks: tuple[StackArtifact, ...]
    # asset object key as templates name it ("<hash>.zip") -> the asset's directory (or file)
    asset_paths: Mapping[str, Path]


def read_cloud_assembly(cdk_out: Path) -> CloudAssembly:
    """Reads ``cdk_out``; raises an :class:`~cdk_local_cloud.assembly.errors.AssemblyError` that says what
    to do."""
    if not (cdk_out / "manifest.json").is_file():
        raise CloudAssemblyMissingError(
            f"{cdk_out} holds no synthesized app (no manifest.json): run `cdk synth` first "
            "(or serve with `--app`, which synthesizes)."
        )
    stacks: list[StackArtifact] = []
    asset_paths: dict[str, Path] = {}
    try:
        for directory, artifact_id, artifact in _artifacts(cdk_out):
            properties = artifact["properties"]
            if artifact["type"] == _STACK:
                stacks.append(_stack(directory, artifact_id, properties))
            else:
                asset_paths.update(_file_assets(directory, directory / properties["file"]))
    except (KeyError, TypeError, AttributeError) as error:
        raise ManifestUnreadableError(
            f"The manifests in {cdk_out} are not the ones the CDK writes (no {error}): "
            f"delete {cdk_out} and {_SYNTHESIZE_AGAIN}."
        ) from error
    return CloudAssembly(directory=cdk_out, stacks=tuple(stacks), asset_paths=asset_paths)


def _artifacts(directory: Path) -> Iterator[tuple[Path, str, Mapping[str, Any]]]:
    """Stack and asset-manifest artifacts in dependency order, nested assemblies expanded where they stand."""
    artifacts = _read_json(directory / "manifest.json", ManifestUnreadableError, "manifest")["artifacts"]
    order = dependency_order(
        {name: artifact.get("dependencies", ()) for name, artifact in artifacts.items()},
        what=f"artifacts of {directory / 'manifest.json'}",
    )
    for artifact_id in order:
        artifact = artifacts[artifact_id]
        if artifact["type"] == _NESTED_ASSEMBLY:
            yield from _artifacts(directory / artifact["properties"]["directoryName"])
        elif artifact["type"] in (_STACK, _ASSET_MANIFEST):
            yield directory, artifact_id, artifact


def _stack(directory: Path, artifact_id: str, properties: Mapping[str, Any]) -> StackArtifact:
    template_path = directory / properties["templateFile"]
    if not template_path.is_file():
        raise TemplateMissingError(
            f"The manifest names template {template_path}, which is missing: {_SYNTHESIZE_AGAIN}."
        )
    template = _read_json(template_path, BadTemplateError, "CloudFormation template")
    if not isinstance(template.get("Resources"), Mapping) or not template["Resources"]:
        raise BadTemplateError(
            f"{template_path} has no Resources, so it is no deployable template: {_SYNTHESIZE_AGAIN}."
        )
    return StackArtifact(name=properties.get("stackName", artifact_id), template=template)


def _file_assets(directory: Path, asset_manifest: Path) -> Iterator[tuple[str, Path]]:
    files = _read_json(asset_manifest, ManifestUnreadableError, "asset manifest").get("files", {})
    for asset_id, asset in files.items():
        source = asset.get("source", {})
        if "path" not in source:
            continue  # built by a command at publish time; nothing local to serve
        # `cdk synth --no-staging` writes absolute source paths, which the join keeps as they are.
        path = directory / source["path"]
        if not path.exists():
            raise AssetMissingError(
                f"Asset {asset.get('displayName', asset_id)} is missing at {path}, so cdk.out is stale: "
                f"{_SYNTHESIZE_AGAIN}."
            )
        for destination in asset.get("destinations", {}).values():
            yield destination["objectKey"], path


def _read_json(path: Path, error_type: type[Exception], what: str) -> Mapping[str, Any]:
    try:
        content = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise error_type(f"{path} is not a readable {what} ({error}): {_SYNTHESIZE_AGAIN}.") from error
    if not isinstance(content, Mapping):
        raise error_type(f"{path} is not a {what} (its JSON is no object): {_SYNTHESIZE_AGAIN}.")
    return content
