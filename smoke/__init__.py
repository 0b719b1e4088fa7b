"""Smoke tests that run against any Corkboard deployment: a real one or the local cloud.

They read only the deployment's outputs file (``cdk deploy --outputs-file`` format, which the local cloud
writes too), so the code path that proves a local cloud in ``make test`` is the one ops run after a deploy.
Everything a run creates, it deletes; it never reads or changes data it did not create.
"""

from smoke.deployment import DeploymentError, SmokeTarget, read_outputs_file
from smoke.journey import run_journey
from smoke.steps import SmokeStepError, StepLog

__all__ = [
    "DeploymentError",
    "SmokeStepError",
    "SmokeTarget",
    "StepLog",
    "read_outputs_file",
    "run_journey",
]
