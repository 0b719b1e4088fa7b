"""The REST API's route table: what API Gateway exposes. tests/infra checks it against docs/openapi.json,
which is generated from the handler code, so the gateway and the handler cannot drift apart."""

from typing import NamedTuple

__all__ = ["REST_ROUTES", "RestRoute"]


class RestRoute(NamedTuple):
    method: str
    path: str
    public: bool = False
    # Declared on the gateway method so that, with caching on, each one is part of the cache key.
    query_parameters: tuple[str, ...] = ()
    # Only GETs are ever cached; this keeps out a GET whose response must not be served twice.
    cacheable: bool = True

    @property
    def key(self) -> str:
        """How cdk.json names the route, e.g. "POST /boards"."""
        return f"{self.method} {self.path}"


_PAGE = ("limit", "cursor")
_ATTACHMENTS = "/boards/{boardId}/tasks/{taskId}/attachments"


REST_ROUTES: tuple[RestRoute, ...] = (
    RestRoute("GET", "/health", public=True),
    RestRoute("GET", "/me"),
    RestRoute("POST", "/boards"),
    RestRoute("GET", "/boards", query_parameters=_PAGE),
    RestRoute("GET", "/boards/{boardId}"),
    RestRoute("PATCH", "/boards/{boardId}"),
    RestRoute("DELETE", "/boards/{boardId}"),
    RestRoute("GET", "/boards/{boardId}/members", query_parameters=_PAGE),
    RestRoute("PUT", "/boards/{boardId}/members/{userId}"),
    RestRoute("DELETE", "/boards/{boardId}/members/{userId}"),
    RestRoute("POST", "/boards/{boardId}/tasks"),
    RestRoute("GET", "/boards/{boardId}/tasks", query_parameters=("status", *_PAGE)),
    RestRoute("GET", "/boards/{boardId}/tasks/{taskId}"),
    RestRoute("PATCH", "/boards/{boardId}/tasks/{taskId}"),
    RestRoute("DELETE", "/boards/{boardId}/tasks/{taskId}"),
    RestRoute("POST", _ATTACHMENTS),
    # Never cached: the response carries presigned download URLs that expire within minutes, and a
    # cached copy would hand out dead URLs, or miss an attachment that became ready since.
    RestRoute("GET", _ATTACHMENTS, query_parameters=_PAGE, cacheable=False),
)
