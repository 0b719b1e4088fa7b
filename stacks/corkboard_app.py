"""Composes one environment's stacks. app.py and the infra tests both call it: they synthesize one app."""

from dataclasses import dataclass

from aws_cdk import App, Environment, Tags

from stacks.api_stack import ApiStack
from stacks.config import EnvironmentConfig, load_environment
from stacks.data_stack import DataStack
from stacks.monitoring_stack import MonitoringStack
from stacks.realtime_stack import RealtimeStack

__all__ = ["CorkboardStacks", "add_corkboard", "config_from_context"]


@dataclass(frozen=True)
class CorkboardStacks:
    data: DataStack
    api: ApiStack
    realtime: RealtimeStack
    monitoring: MonitoringStack


def config_from_context(app: App) -> EnvironmentConfig:
    """The environment chosen with `-c env=NAME` (dev by default), validated."""
    name = app.node.try_get_context("env") or "dev"
    return load_environment(app.node.try_get_context("environments"), name)


def add_corkboard(app: App, config: EnvironmentConfig, env: Environment | None = None) -> CorkboardStacks:
    """Add Corkboard's stacks for `config` to `app`. `env` stays unset for synth: no AWS account is needed."""
    prefix = f"Corkboard-{config.name}"
    data = DataStack(app, f"{prefix}-Data", config=config, env=env)
    api = ApiStack(app, f"{prefix}-Api", config=config, data=data, env=env)
    realtime = RealtimeStack(app, f"{prefix}-Realtime", config=config, data=data, env=env)
    monitoring = MonitoringStack(
        app, f"{prefix}-Monitoring", config=config, data=data, api=api, realtime=realtime, env=env
    )
    for stack in (data, api, realtime, monitoring):
        Tags.of(stack).add("app", "corkboard")
        Tags.of(stack).add("environment", config.name)
    return CorkboardStacks(data=data, api=api, realtime=realtime, monitoring=monitoring)
