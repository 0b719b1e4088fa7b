"""One Powertools router per resource; :mod:`api.app` includes them all."""

__all__ = ["attachments", "boards", "health", "me", "members", "tasks"]
