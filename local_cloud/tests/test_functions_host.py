"""The function host with real worker processes, running the tiny handlers of ``function_code/``."""

import importlib.util
import json
import os
import shutil
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests
from fakes import FAKE_ACCOUNT_ID, REGION
from test_functions_spec import (
    FUNCTION_CODE,
    GATEWAY_HOST,
    ROLE_ARN,
    fixture_deployment,
    function_arn,
    function_resource,
)

from cdk_local_cloud.contracts.deployment import Resource
from cdk_local_cloud.contracts.invocation import FunctionError, InvocationResult
from cdk_local_cloud.functions import (
    FunctionHost,
    FunctionHostClosedError,
    FunctionNotFoundError,
    UnsupportedFunctionError,
)

StartHost = Callable[..., FunctionHost]
# A bound on waiting for something that happens in another process; never a claim about speed.
PATIENCE_SECONDS = 30.0


class LogLines:
    """A log sink that keeps the lines (workers' relay threads call it concurrently)."""

    def __init__(self) -> None:
        self._lines: list[str] = []
        self._lock = threading.Lock()

    def __call__(self, line: str) -> None:
        with self._lock:
            self._lines.append(line)

    @property
    def lines(self) -> list[str]:
        with self._lock:
            return list(self._lines)


@pytest.fixture
def logs() -> LogLines:
    return LogLines()


@pytest.fixture
def start_host(moto_endpoint: str, logs: LogLines) -> Iterator[StartHost]:
    """Starts hosts on hand-built deployments of the fixture code; closes them after the test."""
    hosts: list[FunctionHost] = []

    def start(*resources: Resource, code_dir: Path = FUNCTION_CODE, **options: Any) -> FunctionHost:
        options.setdefault("reload_on_change", False)
        options.setdefault("gateway_host", GATEWAY_HOST)
        deployment = fixture_deployment(*resources, code_dir=code_dir, aws_endpoint_url=moto_endpoint)
        host = FunctionHost(deployment, log_sink=logs, **options)
        hosts.append(host)
        return host

    yield start
    for host in hosts:
        host.close()


def wait_until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + PATIENCE_SECONDS
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"Gave up waiting: {what}.")
        time.sleep(0.05)


def process_running(pid: int) -> bool:
    """Whether ``pid`` runs; a zombie (dead, not yet reaped by whoever adopted it) does not."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return not stat.exists() or stat.read_text().rsplit(")", 1)[1].split()[0] != "Z"


def payload_of(result: InvocationResult) -> Any:
    assert result.error is None, result.error
    return result.payload


def test_handler_gets_the_event_the_environment_and_a_lambda_context(
    start_host: StartHost, moto_endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOST_ONLY_VARIABLE", "must not reach the function")
    host = start_host(
        function_resource(
            "echo-fn",
            "handlers.echo",
            Timeout=7,
            MemorySize=256,
            Environment={
                "Variables": {
                    "GREETING": "hello",
                    "API_URL": f"https://abc123defg.execute-api.{REGION}.amazonaws.com/prod",
                }
            },
        )
    )

    seen = payload_of(host.invoke("echo-fn", {"board": "b1"}))

    environment, context = seen["environment"], seen["context"]
    assert seen["event"] == {"board": "b1"}
    assert environment["GREETING"] == "hello"
    assert environment["API_URL"] == f"http://{GATEWAY_HOST}/abc123defg/prod"
    assert "HOST_ONLY_VARIABLE" not in environment
    assert environment["AWS_ENDPOINT_URL"] == moto_endpoint
    assert (environment["AWS_ACCESS_KEY_ID"], environment["AWS_SECRET_ACCESS_KEY"]) == ("testing", "testing")
    assert environment["AWS_SESSION_TOKEN"] == "testing"
    assert (environment["AWS_REGION"], environment["AWS_DEFAULT_REGION"]) == (REGION, REGION)
    assert environment["AWS_LAMBDA_FUNCTION_NAME"] == "echo-fn"
    assert environment["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "256"
    assert environment["AWS_LAMBDA_FUNCTION_VERSION"] == "$LATEST"
    assert environment["AWS_LAMBDA_LOG_GROUP_NAME"] == "/aws/lambda/echo-fn"
    assert environment["AWS_EXECUTION_ENV"] == "AWS_Lambda_python3.13"
    assert environment["LAMBDA_TASK_ROOT"] == str(FUNCTION_CODE)
    assert environment["_HANDLER"] == "handlers.echo"
    assert environment["POWERTOOLS_TRACE_DISABLED"] == "true"
    assert context["function_name"] == "echo-fn"
    assert context["function_version"] == "$LATEST"
    assert context["invoked_function_arn"] == function_arn("echo-fn")
    assert context["memory_limit_in_mb"] == "256"
    assert uuid.UUID(context["aws_request_id"]).version == 4
    assert context["log_group_name"] == "/aws/lambda/echo-fn"
    assert context["log_stream_name"] == environment["AWS_LAMBDA_LOG_STREAM_NAME"]
    assert "[$LATEST]" in context["log_stream_name"]
    assert 0 < context["remaining_time_in_millis"] <= 7000
    assert Path(seen["cwd"]) == FUNCTION_CODE.resolve()
    assert seen["sys_path"][0] == str(FUNCTION_CODE)
    assert str(FUNCTION_CODE.parents[2] / "lambdas") not in seen["sys_path"]


def test_a_warm_worker_serves_the_function_by_name_arn_and_qualified_arn(start_host: StartHost) -> None:
    host = start_host(function_resource("echo-fn", "handlers.echo"))
    arn = function_arn("echo-fn")
    references_and_invoked_arns = {
        "echo-fn": arn,
        "echo-fn:live": f"{arn}:live",
        f"{FAKE_ACCOUNT_ID}:function:echo-fn": arn,
        arn: arn,
        f"{arn}:$LATEST": f"{arn}:$LATEST",
        f"{arn}:live": f"{arn}:live",
    }

    seen = [payload_of(host.invoke(reference, {})) for reference in references_and_invoked_arns]

    assert {invocation["pid"] for invocation in seen} == {seen[0]["pid"]}
    assert [invocation["context"]["invoked_function_arn"] for invocation in seen] == list(
        references_and_invoked_arns.values()
    )


def test_an_unknown_function_is_not_found(start_host: StartHost) -> None:
    host = start_host(function_resource("echo-fn", "handlers.echo"))

    with pytest.raises(FunctionNotFoundError, match="invoke one of: echo-fn"):
        host.invoke(function_arn("other-fn"), {})


def test_concurrent_invocations_run_in_separate_workers(start_host: StartHost, tmp_path: Path) -> None:
    host = start_host(function_resource("meet-fn", "handlers.rendezvous", Timeout=20))
    event = {"directory": str(tmp_path), "expected": 2}

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda _: host.invoke("meet-fn", event), range(2)))

    pids = {payload_of(result) for result in results}
    assert len(pids) == 2


def test_callers_wait_for_a_worker_at_the_cap(start_host: StartHost) -> None:
    host = start_host(function_resource("sleep-fn", "handlers.sleep"), max_workers_per_function=1)

    with ThreadPoolExecutor(max_workers=3) as pool:
        results = list(pool.map(lambda _: host.invoke("sleep-fn", {"seconds": 0.1}), range(3)))

    assert len({payload_of(result) for result in results}) == 1


def test_a_timed_out_invocation_kills_its_worker_and_the_next_one_runs(
    start_host: StartHost, tmp_path: Path
) -> None:
    host = start_host(function_resource("sleep-fn", "handlers.sleep", Timeout=1))
    started = tmp_path / "started"

    timed_out = host.invoke("sleep-fn", {"seconds": 60, "started": str(started)})
    after = host.invoke("sleep-fn", {"seconds": 0})

    assert timed_out.error == FunctionError(
        "Sandbox.Timedout", "Task timed out after 1.00 seconds", timed_out=True
    )
    assert not process_running(int(started.read_text()))
    assert isinstance(payload_of(after), int)


def test_a_handler_exception_gives_its_type_and_message(start_host: StartHost, logs: LogLines) -> None:
    host = start_host(function_resource("fail-fn", "handlers.fail"))

    result = host.invoke("fail-fn", {})
    host.close()

    assert result.error == FunctionError("ValueError", "the board name is empty")
    assert "[fail-fn] [ERROR] ValueError: the board name is empty" in logs.lines
    assert "[fail-fn] Traceback (most recent call last):" in logs.lines


def test_a_result_json_cannot_hold_is_a_marshal_error(start_host: StartHost) -> None:
    host = start_host(function_resource("odd-fn", "handlers.unserializable"))

    error = host.invoke("odd-fn", {}).error

    assert error is not None
    assert error.error_type == "Runtime.MarshalError"
    assert error.message.startswith(
        "Unable to marshal response: Object of type object is not JSON serializable"
    )


@pytest.mark.parametrize(
    ("crash", "message"),
    [
        ("exit", "Runtime exited with error: exit status 3"),
        ("segfault", "Runtime exited with error: signal: segmentation fault"),
    ],
)
def test_a_crashed_worker_gives_an_exit_error_and_is_replaced(
    start_host: StartHost, crash: str, message: str
) -> None:
    host = start_host(function_resource("crash-fn", "handlers.crash"))
    survivor = payload_of(host.invoke("crash-fn", {}))

    crashed = host.invoke("crash-fn", {"crash": crash})
    replacement = payload_of(host.invoke("crash-fn", {}))

    assert crashed.error == FunctionError("Runtime.ExitError", message)
    assert replacement != survivor
    assert process_running(replacement)


def test_an_import_error_fails_every_invocation(start_host: StartHost) -> None:
    host = start_host(function_resource("broken-fn", "broken_import.handler"))

    errors = [host.invoke("broken-fn", {}).error for _ in range(2)]

    expected = FunctionError(
        "Runtime.ImportModuleError",
        "Unable to import module 'broken_import': No module named 'module_missing_from_the_asset'",
    )
    assert errors == [expected, expected]


def test_a_module_of_the_repository_that_the_asset_lacks_fails_to_import_as_in_lambda(
    start_host: StartHost,
) -> None:
    # This process imports it from the checkout (pytest's pythonpath); a function must not, as in Lambda.
    assert importlib.util.find_spec("serverless_blocks") is not None
    host = start_host(function_resource("repo-fn", "imports_from_the_repository.handler"))

    error = host.invoke("repo-fn", {}).error

    assert error == FunctionError(
        "Runtime.ImportModuleError",
        "Unable to import module 'imports_from_the_repository': No module named 'serverless_blocks'",
    )


def test_an_edit_to_the_code_reaches_the_next_invocation(start_host: StartHost, tmp_path: Path) -> None:
    code_dir = copy_of_fixture_code(tmp_path)
    host = start_host(
        function_resource("reload-fn", "reloadable.handler"), code_dir=code_dir, reload_on_change=True
    )
    first = payload_of(host.invoke("reload-fn", {}))

    rewrite_reloadable_handler(code_dir)

    wait_until(lambda: payload_of(host.invoke("reload-fn", {})) != first, "the edited handler to run")
    assert first == "first version"
    assert payload_of(host.invoke("reload-fn", {})) == "the edited version"


def test_without_reload_a_warm_worker_keeps_its_code(start_host: StartHost, tmp_path: Path) -> None:
    code_dir = copy_of_fixture_code(tmp_path)
    host = start_host(function_resource("reload-fn", "reloadable.handler"), code_dir=code_dir)
    host.invoke("reload-fn", {})

    rewrite_reloadable_handler(code_dir)

    assert payload_of(host.invoke("reload-fn", {})) == "first version"


def copy_of_fixture_code(tmp_path: Path) -> Path:
    return Path(
        shutil.copytree(FUNCTION_CODE, tmp_path / "code", ignore=shutil.ignore_patterns("__pycache__"))
    )


def rewrite_reloadable_handler(code_dir: Path) -> None:
    handler_file = code_dir / "reloadable.py"
    handler_file.write_text(handler_file.read_text().replace('"first version"', '"the edited version"'))


def test_worker_output_is_printed_behind_the_function_name(start_host: StartHost, logs: LogLines) -> None:
    host = start_host(function_resource("logs-fn", "structured_logs.handler"))

    payload_of(host.invoke("logs-fn", {}))
    host.close()

    assert "[logs-fn] a plain line" in logs.lines
    assert "[logs-fn] a line on stderr" in logs.lines
    structured = [
        json.loads(line.removeprefix("[logs-fn] ")) for line in logs.lines if line.startswith("[logs-fn] {")
    ]
    assert [(record["message"], record["board"], record["service"]) for record in structured] == [
        ("a structured line", "b1", "fixture")
    ]


def test_boto3_in_the_worker_reaches_the_embedded_aws(
    start_host: StartHost, fake_aws_environment: str
) -> None:
    table_name = create_table()
    host = start_host(function_resource("aws-fn", "aws_calls.list_tables"))

    assert table_name in payload_of(host.invoke("aws-fn", {}))["tables"]


def test_the_roles_statements_decide_the_workers_aws_calls(
    start_host: StartHost, fake_aws_environment: str
) -> None:
    table_name = create_table()
    roles_asked: list[str] = []

    def statements_for(role_arn: str) -> list[dict[str, Any]]:
        roles_asked.append(role_arn)
        allowed = role_arn.endswith("/AllowedRole")
        return [{"Effect": "Allow", "Action": "dynamodb:ListTables", "Resource": "*"}] if allowed else []

    host = start_host(
        function_resource(
            "allowed-fn", "aws_calls.list_tables", Role=ROLE_ARN.replace("FixtureRole", "AllowedRole")
        ),
        function_resource("denied-fn", "aws_calls.list_tables"),
        statements_for=statements_for,
    )

    assert table_name in payload_of(host.invoke("allowed-fn", {}))["tables"]
    assert payload_of(host.invoke("denied-fn", {})) == {"error": "AccessDeniedException"}
    assert sorted(roles_asked) == sorted([ROLE_ARN, ROLE_ARN.replace("FixtureRole", "AllowedRole")])


def create_table() -> str:
    name = f"functions-{uuid.uuid4().hex[:8]}"
    boto3.client("dynamodb", region_name=REGION).create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    return name


def test_urllib_in_the_worker_gets_the_user_pool_keys_from_the_embedded_aws(
    start_host: StartHost, fake_aws_environment: str
) -> None:
    user_pool_id = boto3.client("cognito-idp", region_name=REGION).create_user_pool(PoolName="functions")[
        "UserPool"
    ]["Id"]
    served = requests.get(f"{fake_aws_environment}/{user_pool_id}/.well-known/jwks.json", timeout=10).json()
    host = start_host(function_resource("keys-fn", "aws_calls.user_pool_key_ids"))

    key_ids = payload_of(host.invoke("keys-fn", {"user_pool_id": user_pool_id}))

    assert key_ids == [key["kid"] for key in served["keys"]]


def test_boto3_calls_to_an_execute_api_endpoint_go_to_the_local_gateway(start_host: StartHost) -> None:
    posted: list[tuple[str, bytes]] = []

    class Gateway(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            posted.append((self.path, self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *_: Any) -> None:
            """Quiet: the test reads what arrived, not the server's log."""

    with ThreadingHTTPServer(("127.0.0.1", 0), Gateway) as gateway:
        threading.Thread(target=gateway.serve_forever, daemon=True).start()
        host = start_host(
            function_resource("reply-fn", "aws_calls.post_to_event_domain"),
            gateway_host=f"127.0.0.1:{gateway.server_address[1]}",
        )
        event = {
            "requestContext": {
                "domainName": "abc123defg.execute-api.us-east-1.amazonaws.com",
                "stage": "v1",
                "connectionId": "conn-1",
            }
        }
        try:
            assert payload_of(host.invoke("reply-fn", event)) == "posted"
        finally:
            gateway.shutdown()

    assert posted == [("/abc123defg/v1/@connections/conn-1", b"hello")]


def test_close_stops_every_worker_even_a_busy_one(start_host: StartHost, tmp_path: Path) -> None:
    host = start_host(
        function_resource("pid-fn", "handlers.pid"),
        function_resource("sleep-fn", "handlers.sleep", Timeout=60),
    )
    idle_pid = payload_of(host.invoke("pid-fn", {}))
    started = tmp_path / "started"
    with ThreadPoolExecutor(max_workers=1) as pool:
        busy = pool.submit(host.invoke, "sleep-fn", {"seconds": 60, "started": str(started)})
        wait_until(started.exists, "the long invocation to start")
        busy_pid = int(started.read_text())

        host.close()

        interrupted = busy.result()
    assert interrupted.error == FunctionError(
        "Runtime.ExitError", "Runtime exited with error: signal: killed"
    )
    assert not process_running(idle_pid)
    assert not process_running(busy_pid)
    with pytest.raises(FunctionHostClosedError):
        host.invoke("pid-fn", {})


def test_a_function_of_another_runtime_is_refused_with_a_clear_error(
    start_host: StartHost, caplog: pytest.LogCaptureFixture
) -> None:
    host = start_host(function_resource("node-fn", "index.handler", runtime="nodejs20.x"))

    with pytest.raises(
        UnsupportedFunctionError, match=r"runtime nodejs20\.x is not supported by the local cloud"
    ):
        host.invoke("node-fn", {})
    assert "node-fn: runtime nodejs20.x is not supported" in caplog.text


def test_close_also_stops_what_a_handler_left_running(start_host: StartHost) -> None:
    host = start_host(function_resource("spawn-fn", "handlers.start_background_process"))
    background_pid = payload_of(host.invoke("spawn-fn", {}))
    assert process_running(background_pid)

    host.close()

    wait_until(lambda: not process_running(background_pid), "the handler's background process to end")


def test_a_custom_resource_provider_is_not_run_nor_warned_about(
    start_host: StartHost, caplog: pytest.LogCaptureFixture
) -> None:
    provider = function_resource("provider-fn", "index.handler", Code={"ZipFile": "def handler(e, c): ..."})
    custom = Resource(
        stack="FixtureStack",
        logical_id="Notifications",
        type="Custom::S3BucketNotifications",
        properties={"ServiceToken": function_arn("provider-fn")},
        physical_id="notifications",
    )
    host = start_host(provider, custom)

    with pytest.raises(FunctionNotFoundError):
        host.invoke("provider-fn", {})
    assert "provider-fn" not in caplog.text
