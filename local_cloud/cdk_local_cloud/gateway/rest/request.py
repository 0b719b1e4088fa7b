"""One request to a REST API as the gateway sees it, with the ids and times API Gateway stamps on it.

Everything after this point (routing, authorizers, the proxy event, error templates) reads this object,
not aiohttp's request, so those parts stay plain functions that tests can call directly.
"""

import base64
import secrets
import time
import uuid
from dataclasses import dataclass, field

from multidict import CIMultiDictProxy, MultiDictProxy

__all__ = ["IncomingRequest"]


def _extended_request_id() -> str:
    """API Gateway's second request id: 16 base64-looking characters ending in ``=``."""
    return base64.b64encode(secrets.token_bytes(12)).decode()[:15].replace("/", "-").replace("+", "_") + "="


def _trace_id() -> str:
    """X-Ray's format, as API Gateway adds it: version, epoch seconds in hex, 96 random bits."""
    return f"Root=1-{int(time.time()):08x}-{secrets.token_hex(12)}"


@dataclass(frozen=True)
class IncomingRequest:
    api_id: str
    stage: str
    http_method: str
    # the decoded path after the stage, "/" for the stage's root
    path: str
    headers: CIMultiDictProxy[str]
    query: MultiDictProxy[str]
    body: bytes
    source_ip: str
    protocol: str
    domain_name: str
    account_id: str
    region: str
    request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    extended_request_id: str = field(default_factory=_extended_request_id)
    request_time_epoch_ms: int = field(default_factory=lambda: time.time_ns() // 1_000_000)
    trace_id: str = field(default_factory=_trace_id)

    @property
    def segments(self) -> list[str]:
        return [segment for segment in self.path.split("/") if segment]

    @property
    def stage_path(self) -> str:
        """The path as API Gateway's ``requestContext.path`` shows it: with the stage in front."""
        return f"/{self.stage}{self.path}" if self.path != "/" else f"/{self.stage}/"

    @property
    def request_time(self) -> str:
        """CLF format, as in ``requestContext.requestTime``: ``09/Apr/2015:12:34:56 +0000``."""
        return time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(self.request_time_epoch_ms / 1000))

    def method_arn(self) -> str:
        """The ARN a Lambda authorizer's policy is checked against, as in its ``methodArn``."""
        return (
            f"arn:aws:execute-api:{self.region}:{self.account_id}:{self.api_id}/{self.stage}/"
            f"{self.http_method}/{self.path.removeprefix('/')}"
        )

    def context_variables(self) -> dict[str, str]:
        """The ``$context`` variables that do not depend on the matched method (see API Gateway's docs)."""
        return {
            "accountId": self.account_id,
            "apiId": self.api_id,
            "domainName": self.domain_name,
            "domainPrefix": self.api_id,
            "extendedRequestId": self.extended_request_id,
            "httpMethod": self.http_method,
            "identity.sourceIp": self.source_ip,
            "identity.userAgent": self.headers.get("User-Agent", ""),
            "path": self.stage_path,
            "protocol": self.protocol,
            "requestId": self.request_id,
            "requestTime": self.request_time,
            "requestTimeEpoch": str(self.request_time_epoch_ms),
            "stage": self.stage,
        }
