"""The function host's pure parts: the spec from a template, the worker's environment, import path and URLs.

The builders here (``function_resource``, ``fixture_deployment``) make hand-built deployments for the
process tests too, so no test depends on an application's template.
"""

import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.request import Request

import pytest
from fakes import FAKE_ACCOUNT_ID, REGION

from cdk_local_cloud.contracts.deployment import Deployment, Resource
from cdk_local_cloud.functions import FunctionSpec, UnsupportedFunctionError
from cdk_local_cloud.functions.aws_url_redirect import localize_aws_request
from cdk_local_cloud.functions.handler_import import HandlerInitError, import_handler
from cdk_local_cloud.functions.runtime_environment import function_environment
from cdk_local_cloud.functions.worker import function_sys_path

FUNCTION_CODE = Path(__file__).parent / "function_code"
CODE_ASSET_KEY = "fixture-code.zip"
ROLE_ARN = f"arn:aws:iam::{FAKE_ACCOUNT_ID}:role/service-role/FixtureRole"
GATEWAY_HOST = "127.0.0.1:4510"
ENDPOINT = "http://127.0.0.1:4566"


def function_arn(name: str) -> str:
    return f"arn:aws:lambda:{REGION}:{FAKE_ACCOUNT_ID}:function:{name}"


def function_resource(
    name: str, handler: str, *, runtime: str | None = "python3.13", **properties: Any
) -> Resource:
    """A deployed ``AWS::Lambda::Function`` running ``handler`` from the fixture code asset."""
    return Resource(
        stack="FixtureStack",
        logical_id=name.replace("-", "").title(),
        type="AWS::Lambda::Function",
        properties={
            "Handler": handler,
            **({} if runtime is None else {"Runtime": runtime}),
            "Code": {"S3Bucket": "fixture-assets", "S3Key": CODE_ASSET_KEY},
            "Role": ROLE_ARN,
            **properties,
        },
        physical_id=name,
        attributes={"Arn": function_arn(name)},
    )


def fixture_deployment(
    *resources: Resource, code_dir: Path = FUNCTION_CODE, aws_endpoint_url: str = ENDPOINT
) -> Deployment:
    return Deployment(
        region=REGION,
        account_id=FAKE_ACCOUNT_ID,
        aws_endpoint_url=aws_endpoint_url,
        cdk_out=code_dir.parent,
        resources=resources,
        outputs={},
        asset_paths={CODE_ASSET_KEY: code_dir},
    )


def spec_of(resource: Resource) -> FunctionSpec:
    return FunctionSpec.from_resource(resource, fixture_deployment(resource), gateway_host=GATEWAY_HOST)


def test_spec_reads_the_template_function() -> None:
    spec = spec_of(
        function_resource(
            "orders-fn",
            "handlers.echo",
            Timeout=12,
            MemorySize=512,
            Environment={
                "Variables": {
                    "PLAIN": "value",
                    "API_URL": f"https://abc123defg.execute-api.{REGION}.amazonaws.com/prod",
                }
            },
            LoggingConfig={"LogFormat": "JSON", "ApplicationLogLevel": "DEBUG", "LogGroup": "orders-logs"},
        )
    )

    assert (spec.name, spec.arn, spec.handler) == ("orders-fn", function_arn("orders-fn"), "handlers.echo")
    assert (spec.code_dir, spec.runtime, spec.timeout, spec.memory_size) == (
        FUNCTION_CODE,
        "python3.13",
        12.0,
        512,
    )
    assert spec.environment == {"PLAIN": "value", "API_URL": f"http://{GATEWAY_HOST}/abc123defg/prod"}
    assert (spec.log_group_name, spec.log_format, spec.application_log_level) == (
        "orders-logs",
        "JSON",
        "DEBUG",
    )
    assert (spec.region, spec.account_id, spec.aws_endpoint_url) == (REGION, FAKE_ACCOUNT_ID, ENDPOINT)
    assert spec.role_arn == ROLE_ARN
    assert spec.assumed_role_arn == f"arn:aws:sts::{FAKE_ACCOUNT_ID}:assumed-role/FixtureRole/orders-fn"


def test_spec_defaults_are_lambdas() -> None:
    spec = spec_of(function_resource("plain-fn", "handlers.echo"))

    assert (spec.timeout, spec.memory_size, spec.environment) == (3.0, 128, {})
    assert (spec.log_group_name, spec.log_format, spec.application_log_level) == (
        "/aws/lambda/plain-fn",
        None,
        None,
    )


@pytest.mark.parametrize(
    ("resource", "unsupported"),
    [
        (
            function_resource("other-fn", "index.handler", runtime="nodejs20.x"),
            r"runtime nodejs20\.x is not supported by the local cloud",
        ),
        (
            function_resource("other-fn", "index.handler", Code={"ZipFile": "def handler(e, c): ..."}),
            r"inline code \(Code\.ZipFile\) is not supported",
        ),
        (
            function_resource("other-fn", "index.handler", runtime=None, Code={"ImageUri": "fixture:latest"}),
            "a container image is not supported",
        ),
    ],
)
def test_spec_refuses_what_cannot_run_locally(resource: Resource, unsupported: str) -> None:
    with pytest.raises(UnsupportedFunctionError, match=f"Function other-fn: {unsupported}"):
        spec_of(resource)


def test_environment_keeps_the_template_but_the_runtime_and_local_cloud_win() -> None:
    spec = spec_of(
        function_resource(
            "env-fn",
            "handlers.echo",
            Environment={"Variables": {"PLAIN": "value", "AWS_ENDPOINT_URL": "https://elsewhere.example"}},
            LoggingConfig={"LogFormat": "JSON", "ApplicationLogLevel": "WARN"},
        )
    )
    inherited = {"PATH": "/usr/bin", "AWS_PROFILE": "production", "AWS_ACCESS_KEY_ID": "AKIAREALKEY"}

    environment = function_environment(spec, log_stream_name="2026/01/01/[$LATEST]abc", inherited=inherited)

    assert environment["PLAIN"] == "value"
    assert environment["PATH"] == "/usr/bin"
    assert "AWS_PROFILE" not in environment
    assert environment["AWS_ACCESS_KEY_ID"] == "testing"
    assert environment["AWS_ENDPOINT_URL"] == ENDPOINT
    assert environment["AWS_CONFIG_FILE"] == environment["AWS_SHARED_CREDENTIALS_FILE"] == os.devnull
    assert environment["AWS_LAMBDA_LOG_STREAM_NAME"] == "2026/01/01/[$LATEST]abc"
    assert (environment["AWS_LAMBDA_LOG_FORMAT"], environment["AWS_LAMBDA_LOG_LEVEL"]) == ("JSON", "WARN")
    assert environment["AWS_EXECUTION_ENV"] == "AWS_Lambda_python3.13"


def test_sys_path_puts_the_code_first_and_drops_the_hosts_own_entries() -> None:
    library = next(entry for entry in sys.path if entry.endswith("site-packages"))
    checkout = str(Path(__file__).parents[2] / "lambdas")

    path = function_sys_path(FUNCTION_CODE, ["", checkout, library])

    assert path[0] == str(FUNCTION_CODE)
    assert library in path
    assert checkout not in path
    assert "" not in path


def test_urllib_request_for_an_aws_service_goes_to_the_embedded_aws_with_its_host() -> None:
    url = f"https://cognito-idp.{REGION}.amazonaws.com/pool-id/.well-known/jwks.json?x=1"

    request = localize_aws_request(url, aws_endpoint_url=ENDPOINT, gateway_host=GATEWAY_HOST)

    assert isinstance(request, Request)
    assert request.full_url == f"{ENDPOINT}/pool-id/.well-known/jwks.json?x=1"
    assert request.get_header("Host") == f"cognito-idp.{REGION}.amazonaws.com"


def test_urllib_request_for_an_execute_api_url_goes_to_the_local_gateway() -> None:
    request = Request(f"https://abc123defg.execute-api.{REGION}.amazonaws.com/prod/health")

    localized = localize_aws_request(request, aws_endpoint_url=ENDPOINT, gateway_host=GATEWAY_HOST)

    assert isinstance(localized, Request)
    assert localized.full_url == f"http://{GATEWAY_HOST}/abc123defg/prod/health"
    assert not localized.has_header("Host")


@pytest.mark.parametrize(
    "url", ["https://example.com/keys.json", f"http://cognito-idp.{REGION}.amazonaws.com/pool-id"]
)
def test_urllib_request_elsewhere_is_unchanged(url: str) -> None:
    assert localize_aws_request(url, aws_endpoint_url=ENDPOINT, gateway_host=GATEWAY_HOST) == url


@pytest.fixture
def fixture_code_importable(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The fixture handlers on this process's path, and out of ``sys.modules`` afterwards."""
    monkeypatch.syspath_prepend(str(FUNCTION_CODE))
    modules_before = set(sys.modules)
    yield
    for name in set(sys.modules) - modules_before:
        del sys.modules[name]


@pytest.mark.parametrize(
    ("handler", "error_type", "message"),
    [
        ("handlers.missing", "Runtime.HandlerNotFound", "Handler 'missing' missing on module 'handlers'"),
        ("handler", "Runtime.MalformedHandlerName", "Bad handler 'handler': write it as module.function."),
        (
            "broken_import.handler",
            "Runtime.ImportModuleError",
            "Unable to import module 'broken_import': No module named 'module_missing_from_the_asset'",
        ),
    ],
)
def test_handler_import_fails_with_lambdas_error_types(
    fixture_code_importable: None, handler: str, error_type: str, message: str
) -> None:
    with pytest.raises(HandlerInitError) as raised:
        import_handler(handler)

    assert (raised.value.error_type, str(raised.value)) == (error_type, message)
