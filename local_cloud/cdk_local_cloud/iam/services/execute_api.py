"""API Gateway ``@connections``: ``execute-api:ManageConnections`` on the connection's route ARN.

The API id and stage come from the client's endpoint: ``https://{api}.execute-api.{region}.amazonaws.com/
{stage}`` on AWS, ``http://127.0.0.1:PORT/{api}/{stage}`` on the local gateway.
"""

from urllib.parse import urlsplit

from cdk_local_cloud.iam.api_call import ApiCall, IamRequest

__all__ = ["iam_requests"]

_METHODS = {"PostToConnection": "POST", "GetConnection": "GET", "DeleteConnection": "DELETE"}
_CONNECTIONS_SEGMENT = "@connections"


def iam_requests(call: ApiCall) -> list[IamRequest]:
    method = _METHODS.get(call.operation)
    if method is None:
        return call.on_any_resource()
    api_and_stage = _api_and_stage(call.endpoint_url)
    route = f"{api_and_stage or '*/*'}/{method}/{_CONNECTIONS_SEGMENT}/{call.params['ConnectionId']}"
    arn = call.arn("execute-api", route)
    return [IamRequest("execute-api:ManageConnections", arn, resource_is_pattern=api_and_stage is None)]


def _api_and_stage(endpoint_url: str) -> str | None:
    """``{api}/{stage}`` from the endpoint (or a request URL: ``/@connections/...`` on is ignored)."""
    url = urlsplit(endpoint_url)
    segments = [segment for segment in url.path.split("/") if segment]
    if _CONNECTIONS_SEGMENT in segments:
        segments = segments[: segments.index(_CONNECTIONS_SEGMENT)]
    host = url.hostname or ""
    if ".execute-api." in host:
        segments = [host.partition(".")[0], *segments]
    if len(segments) != 2:
        return None
    return "/".join(segments)
