"""Runtime settings, read from the environment when first asked for and never at import.

Reading lazily keeps importing handler modules free of side effects (tests and tools can import them
without an environment) and keeps the Powertools parameters utility off the cold-start import path.

- ``TABLE_NAME`` (``table_design.ENV_TABLE_NAME``): the main table, set by the stack.
- ``CURSOR_SECRET_ARN`` (``table_design.ENV_CURSOR_SECRET_ARN``): the Secrets Manager secret whose value
  signs pagination cursors. Its string value is used as the HMAC key (UTF-8 bytes, at least 16).
"""

import os

from corkboard.table_design import ENV_CURSOR_SECRET_ARN, ENV_TABLE_NAME

__all__ = ["CURSOR_KEY_MAX_AGE_SECONDS", "MissingSettingError", "cursor_key", "table_name"]

# How long a fetched cursor key is reused before Secrets Manager is asked again (so rotation lands within it).
CURSOR_KEY_MAX_AGE_SECONDS = 300


class MissingSettingError(RuntimeError):
    """A required environment variable is not set."""

    def __init__(self, variable: str) -> None:
        self.variable = variable
        super().__init__(
            f"Environment variable {variable} is not set. The stack sets it on every function; "
            "when running elsewhere, export it first."
        )


def table_name() -> str:
    return _required(ENV_TABLE_NAME)


def cursor_key() -> bytes:
    """The cursor-signing key, from Secrets Manager via Powertools (cached for CURSOR_KEY_MAX_AGE_SECONDS)."""
    from aws_lambda_powertools.utilities.parameters import get_secret  # noqa: PLC0415  (off the import path)

    secret = get_secret(_required(ENV_CURSOR_SECRET_ARN), max_age=CURSOR_KEY_MAX_AGE_SECONDS)
    return secret if isinstance(secret, bytes) else secret.encode()


def _required(variable: str) -> str:
    value = os.environ.get(variable, "")
    if not value:
        raise MissingSettingError(variable)
    return value
