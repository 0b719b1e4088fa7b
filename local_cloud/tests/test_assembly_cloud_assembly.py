"""Reading cdk.out: stacks in dependency order, templates, assets, and a clear error for each broken part."""

import json
from pathlib import Path
from typing import Any

import pytest

from cdk_local_cloud.assembly import (
    AssetMissingError,
    BadTemplateError,
    CloudAssemblyMissingError,
    ManifestUnreadableError,
    TemplateMissingError,
    read_cloud_assembly,
)

TEMPLATE = {"Resources": {"Queue": {"Type": "AWS::SQS::Queue"}}}
ASSET_HASH = "abc123"


def _write_json(path: Path, content: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(content), encoding="utf-8")


def _stack_artifact(stack_id: str, dependencies: list[str], **properties: Any) -> dict[str, Any]:
    return {
        "type": "aws:cloudformation:stack",
        "dependencies": [*dependencies, f"{stack_id}.assets"],
        "properties": {"templateFile": f"{stack_id}.template.json", **properties},
    }


def _asset_manifest(source_path: str) -> dict[str, Any]:
    return {
        "version": "55.0.0",
        "files": {
            ASSET_HASH: {
                "displayName": "Handler/Code",
                "source": {"path": source_path, "packaging": "zip"},
                "destinations": {"current": {"bucketName": "assets", "objectKey": f"{ASSET_HASH}.zip"}},
            }
        },
    }


def _write_assembly(directory: Path, asset_source: str = f"asset.{ASSET_HASH}") -> Path:
    """A two-stack app whose manifest lists the consuming stack first, as nothing guarantees the order."""
    artifacts = {
        "Consumer": _stack_artifact("Consumer", ["Producer"], stackName="consumer-stack"),
        "Consumer.assets": {"type": "cdk:asset-manifest", "properties": {"file": "Consumer.assets.json"}},
        "Producer": _stack_artifact("Producer", []),
        "Producer.assets": {"type": "cdk:asset-manifest", "properties": {"file": "Producer.assets.json"}},
        "Tree": {"type": "cdk:tree", "properties": {"file": "tree.json"}},
    }
    _write_json(directory / "manifest.json", {"version": "55.0.0", "artifacts": artifacts})
    for stack_id in ("Consumer", "Producer"):
        _write_json(directory / f"{stack_id}.template.json", TEMPLATE)
    _write_json(directory / "Consumer.assets.json", _asset_manifest(asset_source))
    _write_json(directory / "Producer.assets.json", {"version": "55.0.0", "files": {}})
    (directory / f"asset.{ASSET_HASH}").mkdir(exist_ok=True)
    (directory / f"asset.{ASSET_HASH}" / "index.py").write_text("def handler(event, context): ...\n")
    return directory


def test_stacks_come_in_dependency_order_under_their_cloudformation_names(tmp_path: Path) -> None:
    assembly = read_cloud_assembly(_write_assembly(tmp_path))

    assert [stack.name for stack in assembly.stacks] == ["Producer", "consumer-stack"]
    assert assembly.stacks[0].template == TEMPLATE
    assert assembly.directory == tmp_path


def test_assets_map_the_object_key_that_templates_name_to_the_asset_directory(tmp_path: Path) -> None:
    assembly = read_cloud_assembly(_write_assembly(tmp_path))

    assert assembly.asset_paths == {f"{ASSET_HASH}.zip": tmp_path / f"asset.{ASSET_HASH}"}
    assert (assembly.asset_paths[f"{ASSET_HASH}.zip"] / "index.py").is_file()


def test_an_unstaged_synth_points_assets_at_their_absolute_source(tmp_path: Path) -> None:
    source = tmp_path / "src"
    source.mkdir()

    assembly = read_cloud_assembly(_write_assembly(tmp_path / "cdk.out", asset_source=str(source)))

    assert assembly.asset_paths[f"{ASSET_HASH}.zip"] == source


def test_stacks_of_a_nested_assembly_are_read_too(tmp_path: Path) -> None:
    _write_assembly(tmp_path / "assembly-Dev")
    _write_json(
        tmp_path / "manifest.json",
        {
            "version": "55.0.0",
            "artifacts": {
                "assembly-Dev": {
                    "type": "cdk:cloud-assembly",
                    "properties": {"directoryName": "assembly-Dev"},
                }
            },
        },
    )

    assembly = read_cloud_assembly(tmp_path)

    assert [stack.name for stack in assembly.stacks] == ["Producer", "consumer-stack"]
    assert assembly.asset_paths[f"{ASSET_HASH}.zip"] == tmp_path / "assembly-Dev" / f"asset.{ASSET_HASH}"


@pytest.mark.parametrize("make_directory", [False, True])
def test_a_missing_cdk_out_says_to_synthesize(tmp_path: Path, make_directory: bool) -> None:
    cdk_out = tmp_path / "cdk.out"
    if make_directory:
        cdk_out.mkdir()

    with pytest.raises(CloudAssemblyMissingError, match=r"no manifest\.json\): run `cdk synth` first"):
        read_cloud_assembly(cdk_out)


@pytest.mark.parametrize(
    ("manifest", "message"),
    [
        ("{not json", "is not a readable manifest"),
        ("[]", "its JSON is no object"),
        ('{"version": "55.0.0"}', "not the ones the CDK writes"),
        ('{"artifacts": {"S": {"type": "aws:cloudformation:stack", "properties": {}}}}', "templateFile"),
    ],
)
def test_an_unreadable_manifest_is_reported_with_the_fix(tmp_path: Path, manifest: str, message: str) -> None:
    (tmp_path / "manifest.json").write_text(manifest)

    with pytest.raises(ManifestUnreadableError, match=message) as raised:
        read_cloud_assembly(tmp_path)

    assert "synth" in str(raised.value)


def test_a_missing_template_names_the_file(tmp_path: Path) -> None:
    (_write_assembly(tmp_path) / "Producer.template.json").unlink()

    with pytest.raises(
        TemplateMissingError, match=r"Producer\.template\.json, which is missing: run `cdk synth` again"
    ):
        read_cloud_assembly(tmp_path)


@pytest.mark.parametrize(
    ("content", "message"),
    [("{oops", "is not a readable CloudFormation template"), ('{"Resources": {}}', "has no Resources")],
)
def test_a_bad_template_is_reported(tmp_path: Path, content: str, message: str) -> None:
    (_write_assembly(tmp_path) / "Consumer.template.json").write_text(content)

    with pytest.raises(BadTemplateError, match=message):
        read_cloud_assembly(tmp_path)


def test_a_missing_asset_directory_means_a_stale_cdk_out(tmp_path: Path) -> None:
    asset = _write_assembly(tmp_path) / f"asset.{ASSET_HASH}"
    (asset / "index.py").unlink()
    asset.rmdir()

    with pytest.raises(
        AssetMissingError, match=r"Handler/Code is missing at .*cdk\.out is stale: run `cdk synth` again"
    ):
        read_cloud_assembly(tmp_path)


def test_stacks_that_depend_on_each_other_in_a_cycle_are_refused(tmp_path: Path) -> None:
    manifest_path = _write_assembly(tmp_path) / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["artifacts"]["Producer"]["dependencies"].append("Consumer")
    manifest_path.write_text(json.dumps(manifest))

    with pytest.raises(BadTemplateError, match=r"in a cycle \(Consumer, Producer\)"):
        read_cloud_assembly(tmp_path)
