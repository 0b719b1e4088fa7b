"""StreamBroadcaster: every default in the template, every override honoured, nag- and lint-clean alone.

The table, the functions and their roles are imported, so that cdk-nag and cfn-lint see only what the
construct adds: the event source mappings, the queues and the grants on the functions' roles.
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

from serverless_blocks import (
    InvalidFanoutBatchSizeError,
    MissingTableStreamError,
    ShardedFanoutProps,
    StreamBroadcaster,
    StreamBroadcasterProps,
    VisibilityTimeoutTooShortError,
)
from serverless_blocks.testing import acknowledgments, assert_acknowledgments_justified, assert_nag_clean
from tests.infra.blocks.block_synthesis import SynthesizedBlock, synthesize, weakened_defaults
from tests.infra.cfn_lint_check import lint_template

ACCOUNT = "123456789012"
TABLE_ARN = f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/things"
STREAM_ARN = f"{TABLE_ARN}/stream/2024-01-01T00:00:00.000"
QUEUE_ARN = f"arn:aws:sqs:us-east-1:{ACCOUNT}:stream-failures"
DEAD_LETTERS_ARN = f"arn:aws:sqs:us-east-1:{ACCOUNT}:fanout-dead-letters.fifo"
SENDER_CONSUMES = [
    "sqs:ReceiveMessage",
    "sqs:ChangeMessageVisibility",
    "sqs:GetQueueUrl",
    "sqs:DeleteMessage",
    "sqs:GetQueueAttributes",
]
SENDS = ["sqs:SendMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl"]
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


def _function_with_role(stack: Stack, name: str) -> lambda_.IFunction:
    return lambda_.Function.from_function_attributes(
        stack,
        name.capitalize(),
        function_arn=f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:{name}",
        role=iam.Role.from_role_arn(stack, f"{name.capitalize()}Role", f"arn:aws:iam::{ACCOUNT}:role/{name}"),
        same_environment=True,
    )


def _build(stack: Stack, **overrides: Any) -> StreamBroadcaster:
    table = dynamodb.Table.from_table_attributes(
        stack, "Things", table_arn=TABLE_ARN, table_stream_arn=STREAM_ARN
    )
    props = StreamBroadcasterProps(
        table=table, handler=_function_with_role(stack, "broadcaster"), **overrides
    )
    return StreamBroadcaster(stack, "Broadcast", props=props)


def _sharded(stack: Stack, **fanout_overrides: Any) -> StreamBroadcaster:
    sender = _function_with_role(stack, "sender")
    return _build(stack, fanout=ShardedFanoutProps(sender=sender, **fanout_overrides))


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


@pytest.fixture(scope="module")
def sharded(tmp_path_factory: pytest.TempPathFactory) -> SynthesizedBlock[StreamBroadcaster]:
    return synthesize(_sharded, tmp_path_factory.mktemp("sharded"))


@pytest.fixture(scope="module")
def sharded_overridden(tmp_path_factory: pytest.TempPathFactory) -> SynthesizedBlock[StreamBroadcaster]:
    def build(stack: Stack) -> StreamBroadcaster:
        return _sharded(
            stack,
            batch_size=2,
            max_receive_count=5,
            visibility_timeout=Duration.minutes(2),
            max_concurrency=50,
            existing_dead_letter_queue=sqs.Queue.from_queue_arn(stack, "DeadLetters", DEAD_LETTERS_ARN),
        )

    return synthesize(build, tmp_path_factory.mktemp("sharded-overridden"))


def _mapping(
    synthesized: SynthesizedBlock[StreamBroadcaster], source: str = "StartingPosition"
) -> dict[str, Any]:
    """The event source mapping with property ``source``: the stream's (default) or the queue's."""
    (mapping,) = synthesized.template.find_resources(
        MAPPING, {"Properties": {source: Match.any_value()}}
    ).values()
    return mapping["Properties"]


def _role_statements(
    synthesized: SynthesizedBlock[StreamBroadcaster], role: str = "broadcaster"
) -> list[dict[str, Any]]:
    (policy,) = synthesized.template.find_resources(
        "AWS::IAM::Policy", {"Properties": {"Roles": [role]}}
    ).values()
    return policy["Properties"]["PolicyDocument"]["Statement"]


def _arn(synthesized: SynthesizedBlock[StreamBroadcaster], queue: sqs.IQueue) -> dict[str, Any]:
    return {"Fn::GetAtt": [synthesized.stack.get_logical_id(queue.node.default_child), "Arn"]}


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


def test_default_has_no_fanout(default: SynthesizedBlock[StreamBroadcaster]) -> None:
    assert default.block.fanout is None
    default.template.resource_count_is(QUEUE, 1)


def test_sharded_queue_is_fifo_high_throughput_encrypted_and_redrives_to_its_dead_letter_queue(
    sharded: SynthesizedBlock[StreamBroadcaster],
) -> None:
    fanout = sharded.block.fanout
    assert fanout is not None
    sharded.template.has_resource_properties(
        QUEUE,
        {
            "FifoQueue": True,
            "FifoThroughputLimit": "perMessageGroupId",
            "DeduplicationScope": "messageGroup",
            "SqsManagedSseEnabled": True,
            "VisibilityTimeout": 360,
            "RedrivePolicy": {
                "deadLetterTargetArn": _arn(sharded, fanout.dead_letter_queue),
                "maxReceiveCount": 3,
            },
        },
    )
    sharded.template.has_resource_properties(
        QUEUE, {"FifoQueue": True, "MessageRetentionPeriod": FOURTEEN_DAYS, "RedrivePolicy": Match.absent()}
    )


def test_sharded_sender_takes_one_batch_at_a_time_and_reports_a_failed_one(
    sharded: SynthesizedBlock[StreamBroadcaster],
) -> None:
    fanout = sharded.block.fanout
    assert fanout is not None
    (queue_mapping,) = (
        mapping["Properties"]
        for mapping in sharded.template.find_resources(MAPPING).values()
        if mapping["Properties"]["EventSourceArn"] == _arn(sharded, fanout.queue)
    )
    assert queue_mapping == {
        "EventSourceArn": _arn(sharded, fanout.queue),
        "FunctionName": "sender",
        "BatchSize": 1,
        "FunctionResponseTypes": ["ReportBatchItemFailures"],
    }


def test_sharded_grants_the_broadcaster_sending_and_the_sender_consuming_only(
    sharded: SynthesizedBlock[StreamBroadcaster],
) -> None:
    fanout = sharded.block.fanout
    assert fanout is not None
    queue = json.dumps(_arn(sharded, fanout.queue))
    broadcaster = {json.dumps(s["Resource"]): s["Action"] for s in _role_statements(sharded, "broadcaster")}
    sender = {json.dumps(s["Resource"]): s["Action"] for s in _role_statements(sharded, "sender")}
    assert broadcaster[queue] == SENDS
    assert sender == {queue: SENDER_CONSUMES}


def test_sharded_is_nag_clean_with_justified_acknowledgments(
    sharded: SynthesizedBlock[StreamBroadcaster],
) -> None:
    assert_nag_clean(sharded.nag_findings)
    assert_acknowledgments_justified(sharded.stack)
    assert {(ack.rule_id, ack.construct_path) for ack in acknowledgments(sharded.stack)} == {
        ("AwsSolutions-SQS3", "BlockUnderTest/Broadcast/FailureQueue"),
        ("Serverless-SQSRedrivePolicy", "BlockUnderTest/Broadcast/FailureQueue"),
        ("AwsSolutions-SQS3", "BlockUnderTest/Broadcast/Fanout/DeadLetterQueue"),
        ("Serverless-SQSRedrivePolicy", "BlockUnderTest/Broadcast/Fanout/DeadLetterQueue"),
        ("AwsSolutions-IAM5[Resource::*]", "BlockUnderTest/BroadcasterRole"),
        (
            "Serverless-LambdaEventSourceMappingDestination",
            "BlockUnderTest/Sender/SqsEventSource:BlockUnderTestBroadcastFanoutQueueDF04B995",
        ),
    }


def test_sharded_template_is_cfn_lint_clean(sharded: SynthesizedBlock[StreamBroadcaster]) -> None:
    assert lint_template(sharded.template.to_json()) == []


def test_sharded_override_batching_retries_concurrency_and_dead_letter_queue(
    sharded_overridden: SynthesizedBlock[StreamBroadcaster],
) -> None:
    fanout = sharded_overridden.block.fanout
    assert fanout is not None
    sharded_overridden.template.resource_count_is(QUEUE, 2)
    sharded_overridden.template.has_resource_properties(
        QUEUE,
        {
            "VisibilityTimeout": 120,
            "RedrivePolicy": {"deadLetterTargetArn": DEAD_LETTERS_ARN, "maxReceiveCount": 5},
        },
    )
    sharded_overridden.template.has_resource_properties(
        MAPPING, {"BatchSize": 2, "ScalingConfig": {"MaximumConcurrency": 50}}
    )
    assert fanout.dead_letter_queue.queue_arn == DEAD_LETTERS_ARN
    assert_nag_clean(sharded_overridden.nag_findings)


@pytest.mark.parametrize("batch_size", [0, 11])
def test_sharded_batch_size_beyond_fifo_limits_is_refused(batch_size: int) -> None:
    with pytest.raises(InvalidFanoutBatchSizeError, match="1 to 10"):
        _sharded(Stack(), batch_size=batch_size)


def test_sharded_visibility_timeout_shorter_than_the_senders_timeout_is_refused() -> None:
    stack = Stack()
    sender = lambda_.Function(
        stack,
        "Sender",
        runtime=lambda_.Runtime.PYTHON_3_13,
        handler="index.handler",
        code=lambda_.Code.from_inline("def handler(event, context):\n    return None\n"),
        timeout=Duration.minutes(2),
    )
    fanout = ShardedFanoutProps(
        sender=sender.current_version.add_alias("live"), visibility_timeout=Duration.minutes(1)
    )
    with pytest.raises(
        VisibilityTimeoutTooShortError, match=r"\(60 s\) is shorter than the sender's timeout \(120 s\)"
    ):
        _build(stack, fanout=fanout)


def test_table_without_stream_is_refused() -> None:
    stack = Stack()
    table = dynamodb.Table.from_table_arn(stack, "NoStream", TABLE_ARN)
    handler = lambda_.Function.from_function_arn(
        stack, "Fn", f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:f"
    )
    with pytest.raises(MissingTableStreamError, match="table_stream_arn"):
        StreamBroadcaster(stack, "Broadcast", props=StreamBroadcasterProps(table=table, handler=handler))
