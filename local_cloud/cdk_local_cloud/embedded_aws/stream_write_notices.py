"""Tells the stream pollers the moment moto adds a record to a table's stream: none waits out its back-off.

A stream poller that finds nothing waits longer and longer between reads (up to a second): moto keeps every
shard iterator it hands out, so reading an idle shard often costs memory as well as CPU. But the embedded
AWS is moto server in this very process (:mod:`cdk_local_cloud.embedded_aws.server`), so a write need not
be discovered by reading. :func:`install_stream_write_notices` wraps moto 5.2.5's ``StreamShard.add``
(where every item write, batch write and transaction lands in a stream) once per process: after the record
is appended, it sets each :class:`threading.Event` that a poller registered for that stream's ARN. An idle
poller thus sleeps on its event and reads as soon as there is something to read. Its own idle reads go on
as before, which covers a moto that is not in this process. moto offers no hook for this, hence the
wrapper; it keeps moto's logic and only adds the notice.
"""

import threading
from collections.abc import Callable
from functools import wraps
from typing import Any

from moto.dynamodb.models.table import StreamShard

__all__ = ["install_stream_write_notices", "stop_watching_stream", "watch_stream"]

_INSTALLED_MARK = "_local_cloud_stream_write_notices"
_watchers: dict[str, set[threading.Event]] = {}
_watchers_lock = threading.Lock()


def install_stream_write_notices() -> None:
    """Make this process's moto notify the watchers of a stream on every record; again does nothing."""
    if getattr(StreamShard.add, _INSTALLED_MARK, False):
        return
    StreamShard.add = _notifying(StreamShard.add)  # type: ignore[method-assign]


def watch_stream(stream_arn: str, wake_up: threading.Event) -> None:
    """Sets ``wake_up`` whenever a record is added to ``stream_arn``, until :func:`stop_watching_stream`."""
    with _watchers_lock:
        _watchers.setdefault(stream_arn, set()).add(wake_up)


def stop_watching_stream(stream_arn: str, wake_up: threading.Event) -> None:
    with _watchers_lock:
        events = _watchers.get(stream_arn, set())
        events.discard(wake_up)
        if not events:
            _watchers.pop(stream_arn, None)


def _notifying(add: Callable[..., None]) -> Callable[..., None]:
    @wraps(add)
    def add_and_notify(shard: StreamShard, *args: Any, **kwargs: Any) -> None:
        add(shard, *args, **kwargs)
        table = shard.table
        stream_arn = f"{table.table_arn}/stream/{table.latest_stream_label}"
        with _watchers_lock:
            events = list(_watchers.get(stream_arn, ()))
        for event in events:
            event.set()

    setattr(add_and_notify, _INSTALLED_MARK, True)
    return add_and_notify
