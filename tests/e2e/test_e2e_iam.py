"""A function's AWS calls carry its own role's permissions: take one away and the call is AccessDenied."""

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from cdk_local_cloud.contracts.ports import LOOPBACK, claim_port
from cdk_local_cloud.functions import FunctionHost
from cdk_local_cloud.gateway.server import create_gateway_app, run_gateway
from cdk_local_cloud.iam import role_statements
from cdk_local_cloud.local_cloud import LocalCloud
from tests.e2e.conftest import SignIn

STRIPPED_ACTION = "dynamodb:PutItem"


def without_action(statements: list[dict[str, Any]], action: str) -> list[dict[str, Any]]:
    stripped = []
    for statement in statements:
        actions = statement.get("Action", [])
        actions = [actions] if isinstance(actions, str) else actions
        stripped.append({**statement, "Action": [granted for granted in actions if granted != action]})
    return stripped


@pytest.fixture(scope="module")
def stripped_rest_url(local_cloud: LocalCloud) -> Iterator[tuple[str, list[str]]]:
    """The same deployment behind a second gateway whose functions' roles lack dynamodb:PutItem."""
    deployment = local_cloud.deployment
    logs: list[str] = []
    port = claim_port(0, purpose="stripped-role gateway", flag="--port")
    host = f"{LOOPBACK}:{port}"
    with FunctionHost(
        deployment,
        gateway_host=host,
        statements_for=lambda role_arn: without_action(
            role_statements(deployment, role_arn), STRIPPED_ACTION
        ),
        reload_on_change=False,
        log_sink=logs.append,
    ) as functions:
        gateway = run_gateway(create_gateway_app(deployment, functions, host=host), port)
        try:
            (api,) = (api for api in local_cloud.apis if api.protocol == "REST")
            yield api.url.replace(local_cloud.gateway_host, host).rstrip("/"), logs
        finally:
            gateway.stop()


def test_a_role_without_put_item_cannot_create_a_board(
    stripped_rest_url: tuple[str, list[str]], rest_url: str, sign_in: SignIn
) -> None:
    url, logs = stripped_rest_url
    headers = {"Authorization": sign_in("carol")}

    refused = requests.post(f"{url}/boards", json={"name": "Denied"}, headers=headers, timeout=60)
    allowed = requests.post(f"{rest_url}/boards", json={"name": "Allowed"}, headers=headers, timeout=60)

    assert refused.status_code == 500
    assert "Traceback" not in refused.text
    assert allowed.status_code == 201
    denial = next(line for line in logs if "AccessDenied" in line)
    assert f"is not authorized to perform: {STRIPPED_ACTION}" in denial


def test_reads_the_role_still_allows_keep_working(
    stripped_rest_url: tuple[str, list[str]], sign_in: SignIn
) -> None:
    url, _ = stripped_rest_url
    response = requests.get(f"{url}/boards", headers={"Authorization": sign_in("carol")}, timeout=60)
    assert response.status_code == 200
