"""The repositories, attachments bucket and Management API client the services share, built on first use.

Built lazily so that importing the services reads no environment variable: tests (and tools) set the
environment first, and a test can drop an instance with its ``cache_clear()``.
"""

from functools import cache

from corkboard.attachment_bucket import AttachmentBucket
from corkboard.connections import ConnectionsRepository
from corkboard.management_api import ManagementApi
from corkboard.repository import CorkboardRepository

__all__ = ["attachment_bucket", "connections", "management_api", "repository"]


@cache
def repository() -> CorkboardRepository:
    """The process-wide repository; it reads its settings from the environment on first use."""
    return CorkboardRepository()


@cache
def connections() -> ConnectionsRepository:
    """The process-wide WebSocket connections repository."""
    return ConnectionsRepository()


@cache
def management_api() -> ManagementApi:
    """The process-wide client that posts frames to WebSocket connections."""
    return ManagementApi()


@cache
def attachment_bucket() -> AttachmentBucket:
    """The process-wide attachments bucket; it reads its name from the environment on first use."""
    return AttachmentBucket()
