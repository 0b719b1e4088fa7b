"""Attachments across the stacks: the S3 notification, the uploads function and its exact grants, the REST
handler's grants, the uncached listing, the stream filter, and the alarms on the new function and queue."""

import json
from typing import Any

import pytest
from aws_cdk.assertions import Match, Template

from lambdas.corkboard import table_design as design
from stacks.config import DEFAULT_ATTACHMENT_MAX_BYTES
from stacks.rest_routes import REST_ROUTES
from tests.infra.conftest import SynthesizedApp
from tests.infra.policy_statements import function_properties, role_statements

UPLOADS_HANDLER = "uploads.processor.handler"
REST_HANDLER = "api.app.handler"
ATTACHMENTS_PATH = "/boards/{boardId}/tasks/{taskId}/attachments"
INCOMING = f"{design.INCOMING_KEY_PREFIX}*"
SERVED = f"{design.ATTACHMENTS_KEY_PREFIX}*"
# What each statement of the processor and the REST handler must allow on attachments, and nothing more:
# the processor reads and deletes uploads and writes served files; the REST handler signs uploads and
# downloads and deletes both kinds of file with a task or a board.
UPLOADS_INCOMING_ACTIONS = [
    "s3:DeleteObject",
    "s3:DeleteObjectVersion",
    "s3:GetObject",
    "s3:GetObjectVersion",
]
UPLOADS_SERVED_ACTIONS = "s3:PutObject"
REST_INCOMING_ACTIONS = ["s3:DeleteObject", "s3:DeleteObjectVersion", "s3:PutObject"]
REST_SERVED_ACTIONS = ["s3:DeleteObject", "s3:DeleteObjectVersion", "s3:GetObject"]
REST_LISTING_ACTIONS = ["s3:ListBucket", "s3:ListBucketVersions"]


def _only_id(template: Template, resource_type: str, properties: Any = None) -> str:
    pattern = {"Properties": properties} if properties is not None else None
    (logical_id,) = template.find_resources(resource_type, pattern)
    return logical_id


def _attachments_bucket_id(data: Template) -> str:
    # The log bucket has no CORS; browsers upload only into the attachments bucket.
    return _only_id(data, "AWS::S3::Bucket", {"CorsConfiguration": Match.any_value()})


def _main_table_id(data: Template) -> str:
    return _only_id(data, "AWS::DynamoDB::Table", {"GlobalSecondaryIndexes": Match.any_value()})


def _uploads_alias_id(data: Template) -> str:
    """S3 invokes the uploads function through its `live` alias, which CodeDeploy moves on each release."""
    uploads_id = _only_id(data, "AWS::Lambda::Function", {"Handler": UPLOADS_HANDLER})
    return _only_id(data, "AWS::Lambda::Alias", {"FunctionName": {"Ref": uploads_id}})


def _get_att_arn(logical_id: str) -> dict[str, Any]:
    return {"Fn::GetAtt": [logical_id, "Arn"]}


def _sorted(statements: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(statements, key=lambda statement: json.dumps(statement, sort_keys=True))


def _s3_statements(statements: list[dict[str, Any]]) -> list[dict[str, Any]]:
    def actions(statement: dict[str, Any]) -> list[str]:
        action = statement["Action"]
        return action if isinstance(action, list) else [action]

    return [statement for statement in statements if any(a.startswith("s3:") for a in actions(statement))]


def _output_of(reference: dict[str, Any]) -> str:
    """The output a weak cross-stack reference reads, e.g. 'PublishOutputRefUploadsFunction...'."""
    return reference["Fn::GetStackOutput"]["OutputName"]


def test_uploads_are_routed_to_the_uploads_function_under_the_incoming_prefix_only(
    data_template: Template,
) -> None:
    alias_id = _uploads_alias_id(data_template)
    data_template.has_resource_properties(
        "Custom::S3BucketNotifications",
        {
            "BucketName": {"Ref": _attachments_bucket_id(data_template)},
            "NotificationConfiguration": {
                "LambdaFunctionConfigurations": [
                    {
                        "Events": ["s3:ObjectCreated:*"],
                        "Filter": {
                            "Key": {"FilterRules": [{"Name": "prefix", "Value": design.INCOMING_KEY_PREFIX}]}
                        },
                        "LambdaFunctionArn": {"Ref": alias_id},
                    }
                ]
            },
        },
    )


def test_only_this_bucket_in_this_account_may_invoke_the_uploads_function(data_template: Template) -> None:
    alias_id = _uploads_alias_id(data_template)
    permissions = data_template.find_resources(
        "AWS::Lambda::Permission", {"Properties": {"FunctionName": {"Ref": alias_id}}}
    )
    assert [permission["Properties"] for permission in permissions.values()] == [
        {
            "Action": "lambda:InvokeFunction",
            "FunctionName": {"Ref": alias_id},
            "Principal": "s3.amazonaws.com",
            "SourceAccount": {"Ref": "AWS::AccountId"},
            "SourceArn": _get_att_arn(_attachments_bucket_id(data_template)),
        }
    ]


def test_failed_upload_events_are_retried_then_kept_in_the_failure_queue(data_template: Template) -> None:
    queue_id = _only_id(data_template, "AWS::SQS::Queue")
    data_template.has_resource_properties(
        "AWS::SQS::Queue", {"MessageRetentionPeriod": 14 * 24 * 3600, "SqsManagedSseEnabled": True}
    )
    data_template.has_resource_properties(
        "AWS::Lambda::EventInvokeConfig",
        {
            "FunctionName": {
                "Ref": _only_id(data_template, "AWS::Lambda::Function", {"Handler": UPLOADS_HANDLER})
            },
            "Qualifier": Match.any_value(),  # the live alias's name, read from its ARN
            "MaximumRetryAttempts": 2,
            "MaximumEventAgeInSeconds": 6 * 3600,
            "DestinationConfig": {"OnFailure": {"Destination": _get_att_arn(queue_id)}},
        },
    )
    data_template.has_output("UploadsFailureQueueUrl", {"Value": {"Ref": queue_id}})


def test_uploads_function_gets_the_table_the_bucket_and_the_limit(data_template: Template) -> None:
    properties = function_properties(data_template, UPLOADS_HANDLER)
    variables = properties["Environment"]["Variables"]
    assert variables[design.ENV_TABLE_NAME] == {"Ref": _main_table_id(data_template)}
    assert variables[design.ENV_ATTACHMENTS_BUCKET_NAME] == {"Ref": _attachments_bucket_id(data_template)}
    assert variables[design.ENV_ATTACHMENT_MAX_BYTES] == str(DEFAULT_ATTACHMENT_MAX_BYTES)
    assert properties["Runtime"] == "python3.13"
    assert properties["Architectures"] == ["arm64"]


def test_uploads_function_has_exactly_the_grants_it_needs(data_template: Template) -> None:
    bucket_arn = _get_att_arn(_attachments_bucket_id(data_template))
    expected = [
        {
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Effect": "Allow",
            "Resource": _get_att_arn(_only_id(data_template, "AWS::Logs::LogGroup")),
        },
        {"Action": ["xray:PutTelemetryRecords", "xray:PutTraceSegments"], "Effect": "Allow", "Resource": "*"},
        {
            "Action": ["dynamodb:GetItem", "dynamodb:UpdateItem"],
            "Effect": "Allow",
            "Resource": _get_att_arn(_main_table_id(data_template)),
        },
        {
            "Action": UPLOADS_INCOMING_ACTIONS,
            "Effect": "Allow",
            "Resource": {"Fn::Join": ["", [bucket_arn, f"/{INCOMING}"]]},
        },
        {
            "Action": UPLOADS_SERVED_ACTIONS,
            "Effect": "Allow",
            "Resource": {"Fn::Join": ["", [bucket_arn, f"/{SERVED}"]]},
        },
        # Only to tell a missing upload from a refused one (AttachmentBucket.describe), only under incoming/.
        {
            "Action": ["s3:ListBucket", "s3:ListBucketVersions"],
            "Condition": {"StringLike": {"s3:prefix": [INCOMING]}},
            "Effect": "Allow",
            "Resource": bucket_arn,
        },
        {
            "Action": ["sqs:GetQueueAttributes", "sqs:GetQueueUrl", "sqs:SendMessage"],
            "Effect": "Allow",
            "Resource": _get_att_arn(_only_id(data_template, "AWS::SQS::Queue")),
        },
    ]
    assert _sorted(role_statements(data_template, UPLOADS_HANDLER)) == _sorted(expected)


def test_rest_handler_gets_the_bucket_and_the_limit(api_template: Template) -> None:
    variables = function_properties(api_template, REST_HANDLER)["Environment"]["Variables"]
    assert _output_of(variables[design.ENV_ATTACHMENTS_BUCKET_NAME]).startswith(
        "PublishOutputRefAttachmentsBucket"
    )
    assert variables[design.ENV_ATTACHMENT_MAX_BYTES] == str(DEFAULT_ATTACHMENT_MAX_BYTES)


def test_rest_handler_touches_attachment_objects_only_and_lists_only_under_the_prefixes(
    api_template: Template,
) -> None:
    statements = _s3_statements(role_statements(api_template, REST_HANDLER))
    listing = [statement for statement in statements if "s3:ListBucket" in statement["Action"]]
    objects = sorted(
        (statement for statement in statements if statement not in listing),
        key=lambda statement: json.dumps(statement["Resource"]),
    )
    bucket_arn = objects[0]["Resource"]["Fn::Join"][1][0]
    assert _output_of(bucket_arn).startswith("PublishOutputFnGetAttAttachmentsBucket")
    assert objects == [
        {
            "Action": REST_SERVED_ACTIONS,
            "Effect": "Allow",
            "Resource": {"Fn::Join": ["", [bucket_arn, f"/{SERVED}"]]},
        },
        {
            "Action": REST_INCOMING_ACTIONS,
            "Effect": "Allow",
            "Resource": {"Fn::Join": ["", [bucket_arn, f"/{INCOMING}"]]},
        },
    ]
    assert listing == [
        {
            "Action": REST_LISTING_ACTIONS,
            "Condition": {"StringLike": {"s3:prefix": [INCOMING, SERVED]}},
            "Effect": "Allow",
            "Resource": bucket_arn,
        }
    ]


@pytest.mark.parametrize(("environment", "versioned"), [("dev_app", False), ("prod_app", True)])
def test_uploads_that_are_never_checked_expire_under_the_incoming_prefix(
    environment: str, versioned: bool, request: pytest.FixtureRequest
) -> None:
    data = Template.from_json(request.getfixturevalue(environment).template("data"))
    bucket = data.find_resources("AWS::S3::Bucket")[_attachments_bucket_id(data)]
    rules = {rule.get("Id"): rule for rule in bucket["Properties"]["LifecycleConfiguration"]["Rules"]}
    days = design.INCOMING_EXPIRY_DAYS
    expire = {"Id": "ExpireUncheckedUploads", "Prefix": design.INCOMING_KEY_PREFIX, "ExpirationInDays": days}
    if versioned:
        expire["NoncurrentVersionExpiration"] = {"NoncurrentDays": days}
    assert rules["ExpireUncheckedUploads"] == {**expire, "Status": "Enabled"}
    markers = rules.get("RemoveExpiredUploadMarkers")
    if versioned:
        assert markers == {
            "Id": "RemoveExpiredUploadMarkers",
            "Prefix": design.INCOMING_KEY_PREFIX,
            "ExpiredObjectDeleteMarker": True,
            "Status": "Enabled",
        }
    else:
        assert markers is None


def test_the_attachments_routes_are_served(api_template: Template) -> None:
    attachments = {"Ref": _only_id(api_template, "AWS::ApiGateway::Resource", {"PathPart": "attachments"})}
    methods = api_template.find_resources(
        "AWS::ApiGateway::Method", {"Properties": {"ResourceId": attachments}}
    )
    # ANY answers every other method 405 (serverless_blocks/method_not_allowed.py).
    assert {method["Properties"]["HttpMethod"] for method in methods.values()} == {
        "GET",
        "POST",
        "OPTIONS",
        "ANY",
    }


def _stage_settings(prod_app: SynthesizedApp) -> dict[tuple[str, str], dict[str, Any]]:
    (stage,) = Template.from_json(prod_app.template("api")).find_resources("AWS::ApiGateway::Stage").values()
    return {
        (setting["HttpMethod"], setting["ResourcePath"]): setting
        for setting in stage["Properties"]["MethodSettings"]
    }


def test_the_listing_is_never_cached_because_its_download_urls_expire(prod_app: SynthesizedApp) -> None:
    (listing,) = (route for route in REST_ROUTES if route.key == f"GET {ATTACHMENTS_PATH}")
    assert not listing.cacheable
    api = Template.from_json(prod_app.template("api"))
    stage_path = ATTACHMENTS_PATH.replace("/", "~1")
    assert ("GET", f"/{stage_path}") not in _stage_settings(prod_app)
    api.has_resource_properties("AWS::ApiGateway::Stage", {"CacheClusterEnabled": True})
    api.has_resource_properties(
        "AWS::ApiGateway::Method",
        {
            "HttpMethod": "GET",
            "ResourceId": {"Ref": _only_id(api, "AWS::ApiGateway::Resource", {"PathPart": "attachments"})},
            "Integration": Match.object_like({"CacheKeyParameters": Match.absent()}),
        },
    )


def test_starting_uploads_is_throttled_per_route_in_prod(prod_app: SynthesizedApp) -> None:
    setting = _stage_settings(prod_app)[("POST", f"/{ATTACHMENTS_PATH.replace('/', '~1')}")]
    assert (setting["ThrottlingRateLimit"], setting["ThrottlingBurstLimit"]) == (20, 40)
    assert not setting["CachingEnabled"]


def test_attachment_records_reach_the_broadcaster(realtime_template: Template) -> None:
    (mapping,) = realtime_template.find_resources("AWS::Lambda::EventSourceMapping").values()
    patterns = [json.loads(entry["Pattern"]) for entry in mapping["Properties"]["FilterCriteria"]["Filters"]]
    prefixes = [rule for pattern in patterns for rule in pattern["dynamodb"]["Keys"][design.SORT_KEY]["S"]]
    assert {"prefix": "ATTACH#"} in prefixes


def _alarms(app: SynthesizedApp) -> dict[str, dict[str, Any]]:
    monitoring = Template.from_json(app.template("monitoring"))
    return monitoring.find_resources("AWS::CloudWatch::Alarm")


def _dimension_outputs(alarm: dict[str, Any]) -> set[str]:
    """The cross-stack outputs an alarm's dimensions read; math alarms and literal values have none."""
    return {
        _output_of(dimension["Value"])
        for dimension in alarm["Properties"].get("Dimensions", [])
        if isinstance(dimension["Value"], dict) and "Fn::GetStackOutput" in dimension["Value"]
    }


@pytest.mark.parametrize("environment", ["dev_app", "prod_app"])
def test_the_uploads_function_alarms_on_errors_throttles_and_duration(
    environment: str, request: pytest.FixtureRequest
) -> None:
    alarms = _alarms(request.getfixturevalue(environment))
    watched = {
        alarm["Properties"]["MetricName"]: alarm["Properties"]
        for alarm in alarms.values()
        if any(output.startswith("PublishOutputRefUploadsFunction") for output in _dimension_outputs(alarm))
    }
    assert set(watched) == {"Errors", "Throttles", "Duration"}
    assert watched["Errors"]["Threshold"] == 0
    assert watched["Throttles"]["Threshold"] == 0
    assert watched["Duration"]["ExtendedStatistic"] == "p99"
    for alarm in watched.values():
        assert alarm["ComparisonOperator"] == "GreaterThanThreshold"
        assert alarm["AlarmActions"] == alarm["OKActions"] != []


@pytest.mark.parametrize("environment", ["dev_app", "prod_app"])
def test_any_message_in_the_upload_failure_queue_raises_an_alarm(
    environment: str, request: pytest.FixtureRequest
) -> None:
    (alarm,) = (
        alarm["Properties"]
        for alarm in _alarms(request.getfixturevalue(environment)).values()
        if alarm["Properties"].get("Namespace") == "AWS/SQS"
        and any(
            output.startswith("PublishOutputFnGetAttUploadsFailureQueue")
            for output in _dimension_outputs(alarm)
        )
    )
    assert alarm["MetricName"] == "ApproximateNumberOfMessagesVisible"
    assert (alarm["Threshold"], alarm["ComparisonOperator"]) == (0, "GreaterThanThreshold")
    assert alarm["TreatMissingData"] == "notBreaching"


def test_the_dashboard_shows_every_alarm(dev_app: SynthesizedApp) -> None:
    monitoring = Template.from_json(dev_app.template("monitoring"))
    (dashboard,) = monitoring.find_resources("AWS::CloudWatch::Dashboard").values()
    body = json.dumps(dashboard["Properties"]["DashboardBody"])
    for logical_id in monitoring.find_resources("AWS::CloudWatch::Alarm"):
        assert json.dumps(_get_att_arn(logical_id)) in body, logical_id


# Per environment and stack, the number of resources of each type that attachments changed.
RESOURCE_COUNTS = {
    "data": {
        "AWS::Lambda::Function": 2,  # the uploads function and CDK's notifications handler
        "AWS::Lambda::EventInvokeConfig": 1,
        "Custom::S3BucketNotifications": 1,
        "AWS::SQS::Queue": 1,
        "AWS::S3::Bucket": 2,  # attachments and their access logs
        "AWS::IAM::Role": 3,  # the uploads function's, the notifications handler's, CodeDeploy's
    },
    # 17 routes, 10 CORS preflights (every resource and the root) and 9 ANY methods answering 405.
    "api": {"AWS::ApiGateway::Method": 36, "AWS::ApiGateway::Resource": 9, "AWS::Lambda::Permission": 17},
    "monitoring": {"AWS::CloudWatch::Alarm": 32, "AWS::CloudWatch::Dashboard": 1},
}
# prod shards its fan-out (cdk.json shardedFanout): the sender's three alarms and its dead-letter queue's.
PROD_EXTRA_COUNTS = {"monitoring": {"AWS::CloudWatch::Alarm": 4}}


@pytest.mark.parametrize("environment", ["dev_app", "prod_app"])
@pytest.mark.parametrize("stack_name", sorted(RESOURCE_COUNTS))
def test_resource_counts(environment: str, stack_name: str, request: pytest.FixtureRequest) -> None:
    template = Template.from_json(request.getfixturevalue(environment).template(stack_name))
    extra = PROD_EXTRA_COUNTS.get(stack_name, {}) if environment == "prod_app" else {}
    for resource_type, count in RESOURCE_COUNTS[stack_name].items():
        template.resource_count_is(resource_type, count + extra.get(resource_type, 0))
