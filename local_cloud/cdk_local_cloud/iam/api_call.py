"""The two shapes of the operation mapping: a botocore call in, the IAM requests it needs out."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["ANY_RESOURCE", "ApiCall", "IamRequest"]

ANY_RESOURCE = "*"

# Regions outside the commercial partition; everything else (moto's regions included) is "aws".
_PARTITION_PREFIXES = (
    ("cn-", "aws-cn"),
    ("us-gov-", "aws-us-gov"),
    ("us-iso-", "aws-iso"),
    ("us-isob-", "aws-iso-b"),
)


@dataclass(frozen=True)
class IamRequest:
    """One (IAM action, resource ARN) that must be allowed for a call to go through.

    ``resource_is_pattern`` marks a resource known only as a pattern (a secret by name, a KMS key by alias,
    an unmapped call's ``*``): a statement covers it when its own pattern could name the same resource.
    """

    action: str
    resource: str
    resource_is_pattern: bool = False

    @classmethod
    def on_any_resource(cls, action: str) -> "IamRequest":
        """The action on a resource we cannot name, so only the action is checked."""
        return cls(action, ANY_RESOURCE, resource_is_pattern=True)


@dataclass(frozen=True)
class ApiCall:
    """One botocore API call as the caller made it, before it is serialized.

    ``service`` is botocore's service model name (``dynamodb``, ``apigatewaymanagementapi``);
    ``signing_name`` is the IAM prefix when it differs (``execute-api``); ``endpoint_url`` is where the call
    goes (for ``@connections``, it carries the API id and stage).
    """

    service: str
    operation: str
    params: Mapping[str, Any]
    region: str
    account_id: str
    endpoint_url: str = ""
    signing_name: str = ""

    @property
    def partition(self) -> str:
        return next(
            (partition for prefix, partition in _PARTITION_PREFIXES if self.region.startswith(prefix)), "aws"
        )

    def action(self, name: str = "") -> str:
        """``{prefix}:{name}``, where ``name`` defaults to the operation (most IAM actions share its name)."""
        return f"{self.signing_name or self.service}:{name or self.operation}"

    def arn(self, service: str, resource: str, *, regional: bool = True, account_id: str = "") -> str:
        """An ARN in this call's partition, region and account (S3 bucket ARNs have neither: ``regional``)."""
        if not regional:
            return f"arn:{self.partition}:{service}:::{resource}"
        return f"arn:{self.partition}:{service}:{self.region}:{account_id or self.account_id}:{resource}"

    def on_any_resource(self, action_name: str = "") -> list[IamRequest]:
        """The best effort for a call whose resource the mapping cannot name."""
        return [IamRequest.on_any_resource(self.action(action_name))]
