"""Lambda's event filter pattern grammar, case by case, on DynamoDB stream records."""

import json
from typing import Any

import pytest

from cdk_local_cloud.events import EventPattern, EventPatternError, RecordFilter

RECORD: dict[str, Any] = {
    "eventName": "MODIFY",
    "eventSource": "aws:dynamodb",
    "dynamodb": {
        "Keys": {"pk": {"S": "BOARD#1"}, "sk": {"S": "TASK#01H"}},
        "NewImage": {
            "pk": {"S": "BOARD#1"},
            "sk": {"S": "TASK#01H"},
            "title": {"S": "Write the Tests"},
            "done": {"BOOL": True},
            "empty": {"S": ""},
            "tags": {"SS": ["red", "blue"]},
        },
        "SizeBytes": 120,
        "Weight": 7.5,
        "Owner": None,
        "Lines": [{"name": "a", "qty": 1}, {"name": "b", "qty": 5}],
    },
}


def image(**rules: Any) -> dict[str, Any]:
    return {"dynamodb": {"NewImage": rules}}


MATCHING_CASES = [
    ("exact string", {"eventName": ["MODIFY"]}, True),
    ("exact string, other value", {"eventName": ["INSERT"]}, False),
    ("values are alternatives", {"eventName": ["INSERT", "MODIFY"]}, True),
    ("nested keys", {"dynamodb": {"Keys": {"sk": {"S": ["TASK#01H"]}}}}, True),
    ("fields are all required", {"eventName": ["MODIFY"], "eventSource": ["aws:kinesis"]}, False),
    ("prefix", image(sk={"S": [{"prefix": "TASK#"}]}), True),
    ("prefix, no match", image(sk={"S": [{"prefix": "META"}]}), False),
    ("prefix is case-sensitive", image(sk={"S": [{"prefix": "task#"}]}), False),
    ("suffix", image(title={"S": [{"suffix": "Tests"}]}), True),
    ("suffix, no match", image(title={"S": [{"suffix": "tests"}]}), False),
    ("equals-ignore-case", image(title={"S": [{"equals-ignore-case": "write the tests"}]}), True),
    ("anything-but a value", {"eventName": [{"anything-but": "REMOVE"}]}, True),
    ("anything-but a list", {"eventName": [{"anything-but": ["MODIFY", "REMOVE"]}]}, False),
    ("anything-but a prefix", image(sk={"S": [{"anything-but": {"prefix": "TASK#"}}]}), False),
    ("anything-but a suffix", image(sk={"S": [{"anything-but": {"suffix": "#X"}}]}), True),
    ("anything-but needs the key", {"eventID": [{"anything-but": "x"}]}, False),
    ("numeric range", {"dynamodb": {"SizeBytes": [{"numeric": [">", 100, "<=", 120]}]}}, True),
    ("numeric range, outside", {"dynamodb": {"SizeBytes": [{"numeric": [">", 120]}]}}, False),
    ("numeric equals a float", {"dynamodb": {"Weight": [{"numeric": ["=", 7.5]}]}}, True),
    ("numeric ignores strings", image(title={"S": [{"numeric": [">", 0]}]}), False),
    ("number literal", {"dynamodb": {"SizeBytes": [120]}}, True),
    ("a number is not its string", {"dynamodb": {"SizeBytes": ["120"]}}, False),
    ("boolean", image(done={"BOOL": [True]}), True),
    ("true is not 1", image(done={"BOOL": [1]}), False),
    ("null", {"dynamodb": {"Owner": [None]}}, True),
    ("empty string", image(empty={"S": [""]}), True),
    ("exists", image(title=[{"exists": True}]), True),
    ("exists, absent", image(due=[{"exists": True}]), False),
    ("does not exist", image(due=[{"exists": False}]), True),
    ("does not exist, under a missing parent", {"dynamodb": {"OldImage": {"sk": [{"exists": False}]}}}, True),
    ("a missing parent fails a value rule", {"dynamodb": {"OldImage": {"sk": {"S": ["x"]}}}}, False),
    ("an array value matches if any element does", image(tags={"SS": ["blue"]}), True),
    ("an array value, no element", image(tags={"SS": ["green"]}), False),
    ("nested rule in an array of objects", {"dynamodb": {"Lines": {"qty": [{"numeric": [">", 3]}]}}}, True),
    ("$or of fields", {"$or": [{"eventName": ["INSERT"]}, image(done={"BOOL": [True]})]}, True),
    ("$or, neither", {"$or": [{"eventName": ["INSERT"]}, image(done={"BOOL": [False]})]}, False),
]


@pytest.mark.parametrize(
    ("pattern", "expected"), [case[1:] for case in MATCHING_CASES], ids=[c[0] for c in MATCHING_CASES]
)
def test_pattern_grammar(pattern: dict[str, Any], expected: bool) -> None:
    assert EventPattern.parse(json.dumps(pattern)).matches(RECORD) is expected


INVALID_PATTERNS = [
    ("not JSON", "{dynamodb"),
    ("not an object", '["MODIFY"]'),
    ("empty object", "{}"),
    ("a bare value instead of an array", '{"eventName": "MODIFY"}'),
    ("unknown operator", '{"eventName": [{"wildcard": "MOD*"}]}'),
    ("two operators in one rule", '{"eventName": [{"prefix": "M", "suffix": "Y"}]}'),
    ("prefix of a number", '{"eventName": [{"prefix": 1}]}'),
    ("numeric with a bad operator", '{"n": [{"numeric": ["!=", 1]}]}'),
    ("numeric with an odd length", '{"n": [{"numeric": [">", 1, "<"]}]}'),
    ("exists with a string", '{"n": [{"exists": "yes"}]}'),
    ("an object that is not a rule", '{"n": [{"S": "x"}]}'),
    ("$or with one branch", '{"$or": [{"a": ["b"]}]}'),
]


@pytest.mark.parametrize(
    "source", [case[1] for case in INVALID_PATTERNS], ids=[case[0] for case in INVALID_PATTERNS]
)
def test_patterns_that_lambda_refuses_are_refused(source: str) -> None:
    with pytest.raises(EventPatternError):
        EventPattern.parse(source)


def test_filter_criteria_pass_a_record_that_any_filter_matches() -> None:
    criteria = {
        "Filters": [
            {"Pattern": json.dumps({"eventName": ["INSERT"]})},
            {"Pattern": json.dumps(image(sk={"S": [{"prefix": "TASK#"}]}))},
        ]
    }
    record_filter = RecordFilter.from_criteria(criteria)

    assert record_filter.accepts(RECORD)
    assert not record_filter.accepts({**RECORD, "dynamodb": {"NewImage": {"sk": {"S": "META"}}}})


def test_no_filter_criteria_pass_every_record() -> None:
    assert RecordFilter.from_criteria(None).accepts({"anything": 1})


def test_a_mapping_s_bad_pattern_names_the_mapping_and_the_fix() -> None:
    properties = {"FilterCriteria": {"Filters": [{"Pattern": "{not json"}]}}

    with pytest.raises(EventPatternError, match=r"^Event source mapping Shop/Orders: .*Fix its FilterCri"):
        RecordFilter.of_mapping(properties, "Shop/Orders")


def test_a_mapping_without_filter_criteria_accepts_every_record() -> None:
    assert RecordFilter.of_mapping({}, "Shop/Orders").accepts({"eventName": "INSERT"})
