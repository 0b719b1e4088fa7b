"""Corkboard's REST API: one Powertools resolver, one router per resource, entry point ``api.app.handler``."""

__all__ = ["app"]
