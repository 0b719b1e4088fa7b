"""The smoke suite's parts that need no deployment: reading outputs files, refusing prod, reporting steps."""

import io
import json
from pathlib import Path

import pytest

from smoke import DeploymentError, StepLog, read_outputs_file
from smoke.__main__ import main

DEPLOYED = {
    "Corkboard-dev-Api": {
        "RestApiUrl": "https://abc.execute-api.eu-west-1.amazonaws.com/v1/",
        "UserPoolId": "eu-west-1_pool",
        "UserPoolClientId": "client",
        "Region": "eu-west-1",
        "SmokeTestGroup": "smoke-tests",
    },
    "Corkboard-dev-Realtime": {"WebSocketUrl": "wss://def.execute-api.eu-west-1.amazonaws.com/v1"},
}


def write(tmp_path: Path, document: object) -> Path:
    path = tmp_path / "cdk-outputs.json"
    path.write_text(json.dumps(document))
    return path


def test_outputs_are_found_in_whichever_stack_holds_them(tmp_path: Path) -> None:
    target = read_outputs_file(write(tmp_path, DEPLOYED))

    assert target.websocket_url.startswith("wss://def.")
    assert target.region == "eu-west-1"
    assert not target.is_local


def test_rest_paths_never_double_the_stage_urls_slash(tmp_path: Path) -> None:
    target = read_outputs_file(write(tmp_path, DEPLOYED))

    assert target.rest("/health") == "https://abc.execute-api.eu-west-1.amazonaws.com/v1/health"


def test_a_local_cloud_file_points_boto3_at_its_embedded_aws(tmp_path: Path) -> None:
    local = {**DEPLOYED, "LocalCloud": {"AwsEndpointUrl": "http://127.0.0.1:4511", "Region": "us-east-1"}}

    target = read_outputs_file(write(tmp_path, local))

    assert target.is_local
    assert target.aws_endpoint_url == "http://127.0.0.1:4511"


def test_missing_outputs_are_named_with_what_to_do(tmp_path: Path) -> None:
    stale = {"Corkboard-dev-Api": {"RestApiUrl": "https://x/v1/"}}

    with pytest.raises(DeploymentError, match=r"lacks the outputs WebSocketUrl, UserPoolId.*redeploy"):
        read_outputs_file(write(tmp_path, stale))


def test_two_environments_in_one_file_are_refused(tmp_path: Path) -> None:
    mixed = {**DEPLOYED, "Corkboard-prod-Api": {**DEPLOYED["Corkboard-dev-Api"], "RestApiUrl": "https://p/"}}

    with pytest.raises(DeploymentError, match="two different RestApiUrl"):
        read_outputs_file(write(tmp_path, mixed))


@pytest.mark.parametrize(
    ("content", "message"), [(None, "does not exist"), ("{", "is not JSON"), ("[]", "not a cdk")]
)
def test_unusable_files_say_why(tmp_path: Path, content: str | None, message: str) -> None:
    path = tmp_path / "cdk-outputs.json"
    if content is not None:
        path.write_text(content)

    with pytest.raises(DeploymentError, match=message):
        read_outputs_file(path)


def test_prod_needs_confirmation(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--outputs-file", str(write(tmp_path, DEPLOYED)), "--environment", "prod"]) == 2
    assert "CONFIRM=prod" in capsys.readouterr().err


def test_an_unusable_outputs_file_exits_2_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--outputs-file", str(tmp_path / "absent.json"), "--environment", "dev"]) == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_each_step_prints_its_latency_and_a_failure_its_reason() -> None:
    ticks = iter([0.0, 0.120, 1.0, 1.5])
    out = io.StringIO()
    log = StepLog(out=out, clock=lambda: next(ticks))

    with log.step("create a board"):
        pass
    with pytest.raises(RuntimeError), log.step("create a task"):
        raise RuntimeError("POST answered 503")

    assert out.getvalue().splitlines() == [
        "ok       120 ms  create a board",
        "FAIL     500 ms  create a task",
        "     POST answered 503",
    ]
    assert not log.passed
    assert log.summary() == "1 passed, 1 failed (620 ms in all)"
