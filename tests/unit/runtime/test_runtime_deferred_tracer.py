"""The Tracer is created on the first traced call, once, and then patches botocore alone."""

import json
import os
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import pytest

from corkboard import deferred_tracer
from corkboard.deferred_tracer import DeferredTracer
from tests.work_tree import ROOT


class RecordingTracer:
    """Stands in for Powertools' Tracer: records its creation, marks what its decorators return."""

    created: list[dict[str, Any]]

    def __init__(self, **options: Any) -> None:
        RecordingTracer.created.append(options)

    def capture_method(self, method: Callable[..., Any]) -> Callable[..., Any]:
        return lambda *args, **kwargs: ("method span", method(*args, **kwargs))

    def capture_lambda_handler(self, handler: Callable[..., Any]) -> Callable[..., Any]:
        return lambda event, context: ("handler span", handler(event, context))


@pytest.fixture
def recording(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    RecordingTracer.created = []
    monkeypatch.setattr(deferred_tracer, "Tracer", RecordingTracer)
    return RecordingTracer.created


def test_decorating_creates_no_tracer(recording: list[dict[str, Any]]) -> None:
    tracer = DeferredTracer(service="orders")

    @tracer.capture_method
    def double(number: int) -> int:
        return 2 * number

    assert recording == []
    assert double.__name__ == "double"


def test_the_first_call_creates_one_tracer_for_all_functions(recording: list[dict[str, Any]]) -> None:
    tracer = DeferredTracer(service="orders")

    @tracer.capture_method
    def double(number: int) -> int:
        return 2 * number

    @tracer.capture_lambda_handler
    def handler(event: dict[str, int], _: object) -> int:
        return double(event["n"])[1]

    assert handler({"n": 2}, None) == ("handler span", 4)
    assert handler({"n": 3}, None) == ("handler span", 6)
    assert double(5) == ("method span", 10)
    assert recording == [{"service": "orders", "patch_modules": ["botocore"]}]


_TRACE_ON_FIRST_USE = """
import json, sys
from corkboard.deferred_tracer import DeferredTracer

tracer = DeferredTracer(service="orders")
imported_at_construction = "aws_xray_sdk" in sys.modules
tracer.tracer
from botocore.client import BaseClient

print(json.dumps({
    "imported_at_construction": imported_at_construction,
    "botocore_patched": hasattr(BaseClient._make_api_call, "__wrapped__"),
    "requests_imported": "requests" in sys.modules,
}))
"""


def test_with_tracing_on_the_tracer_patches_botocore_and_nothing_else() -> None:
    environment = {key: value for key, value in os.environ.items() if not key.startswith("POWERTOOLS_")}
    lambdas = str(ROOT / "lambdas")
    environment.update(AWS_DEFAULT_REGION="us-east-1", AWS_LAMBDA_FUNCTION_NAME="f")
    environment.update(LAMBDA_TASK_ROOT=lambdas, PYTHONPATH=lambdas)
    result = subprocess.run(
        [sys.executable, "-c", _TRACE_ON_FIRST_USE],
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )

    assert json.loads(result.stdout.strip().splitlines()[-1]) == {
        "imported_at_construction": False,
        "botocore_patched": True,
        "requests_imported": False,
    }
