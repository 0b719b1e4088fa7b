"""boto3 clients for the emulator's own calls to the embedded AWS (moto server).

They carry fake credentials on purpose: the emulator must never pick up a developer's real profile,
even for calls that only ever reach loopback.
"""

import threading
from typing import Any

import boto3

from emulator.deployment import Deployment

__all__ = ["AwsClients"]

# moto accepts any key pair and files everything under its default account.
_FAKE_KEY_PAIR = ("testing", "testing")


class AwsClients:
    """One boto3 client per service for a deployment, created once and shared by the event threads."""

    def __init__(self, deployment: Deployment) -> None:
        access_key, secret_key = _FAKE_KEY_PAIR
        self._session = boto3.session.Session(
            aws_access_key_id=access_key, aws_secret_access_key=secret_key, region_name=deployment.region
        )
        self._endpoint_url = deployment.aws_endpoint_url
        self._clients: dict[str, Any] = {}
        # boto3 sessions are not thread-safe, so clients are created under a lock (clients themselves are).
        self._lock = threading.Lock()

    def client(self, service: str) -> Any:
        with self._lock:
            if service not in self._clients:
                self._clients[service] = self._session.client(service, endpoint_url=self._endpoint_url)
            return self._clients[service]
