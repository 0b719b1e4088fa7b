"""Prints what a worker writes to stdout and stderr, line by line, behind the function's name."""

import os
import threading
from collections.abc import Callable
from multiprocessing.connection import Connection

__all__ = ["LogRelay", "LogSink", "print_line"]

LogSink = Callable[[str], None]
# A bound on waiting for the last lines: a process the handler detached may hold the pipe open forever.
_DRAIN_SECONDS = 5.0


def print_line(line: str) -> None:
    """The default sink: stdout, flushed, so lines show at once even when the local cloud's output is
    piped."""
    print(line, flush=True)


class LogRelay:
    """A thread that reads one worker's output pipe until every writer has closed it.

    The pipe comes as a multiprocessing Connection only because that is how the spawn context hands a file
    descriptor to a child; the bytes on it are the child's raw output, never Connection messages.
    """

    def __init__(self, pipe: Connection, *, prefix: str, sink: LogSink) -> None:
        self._stream = open(os.dup(pipe.fileno()), "rb")  # noqa: SIM115 -- the thread closes it at EOF
        pipe.close()
        self._prefix = prefix
        self._sink = sink
        self._thread = threading.Thread(target=self._relay, name=f"logs {prefix.strip()}", daemon=True)
        self._thread.start()

    def drain(self) -> None:
        """Waits until the output is fully printed; call it once the worker is dead."""
        self._thread.join(_DRAIN_SECONDS)

    def _relay(self) -> None:
        with self._stream:
            for raw_line in self._stream:
                self._sink(self._prefix + raw_line.decode(errors="replace").rstrip("\r\n"))
