"""Decides whether the policy that a Lambda authorizer returned lets the caller invoke one route or method.

API Gateway evaluates the ``policyDocument`` against the ``methodArn`` of the call: a matching Deny
wins, otherwise a matching Allow lets the call through, otherwise it is refused. ``*`` and ``?`` are
wildcards in actions and resources, and actions compare case-insensitively: it is IAM's evaluation,
so the IAM package decides. The WebSocket
and the REST gateways share it, as their Lambda authorizers answer alike.
"""

from collections.abc import Mapping
from typing import Any

from cdk_local_cloud.iam import evaluate

__all__ = ["MalformedPolicyError", "policy_allows"]

_INVOKE_ACTION = "execute-api:Invoke"
_EFFECTS = frozenset({"Allow", "Deny"})


class MalformedPolicyError(ValueError):
    """The authorizer's policy document cannot be evaluated; API Gateway answers 500 for it."""

    def __init__(self, problem: str) -> None:
        super().__init__(
            f"The authorizer returned a policyDocument that {problem}. Return a document with a Statement of "
            "Effect Allow or Deny, Action execute-api:Invoke and the methodArn as Resource."
        )


def policy_allows(policy_document: Any, method_arn: str) -> bool:
    """True if ``policy_document`` allows ``execute-api:Invoke`` on ``method_arn`` and denies it nowhere."""
    return evaluate(_statements(policy_document), _INVOKE_ACTION, method_arn).allowed


def _statements(policy_document: Any) -> list[Mapping[str, Any]]:
    if not isinstance(policy_document, Mapping):
        raise MalformedPolicyError("is missing or not a JSON object")
    statements = policy_document.get("Statement")
    if isinstance(statements, Mapping):
        statements = [statements]
    if not isinstance(statements, list):
        raise MalformedPolicyError("has no Statement list")
    for statement in statements:
        if not isinstance(statement, Mapping) or statement.get("Effect") not in _EFFECTS:
            raise MalformedPolicyError("has a Statement without an Effect of Allow or Deny")
        for element in ("Action", "Resource"):
            if not _strings(statement.get(element)):
                raise MalformedPolicyError(
                    f"has a Statement whose {element} is not a string or a list of strings"
                )
    return statements


def _strings(value: Any) -> bool:
    return isinstance(value, str) or (
        isinstance(value, list) and all(isinstance(item, str) for item in value)
    )
