"""MonitoringStack: one dashboard and the alarms for everything Corkboard runs, sent to the on-call e-mail.

A stack of its own so that alarms can be tuned and redeployed without touching the API or the data.
"""

from aws_cdk import Stack
from constructs import Construct

from serverless_blocks import ApiMonitoring, ApiMonitoringProps
from stacks.api_stack import ApiStack
from stacks.config import EnvironmentConfig
from stacks.data_stack import DataStack
from stacks.realtime_stack import RealtimeStack

__all__ = ["MonitoringStack"]


class MonitoringStack(Stack):
    """Dashboard + alarms over the REST API, the WebSocket API, every function, table and failure queue.

    The uploads function and its S3 notification failure queue live in the DataStack (its docstring says why).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: EnvironmentConfig,
        data: DataStack,
        api: ApiStack,
        realtime: RealtimeStack,
        **kwargs: object,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        functions = (
            api.rest_function,
            data.uploads_function,
            *(f for f in realtime.functions if f is not realtime.authorizer),
        )
        self.monitoring = ApiMonitoring(
            self,
            "Monitoring",
            props=ApiMonitoringProps(
                dashboard_name=f"corkboard-{config.name}",
                rest_api=api.rest_api.api,
                functions=tuple(function.function for function in functions),
                # It refuses every bad or expired token by failing (API Gateway's 401), so only a surge of
                # errors means trouble: an attack, or the pool's keys out of reach.
                refusing_functions=(realtime.authorizer.function,),
                tables=(data.main_table, data.idempotency_table, realtime.websocket.connections_table),
                queues=(
                    realtime.stream.failure_queue,
                    data.uploads_failure_queue,
                    *((realtime.stream.fanout.dead_letter_queue,) if realtime.stream.fanout else ()),
                ),
                websocket_api=realtime.websocket.api,
                websocket_stage_name=realtime.websocket.stage.stage_name,
                alarm_email=config.alarm_email,
                topic_encryption_key=data.encryption_key,
            ),
        )
