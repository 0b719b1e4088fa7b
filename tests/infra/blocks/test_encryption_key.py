"""encryption_key: given, every construct encrypts all the storage and logs it creates with that key;
left out, each resource keeps its AWS-managed encryption and says so in a checkov skip."""

from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, Stack
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk.assertions import Template

from serverless_blocks import (
    ApiMonitoring,
    ApiMonitoringProps,
    CognitoRestApi,
    CognitoRestApiProps,
    PythonFunction,
    PythonFunctionProps,
    ShardedFanoutProps,
    StreamBroadcaster,
    StreamBroadcasterProps,
    Table,
    TableProps,
    WebSocketApi,
    WebSocketApiProps,
)
from serverless_blocks.failure_queue import create_failure_queue
from tests.infra.blocks.imported import ACCOUNT, imported_function

# Each kind of resource, the property that names its key, and the checkov check that asks for one.
ENCRYPTED = {
    "AWS::Logs::LogGroup": ("KmsKeyId", "CKV_AWS_158"),
    "AWS::SQS::Queue": ("KmsMasterKeyId", "CKV_AWS_27"),
    "AWS::SNS::Topic": ("KmsMasterKeyId", "CKV_AWS_26"),
    "AWS::DynamoDB::Table": ("SSESpecification", "CKV_AWS_119"),
}
# What each construct creates: a log group from each of the function and both APIs, a table from Table
# and from the WebSocket API, three queues from the stream broadcaster (its failure queue, its fan-out
# queue and that queue's dead-letter queue) and one from create_failure_queue.
EXPECTED_COUNTS = {
    "AWS::Logs::LogGroup": 3,
    "AWS::SQS::Queue": 4,
    "AWS::SNS::Topic": 1,
    "AWS::DynamoDB::Table": 2,
}


def _build_everything(stack: Stack, code_dir: Path, key: kms.IKey | None) -> None:
    string = dynamodb.AttributeType.STRING
    Table(
        stack,
        "Things",
        props=TableProps(partition_key=dynamodb.Attribute(name="pk", type=string), encryption_key=key),
    )
    PythonFunction(
        stack,
        "Worker",
        props=PythonFunctionProps(code_path=str(code_dir), handler="handler.handler", encryption_key=key),
    )
    queue = create_failure_queue(stack, "Failures", destination_of="a test", encryption_key=key)
    rest = CognitoRestApi(
        stack,
        "Rest",
        props=CognitoRestApiProps(user_pool=cognito.UserPool(stack, "Pool"), encryption_key=key),
    )
    rest.add_route("GET", "/health", imported_function(stack, "Health"), public=True)
    rest.add_route("GET", "/things", imported_function(stack, "Lister"))
    actions = imported_function(stack, "Actions")
    WebSocketApi(
        stack,
        "Realtime",
        props=WebSocketApiProps(
            connect_handler=imported_function(stack, "Connect"),
            disconnect_handler=imported_function(stack, "Disconnect"),
            default_handler=actions,
            authorizer_handler=imported_function(stack, "Authorize"),
            encryption_key=key,
        ),
    )
    streamed = dynamodb.Table.from_table_attributes(
        stack,
        "Streamed",
        table_arn=f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/streamed",
        table_stream_arn=f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/streamed/stream/2024-01-01T00:00:00.000",
    )
    # The broadcaster needs a role: the construct grants it the stream.
    broadcaster = lambda_.Function.from_function_attributes(
        stack,
        "BroadcasterWithRole",
        function_arn=f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:broadcaster",
        role=iam.Role.from_role_arn(stack, "BroadcasterRole", f"arn:aws:iam::{ACCOUNT}:role/broadcaster"),
        same_environment=True,
    )
    StreamBroadcaster(
        stack,
        "Broadcast",
        props=StreamBroadcasterProps(
            table=streamed,
            handler=broadcaster,
            encryption_key=key,
            fanout=ShardedFanoutProps(sender=imported_function(stack, "Sender")),
        ),
    )
    ApiMonitoring(stack, "Monitoring", props=ApiMonitoringProps(queues=(queue,), topic_encryption_key=key))


def _resources(tmp_path: Path, *, with_key: bool) -> dict[str, Any]:
    code_dir = tmp_path / "code"
    code_dir.mkdir()
    (code_dir / "handler.py").write_text("def handler(event, context):\n    return {}\n")
    stack = Stack(App(), "Encryption")
    key = kms.Key(stack, "Key", enable_key_rotation=True) if with_key else None
    _build_everything(stack, code_dir, key)
    return Template.from_stack(stack).to_json()["Resources"]


@pytest.fixture(scope="module")
def with_key(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return _resources(tmp_path_factory.mktemp("with_key"), with_key=True)


@pytest.fixture(scope="module")
def without_key(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return _resources(tmp_path_factory.mktemp("without_key"), with_key=False)


def _of_type(resources: dict[str, Any], resource_type: str) -> dict[str, Any]:
    return {logical_id: body for logical_id, body in resources.items() if body["Type"] == resource_type}


def _skipped(body: dict[str, Any]) -> set[str]:
    return {skip["id"] for skip in body.get("Metadata", {}).get("checkov", {}).get("skip", [])}


@pytest.mark.parametrize("resource_type", ENCRYPTED)
def test_every_resource_uses_the_key_given(with_key: dict[str, Any], resource_type: str) -> None:
    key_property, check_id = ENCRYPTED[resource_type]
    resources = _of_type(with_key, resource_type)
    assert len(resources) == EXPECTED_COUNTS[resource_type]
    (key_id,) = _of_type(with_key, "AWS::KMS::Key")
    for logical_id, body in resources.items():
        key_reference = body["Properties"][key_property]
        if resource_type == "AWS::DynamoDB::Table":
            assert key_reference["SSEEnabled"] is True, logical_id
            assert key_reference["SSEType"] == "KMS", logical_id
            key_reference = key_reference["KMSMasterKeyId"]
        assert key_id in str(key_reference), logical_id
        assert check_id not in _skipped(body), logical_id


@pytest.mark.parametrize("resource_type", ENCRYPTED)
def test_without_a_key_each_resource_keeps_aws_managed_encryption_and_skips_the_check(
    without_key: dict[str, Any], resource_type: str
) -> None:
    key_property, check_id = ENCRYPTED[resource_type]
    resources = _of_type(without_key, resource_type)
    assert len(resources) == EXPECTED_COUNTS[resource_type]
    assert _of_type(without_key, "AWS::KMS::Key") == {}
    for logical_id, body in resources.items():
        if resource_type == "AWS::DynamoDB::Table":
            assert body["Properties"]["SSESpecification"] == {"SSEEnabled": True}, logical_id
        else:
            assert key_property not in body.get("Properties", {}), logical_id
        assert check_id in _skipped(body), logical_id
