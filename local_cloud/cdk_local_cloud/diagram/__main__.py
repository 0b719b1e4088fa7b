"""``python -m cdk_local_cloud.diagram``: draw a PNG (or print DOT) from the templates in cdk.out."""

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from cdk_local_cloud.assembly import AssemblyError
from cdk_local_cloud.diagram import (
    GraphvizError,
    UnresolvedReferenceError,
    build_graph,
    stack_templates,
    to_dot,
    write_png,
)

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> None:
    """Parse the arguments, draw the diagram, and exit with a message instead of a traceback."""
    parser = argparse.ArgumentParser(prog="python -m cdk_local_cloud.diagram", description=__doc__)
    parser.add_argument("--cdk-out", type=Path, default=Path("cdk.out"), help="the synthesized app")
    parser.add_argument("--output", type=Path, default=Path("architecture.png"), help="the PNG to write")
    parser.add_argument("--dot", action="store_true", help="print the DOT text instead of drawing the PNG")
    arguments = parser.parse_args(argv)
    try:
        dot_text = to_dot(build_graph(stack_templates(arguments.cdk_out)))
        if arguments.dot:
            sys.stdout.write(dot_text)
            return
        write_png(dot_text, arguments.output)
    except (AssemblyError, UnresolvedReferenceError, GraphvizError) as error:
        sys.exit(f"error: {error}")
    print(f"Wrote {arguments.output} from {arguments.cdk_out}")


if __name__ == "__main__":
    main()
