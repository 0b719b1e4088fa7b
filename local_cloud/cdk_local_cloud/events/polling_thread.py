"""A named background thread that repeats one polling step until it is told to stop.

Every event source polls moto (a shard, a queue); they share this loop so that each one stops as soon as
its step under way returns, and none of them busy-waits. A source that can be told when there is something
to read (stream shards, :mod:`cdk_local_cloud.embedded_aws.stream_write_notices`) passes a ``wake_up``
event: an idle wait then ends as soon as it is set.
"""

import enum
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["PollingPace", "PollingThread", "StepOutcome"]

logger = logging.getLogger(__name__)


class StepOutcome(enum.Enum):
    """What a polling step found, which sets how soon the next step runs."""

    # Work was done and more may be waiting: step again at once.
    BUSY = enum.auto()
    # Something is pending (a batch filling up): step again after the base interval.
    WAITING = enum.auto()
    # Nothing happened: wait, longer each time up to the idle interval.
    IDLE = enum.auto()


@dataclass(frozen=True)
class PollingPace:
    """``interval``: the wait after a step that found nothing; an idle poller doubles it per step, up to
    ``idle_interval`` (no backoff when it is None)."""

    interval: float
    idle_interval: float | None = None

    @property
    def longest_wait(self) -> float:
        return max(self.interval, self.idle_interval or self.interval)


class PollingThread:
    """Calls ``step()`` at the pace its outcomes ask for, until :meth:`stop` (or ``stopping`` is set).

    An idle wait ends early when ``wake_up`` is set. It is cleared before each step, so a notice that comes
    while a step runs is not lost: the next wait returns at once.

    A step that raises counts as idle and is logged once per run of failures: a passing fault (moto
    restarting, a function host reloading) must neither end the event source nor flood the console.
    """

    def __init__(
        self,
        name: str,
        step: Callable[[], StepOutcome],
        pace: PollingPace,
        stopping: threading.Event,
        *,
        wake_up: threading.Event | None = None,
    ) -> None:
        self._step = step
        self._pace = pace
        self._stopping = stopping
        self._wake_up = wake_up
        self._failing = False
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Asks the thread to stop after its step under way; an idle wait ends at once."""
        self._stopping.set()
        if self._wake_up is not None:
            self._wake_up.set()

    def join(self) -> None:
        self._thread.join()

    def _run(self) -> None:
        idle_wait = self._pace.interval
        while not self._stopping.is_set():
            if self._wake_up is not None:
                self._wake_up.clear()
            outcome = self._step_safely()
            if outcome is StepOutcome.IDLE:
                (self._wake_up or self._stopping).wait(idle_wait)
                idle_wait = min(idle_wait * 2, self._pace.longest_wait)
                continue
            idle_wait = self._pace.interval
            if outcome is StepOutcome.WAITING:
                self._stopping.wait(self._pace.interval)

    def _step_safely(self) -> StepOutcome:
        try:
            outcome = self._step()
        except Exception as error:
            if not self._failing:
                logger.warning(
                    "%s failed (%s: %s); it keeps trying.",
                    self._thread.name,
                    type(error).__name__,
                    error,
                    exc_info=logger.isEnabledFor(logging.DEBUG),
                )
            self._failing = True
            return StepOutcome.IDLE
        self._failing = False
        return outcome
