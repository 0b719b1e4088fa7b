"""Waits in the main thread until Ctrl-C (SIGINT) or SIGTERM arrives, whichever thread the kernel gives it to.

CPython runs a signal's handler in the main thread only, and only once that thread runs Python code again.
The kernel may hand a process's signal to any of its threads (moto's server, the gateway's event loop), and
then nothing wakes a main thread blocked in an untimed ``Event.wait()``: Ctrl-C went unnoticed, and the
local cloud served on (1 of 3 runs of bench/local_restart.py hung so). The wait therefore wakes twice a
second, which lets a pending handler run.
"""

import signal
import threading

__all__ = ["StopSignal"]

_WAKE_SECONDS = 0.5


class StopSignal:
    """Catches SIGINT and SIGTERM from construction on, so that one during start-up is not lost."""

    def __init__(self) -> None:
        self._stop = threading.Event()
        for signal_number in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signal_number, lambda *_: self._stop.set())

    def wait(self) -> None:
        while not self._stop.wait(_WAKE_SECONDS):
            pass
