"""The repositories, attachments bucket and Management API client the services share, built on first use.

Built lazily so that importing the services reads no environment variable: tests (and tools) set the
environment first, and a test can drop an instance with its ``cache_clear()``. Each class is also imported
when its instance is first asked for, so a function loads only the stores it uses: $connect and $disconnect
never load the main table's repository, the S3 bucket or the Management API client, each of which costs
its import on every cold start (``bench/cold_import.py``).
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from corkboard.attachment_bucket import AttachmentBucket
    from corkboard.connections import ConnectionsRepository
    from corkboard.fanout_queue import FanoutQueue
    from corkboard.management_api import ManagementApi
    from corkboard.repository import CorkboardRepository

__all__ = ["attachment_bucket", "connections", "fanout_queue", "management_api", "repository"]

# The imports below sit in the functions on purpose: a module is loaded when its store is first used.


@cache
def repository() -> CorkboardRepository:
    """The process-wide repository; it reads its settings from the environment on first use."""
    from corkboard.repository import CorkboardRepository  # noqa: PLC0415

    return CorkboardRepository()


@cache
def connections() -> ConnectionsRepository:
    """The process-wide WebSocket connections repository."""
    from corkboard.connections import ConnectionsRepository  # noqa: PLC0415

    return ConnectionsRepository()


@cache
def management_api() -> ManagementApi:
    """The process-wide client that posts frames to WebSocket connections."""
    from corkboard.management_api import ManagementApi  # noqa: PLC0415

    return ManagementApi()


@cache
def attachment_bucket() -> AttachmentBucket:
    """The process-wide attachments bucket; it reads its name from the environment on first use."""
    from corkboard.attachment_bucket import AttachmentBucket  # noqa: PLC0415

    return AttachmentBucket()


@cache
def fanout_queue() -> FanoutQueue:
    """The process-wide client of the fan-out queue, where the broadcaster queues batches for the senders."""
    from corkboard.fanout_queue import FanoutQueue  # noqa: PLC0415

    return FanoutQueue()
