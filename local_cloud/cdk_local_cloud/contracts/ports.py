"""Loopback ports: check a requested one up front, so a port in use is a clear error instead of a hang."""

import socket

__all__ = ["LOOPBACK", "PortInUseError", "claim_port"]

LOOPBACK = "127.0.0.1"


class PortInUseError(OSError):
    """The port asked for is taken by another process."""

    def __init__(self, port: int, purpose: str, flag: str) -> None:
        self.port = port
        super().__init__(
            f"Port {port} ({purpose}) is already in use on {LOOPBACK}. Stop whatever listens there "
            f"(`lsof -i :{port}`), or choose another port with {flag}."
        )


def claim_port(port: int, *, purpose: str, flag: str) -> int:
    """Returns ``port`` if it is free (or a free port if 0), else raises :class:`PortInUseError`.

    moto's threaded server waits forever when its bind fails, so the check has to happen before it starts.
    The probe binds as the servers do, with SO_REUSEADDR: connections of a server that just stopped linger
    in TIME-WAIT on its port, which the servers may bind over (Linux still refuses it while anything listens).
    """
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((LOOPBACK, port))
        except OSError as error:
            raise PortInUseError(port, purpose, flag) from error
        return int(probe.getsockname()[1])
