"""A client that resets its connection mid-request costs the local cloud one quiet log line, no traceback."""

import logging
import socket
import struct
import time
from collections.abc import Iterator
from urllib.parse import urlparse

import pytest
from fakes import records_of
from rest_gateway_doubles import (
    GatewayClient,
    RecordingInvoker,
    TemplateBuilder,
    deployment_of,
    serve,
)

from cdk_local_cloud.gateway.server import CLIENT_CLOSED_REQUEST

API_ID = "resetapi01"
SETTLE_SECONDS = 10


@pytest.fixture(scope="module")
def gateway() -> Iterator[GatewayClient]:
    api = TemplateBuilder(API_ID)
    api.method("POST", "/items")
    api.stage("v1")
    with serve(deployment_of(api), RecordingInvoker()) as client:
        yield client


def _reset(connection: socket.socket) -> None:
    """Closes with SO_LINGER 0: the kernel sends RST instead of FIN, as a killed client or a dropped link."""
    connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    connection.close()


def _send_half_a_body_then_reset(gateway: GatewayClient) -> None:
    address = urlparse(gateway.base_url)
    connection = socket.create_connection((address.hostname, address.port))
    connection.sendall(
        f"POST /{API_ID}/v1/items HTTP/1.1\r\nHost: {address.netloc}\r\nContent-Type: application/json\r\n"
        'Content-Length: 100\r\n\r\n{"name": '.encode()
    )
    time.sleep(0.2)  # the gateway is now waiting for the rest of the body
    _reset(connection)


def test_a_reset_mid_request_logs_one_line_without_a_traceback(
    gateway: GatewayClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)

    _send_half_a_body_then_reset(gateway)

    deadline = time.monotonic() + SETTLE_SECONDS
    while not [record for record in caplog.records if record.name == "aiohttp.access"]:
        assert time.monotonic() < deadline, "the gateway logged nothing for the dropped request"
        time.sleep(0.05)
    gateway_records = [*records_of(caplog, "aiohttp"), *records_of(caplog, "cdk_local_cloud")]
    loud = [record for record in gateway_records if record.levelno >= logging.WARNING or record.exc_info]
    assert not loud, [record.getMessage() for record in loud]
    (access,) = [record.getMessage() for record in caplog.records if record.name == "aiohttp.access"]
    assert f'"POST /{API_ID}/v1/items HTTP/1.1" {CLIENT_CLOSED_REQUEST} ' in access
    assert gateway.invoker.count("echo") == 0, "nothing reaches the function for a request never received"


def test_the_gateway_serves_on_after_a_reset(gateway: GatewayClient) -> None:
    _send_half_a_body_then_reset(gateway)

    assert gateway.request("POST", f"/{API_ID}/v1/items", json={"name": "next"}).status_code == 200
