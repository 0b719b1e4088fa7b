"""The emulator's event sources: DynamoDB stream mappings and S3 notifications, delivered to functions.

Start one ``EventSources`` per deployment once its resources exist on moto, and close it before moto stops.
"""

from emulator.events.event_filter import EventPattern, EventPatternError, RecordFilter
from emulator.events.event_sources import EventSources

__all__ = ["EventPattern", "EventPatternError", "EventSources", "RecordFilter"]
