"""The architecture diagram's graph model, built from small hand-written templates (no Graphviz needed).

Two stacks imitate what CDK synthesizes: a data stack exporting a table (with a stream) and a user
pool, and an API stack whose function, role policy, REST methods, authorizer and event source mapping
reach them through ``Fn::GetStackOutput`` and ``Fn::ImportValue``.
"""

import json
from pathlib import Path
from typing import Any

import pytest

from cdk_local_cloud.assembly import AssemblyError
from cdk_local_cloud.diagram import (
    GraphvizError,
    ResourceId,
    UnresolvedReferenceError,
    build_graph,
    stack_templates,
    to_dot,
    write_png,
)
from cdk_local_cloud.diagram.iam_access import access_label

DATA, API = "Shop-Data", "Shop-Api"
TABLE = ResourceId(DATA, "OrdersTable1A2B3C4D")
POOL, SECRET = ResourceId(DATA, "Users"), ResourceId(DATA, "Key")
REST, HANDLER, QUEUE = ResourceId(API, "RestApi"), ResourceId(API, "Handler"), ResourceId(API, "Failures")
HANDLER_ARN = {"Fn::GetAtt": ["Handler", "Arn"]}
REST_API_ID = {"Ref": "RestApi"}


def _resource(resource_type: str, **properties: Any) -> dict[str, Any]:
    return {"Type": resource_type, "Properties": properties}


def _output(stack: str, name: str) -> dict[str, Any]:
    return {"Fn::GetStackOutput": {"StackName": stack, "OutputName": name, "Region": {"Ref": "AWS::Region"}}}


def _statement(action: str | list[str], resource: Any, effect: str = "Allow") -> dict[str, Any]:
    return {"Effect": effect, "Action": action, "Resource": resource}


def _data_template() -> dict[str, Any]:
    table = _resource("AWS::DynamoDB::Table", StreamSpecification={"StreamViewType": "NEW_IMAGE"})
    return {
        "Resources": {
            "OrdersTable1A2B3C4D": {**table, "Metadata": {"aws:cdk:path": "Shop-Data/Orders/Resource"}},
            "Users": _resource("AWS::Cognito::UserPool"),
            "UsersClient": _resource("AWS::Cognito::UserPoolClient", UserPoolId={"Ref": "Users"}),
            "Key": _resource("AWS::SecretsManager::Secret"),
        },
        "Outputs": {
            "TableName": {"Value": {"Ref": "OrdersTable1A2B3C4D"}},
            "TableArn": {"Value": {"Fn::GetAtt": ["OrdersTable1A2B3C4D", "Arn"]}},
            "StreamArn": {"Value": {"Fn::GetAtt": ["OrdersTable1A2B3C4D", "StreamArn"]}},
            "PoolArn": {"Value": {"Fn::GetAtt": ["Users", "Arn"]}},
            "KeyArn": {"Value": {"Ref": "Key"}, "Export": {"Name": "Shop-Data:KeyArn"}},
        },
    }


def _handler_resources() -> dict[str, Any]:
    table_arn = _output(DATA, "TableArn")
    statements = [
        _statement("logs:PutLogEvents", {"Ref": "HandlerLogs"}),
        _statement("xray:PutTraceSegments", "*"),
        _statement(
            ["dynamodb:GetItem", "dynamodb:Query"], [table_arn, {"Fn::Join": ["", [table_arn, "/index/*"]]}]
        ),
        _statement("dynamodb:PutItem", table_arn),
        _statement("secretsmanager:PutSecretValue", {"Fn::ImportValue": "Shop-Data:KeyArn"}, effect="Deny"),
        _statement("secretsmanager:GetSecretValue", {"Fn::ImportValue": "Shop-Data:KeyArn"}),
    ]
    return {
        "HandlerRole": _resource("AWS::IAM::Role"),
        "Handler": _resource(
            "AWS::Lambda::Function",
            Handler="orders.handler",
            Role={"Fn::GetAtt": ["HandlerRole", "Arn"]},
            Layers=[{"Ref": "PowertoolsLayer"}],
            Environment={"Variables": {"TABLE_NAME": _output(DATA, "TableName"), "LOG_LEVEL": "INFO"}},
            LoggingConfig={"LogGroup": {"Ref": "HandlerLogs"}},
        ),
        "HandlerLogs": _resource("AWS::Logs::LogGroup"),
        "HandlerPolicy": _resource(
            "AWS::IAM::Policy", Roles=[{"Ref": "HandlerRole"}], PolicyDocument={"Statement": statements}
        ),
        "InvokePermission": _resource("AWS::Lambda::Permission", FunctionName=HANDLER_ARN),
        "Failures": _resource("AWS::SQS::Queue"),
        "HandlerStream": _resource(
            "AWS::Lambda::EventSourceMapping",
            EventSourceArn=_output(DATA, "StreamArn"),
            FunctionName={"Ref": "Handler"},
            DestinationConfig={"OnFailure": {"Destination": {"Fn::GetAtt": ["Failures", "Arn"]}}},
        ),
    }


def _rest_api_resources() -> dict[str, Any]:
    proxy = {"Type": "AWS_PROXY", "Uri": {"Fn::Join": ["", ["arn:", HANDLER_ARN]]}}
    method = "AWS::ApiGateway::Method"
    return {
        "RestApi": _resource("AWS::ApiGateway::RestApi", Name="shop"),
        "RestApiGetOrder": _resource(method, HttpMethod="GET", RestApiId=REST_API_ID, Integration=proxy),
        "RestApiPostOrder": _resource(method, HttpMethod="POST", RestApiId=REST_API_ID, Integration=proxy),
        "RestApiPreflight": _resource(
            method, HttpMethod="OPTIONS", RestApiId=REST_API_ID, Integration={"Type": "MOCK"}
        ),
        "RestApiStage": _resource("AWS::ApiGateway::Stage", RestApiId=REST_API_ID),
        "RestApiAuthorizer": _resource(
            "AWS::ApiGateway::Authorizer", RestApiId=REST_API_ID, ProviderARNs=[_output(DATA, "PoolArn")]
        ),
    }


def _templates() -> dict[str, dict[str, Any]]:
    api = {
        "Parameters": {"PowertoolsLayer": {"Type": "AWS::SSM::Parameter::Value<String>"}},
        "Resources": {**_handler_resources(), **_rest_api_resources()},
    }
    return {API: api, DATA: _data_template()}


def test_nodes_are_the_resources_a_reader_reasons_about() -> None:
    graph = build_graph(_templates())

    assert graph.stacks == (API, DATA)
    assert {node.id: node.label for node in graph.nodes} == {
        TABLE: "DynamoDB table\nOrders",
        POOL: "Cognito user pool\nUsers",
        SECRET: "Secrets Manager secret\nKey",
        REST: "REST API (2 routes)\nRestApi",
        HANDLER: "Lambda function\nHandler\norders.handler",
        QUEUE: "SQS queue\nFailures",
    }


def test_edges_follow_references_grants_routes_and_event_sources_across_stacks() -> None:
    graph = build_graph(_templates())

    assert {(edge.source, edge.target, edge.label) for edge in graph.edges} == {
        (REST, HANDLER, "proxy ×2"),  # noqa: RUF001 - the label the picture shows
        (REST, POOL, "authorizer"),
        (HANDLER, TABLE, "TABLE_NAME\nread/write"),
        (HANDLER, SECRET, "read"),
        (HANDLER, QUEUE, "on failure"),
        (TABLE, HANDLER, "records"),
    }


def test_websocket_routes_reach_their_function_through_integrations() -> None:
    invocation = {
        "Fn::Sub": "arn:${AWS::Partition}:apigateway:lambda:path/functions/${Actions.Arn}/invocations"
    }
    api_id = {"Ref": "Socket"}
    template = {
        "Resources": {
            "Socket": _resource("AWS::ApiGatewayV2::Api", ProtocolType="WEBSOCKET"),
            "Actions": _resource("AWS::Lambda::Function", Handler="ws.handler"),
            "ActionsIntegration": _resource(
                "AWS::ApiGatewayV2::Integration", ApiId=api_id, IntegrationUri=invocation
            ),
            **{
                f"{key}Route": _resource(
                    "AWS::ApiGatewayV2::Route",
                    ApiId=api_id,
                    RouteKey=key,
                    Target={"Fn::Join": ["", ["integrations/", {"Ref": "ActionsIntegration"}]]},
                )
                for key in ("subscribe", "$default")
            },
        }
    }

    graph = build_graph({"Live": template})

    socket, actions = ResourceId("Live", "Socket"), ResourceId("Live", "Actions")
    assert [node.label for node in graph.nodes] == [
        "Lambda function\nActions\nws.handler",
        "WebSocket API (2 routes)\nSocket",
    ]
    assert [(edge.source, edge.target, edge.label) for edge in graph.edges] == [
        (socket, actions, "$default\nsubscribe")
    ]


def test_graph_is_sorted_whatever_order_the_templates_come_in() -> None:
    templates = _templates()
    reordered = {DATA: templates[DATA], API: templates[API]}

    assert build_graph(reordered) == build_graph(templates)
    assert list(build_graph(templates).edges) == sorted(build_graph(templates).edges)


def test_reference_to_a_stack_that_was_not_synthesized_names_the_missing_output() -> None:
    templates = _templates()
    del templates[DATA]

    with pytest.raises(UnresolvedReferenceError, match=r"output TableName of stack Shop-Data.*cdk synth"):
        build_graph(templates)


def test_dot_text_draws_one_cluster_per_stack_and_keeps_tiers_in_columns() -> None:
    dot = to_dot(build_graph(_templates()))

    assert dot.startswith('digraph "architecture" {')
    assert 'subgraph "cluster_Shop-Api" {' in dot
    assert 'subgraph "cluster_Shop-Data" {' in dot
    assert '"Shop-Api/Handler" [label="Lambda function\\nHandler\\norders.handler", shape=box' in dot
    assert '{ rank=min; "Shop-Api/RestApi"; }' in dot
    assert '"Shop-Api/Handler" -> "Shop-Data/OrdersTable1A2B3C4D" [label="TABLE_NAME\\nread/write"];' in dot
    # A stream feeding a function points from the state column back to the code: it must not move boxes.
    assert '"Shop-Data/OrdersTable1A2B3C4D" -> "Shop-Api/Handler" [label="records", constraint=false];' in dot


@pytest.mark.parametrize(
    ("actions", "label"),
    [
        (["dynamodb:GetItem", "dynamodb:Query"], "read"),
        (["sqs:SendMessage"], "write"),
        (["dynamodb:BatchWriteItem", "dynamodb:GetItem"], "read/write"),
        (["execute-api:ManageConnections", "s3:GetObject"], "read/ManageConnections"),
        (["s3:*"], "all actions"),
    ],
)
def test_access_label_summarises_iam_actions(actions: list[str], label: str) -> None:
    assert access_label(actions) == label


def _write_assembly(directory: Path, artifacts: dict[str, Any]) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "manifest.json").write_text(json.dumps({"artifacts": artifacts}), encoding="utf-8")


def _stack_artifact(template_file: str) -> dict[str, Any]:
    return {"type": "aws:cloudformation:stack", "properties": {"templateFile": template_file}}


def test_templates_come_from_the_manifest_not_from_stray_files(tmp_path: Path) -> None:
    api = {"Resources": {"RestApi": _resource("AWS::ApiGateway::RestApi")}}
    (tmp_path / "Shop-Api.template.json").write_text(json.dumps(api), encoding="utf-8")
    (tmp_path / "Old-Prod.template.json").write_text(json.dumps({"Resources": {"X": {}}}), encoding="utf-8")
    _write_assembly(
        tmp_path,
        {
            "Shop-Api": _stack_artifact("Shop-Api.template.json"),
            "Tree": {"type": "cdk:tree", "properties": {"file": "tree.json"}},
        },
    )

    assert stack_templates(tmp_path) == {"Shop-Api": api}


def test_the_stacks_of_a_stage_s_nested_assembly_are_drawn_too(tmp_path: Path) -> None:
    nested = tmp_path / "assembly-Prod"
    _write_assembly(nested, {"Prod-Shop-Data": _stack_artifact("Prod-Shop-Data.template.json")})
    table = {"Resources": {"Orders": _resource("AWS::DynamoDB::Table")}}
    (nested / "Prod-Shop-Data.template.json").write_text(json.dumps(table), encoding="utf-8")
    _write_assembly(
        tmp_path,
        {"Prod": {"type": "cdk:cloud-assembly", "properties": {"directoryName": "assembly-Prod"}}},
    )

    templates = stack_templates(tmp_path)

    assert templates == {"Prod-Shop-Data": table}
    assert ResourceId("Prod-Shop-Data", "Orders") in {node.id for node in build_graph(templates).nodes}


def test_missing_cloud_assembly_tells_the_user_to_synthesize(tmp_path: Path) -> None:
    with pytest.raises(AssemblyError, match="run `cdk synth` first"):
        stack_templates(tmp_path)


def test_missing_graphviz_tells_the_user_how_to_install_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))

    with pytest.raises(GraphvizError, match="apt-get install -y graphviz"):
        write_png("digraph {}", tmp_path / "architecture.png")
    assert not (tmp_path / "architecture.png").exists()
