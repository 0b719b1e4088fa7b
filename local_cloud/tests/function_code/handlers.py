"""Tiny handlers that the function host's tests run in real worker processes."""

import ctypes
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any


def echo(event: Any, context: Any) -> dict[str, Any]:
    """Everything a handler can see of its execution environment."""
    return {
        "event": event,
        "environment": dict(os.environ),
        "context": {
            "function_name": context.function_name,
            "function_version": context.function_version,
            "invoked_function_arn": context.invoked_function_arn,
            "memory_limit_in_mb": context.memory_limit_in_mb,
            "aws_request_id": context.aws_request_id,
            "log_group_name": context.log_group_name,
            "log_stream_name": context.log_stream_name,
            "remaining_time_in_millis": context.get_remaining_time_in_millis(),
        },
        "pid": os.getpid(),
        "cwd": os.getcwd(),
        "sys_path": sys.path,
    }


def pid(event: Any, context: Any) -> int:
    return os.getpid()


def fail(event: Any, context: Any) -> None:
    raise ValueError("the board name is empty")


def unserializable(event: Any, context: Any) -> object:
    return object()


def crash(event: Any, context: Any) -> int:
    """Kills its own process as ``event["crash"]`` says ("exit" or "segfault"); otherwise returns its pid."""
    if event.get("crash") == "exit":
        os._exit(3)
    if event.get("crash") == "segfault":
        ctypes.string_at(0)
    return os.getpid()


def sleep(event: Any, context: Any) -> int:
    """Sleeps ``seconds``, after writing its pid to ``started`` (if given) so a test knows it is running."""
    if "started" in event:
        Path(event["started"]).write_text(str(os.getpid()))
    time.sleep(event["seconds"])
    return os.getpid()


def rendezvous(event: Any, context: Any) -> int:
    """Returns only once ``expected`` invocations are running at the same time (or the time is up)."""
    directory = Path(event["directory"])
    (directory / str(os.getpid())).touch()
    while len(list(directory.iterdir())) < event["expected"] and context.get_remaining_time_in_millis() > 0:
        time.sleep(0.01)
    return os.getpid()


def start_background_process(event: Any, context: Any) -> int:
    """Leaves a process running behind the invocation, as a careless handler may; returns its pid."""
    return subprocess.Popen(["sleep", "600"]).pid  # noqa: S607 -- a fixed command
