"""Conversion between models and DynamoDB's low-level attribute values.

Models are dumped in pydantic's JSON mode, so what is stored matches what the API returns: datetimes as
ISO-8601 strings, enums as their values. Floats become Decimals because DynamoDB numbers are decimal.
The TTL field is stored once, as the epoch seconds DynamoDB's TTL process reads.
"""

from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from enum import Enum
from typing import Any, TypeVar

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from pydantic_core import to_jsonable_python

from dynamo_odm.keys import TableSchema
from dynamo_odm.model import Model

__all__ = ["RawItem", "dump_item", "load_item", "load_values", "to_attribute_value", "to_dynamo_value"]

M = TypeVar("M", bound=Model)

RawItem = dict[str, dict[str, Any]]

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()
_NATIVE = (str, bool, int, Decimal, bytes, bytearray)


def to_dynamo_value(value: Any) -> Any:
    """Turn a Python value into one boto3's TypeSerializer accepts (Decimal for floats, values for enums)."""
    if isinstance(value, Enum):
        value = value.value
    if value is None or isinstance(value, _NATIVE):
        return value
    if isinstance(value, float):
        return Decimal(str(value))
    if isinstance(value, Mapping):
        return {str(key): to_dynamo_value(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        converted = [to_dynamo_value(item) for item in value]
        return set(converted) if isinstance(value, set | frozenset) else converted
    return to_dynamo_value(to_jsonable_python(value))


def to_attribute_value(value: Any) -> dict[str, Any]:
    return _serializer.serialize(to_dynamo_value(value))


def dump_item(model: Model, schema: TableSchema) -> RawItem:
    """The full item for ``model``: its fields, its rendered key attributes and, if it has one, its TTL."""
    layout = type(model).item_layout()
    values = model.model_dump(mode="json")
    if layout.ttl_field is not None:
        values.pop(layout.ttl_field)
        expires_at = getattr(model, layout.ttl_field)
        if expires_at is not None:
            values[_ttl_attribute(schema, layout.model_name)] = _epoch_seconds(expires_at)
    values.update(layout.render_keys(dict(model)))
    return {name: to_attribute_value(value) for name, value in values.items()}


def load_item(model_cls: type[M], raw: RawItem, schema: TableSchema) -> M:
    """Validate a stored item into ``model_cls`` and run its ``after_load`` hook."""
    return load_values(
        model_cls, {name: _deserializer.deserialize(value) for name, value in raw.items()}, schema
    )


def load_values(model_cls: type[M], item: Mapping[str, Any], schema: TableSchema) -> M:
    """Like :func:`load_item`, for an item already deserialized (a DynamoDB stream image, for one)."""
    layout = model_cls.item_layout()
    values = dict(item)
    for attribute in layout.keys:
        values.pop(attribute, None)
    if layout.ttl_field is not None:
        epoch = values.pop(_ttl_attribute(schema, layout.model_name), None)
        values[layout.ttl_field] = None if epoch is None else datetime.fromtimestamp(int(epoch), UTC)
    model = model_cls.model_validate(values)
    model.after_load()
    return model


def _ttl_attribute(schema: TableSchema, model_name: str) -> str:
    if schema.ttl_attribute is None:
        raise TypeError(f"{model_name} has a ttl_field but the table schema sets no ttl_attribute.")
    return schema.ttl_attribute


def _epoch_seconds(moment: datetime) -> int:
    if moment.tzinfo is None:
        raise ValueError("A TTL must be a timezone-aware datetime; naive times are ambiguous. Use UTC.")
    return int(moment.timestamp())
