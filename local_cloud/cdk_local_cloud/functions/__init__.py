"""The function host: runs each template function in its own worker processes, like Lambda.

``FunctionHost`` implements ``cdk_local_cloud.contracts.invocation.FunctionInvoker`` for the gateway and
the event sources.
"""

from cdk_local_cloud.functions.errors import (
    FunctionHostClosedError,
    FunctionHostError,
    FunctionNotFoundError,
    UnsupportedFunctionError,
)
from cdk_local_cloud.functions.host import FunctionHost, StatementsFor
from cdk_local_cloud.functions.log_relay import LogSink
from cdk_local_cloud.functions.spec import FunctionSpec

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
