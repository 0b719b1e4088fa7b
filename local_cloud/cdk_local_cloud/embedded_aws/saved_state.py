"""The embedded AWS's state on disk, so that a restart keeps what a developer created.

When the local cloud stops, everything moto holds (:mod:`cdk_local_cloud.embedded_aws.backend_snapshot`) is
written to one file in the state directory with the deployment's resources. The next start puts it back
before deploying, and the deployer takes each unchanged resource as it was: tables keep their items, buckets
their objects, user pools their users, groups and ids. moto's signing key is the same for every pool, so
tokens issued before the restart stay valid until they expire.

A pickle is only as good as the code that reads it, so the file starts with a JSON header naming the state
format, moto's version and Python's. A header that does not match this process's, or a file that cannot be
read, raises :class:`SavedStateError`, whose message names the command that starts empty; never a
traceback. The file is written to a temporary name and renamed, so a stop that is cut short leaves the
previous state whole. It is a pickle: load only a state directory that this machine wrote.
"""

import json
import os
import sys
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import moto

from cdk_local_cloud.contracts.deployment import Resource
from cdk_local_cloud.embedded_aws.backend_snapshot import (
    BackendSnapshot,
    capture_backends,
    dump_snapshot,
    load_snapshot,
)

__all__ = ["STATE_FILE_NAME", "SavedState", "SavedStateError", "StateDirectory"]

STATE_FILE_NAME = "embedded-aws.state"
# Bumped whenever what the payload holds changes shape.
_FORMAT = 1
_MAGIC = b"cdk-local-cloud saved state\n"
_HEADER_FIELDS = frozenset({"format", "moto", "python", "endpoint_url", "saved_at"})


class SavedStateError(Exception):
    """The saved state cannot be used; the message says why and names the command that starts empty."""


@dataclass(frozen=True)
class SavedState:
    """What a stopped local cloud left: moto's backends, and its deployment's resources on them."""

    backends: BackendSnapshot
    resources: tuple[Resource, ...]
    endpoint_url: str
    saved_at: str

    def resources_at(self, endpoint_url: str) -> tuple[Resource, ...]:
        """The resources as they read with the embedded AWS at ``endpoint_url`` (a queue URL names moto's
        port, which may differ from the last run's)."""
        if endpoint_url == self.endpoint_url:
            return self.resources
        return tuple(
            Resource(
                stack=resource.stack,
                logical_id=resource.logical_id,
                type=resource.type,
                properties=_rebased(resource.properties, self.endpoint_url, endpoint_url),
                physical_id=_rebased(resource.physical_id, self.endpoint_url, endpoint_url),
                attributes=_rebased(resource.attributes, self.endpoint_url, endpoint_url),
            )
            for resource in self.resources
        )


class StateDirectory:
    """One local cloud's saved state: ``load`` at start, ``save`` at stop, ``clear`` to start empty.

    ``reset_command`` is what a message tells the developer to run to start empty (``--reset``, or a make
    target that passes it).
    """

    def __init__(self, path: Path, *, reset_command: str) -> None:
        self.path = path
        self.reset_command = reset_command

    @property
    def file(self) -> Path:
        return self.path / STATE_FILE_NAME

    def load(self) -> SavedState | None:
        """The saved state, or None if there is none; raises :class:`SavedStateError` if it is unusable."""
        try:
            data = self.file.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as error:
            raise self._unreadable(f"{type(error).__name__}: {error}") from None
        header, payload = self._split(data)
        self._check_compatible(header)
        try:
            content = load_snapshot(payload)
            resources = tuple(Resource(**fields) for fields in content["resources"])
            return SavedState(
                backends=content["backends"],
                resources=resources,
                endpoint_url=str(header["endpoint_url"]),
                saved_at=str(header["saved_at"]),
            )
        except Exception as error:  # a damaged pickle can fail in any way at all
            raise self._unreadable(f"{type(error).__name__}: {error}") from None

    def save(self, resources: Iterable[Resource], endpoint_url: str) -> None:
        """Writes everything this process's moto holds, with ``resources``; the old file stays until the
        new one is complete."""
        payload = dump_snapshot(
            {"backends": capture_backends(), "resources": [asdict(resource) for resource in resources]}
        )
        header = {
            "format": _FORMAT,
            "moto": moto.__version__,
            "python": _python_version(),
            "saved_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "endpoint_url": endpoint_url,
        }
        self.path.mkdir(parents=True, exist_ok=True)
        partial = self.file.with_name(f"{STATE_FILE_NAME}.partial")
        with partial.open("wb") as stream:
            stream.write(_MAGIC + json.dumps(header).encode() + b"\n" + payload)
            stream.flush()
            os.fsync(stream.fileno())
        partial.replace(self.file)

    def clear(self) -> None:
        self.file.unlink(missing_ok=True)

    def _split(self, data: bytes) -> tuple[Mapping[str, Any], bytes]:
        if not data.startswith(_MAGIC):
            raise self._unreadable("it is not a saved state of the local cloud")
        header_line, _, payload = data[len(_MAGIC) :].partition(b"\n")
        try:
            header = json.loads(header_line)
        except ValueError:
            header = None
        if not isinstance(header, dict) or not _HEADER_FIELDS.issubset(header):
            raise self._unreadable("its header is damaged")
        return header, payload

    def _check_compatible(self, header: Mapping[str, Any]) -> None:
        saved = (header["format"], header["moto"], header["python"])
        running = (_FORMAT, moto.__version__, _python_version())
        if saved != running:
            raise SavedStateError(
                f"The local cloud's saved state in {self.path} was written by another version (state format "
                f"{saved[0]}, moto {saved[1]}, Python {saved[2]}; this is format {running[0]}, moto "
                f"{running[1]}, Python {running[2]}), which cannot read it. Start empty with "
                f"`{self.reset_command}` (this deletes the saved state)."
            )

    def _unreadable(self, reason: str) -> SavedStateError:
        return SavedStateError(
            f"The local cloud's saved state {self.file} cannot be read ({reason}). Start empty with "
            f"`{self.reset_command}` (this deletes the saved state)."
        )


def _python_version() -> str:
    return f"{sys.version_info.major}.{sys.version_info.minor}"


def _rebased(value: Any, old: str, new: str) -> Any:
    if isinstance(value, str):
        return value.replace(old, new)
    if isinstance(value, Mapping):
        return {key: _rebased(item, old, new) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_rebased(item, old, new) for item in value]
    return value
