"""The local API gateway: REST APIs (with their Cognito and Lambda authorizers) and WebSocket APIs.

Start with :func:`cdk_local_cloud.gateway.server.create_gateway_app` and
:func:`cdk_local_cloud.gateway.server.run_gateway`.
"""

__all__: list[str] = []
