"""Snapshots of each stack catch what no assertion thought of. Update with `pytest --snapshot-update`."""

import pytest
from syrupy.assertion import SnapshotAssertion
from syrupy.extensions.json import JSONSnapshotExtension

from tests.infra.conftest import SynthesizedApp
from tests.infra.template_normaliser import (
    ASSET_HASH_PLACEHOLDER,
    VERSION_HASH_PLACEHOLDER,
    normalise_template,
)


@pytest.fixture
def json_snapshot(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    return snapshot.use_extension(JSONSnapshotExtension)


STACKS = ["data", "api", "realtime", "monitoring"]


@pytest.mark.parametrize("stack_name", STACKS)
def test_dev_stack_matches_snapshot(
    dev_app: SynthesizedApp, stack_name: str, json_snapshot: SnapshotAssertion
) -> None:
    assert normalise_template(dev_app.template(stack_name)) == json_snapshot


@pytest.mark.parametrize("stack_name", STACKS)
def test_prod_stack_matches_snapshot(
    prod_app: SynthesizedApp, stack_name: str, json_snapshot: SnapshotAssertion
) -> None:
    assert normalise_template(prod_app.template(stack_name)) == json_snapshot


def test_a_handler_code_change_does_not_change_the_normalised_template() -> None:
    def template(code_hash: str) -> dict[str, object]:
        return {
            "Resources": {
                "Fn": {
                    "Type": "AWS::Lambda::Function",
                    "Properties": {"Code": {"S3Key": f"{code_hash}.zip"}},
                },
                "CDKMetadata": {"Type": "AWS::CDK::Metadata", "Properties": {"Analytics": code_hash[:20]}},
            },
            "Conditions": {"CDKMetadataAvailable": {"Fn::Equals": ["a", "b"]}},
        }

    before, after = normalise_template(template("a" * 64)), normalise_template(template("b" * 64))
    assert before == after
    assert before == {
        "Resources": {
            "Fn": {
                "Type": "AWS::Lambda::Function",
                "Properties": {"Code": {"S3Key": f"{ASSET_HASH_PLACEHOLDER}.zip"}},
            }
        }
    }


def test_a_handler_code_change_does_not_change_the_published_versions_logical_id() -> None:
    def template(version_hash: str) -> dict[str, object]:
        version = f"FnCurrentVersion4E2B2261{version_hash}"
        return {
            "Resources": {
                version: {"Type": "AWS::Lambda::Version", "Properties": {"FunctionName": {"Ref": "Fn"}}},
                "Alias": {
                    "Type": "AWS::Lambda::Alias",
                    "Properties": {"FunctionVersion": {"Fn::GetAtt": [version, "Version"]}},
                },
            }
        }

    before, after = normalise_template(template("a" * 32)), normalise_template(template("b" * 32))
    assert before == after
    assert f"FnCurrentVersion4E2B2261{VERSION_HASH_PLACEHOLDER}" in before["Resources"]
