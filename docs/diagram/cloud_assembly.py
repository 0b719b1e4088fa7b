"""Load the CloudFormation templates of the stacks in a cloud assembly (``cdk.out``).

The manifest, not a glob of ``*.template.json``, says which stacks the last synthesis produced, so
templates left over from an earlier synthesis (another environment) never leak into the picture.
"""

import json
from pathlib import Path

from docs.diagram.references import Template

__all__ = ["CloudAssemblyNotFoundError", "load_stack_templates"]

_MANIFEST = "manifest.json"
_STACK_ARTIFACT = "aws:cloudformation:stack"


class CloudAssemblyNotFoundError(FileNotFoundError):
    """Raised when the directory holds no synthesized app."""

    def __init__(self, directory: Path) -> None:
        super().__init__(
            f"{directory / _MANIFEST} does not exist; run `make synth` first so that {directory} holds "
            "the synthesized stacks."
        )


def load_stack_templates(cdk_out: Path) -> dict[str, Template]:
    """Return each stack's template, keyed by the stack name that cross-stack references use."""
    manifest_path = cdk_out / _MANIFEST
    if not manifest_path.is_file():
        raise CloudAssemblyNotFoundError(cdk_out)
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    templates: dict[str, Template] = {}
    for artifact_id, artifact in manifest.get("artifacts", {}).items():
        if artifact.get("type") != _STACK_ARTIFACT:
            continue
        properties = artifact["properties"]
        template_path = cdk_out / properties["templateFile"]
        templates[properties.get("stackName", artifact_id)] = json.loads(
            template_path.read_text(encoding="utf-8")
        )
    return templates
