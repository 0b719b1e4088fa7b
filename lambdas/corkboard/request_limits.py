"""Limits on requests that the API enforces and the infrastructure in front of it must agree with.

The REST function refuses a larger body with 413, and the prod WAF blocks one before it reaches the
function with the same 413; both read the limit here, so neither lets through what the other refuses.
It must stay dependency-free: ``stacks/`` imports it as well as the handlers.
"""

__all__ = ["MAX_BODY_BYTES"]

# 64 KiB is also the most of a body that API Gateway lets WAF inspect.
MAX_BODY_BYTES = 64 * 1024
