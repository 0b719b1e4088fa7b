"""Fixtures for the WebSocket tests: moto's Cognito issuing real RS256 tokens, its JWKS served on localhost,
and a seeded board with the connections table and a local ``@connections`` endpoint.

The ``jwks`` fixture serves the public half of moto's signing key, and the authorizer is pointed at it
through JWKS_URL, so the verification path is exactly the one that runs against Cognito.
"""

import json
import threading
from collections.abc import Iterator
from dataclasses import replace
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import boto3
import pytest
from account_snapshot import AccountSnapshot
from cognito_harness import JwksEndpoint, UserPools, create_user_pools, moto_jwk
from connections_endpoint import SHUTDOWN_POLL_SECONDS, ConnectionsEndpoint
from moto_account import use_fake_credentials
from ws_harness import USERS, Realtime

from corkboard.models import Role
from corkboard.repository import CorkboardRepository
from corkboard.table_design import ENV_JWKS_URL, ENV_USER_POOL_CLIENT_ID, ENV_USER_POOL_ID
from ws.authorizer import verifier


@pytest.fixture
def jwks() -> Iterator[JwksEndpoint]:
    """moto's public signing key served as a JWKS on localhost, counting fetches."""
    document = json.dumps(moto_jwk("jwks-public")).encode()
    served = JwksEndpoint(url="")
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            with lock:
                served.fetches += 1
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(document)))
            self.end_headers()
            self.wfile.write(document)

        def log_message(self, format: str, *args: Any) -> None:
            """Keep test output quiet."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": SHUTDOWN_POLL_SECONDS}, daemon=True
    )
    thread.start()
    host, port = server.server_address[:2]
    served.url = f"http://{host}:{port}/.well-known/jwks.json"
    yield served
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture(scope="session")
def created_user_pools(unit_account: AccountSnapshot[Any]) -> AccountSnapshot[UserPools]:
    """The two pools alone (moto's Cognito state), created once per session and restored for each test.

    moto loads its signing key again for every pool it creates (about 0.1 s a pool); a copy of the pools
    costs well under a millisecond. Restoring installs moto's Cognito state only, so the rest of the test's
    account (its tables and whatever earlier fixtures wrote) stays as it is.
    """
    cognito = partial(boto3.client, "cognito-idp", region_name=unit_account.created.resources.region)
    with pytest.MonkeyPatch.context() as monkeypatch:
        use_fake_credentials(monkeypatch)
        return AccountSnapshot.take(lambda _: create_user_pools(cognito())).of_services("cognito-idp")


@pytest.fixture
def user_pools(
    aws: Any,
    jwks: JwksEndpoint,
    created_user_pools: AccountSnapshot[UserPools],
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[UserPools]:
    """Two pools on moto; the authorizer is configured for the first pool's first client."""
    pools = replace(
        created_user_pools.restore(monkeypatch), cognito=boto3.client("cognito-idp", region_name=aws.region)
    )
    monkeypatch.setenv(ENV_USER_POOL_ID, pools.pool_id)
    monkeypatch.setenv(ENV_USER_POOL_CLIENT_ID, pools.client_id)
    monkeypatch.setenv(ENV_JWKS_URL, jwks.url)
    verifier.cache_clear()
    yield pools
    verifier.cache_clear()


@pytest.fixture
def realtime(
    repository: CorkboardRepository, connections_table: str, connections_endpoint: ConnectionsEndpoint
) -> Realtime:
    """A board whose owner, editor and viewer are members, ready for sockets (see ws_harness.Realtime)."""
    board = repository.create_board(name="Launch", description="", owner_id=USERS["owner"].user_id)
    repository.put_membership(board.board_id, USERS["editor"].user_id, Role.EDITOR)
    repository.put_membership(board.board_id, USERS["viewer"].user_id, Role.VIEWER)
    return Realtime(board.board_id, connections_endpoint, repository)
