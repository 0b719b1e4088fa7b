"""Prod: data that survives, a cache that never mixes users, and alarms that reach on-call.

The firewall has its own module, test_prod_firewall.py.
"""

import json
import re
from typing import Any

from aws_cdk.assertions import Match, Template

from stacks.rest_routes import REST_ROUTES
from tests.infra.conftest import ROOT, SynthesizedApp


def _template(prod_app: SynthesizedApp, stack_name: str) -> Template:
    return Template.from_json(prod_app.template(stack_name))


def test_data_stack_has_termination_protection(prod_app: SynthesizedApp) -> None:
    assert prod_app.stacks.data.termination_protection


def test_stateful_resources_are_retained_and_protected(prod_app: SynthesizedApp) -> None:
    data = _template(prod_app, "data")
    for table in data.find_resources("AWS::DynamoDB::Table").values():
        assert table["DeletionPolicy"] == "Retain"
        assert table["Properties"]["DeletionProtectionEnabled"] is True
    (pool,) = data.find_resources("AWS::Cognito::UserPool").values()
    assert pool["DeletionPolicy"] == "Retain"
    assert pool["Properties"]["DeletionProtection"] == "ACTIVE"
    data.has_resource("AWS::SecretsManager::Secret", {"DeletionPolicy": "Retain"})


def _method_settings(api: Template) -> list[dict[str, Any]]:
    (stage,) = api.find_resources("AWS::ApiGateway::Stage").values()
    return stage["Properties"]["MethodSettings"]


def _cached_methods(api: Template) -> list[dict[str, Any]]:
    return [
        method["Properties"]
        for method in api.find_resources("AWS::ApiGateway::Method").values()
        if method["Properties"]["Integration"].get("CacheKeyParameters")
    ]


def test_stage_cache_is_on_encrypted_and_short_lived(prod_app: SynthesizedApp) -> None:
    api = _template(prod_app, "api")
    api.has_resource_properties(
        "AWS::ApiGateway::Stage", {"CacheClusterEnabled": True, "CacheClusterSize": "0.5"}
    )
    cached = [setting for setting in _method_settings(api) if setting.get("CachingEnabled")]
    assert cached
    for setting in cached:
        assert setting["HttpMethod"] == "GET"
        assert setting["CacheDataEncrypted"] is True
        assert setting["CacheTtlInSeconds"] == 10


def test_every_cached_method_keys_on_the_caller_and_every_parameter(prod_app: SynthesizedApp) -> None:
    cached = _cached_methods(_template(prod_app, "api"))
    cacheable = [
        route for route in REST_ROUTES if route.method == "GET" and route.cacheable and not route.public
    ]
    assert len(cached) == len(cacheable)
    for method in cached:
        keys = set(method["Integration"]["CacheKeyParameters"])
        declared = {
            name for name in method.get("RequestParameters", {}) if name.startswith("method.request.")
        }
        assert "method.request.header.Authorization" in keys
        assert {name for name in declared if ".path." in name or ".querystring." in name} <= keys


def test_route_table_declares_every_documented_query_parameter() -> None:
    document = json.loads((ROOT / "docs" / "openapi.json").read_text(encoding="utf-8"))
    parameter = re.compile(r"\{[^}]+\}")
    documented = {
        (method.upper(), parameter.sub("{}", path)): tuple(
            item["name"] for item in operation.get("parameters", []) if item["in"] == "query"
        )
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
    }
    for route in REST_ROUTES:
        assert route.query_parameters == documented[(route.method, parameter.sub("{}", route.path))], route


def test_writes_are_never_cached(prod_app: SynthesizedApp) -> None:
    for setting in _method_settings(_template(prod_app, "api")):
        if setting["HttpMethod"] != "GET":
            assert not setting.get("CachingEnabled"), setting


def test_per_method_throttling_comes_from_config(prod_app: SynthesizedApp) -> None:
    settings = {
        (setting["HttpMethod"], setting["ResourcePath"]): setting
        for setting in _method_settings(_template(prod_app, "api"))
    }
    assert settings[("POST", "/~1boards")]["ThrottlingRateLimit"] == 10
    assert settings[("POST", "/~1boards")]["ThrottlingBurstLimit"] == 20
    assert settings[("POST", "/~1boards~1{boardId}~1tasks")]["ThrottlingRateLimit"] == 50
    assert settings[("GET", "/~1boards")]["ThrottlingRateLimit"] == 200


def test_alarms_notify_the_on_call_address(prod_app: SynthesizedApp) -> None:
    monitoring = _template(prod_app, "monitoring")
    monitoring.has_resource_properties(
        "AWS::SNS::Subscription", {"Protocol": "email", "Endpoint": "corkboard-oncall@example.com"}
    )
    alarms = monitoring.find_resources("AWS::CloudWatch::Alarm")
    assert len(alarms) >= 10
    for alarm in alarms.values():
        assert alarm["Properties"]["AlarmActions"], alarm
    monitoring.resource_count_is("AWS::CloudWatch::Dashboard", 1)
    monitoring.has_resource_properties("AWS::CloudWatch::Alarm", {"MetricName": Match.any_value()})


def test_the_authorizer_alarms_on_a_surge_of_refusals_not_on_each_one(prod_app: SynthesizedApp) -> None:
    alarms = _template(prod_app, "monitoring").find_resources("AWS::CloudWatch::Alarm")
    error_thresholds = {
        alarm["Properties"]["AlarmDescription"].split(" failed ")[0]: alarm["Properties"]["Threshold"]
        for alarm in alarms.values()
        if " failed more than " in alarm["Properties"]["AlarmDescription"]
    }
    assert error_thresholds.pop("Corkboard-prod-Realtime/Authorizer/Function") == 100
    assert set(error_thresholds.values()) == {0}


def test_attachments_are_versioned_and_retained(prod_app: SynthesizedApp) -> None:
    _template(prod_app, "data").has_resource(
        "AWS::S3::Bucket",
        {
            "DeletionPolicy": "Retain",
            "Properties": Match.object_like({"VersioningConfiguration": {"Status": "Enabled"}}),
        },
    )
