"""Turns a template's properties into the arguments of the AWS API call that creates the resource.

CloudFormation mostly uses the API's own names. The API's input shape (from botocore) decides which
properties to pass, so template-only properties drop out, and CloudFormation's lenient scalars ("5",
"true") become the types the API wants.
"""

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from botocore import xform_name
from botocore.model import Shape

__all__ = ["api_arguments", "call_api", "is_true", "renamed", "tag_list", "tag_mapping"]

# A template value that cannot take the API member's shape; it is left out of the call.
_MISMATCH = object()


def api_arguments(client: Any, operation: str, values: Mapping[str, Any]) -> dict[str, Any]:
    """The members of ``values`` that ``operation``'s input takes (recursively), coerced to its types.

    A value whose shape differs from the API member of the same name is left out, not sent to fail.
    """
    shape = client.meta.service_model.operation_model(operation).input_shape
    return _fit(shape, values)


def call_api(client: Any, operation: str, values: Mapping[str, Any]) -> Any:
    """Calls ``operation`` (e.g. "PutBucketCors") with the members of ``values`` that it takes."""
    return getattr(client, xform_name(operation))(**api_arguments(client, operation, values))


def renamed(values: Mapping[str, Any], names: Mapping[str, str]) -> dict[str, Any]:
    """``values`` with the keys in ``names`` renamed: where CloudFormation and the API differ."""
    return {names.get(key, key): value for key, value in values.items()}


def is_true(value: Any) -> bool:
    """A CloudFormation boolean, which templates may also write as the string "true"."""
    return value is True or str(value).lower() == "true"


def tag_mapping(tags: Any) -> dict[str, str]:
    """CloudFormation's ``[{"Key": k, "Value": v}]`` tags (or an already flat mapping) as a flat mapping."""
    if isinstance(tags, Mapping):
        return {str(key): str(value) for key, value in tags.items()}
    return {str(tag["Key"]): str(tag["Value"]) for tag in tags or ()}


def tag_list(tags: Any) -> list[dict[str, str]]:
    """Tags in either template form as the API's ``[{"Key": k, "Value": v}]`` list."""
    return [{"Key": key, "Value": value} for key, value in tag_mapping(tags).items()]


def _fit(shape: Shape, value: Any) -> Any:
    container = _CONTAINERS.get(shape.type_name)
    if container is not None:
        container_type, fit = container
        return fit(shape, value) if isinstance(value, container_type) else _MISMATCH
    if isinstance(value, Mapping | list):
        # Same name, other shape: DynamoDB's ResourcePolicy is an object in templates, a string in the API.
        return _MISMATCH
    return _scalar(shape.type_name, value) if isinstance(value, str) else value


def _fit_structure(shape: Any, value: Mapping[str, Any]) -> dict[str, Any]:
    return _without_mismatches(
        (key, _fit(shape.members[key], item)) for key, item in value.items() if key in shape.members
    )


def _fit_map(shape: Any, value: Mapping[str, Any]) -> dict[str, Any]:
    return _without_mismatches((key, _fit(shape.value, item)) for key, item in value.items())


def _fit_list(shape: Any, value: list[Any]) -> list[Any]:
    return [item for item in (_fit(shape.member, item) for item in value) if item is not _MISMATCH]


def _without_mismatches(items: Iterable[tuple[str, Any]]) -> dict[str, Any]:
    return {key: item for key, item in items if item is not _MISMATCH}


_CONTAINERS: Mapping[str, tuple[type, Callable[[Any, Any], Any]]] = {
    "structure": (Mapping, _fit_structure),
    "map": (Mapping, _fit_map),
    "list": (list, _fit_list),
}


def _scalar(kind: str, text: str) -> Any:
    if kind in ("integer", "long") and text.lstrip("-").isdigit():
        return int(text)
    if kind == "boolean" and text.lower() in ("true", "false"):
        return text.lower() == "true"
    if kind in ("float", "double"):
        try:
            return float(text)
        except ValueError:
            return text
    return text
