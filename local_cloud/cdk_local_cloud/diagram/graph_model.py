"""Build the architecture graph (boxes and labelled arrows) from the synthesized templates of an app.

The graph is a plain, sorted data structure so that it can be tested without Graphviz and renders
to the same DOT text for the same templates, whatever order the templates were loaded in.
"""

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from itertools import product
from pathlib import Path
from typing import Any

from cdk_local_cloud.assembly.cloud_assembly import read_cloud_assembly
from cdk_local_cloud.diagram.iam_access import access_label
from cdk_local_cloud.diagram.references import ReferenceResolver, ResourceId, Template
from cdk_local_cloud.diagram.resource_catalog import (
    GLUE_RULES,
    NODE_STYLES,
    PASS_THROUGH,
    GlueRule,
    NodeStyle,
    RouteCount,
)

__all__ = ["Edge", "Graph", "Node", "build_graph", "stack_templates"]

# CDK appends an 8-character hash to logical ids; the readable part is what the author named.
_CDK_HASH = re.compile(r"(?<=.)[0-9A-F]{8}$")
# CDK's CORS preflight methods are API plumbing, not routes a client calls.
_CORS_PREFLIGHT = "OPTIONS"
_ENVIRONMENT = "Environment"

# One use of a target by a source, before uses of the same pair are merged into one arrow.
_Wire = tuple[ResourceId, ResourceId, str]


@dataclass(frozen=True, order=True)
class Node:
    """A box: one resource, the type it has, and its label lines (title, name, optional detail)."""

    id: ResourceId
    resource_type: str
    label: str

    @property
    def style(self) -> NodeStyle:
        return NODE_STYLES[self.resource_type]


@dataclass(frozen=True, order=True)
class Edge:
    """An arrow between two boxes; ``label`` holds one line per way the source uses the target."""

    source: ResourceId
    target: ResourceId
    label: str


@dataclass(frozen=True)
class Graph:
    """Every box and arrow of the app, sorted; ``stacks`` lists the clusters in drawing order."""

    stacks: tuple[str, ...]
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]

    def nodes_in(self, stack: str) -> tuple[Node, ...]:
        return tuple(node for node in self.nodes if node.id.stack == stack)


def stack_templates(cdk_out: Path) -> dict[str, Template]:
    """Each stack's template by its stack name, read as the local cloud reads an assembly to deploy it."""
    return {stack.name: stack.template for stack in read_cloud_assembly(cdk_out).stacks}


def build_graph(templates: Mapping[str, Template]) -> Graph:
    """Turn each stack's template (keyed by stack name) into boxes and the arrows that wire them."""
    return _GraphBuilder(templates).build()


class _GraphBuilder:
    """Indexes every resource of the app once, then derives the boxes and each kind of arrow."""

    def __init__(self, templates: Mapping[str, Template]) -> None:
        self._stacks = tuple(sorted(templates))
        self._resolver = ReferenceResolver(templates)
        self._resources = {
            ResourceId(stack, logical_id): resource
            for stack in self._stacks
            for logical_id, resource in sorted(templates[stack].get("Resources", {}).items())
        }
        self._node_ids = {rid for rid, resource in self._resources.items() if resource["Type"] in NODE_STYLES}

    def build(self) -> Graph:
        nodes = tuple(self._node(rid) for rid in sorted(self._node_ids))
        wiring = [*self._property_edges(), *self._glue_edges(), *self._grant_edges()]
        return Graph(stacks=self._stacks, nodes=nodes, edges=_merge(wiring))

    def _node(self, rid: ResourceId) -> Node:
        resource = self._resources[rid]
        style = NODE_STYLES[resource["Type"]]
        title = style.title
        if style.routes:
            title = f"{title} ({self._count_routes(rid, style.routes)} routes)"
        detail = _properties(resource).get(style.detail_property or "")
        lines = [title, _display_name(rid, resource), detail if isinstance(detail, str) else ""]
        return Node(id=rid, resource_type=resource["Type"], label="\n".join(line for line in lines if line))

    def _count_routes(self, api: ResourceId, routes: RouteCount) -> int:
        return sum(
            1
            for rid, resource in self._resources.items()
            if resource["Type"] == routes.route_type
            and _properties(resource).get("HttpMethod") != _CORS_PREFLIGHT
            and api in self._resolver.references(rid.stack, _properties(resource).get(routes.api_property))
        )

    def _node_references(self, stack: str, value: Any) -> Iterator[ResourceId]:
        """The boxes ``value`` refers to, looking through glue that only forwards (PASS_THROUGH)."""
        for rid in self._resolver.references(stack, value):
            if rid in self._node_ids:
                yield rid
                continue
            forwarded = PASS_THROUGH.get(self._resources[rid]["Type"])
            if forwarded:
                yield from self._node_references(rid.stack, _properties(self._resources[rid]).get(forwarded))

    def _property_edges(self) -> Iterator[_Wire]:
        """A box's own properties: each environment variable by name, anything else by property."""
        for rid in sorted(self._node_ids):
            properties = _properties(self._resources[rid])
            for name, value in properties.items():
                is_environment = name == _ENVIRONMENT and isinstance(value, dict)
                labelled = value.get("Variables", {}) if is_environment else {name: value}
                for label, labelled_value in labelled.items():
                    for target in self._node_references(rid.stack, labelled_value):
                        yield rid, target, label

    def _glue_edges(self) -> Iterator[_Wire]:
        for rid, resource in self._resources.items():
            for rule in GLUE_RULES.get(resource["Type"], ()):
                yield from self._glue_edge(rid, _properties(resource), rule)

    def _glue_edge(self, rid: ResourceId, properties: Mapping[str, Any], rule: GlueRule) -> Iterator[_Wire]:
        label = str(properties.get(rule.label_property, "")) if rule.label_property else rule.label
        sources = set(self._node_references(rid.stack, properties.get(rule.source)))
        targets = {
            target
            for name in rule.targets
            for target in self._node_references(rid.stack, properties.get(name))
        }
        for source, target in product(sorted(sources), sorted(targets)):
            yield source, target, label

    def _grant_edges(self) -> Iterator[_Wire]:
        """Function -> resource, labelled with the access its role's policies allow on that resource."""
        for (function, target), allowed in sorted(self._granted_actions().items()):
            yield function, target, access_label(allowed)

    def _granted_actions(self) -> dict[tuple[ResourceId, ResourceId], set[str]]:
        functions_by_role = self._functions_by_role()
        actions: defaultdict[tuple[ResourceId, ResourceId], set[str]] = defaultdict(set)
        for rid, resource in self._resources.items():
            if resource["Type"] != "AWS::IAM::Policy":
                continue
            properties = _properties(resource)
            roles = self._resolver.references(rid.stack, properties.get("Roles"))
            functions = [function for role in roles for function in functions_by_role[role]]
            for statement in _as_list(properties["PolicyDocument"]["Statement"]):
                # Deny and NotAction statements narrow access; the picture shows what is granted.
                if statement.get("Effect") != "Allow" or "Action" not in statement:
                    continue
                for target, function in product(
                    self._node_references(rid.stack, statement.get("Resource")), functions
                ):
                    actions[function, target].update(_as_list(statement["Action"]))
        return actions

    def _functions_by_role(self) -> defaultdict[ResourceId, list[ResourceId]]:
        functions: defaultdict[ResourceId, list[ResourceId]] = defaultdict(list)
        for rid in sorted(self._node_ids):
            for role in self._resolver.references(rid.stack, _properties(self._resources[rid]).get("Role")):
                functions[role].append(rid)
        return functions


def _merge(wiring: Iterable[_Wire]) -> tuple[Edge, ...]:
    """One arrow per pair of boxes, one label line per use; a use repeated n times (n routes) says so."""
    counts = Counter((source, target, label) for source, target, label in wiring if source != target)
    labels: defaultdict[tuple[ResourceId, ResourceId], list[str]] = defaultdict(list)
    for (source, target, label), count in sorted(counts.items()):
        # The multiplication sign reads better in the picture than a letter x.
        labels[source, target].append(label if count == 1 else f"{label} ×{count}")  # noqa: RUF001
    return tuple(Edge(source, target, "\n".join(lines)) for (source, target), lines in sorted(labels.items()))


def _display_name(rid: ResourceId, resource: Mapping[str, Any]) -> str:
    """The construct path below the stack (``RestHandler/Function``), else the logical id without hash."""
    path = str(resource.get("Metadata", {}).get("aws:cdk:path", ""))
    parts = path.split("/")[1:]
    if parts and parts[-1] in {"Resource", "Default"}:
        parts.pop()
    return "/".join(parts) or _CDK_HASH.sub("", rid.logical_id)


def _properties(resource: Mapping[str, Any]) -> Mapping[str, Any]:
    properties: Mapping[str, Any] = resource.get("Properties", {})
    return properties


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]
