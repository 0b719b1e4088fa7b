"""The values of CloudFormation's pseudo parameters (``AWS::Region``, ``AWS::StackName``, ...) in a stack."""

import uuid
from dataclasses import dataclass
from typing import Any

__all__ = ["PseudoParameters"]


@dataclass(frozen=True)
class PseudoParameters:
    """What ``Ref: AWS::...`` gives in one stack (``AWS::NoValue`` is left to the resolver)."""

    stack_name: str
    region: str
    account_id: str
    partition: str = "aws"
    url_suffix: str = "amazonaws.com"

    @property
    def stack_id(self) -> str:
        # Real stack ids end in a random UUID; a name-based one keeps every run's values identical.
        stack_uuid = uuid.uuid5(uuid.NAMESPACE_URL, f"{self.account_id}/{self.region}/{self.stack_name}")
        return (
            f"arn:{self.partition}:cloudformation:{self.region}:{self.account_id}:"
            f"stack/{self.stack_name}/{stack_uuid}"
        )

    def value(self, name: str) -> Any:
        """The value of pseudo parameter ``name``; ``KeyError`` for a name CloudFormation does not define."""
        return {
            "AWS::Region": self.region,
            "AWS::AccountId": self.account_id,
            "AWS::Partition": self.partition,
            "AWS::URLSuffix": self.url_suffix,
            "AWS::StackName": self.stack_name,
            "AWS::StackId": self.stack_id,
            "AWS::NotificationARNs": [],
        }[name]
