"""``bench/cold_import.py`` measures every function of the app: its handler list is the stacks' handlers.

A function added to a stack without being added to the bench would never have its cold start measured.
"""

from bench.cold_import import HANDLERS
from tests.infra.conftest import SynthesizedApp

STACKS = ("data", "api", "realtime", "monitoring")
# CDK's handler of the bucket-notification custom resource: only CloudFormation calls it, at deploy time.
DEPLOY_TIME_HANDLER = "BucketNotificationsHandler"


def _handlers(app: SynthesizedApp) -> set[str]:
    return {
        resource["Properties"]["Handler"]
        for stack in STACKS
        for logical_id, resource in app.template(stack)["Resources"].items()
        if resource["Type"] == "AWS::Lambda::Function" and not logical_id.startswith(DEPLOY_TIME_HANDLER)
    }


def test_the_bench_imports_the_handler_of_every_function_of_the_app(
    dev_app: SynthesizedApp, prod_app: SynthesizedApp
) -> None:
    assert set(HANDLERS.values()) == _handlers(dev_app) | _handlers(prod_app)
