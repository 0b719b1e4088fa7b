"""Tells a queue's pollers the moment moto adds a message to it: an SQS mapping need not poll to notice.

Like :mod:`cdk_local_cloud.embedded_aws.stream_write_notices` for streams: the embedded AWS is moto server in
this very process, so :func:`install_queue_message_notices` wraps moto 5.2.5's ``Queue.add_message`` (where
every SendMessage, SendMessageBatch and redrive lands) once per process, and after the message is added it
sets each :class:`threading.Event` that a poller registered for that queue's ARN. moto's own long polling
(``WaitTimeSeconds``) is no substitute: it spins while a FIFO queue's visible messages all belong to groups
in flight. A message that becomes visible again (its visibility timeout over) sends no notice; the pollers'
idle reads find it.
"""

import threading
from collections.abc import Callable
from functools import wraps
from typing import Any

from moto.sqs.models import Queue

__all__ = ["install_queue_message_notices", "stop_watching_queue", "watch_queue"]

_INSTALLED_MARK = "_local_cloud_queue_message_notices"
_watchers: dict[str, set[threading.Event]] = {}
_watchers_lock = threading.Lock()


def install_queue_message_notices() -> None:
    """Make this process's moto notify the watchers of a queue on every message; again does nothing."""
    if getattr(Queue.add_message, _INSTALLED_MARK, False):
        return
    Queue.add_message = _notifying(Queue.add_message)  # type: ignore[method-assign]


def watch_queue(queue_arn: str, wake_up: threading.Event) -> None:
    """Sets ``wake_up`` whenever a message is added to ``queue_arn``, until :func:`stop_watching_queue`."""
    with _watchers_lock:
        _watchers.setdefault(queue_arn, set()).add(wake_up)


def stop_watching_queue(queue_arn: str, wake_up: threading.Event) -> None:
    with _watchers_lock:
        events = _watchers.get(queue_arn, set())
        events.discard(wake_up)
        if not events:
            _watchers.pop(queue_arn, None)


def _notifying(add_message: Callable[..., None]) -> Callable[..., None]:
    @wraps(add_message)
    def add_and_notify(queue: Queue, *args: Any, **kwargs: Any) -> None:
        add_message(queue, *args, **kwargs)
        with _watchers_lock:
            events = list(_watchers.get(queue.queue_arn, ()))
        for event in events:
            event.set()

    setattr(add_and_notify, _INSTALLED_MARK, True)
    return add_and_notify
