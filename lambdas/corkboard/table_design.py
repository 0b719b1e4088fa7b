"""The single source of truth for table keys, index names and environment variable names.

Both ``stacks/`` (which create the tables and set the variables) and ``lambdas/`` (which read them)
import this module, so the table and the code that uses it cannot drift apart. It must stay
dependency-free: no boto3, no pydantic, no CDK.
"""

__all__ = [
    "ADMIN_GROUP",
    "ATTACHMENTS_KEY_PREFIX",
    "CONNECTIONS_PARTITION_KEY",
    "CONNECTIONS_SORT_KEY",
    "CONNECTIONS_TTL_ATTRIBUTE",
    "ENV_ADMIN_GROUP",
    "ENV_ATTACHMENTS_BUCKET_NAME",
    "ENV_ATTACHMENT_MAX_BYTES",
    "ENV_CONNECTIONS_TABLE_NAME",
    "ENV_CORS_ALLOW_ORIGINS",
    "ENV_CURSOR_SECRET_ARN",
    "ENV_FANOUT_CONCURRENCY",
    "ENV_FANOUT_QUEUE_URL",
    "ENV_IDEMPOTENCY_TABLE_NAME",
    "ENV_JWKS_URL",
    "ENV_TABLE_NAME",
    "ENV_USER_POOL_CLIENT_ID",
    "ENV_USER_POOL_ID",
    "ENV_WEBSOCKET_CALLBACK_URL",
    "GSI1_NAME",
    "GSI1_PARTITION_KEY",
    "GSI1_SORT_KEY",
    "GSI2_NAME",
    "GSI2_PARTITION_KEY",
    "GSI2_SORT_KEY",
    "IDEMPOTENCY_PARTITION_KEY",
    "IDEMPOTENCY_TTL_ATTRIBUTE",
    "INCOMING_EXPIRY_DAYS",
    "INCOMING_KEY_PREFIX",
    "PARTITION_KEY",
    "SMOKE_TEST_GROUP",
    "SORT_KEY",
    "TTL_ATTRIBUTE",
]

# Main table: one table for the whole domain (single-table design, see docs/architecture.md).
PARTITION_KEY = "pk"
SORT_KEY = "sk"
GSI1_NAME = "gsi1"
GSI1_PARTITION_KEY = "gsi1pk"
GSI1_SORT_KEY = "gsi1sk"
# GSI2 holds one board's tasks of one status (gsi2pk=BOARD#{boardId}#STATUS#{status}, gsi2sk=task id),
# so a status list is a Query that reads only what it returns.
GSI2_NAME = "gsi2"
GSI2_PARTITION_KEY = "gsi2pk"
GSI2_SORT_KEY = "gsi2sk"
TTL_ATTRIBUTE = "expiresAt"

# Idempotency table, in the layout Powertools' DynamoDBPersistenceLayer expects by default.
IDEMPOTENCY_PARTITION_KEY = "id"
IDEMPOTENCY_TTL_ATTRIBUTE = "expiration"

# Connections table (WebSocket): connections and board subscriptions, expiring by TTL.
CONNECTIONS_PARTITION_KEY = "pk"
CONNECTIONS_SORT_KEY = "sk"
CONNECTIONS_TTL_ATTRIBUTE = "expiresAt"

# Cognito group whose members may read every board.
ADMIN_GROUP = "admins"
# Cognito group of the smoke suite's throw-away users (smoke/), so that none is taken for a real person.
SMOKE_TEST_GROUP = "smoke-tests"

# Environment variables the stacks set and the handlers read.
ENV_TABLE_NAME = "TABLE_NAME"
ENV_IDEMPOTENCY_TABLE_NAME = "IDEMPOTENCY_TABLE_NAME"
ENV_CURSOR_SECRET_ARN = "CURSOR_SECRET_ARN"  # noqa: S105 - the variable name, not a secret
ENV_ADMIN_GROUP = "ADMIN_GROUP"
ENV_CONNECTIONS_TABLE_NAME = "CONNECTIONS_TABLE_NAME"
# Comma-separated browser origins (cdk.json corsAllowOrigins) whose Origin the REST function reflects.
ENV_CORS_ALLOW_ORIGINS = "CORS_ALLOW_ORIGINS"
# https://{api-id}.execute-api.{region}.amazonaws.com/{stage}: where post_to_connection is sent.
ENV_WEBSOCKET_CALLBACK_URL = "WEBSOCKET_CALLBACK_URL"
ENV_USER_POOL_ID = "USER_POOL_ID"
ENV_USER_POOL_CLIENT_ID = "USER_POOL_CLIENT_ID"
# Optional: where the authorizer fetches the pool's JWKS (default: the pool's issuer URL on Cognito).
ENV_JWKS_URL = "JWKS_URL"
# Optional: how many connections the broadcaster posts to at once (default: corkboard.settings).
ENV_FANOUT_CONCURRENCY = "FANOUT_CONCURRENCY"
# Optional: the FIFO queue the broadcaster puts batches of subscribers on for the sender functions; unset,
# the broadcaster posts to every subscriber itself.
ENV_FANOUT_QUEUE_URL = "FANOUT_QUEUE_URL"
# Attachments (S3): the bucket, the largest upload accepted, and how long presigned URLs live.
ENV_ATTACHMENTS_BUCKET_NAME = "ATTACHMENTS_BUCKET_NAME"
ENV_ATTACHMENT_MAX_BYTES = "ATTACHMENT_MAX_BYTES"
# Uploads land at incoming/{board_id}/{task_id}/{attachment_id}, which nothing serves and where the uploads
# function listens; it copies a checked file to attachments/{board_id}/{task_id}/{attachment_id}, the only
# key a download link names. An upload that never arrives, or is never checked, expires after
# INCOMING_EXPIRY_DAYS: its pending record by TTL, its object by the bucket's lifecycle rule.
ATTACHMENTS_KEY_PREFIX = "attachments/"
INCOMING_KEY_PREFIX = "incoming/"
INCOMING_EXPIRY_DAYS = 1
