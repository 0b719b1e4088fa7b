"""The local cloud's event sources: stream and SQS queue mappings, S3 notifications, delivered to functions.

Start one ``EventSources`` per deployment once its resources exist on moto, and close it before moto stops.
"""

from cdk_local_cloud.events.event_filter import EventPattern, EventPatternError, RecordFilter
from cdk_local_cloud.events.event_sources import EventSources

__all__ = ["EventPattern", "EventPatternError", "EventSources", "RecordFilter"]
