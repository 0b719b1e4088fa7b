"""Identity-policy evaluation of one (action, resource): an explicit Deny wins, then an Allow, else a deny.

Conditions are not evaluated: a statement with a Condition applies as if it held, and each condition key
is named once in a warning, so the user knows which part of the policy the local cloud is lenient about.
"""

import json
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cdk_local_cloud.iam.one_time_warnings import OneTimeWarnings
from cdk_local_cloud.iam.wildcard_patterns import matches, may_overlap

__all__ = ["Decision", "evaluate"]

_logger = logging.getLogger(__name__)
_condition_warnings = OneTimeWarnings(_logger)

Statement = Mapping[str, Any]


@dataclass(frozen=True)
class Decision:
    """The outcome for one (action, resource); ``statement`` is the one that decided, if any did."""

    allowed: bool
    explicit_deny: bool = False
    statement: Statement | None = None

    @property
    def reason(self) -> str:
        if self.statement is None:
            return "no identity-based policy allows it (implicit deny)"
        verb = "allowed" if self.allowed else "explicitly denied"
        return f"{verb} by statement {_describe(self.statement)}"


def evaluate(
    statements: Iterable[Statement], action: str, resource: str, *, resource_is_pattern: bool = False
) -> Decision:
    """Decides whether identity-policy ``statements`` allow ``action`` on ``resource``.

    ``resource_is_pattern`` says the exact ARN is unknown (a secret named without its suffix): a statement
    then applies when its resource pattern could name the same ARN.
    """
    applicable = [
        statement
        for statement in statements
        if _covers_action(statement, action) and _covers_resource(statement, resource, resource_is_pattern)
    ]
    deny = next((statement for statement in applicable if statement.get("Effect") == "Deny"), None)
    if deny is not None:
        _warn_about_conditions(deny)
        return Decision(allowed=False, explicit_deny=True, statement=deny)
    allow = next((statement for statement in applicable if statement.get("Effect") == "Allow"), None)
    if allow is None:
        return Decision(allowed=False)
    _warn_about_conditions(allow)
    return Decision(allowed=True, statement=allow)


def _covers_action(statement: Statement, action: str) -> bool:
    return _covers(
        statement, "Action", "NotAction", lambda pattern: matches(pattern, action, ignore_case=True)
    )


def _covers_resource(statement: Statement, resource: str, resource_is_pattern: bool) -> bool:
    if resource_is_pattern:
        return _covers(statement, "Resource", "NotResource", lambda pattern: may_overlap(pattern, resource))
    return _covers(statement, "Resource", "NotResource", lambda pattern: matches(pattern, resource))


def _covers(statement: Statement, element: str, not_element: str, matcher: Callable[[str], bool]) -> bool:
    """``Action``/``Resource`` cover what one of their patterns matches; the ``Not`` forms, what none does.

    A statement with neither element is invalid in an identity policy, so it covers nothing.
    """
    if element in statement:
        return any(matcher(pattern) for pattern in _as_list(statement[element]))
    if not_element in statement:
        return not any(matcher(pattern) for pattern in _as_list(statement[not_element]))
    return False


def _as_list(value: str | Sequence[str]) -> Sequence[str]:
    return [value] if isinstance(value, str) else value


def _warn_about_conditions(statement: Statement) -> None:
    for operators in statement.get("Condition", {}).values():
        for key in operators:
            _condition_warnings.warn(
                key.lower(),
                "local cloud IAM: condition %s is not evaluated; the statement is applied without it",
                key,
            )


def _describe(statement: Statement) -> str:
    sid = statement.get("Sid")
    return repr(sid) if sid else json.dumps(statement, sort_keys=True, default=str)
