"""Stand-ins for resources a construct is handed rather than creates, shared by the construct tests."""

from aws_cdk import Stack
from aws_cdk import aws_lambda as lambda_

__all__ = ["ACCOUNT", "imported_function"]

ACCOUNT = "123456789012"


def imported_function(stack: Stack, name: str) -> lambda_.IFunction:
    """A function known only by its ARN, in the stack's own account and region, so grants stay local."""
    return lambda_.Function.from_function_attributes(
        stack,
        name,
        function_arn=f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:{name}",
        same_environment=True,
    )
