"""CloudWatch alarms and a dashboard for a serverless API, every alarm notifying one SNS topic.

Example::

    monitoring = ApiMonitoring(
        self,
        "Monitoring",
        props=ApiMonitoringProps(
            rest_api=api.api,
            functions=(api_handler.function, broadcaster.function),
            tables=(orders.table,),
            queues=(broadcast.failure_queue,),
            websocket_api=realtime.api,
            websocket_stage_name=realtime.stage.stage_name,
            alarm_email="oncall@example.com",
        ),
    )
"""

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import groupby
from typing import Final

from aws_cdk import Annotations, ArnFormat, Duration, Stack
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from constructs import Construct, IConstruct

from serverless_blocks.compliance import acknowledge_rule, skip_check

__all__ = ["ApiMonitoring", "ApiMonitoringProps", "NothingToMonitorError", "WebSocketStageWithoutApiError"]

_CLOUDWATCH: Final = iam.ServicePrincipal("cloudwatch.amazonaws.com")
# The data-plane operations an application calls; a CloudWatch alarm's math expression takes at most
# ten metrics, and ThrottledRequests is published per operation.
_TABLE_OPERATIONS: Final = (
    dynamodb.Operation.GET_ITEM,
    dynamodb.Operation.BATCH_GET_ITEM,
    dynamodb.Operation.QUERY,
    dynamodb.Operation.SCAN,
    dynamodb.Operation.PUT_ITEM,
    dynamodb.Operation.UPDATE_ITEM,
    dynamodb.Operation.DELETE_ITEM,
    dynamodb.Operation.BATCH_WRITE_ITEM,
    dynamodb.Operation.TRANSACT_GET_ITEMS,
    dynamodb.Operation.TRANSACT_WRITE_ITEMS,
)
_EMAIL_REDRIVE_REASON: Final = (
    "The subscription delivers alarm notifications to a person's inbox; a notification that cannot be "
    "delivered is still visible as the alarm's state on the dashboard and in the alarm history, so a "
    "dead-letter queue that nobody reads would add nothing."
)
_UNENCRYPTED_TOPIC_REASON: Final = (
    "No topic_encryption_key was given, by configuration: CloudWatch alarms cannot publish to a topic "
    "encrypted with the AWS-managed key aws/sns (its policy cannot admit CloudWatch), so the topic stays "
    "unencrypted at rest; it carries only alarm names, states and metric values. Passing "
    "topic_encryption_key encrypts it with a customer-managed key whose policy admits CloudWatch."
)
_KEY_POLICY_WARNING: Final = "serverless-blocks:api-monitoring:topic-key-policy"


class NothingToMonitorError(ValueError):
    """Raised when no API, function, table or queue was given, so no alarm would exist."""

    def __init__(self) -> None:
        super().__init__(
            "ApiMonitoringProps names nothing to watch; pass at least one of rest_api, functions, tables, "
            "queues or websocket_api."
        )


class WebSocketStageWithoutApiError(ValueError):
    """Raised when a WebSocket stage name is given without the API it belongs to."""

    def __init__(self) -> None:
        super().__init__(
            "websocket_stage_name was given without websocket_api; pass the WebSocket API too, or drop "
            "the stage name."
        )


@dataclass(frozen=True, kw_only=True)
class ApiMonitoringProps:
    """What to watch, who hears about it, and when: an alarm fires when its metric exceeds its threshold."""

    rest_api: apigw.RestApi | None = None
    functions: Sequence[lambda_.IFunction] = ()
    # Functions that refuse by failing (a WebSocket authorizer answers 401 by raising), so every refusal is
    # an Errors data point: their error alarm fires on a surge, not on the first refusal.
    refusing_functions: Sequence[lambda_.IFunction] = ()
    tables: Sequence[dynamodb.ITable] = ()
    queues: Sequence[sqs.IQueue] = ()
    websocket_api: apigwv2.IWebSocketApi | None = None
    websocket_stage_name: str | None = None
    alarm_email: str | None = None
    topic_encryption_key: kms.IKey | None = None
    dashboard_name: str | None = None
    period: Duration = field(default_factory=lambda: Duration.minutes(5))
    evaluation_periods: int = 3
    datapoints_to_alarm: int = 2
    rest_client_error_rate_threshold: float = 0.05
    rest_server_error_threshold: int = 0
    rest_latency_p99_threshold: Duration = field(default_factory=lambda: Duration.seconds(2))
    function_error_threshold: int = 0
    refusal_error_threshold: int = 100
    function_throttle_threshold: int = 0
    function_duration_p99_threshold: Duration = field(default_factory=lambda: Duration.seconds(5))
    table_throttle_threshold: int = 0
    dynamodb_user_error_threshold: int = 0
    queue_depth_threshold: int = 0
    websocket_connect_threshold: int = 1000
    websocket_message_threshold: int = 10_000


@dataclass(frozen=True)
class _AlarmSpec:
    """One alarm to create: its key in ``ApiMonitoring.alarms``, dashboard section, metric and threshold."""

    key: str
    section: str
    metric: cloudwatch.IMetric
    threshold: float
    description: str


class ApiMonitoring(Construct):
    """An SNS topic, an alarm per failure signal of each resource given, and a dashboard of those alarms.

    Every alarm notifies the topic when it fires and again when it recovers, so that whoever was
    paged also hears that it is over. Missing data never fires an alarm: an idle API is healthy.
    """

    def __init__(
        self, scope: Construct, construct_id: str, *, props: ApiMonitoringProps | None = None
    ) -> None:
        super().__init__(scope, construct_id)
        props = props or ApiMonitoringProps()
        _validate(props)
        self.topic = sns.Topic(self, "Topic", enforce_ssl=True, master_key=props.topic_encryption_key)
        self._allow_cloudwatch_to_publish(props.topic_encryption_key)
        if props.topic_encryption_key is None:
            skip_check(self.topic, "CKV_AWS_26", _UNENCRYPTED_TOPIC_REASON)
        self.email_subscription = self._subscribe(props.alarm_email)
        specs = list(_alarm_specs(props))
        self.alarms: Mapping[str, cloudwatch.Alarm] = {spec.key: self._alarm(spec, props) for spec in specs}
        self.dashboard = self._dashboard(specs, props.dashboard_name)

    def _dashboard(self, specs: Sequence[_AlarmSpec], name: str | None) -> cloudwatch.Dashboard:
        """One section per kind of resource: a heading, then each alarm's metric against its threshold."""
        dashboard = cloudwatch.Dashboard(self, "Dashboard", dashboard_name=name)
        for section, section_specs in groupby(specs, key=lambda spec: spec.section):
            dashboard.add_widgets(cloudwatch.TextWidget(markdown=f"## {section}", width=24, height=1))
            dashboard.add_widgets(
                *(
                    cloudwatch.AlarmWidget(alarm=self.alarms[spec.key], title=spec.key)
                    for spec in section_specs
                )
            )
        return dashboard

    def _allow_cloudwatch_to_publish(self, key: kms.IKey | None) -> None:
        """Let this account's alarms publish to the topic, and use its key when it has one.

        ``enforce_ssl`` gives the topic a policy of its own, which replaces SNS's default policy, so
        CloudWatch needs an explicit grant.
        """
        stack = Stack.of(self)
        alarm_arns = stack.format_arn(
            service="cloudwatch",
            resource="alarm",
            resource_name="*",
            arn_format=ArnFormat.COLON_RESOURCE_NAME,
        )
        self.topic.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowAlarmsOfThisAccount",
                principals=[_CLOUDWATCH],
                actions=["sns:Publish"],
                resources=[self.topic.topic_arn],
                conditions={
                    "StringEquals": {"aws:SourceAccount": stack.account},
                    "ArnLike": {"aws:SourceArn": alarm_arns},
                },
            )
        )
        if key is None:
            return
        result = key.add_to_resource_policy(
            iam.PolicyStatement(
                principals=[_CLOUDWATCH], actions=["kms:Decrypt", "kms:GenerateDataKey*"], resources=["*"]
            )
        )
        if not result.statement_added:
            Annotations.of(self).add_warning_v2(
                _KEY_POLICY_WARNING,
                "topic_encryption_key is imported, so its key policy cannot be changed here; allow "
                "cloudwatch.amazonaws.com kms:Decrypt and kms:GenerateDataKey* in it, or no alarm can "
                "notify the topic.",
            )

    def _subscribe(self, email: str | None) -> sns.Subscription | None:
        if email is None:
            return None
        subscription = self.topic.add_subscription(subscriptions.EmailSubscription(email))
        acknowledge_rule(subscription, "Serverless-SNSRedrivePolicy", _EMAIL_REDRIVE_REASON)
        return subscription

    def _alarm(self, spec: _AlarmSpec, props: ApiMonitoringProps) -> cloudwatch.Alarm:
        alarm = cloudwatch.Alarm(
            self,
            spec.key,
            metric=spec.metric,
            threshold=spec.threshold,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            evaluation_periods=props.evaluation_periods,
            datapoints_to_alarm=props.datapoints_to_alarm,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            alarm_description=spec.description,
        )
        notify = cloudwatch_actions.SnsAction(self.topic)
        alarm.add_alarm_action(notify)
        alarm.add_ok_action(notify)
        return alarm


def _validate(props: ApiMonitoringProps) -> None:
    if props.websocket_stage_name is not None and props.websocket_api is None:
        raise WebSocketStageWithoutApiError
    watched = (
        props.rest_api,
        props.websocket_api,
        *props.functions,
        *props.refusing_functions,
        *props.tables,
        *props.queues,
    )
    if not any(resource is not None for resource in watched):
        raise NothingToMonitorError


def _alarm_specs(props: ApiMonitoringProps) -> Iterator[_AlarmSpec]:
    if props.rest_api is not None:
        yield from _rest_api_alarms(props.rest_api, props)
    for function in props.functions:
        yield from _function_alarms(function, props, error_threshold=props.function_error_threshold)
    for function in props.refusing_functions:
        yield from _function_alarms(function, props, error_threshold=props.refusal_error_threshold)
    yield from _table_alarms(props.tables, props)
    for queue in props.queues:
        yield _AlarmSpec(
            f"{_label(queue)}Depth",
            "Queues",
            queue.metric_approximate_number_of_messages_visible(statistic="Maximum", period=props.period),
            props.queue_depth_threshold,
            f"More than {props.queue_depth_threshold} message(s) wait in {queue.node.path}: something "
            "failed for good and needs a look.",
        )
    if props.websocket_api is not None:
        yield from _websocket_alarms(props.websocket_api, props)


def _rest_api_alarms(api: apigw.RestApi, props: ApiMonitoringProps) -> Iterator[_AlarmSpec]:
    section = "REST API"
    yield _AlarmSpec(
        "RestApiClientErrorRate",
        section,
        # 4XXError is 0 or 1 per request, so its average is the share of requests that got a 4xx.
        api.metric_client_error(statistic="Average", period=props.period),
        props.rest_client_error_rate_threshold,
        f"More than {props.rest_client_error_rate_threshold:.0%} of REST API requests got a 4xx response.",
    )
    yield _AlarmSpec(
        "RestApiServerErrors",
        section,
        api.metric_server_error(statistic="Sum", period=props.period),
        props.rest_server_error_threshold,
        f"More than {props.rest_server_error_threshold} REST API request(s) per period got a 5xx response.",
    )
    yield _AlarmSpec(
        "RestApiLatencyP99",
        section,
        api.metric_latency(statistic="p99", period=props.period),
        props.rest_latency_p99_threshold.to_milliseconds(),
        "The slowest 1% of REST API requests took longer than "
        f"{props.rest_latency_p99_threshold.to_human_string()}.",
    )


def _function_alarms(
    function: lambda_.IFunction, props: ApiMonitoringProps, *, error_threshold: int
) -> Iterator[_AlarmSpec]:
    label = _label(function)
    section = "Lambda functions"
    yield _AlarmSpec(
        f"{label}Errors",
        section,
        function.metric_errors(statistic="Sum", period=props.period),
        error_threshold,
        f"{function.node.path} failed more than {error_threshold} time(s) per period.",
    )
    yield _AlarmSpec(
        f"{label}Throttles",
        section,
        function.metric_throttles(statistic="Sum", period=props.period),
        props.function_throttle_threshold,
        f"{function.node.path} was throttled more than {props.function_throttle_threshold} time(s) "
        "per period.",
    )
    yield _AlarmSpec(
        f"{label}DurationP99",
        section,
        function.metric_duration(statistic="p99", period=props.period),
        props.function_duration_p99_threshold.to_milliseconds(),
        f"The slowest 1% of {function.node.path}'s invocations ran longer than "
        f"{props.function_duration_p99_threshold.to_human_string()}.",
    )


def _table_alarms(tables: Sequence[dynamodb.ITable], props: ApiMonitoringProps) -> Iterator[_AlarmSpec]:
    section = "DynamoDB"
    for table in tables:
        yield _AlarmSpec(
            f"{_label(table)}ThrottledRequests",
            section,
            table.metric_throttled_requests_for_operations(
                operations=list(_TABLE_OPERATIONS), period=props.period
            ),
            props.table_throttle_threshold,
            f"More than {props.table_throttle_threshold} request(s) per period to {table.node.path} or its "
            "indexes were throttled.",
        )
    if not tables:
        return
    yield _AlarmSpec(
        "DynamoDbUserErrors",
        section,
        # DynamoDB publishes UserErrors per account and region only, not per table.
        cloudwatch.Metric(
            namespace="AWS/DynamoDB", metric_name="UserErrors", statistic="Sum", period=props.period
        ),
        props.dynamodb_user_error_threshold,
        f"More than {props.dynamodb_user_error_threshold} DynamoDB request(s) per period in this account and "
        "region were rejected as invalid (HTTP 400, not counting throttling or failed conditions).",
    )


def _websocket_alarms(api: apigwv2.IWebSocketApi, props: ApiMonitoringProps) -> Iterator[_AlarmSpec]:
    dimensions = {"ApiId": api.api_id}
    if props.websocket_stage_name is not None:
        dimensions["Stage"] = props.websocket_stage_name
    section = "WebSocket API"
    yield _AlarmSpec(
        "WebSocketConnects",
        section,
        api.metric("ConnectCount", dimensions_map=dimensions, statistic="Sum", period=props.period),
        props.websocket_connect_threshold,
        f"More than {props.websocket_connect_threshold} WebSocket connection attempts per period: a "
        "reconnect storm or abuse.",
    )
    yield _AlarmSpec(
        "WebSocketMessages",
        section,
        api.metric("MessageCount", dimensions_map=dimensions, statistic="Sum", period=props.period),
        props.websocket_message_threshold,
        f"More than {props.websocket_message_threshold} WebSocket messages per period: traffic is nearing "
        "the stage's throttling limit.",
    )


def _label(resource: IConstruct) -> str:
    """Name a resource's alarms after its construct path inside its stack, e.g. 'ApiHandlerFunction'."""
    depth = len(Stack.of(resource).node.scopes)
    return "".join(scope.node.id for scope in resource.node.scopes[depth:])
