"""Named, timed steps: each prints one line with its latency, and a failure names the step that failed."""

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TextIO

__all__ = ["SmokeStepError", "StepLog", "StepResult"]


class SmokeStepError(RuntimeError):
    """A step did not see what a healthy deployment answers; the message says what it saw instead."""


@dataclass(frozen=True)
class StepResult:
    name: str
    milliseconds: float
    ok: bool
    detail: str = ""


@dataclass
class StepLog:
    """Prints ``ok   123 ms  create a board`` per step, as it finishes, so a hung step is visible."""

    out: TextIO = field(default_factory=lambda: sys.stdout)
    clock: Callable[[], float] = time.perf_counter
    results: list[StepResult] = field(default_factory=list)

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        started = self.clock()
        try:
            yield
        except Exception as error:
            self._record(StepResult(name, self._elapsed(started), ok=False, detail=str(error)))
            raise
        self._record(StepResult(name, self._elapsed(started), ok=True))

    @property
    def passed(self) -> bool:
        return all(result.ok for result in self.results)

    def summary(self) -> str:
        failed = sum(1 for result in self.results if not result.ok)
        total = sum(result.milliseconds for result in self.results)
        return f"{len(self.results) - failed} passed, {failed} failed ({total:.0f} ms in all)"

    def _elapsed(self, started: float) -> float:
        return (self.clock() - started) * 1000

    def _record(self, result: StepResult) -> None:
        self.results.append(result)
        status = "ok  " if result.ok else "FAIL"
        line = f"{status} {result.milliseconds:7.0f} ms  {result.name}"
        if result.detail:
            line += f"\n     {result.detail}"
        print(line, file=self.out, flush=True)
