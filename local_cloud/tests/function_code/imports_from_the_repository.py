"""A handler that imports a package of the repository around it, which its code asset does not contain."""

import serverless_blocks  # noqa: F401


def handler(event: object, context: object) -> str:
    return "imported what Lambda would not have"
