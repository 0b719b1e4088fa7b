"""RealtimeStack: who may connect, which routes exist, what reaches the broadcaster, and its grants."""

import json
import re
from typing import Any

import pytest
from aws_cdk.assertions import Match, Template

from lambdas.corkboard import table_design as design
from stacks.realtime_stack import BROADCAST_SORT_KEY_PREFIXES, CLIENT_ACTIONS
from tests.infra.conftest import SynthesizedApp
from tests.infra.policy_statements import function_properties, role_statements

# What the stream's event source mapping grants the broadcaster, whichever way it fans out.
STREAM_READS = (
    "dynamodb:ListStreams",
    "dynamodb:DescribeStream",
    "dynamodb:GetRecords",
    "dynamodb:GetShardIterator",
)


def _routes(template: Template) -> dict[str, dict[str, Any]]:
    return {
        route["Properties"]["RouteKey"]: route["Properties"]
        for route in template.find_resources("AWS::ApiGatewayV2::Route").values()
    }


def test_routes_are_the_lifecycle_ones_plus_the_client_actions(realtime_template: Template) -> None:
    assert set(_routes(realtime_template)) == {"$connect", "$disconnect", "$default", *CLIENT_ACTIONS}
    realtime_template.has_resource_properties(
        "AWS::ApiGatewayV2::Api",
        {"ProtocolType": "WEBSOCKET", "RouteSelectionExpression": "$request.body.action"},
    )


def test_only_connect_is_authorized_and_by_the_token_in_the_query_string(realtime_template: Template) -> None:
    routes = _routes(realtime_template)
    assert routes["$connect"]["AuthorizationType"] == "CUSTOM"
    assert {key for key, route in routes.items() if route["AuthorizationType"] != "NONE"} == {"$connect"}
    realtime_template.has_resource_properties(
        "AWS::ApiGatewayV2::Authorizer",
        {"AuthorizerType": "REQUEST", "IdentitySource": ["route.request.querystring.token"]},
    )


def test_authorizer_gets_the_pool_and_client_and_the_jwt_layer(realtime_template: Template) -> None:
    realtime_template.has_resource_properties(
        "AWS::Lambda::Function",
        {
            "Handler": "ws.authorizer.handler",
            "Layers": Match.array_with(
                [Match.object_like({"Ref": Match.string_like_regexp("AuthLibraries")})]
            ),
            "Environment": {
                "Variables": Match.object_like(
                    {
                        design.ENV_USER_POOL_ID: Match.any_value(),
                        design.ENV_USER_POOL_CLIENT_ID: Match.any_value(),
                    }
                )
            },
        },
    )


def test_stage_throttles_and_logs(realtime_template: Template) -> None:
    realtime_template.has_resource_properties(
        "AWS::ApiGatewayV2::Stage",
        {
            "AutoDeploy": True,
            "DefaultRouteSettings": Match.object_like(
                {"ThrottlingRateLimit": 20, "ThrottlingBurstLimit": 40}
            ),
            "AccessLogSettings": Match.object_like({"DestinationArn": Match.any_value()}),
        },
    )


def test_the_connections_table_is_the_data_stacks(realtime_template: Template) -> None:
    """The REST function ends subscriptions too, so the table lives in the stack both depend on."""
    realtime_template.resource_count_is("AWS::DynamoDB::Table", 0)


def test_subscribe_checks_the_membership_in_its_transaction(realtime_template: Template) -> None:
    actions = {
        action
        for statement in role_statements(realtime_template, "ws.actions.handler")
        for action in _as_list(statement["Action"])
    }
    assert {"dynamodb:ConditionCheckItem", "dynamodb:PutItem", "dynamodb:GetItem"} <= actions
    assert not {"dynamodb:Scan", "dynamodb:DeleteItem", "dynamodb:UpdateItem"} & actions


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def test_broadcaster_sees_only_board_items_and_reports_partial_failures(realtime_template: Template) -> None:
    (mapping,) = realtime_template.find_resources("AWS::Lambda::EventSourceMapping").values()
    properties = mapping["Properties"]
    assert properties["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert properties["BisectBatchOnFunctionError"] is True
    assert properties["MaximumRetryAttempts"] >= 1
    assert "OnFailure" in properties["DestinationConfig"]
    (pattern,) = (json.loads(entry["Pattern"]) for entry in properties["FilterCriteria"]["Filters"])
    prefixes = pattern["dynamodb"]["Keys"][design.SORT_KEY]["S"]
    assert prefixes == [{"prefix": prefix} for prefix in BROADCAST_SORT_KEY_PREFIXES]


def test_board_changes_reach_the_broadcaster_without_a_batching_window(realtime_template: Template) -> None:
    """A window holds every change up to its length before any subscriber hears of it."""
    (mapping,) = realtime_template.find_resources("AWS::Lambda::EventSourceMapping").values()
    assert mapping["Properties"].get("MaximumBatchingWindowInSeconds", 0) == 0


@pytest.mark.parametrize(
    ("handler", "methods"),
    [("ws.actions.handler", ["POST"]), ("streams.broadcaster.handler", ["POST", "DELETE"])],
    ids=["actions post", "the broadcaster posts and closes"],
)
def test_manage_connections_grants_exactly_the_methods_each_function_calls(
    realtime_template: Template, handler: str, methods: list[str]
) -> None:
    """POST is post_to_connection, DELETE delete_connection; no function reads a connection (GET)."""
    (statement,) = (
        s for s in role_statements(realtime_template, handler) if "execute-api" in str(s["Action"])
    )
    assert statement["Action"] == "execute-api:ManageConnections"
    granted = []
    for resource in _as_list(statement["Resource"]):
        joined = "".join(
            part if isinstance(part, str) else json.dumps(part) for part in resource["Fn::Join"][1]
        )
        pinned = re.search(r"WebSocketApi.*/v1/(?P<method>[A-Z]+)/@connections/\*$", joined)
        assert pinned is not None, joined
        granted.append(pinned["method"])
    assert sorted(granted) == sorted(methods)


def test_authorizer_and_connect_touch_nothing_they_do_not_need(realtime_template: Template) -> None:
    assert not [
        s for s in role_statements(realtime_template, "ws.authorizer.handler") if "dynamodb" in str(s)
    ]
    connect = [s for s in role_statements(realtime_template, "ws.connection.connect") if "dynamodb" in str(s)]
    assert [statement["Action"] for statement in connect] == ["dynamodb:PutItem"]


@pytest.fixture(scope="module")
def sharded_template(prod_app: SynthesizedApp) -> Template:
    """prod's RealtimeStack: cdk.json turns the sharded fan-out on there (shardedFanout), and off in dev."""
    return Template.from_json(prod_app.template("realtime"))


def _dynamodb_actions(template: Template, handler: str) -> set[str]:
    return {
        action
        for statement in role_statements(template, handler)
        for action in _as_list(statement["Action"])
        if action.startswith("dynamodb:")
    }


def test_the_fanout_is_sharded_where_cdk_json_says(
    realtime_template: Template, sharded_template: Template
) -> None:
    sender = {"Properties": {"Handler": "streams.sender.handler"}}
    assert realtime_template.find_resources("AWS::Lambda::Function", sender) == {}
    assert len(sharded_template.find_resources("AWS::Lambda::Function", sender)) == 1
    sharded_template.has_resource_properties(
        "AWS::Lambda::EventSourceMapping",
        {
            "EventSourceArn": {"Fn::GetAtt": [Match.string_like_regexp("BoardEventsFanoutQueue"), "Arn"]},
            "BatchSize": 1,
            "FunctionResponseTypes": ["ReportBatchItemFailures"],
        },
    )
    sharded_template.has_resource_properties(
        "AWS::SQS::Queue", {"FifoQueue": True, "RedrivePolicy": Match.object_like({"maxReceiveCount": 3})}
    )


def test_the_sharded_broadcaster_queues_and_posts_nothing_itself(sharded_template: Template) -> None:
    statements = role_statements(sharded_template, "streams.broadcaster.handler")
    assert not [s for s in statements if "execute-api" in str(s["Action"])]
    assert _dynamodb_actions(sharded_template, "streams.broadcaster.handler") == {
        "dynamodb:Query",
        "dynamodb:BatchWriteItem",
        *STREAM_READS,
    }
    assert "sqs:SendMessage" in {action for s in statements for action in _as_list(s["Action"])}
    variables = function_properties(sharded_template, "streams.broadcaster.handler")["Environment"][
        "Variables"
    ]
    assert design.ENV_FANOUT_QUEUE_URL in variables


def test_the_sender_reads_its_lanes_then_posts_closes_and_counts(sharded_template: Template) -> None:
    """A sender reads its key lanes with a Query; it has no BatchGetItem since it no longer reads by id."""
    assert _dynamodb_actions(sharded_template, "streams.sender.handler") == {
        "dynamodb:Query",
        "dynamodb:BatchWriteItem",
        "dynamodb:PutItem",
    }
    (manage,) = (
        s
        for s in role_statements(sharded_template, "streams.sender.handler")
        if "execute-api" in str(s["Action"])
    )
    assert len(_as_list(manage["Resource"])) == 2, "POST and DELETE"
    variables = function_properties(sharded_template, "streams.sender.handler")["Environment"]["Variables"]
    assert {design.ENV_CONNECTIONS_TABLE_NAME, design.ENV_WEBSOCKET_CALLBACK_URL} <= set(variables)
