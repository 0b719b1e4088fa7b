"""The repositories and the Management API client the services share, each built on first use.

Built lazily so that importing the services reads no environment variable: tests (and tools) set the
environment first, and a test can drop an instance with its ``cache_clear()``.
"""

from functools import cache

from corkboard.connections import ConnectionsRepository
from corkboard.management_api import ManagementApi
from corkboard.repository import CorkboardRepository

__all__ = ["connections", "management_api", "repository"]


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
