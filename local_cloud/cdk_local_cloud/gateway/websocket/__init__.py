"""API Gateway WebSocket APIs: the handshake and its authorizer, route selection, and the @connections
management API."""
