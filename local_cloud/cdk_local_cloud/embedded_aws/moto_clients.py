"""boto3 clients for the local cloud's own calls to the embedded AWS (moto server), one per service.

They carry fake credentials on purpose: The local cloud must never pick up a developer's real profile,
even for calls that only ever reach loopback.
"""

import threading
from typing import Any

import boto3
from botocore.config import Config

from cdk_local_cloud.contracts.fake_credentials import FAKE_CREDENTIALS

__all__ = ["MotoClients"]


class MotoClients:
    """Creates each service's client once; the deployer, the event threads and the CLI share the class."""

    def __init__(self, endpoint_url: str, region: str, *, config: Config | None = None) -> None:
        self._session = boto3.session.Session(
            aws_access_key_id=FAKE_CREDENTIALS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=FAKE_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
            aws_session_token=FAKE_CREDENTIALS["AWS_SESSION_TOKEN"],
            region_name=region,
        )
        self._endpoint_url = endpoint_url
        self._config = config
        self._clients: dict[str, Any] = {}
        # boto3 sessions are not thread-safe, so clients are created under a lock (clients themselves are).
        self._lock = threading.Lock()

    def client(self, service: str) -> Any:
        with self._lock:
            if service not in self._clients:
                self._clients[service] = self._session.client(
                    service, endpoint_url=self._endpoint_url, config=self._config
                )
            return self._clients[service]
