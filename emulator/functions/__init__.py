"""The function host: runs each template function in its own worker processes, like Lambda.

``FunctionHost`` implements ``emulator.invocation.FunctionInvoker`` for the gateway and the event sources.
"""

from emulator.functions.errors import (
    FunctionHostClosedError,
    FunctionHostError,
    FunctionNotFoundError,
    UnsupportedFunctionError,
)
from emulator.functions.host import FunctionHost, StatementsFor
from emulator.functions.log_relay import LogSink
from emulator.functions.spec import FunctionSpec

__all__ = [
    "FunctionHost",
    "FunctionHostClosedError",
    "FunctionHostError",
    "FunctionNotFoundError",
    "FunctionSpec",
    "LogSink",
    "StatementsFor",
    "UnsupportedFunctionError",
]
