"""A handler module whose import fails, as when a dependency is missing from the code asset."""

import module_missing_from_the_asset  # noqa: F401


def handler(event: object, context: object) -> None:
    return None
