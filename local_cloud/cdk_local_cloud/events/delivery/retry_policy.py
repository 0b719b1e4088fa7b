"""How many times a failed delivery is retried, and how long to wait before each retry.

Lambda waits minutes between retries; locally a developer wants the outcome in seconds, so the base delay is
the local cloud's own setting while the number of retries comes from the template.
"""

from dataclasses import dataclass

__all__ = ["RetryPolicy"]

# The delay doubles per retry up to this multiple of the base, so that a record retried forever (-1) costs
# little while it waits for the developer's fix.
_MAX_BACKOFF_FACTOR = 32


@dataclass(frozen=True)
class RetryPolicy:
    """``max_retries`` None means retry until the record or event is too old (the template's -1)."""

    max_retries: int | None
    base_delay: float

    @classmethod
    def from_template(cls, maximum_retry_attempts: int, base_delay: float) -> "RetryPolicy":
        return cls(None if maximum_retry_attempts < 0 else maximum_retry_attempts, base_delay)

    def exhausted(self, retries_done: int) -> bool:
        return self.max_retries is not None and retries_done >= self.max_retries

    def delay_before(self, retry_number: int) -> float:
        """The wait before the ``retry_number``-th retry (1 for the first)."""
        return self.base_delay * min(2 ** (retry_number - 1), _MAX_BACKOFF_FACTOR)
