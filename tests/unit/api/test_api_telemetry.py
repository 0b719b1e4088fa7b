"""What the REST handler puts in its X-Ray trace: annotations, never its response (boards, upload forms).

Powertools decides whether a decorator records responses when the decorator is applied, that is when the
handler module is imported, from ``POWERTOOLS_TRACER_CAPTURE_RESPONSE``. So each case imports the handler in
a fresh interpreter with the environment a Lambda function would have, and records the trace with a stub
provider instead of the X-Ray SDK.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

# What PythonFunction sets on every function (tests/infra/test_telemetry.py checks the stacks).
CONSTRUCT_ENVIRONMENT = {"POWERTOOLS_TRACER_CAPTURE_RESPONSE": "false"}
LAMBDAS = Path(__file__).resolve().parents[3] / "lambdas"

_RECORD_A_HEALTH_CHECK = """
import json
from contextlib import contextmanager

from aws_lambda_powertools import Tracer

recorded = {"metadata": [], "annotations": []}


class Subsegment:
    def put_metadata(self, key, value, namespace=None):
        recorded["metadata"].append(key)

    def put_annotation(self, key, value):
        recorded["annotations"].append(key)


class RecordingProvider:
    @contextmanager
    def in_subsegment(self, name=None, **kwargs):
        yield Subsegment()

    def put_annotation(self, key, value):
        recorded["annotations"].append(key)

    def put_metadata(self, key, value, namespace=None):
        recorded["metadata"].append(key)

    def patch(self, modules):
        pass

    def patch_all(self):
        pass


Tracer(provider=RecordingProvider(), auto_patch=False)  # every later Tracer() shares this provider

from api.app import handler


class Context:
    function_name = "corkboard-api"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:corkboard-api"
    aws_request_id = "request-1"


event = {
    "resource": "/health", "path": "/health", "httpMethod": "GET", "headers": {}, "multiValueHeaders": {},
    "queryStringParameters": None, "multiValueQueryStringParameters": None, "pathParameters": None,
    "stageVariables": None, "body": None, "isBase64Encoded": False,
    "requestContext": {"resourcePath": "/health", "httpMethod": "GET", "path": "/v1/health", "stage": "v1",
                       "requestId": "request-1", "identity": {"sourceIp": "127.0.0.1"}},
}
answer = handler(event, Context())
print(json.dumps({"status": answer["statusCode"], **recorded}))
"""


def _trace_of_a_health_check(environment: dict[str, str]) -> dict[str, object]:
    base = {name: value for name, value in os.environ.items() if not name.startswith("POWERTOOLS_")}
    result = subprocess.run(
        [sys.executable, "-c", _RECORD_A_HEALTH_CHECK],
        cwd=LAMBDAS,
        env={**base, "AWS_DEFAULT_REGION": "us-east-1", **environment},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_with_the_constructs_environment_the_response_stays_out_of_the_trace() -> None:
    trace = _trace_of_a_health_check(CONSTRUCT_ENVIRONMENT)

    assert trace["status"] == 200
    assert trace["metadata"] == []
    assert "ColdStart" in trace["annotations"]


@pytest.mark.parametrize(
    "environment", [{}, {"POWERTOOLS_TRACER_CAPTURE_RESPONSE": "true"}], ids=["unset", "on"]
)
def test_without_it_powertools_records_the_response(environment: dict[str, str]) -> None:
    trace = _trace_of_a_health_check(environment)

    assert trace["metadata"] == ["handler response"]
