"""An API Gateway WebSocket API whose connections a Lambda authorizer admits once, at ``$connect``.

Example::

    realtime = WebSocketApi(
        self,
        "Realtime",
        props=WebSocketApiProps(
            connect_handler=connect.function,
            disconnect_handler=disconnect.function,
            default_handler=actions.function,
            authorizer_handler=authorizer.function,
            routes={"subscribe": actions.function, "unsubscribe": actions.function},
        ),
    )
    realtime.connections_table.grant_read_write_data(connect.function)
    realtime.grant_manage_connections(broadcaster.function)                       # post_to_connection
    realtime.grant_manage_connections(janitor.function, methods=("GET", "DELETE"))  # read and close
"""

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Final, Literal, get_args

import jsii
from aws_cdk import ArnFormat, Names, RemovalPolicy, Stack
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk.aws_apigatewayv2_authorizers import WebSocketLambdaAuthorizer
from aws_cdk.aws_apigatewayv2_integrations import WebSocketLambdaIntegration
from constructs import Construct

from serverless_blocks.compliance import acknowledge_rule, acknowledge_weakened_default, skip_check
from serverless_blocks.grant_findings import acknowledge_grant_finding, wildcard_resource_rule
from serverless_blocks.log_group import create_log_group
from serverless_blocks.table import Table, TableProps

__all__ = [
    "ConflictingConnectionsTableError",
    "ManagementMethod",
    "MissingIdentitySourceError",
    "ReservedRouteKeyError",
    "UnknownManagementMethodError",
    "WebSocketApi",
    "WebSocketApiProps",
]

_CONNECT_ROUTE: Final = "$connect"
_DISCONNECT_ROUTE: Final = "$disconnect"
_DEFAULT_ROUTE: Final = "$default"
ManagementMethod = Literal["POST", "GET", "DELETE"]
"""Management API methods: POST is post_to_connection, GET get_connection, DELETE delete_connection."""
_MANAGEMENT_METHODS: Final[tuple[ManagementMethod, ...]] = get_args(ManagementMethod)
_SENDING_ONLY: Final[tuple[ManagementMethod, ...]] = ("POST",)
_CONNECTIONS_TABLE_SETTINGS: Final = "connections_"

_UNAUTHORIZABLE_ROUTE_REASON: Final = (
    "API Gateway accepts an authorizer only on the $connect route of a WebSocket API; this route only "
    "receives messages over a connection that the Lambda authorizer already admitted at $connect."
)
_EPHEMERAL_CONNECTIONS_REASON: Final = (
    "Connection records live at most two hours, API Gateway's limit on a WebSocket connection, and "
    "clients rebuild them by reconnecting, so a restore point or a retained copy would hold only "
    "connections that no longer exist."
)
_CONNECTION_IDS_REASON: Final = (
    "API Gateway assigns connection ids at runtime, so ManageConnections can be narrowed to one API, "
    "one stage and the @connections path, but the trailing wildcard must stand for the connection id."
)


class ReservedRouteKeyError(ValueError):
    """Raised when a custom route uses one of the keys that API Gateway reserves for its own routes."""

    def __init__(self, route_key: str) -> None:
        super().__init__(
            f"Route key {route_key!r} is reserved by API Gateway; pass that handler as connect_handler, "
            "disconnect_handler or default_handler, and keep 'routes' for actions such as 'subscribe'."
        )


class MissingIdentitySourceError(ValueError):
    """Raised when the authorizer would have nothing in the request to identify the caller by."""

    def __init__(self) -> None:
        super().__init__(
            "identity_source is empty; name where the token is, e.g. 'route.request.querystring.token' "
            "or 'route.request.header.Authorization'."
        )


class UnknownManagementMethodError(ValueError):
    """Raised when a grant names no Management API method, or one that the Management API does not have."""

    def __init__(self, methods: Sequence[str]) -> None:
        super().__init__(
            f"methods={tuple(methods)!r} is not a choice of Management API methods; pass one or more of "
            "'POST' (post_to_connection), 'GET' (get_connection) and 'DELETE' (delete_connection)."
        )


class ConflictingConnectionsTableError(ValueError):
    """Raised when an existing connections table is given together with settings for creating one."""

    def __init__(self, settings: Sequence[str]) -> None:
        super().__init__(
            f"existing_connections_table is used as it is, so {', '.join(settings)} would be ignored; "
            "drop those settings or let the construct create the table."
        )


@dataclass(frozen=True, kw_only=True)
class WebSocketApiProps:
    """Route handlers and authorizer; stage, throttling, logging and connections table have safe defaults."""

    connect_handler: lambda_.IFunction
    disconnect_handler: lambda_.IFunction
    default_handler: lambda_.IFunction
    authorizer_handler: lambda_.IFunction
    identity_source: Sequence[str] = ("route.request.querystring.token",)
    routes: Mapping[str, lambda_.IFunction] = field(default_factory=dict)
    route_selection_expression: str = "$request.body.action"
    stage_name: str = "v1"
    throttling_rate_limit: float = 50
    throttling_burst_limit: int = 100
    access_log_retention: logs.RetentionDays = logs.RetentionDays.ONE_MONTH
    access_log_removal_policy: RemovalPolicy = RemovalPolicy.RETAIN
    # Encrypts the access log group and the connections table the construct creates.
    encryption_key: kms.IKey | None = None
    api_name: str | None = None
    description: str | None = None
    connections_partition_key: str = "pk"
    connections_sort_key: str = "sk"
    connections_ttl_attribute: str = "expiresAt"
    connections_point_in_time_recovery: bool = False
    connections_removal_policy: RemovalPolicy = RemovalPolicy.DESTROY
    existing_connections_table: dynamodb.ITable | None = None


class WebSocketApi(Construct):
    """WebSocket API with a Lambda authorizer on $connect, throttling, JSON access logs, a connections table.

    Handlers get only the permission to be invoked by this API; grant them the table and the
    Management API yourself (``connections_table.grant_...``, :meth:`grant_manage_connections`).
    """

    def __init__(self, scope: Construct, construct_id: str, *, props: WebSocketApiProps) -> None:
        super().__init__(scope, construct_id)
        _validate(props)
        self.connections_table = self._connections_table(props)
        self.access_log_group = create_log_group(
            self,
            "AccessLogs",
            retention=props.access_log_retention,
            removal_policy=props.access_log_removal_policy,
            encryption_key=props.encryption_key,
        )
        self.api = apigwv2.WebSocketApi(
            self,
            "Api",
            api_name=props.api_name or Names.unique_resource_name(self),
            description=props.description,
            route_selection_expression=props.route_selection_expression,
        )
        self.authorizer = WebSocketLambdaAuthorizer(
            "Authorizer", props.authorizer_handler, identity_source=list(props.identity_source)
        )
        self.routes: dict[str, apigwv2.WebSocketRoute] = {}
        self._add_route(_CONNECT_ROUTE, props.connect_handler)
        self._add_route(_DISCONNECT_ROUTE, props.disconnect_handler)
        self._add_route(_DEFAULT_ROUTE, props.default_handler)
        for route_key, handler in props.routes.items():
            self._add_route(route_key, handler)
        self.stage = apigwv2.WebSocketStage(
            self,
            "Stage",
            web_socket_api=self.api,
            stage_name=props.stage_name,
            auto_deploy=True,
            throttle=apigwv2.ThrottleSettings(
                rate_limit=props.throttling_rate_limit, burst_limit=props.throttling_burst_limit
            ),
            access_log_settings=_AccessLogSettings(
                apigwv2.LogGroupLogDestination(self.access_log_group), _access_log_format()
            ),
        )
        self.url = self.stage.url
        self.callback_url = self.stage.callback_url

    def grant_manage_connections(
        self, grantee: iam.IGrantable, methods: Sequence[ManagementMethod] = _SENDING_ONLY
    ) -> iam.Grant:
        """Allow ``grantee`` the Management API ``methods`` on this stage's connections, and nothing else.

        The default is the narrowest, ``("POST",)``: a function that only sends frames. Name the others
        your code calls: ``"GET"`` for get_connection, ``"DELETE"`` for delete_connection. Each method is
        its own resource (``{api}/{stage}/{method}/@connections/*``), so a grantee that only posts can
        neither read nor close a connection. The wildcard finding on the grantee's role is acknowledged
        there, for these resources only.
        """
        connection_arns = [self._connections_arn(method) for method in _chosen_methods(methods)]
        grant = iam.Grant.add_to_principal(
            grantee=grantee, actions=["execute-api:ManageConnections"], resource_arns=connection_arns
        )
        for arn in connection_arns:
            acknowledge_grant_finding(grantee, wildcard_resource_rule(self, arn), _CONNECTION_IDS_REASON)
        return grant

    def _add_route(self, route_key: str, handler: lambda_.IFunction) -> None:
        # "Integration", not the route's name: a child named "Default" is left out of logical ids,
        # which would give the $default route's integration the same logical id as the route itself.
        integration = WebSocketLambdaIntegration("Integration", handler)
        if route_key == _CONNECT_ROUTE:
            self.routes[route_key] = self.api.add_route(
                route_key, integration=integration, authorizer=self.authorizer
            )
            return
        route = self.api.add_route(route_key, integration=integration)
        acknowledge_rule(route, "AwsSolutions-APIG4", _UNAUTHORIZABLE_ROUTE_REASON)
        self.routes[route_key] = route

    def _connections_arn(self, method: str) -> str:
        return Stack.of(self).format_arn(
            service="execute-api",
            resource=self.api.api_id,
            resource_name=f"{self.stage.stage_name}/{method}/@connections/*",
            arn_format=ArnFormat.SLASH_RESOURCE_NAME,
        )

    def _connections_table(self, props: WebSocketApiProps) -> dynamodb.ITable:
        if props.existing_connections_table is not None:
            return props.existing_connections_table
        destroyed_with_stack = props.connections_removal_policy == RemovalPolicy.DESTROY
        connections = Table(
            self,
            "Connections",
            props=TableProps(
                partition_key=_string_attribute(props.connections_partition_key),
                sort_key=_string_attribute(props.connections_sort_key),
                time_to_live_attribute=props.connections_ttl_attribute,
                point_in_time_recovery=props.connections_point_in_time_recovery,
                # Deletion protection would make CloudFormation fail to delete a table it is told to destroy.
                deletion_protection=not destroyed_with_stack,
                removal_policy=props.connections_removal_policy,
                encryption_key=props.encryption_key,
            ),
        )
        if not props.connections_point_in_time_recovery:
            acknowledge_rule(connections, "AwsSolutions-DDB3", _EPHEMERAL_CONNECTIONS_REASON)
            skip_check(connections.table, "CKV_AWS_28", _EPHEMERAL_CONNECTIONS_REASON)
            _acknowledge_weakened_default(connections, "point_in_time_recovery")
        if destroyed_with_stack:
            _acknowledge_weakened_default(connections, "removal_policy")
            _acknowledge_weakened_default(connections, "deletion_protection")
        return connections.table


@jsii.implements(apigwv2.IAccessLogSettings)
class _AccessLogSettings:
    """The stage takes its access log settings as an interface, which Python implements as a class."""

    def __init__(self, destination: apigwv2.IAccessLogDestination, log_format: apigw.AccessLogFormat) -> None:
        self._destination = destination
        self._format = log_format

    @property
    def destination(self) -> apigwv2.IAccessLogDestination:
        return self._destination

    @property
    def format(self) -> apigw.AccessLogFormat:
        return self._format


def _validate(props: WebSocketApiProps) -> None:
    reserved = [route_key for route_key in props.routes if route_key.startswith("$")]
    if reserved:
        raise ReservedRouteKeyError(reserved[0])
    if not props.identity_source:
        raise MissingIdentitySourceError
    if props.existing_connections_table is not None:
        overridden = _overridden_table_settings(props)
        if overridden:
            raise ConflictingConnectionsTableError(overridden)


def _chosen_methods(methods: Sequence[str]) -> tuple[ManagementMethod, ...]:
    """``methods`` in the Management API's order, once each; refused if empty or unknown."""
    if isinstance(methods, str) or not methods or not set(methods) <= set(_MANAGEMENT_METHODS):
        raise UnknownManagementMethodError([methods] if isinstance(methods, str) else methods)
    return tuple(method for method in _MANAGEMENT_METHODS if method in methods)


def _overridden_table_settings(props: WebSocketApiProps) -> list[str]:
    return [
        setting.name
        for setting in fields(props)
        if setting.name.startswith(_CONNECTIONS_TABLE_SETTINGS)
        and getattr(props, setting.name) != setting.default
    ]


def _acknowledge_weakened_default(connections: Table, setting: str) -> None:
    """The connections table's defaults are weaker than Table's on purpose; record why, where Table warns."""
    acknowledge_weakened_default(connections, setting, _EPHEMERAL_CONNECTIONS_REASON)


def _string_attribute(name: str) -> dynamodb.Attribute:
    return dynamodb.Attribute(name=name, type=dynamodb.AttributeType.STRING)


def _access_log_format() -> apigw.AccessLogFormat:
    """One JSON object per connection event: who, which connection, which route, how it ended."""
    fields_by_name = {
        "requestId": apigw.AccessLogField.context_request_id(),
        "requestTime": apigw.AccessLogField.context_request_time(),
        "ip": apigw.AccessLogField.context_identity_source_ip(),
        "caller": apigw.AccessLogField.context_authorizer_principal_id(),
        "connectionId": apigw.AccessLogField.context_connection_id(),
        "eventType": apigw.AccessLogField.context_event_type(),
        "routeKey": apigw.AccessLogField.context_route_key(),
        "status": apigw.AccessLogField.context_status(),
        "error": apigw.AccessLogField.context_error_message(),
        "authorizerError": apigw.AccessLogField.context_authorizer_error(),
    }
    return apigw.AccessLogFormat.custom(json.dumps(fields_by_name))
