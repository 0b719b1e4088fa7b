"""S3's CORS as each bucket's CORS configuration says, in front of moto server.

moto server (5.2.5) wraps every service in flask-cors, which reflects any ``Origin`` on every response,
and its S3 preflight ignores the requested method and headers and answers a bucket without CORS rules
with 200. A page on any origin could then read the local S3's answers, where AWS refuses. This WSGI
middleware answers S3 requests that carry an ``Origin`` as Amazon S3 evaluates a bucket's CORS
configuration: the first rule whose ``AllowedOrigins`` match the Origin, whose ``AllowedMethods`` hold
the method (``Access-Control-Request-Method`` for a preflight), and whose ``AllowedHeaders`` match every
header of ``Access-Control-Request-Headers`` ("*" is a wildcard in origins and headers).

- Preflight (``OPTIONS``): the matching rule's headers, or 403 ``AccessForbidden`` (no rule matches, or
  the bucket has no CORS configuration), without calling moto.
- Any other request: moto answers it, and its CORS headers are replaced by the matching rule's, or by
  none when no rule matches (S3 carries out the request all the same; the browser hides the answer).

S3 answers a request without an Origin with no CORS header, and so does the middleware. Requests of
other services (Cognito, DynamoDB, ...) are moto's alone.
Buckets are named in the path (``http://127.0.0.1:PORT/bucket/key``), as boto3 builds every URL for an
IP-address endpoint. The rules are read with ``GetBucketCors``, so they are what the bucket has now.
Hand-written because neither moto nor a WSGI CORS library evaluates S3's per-bucket rules.
"""

import re
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from html import escape
from typing import Any
from urllib.parse import unquote

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError
from moto.moto_server.werkzeug_app import DomainDispatcherApplication

__all__ = ["CorsRule", "S3CorsMiddleware", "matching_rule"]

StartResponse = Callable[..., Any]

_NOT_ALLOWED = (
    "CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, "
    "request method / Access-Control-Request-Method or Access-Control-Request-Headers are not "
    "whitelisted by the resource's CORS spec."
)
_NOT_ENABLED = "CORSResponse: CORS is not enabled for this bucket."
# What S3 says varies its CORS answers, on every response to a request with an Origin.
_VARY = "Origin, Access-Control-Request-Headers, Access-Control-Request-Method"
_NO_CORS_CONFIGURATION = {"NoSuchCORSConfiguration", "NoSuchBucket"}


@dataclass(frozen=True)
class CorsRule:
    """One ``CORSRule`` of a bucket's configuration, as ``GetBucketCors`` returns it."""

    allowed_origins: tuple[str, ...]
    allowed_methods: tuple[str, ...]
    allowed_headers: tuple[str, ...] = ()
    expose_headers: tuple[str, ...] = ()
    max_age_seconds: int | None = None

    @classmethod
    def from_api(cls, rule: Mapping[str, Any]) -> "CorsRule":
        return cls(
            allowed_origins=tuple(rule.get("AllowedOrigins", ())),
            allowed_methods=tuple(rule.get("AllowedMethods", ())),
            allowed_headers=tuple(rule.get("AllowedHeaders", ())),
            expose_headers=tuple(rule.get("ExposeHeaders", ())),
            max_age_seconds=rule.get("MaxAgeSeconds"),
        )

    def allows(self, origin: str, method: str, request_headers: Sequence[str]) -> bool:
        return (
            any(_wildcard_match(allowed, origin) for allowed in self.allowed_origins)
            and method in self.allowed_methods
            and all(
                any(_wildcard_match(allowed, header, ignore_case=True) for allowed in self.allowed_headers)
                for header in request_headers
            )
        )

    def response_headers(self, origin: str, request_headers: Sequence[str]) -> list[tuple[str, str]]:
        """The CORS headers S3 sends when this rule matched; ``*`` alone answers any origin with ``*``."""
        any_origin = self.allowed_origins == ("*",)
        headers = [
            ("Access-Control-Allow-Origin", "*" if any_origin else origin),
            ("Access-Control-Allow-Methods", ", ".join(self.allowed_methods)),
        ]
        if request_headers:
            headers.append(("Access-Control-Allow-Headers", ", ".join(request_headers)))
        if self.expose_headers:
            headers.append(("Access-Control-Expose-Headers", ", ".join(self.expose_headers)))
        if self.max_age_seconds is not None:
            headers.append(("Access-Control-Max-Age", str(self.max_age_seconds)))
        if not any_origin:
            headers.append(("Access-Control-Allow-Credentials", "true"))
        return headers


def matching_rule(
    rules: Sequence[CorsRule], origin: str, method: str, request_headers: Sequence[str] = ()
) -> CorsRule | None:
    """The first rule that allows the request, as S3 picks it, or None."""
    return next((rule for rule in rules if rule.allows(origin, method, request_headers)), None)


class S3CorsMiddleware:
    """Wraps moto server's WSGI application; ``endpoint_url`` is where that server listens."""

    def __init__(
        self,
        app: DomainDispatcherApplication,
        *,
        endpoint_url: str,
        region: str,
        credentials: Mapping[str, str],
    ) -> None:
        self._app = app
        self._endpoint_url = endpoint_url
        self._region = region
        self._credentials = credentials

    @cached_property
    def _s3(self) -> Any:
        return boto3.client(
            "s3",
            endpoint_url=self._endpoint_url,
            region_name=self._region,
            aws_access_key_id=self._credentials["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=self._credentials["AWS_SECRET_ACCESS_KEY"],
            aws_session_token=self._credentials["AWS_SESSION_TOKEN"],
            config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}),
        )

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if not self._is_s3(environ):
            return self._app(environ, start_response)
        origin = environ.get("HTTP_ORIGIN")
        bucket = _bucket_name(environ)
        if not origin or bucket is None:
            return self._app(environ, _replacing_cors_headers(start_response, []))
        rules = self._rules(bucket)
        method = environ["REQUEST_METHOD"]
        if method == "OPTIONS":
            return _preflight(rules, origin, environ, start_response)
        rule = matching_rule(rules or (), origin, method)
        cors_headers = [*(rule.response_headers(origin, ()) if rule else ()), ("Vary", _VARY)]
        return self._app(environ, _replacing_cors_headers(start_response, cors_headers))

    def _is_s3(self, environ: dict[str, Any]) -> bool:
        """moto's own routing decides, as for the request itself (signed, unsigned, form upload)."""
        return getattr(self._app.get_application(environ), "service", None) == "s3"

    def _rules(self, bucket: str) -> tuple[CorsRule, ...] | None:
        """The bucket's rules now, or None without a CORS configuration (or without the bucket)."""
        try:
            configuration = self._s3.get_bucket_cors(Bucket=bucket)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in _NO_CORS_CONFIGURATION:
                return None
            raise
        return tuple(CorsRule.from_api(rule) for rule in configuration.get("CORSRules", ()))


def _replacing_cors_headers(
    start_response: StartResponse, cors_headers: list[tuple[str, str]]
) -> StartResponse:
    """``start_response`` with moto's CORS headers (flask-cors') swapped for ``cors_headers``."""

    def start(status: str, headers: list[tuple[str, str]], *exc_info: Any) -> Any:
        kept = [(name, value) for name, value in headers if not _is_cors_header(name)]
        return start_response(status, [*kept, *cors_headers], *exc_info)

    return start


def _preflight(
    rules: Sequence[CorsRule] | None, origin: str, environ: dict[str, Any], start_response: StartResponse
) -> list[bytes]:
    requested_method = environ.get("HTTP_ACCESS_CONTROL_REQUEST_METHOD", "")
    requested_headers = [
        header.strip().lower()
        for header in environ.get("HTTP_ACCESS_CONTROL_REQUEST_HEADERS", "").split(",")
        if header.strip()
    ]
    rule = matching_rule(rules or (), origin, requested_method, requested_headers)
    if rule is None:
        body = _forbidden_body(_NOT_ENABLED if rules is None else _NOT_ALLOWED, requested_method, environ)
        start_response(
            "403 Forbidden",
            [("Content-Type", "application/xml"), ("Content-Length", str(len(body))), ("Vary", _VARY)],
        )
        return [body]
    start_response(
        "200 OK",
        [*rule.response_headers(origin, requested_headers), ("Vary", _VARY), ("Content-Length", "0")],
    )
    return [b""]


def _forbidden_body(message: str, method: str, environ: dict[str, Any]) -> bytes:
    key = _path_parts(environ)[1]
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>AccessForbidden</Code><Message>{escape(message)}</Message>"
        f"<Method>{escape(method)}</Method><ResourceType>{'OBJECT' if key else 'BUCKET'}</ResourceType>"
        f"<RequestId>{uuid.uuid4().hex[:16].upper()}</RequestId></Error>"
    ).encode()


def _path_parts(environ: dict[str, Any]) -> tuple[str, str]:
    path = unquote(environ.get("PATH_INFO", "")).removeprefix("/")
    bucket, _, key = path.partition("/")
    return bucket, key


def _bucket_name(environ: dict[str, Any]) -> str | None:
    bucket = _path_parts(environ)[0]
    return bucket or None


def _is_cors_header(name: str) -> bool:
    lowered = name.lower()
    return lowered.startswith("access-control-") or lowered == "vary"


def _wildcard_match(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    """S3's matching: ``*`` stands for any run of characters, everything else for itself."""
    regex = ".*".join(re.escape(part) for part in pattern.split("*"))
    return re.fullmatch(regex, value, flags=re.IGNORECASE if ignore_case else 0) is not None
