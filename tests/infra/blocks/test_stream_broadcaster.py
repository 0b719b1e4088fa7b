"""StreamBroadcaster: every default in the template, every override honoured, nag- and lint-clean alone.

The table, the function and its role are imported, so that cdk-nag and cfn-lint see only what the
construct adds: the event source mapping, the failure queue and the grants on the function's role.
"""

import json
from typing import Any

import pytest
from aws_cdk import Duration, Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sqs as sqs
from aws_cdk.assertions import Match
from aws_cdk.aws_lambda_event_sources import DynamoEventSource

from serverless_blocks import MissingTableStreamError, StreamBroadcaster, StreamBroadcasterProps
from serverless_blocks.testing import acknowledgments, assert_acknowledgments_justified, assert_nag_clean
from tests.infra.blocks.block_synthesis import SynthesizedBlock, synthesize, weakened_defaults
from tests.infra.cfn_lint_check import lint_template

ACCOUNT = "123456789012"
TABLE_ARN = f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/things"
STREAM_ARN = f"{TABLE_ARN}/stream/2024-01-01T00:00:00.000"
QUEUE_ARN = f"arn:aws:sqs:us-east-1:{ACCOUNT}:stream-failures"
MAPPING = "AWS::Lambda::EventSourceMapping"
QUEUE = "AWS::SQS::Queue"
FOURTEEN_DAYS = 14 * 24 * 60 * 60
CHANGES_TO_TASKS_AND_MEMBERS = lambda_.FilterCriteria.filter(
    {
        "eventName": lambda_.FilterRule.or_("INSERT", "MODIFY", "REMOVE"),
        "dynamodb": {
            "Keys": {
                "sk": {
                    "S": [
                        *lambda_.FilterRule.begins_with("TASK#"),
                        *lambda_.FilterRule.begins_with("MEMBER#"),
                    ]
                }
            }
        },
    }
)


def _build(stack: Stack, **overrides: Any) -> StreamBroadcaster:
    table = dynamodb.Table.from_table_attributes(
        stack, "Things", table_arn=TABLE_ARN, table_stream_arn=STREAM_ARN
    )
    handler = lambda_.Function.from_function_attributes(
        stack,
        "Broadcaster",
        function_arn=f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:broadcaster",
        role=iam.Role.from_role_arn(stack, "BroadcasterRole", f"arn:aws:iam::{ACCOUNT}:role/broadcaster"),
        same_environment=True,
    )
    props = StreamBroadcasterProps(table=table, handler=handler, **overrides)
    return StreamBroadcaster(stack, "Broadcast", props=props)


@pytest.fixture(scope="module")
def default(tmp_path_factory: pytest.TempPathFactory) -> SynthesizedBlock[StreamBroadcaster]:
    return synthesize(_build, tmp_path_factory.mktemp("default"))


@pytest.fixture(scope="module")
def overridden(tmp_path_factory: pytest.TempPathFactory) -> SynthesizedBlock[StreamBroadcaster]:
    def build(stack: Stack) -> StreamBroadcaster:
        return _build(
            stack,
            batch_size=25,
            max_batching_window=Duration.seconds(5),
            starting_position=lambda_.StartingPosition.TRIM_HORIZON,
            bisect_batch_on_error=False,
            retry_attempts=-1,
            max_record_age=Duration.hours(6),
            report_batch_item_failures=False,
            parallelization_factor=4,
            filters=(CHANGES_TO_TASKS_AND_MEMBERS,),
            existing_failure_queue=sqs.Queue.from_queue_arn(stack, "Failures", QUEUE_ARN),
        )

    return synthesize(build, tmp_path_factory.mktemp("overridden"))


def _mapping(synthesized: SynthesizedBlock[StreamBroadcaster]) -> dict[str, Any]:
    (mapping,) = synthesized.template.find_resources(MAPPING).values()
    return mapping["Properties"]


def _role_statements(synthesized: SynthesizedBlock[StreamBroadcaster]) -> list[dict[str, Any]]:
    (policy,) = synthesized.template.find_resources("AWS::IAM::Policy").values()
    return policy["Properties"]["PolicyDocument"]["Statement"]


def test_default_batching_retries_and_starting_position(default: SynthesizedBlock[StreamBroadcaster]) -> None:
    mapping = _mapping(default)
    assert {key: mapping[key] for key in mapping if key not in {"DestinationConfig", "FunctionName"}} == {
        "EventSourceArn": STREAM_ARN,
        "StartingPosition": "LATEST",
        "BatchSize": 100,
        "MaximumBatchingWindowInSeconds": 1,
        "BisectBatchOnFunctionError": True,
        "MaximumRetryAttempts": 3,
        "MaximumRecordAgeInSeconds": 3600,
        "FunctionResponseTypes": ["ReportBatchItemFailures"],
        "ParallelizationFactor": 1,
    }
    assert mapping["FunctionName"] == "broadcaster"


def test_default_failed_batches_go_to_the_construct_queue(
    default: SynthesizedBlock[StreamBroadcaster],
) -> None:
    queue_id = default.stack.get_logical_id(default.block.failure_queue.node.default_child)
    assert _mapping(default)["DestinationConfig"] == {
        "OnFailure": {"Destination": {"Fn::GetAtt": [queue_id, "Arn"]}}
    }


def test_default_failure_queue_is_encrypted_tls_only_and_keeps_messages_14_days(
    default: SynthesizedBlock[StreamBroadcaster],
) -> None:
    default.template.has_resource_properties(
        QUEUE, {"SqsManagedSseEnabled": True, "MessageRetentionPeriod": FOURTEEN_DAYS}
    )
    default.template.has_resource_properties(
        "AWS::SQS::QueuePolicy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {"Effect": "Deny", "Condition": {"Bool": {"aws:SecureTransport": "false"}}}
                        )
                    ]
                )
            }
        },
    )


def test_default_has_no_filter(default: SynthesizedBlock[StreamBroadcaster]) -> None:
    assert "FilterCriteria" not in _mapping(default)


def test_handler_role_may_read_the_stream_and_send_to_the_queue_only(
    default: SynthesizedBlock[StreamBroadcaster],
) -> None:
    queue_id = default.stack.get_logical_id(default.block.failure_queue.node.default_child)
    assert {
        json.dumps(statement["Resource"]): statement["Action"] for statement in _role_statements(default)
    } == {
        json.dumps({"Fn::GetAtt": [queue_id, "Arn"]}): [
            "sqs:SendMessage",
            "sqs:GetQueueAttributes",
            "sqs:GetQueueUrl",
        ],
        json.dumps("*"): "dynamodb:ListStreams",
        json.dumps(STREAM_ARN): [
            "dynamodb:DescribeStream",
            "dynamodb:GetRecords",
            "dynamodb:GetShardIterator",
        ],
    }


def test_default_exposes_the_event_source_queue_and_mapping_id(
    default: SynthesizedBlock[StreamBroadcaster],
) -> None:
    block = default.block
    (mapping_id,) = default.template.find_resources(MAPPING)
    assert isinstance(block.event_source, DynamoEventSource)
    assert isinstance(block.failure_queue, sqs.Queue)
    assert default.stack.resolve(block.event_source_mapping_id) == {"Ref": mapping_id}


def test_default_is_nag_clean_with_justified_acknowledgments(
    default: SynthesizedBlock[StreamBroadcaster],
) -> None:
    assert_nag_clean(default.nag_findings)
    assert_acknowledgments_justified(default.stack)
    assert {(ack.rule_id, ack.construct_path) for ack in acknowledgments(default.stack)} == {
        ("AwsSolutions-SQS3", "BlockUnderTest/Broadcast/FailureQueue"),
        ("Serverless-SQSRedrivePolicy", "BlockUnderTest/Broadcast/FailureQueue"),
        ("AwsSolutions-IAM5[Resource::*]", "BlockUnderTest/BroadcasterRole"),
    }


def test_default_template_is_cfn_lint_clean(default: SynthesizedBlock[StreamBroadcaster]) -> None:
    assert lint_template(default.template.to_json()) == []


def test_default_warns_about_nothing(default: SynthesizedBlock[StreamBroadcaster]) -> None:
    assert weakened_defaults(default.stack) == set()


def test_override_batching_retries_and_starting_position(
    overridden: SynthesizedBlock[StreamBroadcaster],
) -> None:
    overridden.template.has_resource_properties(
        MAPPING,
        {
            "StartingPosition": "TRIM_HORIZON",
            "BatchSize": 25,
            "MaximumBatchingWindowInSeconds": 5,
            "BisectBatchOnFunctionError": False,
            "MaximumRetryAttempts": -1,
            "MaximumRecordAgeInSeconds": 6 * 3600,
            "FunctionResponseTypes": Match.absent(),
            "ParallelizationFactor": 4,
        },
    )


def test_override_filters_reach_the_mapping(overridden: SynthesizedBlock[StreamBroadcaster]) -> None:
    (criteria,) = _mapping(overridden)["FilterCriteria"]["Filters"]
    assert json.loads(criteria["Pattern"]) == {
        "eventName": ["INSERT", "MODIFY", "REMOVE"],
        "dynamodb": {"Keys": {"sk": {"S": [{"prefix": "TASK#"}, {"prefix": "MEMBER#"}]}}},
    }


def test_override_existing_failure_queue_is_used_and_none_is_created(
    overridden: SynthesizedBlock[StreamBroadcaster],
) -> None:
    overridden.template.resource_count_is(QUEUE, 0)
    assert _mapping(overridden)["DestinationConfig"] == {"OnFailure": {"Destination": QUEUE_ARN}}
    assert overridden.block.failure_queue.queue_arn == QUEUE_ARN
    assert_nag_clean(overridden.nag_findings)


def test_override_warns_about_endless_retries(overridden: SynthesizedBlock[StreamBroadcaster]) -> None:
    assert weakened_defaults(overridden.stack) == {"retry_attempts"}


def test_table_without_stream_is_refused() -> None:
    stack = Stack()
    table = dynamodb.Table.from_table_arn(stack, "NoStream", TABLE_ARN)
    handler = lambda_.Function.from_function_arn(
        stack, "Fn", f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:f"
    )
    with pytest.raises(MissingTableStreamError, match="table_stream_arn"):
        StreamBroadcaster(stack, "Broadcast", props=StreamBroadcasterProps(table=table, handler=handler))
