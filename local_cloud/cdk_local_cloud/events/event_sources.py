"""Everything in a deployment that invokes functions on its own: stream and queue mappings, S3 notifications.

This is the one object the CLI starts and closes; what the local cloud cannot deliver (a mapping on a
Kinesis stream or a Kafka topic, a destination that is not a queue or topic) is said once, at start, one
line each, so the developer knows which functions will not hear from which source.
"""

import logging
from types import TracebackType

from botocore.exceptions import BotoCoreError, ClientError

from cdk_local_cloud.contracts.deployment import Deployment
from cdk_local_cloud.contracts.invocation import FunctionInvoker
from cdk_local_cloud.embedded_aws.moto_clients import MotoClients
from cdk_local_cloud.events.delivery.async_invocations import AsyncInvoker
from cdk_local_cloud.events.delivery.destinations import DestinationSender
from cdk_local_cloud.events.function_refs import resolve_function
from cdk_local_cloud.events.polling_thread import PollingPace
from cdk_local_cloud.events.queues.mapping_config import QueueMappingConfig, is_sqs_arn
from cdk_local_cloud.events.queues.mappings import QueueMapping
from cdk_local_cloud.events.s3.notification_rules import LAMBDA, bucket_notifications
from cdk_local_cloud.events.s3.notifications import S3Notifications
from cdk_local_cloud.events.streams.mapping_config import (
    MAPPING_TYPE,
    StreamMappingConfig,
    is_dynamodb_stream_arn,
)
from cdk_local_cloud.events.streams.mappings import StreamMapping

__all__ = ["EventSources"]

logger = logging.getLogger(__name__)

_SOURCE_KINDS = {
    "kinesis": "a Kinesis stream",
    "kafka": "an MSK cluster",
    "mq": "an Amazon MQ broker",
    "rds": "a DocumentDB cluster",
}
# Template settings of a stream mapping that change what the function receives but are not emulated.
_IGNORED_MAPPING_SETTINGS = ("TumblingWindowInSeconds",)


def _source_kind(arn: str) -> str:
    parts = arn.split(":")
    service = parts[2] if len(parts) > 2 else arn
    return _SOURCE_KINDS.get(service, f"a {service} source")


class EventSources:
    """Polls the deployment's DynamoDB stream and SQS queue mappings and delivers its S3 notifications.

    ``poll_interval`` is how often a stream shard or the S3 event queue is read when nothing came. One that
    stays quiet is read less and less often, down to once per ``idle_poll_interval`` (moto keeps every shard
    iterator that it hands out, about 3 KB per read: some 50 MB an hour for a shard read every 0.2 s, 12 MB
    once a second; and each read of a queue costs CPU for nothing). What arrives does not wait for that read:
    the embedded AWS wakes the stream's pollers as it adds the record
    (:mod:`cdk_local_cloud.embedded_aws.stream_write_notices`), and a queue's pollers (the S3 event queue's
    too) as a message is sent to it (:mod:`cdk_local_cloud.embedded_aws.queue_message_notices`).
    ``retry_delay`` is the wait before a failed delivery's first retry (it doubles per retry, up to 32x);
    Lambda itself waits much longer between asynchronous retries (1 and 2 minutes), and for a queue's
    visibility timeout.
    """

    def __init__(
        self,
        deployment: Deployment,
        invoker: FunctionInvoker,
        *,
        poll_interval: float = 0.2,
        idle_poll_interval: float = 1.0,
        retry_delay: float = 1.0,
    ) -> None:
        self._deployment = deployment
        self._invoker = invoker
        # The S3 event queue and stream shards are woken by what arrives, so an idle one slows down; an SQS
        # mapping keeps the base pace, since a message visible again after its timeout sends no notice.
        self._queue_pace = PollingPace(poll_interval)
        self._idle_pace = PollingPace(poll_interval, idle_poll_interval)
        self._retry_delay = retry_delay
        self._clients = MotoClients(deployment.aws_endpoint_url, deployment.region)
        self._sender = DestinationSender(self._clients)
        # Read every setting now, so that a template mistake (a bad filter pattern) surfaces before start.
        self._stream_configs = self._stream_mapping_configs()
        self._queue_configs = self._queue_mapping_configs()
        self._buckets = bucket_notifications(deployment)
        self._stream_mappings: list[StreamMapping] = []
        self._queue_mappings: list[QueueMapping] = []
        self._async_invoker: AsyncInvoker | None = None
        self._s3_notifications: S3Notifications | None = None

    def start(self) -> None:
        """Takes each stream's starting position and configures the buckets before returning."""
        self._async_invoker = AsyncInvoker(self._deployment, self._invoker, self._sender, self._retry_delay)
        self._s3_notifications = S3Notifications(
            self._deployment, self._buckets, self._async_invoker, self._clients, self._idle_pace
        )
        self._warn_about_destinations(self._async_invoker)
        streams_client = self._clients.client("dynamodbstreams")
        for config in self._stream_configs:
            mapping = StreamMapping(config, self._invoker, self._sender, streams_client, self._idle_pace)
            try:
                mapping.start()
            except (BotoCoreError, ClientError) as error:
                logger.warning(
                    "Event source mapping %s: cannot read %s (%s); %s gets no events from it.",
                    config.label,
                    config.stream_arn,
                    error,
                    config.function.name,
                )
                continue
            self._stream_mappings.append(mapping)
        self._start_queue_mappings()
        self._s3_notifications.start()

    def _start_queue_mappings(self) -> None:
        sqs = self._clients.client("sqs")
        for config in self._queue_configs:
            mapping = QueueMapping(config, self._invoker, sqs, self._queue_pace, self._retry_delay)
            try:
                mapping.start()
            except (BotoCoreError, ClientError) as error:
                mapping.close()
                logger.warning(
                    "Event source mapping %s: cannot read %s (%s); %s gets no messages from it.",
                    config.label,
                    config.queue_arn,
                    error,
                    config.function.name,
                )
                continue
            self._queue_mappings.append(mapping)

    def close(self) -> None:
        """Stops every poller; waits for invocations under way (each ends by its function's Timeout)."""
        for mapping in self._stream_mappings:
            mapping.close()
        self._stream_mappings.clear()
        for queue_mapping in self._queue_mappings:
            queue_mapping.close()
        self._queue_mappings.clear()
        if self._s3_notifications is not None:
            self._s3_notifications.close()
            self._s3_notifications = None
        if self._async_invoker is not None:
            self._async_invoker.close()
            self._async_invoker = None

    def __enter__(self) -> "EventSources":
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def _stream_mapping_configs(self) -> list[StreamMappingConfig]:
        configs = []
        for resource in self._deployment.of_type(MAPPING_TYPE):
            source = str(resource.properties.get("EventSourceArn", ""))
            label = f"{resource.stack}/{resource.logical_id}"
            if is_sqs_arn(source):
                continue
            if not is_dynamodb_stream_arn(source):
                logger.warning(
                    "Event source mapping %s reads %s (%s), which the local cloud does not poll: "
                    "%s gets no events from it.",
                    label,
                    _source_kind(source),
                    source,
                    resource.properties.get("FunctionName"),
                )
                continue
            config = StreamMappingConfig.from_resource(resource, self._deployment, self._retry_delay)
            if not config.enabled:
                logger.info("Event source mapping %s is disabled in the template; not polled.", label)
                continue
            if config.function.resource is None:
                logger.warning(
                    "Event source mapping %s targets %s, which is not a function of this app; "
                    "its deliveries will fail.",
                    label,
                    config.function.name,
                )
            for setting in _IGNORED_MAPPING_SETTINGS:
                if setting in resource.properties:
                    logger.warning("Event source mapping %s: %s is not emulated; ignored.", label, setting)
            configs.append(config)
        return configs

    def _queue_mapping_configs(self) -> list[QueueMappingConfig]:
        configs = []
        for resource in self._deployment.of_type(MAPPING_TYPE):
            if not is_sqs_arn(str(resource.properties.get("EventSourceArn", ""))):
                continue
            config = QueueMappingConfig.from_resource(resource, self._deployment)
            if not config.enabled:
                logger.info("Event source mapping %s is disabled in the template; not polled.", config.label)
                continue
            if config.function.resource is None:
                logger.warning(
                    "Event source mapping %s targets %s, which is not a function of this app; "
                    "its deliveries will fail.",
                    config.label,
                    config.function.name,
                )
            configs.append(config)
        return configs

    def _warn_about_destinations(self, async_invoker: AsyncInvoker) -> None:
        wanted = {config.on_failure: config.label for config in self._stream_configs if config.on_failure}
        for notifications in self._buckets.values():
            for rule in notifications.of_kind(LAMBDA):
                function = resolve_function(self._deployment, rule.target_arn)
                for arn in async_invoker.settings_for(function).destinations:
                    wanted.setdefault(arn, function.name)
        for arn, owner in wanted.items():
            if not self._sender.supports(arn):
                logger.warning(
                    "%s sends records to %s, which the local cloud cannot deliver (only SQS and SNS); "
                    "they are logged and dropped.",
                    owner,
                    arn,
                )
