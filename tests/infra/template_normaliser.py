"""Make a synthesized template stable for snapshots: only a change to the infrastructure shows as a diff.

Asset hashes change with every edit of handler code, and so does the hash in the logical ID of each
function's published version; CDK's metadata resource changes with every CDK release. None of them is an
infrastructure change, so all are replaced by placeholders.
"""

import re
from typing import Any

__all__ = ["ASSET_HASH_PLACEHOLDER", "VERSION_HASH_PLACEHOLDER", "normalise_template"]

ASSET_HASH_PLACEHOLDER = "<asset-hash>"
VERSION_HASH_PLACEHOLDER = "<version-hash>"
_ASSET_HASH = re.compile(r"\b[0-9a-f]{64}\b")
# `Function.current_version`'s logical ID: the construct's own id, then a hash of the code and settings.
_VERSION_HASH = re.compile(r"(CurrentVersion[0-9A-F]{8})[0-9a-f]{32}\b")
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
        return _VERSION_HASH.sub(
            rf"\1{VERSION_HASH_PLACEHOLDER}", _ASSET_HASH.sub(ASSET_HASH_PLACEHOLDER, value)
        )
    if isinstance(value, dict):
        return {_replace_hashes(key): _replace_hashes(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_replace_hashes(item) for item in value]
    return value
