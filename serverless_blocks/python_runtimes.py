"""Which Lambda runtimes the Python constructs accept: one rule, so that functions and layers agree."""

from aws_cdk import aws_lambda as lambda_

__all__ = ["is_python3"]


def is_python3(runtime: lambda_.Runtime) -> bool:
    """True for the Python 3 runtimes that Powertools layers and pip's wheel tags exist for."""
    return runtime.family == lambda_.RuntimeFamily.PYTHON and runtime.name.startswith("python3.")
