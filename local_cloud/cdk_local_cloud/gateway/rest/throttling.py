"""A stage's method throttling (``MethodSettings``) as token buckets, so a local burst gets API Gateway's 429.

API Gateway gives each method its own bucket: the stage-wide ``/*/*`` limits apply to every method
separately, and a ``{resourcePath}/{httpMethod}`` setting replaces them for that one method.
"""

import time
from collections.abc import Callable

from cdk_local_cloud.gateway.rest.model import Stage, ThrottleLimits

__all__ = ["StageThrottle", "TokenBucket"]

_STAGE_WIDE = ("/*", "*")


class TokenBucket:
    """``burst`` tokens at most, refilled at ``rate_per_second``; a request takes one."""

    def __init__(self, limits: ThrottleLimits, clock: Callable[[], float] = time.monotonic) -> None:
        self._limits = limits
        self._clock = clock
        self._tokens = float(limits.burst)
        self._updated = clock()

    def take(self) -> bool:
        now = self._clock()
        refilled = self._tokens + (now - self._updated) * self._limits.rate_per_second
        self._tokens = min(float(self._limits.burst), refilled)
        self._updated = now
        if self._tokens < 1:
            return False
        self._tokens -= 1
        return True


class StageThrottle:
    """Decides, per request, whether a stage's limits let it through. Used from the event loop only."""

    def __init__(self, stage: Stage, clock: Callable[[], float] = time.monotonic) -> None:
        self._settings = stage.throttling
        self._clock = clock
        self._buckets: dict[tuple[str, str], TokenBucket] = {}

    def allow(self, resource_path: str, http_method: str) -> bool:
        method = (resource_path, http_method.upper())
        bucket = self._buckets.get(method)
        if bucket is None:
            limits = self._limits(method)
            if limits is None:
                return True
            bucket = self._buckets[method] = TokenBucket(limits, self._clock)
        return bucket.take()

    def _limits(self, method: tuple[str, str]) -> ThrottleLimits | None:
        for key in (method, (method[0], "*"), _STAGE_WIDE):
            if key in self._settings:
                return self._settings[key]
        return None
