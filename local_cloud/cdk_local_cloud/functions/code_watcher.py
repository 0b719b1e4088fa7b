"""Watches the functions' code directories, so that the next invocation after an edit runs the new code."""

import logging
import threading
from collections.abc import Callable, Iterable
from pathlib import Path

import watchfiles

__all__ = ["CodeWatcher"]

_logger = logging.getLogger(__name__)
# How often the watching thread wakes without changes, to see whether it should stop.
_WAKE_MILLISECONDS = 200


class CodeWatcher:
    """A thread that calls ``on_change`` with the watched directories in which files changed.

    The constructor returns once the directories are watched, so an edit made right after it is seen.
    Bytecode caches and editor swap files are ignored (watchfiles' default filter).
    """

    def __init__(self, directories: Iterable[Path], on_change: Callable[[set[Path]], None]) -> None:
        self._directories = sorted({directory.resolve() for directory in directories})
        self._on_change = on_change
        self._stop = threading.Event()
        self._watching = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="function code watcher", daemon=True)
        self._thread.start()
        self._watching.wait()

    def close(self) -> None:
        self._stop.set()
        self._thread.join()

    def _watch(self) -> None:
        try:
            for changes in watchfiles.watch(
                *self._directories,
                stop_event=self._stop,
                rust_timeout=_WAKE_MILLISECONDS,
                yield_on_timeout=True,
                raise_interrupt=False,
            ):
                self._watching.set()
                if changes:
                    self._on_change(self._changed_directories(path for _, path in changes))
        except OSError as error:
            _logger.warning("Code changes will not reload functions: watching their code failed (%s).", error)
        finally:
            self._watching.set()

    def _changed_directories(self, paths: Iterable[str]) -> set[Path]:
        changed = {Path(path).resolve() for path in paths}
        return {
            directory
            for directory in self._directories
            if any(path.is_relative_to(directory) for path in changed)
        }
