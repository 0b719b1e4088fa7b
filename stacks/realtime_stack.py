"""RealtimeStack: the WebSocket API and the stream broadcaster (and its senders, with a sharded fan-out).

Kept apart from the REST API so that the two can be deployed and rolled back independently; both use
the DataStack's tables, the connections table included (the REST function ends subscriptions when a
member is removed or a board deleted). This stack holds no data.
"""

from collections.abc import Sequence

from aws_cdk import CfnOutput, Duration, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from lambdas.corkboard import table_design as design
from serverless_blocks import (
    ManagementMethod,
    PythonDependenciesLayer,
    PythonDependenciesLayerProps,
    PythonFunction,
    ShardedFanoutProps,
    StreamBroadcaster,
    StreamBroadcasterProps,
    WebSocketApi,
    WebSocketApiProps,
)
from stacks.config import EnvironmentConfig
from stacks.data_stack import DataStack
from stacks.functions import corkboard_function

__all__ = ["AUTH_LIBRARIES_REQUIREMENTS", "BROADCAST_SORT_KEY_PREFIXES", "CLIENT_ACTIONS", "RealtimeStack"]

AUTH_LIBRARIES_REQUIREMENTS = "lambdas/layers/auth/requirements.txt"
CLIENT_ACTIONS = ("subscribe", "unsubscribe", "ping")
# Only records of items that make an event reach the broadcaster; the rest never invoke it. ATTACH# is
# there for attachment.ready: the uploads function marks the record ready, and the stream carries that.
BROADCAST_SORT_KEY_PREFIXES = ("META", "MEMBER#", "TASK#", "ATTACH#")

# What each function's code calls on the connections table (corkboard/connections.py), and no more.
_CONNECT_ACTIONS = ("dynamodb:PutItem",)
# subscribe is a transaction: check the connection, put both subscription items; unsubscribe batches.
_ACTIONS_ACTIONS = (
    "dynamodb:GetItem",
    "dynamodb:ConditionCheckItem",
    "dynamodb:PutItem",
    "dynamodb:BatchWriteItem",
)
_CLEANUP_ACTIONS = ("dynamodb:Query", "dynamodb:BatchWriteItem")
# It also counts a subscriber's failed posts, rewriting the subscriber item (PutItem, if it still exists).
_BROADCASTER_ACTIONS = (*_CLEANUP_ACTIONS, "dynamodb:PutItem")
# Sharded, the broadcaster only reads who subscribes (Query) and takes the farewells (Query, BatchWriteItem);
# each sender reads its key lanes' subscribers (Query) and posts, counts and forgets as the broadcaster does.
_SHARDED_BROADCASTER_ACTIONS = _CLEANUP_ACTIONS
_SENDER_ACTIONS = _BROADCASTER_ACTIONS
# What each function calls on @connections (corkboard/management_api.py), and no more: actions answer the
# caller's frame (post_to_connection); the broadcaster posts events and closes a connection whose posts keep
# failing (delete_connection). Neither reads a connection (GET).
_ACTIONS_MANAGEMENT: tuple[ManagementMethod, ...] = ("POST",)
_BROADCASTER_MANAGEMENT: tuple[ManagementMethod, ...] = ("POST", "DELETE")
# Permission checks read the board and the caller's membership; subscribe checks the membership again in
# its transaction, so that a removal committed in between refuses it.
_MAIN_TABLE_ACCESS = ("dynamodb:GetItem", "dynamodb:ConditionCheckItem")


class RealtimeStack(Stack):
    """WebSocket clients subscribe to boards; the main table's stream tells them what changed."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: EnvironmentConfig,
        data: DataStack,
        **kwargs: object,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self._config = config
        self._encryption_key = data.encryption_key
        auth_libraries = PythonDependenciesLayer(
            self,
            "AuthLibraries",
            props=PythonDependenciesLayerProps(
                requirements_path=AUTH_LIBRARIES_REQUIREMENTS,
                description="PyJWT and cryptography for the WebSocket authorizer",
            ),
        )
        pool = data.user_directory
        self.authorizer = self._function(
            "Authorizer",
            "ws.authorizer.handler",
            "Verifies the Cognito ID token of a WebSocket $connect.",
            environment={
                design.ENV_USER_POOL_ID: pool.user_pool.user_pool_id,
                design.ENV_USER_POOL_CLIENT_ID: pool.user_pool_client.user_pool_client_id,
            },
            layers=(auth_libraries.layer,),
        )
        self.connect = self._function(
            "Connect", "ws.connection.connect", "Records a new WebSocket connection."
        )
        self.disconnect = self._function(
            "Disconnect", "ws.connection.disconnect", "Forgets a connection and its subscriptions."
        )
        self.actions = self._function(
            "Actions", "ws.actions.handler", "Serves subscribe, unsubscribe, ping and unknown frames."
        )
        self.websocket = WebSocketApi(
            self,
            "WebSocket",
            props=WebSocketApiProps(
                api_name=f"corkboard-{config.name}-realtime",
                connect_handler=self.connect.invocable,
                disconnect_handler=self.disconnect.invocable,
                default_handler=self.actions.invocable,
                authorizer_handler=self.authorizer.invocable,
                routes={action: self.actions.invocable for action in CLIENT_ACTIONS},
                throttling_rate_limit=config.throttling_rate_limit,
                throttling_burst_limit=config.throttling_burst_limit,
                access_log_retention=config.log_retention,
                encryption_key=data.encryption_key,
                existing_connections_table=data.connections_table,
            ),
        )
        self.broadcaster = self._function(
            "Broadcaster",
            "streams.broadcaster.handler",
            "Posts each board change to the board's WebSocket subscribers.",
            timeout=Duration.seconds(60),
        )
        # With the sharded fan-out, a sender posts each batch of subscribers the broadcaster queues.
        self.sender = (
            self._function(
                "Sender",
                "streams.sender.handler",
                "Posts a board change to one queued batch of the board's WebSocket subscribers.",
                timeout=Duration.seconds(60),
            )
            if config.sharded_fanout
            else None
        )
        self.stream = StreamBroadcaster(
            self,
            "BoardEvents",
            props=StreamBroadcasterProps(
                table=data.main_table,
                handler=self.broadcaster.invocable,
                filters=(_board_item_filter(),),
                # A board change goes out as soon as Lambda reads it: a batching window would hold every
                # change up to its length. Lambda reads a shard four times a second, so a burst of changes
                # still comes in one batch.
                max_batching_window=Duration.seconds(0),
                encryption_key=data.encryption_key,
                fanout=ShardedFanoutProps(sender=self.sender.invocable) if self.sender else None,
            ),
        )
        self.functions = (
            self.authorizer,
            self.connect,
            self.disconnect,
            self.actions,
            self.broadcaster,
            *((self.sender,) if self.sender else ()),
        )
        self._wire(data)
        self._outputs()

    def _function(
        self,
        construct_id: str,
        handler: str,
        description: str,
        *,
        environment: dict[str, str] | None = None,
        layers: Sequence[lambda_.ILayerVersion] = (),
        timeout: Duration | None = None,
    ) -> PythonFunction:
        return corkboard_function(
            self,
            construct_id,
            config=self._config,
            encryption_key=self._encryption_key,
            handler=handler,
            service="corkboard-realtime",
            description=description,
            environment=environment,
            layers=layers,
            timeout=timeout,
        )

    def _wire(self, data: DataStack) -> None:
        """Environment and the narrowest grants each function needs."""
        connections = self.websocket.connections_table
        # Who posts events: the broadcaster, or with the sharded fan-out the sender (the broadcaster queues).
        poster = self.sender or self.broadcaster
        grants = {
            self.connect: _CONNECT_ACTIONS,
            self.disconnect: _CLEANUP_ACTIONS,
            self.actions: _ACTIONS_ACTIONS,
            self.broadcaster: _SHARDED_BROADCASTER_ACTIONS if self.sender else _BROADCASTER_ACTIONS,
            **({self.sender: _SENDER_ACTIONS} if self.sender else {}),
        }
        for function, actions in grants.items():
            function.function.add_environment(design.ENV_CONNECTIONS_TABLE_NAME, connections.table_name)
            _allow(function, actions, connections.table_arn)
        if self.stream.fanout is not None:
            self.broadcaster.function.add_environment(
                design.ENV_FANOUT_QUEUE_URL, self.stream.fanout.queue.queue_url
            )
        management = {self.actions: _ACTIONS_MANAGEMENT, poster: _BROADCASTER_MANAGEMENT}
        for function, methods in management.items():
            function.function.add_environment(design.ENV_WEBSOCKET_CALLBACK_URL, self.websocket.callback_url)
            self.websocket.grant_manage_connections(function.role, methods=methods)
        self.actions.function.add_environment(design.ENV_TABLE_NAME, data.main_table.table_name)
        self.actions.function.add_environment(design.ENV_ADMIN_GROUP, design.ADMIN_GROUP)
        _allow(self.actions, _MAIN_TABLE_ACCESS, data.main_table.table_arn)

    def _outputs(self) -> None:
        CfnOutput(
            self, "WebSocketUrl", value=self.websocket.url, description="wss:// URL; add ?token=<ID token>"
        )
        CfnOutput(self, "BroadcastFailureQueueUrl", value=self.stream.failure_queue.queue_url)
        if self.stream.fanout is not None:
            CfnOutput(self, "FanoutDeadLetterQueueUrl", value=self.stream.fanout.dead_letter_queue.queue_url)


def _allow(function: PythonFunction, actions: Sequence[str], resource_arn: str) -> None:
    function.role.add_to_principal_policy(
        iam.PolicyStatement(actions=list(actions), resources=[resource_arn])
    )


def _board_item_filter() -> dict[str, object]:
    prefixes = [
        rule for prefix in BROADCAST_SORT_KEY_PREFIXES for rule in lambda_.FilterRule.begins_with(prefix)
    ]
    return lambda_.FilterCriteria.filter({"dynamodb": {"Keys": {design.SORT_KEY: {"S": prefixes}}}})
