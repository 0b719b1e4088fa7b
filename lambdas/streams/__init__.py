"""DynamoDB stream consumers. ``streams.broadcaster.handler`` posts board changes to WebSocket subscribers."""

__all__ = ["broadcaster"]
