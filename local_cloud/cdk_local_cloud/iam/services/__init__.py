"""Per-service rules that name the IAM action and resource ARN of a botocore call, one module a service."""

__all__: list[str] = []
