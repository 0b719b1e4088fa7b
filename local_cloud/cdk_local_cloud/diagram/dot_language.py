"""Write an architecture graph as Graphviz DOT text: one cluster per stack, left to right by tier.

APIs sit in the leftmost rank and state (tables, queues, secrets...) in the rightmost, with the
functions between them; arrows that point back (a function calling its API, a stream feeding a
function) don't move boxes, so the tiers stay in columns. DOT text is the whole interface to
Graphviz, so the drawing needs no Python binding, and the text is what a test can compare.
"""

from collections.abc import Mapping

from cdk_local_cloud.diagram.graph_model import Edge, Graph, Node
from cdk_local_cloud.diagram.references import ResourceId
from cdk_local_cloud.diagram.resource_catalog import Tier

__all__ = ["to_dot"]

_FONT = "Helvetica"
_HEADER = (
    f'  graph [rankdir=LR, fontname="{_FONT}", fontsize=12, nodesep=0.35, ranksep=1.2, newrank=true];',
    f'  node [fontname="{_FONT}", fontsize=10, style="filled,rounded", color="#4d4d4d", penwidth=1.2];',
    f'  edge [fontname="{_FONT}", fontsize=9, color="#4d4d4d", fontcolor="#333333", arrowsize=0.7];',
)
_TIER_RANKS = {Tier.ENTRY: "min", Tier.STATE: "max"}


def to_dot(graph: Graph, name: str = "architecture") -> str:
    """Return the DOT source of ``graph``; the same graph always gives the same text."""
    lines = [f"digraph {_quote(name)} {{", *_HEADER]
    for stack in graph.stacks:
        lines.append(f"  subgraph {_quote('cluster_' + stack)} {{")
        lines.append(f'    label={_quote(stack)}; style="rounded,dashed"; color="#888888"; fontsize=13;')
        lines.extend(f"    {_node_statement(node)}" for node in graph.nodes_in(stack))
        lines.append("  }")
    for tier, rank in _TIER_RANKS.items():
        members = [_quote(str(node.id)) for node in graph.nodes if node.style.tier == tier]
        if members:
            lines.append(f"  {{ rank={rank}; {'; '.join(members)}; }}")
    tiers = {node.id: node.style.tier for node in graph.nodes}
    lines.extend(f"  {_edge_statement(edge, tiers)}" for edge in graph.edges)
    lines.append("}")
    return "\n".join(lines) + "\n"


def _node_statement(node: Node) -> str:
    style = node.style
    return (
        f"{_quote(str(node.id))} "
        f"[label={_quote(node.label)}, shape={style.shape}, fillcolor={_quote(style.fill)}];"
    )


def _edge_statement(edge: Edge, tiers: Mapping[ResourceId, Tier]) -> str:
    backwards = ", constraint=false" if tiers[edge.source] > tiers[edge.target] else ""
    ends = f"{_quote(str(edge.source))} -> {_quote(str(edge.target))}"
    return f"{ends} [label={_quote(edge.label)}{backwards}];"


def _quote(text: str) -> str:
    """A DOT double-quoted string; newlines become centred line breaks."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'
