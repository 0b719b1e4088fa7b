"""A handler that logs the three ways a function does: print, stderr and Powertools' JSON logger."""

import sys
from typing import Any

from aws_lambda_powertools import Logger

logger = Logger(service="fixture")


def handler(event: Any, context: Any) -> None:
    print("a plain line")
    print("a line on stderr", file=sys.stderr)
    logger.info("a structured line", extra={"board": "b1"})
