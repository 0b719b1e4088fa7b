"""Corkboard's rules: one module per resource, each function one use case checked against the caller's role.

Handlers call exactly one function here; only the repository below talks to DynamoDB.
"""

__all__ = [
    "attachment_cleanup",
    "attachments",
    "boards",
    "broadcasts",
    "deliveries",
    "members",
    "subscriptions",
    "tasks",
    "uploads",
]
