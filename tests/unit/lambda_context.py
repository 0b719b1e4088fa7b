"""A Lambda context with what Powertools reads from one, for calling handlers in process."""

import uuid
from dataclasses import dataclass, field

__all__ = ["LambdaContextDouble"]


@dataclass(frozen=True)
class LambdaContextDouble:
    """The attributes ``logger.inject_lambda_context`` and the batch utility read."""

    function_name: str = "corkboard-test"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:corkboard-test"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))

    def get_remaining_time_in_millis(self) -> int:
        return 30_000
