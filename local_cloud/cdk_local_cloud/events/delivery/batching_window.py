"""The batch an event source mapping gathers before it invokes: full at BatchSize, or when its window closes.

Lambda's pollers for streams and queues share this rule (``MaximumBatchingWindowInSeconds``): the window
opens when the first record is held, and a batch goes when it is full or the window has closed.
"""

import time
from typing import Any

__all__ = ["BatchingWindow"]


class BatchingWindow:
    """Records held for the next invocation; ``take`` hands them over and opens a new window."""

    def __init__(self, *, batch_size: int, window_seconds: float) -> None:
        self._batch_size = batch_size
        self._window_seconds = window_seconds
        self._records: list[dict[str, Any]] = []
        self._opened_at: float | None = None

    @property
    def room(self) -> int:
        """How many records the batch still takes before it is full."""
        return self._batch_size - len(self._records)

    def __bool__(self) -> bool:
        return bool(self._records)

    def add(self, records: list[dict[str, Any]]) -> None:
        self._records.extend(records)

    def ready(self) -> bool:
        """Whether the held records should go now (the window opens at the first check with records)."""
        if not self._records:
            return False
        if self._opened_at is None:
            self._opened_at = time.monotonic()
        return (
            len(self._records) >= self._batch_size
            or time.monotonic() - self._opened_at >= self._window_seconds
        )

    def take(self) -> list[dict[str, Any]]:
        records, self._records, self._opened_at = self._records, [], None
        return records
