"""Lambda event filtering: the pattern grammar of an event source mapping's ``FilterCriteria``.

Lambda drops every record that matches none of a mapping's filters before it batches them, so locally a
function must see exactly the records that it would see in AWS. A pattern that Lambda would refuse at
deploy time is refused here too, with the reason, instead of silently matching nothing.
"""

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = ["EventPattern", "EventPatternError", "RecordFilter"]


class EventPatternError(ValueError):
    """A filter pattern that Lambda would refuse to deploy."""


class _Missing:
    """Stands for a key that the record does not hold, which only ``exists: false`` matches."""


_MISSING = _Missing()
# A test of one leaf value of the record (a scalar, or _MISSING).
_ValueTest = Callable[[Any], bool]
# A test of one level of the record (a mapping, or anything else when the pattern expects nesting).
_ObjectTest = Callable[[Any], bool]

_NUMERIC_COMPARISONS: Mapping[str, Callable[[float, float], bool]] = {
    "<": lambda value, bound: value < bound,
    "<=": lambda value, bound: value <= bound,
    "=": lambda value, bound: value == bound,
    ">": lambda value, bound: value > bound,
    ">=": lambda value, bound: value >= bound,
}


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _same_literal(expected: Any, value: Any) -> bool:
    """Equality as the pattern language means it: ``1`` is not ``true`` and ``"1"`` is not ``1``."""
    if isinstance(expected, bool) or isinstance(value, bool):
        return isinstance(expected, bool) and isinstance(value, bool) and expected == value
    if _is_number(expected):
        return _is_number(value) and float(expected) == float(value)
    return type(expected) is type(value) and expected == value


def _require_string(operator: str, operand: Any) -> str:
    if not isinstance(operand, str):
        raise EventPatternError(f"'{operator}' takes a string, not {json.dumps(operand)}: quote the value.")
    return operand


def _string_test(predicate: Callable[[str], bool]) -> _ValueTest:
    return lambda value: isinstance(value, str) and predicate(value)


def _prefix_test(operand: Any) -> _ValueTest:
    prefix = _require_string("prefix", operand)
    return _string_test(lambda value: value.startswith(prefix))


def _suffix_test(operand: Any) -> _ValueTest:
    suffix = _require_string("suffix", operand)
    return _string_test(lambda value: value.endswith(suffix))


def _equals_ignore_case_test(operand: Any) -> _ValueTest:
    expected = _require_string("equals-ignore-case", operand).casefold()
    return _string_test(lambda value: value.casefold() == expected)


def _exists_test(operand: Any) -> _ValueTest:
    if not isinstance(operand, bool):
        raise EventPatternError(f"'exists' takes true or false, not {json.dumps(operand)}.")
    return lambda value: (value is not _MISSING) == operand


def _numeric_test(operand: Any) -> _ValueTest:
    pairs_valid = isinstance(operand, list) and len(operand) in (2, 4)
    if not pairs_valid:
        raise EventPatternError(
            f"'numeric' takes [op, number] or [op, number, op, number], not {json.dumps(operand)}."
        )
    comparisons = list(zip(operand[0::2], operand[1::2], strict=True))
    for operator, bound in comparisons:
        if operator not in _NUMERIC_COMPARISONS or not _is_number(bound):
            raise EventPatternError(
                f"'numeric' compares with one of {sorted(_NUMERIC_COMPARISONS)} and a number, "
                f"not {json.dumps([operator, bound])}."
            )
    return lambda value: (
        _is_number(value)
        and all(_NUMERIC_COMPARISONS[operator](float(value), float(bound)) for operator, bound in comparisons)
    )


def _anything_but_test(operand: Any) -> _ValueTest:
    if isinstance(operand, Mapping):
        excluded = _operator_test(operand, allowed=("prefix", "suffix"))
    else:
        excluded_values = operand if isinstance(operand, list) else [operand]
        excluded = _any_of([_literal_test(excluded_value) for excluded_value in excluded_values])
    # Like every test but 'exists', 'anything-but' needs the key to be there.
    return lambda value: value is not _MISSING and not excluded(value)


_OPERATORS: Mapping[str, Callable[[Any], _ValueTest]] = {
    "prefix": _prefix_test,
    "suffix": _suffix_test,
    "equals-ignore-case": _equals_ignore_case_test,
    "anything-but": _anything_but_test,
    "numeric": _numeric_test,
    "exists": _exists_test,
}


def _any_of(tests: Sequence[_ValueTest]) -> _ValueTest:
    return lambda value: any(test(value) for test in tests)


def _literal_test(expected: Any) -> _ValueTest:
    if not (expected is None or isinstance(expected, str | bool) or _is_number(expected)):
        raise EventPatternError(
            f"A filter value must be a string, number, boolean or null, not {json.dumps(expected)}."
        )
    return lambda value: value is not _MISSING and _same_literal(expected, value)


def _operator_test(rule: Mapping[str, Any], allowed: Sequence[str] = tuple(_OPERATORS)) -> _ValueTest:
    if len(rule) != 1 or next(iter(rule)) not in allowed:
        raise EventPatternError(
            f"Unsupported filter rule {json.dumps(rule)}: use one of {', '.join(allowed)} (one per object)."
        )
    ((operator, operand),) = rule.items()
    return _OPERATORS[operator](operand)


def _leaf_test(rules: list[Any]) -> _ValueTest:
    """The rules of one key are alternatives; a record value that is an array matches if any element does."""
    tests = [_operator_test(rule) if isinstance(rule, Mapping) else _literal_test(rule) for rule in rules]
    match_one = _any_of(tests)

    def matches(value: Any) -> bool:
        if isinstance(value, list):
            return any(match_one(element) for element in value)
        return match_one(value)

    return matches


def _field_test(key: str, rule: Any) -> _ObjectTest:
    if isinstance(rule, list):
        leaf = _leaf_test(rule)
        return lambda record: leaf(record.get(key, _MISSING) if isinstance(record, Mapping) else _MISSING)
    if isinstance(rule, Mapping):
        nested = _object_test(rule)
        return lambda record: nested(record.get(key) if isinstance(record, Mapping) else None)
    raise EventPatternError(
        f"The filter for {key!r} is {json.dumps(rule)}: give an array of values or rules, or a nested object."
    )


def _or_test(alternatives: Any) -> _ObjectTest:
    if not isinstance(alternatives, list) or len(alternatives) < 2:
        raise EventPatternError("'$or' takes an array of at least two patterns.")
    tests = [_object_test(alternative) for alternative in alternatives]
    return lambda record: any(test(record) for test in tests)


def _object_test(pattern: Any) -> _ObjectTest:
    if not isinstance(pattern, Mapping) or not pattern:
        raise EventPatternError(
            f"A filter pattern level must be a non-empty object, not {json.dumps(pattern)}."
        )
    tests = [_or_test(rule) if key == "$or" else _field_test(key, rule) for key, rule in pattern.items()]

    def matches(record: Any) -> bool:
        # A nested pattern under a record array matches if one element of the array matches it.
        if isinstance(record, list):
            return any(matches(element) for element in record)
        return all(test(record) for test in tests)

    return matches


@dataclass(frozen=True)
class EventPattern:
    """One compiled ``Filters[].Pattern``: exact values, prefix, suffix, equals-ignore-case, anything-but,
    numeric ranges, exists, nested keys and ``$or``; the values listed for a key are alternatives."""

    source: str
    _test: _ObjectTest = field(repr=False, compare=False)

    @classmethod
    def parse(cls, source: str) -> "EventPattern":
        try:
            pattern = json.loads(source)
        except json.JSONDecodeError as error:
            raise EventPatternError(f"The filter pattern {source!r} is not JSON: {error}.") from None
        return cls(source, _object_test(pattern))

    def matches(self, record: Mapping[str, Any]) -> bool:
        return self._test(record)


@dataclass(frozen=True)
class RecordFilter:
    """A mapping's ``FilterCriteria``: a record passes if any pattern matches it, or if there is none."""

    patterns: tuple[EventPattern, ...] = ()

    @classmethod
    def from_criteria(cls, criteria: Mapping[str, Any] | None) -> "RecordFilter":
        filters = (criteria or {}).get("Filters") or []
        return cls(tuple(EventPattern.parse(entry.get("Pattern", "")) for entry in filters))

    @classmethod
    def of_mapping(cls, properties: Mapping[str, Any], label: str) -> "RecordFilter":
        """An event source mapping's ``FilterCriteria``; a bad pattern names the mapping and the fix."""
        try:
            return cls.from_criteria(properties.get("FilterCriteria"))
        except EventPatternError as error:
            raise EventPatternError(
                f"Event source mapping {label}: {error} "
                "Fix its FilterCriteria in the app and synthesize again."
            ) from None

    def accepts(self, record: Mapping[str, Any]) -> bool:
        return not self.patterns or any(pattern.matches(record) for pattern in self.patterns)
