"""ApiMonitoring: the alarms of a full setup, their thresholds and actions, the topic, the dashboard.

Functions, table, queue and WebSocket API are imported, and the REST API is a CognitoRestApi, so
that cdk-nag and cfn-lint see only what the construct adds besides an API that is clean on its own.
"""

import json
from typing import Any

import pytest
from aws_cdk import Duration, Stack
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from aws_cdk.assertions import Annotations, Match

from serverless_blocks import (
    ApiMonitoring,
    ApiMonitoringProps,
    CognitoRestApi,
    CognitoRestApiProps,
    NothingToMonitorError,
    WebSocketStageWithoutApiError,
)
from serverless_blocks.testing import acknowledgments, assert_acknowledgments_justified, assert_nag_clean
from tests.infra.blocks.block_synthesis import SynthesizedBlock, synthesize
from tests.infra.blocks.imported import ACCOUNT, imported_function
from tests.infra.cfn_lint_check import lint_template

ALARM = "AWS::CloudWatch::Alarm"
EMAIL = "oncall@example.com"
WEBSOCKET_API_ID = "ws12345678"
# Every alarm of the full setup and its default threshold (milliseconds for latency and duration).
FULL_SETUP_THRESHOLDS = {
    "RestApiClientErrorRate": 0.05,
    "RestApiServerErrors": 0,
    "RestApiLatencyP99": 2000,
    "ItemsErrors": 0,
    "ItemsThrottles": 0,
    "ItemsDurationP99": 5000,
    "ReportsErrors": 0,
    "ReportsThrottles": 0,
    "ReportsDurationP99": 5000,
    "GatekeeperErrors": 100,
    "GatekeeperThrottles": 0,
    "GatekeeperDurationP99": 5000,
    "ThingsThrottledRequests": 0,
    "DynamoDbUserErrors": 0,
    "FailuresDepth": 0,
    "WebSocketConnects": 1000,
    "WebSocketMessages": 10_000,
}
TABLE_OPERATIONS = {
    "GetItem",
    "BatchGetItem",
    "Query",
    "Scan",
    "PutItem",
    "UpdateItem",
    "DeleteItem",
    "BatchWriteItem",
    "TransactGetItems",
    "TransactWriteItems",
}


def _full_setup(stack: Stack) -> ApiMonitoring:
    items = imported_function(stack, "Items")
    user_pool = cognito.UserPool.from_user_pool_arn(
        stack, "Pool", f"arn:aws:cognito-idp:us-east-1:{ACCOUNT}:userpool/us-east-1_Example"
    )
    api = CognitoRestApi(stack, "Api", props=CognitoRestApiProps(user_pool=user_pool))
    api.add_route("GET", "/items", items)
    props = ApiMonitoringProps(
        rest_api=api.api,
        functions=(items, imported_function(stack, "Reports")),
        refusing_functions=(imported_function(stack, "Gatekeeper"),),
        tables=(dynamodb.Table.from_table_name(stack, "Things", "things"),),
        queues=(sqs.Queue.from_queue_arn(stack, "Failures", f"arn:aws:sqs:us-east-1:{ACCOUNT}:failures"),),
        websocket_api=apigwv2.WebSocketApi.from_web_socket_api_attributes(
            stack, "Realtime", web_socket_id=WEBSOCKET_API_ID
        ),
        websocket_stage_name="v1",
        alarm_email=EMAIL,
    )
    return ApiMonitoring(stack, "Monitoring", props=props)


@pytest.fixture(scope="module")
def full(tmp_path_factory: pytest.TempPathFactory) -> SynthesizedBlock[ApiMonitoring]:
    return synthesize(_full_setup, tmp_path_factory.mktemp("full"))


@pytest.fixture(scope="module")
def overridden(tmp_path_factory: pytest.TempPathFactory) -> SynthesizedBlock[ApiMonitoring]:
    def build(stack: Stack) -> ApiMonitoring:
        props = ApiMonitoringProps(
            functions=(imported_function(stack, "Items"),),
            topic_encryption_key=kms.Key(stack, "AlarmKey", enable_key_rotation=True),
            dashboard_name="items-health",
            period=Duration.minutes(1),
            evaluation_periods=5,
            datapoints_to_alarm=3,
            function_error_threshold=2,
            function_throttle_threshold=4,
            function_duration_p99_threshold=Duration.millis(800),
        )
        return ApiMonitoring(stack, "Monitoring", props=props)

    return synthesize(build, tmp_path_factory.mktemp("overridden"))


def _alarm_properties(synthesized: SynthesizedBlock[ApiMonitoring]) -> dict[str, dict[str, Any]]:
    """Each alarm's template properties, by its key in ``ApiMonitoring.alarms``."""
    resources = synthesized.template.to_json()["Resources"]
    return {
        key: resources[synthesized.stack.get_logical_id(alarm.node.default_child)]["Properties"]
        for key, alarm in synthesized.block.alarms.items()
    }


def _topic_ref(synthesized: SynthesizedBlock[ApiMonitoring]) -> dict[str, str]:
    return {"Ref": synthesized.stack.get_logical_id(synthesized.block.topic.node.default_child)}


def _metric_stats(alarm: dict[str, Any]) -> list[dict[str, Any]]:
    """The metric(s) behind an alarm, whether it watches one metric or a math expression."""
    if "Metrics" in alarm:
        return [query["MetricStat"] for query in alarm["Metrics"] if "MetricStat" in query]
    metric = {key: alarm[key] for key in ("Namespace", "MetricName") if key in alarm}
    stat = alarm.get("Statistic") or alarm.get("ExtendedStatistic")
    return [
        {
            "Metric": {**metric, "Dimensions": alarm.get("Dimensions", [])},
            "Period": alarm["Period"],
            "Stat": stat,
        }
    ]


def _dimensions(stat: dict[str, Any]) -> dict[str, Any]:
    return {dimension["Name"]: dimension["Value"] for dimension in stat["Metric"]["Dimensions"]}


def _dashboard_widgets(synthesized: SynthesizedBlock[ApiMonitoring]) -> list[dict[str, Any]]:
    """The dashboard's widgets, with every CloudFormation token in its body replaced by 'TOKEN'."""
    (dashboard,) = synthesized.template.find_resources("AWS::CloudWatch::Dashboard").values()
    parts = dashboard["Properties"]["DashboardBody"]["Fn::Join"][1]
    body = "".join(part if isinstance(part, str) else "TOKEN" for part in parts)
    return json.loads(body)["widgets"]


def test_full_setup_has_one_alarm_per_failure_signal(full: SynthesizedBlock[ApiMonitoring]) -> None:
    assert set(full.block.alarms) == set(FULL_SETUP_THRESHOLDS)
    full.template.resource_count_is(ALARM, len(FULL_SETUP_THRESHOLDS))
    assert all(isinstance(alarm, cloudwatch.Alarm) for alarm in full.block.alarms.values())


def test_full_setup_default_thresholds(full: SynthesizedBlock[ApiMonitoring]) -> None:
    assert {
        key: alarm["Threshold"] for key, alarm in _alarm_properties(full).items()
    } == FULL_SETUP_THRESHOLDS


def test_every_alarm_notifies_the_topic_when_it_fires_and_when_it_recovers(
    full: SynthesizedBlock[ApiMonitoring],
) -> None:
    topic = _topic_ref(full)
    for key, alarm in _alarm_properties(full).items():
        assert (alarm["AlarmActions"], alarm["OKActions"]) == ([topic], [topic]), key
        assert alarm["AlarmDescription"], key


def test_every_alarm_fires_above_its_threshold_in_2_of_3_five_minute_periods(
    full: SynthesizedBlock[ApiMonitoring],
) -> None:
    for key, alarm in _alarm_properties(full).items():
        assert {
            "ComparisonOperator": alarm["ComparisonOperator"],
            "EvaluationPeriods": alarm["EvaluationPeriods"],
            "DatapointsToAlarm": alarm["DatapointsToAlarm"],
            "TreatMissingData": alarm["TreatMissingData"],
        } == {
            "ComparisonOperator": "GreaterThanThreshold",
            "EvaluationPeriods": 3,
            "DatapointsToAlarm": 2,
            "TreatMissingData": "notBreaching",
        }, key
        assert {stat["Period"] for stat in _metric_stats(alarm)} == {300}, key


def test_rest_api_alarms_watch_the_error_rate_errors_and_p99_latency(
    full: SynthesizedBlock[ApiMonitoring],
) -> None:
    alarms = _alarm_properties(full)
    watched = {
        key: (stat["Metric"]["MetricName"], stat["Stat"])
        for key in ("RestApiClientErrorRate", "RestApiServerErrors", "RestApiLatencyP99")
        for stat in _metric_stats(alarms[key])
    }
    assert watched == {
        "RestApiClientErrorRate": ("4XXError", "Average"),
        "RestApiServerErrors": ("5XXError", "Sum"),
        "RestApiLatencyP99": ("Latency", "p99"),
    }
    (stat,) = _metric_stats(alarms["RestApiServerErrors"])
    assert set(_dimensions(stat)) == {"ApiName"}


def test_function_alarms_watch_errors_throttles_and_p99_duration(
    full: SynthesizedBlock[ApiMonitoring],
) -> None:
    alarms = _alarm_properties(full)
    for function in ("Items", "Reports"):
        watched = {}
        for signal in ("Errors", "Throttles", "DurationP99"):
            (stat,) = _metric_stats(alarms[f"{function}{signal}"])
            assert _dimensions(stat) == {"FunctionName": function}
            watched[signal] = (stat["Metric"]["MetricName"], stat["Stat"])
        assert watched == {
            "Errors": ("Errors", "Sum"),
            "Throttles": ("Throttles", "Sum"),
            "DurationP99": ("Duration", "p99"),
        }


def test_a_refusing_function_alarms_on_a_surge_of_errors_only(full: SynthesizedBlock[ApiMonitoring]) -> None:
    alarms = _alarm_properties(full)
    assert alarms["GatekeeperErrors"]["Threshold"] == 100
    assert alarms["ItemsErrors"]["Threshold"] == 0
    assert {"GatekeeperThrottles", "GatekeeperDurationP99"} <= set(alarms)


def test_table_alarm_sums_throttled_requests_of_every_data_operation(
    full: SynthesizedBlock[ApiMonitoring],
) -> None:
    alarm = _alarm_properties(full)["ThingsThrottledRequests"]
    stats = _metric_stats(alarm)
    assert {stat["Metric"]["MetricName"] for stat in stats} == {"ThrottledRequests"}
    assert {_dimensions(stat)["TableName"] for stat in stats} == {"things"}
    assert {_dimensions(stat)["Operation"] for stat in stats} == TABLE_OPERATIONS
    (expression,) = [query for query in alarm["Metrics"] if "Expression" in query]
    assert expression["ReturnData"] is True
    assert expression["Expression"].count("+") == len(TABLE_OPERATIONS) - 1


def test_dynamodb_user_errors_are_watched_once_for_the_account(full: SynthesizedBlock[ApiMonitoring]) -> None:
    (stat,) = _metric_stats(_alarm_properties(full)["DynamoDbUserErrors"])
    assert (stat["Metric"]["Namespace"], stat["Metric"]["MetricName"], stat["Stat"]) == (
        "AWS/DynamoDB",
        "UserErrors",
        "Sum",
    )
    assert _dimensions(stat) == {}


def test_queue_alarm_fires_on_any_visible_message(full: SynthesizedBlock[ApiMonitoring]) -> None:
    (stat,) = _metric_stats(_alarm_properties(full)["FailuresDepth"])
    assert (stat["Metric"]["MetricName"], stat["Stat"]) == ("ApproximateNumberOfMessagesVisible", "Maximum")
    assert _dimensions(stat) == {"QueueName": "failures"}


def test_websocket_alarms_count_connects_and_messages_of_the_stage(
    full: SynthesizedBlock[ApiMonitoring],
) -> None:
    alarms = _alarm_properties(full)
    for key, metric_name in (("WebSocketConnects", "ConnectCount"), ("WebSocketMessages", "MessageCount")):
        (stat,) = _metric_stats(alarms[key])
        assert (stat["Metric"]["MetricName"], stat["Stat"]) == (metric_name, "Sum")
        assert _dimensions(stat) == {"ApiId": WEBSOCKET_API_ID, "Stage": "v1"}


def test_topic_requires_tls_and_admits_only_this_accounts_alarms(
    full: SynthesizedBlock[ApiMonitoring],
) -> None:
    (policy,) = full.template.find_resources("AWS::SNS::TopicPolicy").values()
    statements = {
        statement["Sid"]: statement for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    }
    assert statements["AllowPublishThroughSSLOnly"]["Effect"] == "Deny"
    assert statements["AllowPublishThroughSSLOnly"]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    alarms = statements["AllowAlarmsOfThisAccount"]
    assert (alarms["Effect"], alarms["Principal"], alarms["Action"]) == (
        "Allow",
        {"Service": "cloudwatch.amazonaws.com"},
        "sns:Publish",
    )
    assert alarms["Condition"]["StringEquals"] == {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}
    assert ":alarm:*" in json.dumps(alarms["Condition"]["ArnLike"]["aws:SourceArn"])


def test_default_topic_has_no_customer_key(full: SynthesizedBlock[ApiMonitoring]) -> None:
    full.template.has_resource_properties("AWS::SNS::Topic", {"KmsMasterKeyId": Match.absent()})


def test_alarm_email_is_subscribed_to_the_topic(full: SynthesizedBlock[ApiMonitoring]) -> None:
    full.template.has_resource_properties(
        "AWS::SNS::Subscription",
        {"Protocol": "email", "Endpoint": EMAIL, "TopicArn": _topic_ref(full)},
    )
    assert isinstance(full.block.email_subscription, sns.Subscription)


def test_dashboard_shows_every_alarm_within_the_grid(full: SynthesizedBlock[ApiMonitoring]) -> None:
    widgets = _dashboard_widgets(full)
    alarm_widgets = [widget for widget in widgets if "alarms" in widget["properties"].get("annotations", {})]
    assert sorted(widget["properties"]["title"] for widget in alarm_widgets) == sorted(FULL_SETUP_THRESHOLDS)
    assert all(widget["x"] + widget["width"] <= 24 for widget in widgets)
    headings = [widget["properties"]["markdown"] for widget in widgets if widget["type"] == "text"]
    assert headings == ["## REST API", "## Lambda functions", "## DynamoDB", "## Queues", "## WebSocket API"]
    assert isinstance(full.block.dashboard, cloudwatch.Dashboard)


def test_full_setup_is_nag_and_lint_clean_with_justified_acknowledgments(
    full: SynthesizedBlock[ApiMonitoring],
) -> None:
    assert_nag_clean(full.nag_findings)
    assert_acknowledgments_justified(full.stack)
    monitoring = {ack.rule_id for ack in acknowledgments(full.block)}
    assert monitoring == {"Serverless-SNSRedrivePolicy"}
    assert lint_template(full.template.to_json()) == []


def test_override_thresholds_period_and_evaluation(overridden: SynthesizedBlock[ApiMonitoring]) -> None:
    alarms = _alarm_properties(overridden)
    assert {key: alarm["Threshold"] for key, alarm in alarms.items()} == {
        "ItemsErrors": 2,
        "ItemsThrottles": 4,
        "ItemsDurationP99": 800,
    }
    for alarm in alarms.values():
        assert (alarm["EvaluationPeriods"], alarm["DatapointsToAlarm"], alarm["Period"]) == (5, 3, 60)


def test_override_topic_is_encrypted_with_a_key_cloudwatch_may_use(
    overridden: SynthesizedBlock[ApiMonitoring],
) -> None:
    (key_id,) = overridden.template.find_resources("AWS::KMS::Key")
    overridden.template.has_resource_properties(
        "AWS::SNS::Topic", {"KmsMasterKeyId": {"Fn::GetAtt": [key_id, "Arn"]}}
    )
    overridden.template.has_resource_properties(
        "AWS::KMS::Key",
        {
            "KeyPolicy": {
                "Statement": Match.array_with(
                    [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "cloudwatch.amazonaws.com"},
                            "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
                            "Resource": "*",
                        }
                    ]
                )
            }
        },
    )


def test_override_without_email_has_no_subscription_and_names_the_dashboard(
    overridden: SynthesizedBlock[ApiMonitoring],
) -> None:
    overridden.template.resource_count_is("AWS::SNS::Subscription", 0)
    assert overridden.block.email_subscription is None
    overridden.template.has_resource_properties(
        "AWS::CloudWatch::Dashboard", {"DashboardName": "items-health"}
    )


def test_override_is_nag_and_lint_clean(overridden: SynthesizedBlock[ApiMonitoring]) -> None:
    assert_nag_clean(overridden.nag_findings)
    assert acknowledgments(overridden.block) == []
    assert lint_template(overridden.template.to_json()) == []


def test_imported_key_warns_that_its_policy_must_admit_cloudwatch() -> None:
    stack = Stack()
    key = kms.Key.from_key_arn(stack, "Key", f"arn:aws:kms:us-east-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef")
    props = ApiMonitoringProps(functions=(imported_function(stack, "Items"),), topic_encryption_key=key)
    ApiMonitoring(stack, "Monitoring", props=props)
    Annotations.from_stack(stack).has_warning(
        "/Default/Monitoring", Match.string_like_regexp("allow cloudwatch.amazonaws.com kms:Decrypt")
    )


def test_nothing_to_monitor_is_refused() -> None:
    with pytest.raises(NothingToMonitorError, match="at least one of rest_api"):
        ApiMonitoring(Stack(), "Monitoring", props=ApiMonitoringProps(alarm_email=EMAIL))


def test_websocket_stage_without_its_api_is_refused() -> None:
    stack = Stack()
    props = ApiMonitoringProps(functions=(imported_function(stack, "Items"),), websocket_stage_name="v1")
    with pytest.raises(WebSocketStageWithoutApiError, match="pass the WebSocket API too"):
        ApiMonitoring(stack, "Monitoring", props=props)
