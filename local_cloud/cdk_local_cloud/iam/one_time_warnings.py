"""Warnings that a worker prints once per process, however many calls or roles hit the same gap."""

import logging
import threading

__all__ = ["OneTimeWarnings"]


class OneTimeWarnings:
    """Logs a warning the first time its key is seen; later ones are silent. Thread-safe."""

    def __init__(self, logger: logging.Logger) -> None:
        self._logger = logger
        self._seen: set[str] = set()
        self._lock = threading.Lock()

    def warn(self, key: str, message: str, *args: object) -> None:
        with self._lock:
            if key in self._seen:
                return
            self._seen.add(key)
        self._logger.warning(message, *args)
