"""The architecture diagram (docs/architecture.png), drawn from the synthesized templates in cdk.out.

A hand-drawn picture drifts from the stacks; this one is rebuilt from what ``cdk synth`` produced:
``python -m docs.diagram`` (``make docs``) loads the templates, builds a graph of the resources that
matter and how they are wired, and renders it with Graphviz.
"""

from docs.diagram.cloud_assembly import CloudAssemblyNotFoundError, load_stack_templates
from docs.diagram.dot_language import to_dot
from docs.diagram.graph_model import Edge, Graph, Node, build_graph
from docs.diagram.graphviz_png import GraphvizError, write_png
from docs.diagram.references import ResourceId, UnresolvedReferenceError

__all__ = [
    "CloudAssemblyNotFoundError",
    "Edge",
    "Graph",
    "GraphvizError",
    "Node",
    "ResourceId",
    "UnresolvedReferenceError",
    "build_graph",
    "load_stack_templates",
    "to_dot",
    "write_png",
]
