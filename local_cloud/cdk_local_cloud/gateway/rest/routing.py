"""Finds the method a request path and HTTP method reach in a REST API's resource tree.

API Gateway prefers, segment by segment, a literal path part over a ``{param}`` and a ``{param}`` over a
greedy ``{proxy+}``; a method of the exact HTTP verb beats ``ANY`` on the same resource. When the best
resource has no method for the verb, the next candidate is tried, as API Gateway's router does.
"""

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from cdk_local_cloud.gateway.rest.model import ANY_METHOD, Method, ResourceNode

__all__ = ["RouteMatch", "match_route"]


@dataclass(frozen=True)
class RouteMatch:
    method: Method
    path_parameters: dict[str, str]


def match_route(root: ResourceNode, segments: Sequence[str], http_method: str) -> RouteMatch | None:
    """The method for ``segments`` (the decoded path after the stage) and ``http_method``, or None."""
    for node, parameters in _candidates(root, segments, {}):
        method = node.methods.get(http_method.upper()) or node.methods.get(ANY_METHOD)
        if method is not None:
            return RouteMatch(method=method, path_parameters=parameters)
    return None


def _candidates(
    node: ResourceNode, segments: Sequence[str], parameters: dict[str, str]
) -> Iterator[tuple[ResourceNode, dict[str, str]]]:
    """Resources whose path matches ``segments``, best first."""
    if not segments:
        yield node, parameters
        return
    head, rest = segments[0], segments[1:]
    for child in sorted(node.children, key=_precedence):
        name = child.parameter_name
        if name is None:
            if child.path_part == head:
                yield from _candidates(child, rest, parameters)
        elif child.is_greedy:
            yield child, {**parameters, name: "/".join(segments)}
        else:
            yield from _candidates(child, rest, {**parameters, name: head})


def _precedence(node: ResourceNode) -> int:
    if node.parameter_name is None:
        return 0
    return 2 if node.is_greedy else 1
