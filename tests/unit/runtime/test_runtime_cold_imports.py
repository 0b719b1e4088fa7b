"""What a cold start imports: each function's handler module, in a fresh interpreter, as Lambda loads it.

The environment is a Lambda one with tracing on, so Powertools' Tracer would patch at import if it were
created there. These tests say what must not happen at import; how long the import takes is measured by
``bench/cold_import.py`` (timings are never asserted in tests).
"""

import json
import os
import subprocess
import sys
from functools import cache

import pytest

from bench.cold_import import FAKE_ENVIRONMENT, HANDLERS, import_body
from tests.work_tree import ROOT

LAMBDA_ASSET = ROOT / "lambdas"
_OWN_PACKAGES = ("api", "corkboard", "dynamo_odm", "streams", "uploads", "ws")

_REPORT = """
import json, sys
{import_handler}
from pydantic import BaseModel


def subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from subclasses(sub)


built = sorted(
    f"{{model.__module__}}.{{model.__qualname__}}"
    for model in set(subclasses(BaseModel))
    if model.__module__.split(".")[0] in {own!r} and model.__pydantic_complete__
)
print(json.dumps({{"modules": sorted(sys.modules), "built_schemas": built}}))
"""


@cache
def _cold_import(handler: str) -> dict[str, list[str]]:
    """What a fresh interpreter holds once it imported ``handler``; one interpreter per handler per run."""
    environment = {key: value for key, value in os.environ.items() if not key.startswith("POWERTOOLS_")}
    environment.update(FAKE_ENVIRONMENT, LAMBDA_TASK_ROOT=str(LAMBDA_ASSET), PYTHONPATH=str(LAMBDA_ASSET))
    result = subprocess.run(
        [sys.executable, "-c", _REPORT.format(import_handler=import_body(handler), own=_OWN_PACKAGES)],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module", params=sorted(HANDLERS.values()))
def cold_import(request: pytest.FixtureRequest) -> dict[str, list[str]]:
    return _cold_import(request.param)


def test_no_handler_imports_the_xray_sdk(cold_import: dict[str, list[str]]) -> None:
    assert not [name for name in cold_import["modules"] if name.startswith("aws_xray_sdk")]


def test_no_handler_builds_a_pydantic_schema_at_import(cold_import: dict[str, list[str]]) -> None:
    # A model whose schema is built at import makes every cold start pay for it, used or not: declare it
    # with ConfigDict(defer_build=True), as views.ApiModel and dynamo_odm.Model do.
    assert cold_import["built_schemas"] == []


@pytest.fixture(scope="module")
def sender_import() -> dict[str, list[str]]:
    return _cold_import("streams.sender.handler")


@pytest.mark.parametrize(
    "module", ["corkboard.events", "corkboard.models", "corkboard.views", "corkboard.repository"]
)
def test_the_fanout_sender_imports_nothing_of_the_main_tables_items(
    sender_import: dict[str, list[str]], module: str
) -> None:
    # A sender posts frames that the broadcaster rendered, to connections it reads from the connections table:
    # the stored models, their views and the events built from them are the broadcaster's alone.
    assert module not in sender_import["modules"]
