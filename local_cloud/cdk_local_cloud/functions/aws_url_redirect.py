"""Sends urllib requests for AWS URLs to the local cloud, for libraries that fetch AWS URLs by themselves.

PyJWT's PyJWKClient, for instance, downloads a user pool's keys from
``https://cognito-idp.{region}.amazonaws.com/{pool}/.well-known/jwks.json`` with its own urllib opener, which
AWS_ENDPOINT_URL does not reach. In a worker, such a request goes to the embedded AWS instead, same path and
query, with the original Host header kept because moto picks the service from it. Execute-api URLs go to
the local gateway. Only urllib is redirected (``requests`` or ``httpx`` are not).

boto3 clients given an execute-api ``endpoint_url`` (``https://{domainName}/{stage}`` built from a WebSocket
event, the usual way to reach ``@connections``) are sent to the local gateway too, by a ``before-send``
handler: AWS_ENDPOINT_URL does not apply to a client with an explicit endpoint.
"""

from typing import Any
from urllib.parse import urlsplit, urlunsplit
from urllib.request import OpenerDirector, Request

from botocore import handlers as botocore_handlers
from botocore.awsrequest import AWSPreparedRequest

from cdk_local_cloud.contracts.local_endpoints import localize_execute_api_urls

__all__ = ["install_aws_url_redirect", "localize_aws_request"]

_AWS_DOMAIN = ".amazonaws.com"


def localize_aws_request(
    url_or_request: str | Request, *, aws_endpoint_url: str, gateway_host: str
) -> str | Request:
    """The request to send instead: unchanged unless it is for an ``https://*.amazonaws.com`` URL."""
    original = urlsplit(url_or_request.full_url if isinstance(url_or_request, Request) else url_or_request)
    if original.scheme != "https" or not (original.hostname or "").endswith(_AWS_DOMAIN):
        return url_or_request
    request = url_or_request if isinstance(url_or_request, Request) else Request(url_or_request)  # noqa: S310 -- https only
    on_gateway = localize_execute_api_urls(request.full_url, gateway_host)
    if on_gateway != request.full_url:
        request.full_url = on_gateway
        return request
    endpoint = urlsplit(aws_endpoint_url)
    request.full_url = urlunsplit(
        (endpoint.scheme, endpoint.netloc, endpoint.path.rstrip("/") + original.path, original.query, "")
    )
    request.add_unredirected_header("Host", original.netloc)
    return request


def install_aws_url_redirect(*, aws_endpoint_url: str, gateway_host: str) -> None:
    """Patches every urllib opener of this process (``urlopen`` and ``build_opener`` alike) and sends
    execute-api calls of boto3 to the gateway; workers only, before the handler is imported."""
    open_unchanged = OpenerDirector.open

    def open_locally(self: OpenerDirector, fullurl: str | Request, *args: Any, **kwargs: Any) -> Any:
        localized = localize_aws_request(
            fullurl, aws_endpoint_url=aws_endpoint_url, gateway_host=gateway_host
        )
        return open_unchanged(self, localized, *args, **kwargs)

    OpenerDirector.open = open_locally  # type: ignore[method-assign]

    def send_locally(request: AWSPreparedRequest, **_: Any) -> None:
        request.url = localize_execute_api_urls(request.url, gateway_host)

    # Built-in handlers reach every botocore session created afterwards, boto3's default one included.
    botocore_handlers.BUILTIN_HANDLERS.append(("before-send.apigatewaymanagementapi", send_locally))
