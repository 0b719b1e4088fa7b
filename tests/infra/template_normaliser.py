"""Make a synthesized template stable for snapshots: only a change to the infrastructure shows as a diff.

Asset hashes change with every edit of handler code and CDK's metadata resource changes with every CDK
release; neither is an infrastructure change, so both are replaced by placeholders.
"""

import re
from typing import Any

__all__ = ["ASSET_HASH_PLACEHOLDER", "normalise_template"]

ASSET_HASH_PLACEHOLDER = "<asset-hash>"
_ASSET_HASH = re.compile(r"\b[0-9a-f]{64}\b")
_CDK_METADATA = "AWS::CDK::Metadata"
_CDK_METADATA_CONDITION = "CDKMetadataAvailable"


def normalise_template(template: dict[str, Any]) -> dict[str, Any]:
    """Return a copy of `template` without asset hashes or CDK's own metadata."""
    resources = {
        logical_id: resource
        for logical_id, resource in template.get("Resources", {}).items()
        if resource.get("Type") != _CDK_METADATA
    }
    conditions = {
        name: condition
        for name, condition in template.get("Conditions", {}).items()
        if name != _CDK_METADATA_CONDITION
    }
    stripped = {**template, "Resources": resources}
    if conditions:
        stripped["Conditions"] = conditions
    else:
        stripped.pop("Conditions", None)
    return _replace_hashes(stripped)


def _replace_hashes(value: Any) -> Any:
    if isinstance(value, str):
        return _ASSET_HASH.sub(ASSET_HASH_PLACEHOLDER, value)
    if isinstance(value, dict):
        return {_replace_hashes(key): _replace_hashes(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_replace_hashes(item) for item in value]
    return value
