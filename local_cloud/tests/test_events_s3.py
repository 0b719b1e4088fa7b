"""S3 notifications against the session's moto server: uploads (PutObject and a presigned POST) reach the
notified function as S3 events, failures are retried and then reach the on-failure queue and the DLQ."""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
import requests
from aws_lambda_powertools.utilities.parser.models import S3Model
from event_source_doubles import (
    FakeInvoker,
    QueueReader,
    StartSources,
    fail,
    function_arn,
    function_resource,
    resource,
    unique_name,
    wait_until,
)
from fakes import REGION

from cdk_local_cloud.contracts.deployment import Resource

UPLOADS = "Events-Uploads"


@dataclass
class Aws:
    s3: Any
    sqs: Any


@pytest.fixture
def aws(moto_endpoint: str) -> Aws:
    session = boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION
    )
    return Aws(*(session.client(service, endpoint_url=moto_endpoint) for service in ("s3", "sqs")))


@pytest.fixture
def bucket(aws: Aws) -> Iterator[str]:
    name = unique_name("events-bucket")
    aws.s3.create_bucket(Bucket=name)
    yield name
    for listed in aws.s3.list_objects_v2(Bucket=name).get("Contents", []):
        aws.s3.delete_object(Bucket=name, Key=listed["Key"])
    aws.s3.delete_bucket(Bucket=name)


@pytest.fixture
def queues(aws: Aws) -> Iterator[Callable[[], QueueReader]]:
    created: list[QueueReader] = []

    def create() -> QueueReader:
        created.append(QueueReader(aws.sqs))
        return created[-1]

    yield create
    for queue in created:
        queue.close()


def cdk_notifications(bucket: str, **configuration: Any) -> Resource:
    """A ``Custom::S3BucketNotifications`` as CDK synthesizes it (after intrinsics are resolved)."""
    properties = {"BucketName": bucket, "NotificationConfiguration": configuration, "Managed": True}
    return resource("BucketNotifications", "Custom::S3BucketNotifications", properties)


def function_rule(prefix: str = "", events: tuple[str, ...] = ("s3:ObjectCreated:*",)) -> dict[str, Any]:
    rule: dict[str, Any] = {"Events": list(events), "LambdaFunctionArn": function_arn(UPLOADS)}
    if prefix:
        rule["Filter"] = {"Key": {"FilterRules": [{"Name": "prefix", "Value": prefix}]}}
    return rule


def invoke_config(**properties: Any) -> Resource:
    return resource(
        "UploadsInvokeConfig",
        "AWS::Lambda::EventInvokeConfig",
        {"FunctionName": UPLOADS, "Qualifier": "$LATEST"} | properties,
    )


def s3_records(invoker: FakeInvoker) -> list[dict[str, Any]]:
    return [record for event in invoker.events(UPLOADS) for record in event["Records"]]


def keys(invoker: FakeInvoker) -> list[str]:
    return [record["s3"]["object"]["key"] for record in s3_records(invoker)]


def test_an_upload_under_the_prefix_reaches_the_function_as_an_s3_event(
    start_sources: StartSources, aws: Aws, bucket: str, invoker: FakeInvoker
) -> None:
    start_sources(
        function_resource(UPLOADS),
        cdk_notifications(bucket, LambdaFunctionConfigurations=[function_rule("uploads/")]),
    )

    aws.s3.put_object(Bucket=bucket, Key="elsewhere/skipped.txt", Body=b"no")
    aws.s3.put_object(Bucket=bucket, Key="uploads/a photo+1.png", Body=b"hello")

    wait_until(lambda: keys(invoker), "the upload's event")
    (record,) = s3_records(invoker)
    assert record["eventName"] == "ObjectCreated:Put"
    assert record["eventSource"] == "aws:s3"
    assert record["awsRegion"] == REGION
    assert record["s3"]["bucket"]["name"] == bucket
    assert record["s3"]["bucket"]["arn"] == f"arn:aws:s3:::{bucket}"
    s3_object = record["s3"]["object"]
    assert s3_object["key"] == "uploads/a+photo%2B1.png"
    assert s3_object["size"] == 5
    assert s3_object["eTag"] == "5d41402abc4b2a76b9719d911017c592"
    assert s3_object["sequencer"]
    assert "versionId" not in s3_object
    S3Model.model_validate(invoker.events(UPLOADS)[0])


def test_an_idle_poller_is_woken_by_an_upload_instead_of_waiting_out_its_interval(
    start_sources: StartSources, aws: Aws, bucket: str, invoker: FakeInvoker
) -> None:
    """Read once an hour when idle, the S3 event queue still hands each upload over as it arrives: the
    embedded AWS wakes its poller (before, the poller read it every poll_interval, however idle)."""
    start_sources(
        function_resource(UPLOADS),
        cdk_notifications(bucket, LambdaFunctionConfigurations=[function_rule("uploads/")]),
        poll_interval=3600,
        idle_poll_interval=3600,
    )

    aws.s3.put_object(Bucket=bucket, Key="uploads/first.txt", Body=b"1")
    wait_until(lambda: keys(invoker) == ["uploads/first.txt"], "the first upload's event")
    aws.s3.put_object(Bucket=bucket, Key="uploads/second.txt", Body=b"2")

    wait_until(lambda: "uploads/second.txt" in keys(invoker), "the upload made while the poller waits")


def test_a_presigned_post_upload_is_an_object_created_post_event(
    start_sources: StartSources, aws: Aws, bucket: str, invoker: FakeInvoker
) -> None:
    start_sources(
        function_resource(UPLOADS), cdk_notifications(bucket, LambdaFunctionConfigurations=[function_rule()])
    )
    post = aws.s3.generate_presigned_post(
        bucket, "uploads/form.txt", Conditions=[["content-length-range", 1, 1024]], ExpiresIn=300
    )

    response = requests.post(
        post["url"], data=post["fields"], files={"file": ("form.txt", b"abc")}, timeout=10
    )

    assert response.status_code == 204
    wait_until(lambda: keys(invoker), "the upload's event")
    (record,) = s3_records(invoker)
    assert (record["eventName"], record["s3"]["object"]["key"]) == ("ObjectCreated:Post", "uploads/form.txt")
    assert record["s3"]["object"]["size"] == 3


def test_a_versioned_bucket_puts_the_version_in_the_event(
    start_sources: StartSources, aws: Aws, bucket: str, invoker: FakeInvoker
) -> None:
    aws.s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    start_sources(
        function_resource(UPLOADS), cdk_notifications(bucket, LambdaFunctionConfigurations=[function_rule()])
    )

    version = aws.s3.put_object(Bucket=bucket, Key="v.txt", Body=b"1")["VersionId"]

    wait_until(lambda: keys(invoker), "the upload's event")
    assert s3_records(invoker)[0]["s3"]["object"]["versionId"] == version
    for listed in aws.s3.list_object_versions(Bucket=bucket).get("Versions", []):
        aws.s3.delete_object(Bucket=bucket, Key=listed["Key"], VersionId=listed["VersionId"])


def test_a_failing_function_is_retried_then_reported_to_the_on_failure_queue_and_the_dlq(
    start_sources: StartSources,
    aws: Aws,
    bucket: str,
    invoker: FakeInvoker,
    queues: Callable[[], QueueReader],
) -> None:
    on_failure, dead_letters = queues(), queues()
    invoker.respond = fail
    start_sources(
        function_resource(UPLOADS, DeadLetterConfig={"TargetArn": dead_letters.arn}),
        invoke_config(
            MaximumRetryAttempts=1, DestinationConfig={"OnFailure": {"Destination": on_failure.arn}}
        ),
        cdk_notifications(bucket, LambdaFunctionConfigurations=[function_rule()]),
    )

    aws.s3.put_object(Bucket=bucket, Key="broken.txt", Body=b"x")

    (message,) = on_failure.wait_for_messages(1)
    body = message["Body"]
    assert len(invoker.events(UPLOADS)) == 2
    assert body["version"] == "1.0"
    assert body["timestamp"].endswith("Z")
    assert body["requestContext"]["condition"] == "RetriesExhausted"
    assert body["requestContext"]["approximateInvokeCount"] == 2
    assert body["requestContext"]["functionArn"] == f"{function_arn(UPLOADS)}:$LATEST"
    assert body["requestPayload"] == invoker.events(UPLOADS)[0]
    assert body["responseContext"] == {
        "statusCode": 200,
        "executedVersion": "$LATEST",
        "functionError": "Unhandled",
    }
    assert body["responsePayload"] == {
        "errorMessage": "the function failed on purpose",
        "errorType": "RuntimeError",
    }

    (dead_letter,) = dead_letters.wait_for_messages(1)
    assert dead_letter["Body"] == invoker.events(UPLOADS)[0]
    attributes = dead_letter["MessageAttributes"]
    assert attributes["RequestID"]["StringValue"] == body["requestContext"]["requestId"]
    assert attributes["ErrorMessage"]["StringValue"] == "the function failed on purpose"


def test_the_default_async_settings_retry_twice(
    start_sources: StartSources,
    aws: Aws,
    bucket: str,
    invoker: FakeInvoker,
    queues: Callable[[], QueueReader],
) -> None:
    dead_letters = queues()
    invoker.respond = fail
    start_sources(
        function_resource(UPLOADS, DeadLetterConfig={"TargetArn": dead_letters.arn}),
        cdk_notifications(bucket, LambdaFunctionConfigurations=[function_rule()]),
    )

    aws.s3.put_object(Bucket=bucket, Key="broken.txt", Body=b"x")

    dead_letters.wait_for_messages(1)
    assert len(invoker.events(UPLOADS)) == 3


def test_notifications_on_the_bucket_itself_work_and_keep_their_queue_targets(
    start_sources: StartSources,
    aws: Aws,
    bucket: str,
    invoker: FakeInvoker,
    queues: Callable[[], QueueReader],
) -> None:
    audit = queues()
    bucket_resource = resource(
        "Bucket",
        "AWS::S3::Bucket",
        {
            "NotificationConfiguration": {
                "LambdaConfigurations": [
                    {
                        "Event": "s3:ObjectRemoved:*",
                        "Function": function_arn(UPLOADS),
                        "Filter": {"S3Key": {"Rules": [{"Name": "suffix", "Value": ".txt"}]}},
                    }
                ],
                "QueueConfigurations": [{"Event": "s3:ObjectCreated:*", "Queue": audit.arn}],
            }
        },
        physical_id=bucket,
    )
    start_sources(function_resource(UPLOADS), bucket_resource)

    aws.s3.put_object(Bucket=bucket, Key="gone.txt", Body=b"x")
    aws.s3.delete_object(Bucket=bucket, Key="gone.txt")

    wait_until(lambda: keys(invoker), "the removal's event")
    assert [record["eventName"] for record in s3_records(invoker)] == ["ObjectRemoved:Delete"]
    (audited,) = [m for m in audit.wait_for_messages(2) if "Records" in m["Body"]]
    assert audited["Body"]["Records"][0]["s3"]["object"]["key"] == "gone.txt"


def test_close_gives_the_bucket_back_its_own_configuration_and_removes_the_internal_queue(
    start_sources: StartSources, aws: Aws, bucket: str
) -> None:
    rules = [function_rule()]
    sources = start_sources(
        function_resource(UPLOADS), cdk_notifications(bucket, LambdaFunctionConfigurations=rules)
    )
    (internal,) = aws.s3.get_bucket_notification_configuration(Bucket=bucket)["QueueConfigurations"]
    internal_queue = internal["QueueArn"].rsplit(":", 1)[-1]

    sources.close()

    assert not aws.s3.get_bucket_notification_configuration(Bucket=bucket).get("QueueConfigurations")
    with pytest.raises(aws.sqs.exceptions.QueueDoesNotExist):
        aws.sqs.get_queue_url(QueueName=internal_queue)


def test_unsupported_destinations_get_one_warning_line(
    start_sources: StartSources, bucket: str, caplog: pytest.LogCaptureFixture
) -> None:
    bus = f"arn:aws:events:{REGION}:123456789012:event-bus/default"
    start_sources(
        function_resource(UPLOADS),
        invoke_config(DestinationConfig={"OnFailure": {"Destination": bus}}),
        cdk_notifications(bucket, LambdaFunctionConfigurations=[function_rule()]),
    )

    warnings = [r.getMessage() for r in caplog.records if bus in r.getMessage()]
    assert len(warnings) == 1
    assert UPLOADS in warnings[0]
