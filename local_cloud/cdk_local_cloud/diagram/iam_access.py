"""Summarise the IAM actions a role may perform on one resource as a short arrow label.

A full action list ("dynamodb:BatchGetItem, dynamodb:ConditionCheckItem, ...") would bury the picture;
"read/write" or "read" says what a reader needs, and actions that are neither keep their own name.
"""

from collections.abc import Iterable

__all__ = ["access_label"]

_READ_VERBS = ("BatchGet", "ConditionCheck", "Describe", "Get", "List", "Query", "Receive", "Scan")
_WRITE_VERBS = ("BatchWrite", "Create", "Delete", "Publish", "Put", "Send", "Update")
_ALL_ACTIONS = "all actions"


def access_label(actions: Iterable[str]) -> str:
    """Return "read", "write", "read/write", the other verbs, or "all actions" for a wildcard."""
    verbs = {action.rpartition(":")[2] for action in actions}
    if "*" in verbs:
        return _ALL_ACTIONS
    kinds = [
        kind
        for kind, prefixes in (("read", _READ_VERBS), ("write", _WRITE_VERBS))
        if any(verb.startswith(prefixes) for verb in verbs)
    ]
    others = sorted(verb for verb in verbs if not verb.startswith(_READ_VERBS + _WRITE_VERBS))
    return "/".join([*kinds, *others])
