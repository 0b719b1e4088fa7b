"""`make smoke ENV=local` on the local cloud: the code path ops run, only the outputs file differs."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from cdk_local_cloud.local_cloud import LocalCloud
from cdk_local_cloud.serve.outputs_file import local_outputs, write_outputs_file

ROOT = Path(__file__).resolve().parents[2]
EXPECTED_STEPS = (
    "GET /health answers 200",
    "sign in a temporary user in the smoke-test group",
    "GET /me names the user and the smoke-test group",
    "create a board",
    "open the WebSocket and subscribe to the board",
    "create a task",
    "receive task.created over the WebSocket",
    "upload a file through the presigned POST",
    "the upload is checked and ready to download",
    "delete the board and everything in it",
    "delete the temporary user",
)


@pytest.fixture(scope="module")
def outputs_file(local_cloud: LocalCloud, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("smoke") / "cdk-outputs.local.json"
    write_outputs_file(path, local_outputs(local_cloud.deployment, local_cloud.gateway_host))
    return path


def run_smoke(outputs_file: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "smoke", "--outputs-file", str(outputs_file), *arguments],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_smoke_run_passes_every_step_and_leaves_nothing_behind(
    outputs_file: Path, local_cloud: LocalCloud
) -> None:
    users_before = local_cloud.aws.client("cognito-idp")
    pool_id = json.loads(outputs_file.read_text())
    (user_pool_id,) = {stack["UserPoolId"] for stack in pool_id.values() if "UserPoolId" in stack}
    before = {user["Username"] for user in users_before.list_users(UserPoolId=user_pool_id)["Users"]}

    result = run_smoke(outputs_file, "--environment", "local")

    assert result.returncode == 0, result.stdout + result.stderr
    lines = [line for line in result.stdout.splitlines() if line.startswith(("ok", "FAIL"))]
    assert [line.split("ms", 1)[1].strip() for line in lines] == list(EXPECTED_STEPS)
    assert all(line.startswith("ok") for line in lines)
    assert result.stdout.rstrip().splitlines()[-1].startswith(f"{len(EXPECTED_STEPS)} passed, 0 failed")
    after = {user["Username"] for user in users_before.list_users(UserPoolId=user_pool_id)["Users"]}
    assert after == before, "the temporary user must be deleted"
    tables = local_cloud.aws.client("dynamodb")
    (main_table,) = [name for name in tables.list_tables()["TableNames"] if "MainTable" in name]
    boards = tables.scan(
        TableName=main_table,
        FilterExpression="sk = :meta and #n = :name",
        ExpressionAttributeNames={"#n": "name"},
        ExpressionAttributeValues={":meta": {"S": "META"}, ":name": {"S": "Smoke test"}},
    )
    assert boards["Items"] == [], "the smoke board must be deleted"


def test_prod_is_refused_without_confirmation_before_anything_is_read(tmp_path: Path) -> None:
    result = run_smoke(tmp_path / "absent.json", "--environment", "prod")

    assert result.returncode == 2
    assert "CONFIRM=prod" in result.stderr
