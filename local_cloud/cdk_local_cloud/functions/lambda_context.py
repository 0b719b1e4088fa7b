"""The ``context`` a handler receives, with the attributes and types of Lambda's Python runtime."""

import time
from dataclasses import dataclass

__all__ = ["LambdaContext"]


@dataclass(frozen=True)
class LambdaContext:
    """What awslambdaric passes to a handler; ``memory_limit_in_mb`` is a string there too.

    ``deadline`` is the ``time.monotonic()`` value at which the invocation times out.
    """

    function_name: str
    function_version: str
    invoked_function_arn: str
    memory_limit_in_mb: str
    aws_request_id: str
    log_group_name: str
    log_stream_name: str
    deadline: float
    identity: None = None
    client_context: None = None

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.deadline - time.monotonic()) * 1000))
