"""Corkboard's WebSocket API: the $connect authorizer, $connect/$disconnect, and the client actions.

Entry points: ``ws.authorizer.handler``, ``ws.connection.connect``, ``ws.connection.disconnect`` and
``ws.actions.handler`` (routes ``subscribe``, ``unsubscribe``, ``ping`` and ``$default``).
See docs/realtime.md for the protocol.
"""

__all__ = ["actions", "authorizer", "authorizer_context", "connection", "frames", "id_tokens"]
