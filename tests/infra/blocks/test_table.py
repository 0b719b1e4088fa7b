"""Table: every default in the template, every override honoured, nag- and lint-clean alone."""

import pytest
from aws_cdk import RemovalPolicy, Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk.assertions import Match

from serverless_blocks import Table, TableProps
from serverless_blocks.testing import acknowledgments, assert_nag_clean
from tests.infra.blocks.block_synthesis import SynthesizedBlock, synthesize, weakened_defaults
from tests.infra.cfn_lint_check import lint_template

TABLE = "AWS::DynamoDB::Table"
STRING = dynamodb.AttributeType.STRING


@pytest.fixture(scope="module")
def default(tmp_path_factory: pytest.TempPathFactory) -> SynthesizedBlock[Table]:
    def build(stack: Stack) -> Table:
        return Table(
            stack, "Things", props=TableProps(partition_key=dynamodb.Attribute(name="id", type=STRING))
        )

    return synthesize(build, tmp_path_factory.mktemp("default"))


@pytest.fixture(scope="module")
def overridden(tmp_path_factory: pytest.TempPathFactory) -> SynthesizedBlock[Table]:
    def build(stack: Stack) -> Table:
        props = TableProps(
            partition_key=dynamodb.Attribute(name="pk", type=STRING),
            sort_key=dynamodb.Attribute(name="sk", type=STRING),
            global_secondary_indexes=(
                dynamodb.GlobalSecondaryIndexProps(
                    index_name="byOwner",
                    partition_key=dynamodb.Attribute(name="owner", type=STRING),
                    sort_key=dynamodb.Attribute(name="createdAt", type=dynamodb.AttributeType.NUMBER),
                    projection_type=dynamodb.ProjectionType.KEYS_ONLY,
                ),
            ),
            stream=dynamodb.StreamViewType.NEW_AND_OLD_IMAGES,
            time_to_live_attribute="expiresAt",
            billing_mode=dynamodb.BillingMode.PROVISIONED,
            point_in_time_recovery=False,
            deletion_protection=False,
            removal_policy=RemovalPolicy.DESTROY,
            encryption=dynamodb.TableEncryption.DEFAULT,
            table_name="things",
        )
        return Table(stack, "Things", props=props)

    return synthesize(build, tmp_path_factory.mktemp("overridden"))


def test_default_is_on_demand_recoverable_protected_and_kms_encrypted(
    default: SynthesizedBlock[Table],
) -> None:
    default.template.has_resource(
        TABLE,
        {
            "Properties": {
                "BillingMode": "PAY_PER_REQUEST",
                "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
                "DeletionProtectionEnabled": True,
                "SSESpecification": {"SSEEnabled": True},
            },
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
        },
    )


def test_default_has_only_the_partition_key_and_no_optional_features(
    default: SynthesizedBlock[Table],
) -> None:
    default.template.has_resource_properties(
        TABLE,
        {
            "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
            "GlobalSecondaryIndexes": Match.absent(),
            "StreamSpecification": Match.absent(),
            "TimeToLiveSpecification": Match.absent(),
            "TableName": Match.absent(),
        },
    )


def test_default_exposes_the_table(default: SynthesizedBlock[Table]) -> None:
    assert isinstance(default.block.table, dynamodb.Table)


def test_default_is_nag_clean_without_acknowledgments(default: SynthesizedBlock[Table]) -> None:
    assert_nag_clean(default.nag_findings)
    assert acknowledgments(default.stack) == []


def test_default_template_is_cfn_lint_clean(default: SynthesizedBlock[Table]) -> None:
    assert lint_template(default.template.to_json()) == []


def test_default_warns_about_nothing(default: SynthesizedBlock[Table]) -> None:
    assert weakened_defaults(default.stack) == set()


def test_override_keys_index_stream_ttl_and_name(overridden: SynthesizedBlock[Table]) -> None:
    overridden.template.has_resource_properties(
        TABLE,
        {
            "TableName": "things",
            "KeySchema": [
                {"AttributeName": "pk", "KeyType": "HASH"},
                {"AttributeName": "sk", "KeyType": "RANGE"},
            ],
            "GlobalSecondaryIndexes": [
                Match.object_like(
                    {
                        "IndexName": "byOwner",
                        "KeySchema": [
                            {"AttributeName": "owner", "KeyType": "HASH"},
                            {"AttributeName": "createdAt", "KeyType": "RANGE"},
                        ],
                        "Projection": {"ProjectionType": "KEYS_ONLY"},
                    }
                )
            ],
            "StreamSpecification": {"StreamViewType": "NEW_AND_OLD_IMAGES"},
            "TimeToLiveSpecification": {"AttributeName": "expiresAt", "Enabled": True},
        },
    )


def test_override_billing_recovery_protection_encryption_and_removal(
    overridden: SynthesizedBlock[Table],
) -> None:
    overridden.template.has_resource(
        TABLE,
        {
            "Properties": Match.object_like(
                {
                    "BillingMode": Match.absent(),
                    "ProvisionedThroughput": Match.object_like({"ReadCapacityUnits": Match.any_value()}),
                    "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": False},
                    "DeletionProtectionEnabled": False,
                    "SSESpecification": {"SSEEnabled": False},
                }
            ),
            "DeletionPolicy": "Delete",
        },
    )


def test_override_warns_about_each_weakened_default(overridden: SynthesizedBlock[Table]) -> None:
    assert weakened_defaults(overridden.stack) == {
        "point_in_time_recovery",
        "deletion_protection",
        "removal_policy",
        "encryption",
    }
