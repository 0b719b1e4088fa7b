"""Condition, key-condition and filter expressions, built with boto3's own expression builder.

Conditions are written with boto3's ``Attr`` and ``Key`` (re-exported here), e.g.
``Attr("status").eq("done") & Attr("assignee").exists()``. One :class:`ExpressionSet` serves one request,
so placeholders stay unique across its key condition, filter and condition expression.
"""

from collections.abc import Mapping, Sequence
from functools import reduce
from operator import and_
from typing import Any

from boto3.dynamodb.conditions import Attr, ConditionBase, ConditionExpressionBuilder, Key

from dynamo_odm.serialization import to_attribute_value

__all__ = ["Attr", "ConditionBase", "ExpressionSet", "Key", "all_of"]


def all_of(*conditions: ConditionBase | None) -> ConditionBase | None:
    """AND together the given conditions, skipping None; None when there is nothing to check."""
    present = [condition for condition in conditions if condition is not None]
    return reduce(and_, present) if present else None


class ExpressionSet:
    """Collects the expressions of one request and the placeholder maps they share."""

    def __init__(self) -> None:
        self._builder = ConditionExpressionBuilder()
        self._names: dict[str, str] = {}
        self._values: dict[str, dict[str, Any]] = {}

    def condition(self, condition: ConditionBase, *, is_key_condition: bool = False) -> str:
        """Add a condition and return its expression text, with placeholders for names and values."""
        built = self._builder.build_expression(condition, is_key_condition=is_key_condition)
        self._names.update(built.attribute_name_placeholders)
        self._values.update(
            {
                placeholder: to_attribute_value(value)
                for placeholder, value in built.attribute_value_placeholders.items()
            }
        )
        return built.condition_expression

    def assignments(self, values: Mapping[str, dict[str, Any]], removed: Sequence[str] = ()) -> str:
        """An UpdateExpression that sets each attribute to its (serialized) value and removes ``removed``."""
        names = [f"#s{index}" for index in range(len(values))]
        self._names.update(zip(names, values, strict=True))
        self._values.update({f":s{index}": value for index, value in enumerate(values.values())})
        expression = "SET " + ", ".join(f"{name} = :s{index}" for index, name in enumerate(names))
        if not removed:
            return expression
        dropped = [f"#r{index}" for index in range(len(removed))]
        self._names.update(zip(dropped, removed, strict=True))
        return f"{expression} REMOVE {', '.join(dropped)}"

    def projection(self, attributes: tuple[str, ...]) -> str:
        """A ProjectionExpression for ``attributes``; placeholders avoid clashes with reserved words."""
        placeholders = [f"#p{index}" for index in range(len(attributes))]
        self._names.update(zip(placeholders, attributes, strict=True))
        return ", ".join(placeholders)

    def parameters(self) -> dict[str, Any]:
        """ExpressionAttributeNames/Values for the request; omitted when empty, as DynamoDB requires."""
        parameters: dict[str, Any] = {}
        if self._names:
            parameters["ExpressionAttributeNames"] = dict(self._names)
        if self._values:
            parameters["ExpressionAttributeValues"] = dict(self._values)
        return parameters
