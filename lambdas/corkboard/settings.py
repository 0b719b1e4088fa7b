"""Runtime settings, read from the environment when first asked for and never at import.

Reading lazily keeps importing handler modules free of side effects (tests and tools can import them
without an environment) and keeps the Powertools parameters utility off the cold-start import path.

- ``TABLE_NAME`` (``table_design.ENV_TABLE_NAME``): the main table, set by the stack.
- ``CURSOR_SECRET_ARN`` (``table_design.ENV_CURSOR_SECRET_ARN``): the Secrets Manager secret whose value
  signs pagination cursors. Its string value is used as the HMAC key (UTF-8 bytes, at least 16).
- ``CONNECTIONS_TABLE_NAME``: the WebSocket connections table.
- ``WEBSOCKET_CALLBACK_URL``: ``https://{api}.execute-api.{region}.amazonaws.com/{stage}``, where frames
  are posted to connections.
- ``USER_POOL_ID``, ``USER_POOL_CLIENT_ID``: whose ID tokens the WebSocket authorizer accepts.
- ``JWKS_URL`` (optional): where the authorizer fetches the pool's keys, if not from Cognito itself.
- ``FANOUT_CONCURRENCY`` (optional, default :data:`DEFAULT_FANOUT_CONCURRENCY`): posts in flight at once.
- ``FANOUT_QUEUE_URL`` (optional): the FIFO queue of subscriber batches for the sender functions
  (:mod:`corkboard.fanout_queue`); unset, the broadcaster posts to every subscriber itself.
- ``ATTACHMENTS_BUCKET_NAME``: the bucket attachments are uploaded to.
- ``ATTACHMENT_MAX_BYTES`` (optional, default :data:`DEFAULT_ATTACHMENT_MAX_BYTES`): the largest file.
- ``CORS_ALLOW_ORIGINS`` (optional): comma-separated browser origins the REST function answers with CORS
  headers; unset or empty, it sends none.
"""

import os

from corkboard.table_design import (
    ENV_ATTACHMENT_MAX_BYTES,
    ENV_ATTACHMENTS_BUCKET_NAME,
    ENV_CONNECTIONS_TABLE_NAME,
    ENV_CORS_ALLOW_ORIGINS,
    ENV_CURSOR_SECRET_ARN,
    ENV_FANOUT_CONCURRENCY,
    ENV_FANOUT_QUEUE_URL,
    ENV_JWKS_URL,
    ENV_TABLE_NAME,
    ENV_USER_POOL_CLIENT_ID,
    ENV_USER_POOL_ID,
    ENV_WEBSOCKET_CALLBACK_URL,
)

__all__ = [
    "CURSOR_KEY_MAX_AGE_SECONDS",
    "DEFAULT_ATTACHMENT_MAX_BYTES",
    "DEFAULT_FANOUT_CONCURRENCY",
    "InvalidSettingError",
    "MissingSettingError",
    "attachment_max_bytes",
    "attachments_bucket_name",
    "connections_table_name",
    "cors_allow_origins",
    "cursor_key",
    "fanout_concurrency",
    "fanout_queue_url",
    "jwks_url",
    "table_name",
    "user_pool_client_id",
    "user_pool_id",
    "websocket_callback_url",
]

# How long a fetched cursor key is reused before Secrets Manager is asked again (so rotation lands within it).
CURSOR_KEY_MAX_AGE_SECONDS = 300
# Enough to hide a post's round trip behind 31 others, few enough for one function's sockets and memory.
DEFAULT_FANOUT_CONCURRENCY = 32
# 10 MiB: photos and documents fit, and a file this size uploads in seconds on a slow connection.
DEFAULT_ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024


class MissingSettingError(RuntimeError):
    """A required environment variable is not set."""

    def __init__(self, variable: str) -> None:
        self.variable = variable
        super().__init__(
            f"Environment variable {variable} is not set. The stack sets it on every function; "
            "when running elsewhere, export it first."
        )


class InvalidSettingError(RuntimeError):
    """An environment variable is set to a value the code cannot use."""

    def __init__(self, variable: str, value: str, expected: str) -> None:
        self.variable = variable
        super().__init__(f"Environment variable {variable} is {value!r}; set it to {expected} or unset it.")


def table_name() -> str:
    return _required(ENV_TABLE_NAME)


def cursor_key() -> bytes:
    """The cursor-signing key, from Secrets Manager via Powertools (cached for CURSOR_KEY_MAX_AGE_SECONDS)."""
    from aws_lambda_powertools.utilities.parameters import get_secret  # noqa: PLC0415  (off the import path)

    secret = get_secret(_required(ENV_CURSOR_SECRET_ARN), max_age=CURSOR_KEY_MAX_AGE_SECONDS)
    return secret if isinstance(secret, bytes) else secret.encode()


def connections_table_name() -> str:
    return _required(ENV_CONNECTIONS_TABLE_NAME)


def websocket_callback_url() -> str:
    return _required(ENV_WEBSOCKET_CALLBACK_URL)


def user_pool_id() -> str:
    return _required(ENV_USER_POOL_ID)


def user_pool_client_id() -> str:
    return _required(ENV_USER_POOL_CLIENT_ID)


def jwks_url() -> str | None:
    return os.environ.get(ENV_JWKS_URL) or None


def fanout_concurrency() -> int:
    return _positive_int(ENV_FANOUT_CONCURRENCY, DEFAULT_FANOUT_CONCURRENCY)


def fanout_queue_url() -> str | None:
    return os.environ.get(ENV_FANOUT_QUEUE_URL) or None


def attachments_bucket_name() -> str:
    return _required(ENV_ATTACHMENTS_BUCKET_NAME)


def attachment_max_bytes() -> int:
    return _positive_int(ENV_ATTACHMENT_MAX_BYTES, DEFAULT_ATTACHMENT_MAX_BYTES)


def cors_allow_origins() -> tuple[str, ...]:
    """The allowed browser origins, in the stack's order (an origin holds no comma)."""
    raw = os.environ.get(ENV_CORS_ALLOW_ORIGINS, "")
    return tuple(origin.strip() for origin in raw.split(",") if origin.strip())


def _positive_int(variable: str, default: int) -> int:
    raw = os.environ.get(variable, "")
    if not raw:
        return default
    if not (raw.isascii() and raw.isdigit()) or int(raw) < 1:
        raise InvalidSettingError(variable, raw, "a whole number of at least 1")
    return int(raw)


def _required(variable: str) -> str:
    value = os.environ.get(variable, "")
    if not value:
        raise MissingSettingError(variable)
    return value
