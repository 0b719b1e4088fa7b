"""A handler that the reload test rewrites while its worker is warm."""


def handler(event: object, context: object) -> str:
    return "first version"
