"""The one repository the services share, built on first use.

Built lazily so that importing the services reads no environment variable: tests (and tools) set the
environment first, and a test can drop the instance with ``repository.cache_clear()``.
"""

from functools import cache

from corkboard.repository import CorkboardRepository

__all__ = ["repository"]


@cache
def repository() -> CorkboardRepository:
    """The process-wide repository; it reads its settings from the environment on first use."""
    return CorkboardRepository()
