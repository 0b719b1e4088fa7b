"""The local cloud's identity-policy evaluation: wildcards, Not* elements, Deny precedence, conditions."""

import logging
from typing import Any

import pytest
from fakes import records_of

from cdk_local_cloud.iam import evaluate
from cdk_local_cloud.iam.wildcard_patterns import matches, may_overlap

TABLE = "arn:aws:dynamodb:us-east-1:123456789012:table/Main"
OBJECT = "arn:aws:s3:::uploads/attachments/b1/t1/a1"


def allow(action: Any, resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(action: Any, resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


@pytest.mark.parametrize(
    ("statements", "action", "resource", "allowed"),
    [
        pytest.param([allow("dynamodb:PutItem", TABLE)], "dynamodb:PutItem", TABLE, True, id="exact"),
        pytest.param([allow("dynamodb:PutItem", TABLE)], "dynamodb:GetItem", TABLE, False, id="other-action"),
        pytest.param(
            [allow("dynamodb:PutItem", TABLE)], "dynamodb:PutItem", f"{TABLE}-2", False, id="other-table"
        ),
        pytest.param([allow("DynamoDB:putitem", TABLE)], "dynamodb:PutItem", TABLE, True, id="action-case"),
        pytest.param(
            [allow("dynamodb:PutItem", TABLE.lower())], "dynamodb:PutItem", TABLE, False, id="resource-case"
        ),
        pytest.param([allow("dynamodb:*", TABLE)], "dynamodb:Query", TABLE, True, id="action-star"),
        pytest.param([allow("dynamodb:Get*", TABLE)], "dynamodb:GetItem", TABLE, True, id="action-prefix"),
        pytest.param([allow("dynamodb:Get*", TABLE)], "dynamodb:PutItem", TABLE, False, id="prefix-miss"),
        pytest.param([allow("s3:?etObject", OBJECT)], "s3:GetObject", OBJECT, True, id="action-question"),
        pytest.param([allow("*")], "sqs:SendMessage", "arn:aws:sqs:us-east-1:1:q", True, id="admin"),
        pytest.param(
            [allow("dynamodb:Query", f"{TABLE}/index/*")],
            "dynamodb:Query",
            f"{TABLE}/index/gsi1",
            True,
            id="index-star",
        ),
        pytest.param(
            [allow("dynamodb:Query", TABLE)],
            "dynamodb:Query",
            f"{TABLE}/index/gsi1",
            False,
            id="table-not-index",
        ),
        pytest.param(
            [allow("s3:GetObject", "arn:aws:s3:::uploads/*")],
            "s3:GetObject",
            OBJECT,
            True,
            id="star-spans-slash",
        ),
        pytest.param(
            [allow("s3:GetObject", "arn:aws:s3:::uploads/attachments/b?/*")],
            "s3:GetObject",
            OBJECT,
            True,
            id="resource-question",
        ),
        pytest.param(
            [allow("s3:GetObject", "arn:aws:s3:::uploads/[ab]/*")],
            "s3:GetObject",
            "arn:aws:s3:::uploads/[ab]/x",
            True,
            id="brackets-literal",
        ),
        pytest.param(
            [allow("s3:GetObject", "arn:aws:s3:::uploads/[ab]/*")],
            "s3:GetObject",
            "arn:aws:s3:::uploads/a/x",
            False,
            id="brackets-no-class",
        ),
        pytest.param(
            [allow(["sqs:SendMessage", "dynamodb:GetItem"], ["arn:aws:sqs:*", TABLE])],
            "dynamodb:GetItem",
            TABLE,
            True,
            id="lists",
        ),
        pytest.param([], "dynamodb:GetItem", TABLE, False, id="implicit-deny"),
        pytest.param(
            [allow("*", "*"), deny("dynamodb:DeleteItem", TABLE)],
            "dynamodb:DeleteItem",
            TABLE,
            False,
            id="deny-wins",
        ),
        pytest.param(
            [deny("dynamodb:DeleteItem", TABLE), allow("*", "*")],
            "dynamodb:PutItem",
            TABLE,
            True,
            id="deny-elsewhere",
        ),
        pytest.param(
            [{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}],
            "dynamodb:GetItem",
            TABLE,
            True,
            id="not-action-allows",
        ),
        pytest.param(
            [{"Effect": "Allow", "NotAction": ["iam:*", "dynamodb:Get*"], "Resource": "*"}],
            "dynamodb:GetItem",
            TABLE,
            False,
            id="not-action-excludes",
        ),
        pytest.param(
            [allow("*"), {"Effect": "Deny", "Action": "s3:*", "NotResource": "arn:aws:s3:::uploads/*"}],
            "s3:GetObject",
            "arn:aws:s3:::other/key",
            False,
            id="not-resource-deny",
        ),
        pytest.param(
            [allow("*"), {"Effect": "Deny", "Action": "s3:*", "NotResource": "arn:aws:s3:::uploads/*"}],
            "s3:GetObject",
            OBJECT,
            True,
            id="not-resource-spares",
        ),
        pytest.param([{"Effect": "Allow", "Action": "*"}], "s3:GetObject", OBJECT, False, id="no-resource"),
    ],
)
def test_evaluate_decides_like_iam(
    statements: list[dict[str, Any]], action: str, resource: str, allowed: bool
) -> None:
    assert evaluate(statements, action, resource).allowed is allowed


def test_decision_names_the_deciding_statement_and_whether_the_deny_was_explicit() -> None:
    granting = allow("dynamodb:*", TABLE, Sid="Grant")
    denying = deny("dynamodb:DeleteItem", TABLE, Sid="NoDeletes")

    allowed = evaluate([granting, denying], "dynamodb:GetItem", TABLE)
    denied = evaluate([granting, denying], "dynamodb:DeleteItem", TABLE)
    implicit = evaluate([granting], "s3:GetObject", OBJECT)

    assert (allowed.allowed, allowed.explicit_deny, allowed.statement) == (True, False, granting)
    assert "'Grant'" in allowed.reason
    assert (denied.allowed, denied.explicit_deny, denied.statement) == (False, True, denying)
    assert "'NoDeletes'" in denied.reason
    assert (implicit.allowed, implicit.explicit_deny, implicit.statement) == (False, False, None)
    assert "implicit deny" in implicit.reason


def test_a_resource_known_only_as_a_pattern_is_covered_by_a_statement_that_could_name_it() -> None:
    by_name = "arn:aws:secretsmanager:us-east-1:123456789012:secret:signing-key-??????"
    exact_grant = allow("secretsmanager:GetSecretValue", by_name.replace("??????", "AbC123"))
    other_grant = allow("secretsmanager:GetSecretValue", by_name.replace("signing-key", "other-key"))

    assert evaluate([exact_grant], "secretsmanager:GetSecretValue", by_name, resource_is_pattern=True).allowed
    assert not evaluate(
        [other_grant], "secretsmanager:GetSecretValue", by_name, resource_is_pattern=True
    ).allowed
    # Taken literally, the question marks name no real secret.
    assert not evaluate([exact_grant], "secretsmanager:GetSecretValue", by_name).allowed


def test_a_conditioned_statement_applies_and_warns_once_per_condition_key(
    caplog: pytest.LogCaptureFixture,
) -> None:
    key = "s3:prefix-evaluator-test"
    conditioned = allow(
        "s3:ListBucket", "arn:aws:s3:::uploads", Condition={"StringLike": {key: ["attachments/*"]}}
    )

    with caplog.at_level(logging.WARNING, logger="cdk_local_cloud.iam"):
        first = evaluate([conditioned], "s3:ListBucket", "arn:aws:s3:::uploads")
        second = evaluate([conditioned], "s3:ListBucket", "arn:aws:s3:::uploads")

    assert first.allowed
    assert second.allowed
    assert [record.getMessage() for record in records_of(caplog, "cdk_local_cloud.iam")] == [
        f"local cloud IAM: condition {key} is not evaluated; the statement is applied without it"
    ]


def test_a_conditioned_statement_that_does_not_apply_does_not_warn(caplog: pytest.LogCaptureFixture) -> None:
    conditioned = allow("sqs:SendMessage", Condition={"Bool": {"aws:unused-condition-test": "true"}})

    with caplog.at_level(logging.WARNING, logger="cdk_local_cloud.iam"):
        decision = evaluate([conditioned], "s3:GetObject", OBJECT)

    assert not decision.allowed
    assert records_of(caplog, "cdk_local_cloud.iam") == []


@pytest.mark.parametrize(
    ("first", "second", "overlap"),
    [
        ("secret:key-??????", "secret:key-AbC123", True),
        ("secret:key-??????", "secret:key-AbC12", False),
        ("secret:key-??????", "secret:*", True),
        ("secret:key-??????", "secret:other-*", False),
        ("a*c", "*b*", True),
        ("a*", "b*", False),
        ("*", "anything", True),
        ("a?c", "a*", True),
    ],
)
def test_may_overlap_finds_a_string_that_both_patterns_match(first: str, second: str, overlap: bool) -> None:
    assert may_overlap(first, second) is overlap
    assert may_overlap(second, first) is overlap


def test_matches_takes_the_value_literally() -> None:
    assert matches("table/*", "table/a*b")
    assert not matches("table/a?b", "table/a/b/c")
    assert matches("DynamoDB:Get*", "dynamodb:getitem", ignore_case=True)
    assert not matches("DynamoDB:Get*", "dynamodb:getitem")
