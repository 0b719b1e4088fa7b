"""WebSocketApi: every default in the template, every override honoured, nag- and lint-clean alone.

The functions, the grantee's role and the existing table are imported, not created, so that cdk-nag
and cfn-lint see only what the construct itself adds to the stack.
"""

import json
from typing import Any

import pytest
from aws_cdk import RemovalPolicy, Stack
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk.assertions import Match, Template
from aws_cdk.aws_apigatewayv2_authorizers import WebSocketLambdaAuthorizer

from serverless_blocks import (
    ConflictingConnectionsTableError,
    MissingIdentitySourceError,
    ReservedRouteKeyError,
    UnknownManagementMethodError,
    WebSocketApi,
    WebSocketApiProps,
)
from serverless_blocks.testing import acknowledgments, assert_acknowledgments_justified, assert_nag_clean
from tests.infra.blocks.block_synthesis import STACK_NAME, SynthesizedBlock, synthesize, weakened_defaults
from tests.infra.blocks.imported import ACCOUNT, imported_function
from tests.infra.cfn_lint_check import lint_template

TABLE_ARN = f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/connections"
ROUTE = "AWS::ApiGatewayV2::Route"
STAGE = "AWS::ApiGatewayV2::Stage"
TABLE = "AWS::DynamoDB::Table"
CUSTOM_ROUTES = ("subscribe", "unsubscribe")
# A grantee that names no methods may only post: the narrowest grant.
DEFAULT_MANAGEMENT_METHODS = ("POST",)
# Weakened Table defaults that the connections table chooses on purpose, and acknowledges.
EPHEMERAL_TABLE_ACKNOWLEDGMENTS = {
    "AwsSolutions-DDB3",
    "serverless-blocks:weakened-default:point_in_time_recovery",
    "serverless-blocks:weakened-default:removal_policy",
    "serverless-blocks:weakened-default:deletion_protection",
}


def _build_api(stack: Stack, **overrides: Any) -> WebSocketApi:
    actions = imported_function(stack, "Actions")
    settings: dict[str, Any] = {
        "connect_handler": imported_function(stack, "Connect"),
        "disconnect_handler": imported_function(stack, "Disconnect"),
        "default_handler": actions,
        "authorizer_handler": imported_function(stack, "Authorize"),
        "routes": dict.fromkeys(CUSTOM_ROUTES, actions),
        **overrides,
    }
    api = WebSocketApi(stack, "Realtime", props=WebSocketApiProps(**settings))
    api.grant_manage_connections(
        iam.Role.from_role_arn(stack, "Broadcaster", f"arn:aws:iam::{ACCOUNT}:role/b")
    )
    return api


@pytest.fixture(scope="module")
def default(tmp_path_factory: pytest.TempPathFactory) -> SynthesizedBlock[WebSocketApi]:
    return synthesize(_build_api, tmp_path_factory.mktemp("default"))


@pytest.fixture(scope="module")
def overridden(tmp_path_factory: pytest.TempPathFactory) -> SynthesizedBlock[WebSocketApi]:
    def build(stack: Stack) -> WebSocketApi:
        return _build_api(
            stack,
            identity_source=("route.request.header.Authorization",),
            route_selection_expression="$request.body.type",
            stage_name="prod",
            throttling_rate_limit=10,
            throttling_burst_limit=20,
            access_log_retention=logs.RetentionDays.ONE_WEEK,
            access_log_removal_policy=RemovalPolicy.DESTROY,
            api_name="realtime",
            description="Board events",
            connections_partition_key="connectionId",
            connections_sort_key="kind",
            connections_ttl_attribute="ttl",
            connections_point_in_time_recovery=True,
            connections_removal_policy=RemovalPolicy.RETAIN,
        )

    return synthesize(build, tmp_path_factory.mktemp("overridden"))


@pytest.fixture(scope="module")
def existing_table(tmp_path_factory: pytest.TempPathFactory) -> SynthesizedBlock[WebSocketApi]:
    def build(stack: Stack) -> WebSocketApi:
        table = dynamodb.Table.from_table_arn(stack, "Existing", TABLE_ARN)
        return _build_api(stack, existing_connections_table=table)

    return synthesize(build, tmp_path_factory.mktemp("existing_table"))


def _logical_id(synthesized: SynthesizedBlock[WebSocketApi], construct: Any) -> str:
    return synthesized.stack.get_logical_id(construct.node.default_child)


def _routes(synthesized: SynthesizedBlock[WebSocketApi]) -> dict[str, dict[str, Any]]:
    return {
        resource["Properties"]["RouteKey"]: resource["Properties"]
        for resource in synthesized.template.find_resources(ROUTE).values()
    }


def _integrated_function(synthesized: SynthesizedBlock[WebSocketApi], route: dict[str, Any]) -> str:
    """Follow a route's target to its integration and return the name of the function it invokes."""
    integration_id = route["Target"]["Fn::Join"][1][1]["Ref"]
    integration = synthesized.template.to_json()["Resources"][integration_id]["Properties"]
    assert integration["IntegrationType"] == "AWS_PROXY"
    uri = json.dumps(integration["IntegrationUri"])
    return uri.split(":function:")[1].split("/")[0]


def _management_policy_resources(synthesized: SynthesizedBlock[WebSocketApi]) -> list[Any]:
    (policy,) = synthesized.template.find_resources("AWS::IAM::Policy").values()
    (statement,) = policy["Properties"]["PolicyDocument"]["Statement"]
    assert statement["Action"] == "execute-api:ManageConnections"
    assert statement["Effect"] == "Allow"
    resources = statement["Resource"]
    return resources if isinstance(resources, list) else [resources]


def _connections_arn(api_id: str, stage: str, method: str) -> dict[str, Any]:
    return {
        "Fn::Join": [
            "",
            [
                "arn:",
                {"Ref": "AWS::Partition"},
                ":execute-api:",
                {"Ref": "AWS::Region"},
                ":",
                {"Ref": "AWS::AccountId"},
                ":",
                {"Ref": api_id},
                f"/{stage}/{method}/@connections/*",
            ],
        ]
    }


def test_default_api_is_a_websocket_api_routing_on_the_action_field(
    default: SynthesizedBlock[WebSocketApi],
) -> None:
    default.template.has_resource_properties(
        "AWS::ApiGatewayV2::Api",
        {
            "ProtocolType": "WEBSOCKET",
            "RouteSelectionExpression": "$request.body.action",
            "Name": Match.string_like_regexp(rf"^{STACK_NAME}Realtime"),
            "Description": Match.absent(),
        },
    )


def test_default_routes_are_the_three_reserved_ones_plus_the_custom_ones(
    default: SynthesizedBlock[WebSocketApi],
) -> None:
    expected = {"$connect", "$disconnect", "$default", *CUSTOM_ROUTES}
    assert set(_routes(default)) == expected
    assert set(default.block.routes) == expected


def test_each_route_invokes_its_own_handler(default: SynthesizedBlock[WebSocketApi]) -> None:
    assert {key: _integrated_function(default, route) for key, route in _routes(default).items()} == {
        "$connect": "Connect",
        "$disconnect": "Disconnect",
        "$default": "Actions",
        "subscribe": "Actions",
        "unsubscribe": "Actions",
    }


def test_only_connect_carries_the_authorizer(default: SynthesizedBlock[WebSocketApi]) -> None:
    (authorizer_id,) = default.template.find_resources("AWS::ApiGatewayV2::Authorizer")
    routes = _routes(default)
    connect = routes.pop("$connect")
    assert (connect["AuthorizationType"], connect["AuthorizerId"]) == ("CUSTOM", {"Ref": authorizer_id})
    assert {route["AuthorizationType"] for route in routes.values()} == {"NONE"}
    assert not any("AuthorizerId" in route for route in routes.values())


def test_default_authorizer_reads_the_token_from_the_query_string(
    default: SynthesizedBlock[WebSocketApi],
) -> None:
    (authorizer,) = default.template.find_resources("AWS::ApiGatewayV2::Authorizer").values()
    properties = authorizer["Properties"]
    assert properties["AuthorizerType"] == "REQUEST"
    assert properties["IdentitySource"] == ["route.request.querystring.token"]
    assert ":function:Authorize/invocations" in json.dumps(properties["AuthorizerUri"])


def test_invoke_permissions_exist_for_each_route_and_the_authorizer_only(
    default: SynthesizedBlock[WebSocketApi],
) -> None:
    permissions = default.template.find_resources("AWS::Lambda::Permission").values()
    invoked = sorted(permission["Properties"]["FunctionName"].rsplit(":", 1)[1] for permission in permissions)
    assert invoked == ["Actions", "Actions", "Actions", "Authorize", "Connect", "Disconnect"]
    assert {permission["Properties"]["Principal"] for permission in permissions} == {
        "apigateway.amazonaws.com"
    }


def test_default_stage_deploys_itself_and_throttles_every_route(
    default: SynthesizedBlock[WebSocketApi],
) -> None:
    default.template.has_resource_properties(
        STAGE,
        {
            "StageName": "v1",
            "AutoDeploy": True,
            "DefaultRouteSettings": {"ThrottlingRateLimit": 50, "ThrottlingBurstLimit": 100},
        },
    )


def test_default_access_logs_are_json_in_their_own_log_group(default: SynthesizedBlock[WebSocketApi]) -> None:
    log_group_id = _logical_id(default, default.block.access_log_group)
    (stage,) = default.template.find_resources(STAGE).values()
    access_log = stage["Properties"]["AccessLogSettings"]
    assert access_log["DestinationArn"] == {"Fn::GetAtt": [log_group_id, "Arn"]}
    log_format = json.loads(access_log["Format"])
    assert {
        field: log_format[field] for field in ("requestId", "caller", "connectionId", "eventType", "routeKey")
    } == {
        "requestId": "$context.requestId",
        "caller": "$context.authorizer.principalId",
        "connectionId": "$context.connectionId",
        "eventType": "$context.eventType",
        "routeKey": "$context.routeKey",
    }
    default.template.has_resource(
        "AWS::Logs::LogGroup",
        {"Properties": {"RetentionInDays": 30}, "DeletionPolicy": "Retain"},
    )


def test_default_connections_table_expires_records_and_goes_with_the_stack(
    default: SynthesizedBlock[WebSocketApi],
) -> None:
    default.template.has_resource(
        TABLE,
        {
            "Properties": Match.object_like(
                {
                    "KeySchema": [
                        {"AttributeName": "pk", "KeyType": "HASH"},
                        {"AttributeName": "sk", "KeyType": "RANGE"},
                    ],
                    "AttributeDefinitions": [
                        {"AttributeName": "pk", "AttributeType": "S"},
                        {"AttributeName": "sk", "AttributeType": "S"},
                    ],
                    "TimeToLiveSpecification": {"AttributeName": "expiresAt", "Enabled": True},
                    "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": False},
                    "DeletionProtectionEnabled": False,
                    "BillingMode": "PAY_PER_REQUEST",
                    "SSESpecification": {"SSEEnabled": True},
                }
            ),
            "DeletionPolicy": "Delete",
            "UpdateReplacePolicy": "Delete",
        },
    )


def test_manage_connections_is_pinned_to_this_api_and_stage(default: SynthesizedBlock[WebSocketApi]) -> None:
    api_id = _logical_id(default, default.block.api)
    assert _management_policy_resources(default) == [
        _connections_arn(api_id, "v1", method) for method in DEFAULT_MANAGEMENT_METHODS
    ]


def test_manage_connections_grants_the_methods_named_once_each_in_the_apis_order() -> None:
    stack = Stack()
    api = _build_api(stack)
    api.grant_manage_connections(
        iam.Role.from_role_arn(stack, "Closer", f"arn:aws:iam::{ACCOUNT}:role/c"),
        methods=("DELETE", "POST", "DELETE"),
    )
    template = Template.from_stack(stack)
    closer = [
        policy["Properties"]["PolicyDocument"]["Statement"]
        for policy in template.find_resources("AWS::IAM::Policy").values()
        if policy["Properties"]["Roles"] == ["c"]
    ]
    api_id = stack.get_logical_id(api.api.node.default_child)

    assert closer == [
        [
            {
                "Action": "execute-api:ManageConnections",
                "Effect": "Allow",
                "Resource": [_connections_arn(api_id, "v1", method) for method in ("POST", "DELETE")],
            }
        ]
    ]


@pytest.mark.parametrize("methods", [(), ("PUT",), ("POST", "PATCH"), "POST"], ids=repr)
def test_manage_connections_refuses_methods_the_management_api_does_not_have(methods: Any) -> None:
    stack = Stack()
    api = _build_api(stack)
    role = iam.Role.from_role_arn(stack, "Other", f"arn:aws:iam::{ACCOUNT}:role/o")

    with pytest.raises(UnknownManagementMethodError, match="'POST' \\(post_to_connection\\)"):
        api.grant_manage_connections(role, methods=methods)


def test_manage_connections_returns_the_grant() -> None:
    stack = Stack()
    api = _build_api(stack)
    grant = api.grant_manage_connections(
        iam.Role.from_role_arn(stack, "Other", f"arn:aws:iam::{ACCOUNT}:role/o")
    )
    assert grant.success


def test_urls_point_at_the_stage(default: SynthesizedBlock[WebSocketApi]) -> None:
    api_id = _logical_id(default, default.block.api)
    host = [{"Ref": api_id}, ".execute-api.", {"Ref": "AWS::Region"}, ".", {"Ref": "AWS::URLSuffix"}, "/v1"]
    assert default.stack.resolve(default.block.callback_url) == {"Fn::Join": ["", ["https://", *host]]}
    assert default.stack.resolve(default.block.url) == {"Fn::Join": ["", ["wss://", *host]]}


def test_default_exposes_its_resources(default: SynthesizedBlock[WebSocketApi]) -> None:
    block = default.block
    assert isinstance(block.api, apigwv2.WebSocketApi)
    assert isinstance(block.stage, apigwv2.WebSocketStage)
    assert isinstance(block.authorizer, WebSocketLambdaAuthorizer)
    assert isinstance(block.access_log_group, logs.LogGroup)
    assert isinstance(block.connections_table, dynamodb.Table)
    assert block.callback_url == block.stage.callback_url


def test_default_is_nag_clean_with_justified_acknowledgments(default: SynthesizedBlock[WebSocketApi]) -> None:
    assert_nag_clean(default.nag_findings)
    assert_acknowledgments_justified(default.stack)
    acknowledged = acknowledgments(default.stack)
    unauthorized_routes = {
        ack.construct_path.rsplit("/", 1)[1] for ack in acknowledged if ack.rule_id == "AwsSolutions-APIG4"
    }
    assert unauthorized_routes == {
        "$disconnect-Route",
        "$default-Route",
        "subscribe-Route",
        "unsubscribe-Route",
    }
    wildcard_grants = {ack.rule_id for ack in acknowledged if ack.construct_path.endswith("/Broadcaster")}
    assert len(wildcard_grants) == len(DEFAULT_MANAGEMENT_METHODS)
    assert all("@connections/*]" in rule for rule in wildcard_grants)
    assert {ack.rule_id for ack in acknowledged} == {
        "AwsSolutions-APIG4",
        *EPHEMERAL_TABLE_ACKNOWLEDGMENTS,
        *wildcard_grants,
    }


def test_default_template_is_cfn_lint_clean(default: SynthesizedBlock[WebSocketApi]) -> None:
    assert lint_template(default.template.to_json()) == []


def test_default_warns_about_nothing(default: SynthesizedBlock[WebSocketApi]) -> None:
    assert weakened_defaults(default.stack) == set()


def test_override_api_name_description_and_route_selection(
    overridden: SynthesizedBlock[WebSocketApi],
) -> None:
    overridden.template.has_resource_properties(
        "AWS::ApiGatewayV2::Api",
        {"Name": "realtime", "Description": "Board events", "RouteSelectionExpression": "$request.body.type"},
    )


def test_override_identity_source(overridden: SynthesizedBlock[WebSocketApi]) -> None:
    overridden.template.has_resource_properties(
        "AWS::ApiGatewayV2::Authorizer", {"IdentitySource": ["route.request.header.Authorization"]}
    )


def test_override_stage_name_and_throttling(overridden: SynthesizedBlock[WebSocketApi]) -> None:
    overridden.template.has_resource_properties(
        STAGE,
        {
            "StageName": "prod",
            "DefaultRouteSettings": {"ThrottlingRateLimit": 10, "ThrottlingBurstLimit": 20},
        },
    )


def test_override_access_log_retention_and_removal(overridden: SynthesizedBlock[WebSocketApi]) -> None:
    overridden.template.has_resource(
        "AWS::Logs::LogGroup",
        {"Properties": {"RetentionInDays": 7}, "DeletionPolicy": "Delete"},
    )


def test_override_connections_table_keys_ttl_recovery_and_removal(
    overridden: SynthesizedBlock[WebSocketApi],
) -> None:
    overridden.template.has_resource(
        TABLE,
        {
            "Properties": Match.object_like(
                {
                    "KeySchema": [
                        {"AttributeName": "connectionId", "KeyType": "HASH"},
                        {"AttributeName": "kind", "KeyType": "RANGE"},
                    ],
                    "TimeToLiveSpecification": {"AttributeName": "ttl", "Enabled": True},
                    "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
                    "DeletionProtectionEnabled": True,
                }
            ),
            "DeletionPolicy": "Retain",
        },
    )


def test_override_manage_connections_follows_the_stage_name(
    overridden: SynthesizedBlock[WebSocketApi],
) -> None:
    api_id = _logical_id(overridden, overridden.block.api)
    assert _management_policy_resources(overridden) == [
        _connections_arn(api_id, "prod", method) for method in DEFAULT_MANAGEMENT_METHODS
    ]


def test_override_drops_table_acknowledgments_that_no_longer_apply(
    overridden: SynthesizedBlock[WebSocketApi],
) -> None:
    assert_nag_clean(overridden.nag_findings)
    acknowledged = {ack.rule_id for ack in acknowledgments(overridden.stack)}
    assert acknowledged.isdisjoint(EPHEMERAL_TABLE_ACKNOWLEDGMENTS)
    assert weakened_defaults(overridden.stack) == set()


def test_existing_table_is_used_and_none_is_created(existing_table: SynthesizedBlock[WebSocketApi]) -> None:
    existing_table.template.resource_count_is(TABLE, 0)
    assert existing_table.block.connections_table.table_arn == TABLE_ARN
    assert_nag_clean(existing_table.nag_findings)


def test_existing_table_with_table_settings_is_refused() -> None:
    stack = Stack()
    table = dynamodb.Table.from_table_arn(stack, "Existing", TABLE_ARN)
    with pytest.raises(ConflictingConnectionsTableError, match="connections_ttl_attribute"):
        _build_api(stack, existing_connections_table=table, connections_ttl_attribute="ttl")


@pytest.mark.parametrize("route_key", ["$connect", "$default"])
def test_reserved_route_keys_are_refused_as_custom_routes(route_key: str) -> None:
    stack = Stack()
    with pytest.raises(ReservedRouteKeyError, match="connect_handler"):
        _build_api(stack, routes={route_key: imported_function(stack, "Extra")})


def test_empty_identity_source_is_refused() -> None:
    with pytest.raises(MissingIdentitySourceError, match="querystring"):
        _build_api(Stack(), identity_source=())
