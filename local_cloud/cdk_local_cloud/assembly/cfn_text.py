"""How CloudFormation turns a resolved value into text wherever a string is expected."""

import json
from collections.abc import Mapping
from typing import Any

__all__ = ["as_text"]


def as_text(value: Any) -> str:
    """Booleans as "true"/"false", lists comma-joined (as in outputs), objects as JSON (as SQS policies)."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, list):
        return ",".join(as_text(item) for item in value)
    if isinstance(value, Mapping):
        return json.dumps(value)
    return str(value)
