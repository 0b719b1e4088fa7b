"""The S3 event notifications that a template configures, in both of the shapes CloudFormation allows.

CDK writes them as a ``Custom::S3BucketNotifications`` resource (the S3 API's shape: ``Events``,
``Filter.Key.FilterRules``, ``LambdaFunctionArn``); a hand-written template puts them on the bucket's own
``NotificationConfiguration`` (``Event``, ``Filter.S3Key.Rules``, ``Function``). Both become the same rules.
"""

import hashlib
import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from cdk_local_cloud.contracts.deployment import Deployment

__all__ = ["BucketNotifications", "NotificationRule", "bucket_notifications"]

CUSTOM_RESOURCE_TYPE = "Custom::S3BucketNotifications"
BUCKET_TYPE = "AWS::S3::Bucket"

LAMBDA = "lambda"
QUEUE = "queue"
TOPIC = "topic"

_API_TARGET_KEYS = {QUEUE: "QueueArn", TOPIC: "TopicArn"}


def _nested(entry: Mapping[str, Any], *keys: str) -> Any:
    for key in keys:
        entry = entry.get(key) or {}
    return entry


@dataclass(frozen=True)
class _Shape:
    """Where one of the two configuration shapes keeps each part of a rule."""

    # configuration list -> (rule kind, target key)
    targets: Mapping[str, tuple[str, str]]
    events: Callable[[Mapping[str, Any]], tuple[str, ...]]
    filter_rules: Callable[[Mapping[str, Any]], list[Mapping[str, str]]]
    event_bridge: Callable[[Mapping[str, Any]], bool]


_API_SHAPE = _Shape(
    targets={
        "LambdaFunctionConfigurations": (LAMBDA, "LambdaFunctionArn"),
        "QueueConfigurations": (QUEUE, "QueueArn"),
        "TopicConfigurations": (TOPIC, "TopicArn"),
    },
    events=lambda entry: tuple(entry.get("Events", [])),
    filter_rules=lambda entry: _nested(entry, "Filter", "Key").get("FilterRules", []),
    event_bridge=lambda configuration: "EventBridgeConfiguration" in configuration,
)
_TEMPLATE_SHAPE = _Shape(
    targets={
        "LambdaConfigurations": (LAMBDA, "Function"),
        "QueueConfigurations": (QUEUE, "Queue"),
        "TopicConfigurations": (TOPIC, "Topic"),
    },
    events=lambda entry: (entry["Event"],),
    filter_rules=lambda entry: _nested(entry, "Filter", "S3Key").get("Rules", []),
    event_bridge=lambda configuration: bool(
        _nested(configuration, "EventBridgeConfiguration").get("EventBridgeEnabled")
    ),
)


@dataclass(frozen=True)
class NotificationRule:
    """One notification: which events of which keys go to which function, queue or topic."""

    rule_id: str
    kind: str
    target_arn: str
    events: tuple[str, ...]
    prefix: str = ""
    suffix: str = ""

    def matches(self, event_name: str, key: str) -> bool:
        """``event_name`` as S3 events spell it (``ObjectCreated:Put``); ``key`` decoded."""
        full_name = f"s3:{event_name}"
        family = full_name.rsplit(":", 1)[0] + ":*"
        named = full_name in self.events or family in self.events
        return named and key.startswith(self.prefix) and key.endswith(self.suffix)

    def as_api_configuration(self) -> dict[str, Any]:
        """The rule in ``PutBucketNotificationConfiguration``'s shape (for queues and topics)."""
        filter_rules = [
            {"Name": name, "Value": value}
            for name, value in (("prefix", self.prefix), ("suffix", self.suffix))
            if value
        ]
        configuration: dict[str, Any] = {
            "Id": self.rule_id,
            _API_TARGET_KEYS[self.kind]: self.target_arn,
            "Events": list(self.events),
        }
        if filter_rules:
            configuration["Filter"] = {"Key": {"FilterRules": filter_rules}}
        return configuration


@dataclass
class BucketNotifications:
    """Every notification rule of one bucket, and whether it also sends its events to EventBridge."""

    bucket: str
    rules: list[NotificationRule] = field(default_factory=list)
    event_bridge: bool = False

    def of_kind(self, kind: str) -> list[NotificationRule]:
        return [rule for rule in self.rules if rule.kind == kind]


def _key_filter(rules: list[Mapping[str, str]]) -> dict[str, str]:
    return {rule["Name"].lower(): rule["Value"] for rule in rules}


def _rule_id(bucket: str, configuration: Mapping[str, Any]) -> str:
    """S3 names a configuration that has no Id; a digest of it keeps the name stable across restarts."""
    if configuration.get("Id"):
        return str(configuration["Id"])
    return hashlib.sha256(json.dumps([bucket, configuration], sort_keys=True).encode()).hexdigest()[:32]


def _rules(bucket: str, configuration: Mapping[str, Any], shape: _Shape) -> Iterator[NotificationRule]:
    for list_key, (kind, target_key) in shape.targets.items():
        for entry in configuration.get(list_key) or []:
            key_filter = _key_filter(shape.filter_rules(entry))
            yield NotificationRule(
                rule_id=_rule_id(bucket, entry),
                kind=kind,
                target_arn=str(entry[target_key]),
                events=shape.events(entry),
                prefix=key_filter.get("prefix", ""),
                suffix=key_filter.get("suffix", ""),
            )


def _add(
    found: dict[str, BucketNotifications],
    bucket: str,
    configuration: Mapping[str, Any] | None,
    shape: _Shape,
) -> None:
    if not configuration:
        return
    notifications = found.setdefault(bucket, BucketNotifications(bucket))
    notifications.rules.extend(_rules(bucket, configuration, shape))
    notifications.event_bridge = notifications.event_bridge or shape.event_bridge(configuration)


def bucket_notifications(deployment: Deployment) -> dict[str, BucketNotifications]:
    """Bucket name -> its notifications, from every bucket and notifications resource of the deployment."""
    found: dict[str, BucketNotifications] = {}
    for bucket in deployment.of_type(BUCKET_TYPE):
        _add(found, bucket.physical_id, bucket.properties.get("NotificationConfiguration"), _TEMPLATE_SHAPE)
    for resource in deployment.of_type(CUSTOM_RESOURCE_TYPE):
        properties = resource.properties
        _add(found, str(properties["BucketName"]), properties.get("NotificationConfiguration"), _API_SHAPE)
    return found
