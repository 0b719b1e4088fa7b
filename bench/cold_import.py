"""Cold import of each function's handler module against a bare `import boto3` + one client, fresh processes.

Lambda pays the handler module's import on every cold start, so this is each function's own share of
cold-start latency. Each sample is a new interpreter (nothing cached in memory); within a round the floor
and every handler alternate, so that machine noise hits them alike, and the medians are compared.
The environment is Lambda's as the stacks configure it, tracing on (``LAMBDA_TASK_ROOT`` set, no
``POWERTOOLS_TRACE_DISABLED``), so whatever tracing costs at import is counted. The code is imported as
Lambda imports it: by ``importlib.import_module`` from inside a function, at a call depth that rotates
over the rounds (see ``BASE_DEPTHS``), from the asset as the stacks build it (``serverless_blocks.bytecode``:
the ``lambdas`` folder with the stacks' excludes and bytecode compiled for the runtime), run with ``-B`` so
that nothing else is written, while the libraries come with their bytecode, as the runtime and its layers do.
``--without-bytecode`` imports the sources alone, as Lambda did before the assets shipped bytecode.
Run: `make bench` or `.venv/bin/python bench/cold_import.py`.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LAMBDA_ASSET = ROOT / "lambdas"

GOAL_RATIO = 1.3
FLOOR_NAME = "floor: boto3 + one client"
FLOOR_BODY = "import boto3; boto3.client('dynamodb')"
# Every function of the app and its handler string, as the stacks set them (stacks/*_stack.py); the sender
# exists where cdk.json shards the fan-out (prod).
HANDLERS = {
    "REST API": "api.app.handler",
    "WebSocket authorizer": "ws.authorizer.handler",
    "WebSocket $connect": "ws.connection.connect",
    "WebSocket $disconnect": "ws.connection.disconnect",
    "WebSocket actions": "ws.actions.handler",
    "stream broadcaster": "streams.broadcaster.handler",
    "uploads processor": "uploads.processor.handler",
    "fan-out sender (prod)": "streams.sender.handler",
}
# What two handlers import from their libraries before a line of Corkboard runs, printed beside them so that
# a ratio can be split into the libraries' share and the code's (not counted in the worst ratio).
_POWERTOOLS_BASICS = (
    "from aws_lambda_powertools import Logger, Metrics, Tracer; from pydantic import BaseModel"
)
LIBRARY_FLOORS = {
    "libraries of the REST API": (
        f"import boto3; {_POWERTOOLS_BASICS}; "
        "from aws_lambda_powertools.event_handler import APIGatewayRestResolver; "
        "from aws_lambda_powertools.event_handler.middlewares.openapi_validation import "
        "OpenAPIRequestValidationMiddleware"
    ),
    "libraries of the stream broadcaster": (
        f"import boto3; {_POWERTOOLS_BASICS}; "
        "from aws_lambda_powertools.utilities.batch import BatchProcessor"
    ),
}
# Lambda's runtime imports a handler from inside its bootstrap's functions (awslambdaric's ``_get_handler``
# calls ``importlib.import_module``), never at a script's top level, and how deep its stack is then varies
# with the runtime's release. Where an import starts in the interpreter's frame-stack chunk matters on
# CPython 3.13 releases without python/cpython#145789: a recursion that keeps crossing a chunk boundary maps
# and unmaps a chunk each time (40 ms for the REST handler imported at a ``-c`` script's top level). So
# each sample imports from inside a function, and the samples rotate through BASE_DEPTHS call depths, the
# same for every case of a round: no ratio rests on one alignment.
BASE_DEPTHS = 8
_TIMER = """
import time


def timed_import(depth):
    if depth:
        return timed_import(depth - 1)
    started = time.perf_counter()
    {body}
    return time.perf_counter() - started


print(timed_import({depth}))
"""
# What Lambda and the stacks set; values are fake and nothing is called, the import only reads them.
FAKE_ENVIRONMENT = {
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_LAMBDA_FUNCTION_NAME": "bench",
    "AWS_EXECUTION_ENV": "AWS_Lambda_python3.13",
    "TABLE_NAME": "bench-main",
    "IDEMPOTENCY_TABLE_NAME": "bench-idempotency",
    "CONNECTIONS_TABLE_NAME": "bench-connections",
    "CURSOR_SECRET_ARN": "arn:aws:secretsmanager:us-east-1:123456789012:secret:bench",
    "WEBSOCKET_CALLBACK_URL": "https://bench.execute-api.us-east-1.amazonaws.com/dev",
    "USER_POOL_ID": "us-east-1_bench",
    "USER_POOL_CLIENT_ID": "bench",
    "ATTACHMENTS_BUCKET_NAME": "bench-attachments",
    "POWERTOOLS_SERVICE_NAME": "bench",
    "POWERTOOLS_LOG_LEVEL": "INFO",
    "POWERTOOLS_TRACER_CAPTURE_RESPONSE": "false",
}


def import_body(handler: str) -> str:
    """What Lambda's runtime does with a handler string: import the module, then get the name."""
    module, _, name = handler.rpartition(".")
    return f"import importlib; getattr(importlib.import_module({module!r}), {name!r})"


def sample(body: str, asset: Path, *, depth: int = 0, write_bytecode: bool = False) -> float:
    """Seconds to run ``body`` ``depth`` calls deep in a new interpreter whose import path is ``asset``."""
    unset = {"POWERTOOLS_TRACE_DISABLED", "PYTHONDONTWRITEBYTECODE"}
    environment = {key: value for key, value in os.environ.items() if key not in unset}
    environment.update(FAKE_ENVIRONMENT, LAMBDA_TASK_ROOT=str(asset), PYTHONPATH=str(asset))
    flags = [] if write_bytecode else ["-B"]
    output = subprocess.run(
        [sys.executable, *flags, "-c", _TIMER.format(body=body, depth=depth)],
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return float(output.strip().splitlines()[-1])


def stage_asset(destination: Path, *, with_bytecode: bool) -> str:
    """Stage the function asset at ``destination`` as the stacks do; say what it ships."""
    # CDK (and its node process) only for this; the tests import this module's tables without it.
    sys.path.insert(0, str(ROOT))
    from aws_cdk import aws_lambda as lambda_  # noqa: PLC0415

    from serverless_blocks.bytecode import runtime_interpreter, stage_with_bytecode  # noqa: PLC0415
    from stacks.functions import ASSET_EXCLUDES  # noqa: PLC0415

    # The stacks' runtime: PythonFunctionProps' default.
    runtime = lambda_.Runtime.PYTHON_3_13
    interpreter = runtime_interpreter(runtime) if with_bytecode else None
    stage_with_bytecode(LAMBDA_ASSET, destination, ASSET_EXCLUDES, interpreter)
    return f"bytecode for {runtime.name}" if interpreter else "sources only"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=24, help="fresh processes per case (default 24)")
    parser.add_argument("--without-bytecode", action="store_true", help="stage the asset as sources only")
    arguments = parser.parse_args()
    runs = arguments.runs

    cases = (
        {FLOOR_NAME: FLOOR_BODY}
        | {name: import_body(handler) for name, handler in HANDLERS.items()}
        | LIBRARY_FLOORS
    )
    for body in cases.values():
        # The libraries' bytecode on disk, as the runtime and its layers ship it.
        sample(body, LAMBDA_ASSET, write_bytecode=True)
    samples: dict[str, list[float]] = {name: [] for name in cases}
    with tempfile.TemporaryDirectory() as staging:
        asset = Path(staging) / "asset"
        shipped = stage_asset(asset, with_bytecode=not arguments.without_bytecode)
        for round_number in range(runs):
            for name, body in cases.items():
                samples[name].append(sample(body, asset, depth=round_number % BASE_DEPTHS))
    medians = {name: statistics.median(values) for name, values in samples.items()}
    floor = medians[FLOOR_NAME]
    print(
        f"cold import, median of {runs} fresh processes each at {min(runs, BASE_DEPTHS)} call depths "
        f"(Python {sys.version.split()[0]}, tracing on, asset with {shipped})"
    )
    print(f"  {FLOOR_NAME:<48} median {floor * 1000:7.1f} ms")
    ratios = {name: medians[name] / floor for name in HANDLERS}
    for name, handler in HANDLERS.items():
        p90 = statistics.quantiles(samples[name], n=10)[-1]
        print(
            f"  {name + ' (' + handler + ')':<48} median {medians[name] * 1000:7.1f} ms"
            f"   p90 {p90 * 1000:7.1f} ms   {ratios[name]:.2f}x floor"
        )
    for name in LIBRARY_FLOORS:
        print(
            f"  {'(' + name + ', for reference)':<48} median {medians[name] * 1000:7.1f} ms"
            f"   {medians[name] / floor:.2f}x floor"
        )
    worst = max(ratios, key=ratios.__getitem__)
    print(f"  worst ratio: {ratios[worst]:.2f}x ({worst}; goal <= {GOAL_RATIO:.2f}x)")


if __name__ == "__main__":
    main()
