"""Lambda's asynchronous invocation: a queue in front of the function, retries, then destinations.

Services that invoke a function asynchronously (S3 notifications here) hand the event over and move on;
Lambda retries a failed event ``MaximumRetryAttempts`` times (2 by default) unless it got older than
``MaximumEventAgeInSeconds``, then sends it to the function's on-failure destination and dead-letter queue.
Both come from the template: the function's ``AWS::Lambda::EventInvokeConfig`` for ``$LATEST`` and its
``DeadLetterConfig``.
"""

import heapq
import itertools
import logging
import threading
import time
import uuid
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from cdk_local_cloud.contracts.deployment import Deployment
from cdk_local_cloud.contracts.invocation import FunctionInvoker, InvocationResult
from cdk_local_cloud.events.delivery.destination_records import AsyncOutcome, async_invocation_record
from cdk_local_cloud.events.delivery.destinations import DestinationSender
from cdk_local_cloud.events.delivery.guarded_invoke import invoke_guarded
from cdk_local_cloud.events.delivery.retry_policy import RetryPolicy
from cdk_local_cloud.events.function_refs import FunctionRef, resolve_function

__all__ = ["AsyncInvoker", "AsyncSettings"]

logger = logging.getLogger(__name__)

INVOKE_CONFIG_TYPE = "AWS::Lambda::EventInvokeConfig"
_LATEST = "$LATEST"
_DEFAULT_RETRIES = 2
_DEFAULT_MAX_EVENT_AGE = 21600.0
_SUCCESS = "Success"
_RETRIES_EXHAUSTED = "RetriesExhausted"
_EVENT_AGE_EXCEEDED = "EventAgeExceeded"
# Lambda puts the first kilobyte of the error message on a dead letter.
_DEAD_LETTER_MESSAGE_LIMIT = 1024


@dataclass(frozen=True)
class AsyncSettings:
    """A function's asynchronous invocation settings as its template configures them."""

    retry: RetryPolicy
    max_event_age: float = _DEFAULT_MAX_EVENT_AGE
    on_success: str | None = None
    on_failure: str | None = None
    dead_letter: str | None = None

    @classmethod
    def for_function(
        cls, deployment: Deployment, function: FunctionRef, retry_delay: float
    ) -> "AsyncSettings":
        invoke_config = _invoke_config(deployment, function)
        destinations: Mapping[str, Any] = invoke_config.get("DestinationConfig") or {}
        function_properties = function.resource.properties if function.resource is not None else {}
        return cls(
            retry=RetryPolicy.from_template(
                int(invoke_config.get("MaximumRetryAttempts", _DEFAULT_RETRIES)), retry_delay
            ),
            max_event_age=float(invoke_config.get("MaximumEventAgeInSeconds", _DEFAULT_MAX_EVENT_AGE)),
            on_success=(destinations.get("OnSuccess") or {}).get("Destination"),
            on_failure=(destinations.get("OnFailure") or {}).get("Destination"),
            dead_letter=(function_properties.get("DeadLetterConfig") or {}).get("TargetArn"),
        )

    @property
    def destinations(self) -> tuple[str, ...]:
        return tuple(arn for arn in (self.on_success, *self.failure_destinations) if arn)

    @property
    def failure_destinations(self) -> tuple[str, ...]:
        return tuple(arn for arn in (self.on_failure, self.dead_letter) if arn)


def _invoke_config(deployment: Deployment, function: FunctionRef) -> Mapping[str, Any]:
    for resource in deployment.of_type(INVOKE_CONFIG_TYPE):
        properties = resource.properties
        targets_function = (
            resolve_function(deployment, str(properties.get("FunctionName", ""))).arn == function.arn
        )
        if targets_function and properties.get("Qualifier", _LATEST) == _LATEST:
            return properties
    return {}


@dataclass(frozen=True, order=True)
class _QueuedEvent:
    """One event in the queue; ordered by when it is due."""

    due: float
    sequence: int
    function: FunctionRef = field(compare=False)
    settings: AsyncSettings = field(compare=False)
    event: Any = field(compare=False)
    received_at: float = field(compare=False)
    request_id: str = field(compare=False)
    invocations: int = field(default=0, compare=False)
    last_result: InvocationResult | None = field(default=None, compare=False)


class AsyncInvoker:
    """Runs queued events on a few worker threads; a scheduler thread releases each retry when it is due."""

    def __init__(
        self,
        deployment: Deployment,
        invoker: FunctionInvoker,
        sender: DestinationSender,
        retry_delay: float,
        workers: int = 4,
    ) -> None:
        self._deployment = deployment
        self._invoker = invoker
        self._sender = sender
        self._retry_delay = retry_delay
        self._settings: dict[str, AsyncSettings] = {}
        self._queue: list[_QueuedEvent] = []
        self._sequence = itertools.count()
        self._changed = threading.Condition()
        self._closed = False
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="events async")
        self._scheduler = threading.Thread(target=self._schedule, name="events async scheduler", daemon=True)
        self._scheduler.start()

    def settings_for(self, function: FunctionRef) -> AsyncSettings:
        with self._changed:
            if function.arn not in self._settings:
                self._settings[function.arn] = AsyncSettings.for_function(
                    self._deployment, function, self._retry_delay
                )
            return self._settings[function.arn]

    def submit(self, function: FunctionRef, event: Any) -> None:
        now = time.monotonic()
        queued = _QueuedEvent(
            due=now,
            sequence=next(self._sequence),
            function=function,
            settings=self.settings_for(function),
            event=event,
            received_at=now,
            request_id=str(uuid.uuid4()),
        )
        self._enqueue(queued)

    def close(self) -> None:
        """Drops the events still waiting for a retry and waits for the invocations under way."""
        with self._changed:
            self._closed = True
            self._queue.clear()
            self._changed.notify_all()
        self._scheduler.join()
        self._executor.shutdown(wait=True, cancel_futures=True)

    def _enqueue(self, queued: _QueuedEvent) -> None:
        with self._changed:
            if self._closed:
                return
            heapq.heappush(self._queue, queued)
            self._changed.notify_all()

    def _schedule(self) -> None:
        while True:
            with self._changed:
                while not self._closed and not self._due_now():
                    self._changed.wait(self._queue[0].due - time.monotonic() if self._queue else None)
                if self._closed:
                    return
                queued = heapq.heappop(self._queue)
                self._executor.submit(self._run, queued)

    def _due_now(self) -> bool:
        return bool(self._queue) and self._queue[0].due <= time.monotonic()

    def _run(self, queued: _QueuedEvent) -> None:
        settings = queued.settings
        if time.monotonic() - queued.received_at > settings.max_event_age:
            self._finish(queued, _EVENT_AGE_EXCEEDED)
            return
        result = invoke_guarded(self._invoker, queued.function.name, queued.event)
        queued = replace(queued, invocations=queued.invocations + 1, last_result=result)
        if result.error is None:
            self._finish(queued, _SUCCESS)
            return
        retries_done = queued.invocations - 1
        if settings.retry.exhausted(retries_done):
            self._finish(queued, _RETRIES_EXHAUSTED)
            return
        delay = settings.retry.delay_before(retries_done + 1)
        logger.warning(
            "%s: asynchronous invocation %s failed (%s: %s); retry %d of %s in %.1fs.",
            queued.function.name,
            queued.request_id,
            result.error.error_type,
            result.error.message,
            retries_done + 1,
            settings.retry.max_retries,
            delay,
        )
        self._enqueue(replace(queued, due=time.monotonic() + delay, sequence=next(self._sequence)))

    def _finish(self, queued: _QueuedEvent, condition: str) -> None:
        settings = queued.settings
        name = queued.function.name
        outcome = AsyncOutcome(
            condition, queued.event, queued.invocations, queued.request_id, queued.last_result
        )
        if condition == _SUCCESS:
            if settings.on_success:
                self._send_record(settings.on_success, outcome, queued.function)
            return
        error = queued.last_result.error if queued.last_result is not None else None
        targets = settings.failure_destinations
        logger.warning(
            "%s: asynchronous invocation %s given up (%s after %d invocation(s)%s); %s.",
            name,
            queued.request_id,
            condition,
            queued.invocations,
            f", last error {error.error_type}: {error.message}" if error is not None else "",
            f"sent to {', '.join(targets)}" if targets else "dropped",
        )
        if settings.on_failure:
            self._send_record(settings.on_failure, outcome, queued.function)
        if settings.dead_letter:
            self._send_dead_letter(settings.dead_letter, queued)

    def _send_record(self, destination: str, outcome: AsyncOutcome, function: FunctionRef) -> None:
        document = async_invocation_record(outcome, function.arn, datetime.now(UTC))
        self._sender.send(destination, document, about=function.name)

    def _send_dead_letter(self, destination: str, queued: _QueuedEvent) -> None:
        error = queued.last_result.error if queued.last_result is not None else None
        message = error.message if error is not None else "Event age exceeded before the function ran"
        attributes: dict[str, str | int] = {
            "RequestID": queued.request_id,
            "ErrorCode": 200,
            "ErrorMessage": message[:_DEAD_LETTER_MESSAGE_LIMIT],
        }
        self._sender.send(destination, queued.event, about=queued.function.name, attributes=attributes)
