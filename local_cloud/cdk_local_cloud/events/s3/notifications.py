"""Delivers a template's S3 event notifications to their functions, as asynchronous invocations.

moto 5.2.5 does send S3 events to SQS queues (for PutObject, presigned POST uploads, CopyObject,
CompleteMultipartUpload and DeleteObject), but it runs Lambda targets itself, in Docker. So each bucket's
notification configuration on moto is replaced with: the template's queue, topic and EventBridge targets
(moto delivers those), plus one internal queue that receives every event a function rule may want. A poller
reads that queue, matches the template's function rules (events, prefix, suffix) and hands each match to
the asynchronous invoker. An event sent to the queue wakes the poller
(:mod:`cdk_local_cloud.embedded_aws.queue_message_notices`), so an idle poller reads less and less often
without delaying the next upload's event.
"""

import json
import logging
import threading
import uuid
from collections.abc import Mapping
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from cdk_local_cloud.contracts.deployment import Deployment
from cdk_local_cloud.embedded_aws.moto_clients import MotoClients
from cdk_local_cloud.embedded_aws.queue_message_notices import stop_watching_queue, watch_queue
from cdk_local_cloud.events.delivery.async_invocations import AsyncInvoker
from cdk_local_cloud.events.function_refs import resolve_function
from cdk_local_cloud.events.polling_thread import PollingPace, PollingThread, StepOutcome
from cdk_local_cloud.events.s3.notification_rules import LAMBDA, QUEUE, TOPIC, BucketNotifications
from cdk_local_cloud.events.s3.records import S3RecordCompleter, decoded_key

__all__ = ["S3Notifications"]

logger = logging.getLogger(__name__)

_INTERNAL_CONFIGURATION_ID = "emulator-function-notifications"
_RECEIVE_BATCH = 10


class S3Notifications:
    """Owns the notification configuration of the template's buckets on moto while it runs."""

    def __init__(
        self,
        deployment: Deployment,
        buckets: Mapping[str, BucketNotifications],
        async_invoker: AsyncInvoker,
        clients: MotoClients,
        pace: PollingPace,
    ) -> None:
        self._deployment = deployment
        # Buckets without a function rule are left as the provisioner configured them.
        self._buckets = {name: rules for name, rules in buckets.items() if rules.of_kind(LAMBDA)}
        self._async_invoker = async_invoker
        self._s3 = clients.client("s3")
        self._sqs = clients.client("sqs")
        self._completer = S3RecordCompleter(deployment.account_id)
        self._stopping = threading.Event()
        self._wake_up = threading.Event()
        self._thread = PollingThread(
            "events s3 notifications", self._step, pace, self._stopping, wake_up=self._wake_up
        )
        self._queue_url = ""
        self._queue_arn = ""
        self._configured: list[str] = []

    def start(self) -> None:
        if not self._buckets:
            return
        queue = self._sqs.create_queue(QueueName=f"emulator-s3-notifications-{uuid.uuid4().hex[:12]}")
        self._queue_url = queue["QueueUrl"]
        attributes = self._sqs.get_queue_attributes(QueueUrl=self._queue_url, AttributeNames=["QueueArn"])
        self._queue_arn = attributes["Attributes"]["QueueArn"]
        watch_queue(self._queue_arn, self._wake_up)
        for notifications in self._buckets.values():
            self._configure(notifications, self._queue_arn)
        self._thread.start()

    def close(self) -> None:
        """Stops the poller, gives each bucket back its template's own targets, deletes the internal queue."""
        if not self._queue_url:
            return
        self._thread.stop()
        self._thread.join()
        stop_watching_queue(self._queue_arn, self._wake_up)
        try:
            for bucket in self._configured:
                self._put_configuration(self._buckets[bucket], internal_queue_arn=None)
            self._sqs.delete_queue(QueueUrl=self._queue_url)
        except (BotoCoreError, ClientError) as error:
            # moto may already be stopped; its state goes with it.
            logger.debug("Could not undo the S3 notification setup: %s", error)

    def _configure(self, notifications: BucketNotifications, queue_arn: str) -> None:
        try:
            self._put_configuration(notifications, queue_arn)
        except ClientError as error:
            logger.warning(
                "Bucket %s: could not set up its notifications on moto (%s); its functions get no S3 events.",
                notifications.bucket,
                error,
            )
            return
        self._configured.append(notifications.bucket)
        for rule in notifications.of_kind(LAMBDA):
            function = resolve_function(self._deployment, rule.target_arn)
            if function.resource is None:
                logger.warning(
                    "Bucket %s notifies %s, which is not a function of this app; those events will fail.",
                    notifications.bucket,
                    rule.target_arn,
                )

    def _put_configuration(self, notifications: BucketNotifications, internal_queue_arn: str | None) -> None:
        configuration: dict[str, Any] = {
            "QueueConfigurations": [rule.as_api_configuration() for rule in notifications.of_kind(QUEUE)],
            "TopicConfigurations": [rule.as_api_configuration() for rule in notifications.of_kind(TOPIC)],
        }
        if notifications.event_bridge:
            configuration["EventBridgeConfiguration"] = {}
        if internal_queue_arn is not None:
            events = sorted({event for rule in notifications.of_kind(LAMBDA) for event in rule.events})
            configuration["QueueConfigurations"].append(
                {"Id": _INTERNAL_CONFIGURATION_ID, "QueueArn": internal_queue_arn, "Events": events}
            )
        self._s3.put_bucket_notification_configuration(
            Bucket=notifications.bucket,
            NotificationConfiguration=configuration,
            SkipDestinationValidation=True,
        )

    def _step(self) -> StepOutcome:
        messages = self._sqs.receive_message(
            QueueUrl=self._queue_url, MaxNumberOfMessages=_RECEIVE_BATCH
        ).get("Messages", [])
        for message in messages:
            # moto's "s3:TestEvent" on configuration has no Records.
            for record in json.loads(message["Body"]).get("Records", []):
                self._dispatch(record)
        if messages:
            self._sqs.delete_message_batch(
                QueueUrl=self._queue_url,
                Entries=[
                    {"Id": str(index), "ReceiptHandle": m["ReceiptHandle"]}
                    for index, m in enumerate(messages)
                ],
            )
        return StepOutcome.BUSY if messages else StepOutcome.IDLE

    def _dispatch(self, record: Mapping[str, Any]) -> None:
        notifications = self._buckets.get(record["s3"]["bucket"]["name"])
        if notifications is None:
            return
        key = decoded_key(record)
        matching = [rule for rule in notifications.of_kind(LAMBDA) if rule.matches(record["eventName"], key)]
        if not matching:
            return
        version_id = self._version_id(notifications.bucket, key, record["eventName"])
        completed = self._completer.complete(record, [rule.rule_id for rule in matching], version_id)
        for rule, completed_record in zip(matching, completed, strict=True):
            function = resolve_function(self._deployment, rule.target_arn)
            self._async_invoker.submit(function, {"Records": [completed_record]})

    def _version_id(self, bucket: str, key: str, event_name: str) -> str | None:
        """The object's version, which S3 puts in the event only for a versioned bucket."""
        if not event_name.startswith("ObjectCreated"):
            return None
        try:
            version_id = self._s3.head_object(Bucket=bucket, Key=key).get("VersionId")
        except ClientError:
            # Deleted again already: the event goes out without a version, as the object has none now.
            return None
        return version_id if version_id and version_id != "null" else None
