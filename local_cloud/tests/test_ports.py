"""Claiming a port: free after a restart (connections in TIME-WAIT), refused while something listens."""

import socket
from collections.abc import Iterator

import pytest

from cdk_local_cloud.contracts.ports import LOOPBACK, PortInUseError, claim_port


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    """A server socket as aiohttp and moto's werkzeug server open theirs: with SO_REUSEADDR."""
    with socket.socket() as server:
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind((LOOPBACK, 0))
        server.listen()
        yield server


def _leave_a_connection_in_time_wait(server: socket.socket) -> int:
    """What Ctrl-C leaves after a cloud with WebSocket clients: the server closed first, then stopped."""
    port = int(server.getsockname()[1])
    with socket.create_connection((LOOPBACK, port)) as client:
        accepted, _ = server.accept()
        accepted.close()  # the side that closes first keeps the connection in TIME-WAIT for a minute
        assert client.recv(1) == b""
    server.close()
    return port


def test_a_port_whose_server_just_stopped_is_free(listener: socket.socket) -> None:
    port = _leave_a_connection_in_time_wait(listener)

    assert claim_port(port, purpose="API gateway", flag="--port") == port


def test_a_port_something_listens_on_is_refused_naming_the_flag(
    listener: socket.socket,
) -> None:
    port = int(listener.getsockname()[1])

    with pytest.raises(PortInUseError) as refused:
        claim_port(port, purpose="embedded AWS (moto server)", flag="--aws-port")

    message = str(refused.value)
    assert f"Port {port} (embedded AWS (moto server)) is already in use" in message
    assert "--aws-port" in message


def test_port_zero_picks_a_free_port() -> None:
    port = claim_port(0, purpose="a test server", flag="--port")
    assert port > 0
    with socket.socket() as probe:
        probe.bind((LOOPBACK, port))
