"""The Lambda proxy integration (payload format 1.0): the event API Gateway sends, and the reply it reads.

The event mirrors what a REST API sends in AWS, field for field, so handlers (and Powertools' resolvers)
see locally what they will see deployed. A reply that is not a valid proxy response is a 502 there and here.
"""

import base64
import binascii
import fnmatch
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from cdk_local_cloud.gateway.rest.model import Method
from cdk_local_cloud.gateway.rest.reply import HttpReply
from cdk_local_cloud.gateway.rest.request import IncomingRequest

__all__ = [
    "MalformedProxyResponseError",
    "build_proxy_event",
    "is_binary",
    "parse_proxy_response",
    "request_context",
    "request_fields",
]

_MIN_STATUS = 100
_MAX_STATUS = 599


class MalformedProxyResponseError(ValueError):
    """A function's reply is not a Lambda proxy response; API Gateway answers such a reply with a 502."""

    def __init__(self, problem: str) -> None:
        super().__init__(
            f"Malformed Lambda proxy response: {problem}. Return a dict with an int statusCode, "
            "optional str-valued headers and multiValueHeaders, and a str body (json.dumps objects)."
        )


def build_proxy_event(
    request: IncomingRequest,
    method: Method,
    *,
    path_parameters: Mapping[str, str],
    stage_variables: Mapping[str, str],
    authorizer: Mapping[str, Any] | None,
    binary_media_types: Sequence[str],
) -> dict[str, Any]:
    """The ``AWS_PROXY`` event for ``request`` reaching ``method``."""
    event = request_fields(request, method, path_parameters, stage_variables)
    binary = is_binary(request.headers.get("Content-Type"), binary_media_types)
    event["requestContext"] = request_context(request, method, authorizer)
    event["body"] = _event_body(request.body, binary=binary)
    event["isBase64Encoded"] = binary and bool(request.body)
    return event


def request_fields(
    request: IncomingRequest,
    method: Method,
    path_parameters: Mapping[str, str],
    stage_variables: Mapping[str, str],
) -> dict[str, Any]:
    """The fields a proxy event shares with a Lambda REQUEST authorizer's event."""
    headers = _with_forwarding_headers(request)
    return {
        "resource": method.resource_path,
        "path": request.path,
        "httpMethod": request.http_method,
        "headers": dict(headers) or None,
        "multiValueHeaders": _multi_values(headers) or None,
        "queryStringParameters": dict(request.query.items()) or None,
        "multiValueQueryStringParameters": _multi_values(request.query.items()) or None,
        "pathParameters": dict(path_parameters) or None,
        "stageVariables": dict(stage_variables) or None,
    }


def request_context(
    request: IncomingRequest, method: Method, authorizer: Mapping[str, Any] | None
) -> dict[str, Any]:
    context: dict[str, Any] = {
        "accountId": request.account_id,
        "apiId": request.api_id,
        "domainName": request.domain_name,
        "domainPrefix": request.api_id,
        "extendedRequestId": request.extended_request_id,
        "httpMethod": request.http_method,
        "identity": _identity(request),
        "path": request.stage_path,
        "protocol": request.protocol,
        "requestId": request.request_id,
        "requestTime": request.request_time,
        "requestTimeEpoch": request.request_time_epoch_ms,
        "resourceId": method.resource_id,
        "resourcePath": method.resource_path,
        "stage": request.stage,
    }
    if authorizer is not None:
        context["authorizer"] = dict(authorizer)
    return context


def is_binary(media_type: str | None, binary_media_types: Sequence[str]) -> bool:
    """Whether ``media_type`` is one of the API's ``BinaryMediaTypes`` (wildcards like ``image/*`` work)."""
    if not media_type:
        return False
    essence = media_type.split(";", 1)[0].strip().lower()
    return any(fnmatch.fnmatchcase(essence, pattern.lower()) for pattern in binary_media_types)


def parse_proxy_response(payload: Any, *, accept: str | None, binary_media_types: Sequence[str]) -> HttpReply:
    """The client's reply from a function's proxy response; raises :class:`MalformedProxyResponseError`."""
    if not isinstance(payload, Mapping):
        raise MalformedProxyResponseError(f"expected an object, got {type(payload).__name__}")
    status = _status_code(payload.get("statusCode"))
    headers = _response_headers(payload.get("headers"), payload.get("multiValueHeaders"))
    if not any(name.lower() == "content-type" for name, _ in headers):
        headers.append(("Content-Type", "application/json"))
    body = payload.get("body")
    if body is not None and not isinstance(body, str):
        raise MalformedProxyResponseError(f"body must be a string, got {type(body).__name__}")
    content_type = next(value for name, value in headers if name.lower() == "content-type")
    # API Gateway honours only the first media type of Accept.
    first_accepted = (accept or "").split(",", 1)[0]
    decode = bool(payload.get("isBase64Encoded")) and (
        is_binary(first_accepted, binary_media_types) or is_binary(content_type, binary_media_types)
    )
    return HttpReply(status=status, headers=tuple(headers), body=_response_body(body or "", decode=decode))


def _with_forwarding_headers(request: IncomingRequest) -> list[tuple[str, str]]:
    """The client's headers plus those API Gateway's front end adds (client IP, port, scheme, trace id)."""
    headers = list(request.headers.items())
    forwarded_for = request.headers.get("X-Forwarded-For")
    added = {
        "X-Forwarded-For": f"{forwarded_for}, {request.source_ip}" if forwarded_for else request.source_ip,
        "X-Forwarded-Port": _port(request.domain_name),
        "X-Forwarded-Proto": "http",
        "X-Amzn-Trace-Id": request.headers.get("X-Amzn-Trace-Id") or request.trace_id,
    }
    kept = [(name, value) for name, value in headers if name.lower() not in {key.lower() for key in added}]
    return kept + list(added.items())


def _port(host: str) -> str:
    _, separator, port = host.rpartition(":")
    return port if separator and port.isdigit() else "80"


def _multi_values(pairs: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    values: dict[str, list[str]] = {}
    for name, value in pairs:
        values.setdefault(name, []).append(value)
    return values


def _identity(request: IncomingRequest) -> dict[str, Any]:
    """Only the caller's IP and user agent are known without IAM auth; API Gateway sends the rest as null."""
    unknown = (
        "cognitoIdentityPoolId",
        "accountId",
        "cognitoIdentityId",
        "caller",
        "accessKey",
        "principalOrgId",
        "cognitoAuthenticationType",
        "cognitoAuthenticationProvider",
        "userArn",
        "user",
    )
    return {
        **dict.fromkeys(unknown),
        "sourceIp": request.source_ip,
        "userAgent": request.headers.get("User-Agent"),
    }


def _event_body(body: bytes, *, binary: bool) -> str | None:
    if not body:
        return None
    if binary:
        return base64.b64encode(body).decode()
    # API Gateway passes text through as UTF-8; bytes that are not UTF-8 arrive mangled there too.
    return body.decode("utf-8", errors="replace")


def _status_code(value: Any) -> int:
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not _MIN_STATUS <= value <= _MAX_STATUS:
        raise MalformedProxyResponseError(f"statusCode must be an HTTP status, got {value!r}")
    return value


def _response_headers(single: Any, multi: Any) -> list[tuple[str, str]]:
    """``headers`` and ``multiValueHeaders`` merged; a name in both takes the multi-value list only."""
    if not isinstance(single or {}, Mapping) or not isinstance(multi or {}, Mapping):
        raise MalformedProxyResponseError("headers and multiValueHeaders must be objects")
    merged: list[tuple[str, str]] = []
    for name, values in (multi or {}).items():
        if not isinstance(values, list):
            raise MalformedProxyResponseError(f"multiValueHeaders[{name!r}] must be a list")
        merged.extend((str(name), _header_value(value)) for value in values)
    multi_names = {str(name).lower() for name in multi or {}}
    merged.extend(
        (str(name), _header_value(value))
        for name, value in (single or {}).items()
        if str(name).lower() not in multi_names
    )
    return merged


def _header_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    raise MalformedProxyResponseError(f"header values must be strings, got {type(value).__name__}")


def _response_body(body: str, *, decode: bool) -> bytes:
    if not decode:
        return body.encode()
    try:
        return base64.b64decode(body, validate=True)
    except binascii.Error:
        raise MalformedProxyResponseError("isBase64Encoded is true but body is not base64") from None
