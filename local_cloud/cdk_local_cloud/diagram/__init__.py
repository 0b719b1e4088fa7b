"""An architecture diagram of a CDK app, drawn from its synthesized templates in cdk.out.

A hand-drawn picture drifts from the stacks; this one is rebuilt from what ``cdk synth`` produced:
``python -m cdk_local_cloud.diagram`` reads the assembly with the same reader that deploys it locally
(nested assemblies of CDK Stages included), builds a graph of the resources that matter and how they
are wired, and renders it with Graphviz.
"""

from cdk_local_cloud.diagram.dot_language import to_dot
from cdk_local_cloud.diagram.graph_model import Edge, Graph, Node, build_graph, stack_templates
from cdk_local_cloud.diagram.graphviz_png import GraphvizError, write_png
from cdk_local_cloud.diagram.references import ResourceId, UnresolvedReferenceError

__all__ = [
    "Edge",
    "Graph",
    "GraphvizError",
    "Node",
    "ResourceId",
    "UnresolvedReferenceError",
    "build_graph",
    "stack_templates",
    "to_dot",
    "write_png",
]
